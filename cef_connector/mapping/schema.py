"""The YAML schema of mapping sets: one file's text → a validated spec, or problems.

Two kinds of file (format reference: ``mappings/README.md``):

``_defaults.yaml`` (one per set)::

    device_vendor: Cisco           # CEF header field 2 (≤ 63 characters)
    device_product: Firepower      # CEF header field 3 (≤ 63 characters)
    custom_keys: [bytesIn]         # optional: non-dictionary keys this set may emit
    description: …                 # optional

``<record name>.yaml`` (one per mapped record type)::

    record_types: [71]             # required, non-empty list of record numbers
    signature_id: "RNA:1003:1"     # required Jinja template
    name: "CONNECTION STATISTICS"  # required Jinja template
    severity: "{{ 3 if … }}"       # required Jinja template rendering 0–10 (or an int)
    extensions:                    # required ordered mapping: CEF key → Jinja template
      rt: "{{ eventSecond | cef_time(eventMicrosecond) }}"
    labels:                        # label text per custom field (cs1 …), literal
      cs1: Access Control Policy
    description: …                 # optional

Unknown keys, duplicate keys, wrong types, keys that are not CEF dictionary or
declared custom keys, custom fields without a label and labels without a field
are all reported, each with the file, YAML line and key.  Jinja-level checks
(syntax, fields, names, test rendering) are the loader's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]

from cef_connector.cef.dictionary import (
    CONSUMER_KEYS,
    HEADER_MAX_LENGTHS,
    KEY_PATTERN,
    LABEL_KEYS,
    PRODUCER_KEYS,
)

__all__ = [
    "DefaultsSpec",
    "MappingSpec",
    "ValueSpec",
    "parse_defaults",
    "parse_mapping",
    "suggest",
]

_MAPPING_KEYS = ("record_types", "signature_id", "name", "severity", "extensions", "labels", "description")
_REQUIRED_MAPPING_KEYS = ("record_types", "signature_id", "name", "severity", "extensions")
_DEFAULTS_KEYS = ("device_vendor", "device_product", "custom_keys", "description")


def suggest(word: str, candidates: object) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``.

    Args:
        word: the misspelt word.
        candidates: an iterable of valid words.

    Returns:
        The hint text, starting with a space, or an empty string.
    """
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)  # type: ignore[call-overload]
    return f" (did you mean {matches[0]!r}?)" if matches else ""


