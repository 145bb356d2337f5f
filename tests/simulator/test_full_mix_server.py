"""The simulated FMC serving the full mix over TLS: what each request gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cef_connector.estreamer import (
    METADATA_RECORD_TYPES,
    SUPPORTED_RECORD_TYPES,
    Connection,
    ConnectionClosed,
    RecordDecodeFailed,
    UnknownRecord,
)
from cef_connector.simulator import SimulatorServer
from cef_connector.simulator.certs import SimulatorPki

pytestmark = pytest.mark.integration

ALL_FLAGS = 0x48900061
START_TIME = 1_700_000_000
EVENT_TYPES = frozenset(SUPPORTED_RECORD_TYPES - METADATA_RECORD_TYPES)

OpenClient = Callable[..., Any]  # conftest.open_client → a StreamClient


def _closed(events: list[Any]) -> bool:
    return bool(events) and isinstance(events[-1], ConnectionClosed)


def _sim(pki: SimulatorPki, **options: Any) -> SimulatorServer:
    return SimulatorServer(pki.directory, start_time=START_TIME, keepalive_interval=30.0,
                           close_when_done=True, records_per_bundle=250, mix="full",
                           **options)  # fmt: skip


def _stored_types(sim: SimulatorServer) -> set[int]:
    return {r.record_type for r in sim.stored_events}


def test_encore_request_gets_every_event_and_metadata_record_of_the_full_mix(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=6000) as sim:
        client = open_client(sim)
        client.run(until=_closed, timeout=60)
        stored = sim.stored_events
        metadata = sim.generator.metadata_records()
    assert not any(isinstance(e, (UnknownRecord, RecordDecodeFailed)) for e in client.events)
    assert {r.record_type for r in client.event_records} == EVENT_TYPES
    assert {r.record_type for r in client.records if r.is_metadata} == (
        SUPPORTED_RECORD_TYPES & METADATA_RECORD_TYPES)  # fmt: skip
    assert len(client.event_records) == len(stored) == 6000
    assert [r.fields for r in client.event_records] == [dict(r.fields) for r in stored]
    assert len(client.records) - len(client.event_records) == len(metadata)


def test_extended_request_gets_only_the_record_types_of_its_event_types(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    wanted = ((12, 9), (21, 4), (71, 14))  # intrusion, metadata, connection
    with _sim(pki, events=1500) as sim:
        client = open_client(sim, send_request=False)
        client.connection = Connection(0, ALL_FLAGS, event_types=wanted)
        client.start()
        client.run(until=_closed, timeout=30)
        expected = [r for r in sim.stored_events if r.record_type in {400, 2, 110, 71, 73}]
        assert _stored_types(sim) > {400, 2, 110, 71, 73, 9, 10, 95, 500}
    assert {r.record_type for r in client.event_records} == {400, 2, 110, 71, 73}
    assert [r.fields for r in client.event_records] == [dict(r.fields) for r in expected]


def test_extended_request_without_packet_and_extra_data_bits_gets_intrusions_alone(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    flags = ALL_FLAGS & ~0x00000001 & ~0x08000000  # bit 0 packets, bit 27 extra data
    with _sim(pki, events=800) as sim:
        client = open_client(sim, send_request=False)
        client.connection = Connection(0, flags, event_types=((12, 9), (131, 2)))
        client.start()
        client.run(until=_closed, timeout=30)
    assert {r.record_type for r in client.event_records} == {400, 9}


def test_plain_request_gets_intrusions_packets_extra_data_and_impact_alerts(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=800) as sim:
        client = open_client(sim, flags=ALL_FLAGS & ~0x40000000)  # bit 30 off: plain
        client.run(until=_closed, timeout=30)
    assert {r.record_type for r in client.event_records} == {400, 2, 110, 9}

