"""A decoded full-mix stream shared by the fast-path tests of the formats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, Record, encode_bundle
from cef_connector.estreamer import encode_streaming_information
from cef_connector.formats import ComputedView
from cef_connector.metadata import MetadataCache, names_for
from cef_connector.simulator import TrafficGenerator

#: eNcore's request flags with every subscription switch on (protocol doc §3.3).
_ALL_FLAGS = 0x48900061


@dataclass(frozen=True)
class NamedRecord:
    """One decoded record of the stream with its names and its computed view."""

    record: Record
    names: dict[str, Any]
    view: dict[str, Any]


@pytest.fixture(scope="session")
def full_mix_records() -> list[NamedRecord]:
    """Seed 3: the full mix's metadata and 6000 events, decoded, named and viewed in order."""
    generator = TrafficGenerator(3, start_time=1_700_000_000, mix="full")
    generated = list(generator.metadata_records()) + generator.events(6000)
    connection = Connection(0, _ALL_FLAGS)
    connection.initiate()
    data = bytearray(encode_streaming_information())
    for sequence, start in enumerate(range(0, len(generated), 100), start=1):
        batch = [r.encode(archive_header=True) for r in generated[start:start + 100]]
        data += encode_bundle(1, sequence, batch)
    connection.receive_data(bytes(data))
    cache = MetadataCache()
    view = ComputedView()
    named: list[NamedRecord] = []
    while (event := connection.next_event()) is not NEED_DATA:
        if isinstance(event, BundleEnd):
            connection.acknowledge()
        elif isinstance(event, Record):
            if event.is_metadata:
                cache.learn(event)
            names = dict(names_for(event, cache))
            named.append(NamedRecord(event, names, view.view(event, names, cache)))
    assert len(named) == len(generated)
    return named
