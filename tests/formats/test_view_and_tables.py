"""The eNcore view (names renamed, derived values) and the eNcore tables it relies on."""

from __future__ import annotations

from typing import Any

import pytest

from cef_connector.estreamer import Record, RecordType
from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.formats import ComputedView, record_description
from cef_connector.formats.encore_tables import (
    RECORD_DESCRIPTIONS,
    SPLUNK_FIELD_KEYS,
    VIEW_SPLUNK_KEYS,
    impact_from_flags,
)
from cef_connector.metadata import MetadataCache


def _view(record_type: int, fields: dict[str, Any], names: dict[str, str] | None = None,
          archive_timestamp: int | None = None, cache: MetadataCache | None = None
          ) -> dict[str, Any]:
    record = Record(record_type=record_type, archive_timestamp=archive_timestamp,
                    fields=fields, offset=0, is_metadata=False)
    return ComputedView().view(record, names or {}, cache or MetadataCache())


def test_names_take_encore_view_keys_and_names_encore_never_had_keep_theirs() -> None:
    names = {"device": "ftd-1", "accessControlPolicy": "P", "ruleAction": "Allow",
             "initiatorCountry": "USA", "protocol": "TCP", "renderedSignatureId": "1:2000",
             "classification": "Web Application Attack", "user": "jdoe", "fileType": "PDF"}

    assert _view(71, {}, names) == {
        "recordTypeCategory": "RNA", "recordTypeDescription": "Connection Statistics",
        "sensor": "ftd-1", "firewallPolicy": "P", "firewallRuleAction": "Allow",
        "sourceIpCountry": "USA", "transportProtocol": "TCP", "user": "jdoe",
        "fileType": "PDF",
    }


def test_intrusion_extras_come_from_the_flags_and_are_absent_without_metadata() -> None:
    fields = {"generatorId": 1, "ruleId": 2000, "classificationId": 22, "impactFlags": 0x01,
              "impact": 4, "blocked": 2, "eventSecond": 1_600_000_000,
              "eventMicrosecond": 0}

    assert _view(400, fields) == {
        "recordTypeCategory": "IPS EVENT", "recordTypeDescription": "Intrusion Event",
        "blocked": "Would", "impact": 4, "impactDescription": "Blue (unknown target)",
        "eventSecond": 1_600_000_000,
    }


def test_security_intelligence_event_is_yes_when_a_source_or_destination_matched() -> None:
    assert _view(71, {"securityIntelligenceSourceDestination": 1})[
        "securityIntelligenceEvent"] == "Yes"
    assert "securityIntelligenceEvent" not in _view(71, {})


def test_event_time_comes_from_the_first_time_field_else_the_archive_timestamp() -> None:
    assert _view(500, {"fileEventTimestamp": 1_600_000_500}, archive_timestamp=7)[
        "eventSecond"] == 1_600_000_500
    assert _view(112, {"triggerEventSecond": 1_600_000_112, "triggerEventMicrosecond": 9}) == {
        "recordTypeCategory": "POLICY", "recordTypeDescription": "Correlation Event",
        "eventSecond": 1_600_000_112, "eventMicrosecond": 9}
    assert _view(123, {"id": 1}, archive_timestamp=1_600_000_123)["eventSecond"] == 1_600_000_123
    assert "eventSecond" not in _view(123, {"id": 1})


def test_discovery_event_description_follows_encore_table() -> None:
    assert _view(27, {"eventType": 1001, "eventSubtype": 13})[
        "eventDescription"] == "MAC Information Change"
    assert "eventDescription" not in _view(27, {"eventType": 1001, "eventSubtype": 99})


def test_record_type_unknown_to_encore_has_no_name_or_category() -> None:
    assert record_description(9999) is None
    assert _view(9999, {"eventSecond": 5}) == {"eventSecond": 5}


@pytest.mark.parametrize(
    ("flags", "impact"),
    [(0x00, 0), (0x01, 4), (0x02, 3), (0x03, 3), (0x06, 2), (0x07, 2), (0x04, 0), (0x20, 0),
     (0x08, 1), (0x10, 1), (0x40, 1), (0x80, 1), (0xFF, 1)],
)
def test_impact_level_from_flags_follows_encore(flags: int, impact: int) -> None:
    assert impact_from_flags(flags) == impact


def test_every_record_type_of_the_protocol_doc_has_encore_name_and_category() -> None:
    assert set(RECORD_DESCRIPTIONS) == {int(member) for member in RecordType}
    assert RECORD_DESCRIPTIONS[71] == ("Connection Statistics", "RNA")
    assert RECORD_DESCRIPTIONS[400] == ("Intrusion Event", "IPS EVENT")
    assert RECORD_DESCRIPTIONS[123] == ("Managed Device Metadata", "SENSOR")


def _top_level_fields(record_type: int) -> set[str]:
    names: set[str] = set()
    for spec in RECORD_LAYOUTS[record_type].fields:
        if spec.name:
            names.add(spec.name)
        else:  # an inline block: its fields (and blockType) are at top level
            names.add("blockType")
            for block in spec.blocks:
                names.update(inner.name for inner in block.fields)
    return names


@pytest.mark.parametrize("record_type", sorted(SPLUNK_FIELD_KEYS))
def test_every_splunk_table_field_is_a_top_level_field_of_the_layout(record_type: int) -> None:
    assert record_type in RECORD_LAYOUTS
    missing = {field for field, _key in SPLUNK_FIELD_KEYS[record_type]} - _top_level_fields(
        record_type)
    assert not missing, f"record {record_type}: {sorted(missing)} are not decoded fields"


def test_record_category_is_written_under_both_encore_keys() -> None:
    assert VIEW_SPLUNK_KEYS["recordTypeCategory"] == ("rec_type_simple", "rec_type_category")
    assert VIEW_SPLUNK_KEYS["eventDateTime"] == ()
    assert VIEW_SPLUNK_KEYS["firewallRuleAction"] == ("fw_rule_action",)
