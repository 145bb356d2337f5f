"""Hand-built records of the event catalogue (§5.6 chunk, §5.7-§5.9, §5.14), from the doc's tables.

Each block is written as the doc's field table, one row per field in doc order: the row
packs its own bytes with ``struct.pack`` (or a string block) and states the value the
decoder must return.  Nothing here uses cef_connector.estreamer, so the decoder and the
encoder are both checked against bytes they did not produce.  Values are distinct per
field (and wider than the next smaller type) so that a swapped or mis-sized field shows.
"""

from __future__ import annotations

import struct
from typing import Any

from .wirebuild import MAPPED, blk, discovery_header, sblock

#: (field name, wire bytes, decoded value)
Row = tuple[str, bytes, Any]
Case = tuple[int, bytes, dict[str, Any]]


def u8(name: str, value: int) -> Row:
    return name, struct.pack(">B", value), value


def u16(name: str, value: int) -> Row:
    return name, struct.pack(">H", value), value


def u32(name: str, value: int) -> Row:
    return name, struct.pack(">I", value), value


def u64(name: str, value: int) -> Row:
    return name, struct.pack(">Q", value), value


def ipv4(name: str, text: str) -> Row:
    return name, bytes(int(part) for part in text.split(".")), text


def mapped4(name: str, text: str) -> Row:
    """An ipv6 field carrying an IPv4 address IPv4-mapped (§4.5): decoded as dotted quad."""
    return name, MAPPED + bytes(int(part) for part in text.split(".")), text


def ipv6(name: str, hex32: str, text: str) -> Row:
    return name, bytes.fromhex(hex32), text


def uuid(name: str, hex32: str) -> Row:
    h = hex32.lower()
    return name, bytes.fromhex(h), f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def raw(name: str, data: bytes) -> Row:
    """uint8[n]: raw bytes, decoded as lowercase hex."""
    return name, data, data.hex()


def string(name: str, text: str) -> Row:
    return name, sblock(text), text


def body(rows: list[Row]) -> bytes:
    return b"".join(row[1] for row in rows)


def values(rows: list[Row]) -> dict[str, Any]:
    return {row[0]: row[2] for row in rows}


def block_case(record_type: int, block_type: int, rows: list[Row], prefix: bytes = b"",
               prefix_fields: dict[str, Any] | None = None) -> Case:
    """record data = prefix + block(block_type, rows); fields = prefix fields + blockType + rows."""
    fields = dict(prefix_fields or {})
    fields["blockType"] = block_type
    fields.update(values(rows))
    return record_type, prefix + blk(block_type, body(rows)), fields


# --- §5.14 intrusion impact alert, series-1 block 153 ------------------------------------

IMPACT_ALERT_153: list[Row] = [
    u32("eventId", 195430),
    u32("deviceId", 3),
    u32("eventSecond", 1591210900),
    u32("impact", 0x80000005),
    mapped4("sourceIpAddress", "192.0.2.10"),
    ipv6("destinationIpAddress", "20010db8000000000000000000000001", "2001:db8::1"),
    string("description", "Impact 1: vulnerable host"),
]

# --- §5.6 connection chunk, series-1 block 136 ------------------------------------------

CONNECTION_CHUNK_136: list[Row] = [
    ipv4("initiatorIpAddress", "10.0.0.5"),
    ipv4("responderIpAddress", "198.51.100.20"),
    u32("startTime", 1591210800),
    u32("applicationProtocolId", 676),
    u16("responderPort", 443),
    u8("protocol", 6),
    u8("connectionType", 2),
    ipv4("netflowDetectorIpAddress", "192.0.2.254"),
    u64("packetsSent", 0x100000001),
    u64("packetsReceived", 0x200000002),
    u64("bytesSent", 0x300000003),
    u64("bytesReceived", 0x400000004),
    u32("connections", 12),
]

# --- §5.9 correlation event, series-1 block 156 -----------------------------------------

