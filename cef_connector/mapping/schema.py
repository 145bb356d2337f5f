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

Override files (``handler.mappingsDirectory``) are merged onto the packaged file of
the same name before validation (:func:`merge_mapping`, :func:`merge_defaults`;
rules in ``mappings/README.md``, "Overriding a packaged set"): top-level keys
replace, ``extensions`` and ``labels`` merge key by key, ``null`` removes a key,
``drop: true`` (or ``record_types: []``) drops the packaged file and
``replace: true`` replaces it whole.  Every key remembers the file and line it
came from, so a problem in a merged mapping names the file the author edited.
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
    "Document",
    "MappingSpec",
    "OVERRIDE_DIRECTIVES",
    "ValueSpec",
    "defaults_spec",
    "load_document",
    "mapping_spec",
    "merge_defaults",
    "merge_mapping",
    "override_directives",
    "parse_defaults",
    "parse_mapping",
    "suggest",
]

_MAPPING_KEYS = ("record_types", "signature_id", "name", "severity", "extensions", "labels", "description")
_REQUIRED_MAPPING_KEYS = ("record_types", "signature_id", "name", "severity", "extensions")
_DEFAULTS_KEYS = ("device_vendor", "device_product", "custom_keys", "description")

#: Keys only an override file may have: ``drop: true`` drops the packaged file,
#: ``replace: true`` replaces it whole instead of merging onto it.
OVERRIDE_DIRECTIVES = ("drop", "replace")

#: Sections of a mapping file that merge key by key.
_MERGED_SECTIONS = ("extensions", "labels")


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
    """A YAML mapping that remembers the line of each key (and, once merged, its file).

    Attributes:
        lines: the YAML line of each key.
        sources: the file of each key that came from another file than the
            document's own (merged overrides); absent keys are from ``source``.
        source: the file the document was read from ("" for nested mappings).
    """

    lines: dict[Any, int]
    sources: dict[Any, str]
    source: str = ""
    #: top-level keys an override set to null: key → "file:line" of the null
    removed: dict[Any, str] = {}


#: A parsed YAML mapping file (see :func:`load_document`).
Document = _Lined


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that records key lines and rejects duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> _Lined:
    loader.flatten_mapping(node)
    result = _Lined()
    result.lines = {}
    result.sources = {}
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
    data.source = source
    return data


def load_document(text: str, source: str, problems: list[str]) -> Document | None:
    """Parse one mapping or defaults file as YAML (duplicate keys refused, lines kept).

    Args:
        text: the file text.
        source: the file name used in messages.
        problems: list that receives one line per problem.

    Returns:
        The document, or ``None`` when it is not a YAML mapping.
    """
    return _load_yaml(text, source, problems)


def _origin(source: str, data: _Lined, key: Any) -> str:
    return getattr(data, "sources", {}).get(key, source)


def _where(source: str, data: _Lined, key: Any) -> str:
    line = data.lines.get(key)
    origin = _origin(source, data, key)
    return f"{origin}:{line}" if line else origin


def override_directives(document: Document, problems: list[str]) -> tuple[bool, bool]:
    """Take ``drop`` and ``replace`` out of an override file.

    Args:
        document: an override file (modified: the directives are removed).
        problems: list that receives one line per problem.

    Returns:
        ``(drop, replace)``.
    """
    flags: list[bool] = []
    for key in OVERRIDE_DIRECTIVES:
        value = document.pop(key, False)
        if not isinstance(value, bool):
            problems.append(
                f"{_where(document.source, document, key)}: {key} must be true or false, got {value!r}"
            )
            value = False
        flags.append(value)
    return flags[0], flags[1]


def _copy(document: _Lined) -> _Lined:
    result = _Lined(document)
    result.lines = dict(document.lines)
    result.sources = {key: _origin(document.source, document, key) for key in document}
    result.source = document.source
    return result


def _merge_section(base: object, override: _Lined, base_source: str, override_source: str) -> _Lined:
    """Merge one key-by-key section: override keys replace in place, new ones are appended, null removes."""
    result = _Lined()
    result.lines = {}
    result.sources = {}
    result.source = override_source
    if isinstance(base, _Lined):
        for key, value in base.items():
            result[key] = value
            result.lines[key] = base.lines.get(key, 0)
            result.sources[key] = _origin(base_source, base, key)
    for key, value in override.items():
        if value is None:
            result.pop(key, None)
            result.lines.pop(key, None)
            result.sources.pop(key, None)
            continue
        result[key] = value
        result.lines[key] = override.lines.get(key, 0)
        result.sources[key] = override_source
    return result


def merge_mapping(base: Document, override: Document, problems: list[str]) -> Document:
    """Merge an override mapping file onto the packaged file of the same name.

    Rules: a top-level key of the override replaces the packaged one (``record_types``,
    ``signature_id``, ``name``, ``severity``, ``description``); ``extensions`` and
    ``labels`` merge key by key (a key keeps its place when replaced; new keys go
    after the packaged ones, in the override's order); a key set to ``null`` is
    removed, and removing a custom field removes its label unless the override sets
    that label too.  ``drop``/``replace`` must have been taken out with
    :func:`override_directives` first.

    Args:
        base: the packaged file.
        override: the override file.
        problems: list that receives one line per problem.

    Returns:
        The merged document (validate it with :func:`mapping_spec`).
    """
    merged = _copy(base)
    merged.source = override.source
    removed: set[str] = set()
    for key, value in override.items():
        line = override.lines.get(key, 0)
        if key in _MERGED_SECTIONS and value is not None:
            if not isinstance(value, _Lined):
                problems.append(
                    f"{override.source}:{line}: {key} must be a mapping (key: value lines); in an "
                    f"override it is merged key by key onto the packaged {key} (null removes a key)"
                )
                continue
            if key == "extensions":
                old = base.get(key)
                removed = {k for k, v in value.items() if v is None and isinstance(old, dict) and k in old}
            merged[key] = _merge_section(base.get(key), value, base.source, override.source)
        elif value is None:
            merged.pop(key, None)
            merged.lines.pop(key, None)
            merged.sources.pop(key, None)
            merged.removed = {**merged.removed, key: f"{override.source}:{line}"}
            continue
        else:
            merged[key] = value
        merged.lines[key] = line
        merged.sources[key] = override.source
    labels = merged.get("labels")
    own_labels = override.get("labels")
    if removed and isinstance(labels, _Lined):
        for key in sorted(removed):
            if key in labels and not (isinstance(own_labels, dict) and key in own_labels):
                del labels[key]
                labels.lines.pop(key, None)
                labels.sources.pop(key, None)
    return merged


