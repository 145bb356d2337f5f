"""names_for names every ID of every event record type (the architecture's naming scheme),
from a cache fed hand-made metadata records."""

from __future__ import annotations

from typing import Any

import pytest

from cef_connector.metadata import NAME_TABLE, MetadataCache, names_for
from cef_connector.metadata.names import names_for_reference

from .name_fixtures import CONNECTION, EVENTS, SHA, event, full_cache, metadata_record

FULL = full_cache()

_SOURCE = {"sourceType": "Scanner", "sourceApplication": "Nmap import", "sourceDetector": "HTTP detector"}
_SSL_CERTIFICATE = {"sslCertificateSubject": "www.example.com", "sslCertificateIssuer": "Example CA"}
_IOC = {
    "iocCategory": "Malware Detected",
    "iocEventType": "Threat Detected in File Transfer",
    "iocName": "Malware Detected: Threat Detected in File Transfer",
}
_ZONES_AND_INTERFACES = {
    "ingressZone": "inside",
    "egressZone": "outside",
    "ingressInterface": "GigabitEthernet0/0",
    "egressInterface": "GigabitEthernet0/1",
}
_USER_LOGIN = {
    "device": "ftd-1",
    "user": "alice",
    "applicationProtocol": "LDAP",
    "realm": "corp.example.com",
    "endpointProfile": "Apple iPhone",  # profileName is empty: the full name is used
    "securityGroup": "Employees",
}
_FILE = {
    "device": "ftd-2",
    "disposition": "Malware",
    "speroDisposition": "Clean",
    "fileStorageStatus": "File Stored",
    "fileAnalysisStatus": "Analysis Complete",
    "localMalwareAnalysisStatus": "Analysis done",
    "archiveFileStatus": "Extracted",
    "shaFileName": "Win.Trojan.Agent",
    "fileType": "MSEXE",
    "applicationProtocol": "HTTP",
    "user": "bob",
    "protocol": "TCP",
    "filePolicy": "Malware Block",
    "sourceCountry": "USA",
    "destinationCountry": "France",
    "webApplication": "Facebook",
    "clientApplication": "Chrome",
    "securityContext": "Tenant A",
    **_SSL_CERTIFICATE,
    "sslActualAction": "Do Not Decrypt",
    "sslFlowStatus": "Success",
}
_HOST_SERVER = {
    "device": "ftd-1",
    "applicationProtocol": "HTTP, SSL",
    **_SOURCE,
    "webApplication": "Google, Facebook",
}
_HOST_CLIENT = {
    "device": "ftd-1",
    "clientApplication": "Chrome",
    "applicationProtocol": "HTTP",
    "webApplication": "Google, Facebook",
}
_USER_INPUT = {"device": "ftd-1", **_SOURCE}

