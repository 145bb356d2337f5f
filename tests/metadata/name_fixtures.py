"""Hand-made metadata and event records for the naming tests.

``METADATA`` holds one or more records for every metadata table that events refer to,
with the field names and value shapes the decoders produce (UUIDs as dashed text, raw
uint8[n] fields as lowercase hex).  ``EVENTS`` holds one event per record type of the
name table, whose IDs all refer to ``METADATA``.
"""

from __future__ import annotations

from typing import Any

from cef_connector.estreamer import Record
from cef_connector.metadata import MetadataCache

POLICY = "00112233-4455-6677-8899-aabbccddeeff"
OLD_POLICY = "0a0a0a0a-4455-6677-8899-aabbccddeeff"
ZONE_IN = "10000000-0000-0000-0000-000000000001"
ZONE_OUT = "10000000-0000-0000-0000-000000000002"
IF_IN = "20000000-0000-0000-0000-000000000001"
IF_OUT = "20000000-0000-0000-0000-000000000002"
IF_QOS = "20000000-0000-0000-0000-000000000003"
IPS_POLICY = "30000000-0000-0000-0000-000000000001"
NAP_POLICY = "30000000-0000-0000-0000-000000000002"
FILE_POLICY = "30000000-0000-0000-0000-000000000003"
CONTEXT = "40000000-0000-0000-0000-0000000000c1"
CONTEXT_HEX = "400000000000000000000000000000c1"  # the same id as a raw uint8[16]
SSL_POLICY = "50000000-0000-0000-0000-0000000000a1"
SSL_POLICY_HEX = "500000000000000000000000000000a1"
SINKHOLE = "60000000-0000-0000-0000-000000000001"
CLOUD = "70000000-0000-0000-0000-000000000001"
SI_CATEGORY = "80000000-0000-0000-0000-000000000001"
FP_WINDOWS = "90000000-0000-0000-0000-000000000001"
FP_LINUX = "90000000-0000-0000-0000-000000000002"
CERT = "a1" * 20
SHA = "5e" * 32
PARENT_SHA = "7f" * 32
RULE = 268435461
MONITOR_RULE = 268435470

