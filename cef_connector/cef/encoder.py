"""The CEF line encoder: CefEvent → one escaped, validated CEF line (CEF doc §1).

Rules implemented here (CEF doc §1.4 and §6):

* Header fields 2–6: backslash → ``\\\\``, pipe → ``\\|``; CR, LF, the other C0
  controls and DEL → space (a header cannot carry a line break); truncated to the
  header limits of §1.1 before escaping; never empty.
* Severity: an ``int`` from 0 to 10, nothing else.
* Extension values: C0 controls other than CR/LF, and DEL → space; leading and
  trailing spaces trimmed; an empty value is omitted (``0`` is a value); strings
  truncated to the dictionary maximum in characters, at a code-point boundary,
  *before* escaping; then exactly four substitutions: backslash → ``\\\\``,
  ``=`` → ``\\=``, LF → ``\\n``, CR → ``\\r``.  Pipe, quotes, brackets: unchanged.
* Lone UTF-16 surrogates (which cannot be written as UTF-8) → U+FFFD everywhere.
* Keys: dictionary keys (§2.1) or the event's declared custom keys, one
  alphanumeric word, each at most once; consumer keys (§2.2) are refused.
* Typed keys are validated: integers (ports 0–65535), IPv4 dotted quads, IPv6,
  MAC addresses, timestamps (epoch milliseconds or the §2.3 date forms).
* A labelled custom field (``cs1`` …) must come with its label; a label whose
  value was omitted is dropped.

This module is pure: no I/O, no clock.  Any violation raises
:class:`~cef_connector.errors.MappingError`, because a CefEvent is built by a
mapping and the fix belongs in that mapping.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cef_connector.cef.dictionary import (
    CONSUMER_KEYS,
    CUSTOM_KEY_MAX_LENGTH,
    HEADER_MAX_LENGTHS,
    KEY_PATTERN,
    PRODUCER_KEYS,
    KeyInfo,
    KeyType,
)
from cef_connector.cef.event import CefEvent
from cef_connector.errors import MappingError

__all__ = ["encode", "CEF_VERSION", "LinePlan", "PlannedExtension", "line_plan"]

#: ``CEF:0`` — the 0.x dictionary (CEF doc §1.1, project rule).
CEF_VERSION = 0

_SURROGATES = range(0xD800, 0xE000)

# --- header -----------------------------------------------------------------

_HEADER_CONTROLS: dict[int, str] = {c: " " for c in range(0x20)}
_HEADER_CONTROLS[0x7F] = " "
_HEADER_CONTROLS.update({c: "\ufffd" for c in _SURROGATES})
_HEADER_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|"})


def _header_field(value: str, max_length: int, field_name: str, event: CefEvent) -> str:
    """Clean, truncate and escape one header field (CEF doc §1.4, header rows)."""
    if type(value) is not str:
        raise MappingError(
            f"CEF header field {field_name} must be text, got {type(value).__name__} "
            f"({value!r}); fix the mapping that builds event {event.signature_id!r}"
        )
    if (
        value.isprintable()  # no control, DEL or surrogate (other non-printables take the slow path)
        and "\\" not in value
        and "|" not in value
        and len(value) <= max_length
    ):
        if not value:
            raise MappingError(
                f"CEF header field {field_name} is empty in event {event.signature_id!r}; "
                "give the mapping a fallback value"
            )
        return value
    value = value.translate(_HEADER_CONTROLS)[:max_length]
    if not value:
        raise MappingError(
            f"CEF header field {field_name} is empty in event {event.signature_id!r}; "
            "give the mapping a fallback value"
        )
    return value.translate(_HEADER_ESCAPES)


@functools.lru_cache(maxsize=64)
def _header_prefix_cached(vendor: str, product: str, version: str) -> str:
    # The first three header fields repeat on every line; build them once.
    probe = CefEvent(vendor, product, version, "-", "-", 0)
    return "CEF:%d|%s|%s|%s|" % (
        CEF_VERSION,
        _header_field(vendor, HEADER_MAX_LENGTHS["device_vendor"], "device_vendor", probe),
        _header_field(product, HEADER_MAX_LENGTHS["device_product"], "device_product", probe),
        _header_field(version, HEADER_MAX_LENGTHS["device_version"], "device_version", probe),
    )


def _header_prefix(event: CefEvent) -> str:
    try:
        return _header_prefix_cached(event.device_vendor, event.device_product, event.device_version)
    except TypeError:  # unhashable value: report it like any other bad field
        for name in ("device_vendor", "device_product", "device_version"):
            _header_field(getattr(event, name), 1, name, event)
        raise  # pragma: no cover - the loop above always raises


# --- extension values ---------------------------------------------------------

# Controls other than CR/LF, DEL → space; surrogates → U+FFFD (project rule §1.4).
_EXT_CONTROLS: dict[int, str] = {c: " " for c in range(0x20) if c not in (0x0A, 0x0D)}
_EXT_CONTROLS[0x7F] = " "
_EXT_CONTROLS.update({c: "\ufffd" for c in _SURROGATES})
_EXT_CONTROL_SEARCH = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]").search
# The four CEF extension escapes.  str.translate maps each character once, so
# "backslash first" holds by construction: an inserted backslash is never re-read.
_EXT_ESCAPES = str.maketrans({"\\": "\\\\", "=": "\\=", "\n": "\\n", "\r": "\\r"})
_EXT_ESCAPE_SEARCH = re.compile("[\\\\=\r\n]").search


def _normalise(value: str, max_length: int | None) -> str:
    """Controls → space, trim, truncate (code points, before escaping), escape."""
    if _EXT_CONTROL_SEARCH(value):
        value = value.translate(_EXT_CONTROLS)
    value = value.strip(" ")
    if max_length is not None and len(value) > max_length:
        value = value[:max_length].rstrip(" ")
    if _EXT_ESCAPE_SEARCH(value):
        value = value.translate(_EXT_ESCAPES)
    return value


# --- typed-value validators (CEF doc §2.1 types, §2.3 time forms, §6 item 12–14) ---

_INTEGER = re.compile(r"-?[0-9]+").fullmatch
_FLOAT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?").fullmatch
_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
).fullmatch
_MAC = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}").fullmatch
_TIMESTAMP = re.compile(
    r"[0-9]+"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{2}(?: [0-9]{4})?"
    r" [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?(?: [A-Za-z][A-Za-z0-9+:_/-]*)?"
).fullmatch


@functools.lru_cache(maxsize=4096)
def _is_ipv6(value: str) -> bool:
    # Memoised: the same addresses recur on every line, and parsing one costs microseconds.
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return False
    # "::" is never emitted (CEF doc §2.4); a zone index ("%eth0") is not an address.
    return not address.is_unspecified and address.scope_id is None


# Ranges of the dictionary as single regexes (one C call on the hot path).
_RANGE_PATTERNS: dict[tuple[int, int], Callable[[str], object]] = {
    (0, 65535): re.compile(
        r"[0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"
    ).fullmatch,
    (0, 1): re.compile(r"[01]").fullmatch,
    (0, 3): re.compile(r"[0-3]").fullmatch,
}


def _ranged(low: int, high: int) -> Callable[[str], object]:
    pattern = _RANGE_PATTERNS.get((low, high))
    if pattern is not None:
        return pattern

    def check(value: str) -> bool:
        return _INTEGER(value) is not None and low <= int(value) <= high

    return check


def _validator(info: KeyInfo) -> Callable[[str], object] | None:
    if info.type in (KeyType.INTEGER, KeyType.LONG):
        if info.min_value is not None and info.max_value is not None:
            return _ranged(info.min_value, info.max_value)
        return _INTEGER
    return {
        KeyType.STRING: None,
        KeyType.FLOAT: _FLOAT,
        KeyType.IPV4: _IPV4,
        KeyType.IPV6: _is_ipv6,
        KeyType.MAC: _MAC,
        KeyType.TIMESTAMP: _TIMESTAMP,
    }[info.type]


_EXPECTED: dict[KeyType, str] = {
    KeyType.INTEGER: "an integer",
    KeyType.LONG: "an integer",
    KeyType.FLOAT: "a decimal number",
    KeyType.IPV4: "a dotted-quad IPv4 address (IPv6 goes to c6a2/c6a3)",
    KeyType.IPV6: "an IPv6 address other than '::' (no zone index)",
    KeyType.MAC: "a MAC address like 00:50:56:a1:b2:c3",
    KeyType.TIMESTAMP: "milliseconds since the epoch",
}

# Per-key plan, precomputed once: (max_length, validator, label key, labelled key, "key=").
_Plan = tuple[int | None, Callable[[str], object] | None, str | None, str | None, str]
_PLANS: dict[str, _Plan] = {
    key: (info.max_length, _validator(info), info.label, info.label_of, key + "=")
    for key, info in PRODUCER_KEYS.items()
}


def _custom_plan(key: str, event: CefEvent) -> _Plan:
    """Plan for a key that is not in the dictionary, or raise MappingError."""
    where = f"event {event.signature_id!r}"
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise MappingError(
            f"CEF extension key {key!r} in {where} is not one alphanumeric word; "
            "CEF keys cannot be escaped (CEF doc §1.4)"
        )
    if key in CONSUMER_KEYS:
        raise MappingError(
            f"CEF extension key {key!r} in {where} is reserved for the ArcSight consumer "
            "(CEF doc §2.2); use a labelled custom field such as cs1 instead"
        )
    if key in event.custom_keys:
        return (CUSTOM_KEY_MAX_LENGTH, None, None, None, key + "=")
    hint = difflib.get_close_matches(key, list(PRODUCER_KEYS), n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise MappingError(
        f"CEF extension key {key!r} in {where} is not in the CEF dictionary{suggestion}; "
        "use a dictionary key or declare it in custom_keys of the mapping set's _defaults.yaml"
    )


def _coerce(key: str, value: object, event: CefEvent) -> str:
    if type(value) is int:
        return str(value)
    raise MappingError(
        f"CEF extension {key!r} in event {event.signature_id!r} has a "
        f"{type(value).__name__} value ({value!r:.60}); mappings must produce text"
    )


def _check_labels(
    parts: list[str], labelled: list[tuple[int, str, str | None, str | None]], event: CefEvent
) -> bool:
    """Require a label for each emitted custom field; drop labels without a value (in place).

    Returns:
        True when a label was dropped.
    """
    emitted = {key for _, key, _, _ in labelled}
    dropped: list[int] = []
    for index, key, label, label_of in labelled:
        if label is not None and label not in emitted:
            raise MappingError(
                f"CEF extension {key!r} in event {event.signature_id!r} has no {label}; "
                f"add a label for {key} to the mapping (CEF doc §6 item 11)"
            )
        if label_of is not None and label_of not in emitted:
            dropped.append(index)
    for index in reversed(dropped):
        del parts[index]
    return bool(dropped)


def _type_error(key: str, value: str, event: CefEvent) -> MappingError:
    info = PRODUCER_KEYS[key]
    where = f" in {info.min_value}–{info.max_value}" if info.min_value is not None else ""
    return MappingError(
        f"CEF extension {key!r} in event {event.signature_id!r} must be {_EXPECTED[info.type]}{where}, "
        f"got {value!r:.80}; fix the mapping's expression for {key}"
    )


_SEVERITY_TEXT = tuple(str(level) for level in range(11))
_SIGNATURE_MAX = HEADER_MAX_LENGTHS["signature_id"]
_NAME_MAX = HEADER_MAX_LENGTHS["name"]


def _raise_duplicate(event: CefEvent) -> None:
    seen: set[str] = set()
    for key, _ in event.extensions:
        if key in seen:
            raise MappingError(
                f"CEF extension key {key!r} appears twice in event {event.signature_id!r}; "
                "each key may appear once (CEF doc §6 item 9)"
            )
        seen.add(key)


_ASCII_SPECIAL = bytes(range(0x20)) + b"\x7f\\"


class _Shape:
    """What :func:`_extension` would do with one sequence of dictionary keys.

    Attributes:
        template: ``"k1=%s k2=%s …"``: the extension text is ``template % values`` (keys
            are alphanumeric, so the template holds no other ``%``).
        typed: ``(index, validator)`` of the typed keys.
        texts: indices of the text keys.
        limits: ``(max_length, indices)`` of the text keys, shortest limit first.
    """

    __slots__ = ("template", "typed", "texts", "limits")

    def __init__(self, keys: tuple[str, ...]) -> None:
        plans = [_PLANS[key] for key in keys]
        self.template = " ".join(plan[4] + "%s" for plan in plans)
        self.typed = tuple((i, plan[1]) for i, plan in enumerate(plans) if plan[1] is not None)
        self.texts = tuple(i for i, plan in enumerate(plans) if plan[1] is None)
        by_limit: dict[int, list[int]] = {}
        for i in self.texts:
            by_limit.setdefault(plans[i][0], []).append(i)  # type: ignore[arg-type]
        self.limits = tuple((limit, tuple(indices)) for limit, indices in sorted(by_limit.items()))


#: Key sequence → its shape, or None when it needs the general path (a key that is not
#: in the dictionary, a labelled field without its label, a label without its field).
_SHAPES: dict[tuple[str, ...], _Shape | None] = {}
_SHAPES_LIMIT = 4096
_STR_ONLY = frozenset({str})


def _shape(keys: tuple[str, ...]) -> _Shape | None:
    shape = _SHAPES.get(keys, _shape)
    if shape is not _shape:
        return shape  # type: ignore[return-value]
    present = set(keys)
    result: _Shape | None = None
    if all(key in _PLANS for key in keys) and all(
        (_PLANS[key][2] is None or _PLANS[key][2] in present)
        and (_PLANS[key][3] is None or _PLANS[key][3] in present)
        for key in keys
    ):
        result = _Shape(keys)
    if len(_SHAPES) >= _SHAPES_LIMIT:
        _SHAPES.clear()
    _SHAPES[keys] = result
    return result


def _escape(value: str) -> str:
    """The four extension escapes of a value with no other control character."""
    return value.replace("\\", "\\\\").replace("=", "\\=").replace("\n", "\\n").replace("\r", "\\r")


def _extension_by_shape(pairs: dict[str, object]) -> str | None:
    """The extension text when every value is clean or only needs escaping, else None.

    Exactly what the general path below returns for such events, found with a few
    C-level passes: the key sequence's plan is cached (:class:`_Shape`), every value
    must be non-empty text, every typed value valid, the joined text printable (but
    for CR/LF) with no leading, trailing or doubled space and no text value over its
    limit; a text value then only needs the four escapes, which normalising it would
    apply.  Anything else (``None``) takes the general path.
    """
    shape = _shape(tuple(pairs))
    if shape is None:
        return None
    values = tuple(pairs.values())
    if not (_STR_ONLY.issuperset(map(type, values)) and all(values)):
        return None
    for index, check in shape.typed:
        if not check(values[index]):  # type: ignore[arg-type]
            return None
    text = shape.template % values
    if "= " in text or "  " in text or text[-1:] == " " or not (
            text.isprintable() or text.replace("\n", "").replace("\r", "").isprintable()):
        return None
    size = len(text)
    for limit, indices in shape.limits:
        if size <= limit:
            break
        for index in indices:
            if len(values[index]) > limit:  # type: ignore[arg-type]
                return None
    if "\\" in text or text.count("=") != len(values) or "\n" in text or "\r" in text:
        escaped = list(values)
        for index in shape.texts:
            escaped[index] = _escape(escaped[index])  # type: ignore[arg-type]
        text = shape.template % tuple(escaped)
    return text


def _extension(event: CefEvent) -> str:
    """Validate, normalise and escape the extension pairs (CEF doc §1.4, §6 items 7–15).

    Fast path: typed values are validated one by one (a valid one never needs
    escaping); text values are joined as they are, and a few C-level tests on
    the joined text tell whether any of them needs work: a non-printable
    character (controls, DEL, surrogates — and, conservatively, other
    non-printables), a backslash, a raw ``=`` (more ``=`` than pairs) or a
    leading/trailing space ("= ", "  ", a final space).  Only then are the text
    values checked one by one and the dirty ones normalised.
    """
    extensions = event.extensions
    pairs = dict(extensions)
    if len(pairs) != len(extensions):
        _raise_duplicate(event)
    text = _extension_by_shape(pairs)
    if text is not None:
        return text
    parts: list[str] = []
    texts: list[tuple[int, str, str, int]] = []
    labelled: list[tuple[int, str, str | None, str | None]] | None = None
    plans = _PLANS
    for key, value in extensions:
        plan = plans.get(key) or _custom_plan(key, event)
        if type(value) is not str:
            if value is None:
                continue
            value = _coerce(key, value, event)
        if not value:
            continue
        max_length, validator, label, label_of, prefix = plan
        if validator is not None:
            if not validator(value):
                # Only a typed value that fails is trimmed and checked again.
                value = _normalise(value, None)
                if not value:
                    continue
                if not validator(value):
                    raise _type_error(key, value, event)
        else:
            texts.append((len(parts), key, value, max_length))  # type: ignore[arg-type]
        if label is not None or label_of is not None:
            if labelled is None:
                labelled = []
            labelled.append((len(parts), key, label, label_of))
        parts.append(prefix + value)
    text = " ".join(parts)
    # Which kinds of work does the line need?  Each test is one C-level pass.
    if text.isascii():
        # Deleting controls, DEL and backslash changes the length iff any is there.
        raw = text.encode("ascii")
        special = len(raw.translate(None, _ASCII_SPECIAL)) != len(raw)
    else:
        special = not text.isprintable() or "\\" in text
    spacing = "= " in text or "  " in text or text[-1:] == " "
    equals = text.count("=") != len(parts)
    too_long = False
    for _, _, value, max_length in texts:
        if len(value) > max_length:
            too_long = True
            break
    if special or spacing or equals or too_long:
        # Only then look at the text values one by one, for the kinds found.
        emptied: list[int] = []
        for index, key, value, max_length in texts:
            if (
                (equals and "=" in value)
                or (spacing and (value[0] == " " or value[-1] == " "))
                or (special and not (value.isprintable() and "\\" not in value))
                or (too_long and len(value) > max_length)
            ):
                value = _normalise(value, max_length)
                if value:
                    parts[index] = key + "=" + value
                else:
                    emptied.append(index)
        if emptied:
            parts, labelled = _drop_parts(parts, labelled or [], emptied)
        text = " ".join(parts)
    if labelled and _check_labels(parts, labelled, event):
        text = " ".join(parts)
    return text


def _drop_parts(
    parts: list[str], labelled: list[tuple[int, str, str | None, str | None]], emptied: list[int]
) -> tuple[list[str], list[tuple[int, str, str | None, str | None]]]:
    """Remove values that became empty after trimming, and renumber the label list."""
    gone = set(emptied)
    new_index: dict[int, int] = {}
    kept: list[str] = []
    for index, part in enumerate(parts):
        if index not in gone:
            new_index[index] = len(kept)
            kept.append(part)
    return kept, [(new_index[i], k, lb, lo) for i, k, lb, lo in labelled if i not in gone]


def encode(event: CefEvent) -> str:
    """Encode one event as a CEF line.

    Args:
        event: the event; extension values are raw text (``None`` or ``""`` →
            omitted; ``int`` values are accepted and written in decimal).

    Returns:
        One line that starts with ``CEF:0|``, has no trailing LF and contains no
        CR, LF, other C0 control or DEL.

    Raises:
        MappingError: severity not an int in 0–10; an empty or non-text header
            field; an unknown, consumer-reserved, malformed or repeated key; a
            value that does not match its key's type; a labelled custom field
            without its label.
    """
    severity = event.severity
    if type(severity) is not int or not 0 <= severity <= 10:
        raise MappingError(
            f"CEF severity must be an integer from 0 to 10, got {severity!r} in event "
            f"{event.signature_id!r}; fix the mapping's severity expression (CEF doc §1.2)"
        )
    head = _header_prefix(event)
    signature_id = _header_field(event.signature_id, _SIGNATURE_MAX, "signature_id", event)
    name = _header_field(event.name, _NAME_MAX, "name", event)
    extension = _extension(event)
    return head + signature_id + "|" + name + "|" + _SEVERITY_TEXT[severity] + "|" + extension


# --- plans for generated line renderers -------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedExtension:
    """One extension value of a generated line renderer (see :func:`line_plan`).

    Attributes:
        key: the CEF key.
        prefix: ``key=``.
        check: the validator of a typed key (a value is written only when it passes),
            or ``None`` for text.
        max_length: the longest text value written as it is (text keys), else ``None``.
        label: ``labelKey=Label text``, written right after a non-empty value, or ``None``.
        digits: every string of ASCII digits passes ``check`` (timestamps, integers
            without a range), so a renderer may test that first.
    """

    key: str
    prefix: str
    check: Callable[[str], object] | None
    max_length: int | None
    label: str | None
    digits: bool = False


@dataclass(frozen=True, slots=True)
class LinePlan:
    """What a renderer that writes finished lines must do to write what :func:`encode` writes.

    A line renderer computes the values of a mapping's slots, then writes the line
    directly when every value is *clean* and otherwise hands the record to
    ``encode(map(...))``.  Clean means exactly the conditions under which
    :func:`encode` writes a value unchanged or only escaped:

    * ``signature_id`` and ``name``: ``isprintable()``, no ``\\\\`` or ``|``, length
      1..``*_max`` (written as they are); the severity text is one of ``"0"`` … ``"10"``;
    * each non-empty typed value passes ``check`` (written as it is);
    * each non-empty text value is printable but for CR and LF, does not start or end
      with a space and is at most ``max_length`` long: ``encode`` writes it with the
      four escapes applied (``\\\\`` ``=`` LF CR → ``\\\\\\\\`` ``\\\\=``
      ``\\\\n`` ``\\\\r``), nothing else changed;
    * the line is ``head`` + the header values + ``|``-separators + the non-empty
      ``prefix + value`` parts, each followed by its ``label`` part, joined by spaces.

    Attributes:
        head: ``CEF:0|vendor|product|version|``, escaped.
        signature_max: longest ``signature_id`` written as it is.
        name_max: longest ``name`` written as it is.
        extensions: one per extension slot, in slot order.
    """

    head: str
    signature_max: int
    name_max: int
    extensions: tuple[PlannedExtension, ...]

    @staticmethod
    def clean_header(value: str, max_length: int) -> bool:
        """Tell whether :func:`encode` writes a header value unchanged."""
        return (value.isprintable() and "\\" not in value and "|" not in value
                and 0 < len(value) <= max_length)

    @staticmethod
    def clean_text(value: str, max_length: int) -> bool:
        """Tell whether :func:`encode` writes a text value unchanged but for escapes."""
        return ((value.isprintable() or value.replace("\n", "").replace("\r", "").isprintable())
                and value[:1] != " " and value[-1:] != " " and len(value) <= max_length)


#: Severity texts written as they are; anything else is left to ``encode``.
SEVERITY_TEXTS: dict[str, str] = {text: text for text in _SEVERITY_TEXT}


def line_plan(
    device_vendor: str,
    device_product: str,
    device_version: str,
    slots: Iterable[tuple[str, tuple[str, str] | None]],
    custom_keys: frozenset[str] = frozenset(),
) -> LinePlan | None:
    """Plan the direct writing of lines for one mapping (see :class:`LinePlan`).

    Args:
        device_vendor: header field 2.
        device_product: header field 3.
        device_version: header field 4.
        slots: the mapping's extension keys in order, each with its ``(label key,
            label text)`` or ``None``.
        custom_keys: non-dictionary keys the mapping set declares.

    Returns:
        The plan, or ``None`` when lines of this mapping must always go through
        :func:`encode` (a header or key it would reject, a repeated key, a custom field
        without its label, a label that is not written as it is): ``encode`` then
        reports the problem in its own words.
    """
    probe = CefEvent(device_vendor, device_product, device_version, "-", "-", 0,
                     custom_keys=frozenset(custom_keys))
    try:
        head = _header_prefix(probe)
    except (MappingError, TypeError):
        return None
    planned: list[PlannedExtension] = []
    seen: set[str] = set()
    for key, label in slots:
        keys = [key] if label is None else [key, label[0]]
        if any(k in seen for k in keys):
            return None
        seen.update(keys)
        try:
            max_length, check, needs_label, label_of, prefix = _PLANS.get(key) or _custom_plan(key, probe)
        except MappingError:
            return None
        if label_of is not None:  # a label key used as a value: its pairing is dynamic
            return None
        label_part: str | None = None
        if label is not None or needs_label is not None:
            if label is None or label[0] != needs_label:
                return None
            label_plan = _PLANS.get(label[0])
            text = label[1]
            if (label_plan is None or label_plan[3] != key or label_plan[1] is not None
                    or not text or not text.isprintable() or "\\" in text or "=" in text
                    or not LinePlan.clean_text(text, label_plan[0] or 0)):
                return None
            label_part = f"{label[0]}={text}"
        info = PRODUCER_KEYS.get(key)
        digits = info is not None and check is not None and (
            info.type is KeyType.TIMESTAMP
            or (info.type in (KeyType.INTEGER, KeyType.LONG) and info.min_value is None))
        planned.append(PlannedExtension(key, prefix, check, None if check is not None else max_length,
                                        label_part, digits))
    return LinePlan(head, _SIGNATURE_MAX, _NAME_MAX, tuple(planned))
