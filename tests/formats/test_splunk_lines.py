"""Splunk key-value lines: eNcore's keys and layout, safe quoting, every record type."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.estreamer import Record
from cef_connector.formats import ComputedView, SplunkFormatter, splunk_value
from cef_connector.mapping.samples import samples_for
from cef_connector.metadata import MetadataCache


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (2**64 - 1, "18446744073709551615"),
        ("TCP", "TCP"),
        ("", '""'),
        ("Corporate Policy", '"Corporate Policy"'),
        ("q=cef", '"q=cef"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("a\nb", '"a\\nb"'),
        ("a\r\nb", '"a\\r\\nb"'),
        ("tab\there", '"tab\\there"'),
        ("bell\x07", '"bell\\x07"'),
        ("DOMAIN\\jdoe", "DOMAIN\\jdoe"),
        ("C:\\Program Files\\", '"C:\\\\Program Files\\\\"'),
        ("Zürich", "Zürich"),
        ("no\u00a0break", '"no\u00a0break"'),
        (b"\x00\xab", "00ab"),
        (b"", '""'),
        ({"port": 80, "name": "a b"}, '"{\\"port\\":80,\\"name\\":\\"a b\\"}"'),
        ([{"id": 1}], '"[{\\"id\\":1}]"'),
    ],
)
def test_values_are_written_as_encore_did_with_safe_quoting(value: Any, text: str) -> None:
    assert splunk_value(value) == text


def _unquote(text: str) -> str:
    """Read a value back the way a key-value parser honouring backslash escapes does."""
    if not text.startswith('"'):
        return text
    assert text.endswith('"') and len(text) >= 2
    escapes = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t"}
    return re.sub(r'\\(x[0-9a-f]{2}|.)',
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1).startswith("x")
                  and len(m.group(1)) == 3 else escapes[m.group(1)], text[1:-1])


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_any_text_value_reads_back_unchanged_and_stays_on_one_line(value: str) -> None:
    text = splunk_value(value)

    assert "\n" not in text and "\r" not in text
    if not text.startswith('"'):
        assert " " not in text and "=" not in text
    assert _unquote(text) == value


def _sample(record_type: int) -> Record:
    sample = samples_for(record_type)[0]
    return Record(record_type=record_type, archive_timestamp=1_590_497_213,
                  fields=dict(sample.fields), offset=0, is_metadata=False)


def test_ids_without_names_stay_numbers_and_names_take_their_place() -> None:
    record = _sample(71)
    without = SplunkFormatter().format(71, record.fields,
                                       ComputedView().view(record, {}, MetadataCache()))
    named = SplunkFormatter().format(71, record.fields, ComputedView().view(
        record, {"ruleAction": "Allow", "device": "ftd-1"}, MetadataCache()))

    assert " fw_rule_action=1 " in without and "sensor=" not in without
    assert " fw_rule_action=Allow " in named and named.endswith(" sensor=ftd-1 sec_intel_event=No "
                                                               'event_desc="Flow Statistics"')
    assert named.index("fw_rule_action=") == without.index("fw_rule_action=")


def test_record_type_with_an_empty_encore_table_writes_every_field_under_its_own_name() -> None:
    fields = {"deviceId": 3, "eventSecond": 1_600_000_001, "eventType": 1001,
              "eventSubtype": 1, "ipAddress": "10.1.1.1",
              "hostProfile": {"hops": 2, "netbios": {"name": "PC 1"}},
              "macAddresses": [{"ttl": 64}]}
    record = Record(record_type=29, archive_timestamp=1_600_000_002, fields=fields, offset=0,
                    is_metadata=False)

    line = SplunkFormatter().format(29, fields, ComputedView().view(record, {}, MetadataCache()))

    assert line == (
        "rec_type=29 event_sec=1600000001 deviceId=3 eventSecond=1600000001 eventType=1001 "
        'eventSubtype=1 ipAddress=10.1.1.1 hostProfile.hops=2 hostProfile.netbios.name="PC 1" '
        'macAddresses="[{\\"ttl\\":64}]" rec_type_simple=RNA rec_type_category=RNA '
        'rec_type_desc="Host IP Address Changed" event_desc="Host IP Address Changed"'
    )


def test_event_sec_falls_back_to_the_archive_timestamp_and_is_omitted_without_one() -> None:
    fields = {"id": 1, "nameLength": 5, "name": "ftd-1"}
    formatter = SplunkFormatter()
    with_time = Record(record_type=123, archive_timestamp=1_600_000_003, fields=fields,
                       offset=0, is_metadata=True)
    without = Record(record_type=123, archive_timestamp=None, fields=fields, offset=0,
                     is_metadata=True)

    assert formatter.format(123, fields, ComputedView().view(
        with_time, {}, MetadataCache())).startswith("rec_type=123 event_sec=1600000003 id=1 ")
    assert formatter.format(123, fields, ComputedView().view(
        without, {}, MetadataCache())).startswith("rec_type=123 id=1 name=ftd-1 ")


def test_fields_missing_from_a_record_are_left_out() -> None:
    record = _sample(71)
    fields = dict(record.fields)
    del fields["userAgent"], fields["clientUrl"]

    line = SplunkFormatter().format(71, fields, {})

    assert "user_agent=" not in line and " url=" not in line
    assert " client_version=76.0 connection_id=50850 " in line


def test_a_formatter_keeps_up_with_changing_value_types_of_one_record_type() -> None:
    formatter = SplunkFormatter()
    record = _sample(400)
    fields = dict(record.fields)
    lines = []
    for user in (0, "jdoe", None, "j doe", b"\x01"):
        fields["userId"] = user
        lines.append(formatter.format(400, fields, {}))

    users = [re.search(r' user=("[^"]*"|\S+)', line) for line in lines]
    assert [m.group(1) if m else None for m in users] == ["0", "jdoe", None, '"j doe"', "01"]
