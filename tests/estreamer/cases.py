"""One case table of (record type, hand-built record data, decoded fields), plus expectations.

The table drives both directions: decode(data) == fields and encode(fields) == data.  The
bytes are built with struct.pack from the protocol doc (wirebuild.py), never by our
encoder.  Every supported record type has at least one case (checked by test_roundtrip.py).
"""

from __future__ import annotations

import struct
from typing import Any

from .catalogue_cases import CATALOGUE_EVENT_CASES
from .discovery_catalogue_cases import DISCOVERY_CASES
from .metadata_catalogue_cases import CATALOGUE_METADATA_CASES
from .wirebuild import blk, connection_block, discovery_header, intrusion_block, mapped, sblock, uid

Case = tuple[int, bytes, dict[str, Any]]


def discovery_fields(*, has_ipv6: bool, ipv6: str | None = None) -> dict[str, Any]:
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
        fields["ipv6Address"] = ipv6
    return fields


def connection_fields(block_type: int, initiator: str, responder: str) -> dict[str, Any]:
    """The values connection_block() writes, as the decoder must return them."""
    is163 = block_type == 163
    fields: dict[str, Any] = {
        "blockType": block_type,
        "deviceId": 3,
        "ingressZone": "00112233-4455-6677-8899-aabbccddeeff",
        "egressZone": "ffeeddcc-bbaa-9988-7766-554433221100",
        "ingressInterface": "01020304-0506-0708-090a-0b0c0d0e0f10",
        "egressInterface": "11121314-1516-1718-191a-1b1c1d1e1f20",
        "initiatorIpAddress": initiator,
        "responderIpAddress": responder,
        "originalClientIpAddress": "203.0.113.9",
        "policyRevision": "11111111-2222-3333-4444-555555555555",
        "ruleId": 268435457,
        "tunnelRuleId": 77,
        "ruleAction": 2,
        "ruleReason": 0x10001,
        "initiatorPort": 51234,
        "responderPort": 443,
        "tcpFlags": 0x18,
        "protocol": 6,
        "netflowSource": "21222324-2526-2728-2930-313233343536",
        "instanceId": 5,
        "connectionCounter": 7,
        "firstPacketTimestamp": 1591210890,
        "lastPacketTimestamp": 1591210899,
        "initiatorTransmittedPackets": 10,
        "responderTransmittedPackets": 20,
        "initiatorTransmittedBytes": 3000,
        "responderTransmittedBytes": 40000,
        "initiatorPacketsDropped": 1,
        "responderPacketsDropped": 2,
        "initiatorBytesDropped": 3,
        "responderBytesDropped": 4,
        "qosAppliedInterface": "31323334-3536-3738-3940-414243444546",
        "qosRuleId": 9,
        "userId": 4242,
        "applicationProtocolId": 676,
        "urlCategory": 12,
        "urlReputation": 5,
        "clientApplicationId": 638,
        "webApplicationId": 929,
        "clientUrl": "http://example.com/x",
        "netbiosName": "HOST1",
        "clientApplicationVersion": "",
        **{f"monitorRule{i}": i for i in range(1, 9)},
        "securityIntelligenceSourceDestination": 1,
        "securityIntelligenceLayer": 2,
        "fileEventCount": 3,
        "intrusionEventCount": 4,
        "initiatorCountry": 840,
        "responderCountry": 276,
        "originalClientCountry": 250,
        "iocNumber": 17,
        "sourceAutonomousSystem": 64512,
        "destinationAutonomousSystem": 64513,
        "snmpIn": 11,
        "snmpOut": 12,
        "sourceTos": 1,
        "destinationTos": 2,
        "sourceMask": 24,
        "destinationMask": 16,
        "securityContext": "41424344-4546-4748-4950-515253545556",
        "vlanId": 100,
        "referencedHost": "example.com",
        "userAgent": "Mozilla/5.0",
        "httpReferrer": "http://ref.example/",
        "sslCertificateFingerprint": bytes(range(1, 21)).hex(),
        "sslPolicyId": "51525354-5556-5758-5960-616263646566",
        "sslRuleId": 31,
        "sslCipherSuite": 0xC02F,
        "sslVersion": 4,
        "sslServerCertificateStatus": 1,
        "sslActualAction": 2,
        "sslExpectedAction": 3,
        "sslFlowStatus": 4,
        "sslFlowError": 5,
        "sslFlowMessages": 6,
        "sslFlowFlags": 7,
        "sslServerName": "sni.example.com",
        "sslUrlCategory": 33,
        "sslSessionId": bytes(range(100, 132)).hex(),
        "sslSessionIdLength": 32,
        "sslTicketId": bytes(range(200, 220)).hex(),
        "sslTicketIdLength": 20,
        "networkAnalysisPolicyRevision": "61626364-6566-6768-6970-717273747576",
        "endpointProfileId": 44,
        "securityGroupId": 55,
        "locationIpv6": "2001:db8::2",
        "httpResponse": 200,
        "dnsQuery": "www.example.com",
        "dnsRecordType": 1,
        "dnsResponseType": 0,
        "dnsTtl": 300,
        "sinkholeUuid": "71727374-7576-7778-7980-818283848586",
        "securityIntelligenceList1": 8,
        "securityIntelligenceList2": 9,
    }
    if not is163:
        for name in (
            "originalClientIpAddress", "tunnelRuleId", "initiatorPacketsDropped",
            "responderPacketsDropped", "initiatorBytesDropped", "responderBytesDropped",
            "qosAppliedInterface", "qosRuleId", "originalClientCountry",
        ):  # fmt: skip
            del fields[name]
    return fields