CORRELATION_156: list[Row] = [
    u32("deviceId", 0),
    u32("correlationEventSecond", 1591210950),
    u32("eventId", 9001),
    u32("policyId", 14),
    u32("ruleId", 27),
    u32("priority", 3),
    string("eventDescription", "Rule 'SSH from outside' fired"),
    u8("eventType", 1),
    u32("eventDeviceId", 3),
    u32("signatureId", 2019418),
    u32("signatureGeneratorId", 1),
    u32("triggerEventSecond", 1591210900),
    u32("triggerEventMicrosecond", 500000),
    u32("deviceEventId", 42),
    u32("eventDefinedMask", 0x0003FFFF),
    u8("eventImpactFlags", 0b110),
    u8("ipProtocol", 6),
    u16("networkProtocol", 0x0800),
    u32("sourceIpv4", 0xC000020A),
    u8("sourceHostType", 1),
    u16("sourceVlanId", 100),
    uuid("sourceOsFingerprintUuid", "0102030405060708090a0b0c0d0e0f10"),
    u16("sourceCriticality", 2),
    u32("sourceUserId", 4242),
    u16("sourcePort", 51234),
    u32("sourceServerId", 676),
    u32("destinationIpv4", 0xC6336414),
    u8("destinationHostType", 2),
    u16("destinationVlanId", 200),
    uuid("destinationOsFingerprintUuid", "1112131415161718191a1b1c1d1e1f20"),
    u16("destinationCriticality", 3),
    u32("destinationUserId", 4343),
    u16("destinationPort", 22),
    u32("destinationServerId", 677),
    u8("impact", 4),
    u8("blocked", 5),
    uuid("intrusionPolicyUuid", "aaaaaaaabbbbccccddddeeeeeeeeeeee"),
    u32("ruleAction", 0x10002),
    string("netbiosName", "HOST1"),
    u32("urlCategory", 12),
    u32("urlReputation", 5),
    string("url", "http://example.com/x"),
    u32("clientApplicationId", 638),
    string("clientApplicationVersion", "7.68"),
    uuid("accessControlPolicyRevision", "11111111222233334444555555555555"),
    u32("accessControlRuleId", 268435457),
    uuid("ingressInterfaceUuid", "21222324252627282930313233343536"),
    uuid("egressInterfaceUuid", "31323334353637383940414243444546"),
    uuid("ingressZoneUuid", "41424344454647484950515253545556"),
    uuid("egressZoneUuid", "51525354555657585960616263646566"),
    mapped4("sourceIpv6Address", "192.0.2.10"),
    ipv6("destinationIpv6Address", "20010db80000000000000000000000ff", "2001:db8::ff"),
    u16("sourceCountry", 840),
    u16("destinationCountry", 276),
    uuid("securityIntelligenceUuid", "61626364656667686970717273747576"),
    raw("securityContext", bytes(range(16, 32))),
    raw("sslPolicyId", bytes(range(32, 48))),
    u32("sslRuleId", 31),
    u32("sslActualAction", 0x10006),
    u32("sslFlowStatus", 0x10008),
    raw("sslCertificateFingerprint", bytes(range(1, 21))),
]

# --- §5.7 file event, series-2 block 56 (records 500 and 502) ---------------------------

FILE_EVENT_56: list[Row] = [
    u32("deviceId", 3),
    u16("connectionInstance", 1),
    u16("connectionCounter", 7),
    u32("connectionTimestamp", 1591210899),
    u32("fileEventTimestamp", 1591210905),
    mapped4("sourceIpAddress", "198.51.100.20"),
    ipv6("destinationIpAddress", "20010db8000000000000000000000005", "2001:db8::5"),
    u8("disposition", 1),
    u8("speroDisposition", 2),
    u8("fileStorageStatus", 3),
    u8("fileAnalysisStatus", 4),
    u8("localMalwareAnalysisStatus", 5),
    u8("archiveFileStatus", 6),
    u8("threatScore", 70),
    u8("action", 8),
    raw("shaHash", bytes(range(0xA0, 0xC0))),
    u32("fileTypeId", 21),
    string("fileName", "invoice.pdf"),
    u64("fileSize", 0x1_0000_0400),
    u8("direction", 1),
    u32("applicationProtocolId", 676),
    u32("userId", 4242),
    string("uri", "http://example.com/invoice.pdf"),
    string("signature", "W32.Example"),
    u16("sourcePort", 80),
    u16("destinationPort", 51234),
    u8("protocol", 6),
    uuid("accessControlPolicyUuid", "11111111222233334444555555555555"),
    u16("sourceCountry", 840),
    u16("destinationCountry", 276),
    u32("webApplicationId", 929),
    u32("clientApplicationId", 638),
    raw("securityContext", bytes(range(16, 32))),
    raw("sslCertificateFingerprint", bytes(range(1, 21))),
    u16("sslActualAction", 9),
    u16("sslFlowStatus", 10),
    string("archiveSha", "00ff" * 16),
    string("archiveName", "bundle.zip"),
    u8("archiveDepth", 2),
    u32("httpResponse", 200),
]

