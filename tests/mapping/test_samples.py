"""The samples and name keys the loader validates against agree with the other packages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cef_connector.cef import encode
from cef_connector.mapping import MappingTable
from cef_connector.mapping.samples import NAME_KEYS, SAMPLES, samples_for
from cef_connector.metadata import MetadataCache
from cef_connector.metadata.names import NAME_TABLE, names_for

from .helpers import record


def test_name_keys_are_the_metadata_name_table() -> None:
    assert {rt: set(keys) for rt, keys in NAME_KEYS.items()} == {rt: set(t) for rt, t in NAME_TABLE.items()}


def test_complete_sample_names_use_only_known_keys() -> None:
    for sample in SAMPLES:
        assert set(sample.names) <= NAME_KEYS[sample.record_type], sample.label


def test_every_mapped_record_type_has_ipv4_samples() -> None:
    # 2, 71, 400 here; the other event, discovery, user and IOC types in samples_events.py
    # and samples_discovery.py (tested with their mappings).
    assert {2, 71, 400} <= {s.record_type for s in SAMPLES}
    assert [s.label for s in samples_for(71)] == ["71 IPv4 (block 163)", "71 IPv6 (block 163)"]


@pytest.mark.parametrize("label", ["71 IPv4", "400 IPv4", "2 "])
def test_names_from_an_empty_metadata_cache_map_cleanly(
    label: str, default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    rec = record(label)
    resolved = names_for(rec, MetadataCache())
    event = default_table.map(rec, resolved)
    assert event is not None
    line = encode(event)
    parse_cef(line)
    assert "None" not in line
