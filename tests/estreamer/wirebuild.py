"""Hand-built eStreamer bytes for tests, written with struct.pack straight from the protocol doc.

Nothing here uses cef_connector.estreamer, so decoder tests do not trust our own encoder.
"""

from __future__ import annotations

import struct

MAPPED = bytes(10) + b"\xff\xff"


def message(message_type: int, body: bytes, version: int = 1) -> bytes:
    """§2.1 message header + body."""
    return struct.pack(">HHI", version, message_type, len(body)) + body


def record(record_type: int, data: bytes, archive: int | None = None) -> bytes:
    """§4.1 record header (8 bytes, or 16 with an archive timestamp) + record data."""
    if archive is None:
        return struct.pack(">II", record_type, len(data)) + data
    return struct.pack(">IIII", record_type, len(data), archive, 0) + data


def event_data(record_type: int, data: bytes, archive: int | None = None) -> bytes:
    """A complete EventData (type 4) message."""
    return message(4, record(record_type, data, archive))


def bundle(connection_id: int, sequence: int, payloads: list[bytes], inner: int = 4) -> bytes:
    """§3.8 MessageBundle around record payloads."""
    body = struct.pack(">II", connection_id, sequence)
    for payload in payloads:
        body += struct.pack(">II", inner, len(payload)) + payload
    return message(4002, body)


def blk(block_type: int, body: bytes) -> bytes:
    """§4.4 block: type, length including the 8 header bytes, data."""
    return struct.pack(">II", block_type, 8 + len(body)) + body


def sblock(text: str | bytes) -> bytes:
    """String block (type 0)."""
    data = text.encode() if isinstance(text, str) else text
    return blk(0, data)


def v4(a: int, b: int, c: int, d: int) -> bytes:
    return bytes((a, b, c, d))


def mapped(a: int, b: int, c: int, d: int) -> bytes:
    """IPv4-mapped IPv6 address bytes."""
    return MAPPED + v4(a, b, c, d)


def uid(hex32: str) -> bytes:
    return bytes.fromhex(hex32)


def discovery_header(
    *,
    device_id: int = 1,
    mac: bytes = bytes.fromhex("005056a1b2c3"),
    ipv6: bytes | None = None,
    second: int = 1591210900,
    micro: int = 123456,
    event_type: int = 1003,
    subtype: int = 1,
) -> bytes:
    """§4.6 discovery event header; hasIpv6 = 1 when ``ipv6`` is given."""
    head = struct.pack(
        ">I4s6sBBIIII4s4s",
        device_id,
        bytes(4),
        mac,
        1 if ipv6 is not None else 0,
        0,
        second,
        micro,
        event_type,
        subtype,
        bytes(4),
        bytes(4),
    )
    return head + (ipv6 if ipv6 is not None else b"")


ZONE_IN = uid("00112233445566778899aabbccddeeff")
ZONE_OUT = uid("ffeeddccbbaa99887766554433221100")
IF_IN = uid("0102030405060708090a0b0c0d0e0f10")
IF_OUT = uid("1112131415161718191a1b1c1d1e1f20")
POLICY = uid("11111111222233334444555555555555")
NETFLOW = uid("21222324252627282930313233343536")
QOS_IF = uid("31323334353637383940414243444546")
SECCTX = uid("41424344454647484950515253545556")
SSL_POLICY = uid("51525354555657585960616263646566")
NAP = uid("61626364656667686970717273747576")
SINKHOLE = uid("71727374757677787980818283848586")
FINGERPRINT = bytes(range(1, 21))
SESSION = bytes(range(100, 132))
TICKET = bytes(range(200, 220))
LOCATION = bytes.fromhex("20010db8000000000000000000000002")


def connection_block(block_type: int, initiator: bytes, responder: bytes) -> bytes:
    """Series-1 block 163 (or 160 without the "163 only" fields), §5.6, in wire order."""
    is163 = block_type == 163
    body = struct.pack(">I", 3)  # deviceId
    body += ZONE_IN + ZONE_OUT + IF_IN + IF_OUT
    body += initiator + responder
    if is163:
        body += mapped(203, 0, 113, 9)  # originalClientIpAddress
    body += POLICY
    body += struct.pack(">I", 268435457)  # ruleId
    if is163:
        body += struct.pack(">I", 77)  # tunnelRuleId
    body += struct.pack(">HIHHHB", 2, 0x10001, 51234, 443, 0x18, 6)
    body += NETFLOW
    body += struct.pack(">HHII", 5, 7, 1591210890, 1591210899)
    body += struct.pack(">QQQQ", 10, 20, 3000, 40000)
    if is163:
        body += struct.pack(">QQQQ", 1, 2, 3, 4)
        body += QOS_IF + struct.pack(">I", 9)
    body += struct.pack(">IIIIII", 4242, 676, 12, 5, 638, 929)
    body += sblock("http://example.com/x") + sblock("HOST1") + sblock("")
    body += struct.pack(">8I", 1, 2, 3, 4, 5, 6, 7, 8)
    body += struct.pack(">BBHHHH", 1, 2, 3, 4, 840, 276)
    if is163:
        body += struct.pack(">H", 250)
    body += struct.pack(">HIIHHBBBB", 17, 64512, 64513, 11, 12, 1, 2, 24, 16)
    body += SECCTX + struct.pack(">H", 100)
    body += sblock("example.com") + sblock("Mozilla/5.0") + sblock("http://ref.example/")
    body += FINGERPRINT + SSL_POLICY
    body += struct.pack(">IHBIHHHIIQ", 31, 0xC02F, 4, 1, 2, 3, 4, 5, 6, 7)
    body += sblock("sni.example.com")
    body += struct.pack(">I", 33) + SESSION + bytes([32]) + TICKET + bytes([20])
    body += NAP + struct.pack(">II", 44, 55) + LOCATION + struct.pack(">I", 200)
    body += sblock("www.example.com") + struct.pack(">HHI", 1, 0, 300) + SINKHOLE
    body += struct.pack(">II", 8, 9)
    return blk(block_type, body)


def intrusion_block(block_type: int = 60) -> bytes:
    """Series-2 block 60 (282 bytes) or, for 41, the same without the last six fields."""
    body = struct.pack(">9I", 1, 42, 1591210900, 500000, 2019418, 1, 3, 29, 1)
    body += mapped(192, 0, 2, 10) + bytes.fromhex("20010db8000000000000000000000001")
    body += struct.pack(">HHBBBBIHH", 51234, 80, 6, 0b110, 2, 1, 17, 100, 0)
    body += uid("aaaaaaaabbbbccccddddeeeeeeeeeeee")
    body += struct.pack(">5I", 4242, 929, 638, 676, 268435457)
    body += POLICY + IF_IN + IF_OUT + ZONE_IN + ZONE_OUT
    body += struct.pack(">IHHHHH", 1591210899, 1, 7, 840, 276, 3)
    if block_type == 60:
        body += SECCTX + FINGERPRINT + struct.pack(">HH", 4, 5) + NAP + struct.pack(">I", 404)
    return blk(block_type, body)