def intrusion_fields(block_type: int) -> dict[str, Any]:
    """The values intrusion_block() writes, as the decoder must return them."""
    fields: dict[str, Any] = {
        "blockType": 60,
        "deviceId": 1,
        "eventId": 42,
        "eventSecond": 1591210900,
        "eventMicrosecond": 500000,
        "ruleId": 2019418,
        "generatorId": 1,
        "ruleRevision": 3,
        "classificationId": 29,
        "priorityId": 1,
        "sourceIpAddress": "192.0.2.10",
        "destinationIpAddress": "2001:db8::1",
        "sourcePortOrIcmpType": 51234,
        "destinationPortOrIcmpCode": 80,
        "ipProtocolId": 6,
        "impactFlags": 6,
        "impact": 2,
        "blocked": 1,
        "mplsLabel": 17,
        "vlanId": 100,
        "pad": 0,
        "intrusionPolicyUuid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "userId": 4242,
        "webApplicationId": 929,
        "clientApplicationId": 638,
        "applicationProtocolId": 676,
        "accessControlRuleId": 268435457,
        "accessControlPolicyUuid": "11111111-2222-3333-4444-555555555555",
        "interfaceIngressUuid": "01020304-0506-0708-090a-0b0c0d0e0f10",
        "interfaceEgressUuid": "11121314-1516-1718-191a-1b1c1d1e1f20",
        "securityZoneIngressUuid": "00112233-4455-6677-8899-aabbccddeeff",
        "securityZoneEgressUuid": "ffeeddcc-bbaa-9988-7766-554433221100",
        "connectionTimestamp": 1591210899,
        "connectionInstanceId": 1,
        "connectionCounter": 7,
        "sourceCountry": 840,
        "destinationCountry": 276,
        "iocNumber": 3,
        "securityContext": bytes.fromhex("41424344454647484950515253545556").hex(),
        "sslCertificateFingerprint": bytes(range(1, 21)).hex(),
        "sslActualAction": 4,
        "sslFlowStatus": 5,
        "networkAnalysisPolicyUuid": "61626364-6566-6768-6970-717273747576",
        "httpResponse": 404,
    }
    if block_type == 41:
        fields["blockType"] = 41
        for name in list(fields)[-6:]:
            del fields[name]
    return fields


def idlen(key: int, name: bytes) -> bytes:
    return struct.pack(">II", key, len(name)) + name


