"""The metadata table specs and the name table read fields the decoders really produce.

Every table spec's key and value fields exist in its metadata record's layout; every
field a name source reads exists in its event record's layout; and every key an event
builds has the same shape (integer, UUID text, hex) as the key the metadata record is
stored under, so a lookup can hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.metadata import NAME_KEYS, NAME_TABLE, TABLE_SPECS
from cef_connector.metadata.names import EachName, Lookup, NameSource, ProtocolName, Source, fields_read

from .layout_paths import INTEGERS, NESTED, compatible, find, key_kind, record_alternatives

#: Protocol doc §6.1 (every metadata record), written out from the doc.
DOC_METADATA_TYPES = frozenset({
    4, 54, 55, 57, 58, 59, 60, 61, 62, 63, 66, 67, 69, 70, 90, 91, 96, 98, 106, 109, 111,
    115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 127, 128, 129, 130, 131, 132, 140,
    145, 146, 147, 161, 260, 270, 280, 281, 282, 300, 301, 302, 320, 321, 322, 350, 510,
    511, 515, 516, 517, 518, 519, 520, 530, 600, 601, 602, 604, 605, 606, 607, 608, 613,
    614, 700,
})  # fmt: skip

EVENT_TYPES = sorted(set(RECORD_LAYOUTS) - DOC_METADATA_TYPES)


def test_every_metadata_record_of_the_protocol_doc_has_a_table() -> None:
    assert set(TABLE_SPECS) == DOC_METADATA_TYPES


def test_every_event_record_type_we_decode_has_a_name_table() -> None:
    assert set(NAME_TABLE) == set(EVENT_TYPES)
    assert NAME_KEYS == {rt: frozenset(sources) for rt, sources in NAME_TABLE.items()}


@pytest.mark.parametrize("record_type", sorted(DOC_METADATA_TYPES))
def test_table_spec_fields_exist_in_every_shape_of_the_metadata_record(record_type: int) -> None:
    spec = TABLE_SPECS[record_type]
    for shape in record_alternatives(RECORD_LAYOUTS[record_type]):
        for name in spec.key_fields + spec.value_fields:
            assert name in shape, (record_type, name, sorted(shape))
        for index, name in enumerate(spec.key_fields):
            form = spec.key_forms[index] if index < len(spec.key_forms) else None
            assert not key_kind(shape[name], form).startswith("unusable"), (record_type, name)


def _lookups(source: Source) -> Iterator[tuple[Lookup, tuple[str, ...]]]:
    """Each lookup of a source with the path of the items it reads its key from."""
    if isinstance(source, EachName):
        for path in source.paths:
            for lookup, inner in _lookups(source.source):
                yield lookup, path + inner
    elif isinstance(source, NameSource):
        for lookup in source.lookups:
            yield lookup, ()


def _cases() -> list[tuple[int, str]]:
    return [(rt, key) for rt in EVENT_TYPES for key in NAME_TABLE.get(rt, {})]


@pytest.mark.parametrize(("record_type", "key"), _cases())
def test_every_field_a_name_reads_exists_in_the_event_layout(record_type: int, key: str) -> None:
    shapes = record_alternatives(RECORD_LAYOUTS[record_type])
    for path in fields_read(NAME_TABLE[record_type][key]):
        specs = [spec for shape in shapes for spec in find(shape, path)]
        assert specs, f"record {record_type} names.{key}: no field {'.'.join(path)}"
        assert all(spec.wire not in NESTED for spec in specs), (record_type, key, path)


@pytest.mark.parametrize(("record_type", "key"), _cases())
def test_event_keys_have_the_shape_of_the_stored_keys(record_type: int, key: str) -> None:
    shapes = record_alternatives(RECORD_LAYOUTS[record_type])
    source = NAME_TABLE[record_type][key]
    if isinstance(source, ProtocolName) or (
        isinstance(source, EachName) and isinstance(source.source, ProtocolName)
    ):
        specs = [spec for shape in shapes for path in fields_read(source) for spec in find(shape, path)]
        assert all(spec.wire in INTEGERS for spec in specs)
        return
    for lookup, prefix in _lookups(source):
        table = TABLE_SPECS[lookup.table]
        metadata_shapes = record_alternatives(RECORD_LAYOUTS[lookup.table])
        for index, field in enumerate(lookup.key_fields):
            stored_form = table.key_forms[index] if index < len(table.key_forms) else None
            stored = {key_kind(shape[table.key_fields[index]], stored_form) for shape in metadata_shapes}
            assert len(stored) == 1, (lookup.table, stored)
            form = lookup.key_forms[index] if index < len(lookup.key_forms) else None
            for spec in (s for shape in shapes for s in find(shape, prefix + (field,))):
                event = key_kind(spec, form)
                assert compatible(event, *stored), (
                    f"record {record_type} names.{key}: {field} is {event}, "
                    f"table {lookup.table} stores {table.key_fields[index]} as {stored}"
                )


def test_the_architecture_documents_every_name_key() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("### Naming scheme exposed to mappings") : text.index("## mapping and cef")]
    documented = set(re.findall(r"`([A-Za-z0-9]+)`", section))
    keys = set().union(*NAME_KEYS.values()) - {f"monitorRule{n}" for n in range(2, 8)}
    assert sorted(keys - documented) == []