def merge_defaults(base: Document, override: Document, problems: list[str]) -> Document:
    """Merge an override ``_defaults.yaml`` onto the packaged one.

    Keys replace the packaged ones, ``null`` removes a key, and ``custom_keys`` lists
    are joined (the packaged keys stay declared).

    Args:
        base: the packaged ``_defaults.yaml``.
        override: the override's ``_defaults.yaml``.
        problems: list that receives one line per problem.

    Returns:
        The merged document (validate it with :func:`defaults_spec`).
    """
    merged = _copy(base)
    merged.source = override.source
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
            continue
        if key == "custom_keys" and isinstance(value, list) and isinstance(base.get(key), list):
            value = list(base[key]) + [item for item in value if item not in base[key]]
        merged[key] = value
        merged.lines[key] = override.lines.get(key, 0)
        merged.sources[key] = override.source
    return merged


def _check_known_keys(data: _Lined, allowed: tuple[str, ...], source: str, problems: list[str]) -> None:
    for key in data:
        if key in OVERRIDE_DIRECTIVES:
            problems.append(
                f"{_where(source, data, key)}: {key!r} is for override files "
                "(handler.mappingsDirectory), not for the packaged set"
            )
        elif key not in allowed:
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
    data = _load_yaml(text, source, problems)
    if data is None:
        return None
    return defaults_spec(data, problems)


def defaults_spec(data: Document, problems: list[str]) -> DefaultsSpec | None:
    """Validate a parsed (possibly merged) ``_defaults.yaml``.

    Args:
        data: the document.
        problems: list that receives one line per problem.

    Returns:
        The spec, or ``None`` when there were problems.
    """
    before = len(problems)
    source = data.source
    _check_known_keys(data, _DEFAULTS_KEYS, source, problems)
    for key in ("device_vendor", "device_product"):
        if key not in data:
            problems.append(_missing(data, key))
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
        origin: the file the value was written in (the override file for a value
            an override set); ``""`` means the mapping's own file.
    """

    key: str
    source: str
    line: int
    label: tuple[str, str] | None = None
    origin: str = ""


@dataclass(frozen=True)
class MappingSpec:
    """A validated mapping file, before Jinja compilation.

    Attributes:
        source: the file name used in messages.
        record_types: the record types this file maps.
        values: header values (``signature_id``, ``name``, ``severity``) then the
            extensions in file order.
        complete: False when the file had problems and only its valid values are
            here (``mapping_spec(partial=True)``); such a spec is checked, never used.
    """

    source: str
    record_types: tuple[int, ...]
    values: tuple[ValueSpec, ...]
    complete: bool = True

    def where(self, value: ValueSpec) -> str:
        """Return ``file:line`` of one value, for messages."""
        return f"{value.origin or self.source}:{value.line}"


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


def _label_where(source: str, labels: object, key: Any) -> str:
    if isinstance(labels, _Lined):
        return _where(source, labels, key)
    return f"{source}:0"


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
    data = _load_yaml(text, source, problems)
    if data is None:
        return None
    return mapping_spec(data, custom_keys, problems)


def _missing(data: _Lined, key: str) -> str:
    where = data.removed.get(key)
    if where is not None:
        return f"{where}: {key}: a required key cannot be removed; give it a new value instead of null"
    return f"{data.source}: missing required key {key!r}"


def mapping_spec(data: Document, custom_keys: frozenset[str], problems: list[str], *,
                 partial: bool = False) -> MappingSpec | None:
    """Validate a parsed (possibly merged) mapping file.

    Args:
        data: the document (:func:`load_document`, :func:`merge_mapping`).
        custom_keys: the set's declared custom keys.
        problems: list that receives one line per problem.
        partial: when there were problems, return the values that are valid anyway
            (``complete=False``), so that their templates can be checked too.

    Returns:
        The spec, or ``None`` when there were problems (and ``partial`` is false).
    """
    before = len(problems)
    source = data.source
    _check_known_keys(data, _MAPPING_KEYS, source, problems)
    for key in _REQUIRED_MAPPING_KEYS:
        if key not in data:
            problems.append(_missing(data, key))

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
                values.append(ValueSpec(key, text_value, data.lines.get(key, 0), None,
                                        _origin(source, data, key)))

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
            where = _where(source, extensions, key)
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
                        labels[key], _label_where(source, labels, key),
                        f"labels.{key}", label_info.max_length or 1023, problems,
                    )
                    if label_text is not None:
                        label = (info.label, label_text)
            if text_value is not None:
                values.append(ValueSpec(key, text_value, extensions.lines.get(key, 0), label,
                                        _origin(source, extensions, key)))
    for key in labels:
        where = _label_where(source, labels, key)
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
        return MappingSpec(source, tuple(record_types), tuple(values), complete=False) if partial else None
    return MappingSpec(source, tuple(record_types), tuple(values))