METADATA_CASES: list[Case] = [
    (4, struct.pack(">IH", 1, 4) + b"high", {"id": 1, "nameLength": 4, "name": "high"}),
    *[
        (rt, idlen(7, b"name-" + str(rt).encode()), {"id": 7, "nameLength": len(f"name-{rt}"), "name": f"name-{rt}"})
        for rt in (55, 63, 109, 120, 121, 122, 123)
    ],
    (
        66,
        struct.pack(">IIIIH", 1, 2019418, 3, 2019418, 11)
        + uid("aaaaaaaabbbbccccddddeeeeeeeeeeee")
        + uid("bbbbbbbbccccddddeeeeffffffffffff")
        + b"ET POLICY x",
        {
            "generatorId": 1,
            "ruleId": 2019418,
            "ruleRevision": 3,
            "signatureId": 2019418,
            "messageLength": 11,
            "ruleUuid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "ruleRevisionUuid": "bbbbbbbb-cccc-dddd-eeee-ffffffffffff",
            "message": "ET POLICY x",
        },
    ),
    (
        67,
        struct.pack(">IH", 29, 8) + b"policy-v"
        + struct.pack(">H", 17) + b"Policy Violation!"
        + uid("0123456789abcdef0123456789abcdef") + uid("fedcba9876543210fedcba9876543210"),
        {
            "id": 29,
            "nameLength": 8,
            "name": "policy-v",
            "descriptionLength": 17,
            "description": "Policy Violation!",
            "uuid": "01234567-89ab-cdef-0123-456789abcdef",
            "revisionUuid": "fedcba98-7654-3210-fedc-ba9876543210",
        },
    ),
    (
        62,
        blk(57, struct.pack(">II", 12, 5) + sblock("alice")),
        {"blockType": 57, "id": 12, "protocol": 5, "name": "alice"},
    ),
    (62, struct.pack(">I", 12) + b"bob", {"id": 12, "name": "bob"}),
    (
        98,
        blk(57, struct.pack(">II", 4242, 710) + sblock("carol")),
        {"blockType": 57, "id": 4242, "protocol": 710, "name": "carol"},
    ),
    *[
        (
            rt,
            blk(14, uid("00112233445566778899aabbccddeeff") + sblock("inside")),
            {"blockType": 14, "uuid": "00112233-4455-6677-8899-aabbccddeeff", "name": "inside"},
        )
        for rt in (115, 116, 117, 118)
    ],
    (
        119,
        blk(15, uid("11111111222233334444555555555555") + struct.pack(">I", 268435457)
            + sblock("Allow web")),
        {
            "blockType": 15,
            "revisionUuid": "11111111-2222-3333-4444-555555555555",
            "ruleId": 268435457,
            "name": "Allow web",
        },
    ),
    (
        124,
        blk(59, struct.pack(">I", 0x10001) + sblock("IP Block")),
        {"blockType": 59, "id": 0x10001, "description": "IP Block"},
    ),
    (
        145,
        blk(64, uid("11111111222233334444555555555555") + struct.pack(">I", 3) + sblock("Corp ACP")),
        {
            "blockType": 64,
            "uuid": "11111111-2222-3333-4444-555555555555",
            "sensorId": 3,
            "name": "Corp ACP",
        },
    ),
    (
        280,
        blk(22, struct.pack(">I", 8) + uid("11111111222233334444555555555555") + sblock("Malware")),
        {
            "blockType": 22,
            "id": 8,
            "accessControlPolicyUuid": "11111111-2222-3333-4444-555555555555",
            "name": "Malware",
        },
    ),
    (
        520,
        blk(28, struct.pack(">H", 840) + sblock("United States")),
        {"blockType": 28, "countryCode": 840, "country": "United States"},
    ),
    (
        700,
        blk(77, uid("61626364656667686970717273747576") + sblock("Balanced NAP")),
        {"blockType": 77, "uuid": "61626364-6566-6768-6970-717273747576", "name": "Balanced NAP"},
    ),
    (
        111,
        blk(5, struct.pack(">I", 1) + sblock("Original Client IP") + sblock("ipv6")),
        {"blockType": 5, "type": 1, "name": "Original Client IP", "encoding": "ipv6"},
    ),
]  # fmt: skip




