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
from collections.abc import Callable

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

__all__ = ["encode", "CEF_VERSION"]

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


def _is_ipv6(value: str) -> bool:
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
    if len(dict(extensions)) != len(extensions):
        _raise_duplicate(event)
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
    signature_id = _header_field(event.signature_id, 1023, "signature_id", event)
    name = _header_field(event.name, 512, "name", event)
    extension = _extension(event)
    return head + signature_id + "|" + name + "|" + _SEVERITY_TEXT[severity] + "|" + extension