EXPECTED: dict[int, dict[str, str]] = {
    2: {"device": "ftd-1"},
    9: {"device": "ftd-2"},
    71: {
        "device": "ftd-1",
        **_ZONES_AND_INTERFACES,
        "accessControlPolicy": "Corp AC",
        "accessControlRule": "Allow web",
        "ruleAction": "Allow",
        "ruleReason": "IP Block",
        "applicationProtocol": "HTTP",
        "clientApplication": "Firefox",
        "webApplication": "Google",
        "user": "alice",
        "urlCategory": "Search Engines",
        "urlReputation": "Well known",
        "securityIntelligenceList1": "Malware",
        "initiatorCountry": "USA",
        "responderCountry": "Germany",
        "protocol": "ICMP",
        "securityIntelligenceList2": "Phishing",
        "securityIntelligenceSourceDestination": "Source",
        "originalClientCountry": "France",
        "qosAppliedInterface": "GigabitEthernet0/2",
        "monitorRule1": "Monitor DNS",
        **_IOC,
        "securityContext": "Tenant A",
        "sslPolicy": "SSL Inspect",
        "sslRule": "Decrypt finance",
        "sslCipherSuite": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "sslVersion": "TLSv1.2",
        "sslServerCertificateStatus": "Valid",
        "sslActualAction": "Do Not Decrypt",
        "sslExpectedAction": "Decrypt (Known Key)",
        "sslFlowStatus": "Success",
        "sslUrlCategory": "Finance",
        **_SSL_CERTIFICATE,
        "networkAnalysisPolicy": "Default NAP",
        "endpointProfile": "Windows PC",
        "securityGroup": "Employees",
        "dnsRecordType": "A",
        "dnsRecordTypeDescription": "Address record",
        "dnsResponseType": "NXDOMAIN",
        "dnsResponseTypeDescription": "Non-existent domain",
        "sinkhole": "Sinkhole-1",
        "icmpType": "Destination Unreachable",
        "icmpCode": "Port Unreachable",
    },
    73: {"device": "ftd-1", "applicationProtocol": "SSL", "protocol": "UDP"},
    110: {"device": "ftd-1", "extraDataType": "Original Client IP", "extraDataEncoding": "ipv6"},
    112: {
        "device": "Defense Center",
        "eventDevice": "ftd-1",
        "correlationPolicy": "Corp Correlation",
        "correlationRule": "Host talks to attacker",
        "priority": "high",
        "ruleMessage": "ET POLICY PE EXE",
        "renderedSignatureId": "1:2000420",
        "protocol": "ICMP",
        "networkProtocol": "IPv4",
        "sourceOperatingSystem": "Microsoft Windows 10",
        "destinationOperatingSystem": "Linux 5.x",
        "sourceCriticality": "High",
        "destinationCriticality": "High",
        "sourceUser": "alice",
        "destinationUser": "bob",
        "sourceApplicationProtocol": "HTTP",
        "destinationApplicationProtocol": "SSL",
        "intrusionPolicy": "Default NAP",
        "ruleAction": "Allow",
        "urlCategory": "Search Engines",
        "urlReputation": "Well known",
        "clientApplication": "Chrome",
        "accessControlPolicy": "Legacy AC",
        "accessControlRule": "Old rule",
        **_ZONES_AND_INTERFACES,
        "sourceCountry": "USA",
        "destinationCountry": "Germany",
        "securityIntelligenceCategory": "Attackers",
        "securityContext": "Tenant A",
        "sslPolicy": "SSL Inspect",
        "sslRule": "Decrypt finance",
        "sslActualAction": "Do Not Decrypt",
        "sslFlowStatus": "Success",
        **_SSL_CERTIFICATE,
        "icmpType": "Destination Unreachable",
        "icmpCode": "Port Unreachable",
    },
    125: {
        "device": "Defense Center",
        "ampCloud": "AMP Cloud US",
        "malwareEventType": "Threat Detected",
        "malwareEventSubtype": "Execute",
        "malwareDetector": "ClamAV",
        "fileType": "PDF",
        "shaFileName": "Win.Trojan.Agent",
        "parentShaFileName": "dropper.zip",
        "applicationProtocol": "SSL",
        "user": "admin",
        "accessControlPolicy": "Legacy AC",
        "disposition": "Malware",
        "retroDisposition": "Clean",
        "sourceCountry": "Germany",
        "destinationCountry": "USA",
        "webApplication": "Google",
        "clientApplication": "Firefox",
        "protocol": "UDP",
        **_IOC,
        "securityContext": "Tenant A",
        **_SSL_CERTIFICATE,
        "sslActualAction": "Do Not Decrypt",
        "sslFlowStatus": "Success",
    },
    400: {
        "device": "ftd-1",
        **_ZONES_AND_INTERFACES,
        "accessControlPolicy": "Corp AC",
        "accessControlRule": "Allow web",
        "applicationProtocol": "HTTP",
        "clientApplication": "Firefox",
        "webApplication": "Google",
        "user": "alice",
        "sourceCountry": "Germany",
        "destinationCountry": "USA",
        "ruleMessage": "ET POLICY PE EXE",
        "renderedSignatureId": "1:2000420",
        "classification": "A Network Trojan was Detected",
        "classificationName": "trojan-activity",
        "priority": "high",
        "intrusionPolicy": "Balanced Security and Connectivity",
        "protocol": "ICMP",
        "ruleSummary": "PE download over HTTP",
        # type 11 has no 260 record here; its code 0 is not type 3's code 0
        "icmpCode": "TTL exceeded",
        **_IOC,
        "securityContext": "Tenant A",
        **_SSL_CERTIFICATE,
        "sslActualAction": "Do Not Decrypt",
        "sslFlowStatus": "Success",
        "networkAnalysisPolicy": "Default NAP",
    },
    500: _FILE,
    502: _FILE,
    92: {"device": "ftd-1", "user": "bob", "applicationProtocol": "LDAP"},
    93: _USER_LOGIN,
    94: _USER_LOGIN,
    95: {"device": "ftd-1", "user": "alice", "applicationProtocol": "LDAP"},
    170: _USER_LOGIN,
    171: _USER_LOGIN,
    10: {
        "device": "ftd-1",
        "operatingSystem": "Microsoft Windows 10, Linux 5.x",
        "tcpServers": "HTTP, SSL",
        "networkProtocols": "IPv4",
        "transportProtocols": "TCP, UDP",
        "clientApplications": "Firefox",
        "webApplications": "Google, Facebook",
        "vulnerabilities": "Apache mod_ssl overflow",
    },
    **{rt: _HOST_SERVER for rt in (11, 12, 16, 17, 51, 52)},
    13: {"device": "ftd-1", "networkProtocol": "IPv4"},
    14: {"device": "ftd-1", "transportProtocol": "UDP"},
    **{rt: _HOST_CLIENT for rt in (15, 35, 107)},
    **{rt: {"device": "ftd-2"} for rt in (18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31,
                                          34, 42, 44, 46, 47, 48, 53)},
    45: {"device": "ftd-1", "protocol": "TCP"},
    101: {"device": "ftd-1", "operatingSystem": "Linux 5.x", **_SOURCE},
    102: {**_USER_INPUT, "protocol": "TCP"},
    103: {**_USER_INPUT, "protocol": "UDP"},
    **{rt: {**_USER_INPUT, "protocol": "TCP"} for rt in (74, 75, 86)},
    **{rt: _USER_INPUT for rt in (76, 88, 78, 85, 79)},
    **{rt: {**_USER_INPUT, "applicationProtocol": "HTTP, SSL", "clientApplication": "Firefox",
            "webApplication": "Google, Facebook"} for rt in (77, 87)},
    **{rt: {**_USER_INPUT, "vulnerability": "Apache mod_ssl overflow",
            "applicationProtocol": "HTTP"} for rt in (80, 81)},
    82: {**_USER_INPUT, "criticality": "High"},
    83: {**_USER_INPUT, "attribute": "Owner"},
    84: {**_USER_INPUT, "attribute": "Owner"},
    89: {"device": "ftd-1", "user": "admin", "scanType": "Nmap", "protocol": "TCP"},
    160: {"device": "ftd-1", **_IOC},
}  # fmt: skip


