"""``mappings fields`` and the layout-derived field lists work for every record type the layouts define."""

from __future__ import annotations

import pytest

from cef_connector import cli
from cef_connector.authoring.fields import field_listing
from cef_connector.estreamer import METADATA_RECORD_TYPES, decode_record, encode_record_data
from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.mapping.loader import validate_mappings
from cef_connector.mapping.record_fields import example_fields, field_names, record_fields

from .conftest import WriteFiles

ALL_TYPES = sorted(RECORD_LAYOUTS)


@pytest.mark.parametrize("record_type", ALL_TYPES)
@pytest.mark.parametrize("ipv6", [False, True])
def test_example_record_survives_an_encode_decode_round_trip(record_type: int, ipv6: bool) -> None:
    fields = example_fields(record_type, ipv6=ipv6)
    assert fields is not None
    decoded = decode_record(record_type, encode_record_data(record_type, fields))
    assert decoded.fields == fields
    assert set(fields) <= field_names(record_type)


@pytest.mark.parametrize("record_type", ALL_TYPES)
def test_listing_has_one_row_per_field(record_type: int) -> None:
    listing = field_listing(record_type).splitlines()
    rows = {line.split()[0] for line in listing if line.startswith("  ") and not line.startswith("  names.")}
    assert {info.name for info in record_fields(record_type)} <= rows


def _row(out: str, name: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if line.startswith(f"  {name} "))


def test_fields_of_connection_statistics(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["mappings", "fields", "71"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "Record type 71 (CONNECTION_STATISTICS)",
        "  mapped by mappings/default/connection_statistics.yaml (mapping set 'default')",
    ]
    assert _row(out, "initiatorIpAddress") == ["initiatorIpAddress", "ipv6", "→", "text", "(IPv4", "or",
                                               "IPv6)", "10.0.0.5"]
    assert _row(out, "ipv6Address") == ["ipv6Address", "ipv6", "→", "text", "(IPv4", "or", "IPv6)",
                                        "2001:db8:10::5", "(only", "when", "hasIpv6", "is", "not", "0)"]
    assert _row(out, "tunnelRuleId") == ["tunnelRuleId", "u32", "→", "int", "0", "(only", "in", "block", "163)"]
    assert _row(out, "sslCertificateFingerprint") == ["sslCertificateFingerprint", "bytes[20]", "→", "text",
                                                      "(hex)", "0" * 40]
    assert _row(out, "names.device") == ["names.device", "ftd-edge-01"]


def test_type_given_by_name_lists_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["mappings", "fields", "71"])
    by_number = capsys.readouterr().out
    cli.main(["mappings", "fields", "connection-statistics"])
    assert capsys.readouterr().out == by_number


def test_type_without_sample_uses_layout_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["mappings", "fields", "managed_device"]) == 0  # record 123, metadata
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "Record type 123 (MANAGED_DEVICE)",
        "  a metadata record: it names the IDs of events (names.…) and is never written as CEF itself",
    ]
    assert "Fields (template variables; examples from the record layout (no sample record of this type)):" in out
    assert _row(out, "name") == ["name", "var_text", "→", "text", "example", "name"]
    assert _row(out, "nameLength") == ["nameLength", "u32", "→", "int", "12"]


def test_misspelt_type_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["mappings", "fields", "intrusion_evnt"]) == 1
    assert capsys.readouterr().err == (
        "MappingError: 'intrusion_evnt' is not a record type (did you mean 'intrusion_event'?); give "
        "its number (71) or its name (connection_statistics)\n")


def test_mapping_a_metadata_record_is_refused(overrides: WriteFiles) -> None:
    metadata_type = min(METADATA_RECORD_TYPES & set(RECORD_LAYOUTS))
    directory = overrides({"device.yaml": (
        f"record_types: [{metadata_type}]\n"
        'signature_id: "X"\nname: "X"\nseverity: 1\nextensions:\n  msg: "x"\n'
    )})
    report = validate_mappings("default", override_dir=directory)
    assert report.problems == [
        f"{directory}/device.yaml: record type {metadata_type} is a metadata record: it names the IDs of "
        "events (names.…) and is never written as CEF; map the event records that use it"
    ]
