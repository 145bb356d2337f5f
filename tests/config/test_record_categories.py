"""handler.records: every record type of protocol doc §5.1 is in exactly one category."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cef_connector.config import RECORD_CATEGORIES, RecordFilter
from cef_connector.estreamer import RecordType

#: Protocol doc §5.1, written out: (record, kind) for every record type eNcore decodes.
_EVENTS = (
    {2, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31}
    | {34, 35, 42, 44, 45, 46, 47, 48, 51, 52, 53, 71, 73}
    | set(range(74, 90))
    | {92, 93, 94, 95, 101, 102, 103, 107, 110, 112, 125, 160, 170, 171, 400, 500, 502}
)
_METADATA = (
    {4, 54, 55, 57, 58, 59, 60, 61, 62, 63, 66, 67, 69, 70, 90, 91, 96, 98, 106, 109, 111}
    | {115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 127, 128, 129, 130, 131, 132, 140}
    | {145, 146, 147, 161, 260, 270, 280, 281, 282, 300, 301, 302, 320, 321, 322, 350}
    | {510, 511, 515, 516, 517, 518, 519, 520, 530}
    | {600, 601, 602, 604, 605, 606, 607, 608, 613, 614, 700}
)

EXPECTED = {
    "core": {9, 110, 112, 125, 500, 502},
    "connections": {71, 73},
    "intrusion": {400, 104, 105, 207, 208},  # + the legacy intrusion records (§5.2)
    "packets": {2},
    "rna": {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29}
    | {31, 34, 35, 42, 44, 45, 46, 47, 48, 51, 52, 53}
    | set(range(74, 90))
    | {101, 102, 103, 107, 160},
    "rua": {92, 93, 94, 95, 170, 171},
    "metadata": _METADATA,
}

_CATEGORIES = ("core", "metadata", "connections", "intrusion", "packets", "rna", "rua")


def test_the_protocol_doc_table_written_here_is_every_record_type() -> None:
    assert _EVENTS.isdisjoint(_METADATA)
    assert _EVENTS | _METADATA == {int(member) for member in RecordType}


@pytest.mark.parametrize("category", _CATEGORIES)
def test_category_members_are_exactly_those_of_the_protocol_doc(category: str) -> None:
    assert set(RECORD_CATEGORIES[category]) == EXPECTED[category]


def test_every_record_type_of_the_protocol_doc_is_in_exactly_one_category() -> None:
    for record_type in _EVENTS | _METADATA:
        owners = [name for name, members in RECORD_CATEGORIES.items() if record_type in members]
        assert len(owners) == 1, f"record {record_type} is in {owners}"


def test_metadata_category_holds_every_metadata_kind_and_no_event() -> None:
    assert set(RECORD_CATEGORIES["metadata"]) == _METADATA


@pytest.mark.parametrize("category", _CATEGORIES)
def test_switching_one_category_off_drops_exactly_its_members(category: str) -> None:
    record_filter = replace(RecordFilter(), **{category: False})

    dropped = {t for t in _EVENTS | _METADATA | {104, 105, 207, 208}
               if not record_filter.wants(t)}

    assert dropped == EXPECTED[category]


def test_include_wins_over_a_category_and_exclude_wins_over_include() -> None:
    record_filter = RecordFilter(connections=False, include=frozenset({71, 400}),
                                 exclude=frozenset({400}))

    assert (record_filter.wants(71), record_filter.wants(73), record_filter.wants(400)) == (
        True, False, False)


def test_record_types_in_no_category_are_written_only_when_included() -> None:
    assert RecordFilter().wants(999) is False
    assert RecordFilter(include=frozenset({999})).wants(999) is True
