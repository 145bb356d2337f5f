"""load_mappings rejects broken mapping sets with a MappingError naming file, line, key and fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cef_connector.cef import encode
from cef_connector.errors import MappingError
from cef_connector.mapping import load_mappings
from cef_connector.mapping.samples import SAMPLES

from .helpers import record

GOOD = """\
record_types: [71]
signature_id: "RNA:1003:1"
name: "CONNECTION STATISTICS"
severity: "{{ 3 if ruleAction < 4 else 7 }}"
extensions:
  src: "{{ macros.ipv4_address(initiatorIpAddress) }}"
  dpt: "{{ responderPort }}"
  cs1: "{{ names.accessControlPolicy | default(policyRevision) }}"
labels:
  cs1: Access Control Policy
"""

MakeSet = Callable[..., Path]


def load(root: Path, set_name: str = "custom", version: str = "7.2.5"):  # type: ignore[no-untyped-def]
    return load_mappings(set_name, version, mappings_dir=root, templates_dir=root.parent / "templates")


def problems_of(root: Path) -> str:
    with pytest.raises(MappingError) as info:
        load(root)
    return str(info.value)


def test_valid_custom_set_loads_and_maps(mapping_set: MakeSet) -> None:
    table = load(mapping_set({"connection.yaml": GOOD}))
    event = table.map(record("71 IPv4"), {})
    assert event is not None
    assert encode(event) == (
        "CEF:0|Cisco|Firepower|7.2.5|RNA:1003:1|CONNECTION STATISTICS|3|src=10.0.0.5 dpt=80 "
        "cs1=8b5e4c30-9f31-11ea-8a3f-0d9c0a1b2c21 cs1Label=Access Control Policy"
    )


def test_bad_jinja_syntax_names_file_line_and_key(mapping_set: MakeSet) -> None:
    text = GOOD.replace('dpt: "{{ responderPort }}"', 'dpt: "{{ responderPort }"')
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "custom/connection.yaml:7: dpt: Jinja syntax error" in message


def test_unknown_cef_key_is_rejected_with_suggestion(mapping_set: MakeSet) -> None:
    text = GOOD.replace("  dpt:", "  dptt:")
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "connection.yaml:7: extensions.dptt" in message
    assert "not in the CEF dictionary (did you mean 'dpt'?)" in message


def test_custom_field_without_label_is_rejected(mapping_set: MakeSet) -> None:
    text = GOOD + '  # comment\n'
    text = text.replace('  cs1: "{{', '  cs2: "{{')
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "connection.yaml:8: extensions.cs2: a custom field needs a label" in message
    assert "labels.cs1: there is no extensions.cs1" in message


def test_misspelt_field_is_rejected_with_suggestion(mapping_set: MakeSet) -> None:
    text = GOOD.replace("{{ responderPort }}", "{{ responderPrt }}")
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "connection.yaml:7: dpt: 'responderPrt' is not a field of record type 71 (did you mean 'responderPort'?)" in message


def test_misspelt_name_key_is_rejected_with_suggestion(mapping_set: MakeSet) -> None:
    text = GOOD.replace("names.accessControlPolicy", "names.accessControlPolcy")
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "cs1: names.accessControlPolcy is not a name of record type 71 (did you mean 'accessControlPolicy'?)" in message


def test_unknown_filter_is_rejected_with_suggestion(mapping_set: MakeSet) -> None:
    text = GOOD.replace("{{ responderPort }}", "{{ initiatorIpAddress | ipv44 }}")
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "dpt: No filter named 'ipv44'" in message and "(did you mean 'ipv4'?)" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("severity:", "severty:"), "unknown key 'severty' (did you mean 'severity'?)"),
        (("record_types: [71]", "record_types: 71"), "record_types must be a non-empty list"),
        (("record_types: [71]", "record_types: [9999]"), "record type 9999 has no sample record"),
        (('  dpt: "{{ responderPort }}"', "  dpt:"), "extensions.dpt must be a Jinja template"),
        (('  dpt: "{{ responderPort }}"', '  eventId: "{{ responderPort }}"'), "reserved for the ArcSight consumer"),
        (('  dpt: "{{ responderPort }}"', '  cs1Label: "x"'), "'cs1Label' is a label; put the label text under labels"),
        (('  dpt: "{{ responderPort }}"', '  bad-key: "x"'), "is not one alphanumeric word"),
        (("  cs1: Access Control Policy", "  cs1Label: Access Control Policy"), "write the field name, cs1"),
        (("  cs1: Access Control Policy", "  cs1: Access Control Policy\n  act: x"), "only custom fields"),
        (('  dpt: "{{ responderPort }}"', '  dpt: "{{ responderPort }}"\n  dpt: "1"'), "duplicate key 'dpt'"),
        (('  dpt: "{{ responderPort }}"', '  dpt: "{% set x = 1 %}{{ x }}"'), "found Assign"),
    ],
)
def test_schema_problems_are_reported(mapping_set: MakeSet, change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    assert expected in problems_of(mapping_set({"connection.yaml": text}))


@pytest.mark.parametrize(
    ("severity", "expected"),
    [('"{{ 11 }}"', "severity rendered '11'"), ('"high"', "severity rendered 'high'"),
     ("12", "severity 12 is outside 0–10"), ('"{{ 7.5 }}"', "severity rendered '7.5'")],
)
def test_invalid_severity_is_rejected(mapping_set: MakeSet, severity: str, expected: str) -> None:
    text = GOOD.replace('severity: "{{ 3 if ruleAction < 4 else 7 }}"', f"severity: {severity}")
    assert expected in problems_of(mapping_set({"connection.yaml": text}))


def test_value_of_wrong_cef_type_fails_the_test_render(mapping_set: MakeSet) -> None:
    text = GOOD.replace("{{ responderPort }}", "{{ clientUrl }}")
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "test rendering sample '71 IPv4 (block 163)'" in message
    assert "'dpt'" in message and "must be an integer in 0–65535" in message


def test_name_without_fallback_fails_the_render_without_names(mapping_set: MakeSet) -> None:
    text = GOOD.replace("names.accessControlPolicy | default(policyRevision)", "names.accessControlPolicy")
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "with no names" in message and "cs1" in message
    assert "names.accessControlPolicy is not known for this record" in message


def test_header_without_fallback_fails_the_render(mapping_set: MakeSet) -> None:
    text = GOOD.replace('name: "CONNECTION STATISTICS"', 'name: "{{ names.ruleAction | default(none) }}"')
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "CEF header field name is empty" in message


def test_text_none_is_rejected(mapping_set: MakeSet) -> None:
    text = GOOD.replace("{{ responderPort }}", "{{ responderPort }}").replace(
        '  src: "{{ macros.ipv4_address(initiatorIpAddress) }}"', "  msg: \"{{ 'None' }}\"")
    assert "msg renders the text 'None'" in problems_of(mapping_set({"connection.yaml": text}))


def test_sandbox_blocks_python_internals(mapping_set: MakeSet) -> None:
    text = GOOD.replace("{{ responderPort }}", "{{ clientUrl.__class__.__mro__ }}")
    message = problems_of(mapping_set({"connection.yaml": text}))
    assert "dpt" in message and "unsafe" in message


def test_every_problem_of_every_file_is_reported_at_once(mapping_set: MakeSet) -> None:
    broken_a = GOOD.replace("  dpt:", "  dptt:")
    broken_b = GOOD.replace("record_types: [71]", "record_types: [400]").replace("{{ responderPort }}", "{{ nope }}")
    message = problems_of(mapping_set({"a.yaml": broken_a, "b.yaml": broken_b}))
    assert "(2 problems)" in message or "problems)" in message
    assert "a.yaml" in message and "b.yaml" in message


def test_record_type_mapped_twice_is_rejected(mapping_set: MakeSet) -> None:
    message = problems_of(mapping_set({"a.yaml": GOOD, "b.yaml": GOOD}))
    assert "custom/b.yaml: record type 71 is already mapped by" in message


def test_declared_custom_key_is_accepted_and_undeclared_rejected(mapping_set: MakeSet) -> None:
    text = GOOD.replace('  dpt: "{{ responderPort }}"', '  FirepowerInitiatorPackets: "{{ initiatorTransmittedPackets }}"')
    defaults = "device_vendor: Cisco\ndevice_product: Firepower\ncustom_keys: [FirepowerInitiatorPackets]\n"
    table = load(mapping_set({"c.yaml": text}, defaults=defaults))
    event = table.map(record("71 IPv4"), {})
    assert event is not None and "FirepowerInitiatorPackets=6" in encode(event)


def test_undeclared_custom_key_is_rejected(mapping_set: MakeSet) -> None:
    text = GOOD.replace('  dpt: "{{ responderPort }}"', '  FirepowerInitiatorPackets: "{{ initiatorTransmittedPackets }}"')
    assert "declare it in custom_keys" in problems_of(mapping_set({"c.yaml": text}))


@pytest.mark.parametrize(
    ("defaults", "expected"),
    [
        ("device_vendor: Cisco\n", "missing required key 'device_product'"),
        ("device_vendor: Cisco\ndevice_product: Firepower\nvendor: x\n", "unknown key 'vendor'"),
        ("device_vendor: Cisco\ndevice_product: Firepower\ncustom_keys: [src]\n", "is a CEF dictionary key"),
        ("device_vendor: Cisco\ndevice_product: Firepower\ncustom_keys: [eventId]\n", "reserved for the ArcSight consumer"),
        ("device_vendor: " + "x" * 64 + "\ndevice_product: Firepower\n", "the CEF limit is 63"),
        ("device_vendor: [a]\ndevice_product: Firepower\n", "device_vendor must be non-empty text"),
        ("- a\n", "must be a YAML mapping"),
        ("device_vendor: 'Cisco\ndevice_product: x\n", "invalid YAML"),
    ],
)
def test_invalid_defaults_are_reported(mapping_set: MakeSet, defaults: str, expected: str) -> None:
    assert expected in problems_of(mapping_set({"c.yaml": GOOD}, defaults=defaults))


@pytest.mark.parametrize("version", ["", "x" * 32, "6.0\n"])
def test_invalid_device_version_is_rejected(mapping_set: MakeSet, version: str) -> None:
    with pytest.raises(MappingError, match="device_version"):
        load(mapping_set({"c.yaml": GOOD}), version=version)


def test_unknown_set_lists_available_sets() -> None:
    with pytest.raises(MappingError, match=r"'defualt' not found.*did you mean 'default'.*available sets: default, encore-compat"):
        load_mappings("defualt")


@pytest.mark.parametrize("name", ["../default", "a/b", ""])
def test_set_name_must_be_a_plain_directory_name(name: str) -> None:
    with pytest.raises(MappingError, match="plain directory name"):
        load_mappings(name)


def test_yml_extension_is_rejected(mapping_set: MakeSet) -> None:
    assert "must end in .yaml" in problems_of(mapping_set({"c.yml": GOOD}))


def test_set_without_mapping_files_is_rejected(mapping_set: MakeSet) -> None:
    assert "has no mapping files" in problems_of(mapping_set({}))


def test_syntax_error_in_shared_template_names_the_template(mapping_set: MakeSet, tmp_path: Path) -> None:
    root = mapping_set({"c.yaml": GOOD})
    (tmp_path / "templates" / "broken.j2").write_text("{% macro x( %}", encoding="utf-8")
    assert "templates/broken.j2:1: Jinja syntax error" in problems_of(root)


def test_non_inlinable_shared_macro_still_works(mapping_set: MakeSet, tmp_path: Path) -> None:
    root = mapping_set({"c.yaml": GOOD.replace("{{ responderPort }}", "{{ extra.port(responderPort) }}")})
    (tmp_path / "templates" / "extra.j2").write_text(
        "{% macro port(p) %}{% if p %}{{ p }}{% endif %}{% endmacro %}", encoding="utf-8")
    table = load(root)
    mapping = table.compiled(71)
    assert mapping.jinja_keys == ("dpt",)
    event = table.map(record("71 IPv4"), {})
    assert event is not None and "dpt=80" in encode(event)
    assert table.map(SAMPLES[0], {}) == table.map_reference(SAMPLES[0], {})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("record_types: [71]", "record_types: [71, 71]"), "record type 71 is listed twice"),
        (("record_types: [71]", "record_types: [true]"), "record type True is not a record number"),
        (("labels:\n  cs1: Access Control Policy", "labels: [cs1]"), "labels must be a mapping"),
        (('  dpt: "{{ responderPort }}"', '  dpt: "  "'), "extensions.dpt is empty"),
        (("  cs1: Access Control Policy", "  cs1: \"Access\\tPolicy\""), "must not contain control characters"),
        (("  cs1: Access Control Policy", "  cs1: " + "L" * 1024), "the CEF limit is 1023"),
        (('signature_id: "RNA:1003:1"', "signature_id: [1]"), "signature_id must be a Jinja template"),
        (('  dpt: "{{ responderPort }}"', r'  dpt: "a\x1fb"'), "must not contain the character U+001F"),
    ],
)
def test_more_schema_problems_are_reported(mapping_set: MakeSet, change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    assert expected in problems_of(mapping_set({"connection.yaml": text}))


def test_extensions_must_be_a_mapping(mapping_set: MakeSet) -> None:
    text = GOOD.split("extensions:")[0] + "extensions: [src]\n"
    assert "extensions must be a mapping" in problems_of(mapping_set({"connection.yaml": text}))


def test_description_is_allowed(mapping_set: MakeSet) -> None:
    assert load(mapping_set({"c.yaml": "description: Connection events.\n" + GOOD})).record_types == {71}


@pytest.mark.parametrize(
    ("file_name", "text", "expected"),
    [
        ("bad-name.j2", "", "a shared template name must be a Python identifier"),
        ("names.j2", "", "a shared template name must be a Python identifier"),
        ("boom.j2", "{{ 1 // 0 }}", "templates/boom.j2: cannot load: ZeroDivisionError"),
        ("typo.j2", "{% macro f(names) %}{{ names.devise }}{% endmacro %}",
         "names.devise is not a name key (did you mean 'device'?)"),
        ("sep.j2", "{% macro f(x) %}a\x1fb{% endmacro %}", "literal text must not contain the character U+001F"),
    ],
)
def test_shared_template_problems_are_reported(
    mapping_set: MakeSet, tmp_path: Path, file_name: str, text: str, expected: str
) -> None:
    root = mapping_set({"c.yaml": GOOD})
    (tmp_path / "templates" / file_name).write_text(text, encoding="utf-8")
    assert expected in problems_of(root)


def test_mapping_for_several_record_types_checks_fields_of_each(mapping_set: MakeSet) -> None:
    text = GOOD.replace("record_types: [71]", "record_types: [71, 400]")
    message = problems_of(mapping_set({"c.yaml": text}))
    assert "'initiatorIpAddress' is not a field of record type 400" in message
    assert "'responderPort' is not a field of record type 400" in message
