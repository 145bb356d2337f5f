"""A strict, spec-exact CEF line parser used as the test oracle (CEF doc §1.4, §6 item 17).

It accepts only what the standard allows and what our encoder promises, and it
raises :class:`CefParseError` on everything else:

* the line starts with ``CEF:`` and a version number, then six pipe-terminated header fields;
* header escapes are only ``\\\\`` and ``\\|`` (Elastic's rule); any other
  backslash, a raw CR/LF or any C0 control / DEL is an error;
* severity is an integer 0–10 or one of the five names;
* extension pairs are ``key=value`` separated by one space; keys are
  ``[A-Za-z0-9]+``; a value ends at the space before the next unescaped ``=``'s
  key; value escapes are only ``\\\\``, ``\\=``, ``\\n`` and ``\\r``; an unescaped
  ``=`` that does not start a new key, an empty value, a repeated key, a raw CR/LF
  or control character are errors.

jc/pycef is deliberately not used: it mis-decodes ``\\\\n`` (CEF doc §1.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CefParseError", "ParsedCef", "parse_cef"]

_SEVERITY_NAMES = frozenset({"Unknown", "Low", "Medium", "High", "Very-High"})
_KEY = re.compile(r"[A-Za-z0-9]+")
_FORBIDDEN = re.compile("[\x00-\x1f\x7f]")
_VALUE_ESCAPES = {"\\": "\\", "=": "=", "n": "\n", "r": "\r"}


class CefParseError(ValueError):
    """The line is not strictly valid CEF."""


@dataclass(frozen=True)
class ParsedCef:
    version: int
    device_vendor: str
    device_product: str
    device_version: str
    signature_id: str
    name: str
    severity: str
    extensions: tuple[tuple[str, str], ...]

    def extension_dict(self) -> dict[str, str]:
        return dict(self.extensions)


def _parse_header(text: str, start: int) -> tuple[list[str], int]:
    fields: list[str] = []
    current: list[str] = []
    i = start
    while len(fields) < 6:
        if i >= len(text):
            raise CefParseError(f"header ends after {len(fields)} fields")
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "\\|":
                raise CefParseError(f"illegal header escape at {i}: {text[i:i + 2]!r}")
            current.append(text[i + 1])
            i += 2
            continue
        if char == "|":
            fields.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    return fields, i


def _parse_extension(text: str) -> tuple[tuple[str, str], ...]:
    if text == "":
        return ()
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    match = _KEY.match(text)
    if not match or text[match.end() : match.end() + 1] != "=":
        raise CefParseError(f"extension does not start with key=: {text[:30]!r}")
    key = match.group()
    i = match.end() + 1
    value: list[str] = []
    while True:
        if i >= len(text):
            pairs.append((key, "".join(value)))
            break
        char = text[i]
        if char == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt not in _VALUE_ESCAPES:
                raise CefParseError(f"illegal extension escape at {i}: {text[i:i + 2]!r}")
            value.append(_VALUE_ESCAPES[nxt])
            i += 2
            continue
        if char == "=":
            # The raw text since the last space must be the next key.
            raw = "".join(value)
            cut = raw.rfind(" ")
            next_key = raw[cut + 1 :]
            if cut < 0 or not _KEY.fullmatch(next_key):
                raise CefParseError(f"unescaped '=' inside the value of {key!r} at {i}")
            pairs.append((key, raw[:cut]))
            key = next_key
            value = []
            i += 1
            continue
        value.append(char)
        i += 1
    result: list[tuple[str, str]] = []
    for key, val in pairs:
        if key in seen:
            raise CefParseError(f"key {key!r} repeated")
        seen.add(key)
        if val == "":
            raise CefParseError(f"key {key!r} has an empty value")
        result.append((key, val))
    return tuple(result)


def parse_cef(line: str) -> ParsedCef:
    """Parse one CEF line strictly.

    Args:
        line: the line without its terminating LF.

    Returns:
        The header fields and the ordered, unescaped extension pairs.

    Raises:
        CefParseError: on any deviation from the strict grammar above.
    """
    if _FORBIDDEN.search(line):
        raise CefParseError("raw control character in the line")
    match = re.match(r"CEF:([0-9]+)\|", line)
    if not match:
        raise CefParseError("line does not start with CEF:<version>|")
    fields, end = _parse_header(line, match.end())
    severity = fields[5]
    if severity not in _SEVERITY_NAMES:
        if not re.fullmatch(r"[0-9]|10", severity):
            raise CefParseError(f"invalid severity {severity!r}")
    # Escaped backslashes/pipes were resolved above, but the extension must be
    # parsed from its raw text.
    return ParsedCef(
        version=int(match.group(1)),
        device_vendor=fields[0],
        device_product=fields[1],
        device_version=fields[2],
        signature_id=fields[3],
        name=fields[4],
        severity=severity,
        extensions=_parse_extension(line[end:]),
    )