METADATA: tuple[tuple[int, dict[str, Any]], ...] = (
    (123, {"id": 3, "nameLength": 5, "name": "ftd-1"}),
    (123, {"id": 5, "nameLength": 5, "name": "ftd-2"}),
    (115, {"blockType": 14, "uuid": ZONE_IN, "name": "inside"}),
    (115, {"blockType": 14, "uuid": ZONE_OUT, "name": "outside"}),
    (116, {"blockType": 14, "uuid": IF_IN, "name": "GigabitEthernet0/0"}),
    (116, {"blockType": 14, "uuid": IF_OUT, "name": "GigabitEthernet0/1"}),
    (116, {"blockType": 14, "uuid": IF_QOS, "name": "GigabitEthernet0/2"}),
    (145, {"blockType": 64, "uuid": POLICY, "sensorId": 3, "name": "Corp AC"}),
    (117, {"blockType": 14, "uuid": OLD_POLICY, "name": "Legacy AC"}),
    (119, {"blockType": 15, "revisionUuid": POLICY, "ruleId": RULE, "name": "Allow web"}),
    (119, {"blockType": 15, "revisionUuid": POLICY, "ruleId": MONITOR_RULE, "name": "Monitor DNS"}),
    (119, {"blockType": 15, "revisionUuid": OLD_POLICY, "ruleId": 7, "name": "Old rule"}),
    (120, {"id": 2, "name": "Allow"}),
    (124, {"blockType": 59, "id": 1, "description": "IP Block"}),
    (63, {"id": 676, "name": "HTTP"}),
    (63, {"id": 1122, "name": "SSL"}),
    (63, {"id": 710, "name": "LDAP"}),
    (55, {"id": 638, "name": "Firefox"}),
    (55, {"id": 573, "name": "Chrome"}),
    (109, {"id": 929, "name": "Google"}),
    (109, {"id": 1017, "name": "Facebook"}),
    (98, {"blockType": 57, "id": 9, "protocol": 710, "name": "alice"}),
    (98, {"blockType": 57, "id": 10, "protocol": 710, "name": "bob"}),
    (62, {"blockType": 57, "id": 4, "protocol": 0, "name": "admin"}),
    (121, {"id": 19, "name": "Search Engines"}),
    (122, {"id": 5, "name": "Well known"}),
    (280, {"blockType": 22, "id": 7, "accessControlPolicyUuid": POLICY, "name": "Malware"}),
    (280, {"blockType": 22, "id": 8, "accessControlPolicyUuid": POLICY, "name": "Phishing"}),
    (281, {"id": 1, "name": "Source"}),
    (282, {"uuid": SI_CATEGORY, "name": "Attackers"}),
    (520, {"blockType": 28, "countryCode": 840, "country": "USA"}),
    (520, {"blockType": 28, "countryCode": 276, "country": "Germany"}),
    (520, {"blockType": 28, "countryCode": 250, "country": "France"}),
    (66, {"generatorId": 1, "ruleId": 2000419, "ruleRevision": 3, "signatureId": 2000420,
          "message": "ET POLICY PE EXE"}),
    (67, {"id": 3, "name": "trojan-activity", "description": "A Network Trojan was Detected"}),
    (4, {"id": 1, "name": "high"}),
    (118, {"blockType": 14, "uuid": IPS_POLICY, "name": "Balanced Security and Connectivity"}),
    (700, {"blockType": 99, "uuid": NAP_POLICY, "name": "Default NAP"}),
    (140, {"blockType": 27, "signatureId": 2000419, "generatorId": 1, "revision": 3,
           "summary": "PE download over HTTP"}),
    (161, {"blockType": 39, "id": 12, "category": "Malware Detected",
           "eventType": "Threat Detected in File Transfer"}),
    (132, {"uuid": CONTEXT, "name": "Tenant A"}),
    (614, {"blockType": 50, "fingerprintSha": CERT, "subjectCn": "www.example.com",
           "issuerCn": "Example CA"}),
    (600, {"uuid": SSL_POLICY, "name": "SSL Inspect"}),
    # record 601 carries the revision as a raw uint8[16] (hex); events as a uuid field
    (601, {"revision": SSL_POLICY_HEX, "id": 3, "name": "Decrypt finance"}),
    (602, {"id": 49199, "name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}),
    (604, {"id": 4, "name": "TLSv1.2"}),
    (605, {"id": 1, "name": "Valid"}),
    (606, {"id": 1, "name": "Do Not Decrypt"}),
    (607, {"id": 4, "name": "Decrypt (Known Key)"}),
    (608, {"id": 2, "name": "Success"}),
    (613, {"id": 8, "name": "Finance"}),
    (301, {"blockType": 58, "id": 77, "profileName": "Windows PC",
           "fullName": "Microsoft Windows Workstation"}),
    (301, {"blockType": 58, "id": 78, "profileName": "", "fullName": "Apple iPhone"}),
    (302, {"id": 11, "name": "Employees"}),
    (300, {"id": 2, "name": "corp.example.com"}),
    (320, {"blockType": 61, "id": 1, "name": "A", "description": "Address record"}),
    (321, {"blockType": 61, "id": 3, "name": "NXDOMAIN", "description": "Non-existent domain"}),
    (322, {"blockType": 14, "uuid": SINKHOLE, "name": "Sinkhole-1"}),
    (260, {"blockType": 19, "type": 3, "protocol": 1, "description": "Destination Unreachable"}),
    (270, {"blockType": 20, "code": 3, "type": 3, "protocol": 1, "description": "Port Unreachable"}),
    (270, {"blockType": 20, "code": 0, "type": 3, "protocol": 1, "description": "Net Unreachable"}),
    (270, {"blockType": 20, "code": 0, "type": 11, "protocol": 1, "description": "TTL exceeded"}),
    (111, {"blockType": 5, "type": 1, "name": "Original Client IP", "encoding": "ipv6"}),
    (510, {"id": 21, "name": "MSEXE"}),
    (511, {"blockType": 40, "shaHash": SHA, "fileName": "Win.Trojan.Agent", "disposition": 3,
           "userDefined": 0}),
    (511, {"blockType": 40, "shaHash": PARENT_SHA, "fileName": "dropper.zip", "disposition": 1,
           "userDefined": 0}),
    (515, {"id": 1, "name": "File Stored"}),
    (516, {"id": 12, "name": "Analysis Complete"}),
    (517, {"id": 3, "name": "Malware"}),
    (517, {"id": 1, "name": "Clean"}),
    (518, {"id": 2, "name": "Extracted"}),
    (519, {"id": 1, "name": "Analysis done"}),
    (530, {"blockType": 99, "uuid": FILE_POLICY, "name": "Malware Block"}),
    (127, {"blockType": 14, "uuid": CLOUD, "name": "AMP Cloud US"}),
    (128, {"id": 1090519054, "name": "Threat Detected"}),
    (129, {"id": 2, "name": "Execute"}),
    (130, {"id": 4, "name": "ClamAV"}),
    (131, {"id": 22, "name": "PDF"}),
    (69, {"id": 2, "name": "Corp Correlation", "description": "", "uuid": POLICY,
          "revisionUuid": POLICY}),
    (70, {"id": 5, "name": "Host talks to attacker", "description": "d", "eventType": "x"}),
    (54, {"uuid": FP_WINDOWS, "name": "Windows", "vendor": "Microsoft", "version": "10"}),
    (54, {"uuid": FP_LINUX, "name": "Linux", "vendor": "", "version": "5.x"}),
    (58, {"id": 3, "name": "High"}),
    (59, {"id": 2048, "name": "IPv4"}),
    (60, {"id": 6, "name": "Owner"}),
    (61, {"id": 2, "name": "Nmap"}),
    (90, {"id": 2, "name": "Scanner"}),
    (91, {"id": 5, "name": "Nmap import"}),
    (96, {"id": 5, "name": "HTTP detector"}),
    (57, {"id": 3421, "title": "Apache mod_ssl overflow"}),
    (106, {"id": 900, "scannerType": 1, "title": "Qualys QID 900"}),
    (146, {"blockType": 64, "uuid": POLICY, "sensorId": 3, "name": "Prefilter"}),
    (147, {"blockType": 64, "uuid": POLICY, "sensorId": 3, "name": "Tunnel rule"}),
    (350, {"id": 0, "name": "Global"}),
)  # fmt: skip


def metadata_record(record_type: int, fields: dict[str, Any]) -> Record:
    """A decoded metadata record as the connection hands it over."""
    return Record(record_type, None, fields, 0, True)


def event(record_type: int, fields: dict[str, Any]) -> Record:
    """A decoded event record."""
    return Record(record_type, 1_700_000_000, fields, 0, False)


def full_cache(bound: int = 200_000) -> MetadataCache:
    """A cache that has learned every record of METADATA."""
    cache = MetadataCache(bound)
    for record_type, fields in METADATA:
        assert cache.learn(metadata_record(record_type, fields)), (record_type, fields)
    return cache


def header(device: int = 3) -> dict[str, Any]:
    """Discovery event header fields (§4.6)."""
    return {
        "deviceId": device, "legacyIpAddress": "0.0.0.0", "macAddress": "00:50:56:a1:b2:c3",
        "hasIpv6": 0, "reserved": 0, "eventSecond": 1_700_000_000, "eventMicrosecond": 5,
        "eventType": 1000, "eventSubtype": 1, "fileNumber": "00000000", "filePosition": "00000000",
    }  # fmt: skip


CONNECTION: dict[str, Any] = {
    **header(),
    "deviceId": 3,
    "ingressZone": ZONE_IN,
    "egressZone": ZONE_OUT,
    "ingressInterface": IF_IN,
    "egressInterface": IF_OUT,
    "policyRevision": POLICY,
    "ruleId": RULE,
    "ruleAction": 2,
    "ruleReason": 1,
    "initiatorPort": 3,
    "responderPort": 3,
    "protocol": 1,
    "qosAppliedInterface": IF_QOS,
    "userId": 9,
    "applicationProtocolId": 676,
    "urlCategory": 19,
    "urlReputation": 5,
    "clientApplicationId": 638,
    "webApplicationId": 929,
    "monitorRule1": MONITOR_RULE,
    "monitorRule2": 0,
    "securityIntelligenceSourceDestination": 1,
    "initiatorCountry": 840,
    "responderCountry": 276,
    "originalClientCountry": 250,
    "iocNumber": 12,
    "securityContext": CONTEXT,
    "sslCertificateFingerprint": CERT,
    "sslPolicyId": SSL_POLICY,
    "sslRuleId": 3,
    "sslCipherSuite": 49199,
    "sslVersion": 4,
    "sslServerCertificateStatus": 1,
    "sslActualAction": 1,
    "sslExpectedAction": 4,
    "sslFlowStatus": 2,
    "sslUrlCategory": 8,
    "networkAnalysisPolicyRevision": NAP_POLICY,
    "endpointProfileId": 77,
    "securityGroupId": 11,
    "dnsRecordType": 1,
    "dnsResponseType": 3,
    "sinkholeUuid": SINKHOLE,
    "securityIntelligenceList1": 7,
    "securityIntelligenceList2": 8,
}

INTRUSION: dict[str, Any] = {
    "blockType": 60,
    "deviceId": 3,
    "eventId": 1,
    "generatorId": 1,
    "ruleId": 2000419,
    "classificationId": 3,
    "priorityId": 1,
    "sourcePortOrIcmpType": 11,
    "destinationPortOrIcmpCode": 0,
    "ipProtocolId": 1,
    "intrusionPolicyUuid": IPS_POLICY,
    "userId": 9,
    "webApplicationId": 929,
    "clientApplicationId": 638,
    "applicationProtocolId": 676,
    "accessControlRuleId": RULE,
    "accessControlPolicyUuid": POLICY,
    "interfaceIngressUuid": IF_IN,
    "interfaceEgressUuid": IF_OUT,
    "securityZoneIngressUuid": ZONE_IN,
    "securityZoneEgressUuid": ZONE_OUT,
    "sourceCountry": 276,
    "destinationCountry": 840,
    "iocNumber": 12,
    "securityContext": CONTEXT_HEX,
    "sslCertificateFingerprint": CERT,
    "sslActualAction": 1,
    "sslFlowStatus": 2,
    "networkAnalysisPolicyUuid": NAP_POLICY,
}

FILE: dict[str, Any] = {
    "blockType": 56,
    "deviceId": 5,
    "disposition": 3,
    "speroDisposition": 1,
    "fileStorageStatus": 1,
    "fileAnalysisStatus": 12,
    "localMalwareAnalysisStatus": 1,
    "archiveFileStatus": 2,
    "shaHash": SHA,
    "fileTypeId": 21,
    "fileName": "invoice.exe",
    "applicationProtocolId": 676,
    "userId": 10,
    "sourcePort": 80,
    "destinationPort": 51000,
    "protocol": 6,
    "accessControlPolicyUuid": FILE_POLICY,
    "sourceCountry": 840,
    "destinationCountry": 250,
    "webApplicationId": 1017,
    "clientApplicationId": 573,
    "securityContext": CONTEXT_HEX,
    "sslCertificateFingerprint": CERT,
    "sslActualAction": 1,
    "sslFlowStatus": 2,
}

MALWARE: dict[str, Any] = {
    "blockType": 62,
    "cloudUuid": CLOUD,
    "eventTypeId": 1090519054,
    "eventSubtypeId": 2,
    "detectorId": 4,
    "fileShaHash": SHA.upper(),
    "fileType": 22,
    "parentShaHash": PARENT_SHA,
    "deviceId": 0,
    "applicationProtocolId": 1122,
    "userId": 4,
    "accessControlPolicyUuid": OLD_POLICY,
    "disposition": 3,
    "retroDisposition": 1,
    "sourceCountry": 276,
    "destinationCountry": 840,
    "webApplicationId": 929,
    "clientApplicationId": 638,
    "protocol": 17,
    "iocNumber": 12,
    "securityContext": CONTEXT_HEX,
    "sslCertificateFingerprint": CERT,
    "sslActualAction": 1,
    "sslFlowStatus": 2,
}

CORRELATION: dict[str, Any] = {
    "blockType": 156,
    "deviceId": 0,
    "eventDeviceId": 3,
    "policyId": 2,
    "ruleId": 5,
    "priority": 1,
    "signatureId": 2000419,
    "signatureGeneratorId": 1,
    "ipProtocol": 1,
    "networkProtocol": 2048,
    "sourceOsFingerprintUuid": FP_WINDOWS,
    "sourceCriticality": 3,
    "sourceUserId": 9,
    "sourcePort": 3,
    "sourceServerId": 676,
    "destinationOsFingerprintUuid": FP_LINUX,
    "destinationCriticality": 3,
    "destinationUserId": 10,
    "destinationPort": 3,
    "destinationServerId": 1122,
    "intrusionPolicyUuid": NAP_POLICY,
    "ruleAction": 2,
    "urlCategory": 19,
    "urlReputation": 5,
    "clientApplicationId": 573,
    "accessControlPolicyRevision": OLD_POLICY,
    "accessControlRuleId": 7,
    "ingressInterfaceUuid": IF_IN,
    "egressInterfaceUuid": IF_OUT,
    "ingressZoneUuid": ZONE_IN,
    "egressZoneUuid": ZONE_OUT,
    "sourceCountry": 840,
    "destinationCountry": 276,
    "securityIntelligenceUuid": SI_CATEGORY,
    "securityContext": CONTEXT_HEX,
    "sslPolicyId": SSL_POLICY_HEX,
    "sslRuleId": 3,
    "sslActualAction": 1,
    "sslFlowStatus": 2,
    "sslCertificateFingerprint": CERT,
}

SERVER_INFORMATION = [
    {"blockType": 117, "applicationId": 676, "vendor": "Apache", "version": "2.4",
     "lastUsed": 1, "sourceType": 2, "sourceId": 5, "subServers": []},
    {"blockType": 117, "applicationId": 1122, "vendor": "", "version": "", "lastUsed": 1,
     "sourceType": 2, "sourceId": 5, "subServers": []},
    {"blockType": 117, "applicationId": 676, "vendor": "nginx", "version": "", "lastUsed": 2,
     "sourceType": 2, "sourceId": 5, "subServers": []},
]  # fmt: skip
WEB_APPLICATIONS = [
    {"blockType": 123, "applicationId": 929},
    {"blockType": 123, "applicationId": 1017},
    {"blockType": 123, "applicationId": 4242},  # unknown: left out
]


def host_server() -> dict[str, Any]:
    return {
        "blockType": 103, "port": 443, "hits": 3, "lastUsed": 1,
        "serverInformation": SERVER_INFORMATION, "confidence": 100,
        "webApplications": WEB_APPLICATIONS,
    }  # fmt: skip


def fingerprint(uuid: str) -> dict[str, Any]:
    return {"blockType": 130, "fingerprintUuid": uuid, "type": 0, "sourceType": 2,
            "sourceId": 5, "lastSeen": 1, "ttlDifference": 0, "mobileDevices": []}  # fmt: skip


NEW_HOST: dict[str, Any] = {
    **header(),
    "blockType": 139,
    "ipAddress": "10.0.0.5",
    "serverFingerprints": [fingerprint(FP_WINDOWS)],
    "clientFingerprints": [fingerprint(FP_WINDOWS), fingerprint(FP_LINUX)],
    "smbFingerprints": [],
    "tcpServers": [host_server()],
    "udpServers": [],
    "networkProtocols": [{"blockType": 4, "protocol": 2048}],
    "transportProtocols": [{"blockType": 4, "protocol": 6}, {"blockType": 4, "protocol": 17}],
    "macAddresses": [],
    "clientApplications": [
        {"blockType": 112, "hits": 1, "lastUsed": 1, "applicationId": 638, "version": "",
         "webApplications": [{"blockType": 123, "applicationId": 929}],
         "vulnerabilities": [{"blockType": 85, "vulnerabilityId": 3421, "invalidFlags": 0,
                              "type": 0}]},
    ],
    "netbiosName": "PC1",
}  # fmt: skip

USER_LOGIN_6_2: dict[str, Any] = {
    **header(), "eventType": 1004, "blockType": 167, "userId": 9, "username": "alice",
    "realmId": 2, "endpointProfileId": 78, "securityGroupId": 11, "protocol": 710,
}  # fmt: skip

#: One event per record type of the name table.
EVENTS: dict[int, dict[str, Any]] = {
    2: {"deviceId": 3, "eventId": 1, "linkType": 1, "packetData": b""},
    9: {"blockType": 153, "eventId": 1, "deviceId": 5, "impact": 1, "description": "x"},
    71: CONNECTION,
    73: {**header(), "blockType": 136, "applicationProtocolId": 1122, "protocol": 17},
    110: {"blockType": 4, "deviceId": 3, "eventId": 1, "type": 1, "blob": b"\x00"},
    112: CORRELATION,
    125: MALWARE,
    400: INTRUSION,
    500: FILE,
    502: FILE,
    92: {**header(), "blockType": 120, "userId": 10, "username": "bob", "protocol": 710},
    93: USER_LOGIN_6_2,
    94: USER_LOGIN_6_2,
    95: {**header(), "blockType": 127, "userId": 9, "applicationId": 710},
    170: USER_LOGIN_6_2,
    171: USER_LOGIN_6_2,
    10: NEW_HOST,
    **{rt: {**header(), **host_server()} for rt in (11, 12, 16, 17, 51, 52)},
    13: {**header(), "networkProtocol": 2048},
    14: {**header(), "transportProtocol": 17},
    **{rt: {**header(), "blockType": 122, "hits": 1, "lastUsed": 1, "id": 573,
            "applicationProtocolId": 676, "version": "120", "webApplications": WEB_APPLICATIONS}
       for rt in (15, 35, 107)},
    **{rt: header(5) for rt in (18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31, 34, 42, 44,
                                46, 47, 48, 53)},
    45: {**header(), "blockType": 37, "port": 25, "protocol": 6, "data": b"220"},
    101: {**header(), **fingerprint(FP_LINUX)},
    102: {**header(), "blockType": 94, "sourceType": 2, "sourceId": 5, "port": 80, "protocol": 6},
    103: {**header(), "blockType": 94, "sourceType": 2, "sourceId": 5, "port": 53, "protocol": 17},
    **{rt: {**header(), "blockType": 134, "sourceId": 5, "sourceType": 2, "port": 22,
            "protocol": 6} for rt in (74, 75, 86)},
    **{rt: {**header(), "sourceType": 2, "sourceId": 5} for rt in (76, 88, 78, 85, 79)},
    **{rt: {**header(), "blockType": 60, "sourceType": 2, "sourceId": 5, "list": [
        {"blockType": 138, "applicationProtocolId": 676, "clientApplicationId": 638,
         "webApplicationId": 929},
        {"blockType": 138, "applicationProtocolId": 1122, "clientApplicationId": 638,
         "webApplicationId": 1017},
    ]} for rt in (77, 87)},
    **{rt: {**header(), "blockType": 80, "sourceType": 2, "sourceId": 5, "type": 0, "list": [
        {"blockType": 124, "vulnerabilityId": 3421, "clientApplicationId": 0,
         "applicationProtocolId": 676},
    ]} for rt in (80, 81)},
    82: {**header(), "blockType": 81, "sourceId": 5, "sourceType": 2, "criticality": 3},
    83: {**header(), "blockType": 82, "sourceId": 5, "sourceType": 2, "attributeId": 6},
    84: {**header(), "blockType": 82, "sourceId": 5, "sourceType": 2, "attributeId": 6},
    89: {**header(), "blockType": 142, "userId": 4, "scanType": 2, "protocol": 6},
    160: {**header(), "eventType": 1008, "blockType": 7, "value": 12},
}  # fmt: skip
