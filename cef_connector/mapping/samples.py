"""Sample records (fields and resolved names) that every mapping is test-rendered against.

The field sets follow the protocol doc layouts exactly — every field of the
layout, named and typed as decoded (architecture "Decoded values"): record 71 =
discovery header fields (§4.6) + block 163 (§5.6); record 400 = block 60 (§5.3);
record 2 = §5.4.  ``blockLength`` is not kept by the decoder and is absent here.
(tests/mapping checks that ``estreamer.decode_record(encode_record_data(…))``
gives back exactly these fields.)

Each sample also carries the ``names`` that :func:`metadata.names_for` would
return with complete metadata; the loader renders every mapping both with those
names and with no names at all (metadata not received yet), so both paths must
give a valid CEF line.  :data:`NAME_KEYS` lists, per record type, every name key
the metadata layer may supply (architecture "Naming scheme exposed to mappings");
a mapping that uses another key is rejected with a suggestion.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cef_connector.metadata import NAME_KEYS as METADATA_NAME_KEYS

__all__ = ["Sample", "SAMPLES", "NAME_KEYS", "samples_for", "sample_packet_frame"]

ZERO_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Sample:
    """One sample record for test rendering.

    Attributes:
        label: short description used in error messages (``71 IPv4 block 163``).
        record_type: the eStreamer record type.
        fields: ``Record.fields`` as the decoder produces them.
        names: the names ``names_for`` would return with complete metadata.
        archive_timestamp: the record header's archive timestamp, or ``None``.
        offset: a plausible stream offset (only used in messages).
    """

    label: str
    record_type: int
    fields: Mapping[str, Any]
    names: Mapping[str, str]
    archive_timestamp: int | None = None
    offset: int = 0


#: Name keys per record type (architecture "Naming scheme exposed to mappings"), as the
#: metadata package's name table defines them.
NAME_KEYS: Mapping[int, frozenset[str]] = METADATA_NAME_KEYS


def _discovery_header(event_second: int, event_microsecond: int, ipv6_address: str | None) -> dict[str, Any]:
    header: dict[str, Any] = {
        "deviceId": 1,
        "legacyIpAddress": "0.0.0.0",
        "macAddress": "00:00:00:00:00:00",
        "hasIpv6": 1 if ipv6_address is not None else 0,
        "reserved": 0,
        "eventSecond": event_second,
        "eventMicrosecond": event_microsecond,
        "eventType": 1003,
        "eventSubtype": 1,
        "fileNumber": "00000000",
        "filePosition": "00000000",
    }
    if ipv6_address is not None:
        header["ipv6Address"] = ipv6_address
    return header


def _connection_statistics(initiator: str, responder: str, ipv6_header: str | None) -> dict[str, Any]:
    fields = _discovery_header(1590497212, 345678, ipv6_header)
    fields.update(
        {
            "blockType": 163,
            "deviceId": 1,
            "ingressZone": "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01",
            "egressZone": "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c02",
            "ingressInterface": "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c11",
            "egressInterface": "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c12",
            "initiatorIpAddress": initiator,
            "responderIpAddress": responder,
            "originalClientIpAddress": "::",
            "policyRevision": "8b5e4c30-9f31-11ea-8a3f-0d9c0a1b2c21",
            "ruleId": 268435458,
            "tunnelRuleId": 0,
            "ruleAction": 1,
            "ruleReason": 0,
            "initiatorPort": 51234,
            "responderPort": 80,
            "tcpFlags": 0,
            "protocol": 6,
            "netflowSource": ZERO_UUID,
            "instanceId": 2,
            "connectionCounter": 50850,
            "firstPacketTimestamp": 1590497210,
            "lastPacketTimestamp": 1590497212,
            "initiatorTransmittedPackets": 6,
            "responderTransmittedPackets": 5,
            "initiatorTransmittedBytes": 820,
            "responderTransmittedBytes": 5120,
            "initiatorPacketsDropped": 0,
            "responderPacketsDropped": 0,
            "initiatorBytesDropped": 0,
            "responderBytesDropped": 0,
            "qosAppliedInterface": ZERO_UUID,
            "qosRuleId": 0,
            "userId": 5,
            "applicationProtocolId": 676,
            "urlCategory": 28,
            "urlReputation": 5,
            "clientApplicationId": 1296,
            "webApplicationId": 2410,
            "clientUrl": "http://www.example.com/search?q=cef&lang=en",
            "netbiosName": "",
            "clientApplicationVersion": "76.0",
            "monitorRule1": 0,
            "monitorRule2": 0,
            "monitorRule3": 0,
            "monitorRule4": 0,
            "monitorRule5": 0,
            "monitorRule6": 0,
            "monitorRule7": 0,
            "monitorRule8": 0,
            "securityIntelligenceSourceDestination": 0,
            "securityIntelligenceLayer": 0,
            "fileEventCount": 0,
            "intrusionEventCount": 0,
            "initiatorCountry": 0,
            "responderCountry": 840,
            "originalClientCountry": 0,
            "iocNumber": 0,
            "sourceAutonomousSystem": 0,
            "destinationAutonomousSystem": 15133,
            "snmpIn": 0,
            "snmpOut": 0,
            "sourceTos": 0,
            "destinationTos": 0,
            "sourceMask": 0,
            "destinationMask": 0,
            "securityContext": ZERO_UUID,
            "vlanId": 0,
            "referencedHost": "www.example.com",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:76.0) Gecko/20100101 Firefox/76.0",
            "httpReferrer": "http://www.example.com/",
            "sslCertificateFingerprint": "0" * 40,
            "sslPolicyId": ZERO_UUID,
            "sslRuleId": 0,
            "sslCipherSuite": 0,
            "sslVersion": 0,
            "sslServerCertificateStatus": 0,
            "sslActualAction": 0,
            "sslExpectedAction": 0,
            "sslFlowStatus": 0,
            "sslFlowError": 0,
            "sslFlowMessages": 0,
            "sslFlowFlags": 0,
            "sslServerName": "",
            "sslUrlCategory": 0,
            "sslSessionId": "0" * 64,
            "sslSessionIdLength": 0,
            "sslTicketId": "0" * 40,
            "sslTicketIdLength": 0,
            "networkAnalysisPolicyRevision": "9c6f5d40-9f31-11ea-8a3f-0d9c0a1b2c31",
            "endpointProfileId": 0,
            "securityGroupId": 0,
            "locationIpv6": "::",
            "httpResponse": 200,
            "dnsQuery": "",
            "dnsRecordType": 0,
            "dnsResponseType": 0,
            "dnsTtl": 0,
            "sinkholeUuid": ZERO_UUID,
            "securityIntelligenceList1": 0,
            "securityIntelligenceList2": 0,
        }
    )
    return fields


_NAMES_71: dict[str, str] = {
    "device": "ftd-edge-01",
    "ingressZone": "INSIDE",
    "egressZone": "OUTSIDE",
    "ingressInterface": "inside",
    "egressInterface": "outside",
    "accessControlPolicy": "Corporate Policy",
    "accessControlRule": "Allow Web",
    "ruleAction": "Allow",
    "ruleReason": "N/A",
    "applicationProtocol": "HTTP",
    "clientApplication": "Firefox",
    "webApplication": "Example Search",
    "user": "jdoe",
    "urlCategory": "Search Engines",
    "urlReputation": "Well known",
    "responderCountry": "USA",
    "protocol": "TCP",
}


def _intrusion_event(source: str, destination: str) -> dict[str, Any]:
    return {
        "blockType": 60,
        "deviceId": 1,
        "eventId": 195430,
        "eventSecond": 1590497300,
        "eventMicrosecond": 654321,
        "ruleId": 2000,
        "generatorId": 1,
        "ruleRevision": 3,
        "classificationId": 22,
        "priorityId": 1,
        "sourceIpAddress": source,
        "destinationIpAddress": destination,
        "sourcePortOrIcmpType": 49152,
        "destinationPortOrIcmpCode": 80,
        "ipProtocolId": 6,
        "impactFlags": 0x07,
        "impact": 2,
        "blocked": 1,
        "mplsLabel": 0,
        "vlanId": 0,
        "pad": 0,
        "intrusionPolicyUuid": "ad8f6e50-9f31-11ea-8a3f-0d9c0a1b2c41",
        "userId": 0,
        "webApplicationId": 0,
        "clientApplicationId": 638,
        "applicationProtocolId": 676,
        "accessControlRuleId": 268435460,
        "accessControlPolicyUuid": "be907f60-9f31-11ea-8a3f-0d9c0a1b2c51",
        "interfaceIngressUuid": "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c11",
        "interfaceEgressUuid": "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c12",
        "securityZoneIngressUuid": "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01",
        "securityZoneEgressUuid": "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c02",
        "connectionTimestamp": 1590497299,
        "connectionInstanceId": 1,
        "connectionCounter": 50851,
        "sourceCountry": 0,
        "destinationCountry": 840,
        "iocNumber": 0,
        "securityContext": "0" * 32,
        "sslCertificateFingerprint": "0" * 40,
        "sslActualAction": 0,
        "sslFlowStatus": 0,
        "networkAnalysisPolicyUuid": "cfa18070-9f31-11ea-8a3f-0d9c0a1b2c61",
        "httpResponse": 0,
    }


_NAMES_400: dict[str, str] = {
    "device": "ftd-edge-01",
    "ingressZone": "INSIDE",
    "egressZone": "OUTSIDE",
    "ingressInterface": "inside",
    "egressInterface": "outside",
    "accessControlPolicy": "Corporate Policy",
    "accessControlRule": "Inspect Web",
    "applicationProtocol": "HTTP",
    "clientApplication": "cURL",
    "destinationCountry": "USA",
    "ruleMessage": "SERVER-WEBAPP cmd.exe access",
    "renderedSignatureId": "1:2000",
    "classification": "Web Application Attack",
    "priority": "high",
    "intrusionPolicy": "Balanced Security and Connectivity",
    "protocol": "TCP",
}

#: The HTTP request carried by the sample packet (CRLF line ends, one "=").
SAMPLE_HTTP_REQUEST = b"GET /scripts/cmd.exe?/c+dir HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.68.0\r\n\r\n"


def sample_packet_frame(payload: bytes = SAMPLE_HTTP_REQUEST) -> bytes:
    """Build the sample record 2 frame: Ethernet II + IPv4 (IHL 5) + TCP (offset 5) + payload.

    Args:
        payload: the TCP payload.

    Returns:
        The frame bytes (checksums zero; they are not checked).
    """
    tcp = struct.pack("!HHIIBBHHH", 49152, 80, 1000, 2000, 5 << 4, 0x18, 64240, 0, 0)
    total_length = 20 + len(tcp) + len(payload)
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, total_length, 0x1234, 0x4000, 64, 6, 0,
        bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20]),
    )
    ethernet = bytes.fromhex("005056a1b2c3" "005056d4e5f6" "0800")
    return ethernet + ip + tcp + payload


def _packet() -> dict[str, Any]:
    frame = sample_packet_frame()
    return {
        "deviceId": 1,
        "eventId": 195430,
        "eventSecond": 1590497300,
        "packetSecond": 1590497300,
        "packetMicrosecond": 654000,
        "linkType": 1,
        "packetLength": len(frame),
        "packetData": frame,
    }


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


#: Every sample, in the order the loader test-renders them.
SAMPLES: tuple[Sample, ...] = (
    Sample("71 IPv4 (block 163)", 71,
           _frozen(_connection_statistics("10.0.0.5", "93.184.216.34", None)), _frozen(_NAMES_71),
           offset=4096),
    Sample("71 IPv6 (block 163)", 71,
           _frozen(_connection_statistics("2001:db8:10::5", "2001:db8:20::80", "2001:db8:10::5")),
           _frozen(_NAMES_71), archive_timestamp=1590497213, offset=8192),
    Sample("400 IPv4 (block 60)", 400,
           _frozen(_intrusion_event("192.0.2.10", "198.51.100.20")), _frozen(_NAMES_400), offset=12288),
    Sample("400 IPv6 (block 60)", 400,
           _frozen(_intrusion_event("2001:db8:30::10", "2001:db8:40::20")), _frozen(_NAMES_400),
           archive_timestamp=1590497301, offset=16384),
    Sample("2 Ethernet/IPv4/TCP", 2, _frozen(_packet()), _frozen({"device": "ftd-edge-01"}), offset=20480),
)

# Records 9, 73, 110, 112, 125, 500, 502 (their module imports Sample from here).
from cef_connector.mapping.samples_events import EVENT_SAMPLES  # noqa: E402

SAMPLES = SAMPLES + EVENT_SAMPLES

# Discovery (RNA), user (RUA) and IOC records 10-171 (their module imports Sample from here).
from cef_connector.mapping.samples_discovery import DISCOVERY_SAMPLES  # noqa: E402

SAMPLES = SAMPLES + DISCOVERY_SAMPLES


def samples_for(record_type: int) -> tuple[Sample, ...]:
    """Return the samples of one record type.

    Args:
        record_type: eStreamer record type.

    Returns:
        The samples (empty when there is none for that type).
    """
    return tuple(sample for sample in SAMPLES if sample.record_type == record_type)