class _Lined(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of each key."""

    lines: dict[Any, int]


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that records key lines and rejects duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> _Lined:
    loader.flatten_mapping(node)
    result = _Lined()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {result.lines[key]})", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(text: str, source: str, problems: list[str]) -> _Lined | None:
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        problems.append(f"{where}: invalid YAML: {problem}")
        return None
    if not isinstance(data, _Lined):
        problems.append(f"{source}: the file must be a YAML mapping (key: value lines)")
        return None
    return data


def _where(source: str, data: _Lined, key: str) -> str:
    line = data.lines.get(key)
    return f"{source}:{line}" if line else source


def _check_known_keys(data: _Lined, allowed: tuple[str, ...], source: str, problems: list[str]) -> None:
    for key in data:
        if key not in allowed:
            problems.append(
                f"{_where(source, data, key)}: unknown key {key!r}{suggest(str(key), allowed)}; "
                f"allowed keys: {', '.join(allowed)}"
            )


def _plain_text(value: object, where: str, what: str, max_length: int, problems: list[str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {what} must be non-empty text, got {value!r}")
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        problems.append(f"{where}: {what} must not contain control characters (line breaks, tabs)")
        return None
    if len(value) > max_length:
        problems.append(f"{where}: {what} is {len(value)} characters; the CEF limit is {max_length}")
        return None
    return value


@dataclass(frozen=True)
class DefaultsSpec:
    """A mapping set's ``_defaults.yaml``."""

    device_vendor: str
    device_product: str
    custom_keys: frozenset[str]


def parse_defaults(text: str, source: str, problems: list[str]) -> DefaultsSpec | None:
    """Parse and validate a set's ``_defaults.yaml``.

    Args:
        text: the file text.
        source: the file name used in messages.
        problems: list that receives one line per problem.

    Returns:
        The spec, or ``None`` when there were problems.
    """
    before = len(problems)
    data = _load_yaml(text, source, problems)
    if data is None:
        return None
    _check_known_keys(data, _DEFAULTS_KEYS, source, problems)
    for key in ("device_vendor", "device_product"):
        if key not in data:
            problems.append(f"{source}: missing required key {key!r}")
    vendor = _plain_text(
        data.get("device_vendor"), _where(source, data, "device_vendor"), "device_vendor",
        HEADER_MAX_LENGTHS["device_vendor"], problems,
    ) if "device_vendor" in data else None
    product = _plain_text(
        data.get("device_product"), _where(source, data, "device_product"), "device_product",
        HEADER_MAX_LENGTHS["device_product"], problems,
    ) if "device_product" in data else None
    custom: set[str] = set()
    raw_custom = data.get("custom_keys", [])
    where = _where(source, data, "custom_keys")
    if not isinstance(raw_custom, list):
        problems.append(f"{where}: custom_keys must be a list of key names")
        raw_custom = []
    for key in raw_custom:
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            problems.append(f"{where}: custom key {key!r} must be one alphanumeric word (CEF doc §2.5)")
        elif key in PRODUCER_KEYS:
            problems.append(f"{where}: custom key {key!r} is a CEF dictionary key; remove it from custom_keys")
        elif key in CONSUMER_KEYS:
            problems.append(f"{where}: custom key {key!r} is reserved for the ArcSight consumer (CEF doc §2.2)")
        else:
            custom.add(key)
    if len(problems) > before or vendor is None or product is None:
        return None
    return DefaultsSpec(vendor, product, frozenset(custom))


@dataclass(frozen=True)
class ValueSpec:
    """One templated value of a mapping file.

    Attributes:
        key: ``signature_id``, ``name``, ``severity`` or a CEF extension key.
        source: the Jinja template text.
        line: its YAML line (for messages).
        label: ``(label key, label text)`` for custom fields, else ``None``.
    """

    key: str
    source: str
    line: int
    label: tuple[str, str] | None = None


@dataclass(frozen=True)
class MappingSpec:
    """A validated mapping file, before Jinja compilation.

    Attributes:
        source: the file name used in messages.
        record_types: the record types this file maps.
        values: header values (``signature_id``, ``name``, ``severity``) then the
            extensions in file order.
    """

    source: str
    record_types: tuple[int, ...]
    values: tuple[ValueSpec, ...]


def _template_text(value: object, where: str, key: str, problems: list[str]) -> str | None:
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int)):
        problems.append(
            f"{where}: {key} must be a Jinja template (text) or an integer, got {value!r}; "
            "delete the key to omit it"
        )
        return None
    text = str(value)
    if not text.strip():
        problems.append(f"{where}: {key} is empty; delete the key to omit it")
        return None
    return text


def _extension_key_problem(key: object, custom_keys: frozenset[str]) -> str | None:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        return f"CEF key {key!r} is not one alphanumeric word (CEF doc §1.4)"
    if key in CONSUMER_KEYS:
        return f"CEF key {key!r} is reserved for the ArcSight consumer (CEF doc §2.2); use a labelled cs field"
    if key in LABEL_KEYS:
        return f"{key!r} is a label; put the label text under labels: {LABEL_KEYS[key]}: …"
    if key in PRODUCER_KEYS or key in custom_keys:
        return None
    hint = suggest(key, list(PRODUCER_KEYS) + sorted(custom_keys))
    return (
        f"CEF key {key!r} is not in the CEF dictionary{hint}; use a dictionary key, "
        "or declare it in custom_keys of the set's _defaults.yaml"
    )


