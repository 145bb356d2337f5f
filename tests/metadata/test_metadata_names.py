"""Behaviour of names_for: fallbacks, defaults and empty names (records 71, 400 and 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cef_connector.metadata import PROTOCOL_NAMES, MetadataCache, names_for, protocol_name


@dataclass(frozen=True)
class Rec:
    """Duck-typed stand-in for cef_connector.estreamer.Record."""

    record_type: int
    fields: dict[str, Any] = field(default_factory=dict)
    archive_timestamp: int | None = None
    offset: int = 0
    is_metadata: bool = False


POLICY = "00112233-4455-6677-8899-aabbccddeeff"
ZONE_IN = "10000000-0000-0000-0000-000000000001"
ZONE_OUT = "10000000-0000-0000-0000-000000000002"
IF_IN = "20000000-0000-0000-0000-000000000001"
IF_OUT = "20000000-0000-0000-0000-000000000002"
IPS_POLICY = "30000000-0000-0000-0000-000000000001"


def cache_with(*metadata: tuple[int, dict[str, Any]]) -> MetadataCache:
    cache = MetadataCache()
    for record_type, fields in metadata:
        assert cache.learn(Rec(record_type, fields, is_metadata=True))
    return cache


FULL = cache_with(
    (123, {"id": 3, "name": "ftd-1"}),
    (115, {"uuid": ZONE_IN, "name": "inside"}),
    (115, {"uuid": ZONE_OUT, "name": "outside"}),
    (116, {"uuid": IF_IN, "name": "GigabitEthernet0/0"}),
    (116, {"uuid": IF_OUT, "name": "GigabitEthernet0/1"}),
    (145, {"uuid": POLICY, "sensorId": 3, "name": "Corp AC"}),
    (119, {"revisionUuid": POLICY, "ruleId": 268435461, "name": "Allow web"}),
    (120, {"id": 2, "name": "Allow"}),
    (124, {"id": 1, "description": "IP Block"}),
    (63, {"id": 676, "name": "HTTP"}),
    (55, {"id": 638, "name": "Firefox"}),
    (109, {"id": 929, "name": "Google"}),
    (98, {"id": 9, "protocol": 710, "name": "alice"}),
    (121, {"id": 19, "name": "Search Engines"}),
    (122, {"id": 5, "name": "Well known"}),
    (280, {"id": 7, "accessControlPolicyUuid": POLICY, "name": "Malware"}),
    (520, {"countryCode": 840, "country": "USA"}),
    (520, {"countryCode": 276, "country": "Germany"}),
    (66, {"generatorId": 1, "ruleId": 2000419, "signatureId": 2000420, "message": "ET POLICY PE EXE"}),
    (67, {"id": 3, "name": "trojan-activity", "description": "A Network Trojan was Detected"}),
    (4, {"id": 1, "name": "high"}),
    (118, {"uuid": IPS_POLICY, "name": "Balanced Security and Connectivity"}),
)

CONNECTION = {
    "deviceId": 3,
    "ingressZone": ZONE_IN,
    "egressZone": ZONE_OUT,
    "ingressInterface": IF_IN,
    "egressInterface": IF_OUT,
    "policyRevision": POLICY,
    "ruleId": 268435461,
    "ruleAction": 2,
    "ruleReason": 1,
    "protocol": 6,
    "userId": 9,
    "applicationProtocolId": 676,
    "urlCategory": 19,
    "urlReputation": 5,
    "clientApplicationId": 638,
    "webApplicationId": 929,
    "securityIntelligenceList1": 7,
    "initiatorCountry": 840,
    "responderCountry": 276,
}

INTRUSION = {
    "deviceId": 3,
    "generatorId": 1,
    "ruleId": 2000419,
    "classificationId": 3,
    "priorityId": 1,
    "ipProtocolId": 17,
    "intrusionPolicyUuid": IPS_POLICY,
    "userId": 9,
    "webApplicationId": 929,
    "clientApplicationId": 638,
    "applicationProtocolId": 676,
    "accessControlRuleId": 268435461,
    "accessControlPolicyUuid": POLICY,
    "interfaceIngressUuid": IF_IN,
    "interfaceEgressUuid": IF_OUT,
    "securityZoneIngressUuid": ZONE_IN,
    "securityZoneEgressUuid": ZONE_OUT,
    "sourceCountry": 276,
    "destinationCountry": 840,
}


def test_connection_event_names() -> None:
    assert names_for(Rec(71, CONNECTION), FULL) == {
        "device": "ftd-1",
        "ingressZone": "inside",
        "egressZone": "outside",
        "ingressInterface": "GigabitEthernet0/0",
        "egressInterface": "GigabitEthernet0/1",
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
        "protocol": "TCP",
    }


def test_intrusion_event_names() -> None:
    assert names_for(Rec(400, INTRUSION), FULL) == {
        "device": "ftd-1",
        "ingressZone": "inside",
        "egressZone": "outside",
        "ingressInterface": "GigabitEthernet0/0",
        "egressInterface": "GigabitEthernet0/1",
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
        "priority": "high",
        "intrusionPolicy": "Balanced Security and Connectivity",
        "protocol": "UDP",
        "classificationName": "trojan-activity",
    }


def test_packet_names_only_the_device() -> None:
    assert names_for(Rec(2, {"deviceId": 3, "eventId": 1, "linkType": 1}), FULL) == {
        "device": "ftd-1"
    }


def test_nothing_known_gives_only_the_protocol() -> None:
    assert names_for(Rec(71, CONNECTION), MetadataCache()) == {"protocol": "TCP"}


@pytest.mark.parametrize("record_type", [2, 71, 400, 125])
def test_device_zero_is_the_defense_center_by_default(record_type: int) -> None:
    assert names_for(Rec(record_type, {"deviceId": 0}), MetadataCache()) == {
        "device": "Defense Center"
    }


def test_learned_name_of_device_zero_wins_over_the_default() -> None:
    cache = cache_with((123, {"id": 0, "name": "fmc-01"}))

    assert names_for(Rec(2, {"deviceId": 0}), cache) == {"device": "fmc-01"}


def test_policy_falls_back_from_145_to_117() -> None:
    cache = cache_with((117, {"uuid": POLICY, "name": "Legacy AC"}))

    assert names_for(Rec(71, {"deviceId": 3, "policyRevision": POLICY}), cache) == {
        "accessControlPolicy": "Legacy AC"
    }
    assert names_for(
        Rec(400, {"deviceId": 3, "accessControlPolicyUuid": POLICY}), cache
    ) == {"accessControlPolicy": "Legacy AC"}


def test_policy_from_145_wins_over_117() -> None:
    cache = cache_with(
        (117, {"uuid": POLICY, "name": "Legacy AC"}),
        (145, {"uuid": POLICY, "sensorId": 3, "name": "Corp AC"}),
    )

    assert names_for(Rec(71, {"deviceId": 3, "policyRevision": POLICY}), cache) == {
        "accessControlPolicy": "Corp AC"
    }


def test_policy_of_another_device_in_145_is_not_used() -> None:
    cache = cache_with((145, {"uuid": POLICY, "sensorId": 4, "name": "Other"}))

    assert names_for(Rec(71, {"deviceId": 3, "policyRevision": POLICY}), cache) == {}


def test_user_falls_back_from_98_to_62() -> None:
    only_62 = cache_with((62, {"id": 9, "name": "system-user"}))
    both = cache_with((62, {"id": 9, "name": "system-user"}), (98, {"id": 9, "name": "alice"}))

    assert names_for(Rec(71, {"userId": 9}), only_62) == {"user": "system-user"}
    assert names_for(Rec(71, {"userId": 9}), both) == {"user": "alice"}


def test_intrusion_policy_falls_back_from_118_to_700() -> None:
    cache = cache_with((700, {"uuid": IPS_POLICY, "name": "Network Analysis"}))

    assert names_for(Rec(400, {"intrusionPolicyUuid": IPS_POLICY}), cache) == {
        "intrusionPolicy": "Network Analysis"
    }


@pytest.mark.parametrize("description", ["", None])
def test_classification_without_description_uses_its_name(description: str | None) -> None:
    fields: dict[str, Any] = {"id": 3, "name": "trojan-activity"}
    if description is not None:
        fields["description"] = description
    cache = cache_with((67, fields))

    assert names_for(Rec(400, {"classificationId": 3}), cache) == {
        "classification": "trojan-activity",
        "classificationName": "trojan-activity",
    }


def test_rendered_signature_id_needs_the_rule_message_record() -> None:
    assert "renderedSignatureId" not in names_for(Rec(400, INTRUSION), MetadataCache())


def test_empty_names_are_left_out() -> None:
    cache = cache_with((123, {"id": 3, "name": ""}))

    assert names_for(Rec(2, {"deviceId": 3}), cache) == {}


def test_record_without_device_and_without_a_table_gets_no_names() -> None:
    assert names_for(Rec(112, {"eventId": 1}), FULL) == {}


@pytest.mark.parametrize(
    ("number", "name"),
    [
        (0, "HOPOPT"),
        (1, "ICMP"),
        (2, "IGMP"),
        (6, "TCP"),
        (17, "UDP"),
        (41, "IPv6"),
        (47, "GRE"),
        (50, "ESP"),
        (51, "AH"),
        (58, "IPv6-ICMP"),
        (88, "EIGRP"),
        (89, "OSPFIGP"),
        (103, "PIM"),
        (112, "VRRP"),
        (132, "SCTP"),
        (136, "UDPLite"),
        (143, "Ethernet"),
    ],
)
def test_iana_protocol_names(number: int, name: str) -> None:
    assert protocol_name(number) == name


@pytest.mark.parametrize("number", [61, 63, 68, 99, 114, 144, 255, -1, "6", None, True])
def test_protocols_without_a_keyword_have_no_name(number: object) -> None:
    assert protocol_name(number) is None


def test_protocol_table_covers_every_keyword_from_0_to_143() -> None:
    assert sorted(PROTOCOL_NAMES) == [n for n in range(144) if n not in {61, 63, 68, 99, 114}]