# --- §5.8 malware event, series-2 block 62 ----------------------------------------------

MALWARE_EVENT_62: list[Row] = [
    uuid("agentUuid", "0123456789abcdef0123456789abcdef"),
    uuid("cloudUuid", "fedcba9876543210fedcba9876543210"),
    u32("malwareEventTimestamp", 1591210910),
    u32("eventTypeId", 1107296257),
    u32("eventSubtypeId", 4),
    u8("detectorId", 5),
    string("detectionName", "W32.Example.Trojan"),
    string("user", "alice"),
    string("fileName", "setup.exe"),
    string("filePath", "C:\\Users\\alice\\Downloads"),
    string("fileShaHash", "ab" * 32),
    u32("fileSize", 1048576),
    u32("fileType", 15),
    u32("fileTimestamp", 1591210800),
    string("parentFileName", "chrome.exe"),
    string("parentShaHash", "cd" * 32),
    string("eventDescription", "Threat detected"),
    u32("deviceId", 3),
    u16("connectionInstance", 1),
    u16("connectionCounter", 7),
    u32("connectionEventTimestamp", 1591210899),
    u8("direction", 2),
    mapped4("sourceIpAddress", "10.0.0.5"),
    ipv6("destinationIpAddress", "20010db8000000000000000000000009", "2001:db8::9"),
    u32("applicationProtocolId", 676),
    u32("userId", 4242),
    uuid("accessControlPolicyUuid", "11111111222233334444555555555555"),
    u8("disposition", 3),
    u8("retroDisposition", 4),
    string("uri", "http://example.com/setup.exe"),
    u16("sourcePort", 51234),
    u16("destinationPort", 80),
    u16("sourceCountry", 840),
    u16("destinationCountry", 276),
    u32("webApplicationId", 929),
    u32("clientApplicationId", 638),
    u8("action", 6),
    u8("protocol", 17),
    u8("threatScore", 90),
    u16("iocNumber", 11),
    raw("securityContext", bytes(range(16, 32))),
    raw("sslCertificateFingerprint", bytes(range(1, 21))),
    u16("sslActualAction", 12),
    u16("sslFlowStatus", 13),
    string("archiveSha", ""),
    string("archiveName", ""),
    u8("archiveDepth", 0),
    u32("httpResponse", 404),
]


def discovery_values(*, has_ipv6: bool) -> dict[str, Any]:
    """What wirebuild.discovery_header(event_type=1003, ...) decodes to (§4.6)."""
    fields: dict[str, Any] = {
        "deviceId": 1,
        "legacyIpAddress": "0.0.0.0",
        "macAddress": "00:50:56:a1:b2:c3",
        "hasIpv6": 1 if has_ipv6 else 0,
        "reserved": 0,
        "eventSecond": 1591210900,
        "eventMicrosecond": 123456,
        "eventType": 1003,
        "eventSubtype": 1,
        "fileNumber": "00000000",
        "filePosition": "00000000",
    }
    if has_ipv6:
        fields["ipv6Address"] = "10.0.0.5"
    return fields


def chunk_case(has_ipv6: bool) -> Case:
    """Record 73: discovery header (§4.6) + block 136."""
    header = discovery_header(ipv6=MAPPED + bytes((10, 0, 0, 5)) if has_ipv6 else None)
    return block_case(73, 136, CONNECTION_CHUNK_136, header, discovery_values(has_ipv6=has_ipv6))


#: Every record type / block version this module covers, with a readable id.
CATALOGUE_CASES: dict[str, Case] = {
    "record9-block153": block_case(9, 153, IMPACT_ALERT_153),
    "record73-block136": chunk_case(False),
    "record73-block136-ipv6-header": chunk_case(True),
    "record112-block156": block_case(112, 156, CORRELATION_156),
    "record125-block62": block_case(125, 62, MALWARE_EVENT_62),
    "record500-block56": block_case(500, 56, FILE_EVENT_56),
    "record502-block56": block_case(502, 56, FILE_EVENT_56),
}

CATALOGUE_EVENT_CASES: list[Case] = list(CATALOGUE_CASES.values())