def parse_mapping(text: str, source: str, custom_keys: frozenset[str], problems: list[str]) -> MappingSpec | None:
    """Parse and validate one mapping file.

    Args:
        text: the file text.
        source: the file name used in messages.
        custom_keys: the set's declared custom keys.
        problems: list that receives one line per problem.

    Returns:
        The spec, or ``None`` when there were problems.
    """
    before = len(problems)
    data = _load_yaml(text, source, problems)
    if data is None:
        return None
    _check_known_keys(data, _MAPPING_KEYS, source, problems)
    for key in _REQUIRED_MAPPING_KEYS:
        if key not in data:
            problems.append(f"{source}: missing required key {key!r}")

    record_types: list[int] = []
    raw_types = data.get("record_types")
    if "record_types" in data:
        where = _where(source, data, "record_types")
        if not isinstance(raw_types, list) or not raw_types:
            problems.append(f"{where}: record_types must be a non-empty list of record numbers, e.g. [71]")
        else:
            for item in raw_types:
                if isinstance(item, bool) or not isinstance(item, int) or item < 0:
                    problems.append(f"{where}: record type {item!r} is not a record number")
                elif item in record_types:
                    problems.append(f"{where}: record type {item} is listed twice")
                else:
                    record_types.append(item)

    values: list[ValueSpec] = []
    for key in ("signature_id", "name", "severity"):
        if key in data:
            where = _where(source, data, key)
            text_value = _template_text(data[key], where, key, problems)
            if key == "severity" and isinstance(data[key], int) and not isinstance(data[key], bool):
                if not 0 <= data[key] <= 10:
                    problems.append(f"{where}: severity {data[key]} is outside 0–10 (CEF doc §1.2)")
            if text_value is not None:
                values.append(ValueSpec(key, text_value, data.lines.get(key, 0)))

    labels: _Lined | dict[str, Any] = {}
    if "labels" in data:
        raw_labels = data["labels"]
        if not isinstance(raw_labels, _Lined):
            problems.append(f"{_where(source, data, 'labels')}: labels must be a mapping: cs1: Label text")
        else:
            labels = raw_labels

    extensions = data.get("extensions")
    if "extensions" in data and not isinstance(extensions, _Lined):
        problems.append(f"{_where(source, data, 'extensions')}: extensions must be a mapping: CEF key: template")
        extensions = None
    if isinstance(extensions, _Lined):
        for key, raw in extensions.items():
            where = f"{source}:{extensions.lines.get(key, 0)}"
            problem = _extension_key_problem(key, custom_keys)
            if problem is not None:
                problems.append(f"{where}: extensions.{key}: {problem}")
                continue
            text_value = _template_text(raw, where, f"extensions.{key}", problems)
            label: tuple[str, str] | None = None
            info = PRODUCER_KEYS.get(key)
            if info is not None and info.label is not None:
                if key not in labels:
                    problems.append(
                        f"{where}: extensions.{key}: a custom field needs a label; add "
                        f"labels: {key}: <what it holds> (CEF doc §6 item 11)"
                    )
                else:
                    label_info = PRODUCER_KEYS[info.label]
                    label_text = _plain_text(
                        labels[key], f"{source}:{getattr(labels, 'lines', {}).get(key, 0)}",
                        f"labels.{key}", label_info.max_length or 1023, problems,
                    )
                    if label_text is not None:
                        label = (info.label, label_text)
            if text_value is not None:
                values.append(ValueSpec(key, text_value, extensions.lines.get(key, 0), label))
    for key in labels:
        where = f"{source}:{getattr(labels, 'lines', {}).get(key, 0)}"
        info = PRODUCER_KEYS.get(key) if isinstance(key, str) else None
        if info is None or info.label is None:
            if isinstance(key, str) and key in LABEL_KEYS:
                problems.append(f"{where}: labels.{key}: write the field name, {LABEL_KEYS[key]}, not its label key")
            else:
                problems.append(
                    f"{where}: labels.{key}: only custom fields (cs1-6, cn1-3, cfp1-4, c6a1-4, "
                    "deviceCustomDate1-2, flexString1-2, flexDate1) take a label"
                )
        elif not isinstance(extensions, _Lined) or key not in extensions:
            problems.append(f"{where}: labels.{key}: there is no extensions.{key} to describe; remove the label")
    if len(problems) > before:
        return None
    return MappingSpec(source, tuple(record_types), tuple(values))
