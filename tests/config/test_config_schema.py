"""Behaviour of the settings data: record categories and subscription flag bits."""

from __future__ import annotations

from functools import reduce

import pytest

from cef_connector.config import RECORD_CATEGORIES, SUBSCRIPTION_FLAG_BITS, RecordFilter


def test_all_seven_subscription_bits_give_0x48900061() -> None:
    assert reduce(lambda a, b: a | b, SUBSCRIPTION_FLAG_BITS.values()) == 0x48900061


def test_subscription_bits_are_those_of_the_protocol_doc() -> None:
    assert dict(SUBSCRIPTION_FLAG_BITS) == {
        "packetData": 0x00000001,
        "impactEventAlerts": 0x00000020,
        "intrusion": 0x00000040,
        "metadata": 0x00100000,
        "archiveTimestamps": 0x00800000,
        "eventExtraData": 0x08000000,
        "extended": 0x40000000,
    }


def test_no_record_type_is_in_two_categories() -> None:
    seen: dict[int, str] = {}
    for category, members in RECORD_CATEGORIES.items():
        for record_type in members:
            assert record_type not in seen, (record_type, seen.get(record_type), category)
            seen[record_type] = category


@pytest.mark.parametrize(
    ("record_type", "category"),
    [
        (2, "packets"),
        (4, "metadata"),
        (9, "core"),
        (71, "connections"),
        (73, "connections"),
        (95, "rua"),
        (98, "metadata"),
        (110, "core"),
        (112, "core"),
        (123, "metadata"),
        (125, "core"),
        (145, "metadata"),
        (10, "rna"),
        (29, "rna"),
        (160, "rna"),
        (400, "intrusion"),
        (500, "core"),
        (502, "core"),
        (520, "metadata"),
        (700, "metadata"),
    ],
)
def test_record_types_belong_to_their_category(record_type: int, category: str) -> None:
    assert record_type in RECORD_CATEGORIES[category]


def test_default_filter_wants_every_categorised_record_and_nothing_else() -> None:
    record_filter = RecordFilter()

    assert [record_filter.wants(t) for t in (2, 71, 400, 123, 112, 94, 10)] == [True] * 7
    assert record_filter.wants(9999) is False


def test_disabled_category_is_not_wanted() -> None:
    record_filter = RecordFilter(intrusion=False, metadata=False)

    assert (record_filter.wants(400), record_filter.wants(123), record_filter.wants(71)) == (
        False,
        False,
        True,
    )


def test_include_overrides_a_disabled_category_and_an_unknown_type() -> None:
    record_filter = RecordFilter(connections=False, include=frozenset({71, 9999}))

    assert (record_filter.wants(71), record_filter.wants(9999)) == (True, True)


def test_exclude_overrides_include_and_categories() -> None:
    record_filter = RecordFilter(include=frozenset({400}), exclude=frozenset({71, 400}))

    assert (record_filter.wants(71), record_filter.wants(400), record_filter.wants(2)) == (
        False,
        False,
        True,
    )