def host_server_case(record_type: int) -> Case:
    """A discovery record carrying series-1 block 103 with nested lists (117 → 1, 123)."""
    sub = blk(1, sblock("mod_ssl") + sblock("Apache") + sblock("2.4"))
    info = blk(
        117,
        struct.pack(">I", 676) + sblock("Apache") + sblock("2.4.41")
        + struct.pack(">III", 1591210000, 1, 2) + blk(11, sub),
    )  # fmt: skip
    host_server = blk(
        103,
        struct.pack(">HII", 443, 12, 1591210001) + blk(11, info)
        + struct.pack(">I", 90) + blk(11, blk(123, struct.pack(">I", 929))),
    )  # fmt: skip
    data = discovery_header(event_type=1000, subtype=2) + host_server
    fields = discovery_fields(has_ipv6=False)
    fields.update(
        eventType=1000,
        eventSubtype=2,
        blockType=103,
        port=443,
        hits=12,
        lastUsed=1591210001,
        serverInformation=[
            {
                "blockType": 117,
                "applicationId": 676,
                "vendor": "Apache",
                "version": "2.4.41",
                "lastUsed": 1591210000,
                "sourceType": 1,
                "sourceId": 2,
                "subServers": [
                    {"blockType": 1, "name": "mod_ssl", "vendor": "Apache", "version": "2.4"}
                ],
            }
        ],
        confidence=90,
        webApplications=[{"blockType": 123, "applicationId": 929}],
    )
    return record_type, data, fields


def connection_case(block_type: int, has_ipv6: bool) -> Case:
    """Record 71 with block 163 or 160."""
    # The header's deviceId equals the block's: flattening keeps only the block's (§4.6).
    header = discovery_header(device_id=3, ipv6=mapped(10, 0, 0, 5) if has_ipv6 else None)
    ipv6_responder = bytes.fromhex("20010db8000000000000000000000001")
    data = header + connection_block(block_type, mapped(192, 0, 2, 10), ipv6_responder)
    fields = discovery_fields(has_ipv6=has_ipv6, ipv6="10.0.0.5")
    fields.update(connection_fields(block_type, "192.0.2.10", "2001:db8::1"))
    return 71, data, fields


EVENT_CASES: list[Case] = [
    (
        2,
        struct.pack(">7I", 3, 195430, 1591210900, 1591210901, 250, 1, 4) + b"\x01\x02\x03\x04",
        {
            "deviceId": 3,
            "eventId": 195430,
            "eventSecond": 1591210900,
            "packetSecond": 1591210901,
            "packetMicrosecond": 250,
            "linkType": 1,
            "packetLength": 4,
            "packetData": b"\x01\x02\x03\x04",
        },
    ),
    *(host_server_case(rt) for rt in (11, 12, 16, 17, 51, 52)),
    (
        29,
        discovery_header(ipv6=mapped(10, 0, 0, 5), event_type=1001) + mapped(10, 0, 0, 6),
        {
            **discovery_fields(has_ipv6=True, ipv6="10.0.0.5"),
            "eventType": 1001,
            "ipAddress": "10.0.0.6",
        },
    ),
    connection_case(163, False),
    connection_case(163, True),
    connection_case(160, False),
    connection_case(160, True),
    (
        110,
        blk(4, struct.pack(">4I", 1, 42, 1591210900, 1) + blk(1, b"\x0a\x00\x00\x01")),
        {
            "blockType": 4,
            "deviceId": 1,
            "eventId": 42,
            "eventSecond": 1591210900,
            "type": 1,
            "blob": b"\x0a\x00\x00\x01",
        },
    ),
    (400, intrusion_block(60), intrusion_fields(60)),
    (400, intrusion_block(41), intrusion_fields(41)),
]

#: Every case, with a readable id for pytest.
ALL_CASES: list[Case] = (
    METADATA_CASES + EVENT_CASES + CATALOGUE_EVENT_CASES + CATALOGUE_METADATA_CASES
    + DISCOVERY_CASES
)
CASE_IDS: list[str] = [f"record{case[0]}-{index}" for index, case in enumerate(ALL_CASES)]
