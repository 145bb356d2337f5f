"""Sample records of the event types beyond the first slice: 9, 73, 110, 112, 125, 500, 502.

Each sample holds every field of the record's layout, named and typed as the decoder
returns it (architecture "Decoded values"; protocol doc §5.5-§5.9, §5.14), and the
``names`` that :func:`metadata.names_for` would return with complete metadata: every
name key :data:`metadata.NAME_KEYS` defines for the type.  The values describe one
plausible story on the FMC of the first-slice samples (device ``ftd-edge-01``, the
intrusion event 195430 against 198.51.100.20, a malware download by ``jdoe``), and each
type has a second variant that exercises the other branches of its mapping (IPv6
addresses, ICMP, an endpoint event without a connection, zero counters, CEF escaping).

``tests/mapping/test_samples_events.py`` checks that
``estreamer.decode_record(encode_record_data(...))`` gives back exactly these fields.
:mod:`cef_connector.mapping.samples` adds :data:`EVENT_SAMPLES` to ``SAMPLES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from cef_connector.mapping.samples import Sample

__all__ = ["EVENT_SAMPLES"]

_ZERO_UUID = "00000000-0000-0000-0000-000000000000"

# IDs shared with the first-slice samples (samples.py), so that the stories line up.
_AC_POLICY = "be907f60-9f31-11ea-8a3f-0d9c0a1b2c51"
_INTRUSION_POLICY = "ad8f6e50-9f31-11ea-8a3f-0d9c0a1b2c41"
_INGRESS_INTERFACE = "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c11"
_EGRESS_INTERFACE = "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c12"
_INGRESS_ZONE = "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01"
_EGRESS_ZONE = "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c02"
_DEVICE = "ftd-edge-01"

_MALWARE_SHA = "2f1a6c3e9b7d4a08c5e6f7a8b9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c"
_PDF_SHA = "9d4c2b1a0f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817065f4e"
_SSL_FINGERPRINT = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c4"
_SECURITY_CONTEXT = "5c3e1a2b4d6f708192a3b4c5d6e7f809"


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


# --- record 9: intrusion impact alert (§5.14, series-1 block 153) ------------------------


def _impact_alert(source: str, destination: str, impact: int, description: str) -> dict[str, Any]:
    return {
        "blockType": 153,
        "eventId": 195430,
        "deviceId": 1,
        "eventSecond": 1590497300,
        "impact": impact,
        "sourceIpAddress": source,
        "destinationIpAddress": destination,
        "description": description,
    }


_NAMES_9: dict[str, str] = {"device": _DEVICE}


# --- record 73: connection chunk (§5.6, discovery header + series-1 block 136) -----------


def _connection_chunk(*, netflow: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "deviceId": 1,
        "legacyIpAddress": "0.0.0.0",
        "macAddress": "00:00:00:00:00:00",
        "hasIpv6": 0,
        "reserved": 0,
        "eventSecond": 1590497400,
        "eventMicrosecond": 250000,
        "eventType": 1003,
        "eventSubtype": 2,
        "fileNumber": "00000000",
        "filePosition": "00000000",
        "blockType": 136,
    }
    if netflow:
        fields.update({
            "initiatorIpAddress": "10.0.0.5",
            "responderIpAddress": "93.184.216.34",
            "startTime": 1590497100,
            "applicationProtocolId": 676,
            "responderPort": 80,
            "protocol": 6,
            "connectionType": 1,
            "netflowDetectorIpAddress": "192.0.2.254",
            "packetsSent": 1200,
            "packetsReceived": 1850,
            "bytesSent": 98304,
            "bytesReceived": 2457600,
            "connections": 14,
        })  # fmt: skip
    else:
        # Seen by the device itself (no NetFlow exporter); one-way UDP, so the responder
        # sent nothing: zero counters must still be written.
        fields.update({
            "initiatorIpAddress": "10.0.0.7",
            "responderIpAddress": "192.0.2.53",
            "startTime": 1590497100,
            "applicationProtocolId": 617,
            "responderPort": 53,
            "protocol": 17,
            "connectionType": 0,
            "netflowDetectorIpAddress": "0.0.0.0",
            "packetsSent": 3,
            "packetsReceived": 0,
            "bytesSent": 222,
            "bytesReceived": 0,
            "connections": 3,
        })  # fmt: skip
    return fields


_NAMES_73_HTTP: dict[str, str] = {"device": _DEVICE, "applicationProtocol": "HTTP", "protocol": "TCP"}
_NAMES_73_DNS: dict[str, str] = {"device": _DEVICE, "applicationProtocol": "DNS", "protocol": "UDP"}


# --- record 110: intrusion event extra data (§5.5, series-2 block 4) ---------------------


def _extra_data(data_type: int, blob: bytes) -> dict[str, Any]:
    return {
        "blockType": 4,
        "deviceId": 1,
        "eventId": 195430,
        "eventSecond": 1590497300,
        "type": data_type,
        "blob": blob,
    }


#: Type 9 is the HTTP URI and type 2 the original client address (eNcore's view, §5.4).
_EXTRA_URI = b"/scripts/cmd.exe?/c+dir&x=1"
_EXTRA_CLIENT = bytes(10) + b"\xff\xff" + bytes((203, 0, 113, 7))

_NAMES_110_URI: dict[str, str] = {
    "device": _DEVICE, "extraDataType": "HTTP URI", "extraDataEncoding": "string",
}  # fmt: skip
_NAMES_110_CLIENT: dict[str, str] = {
    "device": _DEVICE, "extraDataType": "Original Client IP Address", "extraDataEncoding": "ipv6",
}  # fmt: skip


# --- record 112: correlation event (§5.9, series-1 block 156) -----------------------------


def _correlation_event(source: str, destination: str, *, icmp: bool) -> dict[str, Any]:
    return {
        "blockType": 156,
        "deviceId": 0,
        "correlationEventSecond": 1590497305,
        "eventId": 9001,
        "policyId": 3,
        "ruleId": 7,
        "priority": 1,
        "eventDescription": "Intrusion event on a vulnerable host: SERVER-WEBAPP cmd.exe access",
        "eventType": 1,
        "eventDeviceId": 1,
        "signatureId": 2000,
        "signatureGeneratorId": 1,
        "triggerEventSecond": 1590497300,
        "triggerEventMicrosecond": 654321,
        "deviceEventId": 195430,
        "eventDefinedMask": 0x0003FFFF,
        "eventImpactFlags": 0x07 if icmp else 0x1F,
        "ipProtocol": 58 if icmp else 6,
        "networkProtocol": 0x86DD if icmp else 0x0800,
        "sourceIpv4": 0,
        "sourceHostType": 0,
        "sourceVlanId": 0 if icmp else 100,
        "sourceOsFingerprintUuid": "1c2d3e4f-9f31-11ea-8a3f-0d9c0a1b2c71",
        "sourceCriticality": 1,
        "sourceUserId": 5,
        "sourcePort": 128 if icmp else 49152,
        "sourceServerId": 1122,
        "destinationIpv4": 0,
        "destinationHostType": 0,
        "destinationVlanId": 100,
        "destinationOsFingerprintUuid": "1c2d3e4f-9f31-11ea-8a3f-0d9c0a1b2c72",
        "destinationCriticality": 3,
        "destinationUserId": 6,
        "destinationPort": 0 if icmp else 80,
        "destinationServerId": 676,
        "impact": 2 if icmp else 1,
        "blocked": 0 if icmp else 1,
        "intrusionPolicyUuid": _INTRUSION_POLICY,
        "ruleAction": 4,
        "netbiosName": "WEB01",
        "urlCategory": 28,
        "urlReputation": 2,
        "url": "" if icmp else "http://www.example.com/scripts/cmd.exe?/c+dir",
        "clientApplicationId": 638,
        "clientApplicationVersion": "7.68.0",
        "accessControlPolicyRevision": _AC_POLICY,
        "accessControlRuleId": 268435460,
        "ingressInterfaceUuid": _INGRESS_INTERFACE,
        "egressInterfaceUuid": _EGRESS_INTERFACE,
        "ingressZoneUuid": _INGRESS_ZONE,
        "egressZoneUuid": _EGRESS_ZONE,
        "sourceIpv6Address": source,
        "destinationIpv6Address": destination,
        "sourceCountry": 250,
        "destinationCountry": 840,
        "securityIntelligenceUuid": "e1d2c3b4-9f31-11ea-8a3f-0d9c0a1b2c81",
        "securityContext": _SECURITY_CONTEXT,
        "sslPolicyId": "f0e1d2c39f3111ea8a3f0d9c0a1b2c91",
        "sslRuleId": 2,
        "sslActualAction": 6,
        "sslFlowStatus": 2,
        "sslCertificateFingerprint": _SSL_FINGERPRINT,
    }


def _correlation_names(*, icmp: bool) -> dict[str, str]:
    return {
        "device": "Defense Center",
        "eventDevice": _DEVICE,
        "correlationPolicy": "Critical Assets",
        "correlationRule": "Attack on a vulnerable server",
        "priority": "high",
        "ruleMessage": "SERVER-WEBAPP cmd.exe access",
        "renderedSignatureId": "1:2000",
        "protocol": "IPv6-ICMP" if icmp else "TCP",
        "networkProtocol": "IPv6" if icmp else "IP",
        "sourceOperatingSystem": "Microsoft Windows 10",
        "destinationOperatingSystem": "Microsoft Windows Server 2016",
        "sourceCriticality": "Low",
        "destinationCriticality": "High",
        "sourceUser": "jdoe",
        "destinationUser": "svc-web",
        "sourceApplicationProtocol": "HTTPS",
        "destinationApplicationProtocol": "HTTP",
        "intrusionPolicy": "Balanced Security and Connectivity",
        "ruleAction": "Allow",
        "urlCategory": "Search Engines",
        "urlReputation": "Benign sites with security risks",
        "clientApplication": "cURL",
        "accessControlPolicy": "Corporate Policy",
        "accessControlRule": "Inspect Web",
        "ingressInterface": "inside",
        "egressInterface": "outside",
        "ingressZone": "INSIDE",
        "egressZone": "OUTSIDE",
        "sourceCountry": "France",
        "destinationCountry": "USA",
        "securityIntelligenceCategory": "Attackers",
        "securityContext": "Tenant A",
        "sslPolicy": "Decrypt Outbound",
        "sslRule": "Resign Unknown",
        "sslActualAction": "Decrypt (Resign)",
        "sslFlowStatus": "Success",
        "sslCertificateSubject": "www.example.com",
        "sslCertificateIssuer": "Example CA",
        "icmpType": "Echo Request",
        "icmpCode": "No Code",
    }


# --- record 125: malware event (§5.8, series-2 block 62) ---------------------------------


def _malware_event(*, network: bool) -> dict[str, Any]:
    if network:
        # Detected in a decrypted HTTPS download through ftd-edge-01.
        return {
            "blockType": 62,
            "agentUuid": _ZERO_UUID,
            "cloudUuid": "4b7e2f10-9f31-11ea-8a3f-0d9c0a1b2ca1",
            "malwareEventTimestamp": 1590497350,
            "eventTypeId": 1,
            "eventSubtypeId": 1,
            "detectorId": 1,
            "detectionName": "W32.GenericKD:Trojan.22b8.1201",
            "user": "",
            "fileName": "invoice_2020.exe",
            "filePath": "",
            "fileShaHash": _MALWARE_SHA,
            "fileSize": 483328,
            "fileType": 21,
            "fileTimestamp": 0,
            "parentFileName": "",
            "parentShaHash": "",
            "eventDescription": "",
            "deviceId": 1,
            "connectionInstance": 1,
            "connectionCounter": 50852,
            "connectionEventTimestamp": 1590497348,
            "direction": 1,
            "sourceIpAddress": "93.184.216.34",
            "destinationIpAddress": "10.0.0.5",
            "applicationProtocolId": 1122,
            "userId": 5,
            "accessControlPolicyUuid": _AC_POLICY,
            "disposition": 3,
            "retroDisposition": 3,
            "uri": "https://www.example.com/downloads/invoice_2020.exe?id=42",
            "sourcePort": 443,
            "destinationPort": 51236,
            "sourceCountry": 840,
            "destinationCountry": 250,
            "webApplicationId": 929,
            "clientApplicationId": 1296,
            "action": 4,
            "protocol": 6,
            "threatScore": 85,
            "iocNumber": 11,
            "securityContext": _SECURITY_CONTEXT,
            "sslCertificateFingerprint": _SSL_FINGERPRINT,
            "sslActualAction": 6,
            "sslFlowStatus": 2,
            "archiveSha": "",
            "archiveName": "",
            "archiveDepth": 0,
            "httpResponse": 200,
        }
    # An AMP for Endpoints event relayed by the FMC: no connection, no ports, no protocol,
    # an IPv6 endpoint, a Windows path (backslashes) and no threat score.
    return {
        "blockType": 62,
        "agentUuid": "8c9d0e1f-9f31-11ea-8a3f-0d9c0a1b2cb1",
        "cloudUuid": "4b7e2f10-9f31-11ea-8a3f-0d9c0a1b2ca1",
        "malwareEventTimestamp": 1590497420,
        "eventTypeId": 1090519054,
        "eventSubtypeId": 2,
        "detectorId": 4,
        "detectionName": "W32.GenericKD:Trojan.22b8.1201",
        "user": "CORP\\jdoe",
        "fileName": "invoice_2020.exe",
        "filePath": "C:\\Users\\jdoe\\Downloads\\invoice_2020.exe",
        "fileShaHash": _MALWARE_SHA,
        "fileSize": 483328,
        "fileType": 21,
        "fileTimestamp": 1590497349,
        "parentFileName": "explorer.exe",
        "parentShaHash": "6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "eventDescription": "Threat detected on execution",
        "deviceId": 0,
        "connectionInstance": 0,
        "connectionCounter": 0,
        "connectionEventTimestamp": 0,
        "direction": 0,
        "sourceIpAddress": "2001:db8:10::5",
        "destinationIpAddress": "::",
        "applicationProtocolId": 0,
        "userId": 0,
        "accessControlPolicyUuid": _ZERO_UUID,
        "disposition": 3,
        "retroDisposition": 0,
        "uri": "",
        "sourcePort": 0,
        "destinationPort": 0,
        "sourceCountry": 0,
        "destinationCountry": 0,
        "webApplicationId": 0,
        "clientApplicationId": 0,
        "action": 0,
        "protocol": 0,
        "threatScore": 0,
        "iocNumber": 0,
        "securityContext": "0" * 32,
        "sslCertificateFingerprint": "0" * 40,
        "sslActualAction": 0,
        "sslFlowStatus": 0,
        "archiveSha": "",
        "archiveName": "",
        "archiveDepth": 0,
        "httpResponse": 0,
    }


def _malware_names(*, network: bool) -> dict[str, str]:
    return {
        "device": _DEVICE if network else "Defense Center",
        "ampCloud": "AMP Cloud (US)",
        "malwareEventType": "Threat Detected in Network File Transfer" if network else "Threat Detected",
        "malwareEventSubtype": "Create" if network else "Execute",
        "malwareDetector": "ClamAV" if network else "ETHOS",
        "fileType": "MSEXE",
        "shaFileName": "invoice_2020.exe",
        "parentShaFileName": "explorer.exe",
        "applicationProtocol": "HTTPS",
        "user": "jdoe",
        "accessControlPolicy": "Corporate Policy",
        "disposition": "Malware",
        "retroDisposition": "Malware",
        "sourceCountry": "USA",
        "destinationCountry": "France",
        "webApplication": "Example Downloads",
        "clientApplication": "Firefox",
        "protocol": "TCP" if network else "HOPOPT",
        "iocCategory": "Malware Detected",
        "iocEventType": "Threat Detected in File Transfer",
        "iocName": "Malware Detected: Threat Detected in File Transfer",
        "securityContext": "Tenant A",
        "sslCertificateSubject": "www.example.com",
        "sslCertificateIssuer": "Example CA",
        "sslActualAction": "Decrypt (Resign)",
        "sslFlowStatus": "Success",
    }


# --- records 500 / 502: file event and file malware event (§5.7, series-2 block 56) ------


def _file_event(source: str, destination: str, *, malware: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "blockType": 56,
        "deviceId": 1,
        "connectionInstance": 1,
        "connectionCounter": 50853,
        "connectionTimestamp": 1590497360,
        "fileEventTimestamp": 1590497361,
        "sourceIpAddress": source,
        "destinationIpAddress": destination,
    }
    if malware:
        fields.update({
            "disposition": 3,
            "speroDisposition": 3,
            "fileStorageStatus": 1,
            "fileAnalysisStatus": 12,
            "localMalwareAnalysisStatus": 1,
            "archiveFileStatus": 2,
            "threatScore": 95,
            "action": 4,
            "shaHash": _MALWARE_SHA,
            "fileTypeId": 21,
            "fileName": "invoice_2020.exe",
            "fileSize": 483328,
            "direction": 1,
            "applicationProtocolId": 676,
            "userId": 5,
            "uri": "http://www.example.com/downloads/bundle.zip",
            "signature": "W32.GenericKD:Trojan.22b8.1201",
            "sourcePort": 80,
            "destinationPort": 51240,
            "protocol": 6,
            "accessControlPolicyUuid": _AC_POLICY,
            "sourceCountry": 840,
            "destinationCountry": 250,
            "webApplicationId": 929,
            "clientApplicationId": 1296,
            "securityContext": _SECURITY_CONTEXT,
            "sslCertificateFingerprint": "0" * 40,
            "sslActualAction": 0,
            "sslFlowStatus": 0,
            "archiveSha": "71b3c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0d",
            "archiveName": "bundle.zip",
            "archiveDepth": 1,
            "httpResponse": 200,
        })  # fmt: skip
    else:
        # An upload of a clean report whose name holds "=" (escaped in CEF values).
        fields.update({
            "disposition": 1,
            "speroDisposition": 0,
            "fileStorageStatus": 0,
            "fileAnalysisStatus": 0,
            "localMalwareAnalysisStatus": 0,
            "archiveFileStatus": 0,
            "threatScore": 0,
            "action": 3,
            "shaHash": _PDF_SHA,
            "fileTypeId": 285,
            "fileName": "Q1 report=final.pdf",
            "fileSize": 1048576,
            "direction": 2,
            "applicationProtocolId": 1122,
            "userId": 5,
            "uri": "https://files.example.net/upload?folder=reports",
            "signature": "",
            "sourcePort": 51241,
            "destinationPort": 443,
            "protocol": 6,
            "accessControlPolicyUuid": _AC_POLICY,
            "sourceCountry": 250,
            "destinationCountry": 840,
            "webApplicationId": 2411,
            "clientApplicationId": 1296,
            "securityContext": _SECURITY_CONTEXT,
            "sslCertificateFingerprint": _SSL_FINGERPRINT,
            "sslActualAction": 6,
            "sslFlowStatus": 2,
            "archiveSha": "",
            "archiveName": "",
            "archiveDepth": 0,
            "httpResponse": 201,
        })  # fmt: skip
    return fields


def _file_names(*, malware: bool) -> dict[str, str]:
    return {
        "device": _DEVICE,
        "disposition": "Malware" if malware else "Clean",
        "speroDisposition": "Malware" if malware else "N/A",
        "fileStorageStatus": "File Stored" if malware else "N/A",
        "fileAnalysisStatus": "Analysis Complete" if malware else "File not sent for Analysis",
        "localMalwareAnalysisStatus": "Analysis done" if malware else "File not analyzed",
        "archiveFileStatus": "Extracted" if malware else "N/A",
        "shaFileName": "invoice_2020.exe" if malware else "Q1 report=final.pdf",
        "fileType": "MSEXE" if malware else "PDF",
        "applicationProtocol": "HTTP" if malware else "HTTPS",
        "user": "jdoe",
        "protocol": "TCP",
        "accessControlPolicy": "Corporate Policy",
        "filePolicy": "Block Malware",
        "sourceCountry": "USA" if malware else "France",
        "destinationCountry": "France" if malware else "USA",
        "webApplication": "Example Downloads" if malware else "Example Files",
        "clientApplication": "Firefox",
        "securityContext": "Tenant A",
        "sslCertificateSubject": "files.example.net",
        "sslCertificateIssuer": "Example CA",
        "sslActualAction": "Decrypt (Resign)",
        "sslFlowStatus": "Success",
    }


#: The samples of records 9, 73, 110, 112, 125, 500 and 502, two per type.
EVENT_SAMPLES: tuple[Sample, ...] = (
    Sample("9 IPv4 (block 153)", 9,
           _frozen(_impact_alert("192.0.2.10", "198.51.100.20", 0x1F,
                                 "[Impact: 1] SERVER-WEBAPP cmd.exe access")),
           _frozen(_NAMES_9), archive_timestamp=1590497301, offset=24576),
    Sample("9 IPv6 (block 153)", 9,
           _frozen(_impact_alert("2001:db8:30::10", "2001:db8:40::20", 0x07,
                                 "[Impact: 2] PROTOCOL-ICMP Echo Request")),
           _frozen(_NAMES_9), offset=28672),
    Sample("73 NetFlow (block 136)", 73, _frozen(_connection_chunk(netflow=True)),
           _frozen(_NAMES_73_HTTP), archive_timestamp=1590497401, offset=32768),
    Sample("73 device, one-way UDP (block 136)", 73, _frozen(_connection_chunk(netflow=False)),
           _frozen(_NAMES_73_DNS), offset=36864),
    Sample("110 HTTP URI (block 4)", 110, _frozen(_extra_data(9, _EXTRA_URI)),
           _frozen(_NAMES_110_URI), archive_timestamp=1590497301, offset=40960),
    Sample("110 original client IP (block 4)", 110, _frozen(_extra_data(2, _EXTRA_CLIENT)),
           _frozen(_NAMES_110_CLIENT), offset=45056),
    Sample("112 IPv4 TCP (block 156)", 112,
           _frozen(_correlation_event("192.0.2.10", "198.51.100.20", icmp=False)),
           _frozen(_correlation_names(icmp=False)), archive_timestamp=1590497306, offset=49152),
    Sample("112 IPv6 ICMP (block 156)", 112,
           _frozen(_correlation_event("2001:db8:30::10", "2001:db8:40::20", icmp=True)),
           _frozen(_correlation_names(icmp=True)), offset=53248),
    Sample("125 IPv4 network (block 62)", 125, _frozen(_malware_event(network=True)),
           _frozen(_malware_names(network=True)), archive_timestamp=1590497351, offset=57344),
    Sample("125 IPv6 endpoint (block 62)", 125, _frozen(_malware_event(network=False)),
           _frozen(_malware_names(network=False)), offset=61440),
    Sample("500 IPv4 upload (block 56)", 500,
           _frozen(_file_event("10.0.0.5", "203.0.113.80", malware=False)),
           _frozen(_file_names(malware=False)), archive_timestamp=1590497362, offset=65536),
    Sample("500 IPv6 upload (block 56)", 500,
           _frozen(_file_event("2001:db8:10::5", "2001:db8:50::80", malware=False)),
           _frozen(_file_names(malware=False)), offset=69632),
    Sample("502 IPv4 download (block 56)", 502,
           _frozen(_file_event("93.184.216.34", "10.0.0.5", malware=True)),
           _frozen(_file_names(malware=True)), archive_timestamp=1590497362, offset=73728),
    Sample("502 IPv6 download (block 56)", 502,
           _frozen(_file_event("2001:db8:50::80", "2001:db8:10::5", malware=True)),
           _frozen(_file_names(malware=True)), offset=77824),
)  # fmt: skip
