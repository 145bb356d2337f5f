"""The pure Jinja filters that mapping files may use (and nothing else).

Every filter is a plain function without I/O or state.  A filter given an
undefined value (a missing record field or ``names`` entry) raises Jinja's
``UndefinedError`` — exactly as printing that value would — so a mapping has to
say ``| default(...)`` where a value may be missing.  ``None`` results render
as nothing, which omits the CEF key (see ``environment.finalize``).

Filters (also listed in ``mappings/README.md``):

=================  ===============================================================
``cef_time``       epoch seconds [+ microseconds] → CEF time in ms: ``S*1000 + U//1000``
``ipv4``           the address if it is IPv4 (dotted quad; ``::ffff:a.b.c.d`` unwrapped), else ``None``
``ipv6``           the address if it is real IPv6 (not ``::``, not IPv4-mapped), else ``None``
``proto_name``     IANA protocol number → keyword (``6`` → ``TCP``); unassigned → the number as text
``hex``            bytes → lowercase hex, optionally only the first ``max_bytes``
``nonzero``        ``None`` for eStreamer's "none" IDs: ``0``, ``""``, the all-zero UUID
``impact_level``   intrusion impact flag byte → eNcore's level 0–4 (CEF doc §5.9)
``severity_matrix`` (priority, impact) → CEF severity 0–10 (CEF doc §5.9); 5 outside the table
``blocked_action`` record 400 ``blocked`` → ``Alerted`` / ``Blocked`` / ``Would Be Blocked``
``payload``        record 2 frame + link type → transport payload bytes (see ``frames``)
``packet_text``    bytes → ASCII text with non-ASCII bytes dropped (eNcore's payload rule)
``each``           list of blocks → each item's attribute (nested lists spliced), or several joined
``ip_ranges``      user-input IP range blocks → ``"a-b, c"`` text
=================  ===============================================================
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Undefined

from cef_connector.mapping.frames import transport_payload

__all__ = [
    "FILTERS",
    "cef_time",
    "ipv4",
    "ipv6",
    "proto_name",
    "hex_text",
    "nonzero",
    "impact_level",
    "severity_matrix",
    "blocked_action",
    "payload",
    "packet_text",
    "each",
    "ip_ranges",
    "IANA_PROTOCOLS",
    "INTRUSION_ACTIONS",
]

#: IANA "Protocol Numbers" keywords for the assigned numbers we expect to see.
IANA_PROTOCOLS: dict[int, str] = {
    0: "HOPOPT", 1: "ICMP", 2: "IGMP", 3: "GGP", 4: "IPv4", 5: "ST", 6: "TCP", 7: "CBT",
    8: "EGP", 9: "IGP", 12: "PUP", 17: "UDP", 20: "HMP", 22: "XNS-IDP", 27: "RDP",
    29: "ISO-TP4", 33: "DCCP", 36: "XTP", 37: "DDP", 38: "IDPR-CMTP", 41: "IPv6",
    43: "IPv6-Route", 44: "IPv6-Frag", 45: "IDRP", 46: "RSVP", 47: "GRE", 50: "ESP",
    51: "AH", 57: "SKIP", 58: "IPv6-ICMP", 59: "IPv6-NoNxt", 60: "IPv6-Opts", 73: "RSPF",
    81: "VMTP", 88: "EIGRP", 89: "OSPFIGP", 93: "AX.25", 94: "IPIP", 97: "ETHERIP",
    98: "ENCAP", 103: "PIM", 108: "IPComp", 112: "VRRP", 115: "L2TP", 124: "ISIS over IPv4",
    132: "SCTP", 133: "FC", 135: "Mobility Header", 136: "UDPLite", 137: "MPLS-in-IP",
    139: "HIP", 140: "Shim6", 141: "WESP", 142: "ROHC", 143: "Ethernet",
}

#: Record 400 ``blocked`` → eNcore's action text (CEF doc §5.7).
INTRUSION_ACTIONS: dict[int, str] = {0: "Alerted", 1: "Blocked", 2: "Would Be Blocked"}

# CEF doc §5.9: rows priority 1–3, columns impact 1–5.
_SEVERITY_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): 10, (1, 2): 9, (1, 3): 7, (1, 4): 8, (1, 5): 9,
    (2, 1): 7, (2, 2): 6, (2, 3): 4, (2, 4): 5, (2, 5): 6,
    (3, 1): 3, (3, 2): 2, (3, 3): 0, (3, 4): 1, (3, 5): 2,
}
_SEVERITY_OUTSIDE_TABLE = 5

_ZERO_UUID = "00000000-0000-0000-0000-000000000000"
_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
).fullmatch


def _require_defined(value: object) -> None:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()


def _require_int(value: object, filter_name: str, argument: str) -> int:
    if type(value) is int:
        return value
    _require_defined(value)
    raise TypeError(f"filter {filter_name}: {argument} must be an integer, got {value!r}")


def cef_time(seconds: int, microseconds: int = 0) -> int:
    """Convert eStreamer seconds (+ microseconds) to CEF milliseconds since the epoch.

    Args:
        seconds: UNIX seconds (a uint32 record field).
        microseconds: the matching microseconds field, 0 when the record has none.

    Returns:
        ``seconds * 1000 + microseconds // 1000`` (CEF doc §6 item 12).

    Raises:
        TypeError: a value is not an integer.
    """
    return _require_int(seconds, "cef_time", "seconds") * 1000 + (
        _require_int(microseconds, "cef_time", "microseconds") // 1000
    )


def ipv4(address: Any) -> str | None:
    """Return the address when it is IPv4 (for ``src``/``dst``), else ``None``.

    Args:
        address: a decoded address (IPv4-mapped IPv6 is already a dotted quad).

    Returns:
        The dotted quad, or ``None`` for IPv6, ``None`` or anything else.
    """
    _require_defined(address)
    if type(address) is not str:
        return None
    if _IPV4(address):
        return address
    if address[:7].lower() == "::ffff:" and _IPV4(address[7:]):
        return address[7:]
    return None


def ipv6(address: Any) -> str | None:
    """Return the address when it is real IPv6 (for ``c6a2``/``c6a3``), else ``None``.

    Args:
        address: a decoded address.

    Returns:
        The compressed IPv6 text, or ``None`` for IPv4, IPv4-mapped, ``::`` or junk
        (CEF doc §2.4: ``::`` is never emitted).
    """
    _require_defined(address)
    if type(address) is not str or ":" not in address:
        return None
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError:
        return None
    if parsed.is_unspecified or parsed.ipv4_mapped is not None or parsed.scope_id is not None:
        return None
    return str(parsed)


def proto_name(number: Any) -> str | None:
    """Name an IANA protocol number for the CEF ``proto`` key.

    Args:
        number: the protocol number (``protocol`` / ``ipProtocolId``).

    Returns:
        The IANA keyword (``TCP``, ``UDP``, ``ICMP``, ``IPv6-ICMP`` …); for a number
        without a keyword in our table, the number as text; ``None`` for ``None``.
    """
    _require_defined(number)
    if number is None:
        return None
    if type(number) is int:
        return IANA_PROTOCOLS.get(number, str(number))
    return str(number)


def hex_text(data: Any, max_bytes: int | None = None) -> str | None:
    """Render bytes as lowercase hex (registered as the ``hex`` filter).

    Args:
        data: ``bytes``-like, or a ``str`` that is already hex (decoded byte arrays).
        max_bytes: keep only the first ``max_bytes`` bytes (``None``: all).

    Returns:
        Hex text (two characters per byte), or ``None`` for ``None``.
    """
    _require_defined(data)
    if data is None:
        return None
    if isinstance(data, str):
        return data if max_bytes is None else data[: 2 * max_bytes]
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data) if max_bytes is None else bytes(data[:max_bytes])
        return raw.hex()
    raise TypeError(f"filter hex: expected bytes, got {type(data).__name__}")


def nonzero(value: Any) -> Any:
    """Treat eStreamer's "none" identifiers as missing.

    Args:
        value: an ID field.

    Returns:
        ``None`` for ``0``, ``""`` and the all-zero UUID; otherwise ``value``.
        (Counters and ports are values even when zero; use this only on IDs.)
    """
    _require_defined(value)
    if value is None or value == 0 or value == "" or value == _ZERO_UUID:
        return None
    return value


def impact_level(flags: Any) -> int:
    """Reduce an impact flag byte to eNcore's level (CEF doc §5.9, protocol doc §5.3).

    Args:
        flags: the ``impactFlags`` byte.

    Returns:
        1 if any of bits 0xD8 is set; else 2 if both bits 0x06; else 3 if bit 0x02;
        else 4 if bit 0x01; else 0 (unknown).
    """
    value = _require_int(flags, "impact_level", "flags")
    if value & 0xD8:
        return 1
    if value & 0x06 == 0x06:
        return 2
    if value & 0x02:
        return 3
    if value & 0x01:
        return 4
    return 0


def severity_matrix(priority: Any, impact: Any) -> int:
    """CEF severity from intrusion priority and impact (CEF doc §5.9).

    Args:
        priority: 1 (high), 2 (medium) or 3 (low).
        impact: 1 (vulnerable) … 5 (unknown impact).

    Returns:
        The matrix value; 5 for every combination outside the table (priority 4,
        impact 0, ``None``, text …), so every input has a defined result.
    """
    _require_defined(priority)
    _require_defined(impact)
    if type(priority) is not int or type(impact) is not int:
        return _SEVERITY_OUTSIDE_TABLE
    return _SEVERITY_MATRIX.get((priority, impact), _SEVERITY_OUTSIDE_TABLE)


def blocked_action(blocked: Any) -> str | None:
    """Name the record 400 ``blocked`` code as eNcore did (CEF doc §5.7).

    Args:
        blocked: 0, 1 or 2 (later FMC versions may send other codes).

    Returns:
        ``Alerted``, ``Blocked``, ``Would Be Blocked``; any other code as its
        decimal text (eNcore raised an exception there); ``None`` for ``None``.
    """
    _require_defined(blocked)
    if blocked is None:
        return None
    if type(blocked) is int:
        return INTRUSION_ACTIONS.get(blocked, str(blocked))
    return str(blocked)


def payload(frame: Any, link_type: Any) -> bytes | None:
    """Transport payload of a record 2 frame (see :mod:`cef_connector.mapping.frames`).

    Args:
        frame: ``packetData`` bytes.
        link_type: ``linkType``.

    Returns:
        The payload bytes (the whole frame when it cannot be parsed); ``None`` for ``None``.
    """
    _require_defined(frame)
    if frame is None:
        return None
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        raise TypeError(f"filter payload: expected bytes, got {type(frame).__name__}")
    return transport_payload(bytes(frame), _require_int(link_type, "payload", "link_type"))


def packet_text(data: Any, max_chars: int | None = None) -> str | None:
    """eNcore's payload text: ASCII decoding with non-ASCII bytes dropped.

    Control characters are kept here; the CEF encoder escapes CR/LF and turns the
    other controls into spaces.

    Args:
        data: payload bytes.
        max_chars: keep only the first ``max_chars`` characters (eNcore: 1022).

    Returns:
        The text, or ``None`` for ``None``.
    """
    _require_defined(data)
    if data is None:
        return None
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"filter packet_text: expected bytes, got {type(data).__name__}")
    text = bytes(data).decode("ascii", "ignore")
    return text if max_chars is None else text[:max_chars]


def each(items: Any, *attributes: str, sep: str = " ") -> list[Any]:
    """The values of the items of a list of blocks (discovery and user-input lists).

    ``servers | each('port')`` → ``[22, 443]``; a value that is itself a list is spliced
    in, so ``list | each('ipRanges')`` gives every item's ranges as one list; with several
    attributes, each item's non-empty values joined with ``sep``
    (``each('vendor', 'version')`` → ``["Apache 2.4.58"]``).  Items that are not blocks,
    and missing or empty values (``None``, ``""``), are left out; ``0`` is kept.

    Args:
        items: a list of decoded blocks (dicts).
        attributes: the field name(s) to take from each item.
        sep: joins several attributes of one item.

    Returns:
        The values, in list order (join them with ``| join(', ')``).

    Raises:
        TypeError: no attribute given, or ``items`` is not a list.
    """
    _require_defined(items)
    if not attributes:
        raise TypeError("filter each: name the attribute to take from each item")
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"filter each: expected a list of blocks, got {type(items).__name__}")
    result: list[Any] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        if len(attributes) == 1:
            value = item.get(attributes[0])
            if isinstance(value, (list, tuple)):
                result.extend(value)
            elif value is not None and value != "":
                result.append(value)
            continue
        parts = [str(item[name]) for name in attributes if item.get(name) not in (None, "")]
        if parts:
            result.append(sep.join(parts))
    return result


def ip_ranges(ranges: Any) -> str | None:
    """User-input IP ranges (series-1 block 141 items: ``start``, ``finish``) as text.

    Args:
        ranges: a list of range blocks.

    Returns:
        ``"start-finish"`` per range, or one address when start and finish are equal,
        joined with ``", "``; ``None`` when there is no range.
    """
    _require_defined(ranges)
    if ranges is None:
        return None
    if not isinstance(ranges, (list, tuple)):
        raise TypeError(f"filter ip_ranges: expected a list of range blocks, got {type(ranges).__name__}")
    parts: list[str] = []
    for item in ranges:
        if not isinstance(item, Mapping) or item.get("start") in (None, ""):
            continue
        start, finish = str(item["start"]), item.get("finish")
        parts.append(start if finish in (None, "", start) else f"{start}-{finish}")
    return ", ".join(parts) or None


#: Filter name → function, registered on the mapping environment.
FILTERS: dict[str, Callable[..., Any]] = {
    "cef_time": cef_time,
    "ipv4": ipv4,
    "ipv6": ipv6,
    "proto_name": proto_name,
    "hex": hex_text,
    "nonzero": nonzero,
    "impact_level": impact_level,
    "severity_matrix": severity_matrix,
    "blocked_action": blocked_action,
    "payload": payload,
    "packet_text": packet_text,
    "each": each,
    "ip_ranges": ip_ranges,
}
