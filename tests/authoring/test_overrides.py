"""Override directories change the packaged mappings through files only (merge rules of mappings/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cef_connector.cef import encode
from cef_connector.config import load_settings
from cef_connector.errors import ConfigError, MappingError
from cef_connector.estreamer import Record
from cef_connector.mapping import MappingTable, load_mappings
from cef_connector.mapping.loader import record_samples, validate_mappings

from .conftest import WriteFiles

VERSION = "7.4.1"
LONG_APP = "a very long application name of more than 31 characters"


def _record(record_type: int, index: int = 0) -> tuple[Record, dict[str, str]]:
    sample = record_samples(record_type)[index]
    record = Record(record_type=record_type, archive_timestamp=sample.archive_timestamp,
                    fields=dict(sample.fields), offset=sample.offset, is_metadata=False)
    return record, dict(sample.names)


def _extensions(table: MappingTable, record_type: int, index: int = 0) -> list[tuple[str, str]]:
    record, names = _record(record_type, index)
    event = table.map(record, names)
    assert event is not None
    encode(event)  # the line must be valid CEF
    return list(event.extensions)


@pytest.fixture(scope="module")
def packaged() -> MappingTable:
    return load_mappings("default", VERSION)


def _problems(directory: Path, templates: Path | None = None) -> list[str]:
    report = validate_mappings("default", VERSION, override_dir=directory, override_templates_dir=templates)
    assert report.table is None
    return report.problems


def test_new_constant_key_is_appended_after_the_packaged_keys(overrides: WriteFiles, packaged: MappingTable) -> None:
    directory = overrides({"connection_statistics.yaml": 'extensions:\n  msg: "seen by the edge firewall"\n'})
    table = load_mappings("default", VERSION, override_dir=directory)
    assert _extensions(table, 71) == _extensions(packaged, 71) + [("msg", "seen by the edge firewall")]
    assert table.compiled(71).source == f"{directory}/connection_statistics.yaml"  # type: ignore[union-attr]


def test_macro_call_nested_in_a_macro_call_is_expanded(overrides: WriteFiles, packaged: MappingTable) -> None:
    directory = overrides({"packet.yaml": 'extensions:\n  dvchost: "{{ macros.name_only(macros.name_only(names.device)) }}"\n'})
    table = load_mappings("default", VERSION, override_dir=directory)
    assert dict(_extensions(table, 2))["dvchost"] == dict(_extensions(packaged, 2))["dvchost"]


def test_replaced_key_keeps_its_place_and_other_keys_are_untouched(overrides: WriteFiles, packaged: MappingTable) -> None:
    directory = overrides({"connection_statistics.yaml": 'extensions:\n  act: "{{ ruleAction }}"\n'})
    table = load_mappings("default", VERSION, override_dir=directory)
    expected = [(key, "1" if key == "act" else value) for key, value in _extensions(packaged, 71)]
    assert _extensions(table, 71) == expected


def test_moved_field_leaves_its_old_key_and_appears_under_the_new_one(overrides: WriteFiles, packaged: MappingTable) -> None:
    directory = overrides({"connection_statistics.yaml": (
        "extensions:\n"
        "  request: null\n"
        '  cs5: "{{ clientUrl }}"\n'
        "labels:\n"
        "  cs5: Client URL\n"
    )})
    table = load_mappings("default", VERSION, override_dir=directory)
    before = dict(_extensions(packaged, 71))
    after = dict(_extensions(table, 71))
    assert "request" not in after
    assert after["cs5"] == before["request"] == "http://www.example.com/search?q=cef&lang=en"
    assert after["cs5Label"] == "Client URL"
    assert {k: v for k, v in after.items() if k not in ("cs5", "cs5Label")} == {
        k: v for k, v in before.items() if k not in ("request", "cs5", "cs5Label")}


def test_relabelled_custom_field_keeps_its_value(overrides: WriteFiles, packaged: MappingTable) -> None:
    directory = overrides({"connection_statistics.yaml": "labels:\n  cs1: Firewall Policy\n"})
    table = load_mappings("default", VERSION, override_dir=directory)
    expected = [(key, "Firewall Policy" if key == "cs1Label" else value) for key, value in _extensions(packaged, 71)]
    assert _extensions(table, 71) == expected


def test_null_removes_a_custom_field_together_with_its_label(overrides: WriteFiles, packaged: MappingTable) -> None:
    directory = overrides({"connection_statistics.yaml": "extensions:\n  cn1: null\n"})
    table = load_mappings("default", VERSION, override_dir=directory)
    assert _extensions(table, 71) == [(k, v) for k, v in _extensions(packaged, 71) if k not in ("cn1", "cn1Label")]


@pytest.mark.parametrize("text", ["drop: true\n", "record_types: []\n"])
def test_dropped_record_type_is_no_longer_mapped(overrides: WriteFiles, packaged: MappingTable,
                                                 text: str) -> None:
    directory = overrides({"packet.yaml": text})
    report = validate_mappings("default", VERSION, override_dir=directory)
    assert report.problems == []
    assert report.dropped == ["mappings/default/packet.yaml"]
    assert report.table is not None and report.table.record_types == packaged.record_types - {2}
    record, names = _record(2)
    assert report.table.map(record, names) is None


def test_replace_true_takes_the_override_file_alone(overrides: WriteFiles) -> None:
    directory = overrides({"packet.yaml": (
        "replace: true\n"
        "record_types: [2]\n"
        'signature_id: "PKT"\n'
        'name: "Packet"\n'
        "severity: 1\n"
        "extensions:\n"
        '  externalId: "{{ eventId }}"\n'
    )})
    table = load_mappings("default", VERSION, override_dir=directory)
    record, names = _record(2)
    event = table.map(record, names)
    assert event is not None
    assert encode(event) == f"CEF:0|Cisco|Firepower|{VERSION}|PKT|Packet|1|externalId=195430"


def test_new_override_file_maps_a_record_type_the_packaged_file_no_longer_does(
        overrides: WriteFiles, packaged: MappingTable) -> None:
    packaged_file = packaged.source_of(125)
    files = {"my_malware.yaml": (
        "record_types: [125]\n"
        'signature_id: "MALWARE:{{ eventTypeId }}"\n'
        'name: "{{ detectionName | default(\'Malware event\') }}"\n'
        "severity: 8\n"
        "extensions:\n"
        '  fname: "{{ fileName }}"\n'
        '  src: "{{ sourceIpAddress | ipv4 }}"\n'
    )}
    if packaged_file is not None:  # the packaged set maps 125 too: drop its file first
        files[Path(packaged_file).name] = "drop: true\n"
    directory = overrides(files)
    table = load_mappings("default", VERSION, override_dir=directory)
    assert table.source_of(125) == f"{directory}/my_malware.yaml"
    assert 125 in table.record_types
    record, names = _record(125)
    fields = record.fields
    event = table.map(record, names)
    assert event is not None
    assert (event.signature_id, event.name, event.severity) == (
        f"MALWARE:{fields['eventTypeId']}", fields["detectionName"] or "Malware event", 8)
    expected = [("fname", fields["fileName"])]
    if ":" not in fields["sourceIpAddress"]:
        expected.append(("src", fields["sourceIpAddress"]))
    assert list(event.extensions) == expected
    encode(event)


def test_defaults_override_changes_the_header_and_adds_custom_keys(overrides: WriteFiles) -> None:
    directory = overrides({
        "_defaults.yaml": "device_product: FTD\ncustom_keys: [siteName]\n",
        "connection_statistics.yaml": 'extensions:\n  siteName: "Berlin"\n',
    })
    table = load_mappings("default", VERSION, override_dir=directory)
    record, names = _record(71)
    line = encode(table.map(record, names))  # type: ignore[arg-type]
    assert line.startswith(f"CEF:0|Cisco|FTD|{VERSION}|RNA:1003:1|")
    assert line.endswith(" siteName=Berlin")


def test_template_override_redefines_one_macro_and_keeps_the_others(overrides: WriteFiles, packaged: MappingTable) -> None:
    templates = overrides({"macros.j2": (
        "{% macro name_only(name) -%}{{ name | default('unknown device') | upper }}{%- endmacro %}\n"
    )}, name="templates")
    table = load_mappings("default", VERSION, override_templates_dir=templates)
    record, _ = _record(71)
    # name_only is redefined: upper case, and a fallback when the name is missing
    assert dict(_map(table, record, {"device": "ftd-edge-01"}))["dvchost"] == "FTD-EDGE-01"
    assert dict(_map(table, record, {}))["dvchost"] == "UNKNOWN DEVICE"
    # name_or_id is still the packaged macro
    assert dict(_map(table, record, {}))["cs1"] == dict(_map(packaged, record, {}))["cs1"]


def test_new_template_file_becomes_a_global_for_the_mappings(overrides: WriteFiles) -> None:
    templates = overrides({"site.j2": "{% macro tag(x) -%}berlin-{{ x }}{%- endmacro %}\n"}, name="templates")
    directory = overrides({"connection_statistics.yaml": 'extensions:\n  msg: "{{ site.tag(deviceId) }}"\n'})
    table = load_mappings("default", VERSION, override_dir=directory, override_templates_dir=templates)
    record, names = _record(71)
    assert dict(_map(table, record, names))["msg"] == "berlin-1"


def _map(table: MappingTable, record: Record, names: dict[str, str]) -> list[tuple[str, str]]:
    event = table.map(record, names)
    assert event is not None
    return list(event.extensions)


def test_jinja_error_in_an_override_names_its_file_and_line(overrides: WriteFiles) -> None:
    directory = overrides({"connection_statistics.yaml": 'extensions:\n  cs1: "ok"\n  msg: "{{ deviceId "\n'})
    assert _problems(directory) == [
        f"{directory}/connection_statistics.yaml:3: msg: Jinja syntax error: unexpected end of template, "
        "expected 'end of print statement'."
    ]


def test_unknown_field_in_an_override_gets_a_suggestion(overrides: WriteFiles) -> None:
    directory = overrides({"connection_statistics.yaml": 'extensions:\n  msg: "{{ initiatorIpAdress }}"\n'})
    assert _problems(directory) == [
        f"{directory}/connection_statistics.yaml:2: msg: 'initiatorIpAdress' is not a field of record "
        "type 71 (did you mean 'initiatorIpAddress'?)"
    ]


def test_every_problem_of_every_override_file_is_reported_at_once(overrides: WriteFiles) -> None:
    directory = overrides({
        "connection_statistics.yaml": (
            "extensions:\n"
            '  cs7: "x"\n'
            '  msg: "{{ polcyRevision }}"\n'
            "severity: \"{{ 3 if ruleAction < 4 else 12 }}\"\n"
        ),
        "intrusion_event.yaml": f'extensions:\n  app: "{LONG_APP}"\n',
        "pakcet.yaml": "drop: true\n",
    })
    assert sorted(_problems(directory)) == sorted([
        f"{directory}/connection_statistics.yaml:2: extensions.cs7: CEF key 'cs7' is not in the CEF "
        "dictionary (did you mean 'cs6'?); use a dictionary key, or declare it in custom_keys of the "
        "set's _defaults.yaml",
        f"{directory}/connection_statistics.yaml:3: msg: 'polcyRevision' is not a field of record type 71 "
        "(did you mean 'policyRevision'?)",
        f"{directory}/connection_statistics.yaml:4: severity: can render '12'; a CEF severity is an integer 0–10",
        f"{directory}/intrusion_event.yaml:2: app: the value is {len(LONG_APP)} characters; CEF app holds "
        "at most 31; shorten it",
        f"{directory}/pakcet.yaml: drop: true, but mappings/default has no pakcet.yaml to drop "
        "(did you mean 'packet.yaml'?); the names must match",
    ])


def test_override_may_not_remove_a_required_key(overrides: WriteFiles) -> None:
    directory = overrides({"packet.yaml": 'signature_id: "PKT"\nname: null\n'})
    assert _problems(directory) == [
        f"{directory}/packet.yaml:2: name: a required key cannot be removed; give it a new value "
        "instead of null"
    ]


def test_missing_override_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as info:
        load_mappings("default", VERSION, override_dir=tmp_path / "nowhere")
    assert str(info.value) == (f"the mappings override directory {tmp_path / 'nowhere'} is not a "
                               "directory; create it or fix the path")


def _config(sim_dir: Path, **handler: object) -> Path:
    path = sim_dir / "estreamer.conf"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["handler"].update(handler)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_configured_directories_resolve_against_the_configuration_directory(sim_dir: Path) -> None:
    (sim_dir / "my-mappings").mkdir()
    (sim_dir / "my-templates").mkdir()
    settings = load_settings(_config(sim_dir, mappingsDirectory="my-mappings", templatesDirectory="my-templates"))
    assert settings.mappings_dir == sim_dir / "my-mappings"
    assert settings.templates_dir == sim_dir / "my-templates"


def test_configured_directory_that_does_not_exist_names_the_key_and_the_path(sim_dir: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_config(sim_dir, mappingsDirectory="missing"))
    assert info.value.problems == [
        f"handler.mappingsDirectory: {sim_dir / 'missing'} does not exist; create it (mapping overrides "
        "go there, see mappings/README.md) or remove the key (relative paths start at the "
        "configuration file's directory)"
    ]