def test_every_record_type_of_the_name_table_has_a_fixture_and_an_expectation() -> None:
    assert set(EVENTS) == set(NAME_TABLE) == set(EXPECTED)


@pytest.mark.parametrize("record_type", sorted(EXPECTED))
def test_every_id_of_the_event_resolves_to_its_name(record_type: int) -> None:
    assert names_for(event(record_type, EVENTS[record_type]), FULL) == EXPECTED[record_type]


@pytest.mark.parametrize("record_type", sorted(EXPECTED))
def test_names_only_use_keys_of_the_record_types_table(record_type: int) -> None:
    assert set(EXPECTED[record_type]) <= set(NAME_TABLE[record_type])


@pytest.mark.parametrize("record_type", sorted(EXPECTED))
def test_without_metadata_only_built_in_names_remain(record_type: int) -> None:
    names = names_for(event(record_type, EVENTS[record_type]), MetadataCache())
    built_in = {key: EXPECTED[record_type][key] for key in ("protocol", "transportProtocols", "transportProtocol")
                if key in EXPECTED[record_type]}
    if EVENTS[record_type].get("deviceId") == 0:
        built_in["device"] = "Defense Center"
    assert names == built_in


def test_the_connection_from_the_first_slice_keeps_its_keys_and_names() -> None:
    # the keys mappings already use for record 71, with values from this cache
    first_slice = {
        "device", "ingressZone", "egressZone", "ingressInterface", "egressInterface",
        "accessControlPolicy", "accessControlRule", "ruleAction", "ruleReason",
        "applicationProtocol", "clientApplication", "webApplication", "user", "urlCategory",
        "urlReputation", "securityIntelligenceList1", "initiatorCountry", "responderCountry",
        "protocol",
    }  # fmt: skip
    assert first_slice <= set(NAME_TABLE[71])
    assert {"device", "ruleMessage", "renderedSignatureId", "classification", "priority",
            "intrusionPolicy", "sourceCountry", "destinationCountry"} <= set(NAME_TABLE[400])


def test_icmp_codes_are_named_per_icmp_type() -> None:
    names = {
        (icmp_type, code): names_for(
            event(71, {"protocol": 1, "initiatorPort": icmp_type, "responderPort": code}), FULL
        ).get("icmpCode")
        for icmp_type, code in ((3, 0), (11, 0), (3, 3), (8, 0))
    }
    assert names == {(3, 0): "Net Unreachable", (11, 0): "TTL exceeded",
                     (3, 3): "Port Unreachable", (8, 0): None}  # fmt: skip


def test_tcp_ports_never_take_icmp_names() -> None:
    names = names_for(event(71, {"protocol": 6, "initiatorPort": 3, "responderPort": 3}), FULL)
    assert names == {"protocol": "TCP"}


def test_ssl_rule_learned_with_a_raw_revision_is_found_by_the_policy_uuid() -> None:
    fields = {"sslPolicyId": CONNECTION["sslPolicyId"], "sslRuleId": 3}
    assert names_for(event(71, fields), FULL) == {
        "sslPolicy": "SSL Inspect",
        "sslRule": "Decrypt finance",
    }


def test_sha_written_as_upper_case_text_finds_the_raw_sha_record() -> None:
    assert names_for(event(125, {"fileShaHash": SHA.upper()}), FULL) == {
        "shaFileName": "Win.Trojan.Agent"
    }


@pytest.mark.parametrize("bad", ["not-a-uuid", 42, "0" * 31])
def test_unusable_uint8_16_ids_give_no_name(bad: object) -> None:
    assert names_for(event(400, {"securityContext": bad}), FULL) == {}


def test_ioc_from_the_fmc_6_0_ioc_state_block() -> None:
    assert names_for(event(160, {"blockType": 150, "iocId": 12}), FULL) == _IOC


def test_list_names_skip_unknown_items_and_repeat_each_name_once() -> None:
    items = [{"applicationId": 676}, {"applicationId": 999}, {"applicationId": 676}, "junk"]
    assert names_for(event(11, {"serverInformation": items}), FULL) == {
        "applicationProtocol": "HTTP"
    }


def test_list_names_are_absent_when_no_item_resolves() -> None:
    assert names_for(event(11, {"serverInformation": [], "webApplications": None}), FULL) == {}


def test_an_unhashable_key_value_loses_only_its_own_name() -> None:
    fields: dict[str, Any] = {"deviceId": 3, "userId": [9], "protocol": 6}
    assert names_for(event(71, fields), FULL) == {"device": "ftd-1", "protocol": "TCP"}


def test_names_are_read_fresh_after_metadata_is_relearned() -> None:
    cache = full_cache()
    cache.learn(metadata_record(123, {"id": 3, "name": "ftd-1-renamed"}))
    assert names_for(event(2, {"deviceId": 3}), cache) == {"device": "ftd-1-renamed"}


def test_lookups_by_names_for_count_as_use_for_eviction() -> None:
    cache = MetadataCache(max_entries_per_table=2)
    for device in (1, 2):
        cache.learn(metadata_record(123, {"id": device, "name": f"d{device}"}))
    names_for(event(2, {"deviceId": 1}), cache)  # device 1 is now the most recently used

    cache.learn(metadata_record(123, {"id": 3, "name": "d3"}))

    assert [cache.lookup(123, d) for d in (1, 2, 3)] == ["d1", None, "d3"]


@pytest.mark.parametrize("record_type", sorted(EXPECTED))
def test_compiled_names_equal_the_declarative_reference(record_type: int) -> None:
    record = event(record_type, EVENTS[record_type])
    assert names_for(record, full_cache()) == names_for_reference(record, full_cache())
