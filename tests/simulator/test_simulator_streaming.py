"""The simulated FMC over real TLS on 127.0.0.1, driven by FmcSession + estreamer.Connection."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer import (
    START_NOW,
    BundleEnd,
    ConnectionClosed,
    Keepalive,
    Record,
    RecordDecodeFailed,
    RequestFlag,
    ServerError,
    StreamingInformation,
    UnknownMessage,
    UnknownRecord,
    build_error,
    build_event_stream_request,
    build_streaming_request,
)
from cef_connector.simulator import Faults, SimulatorServer, event_identity
from cef_connector.simulator.certs import SimulatorPki

pytestmark = pytest.mark.integration

ALL_FLAGS = 0x48900061
START_TIME = 1_700_000_000

OpenClient = Callable[..., Any]


def _closed(events: list[Any]) -> bool:
    return bool(events) and isinstance(events[-1], ConnectionClosed)


def _identities(records: list[Record]) -> list[tuple[Any, ...]]:
    return [event_identity(r.record_type, r.fields) for r in records]


def _stored_identities(sim: SimulatorServer, since: int = 0) -> list[tuple[Any, ...]]:
    return [r.identity for r in sim.stored_events if r.archive_timestamp >= since]


def _sim(pki: SimulatorPki, **options: Any) -> SimulatorServer:
    options.setdefault("start_time", START_TIME)
    options.setdefault("keepalive_interval", 30.0)
    return SimulatorServer(pki.directory, **options)


def test_extended_request_streams_metadata_then_events_in_acknowledged_bundles(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=250, records_per_bundle=40, close_when_done=True) as sim:
        client = open_client(sim, start=0)
        client.run(until=_closed)
        counters = sim.counters
    assert isinstance(client.events[0], StreamingInformation)
    assert client.events[0].services == (5001, 5000, 6667)
    records = client.records
    metadata_count = len(sim.generator.metadata_records())
    assert all(r.is_metadata for r in records[:metadata_count])
    assert not any(r.is_metadata for r in records[metadata_count:])
    assert _identities(client.event_records) == _stored_identities(sim)
    ends = client.bundle_ends
    assert [e.sequence_number for e in ends] == list(range(1, len(ends) + 1))
    assert {e.connection_id for e in ends} == {1}
    assert sum(e.record_count for e in ends) == metadata_count + 250
    assert max(e.record_count for e in ends) == 40
    assert counters.bundles_sent == counters.bundles_acked == len(ends)
    assert counters.events_sent == counters.events_acked == 250
    assert counters.metadata_sent == metadata_count
    assert client.session.closed_cleanly is True


def test_records_carry_archive_timestamps_with_bit_23_and_zero_on_metadata(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=20, close_when_done=True) as sim:
        client = open_client(sim)
        client.run(until=_closed)
    assert {r.archive_timestamp for r in client.records if r.is_metadata} == {0}
    assert [r.archive_timestamp for r in client.event_records] == [
        r.archive_timestamp for r in sim.stored_events
    ]


def test_metadata_can_travel_with_the_short_header_when_bit_23_is_set(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=10, close_when_done=True, metadata_archive_header=False) as sim:
        client = open_client(sim)
        client.run(until=_closed)
    assert {r.archive_timestamp for r in client.records if r.is_metadata} == {None}
    assert all(r.archive_timestamp >= START_TIME for r in client.event_records)


def test_without_bit_23_every_record_has_the_eight_byte_header(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    flags = ALL_FLAGS & ~RequestFlag.ARCHIVE_TIMESTAMPS
    with _sim(pki, events=10, close_when_done=True) as sim:
        client = open_client(sim, flags=flags)
        client.run(until=_closed)
    assert len(client.event_records) == 10
    assert {r.archive_timestamp for r in client.records} == {None}


def test_plain_request_streams_event_data_messages(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    flags = (
        RequestFlag.PACKET_DATA | RequestFlag.INTRUSION | RequestFlag.METADATA_V4
        | RequestFlag.CONNECTION_V4 | RequestFlag.ARCHIVE_TIMESTAMPS
    )  # fmt: skip
    with _sim(pki, events=30, records_per_bundle=7, close_when_done=True) as sim:
        client = open_client(sim, flags=int(flags))
        client.run(until=_closed)
    assert not any(isinstance(e, StreamingInformation) for e in client.events)
    assert _identities(client.event_records) == _stored_identities(sim)
    assert {(e.connection_id, e.sequence_number, e.record_count) for e in client.bundle_ends} == {
        (0, 0, 1)
    }


def test_request_without_packet_flag_gets_no_packets(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=60, close_when_done=True) as sim:
        client = open_client(sim, flags=ALL_FLAGS & ~RequestFlag.PACKET_DATA)
        client.run(until=_closed)
    kinds = Counter(r.record_type for r in client.event_records)
    assert kinds[2] == 0
    assert kinds[400] == sum(1 for r in sim.stored_events if r.record_type == 400)


def test_keepalives_arrive_when_idle(pki: SimulatorPki, open_client: OpenClient) -> None:
    with _sim(pki, events=0, keepalive_interval=0.1) as sim:
        client = open_client(sim)
        client.run(until=lambda events: sum(isinstance(e, Keepalive) for e in events) >= 3,
                   timeout=5)
        assert sim.counters.keepalives_sent >= 3


@pytest.mark.parametrize(("trailing_nul", "length"), [(True, 23), (False, 22)])
def test_server_error_is_reported_then_the_connection_closes(
    pki: SimulatorPki, open_client: OpenClient, trailing_nul: bool, length: int
) -> None:
    faults = Faults(error=(19, "No space"), error_trailing_nul=trailing_nul)
    with _sim(pki, events=5, faults=faults) as sim:
        client = open_client(sim)
        client.run(until=_closed)
        assert sim.counters.errors_sent == 1
    assert client.events == [ServerError(code=19, text="No space", offset=0),
                             ConnectionClosed(offset=length)]  # fmt: skip
    if trailing_nul:
        assert bytes(client.received) == bytes.fromhex("000100010000000f0000001300094e6f20737061636500")


def test_start_genesis_gets_every_stored_event(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=60, close_when_done=True) as sim:
        client = open_client(sim, start=0)
        client.run(until=_closed)
    assert _identities(client.event_records) == _stored_identities(sim)


def test_start_now_gets_only_events_added_after_the_request(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=60) as sim:
        client = open_client(sim, start=START_NOW)
        metadata_count = len(sim.generator.metadata_records())
        client.run(until=lambda events: len(client.records) >= metadata_count)
        assert sim.wait_for(lambda c: c.bundles_acked >= 1, 5)
        added = sim.add_events(6)
        client.run(until=lambda events: len(client.event_records) >= 6)
    assert _identities(client.event_records) == [r.identity for r in added]
    assert all(r.archive_timestamp >= sim.stored_events[59].archive_timestamp
               for r in added)  # fmt: skip


def test_bookmark_start_resends_the_events_of_that_second(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=200, events_per_second=20.0, close_when_done=True) as sim:
        stored = sim.stored_events
        per_second = Counter(r.archive_timestamp for r in stored)
        bookmark = next(second for second, n in sorted(per_second.items())
                        if n >= 3 and second > stored[50].archive_timestamp)  # fmt: skip
        client = open_client(sim, start=bookmark)
        client.run(until=_closed)
    received = _identities(client.event_records)
    assert received == _stored_identities(sim, since=bookmark)
    assert sum(1 for r in client.event_records if r.archive_timestamp == bookmark) == (
        per_second[bookmark]
    )
    assert 0 < len(received) < 200


def test_window_limits_unacknowledged_bundles(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=100, records_per_bundle=20, window=2, close_when_done=True) as sim:
        client = open_client(sim)
        client.run(until=lambda events: len(client.bundle_ends) == 2, ack=False)
        # Nothing more comes while both bundles wait for their acknowledgements.
        assert client.session.recv(timeout=0.3) is None
        assert sim.counters.bundles_sent == 2
        client.ack_pending()
        client.run(until=_closed)
    assert sim.counters.bundles_acked == sim.counters.bundles_sent


def test_missing_acknowledgement_closes_after_the_ack_timeout(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=10, ack_timeout=0.3) as sim:
        client = open_client(sim)
        client.run(until=_closed, ack=False, timeout=5)
        assert sim.wait_for(lambda c: c.sessions_finished == 1, 5)
        assert sim.counters.bundles_acked == 0


def test_rate_paces_the_events(pki: SimulatorPki, open_client: OpenClient) -> None:
    with _sim(pki, events=30, rate=60.0, records_per_bundle=100, close_when_done=True) as sim:
        began = time.monotonic()
        client = open_client(sim)
        client.run(until=_closed)
        elapsed = time.monotonic() - began
    assert len(client.event_records) == 30
    # 30 events at 60/s need about 0.5 s; allow generous slack upwards only.
    assert elapsed >= 0.4


def test_record_stream_holds_exactly_the_bytes_the_client_received(
    pki: SimulatorPki, open_client: OpenClient, tmp_path: Path
) -> None:
    stream = tmp_path / "stream.bin"
    with _sim(pki, events=50, record_stream=stream, close_when_done=True) as sim:
        first = open_client(sim)
        first.run(until=_closed)
        assert sim.wait_for(lambda c: c.sessions_finished == 1, 5)
        second = open_client(sim)
        second.run(until=_closed)
        assert sim.wait_for(lambda c: c.sessions_finished == 2, 5)
    assert stream.read_bytes() == bytes(first.received)
    assert (tmp_path / "stream.bin.2").read_bytes() == bytes(second.received)


def test_guide_form_of_service_length_is_accepted(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=5, close_when_done=True) as sim:
        client = open_client(sim, send_request=False)
        client.session.send(build_event_stream_request(0, ALL_FLAGS))
        request = bytearray(build_streaming_request(0, ALL_FLAGS))
        request[12:16] = (len(request) - 16).to_bytes(4, "big")  # messageLength - 8
        client.connection.initiate()  # keep the Connection's state in step
        client.run(until=lambda events: len(events) == 1)
        client.connection.data_to_send()  # drop its own StreamingRequest
        client.session.send(bytes(request))
        client.run(until=_closed)
    assert len(client.event_records) == 5


def test_wrong_first_message_gets_an_error(pki: SimulatorPki, open_client: OpenClient) -> None:
    with _sim(pki, events=5) as sim:
        client = open_client(sim, send_request=False)
        client.connection.initiate()
        client.session.send(build_streaming_request(0, ALL_FLAGS))
        client.run(until=_closed)
        assert sim.counters.errors_sent == 1
    error = client.events[0]
    assert isinstance(error, ServerError)
    assert error.code == 1
    assert error.text == "expected an EventStreamRequest, got message type 2049"


def test_client_error_ends_the_session(pki: SimulatorPki, open_client: OpenClient) -> None:
    with _sim(pki, events=0) as sim:
        client = open_client(sim)
        client.run(until=lambda events: len(events) == 1)
        client.session.send(build_error(-1, "bye"))
        # No acknowledgements: nothing may reach the server after it closed (that would
        # draw a TCP reset instead of the clean end asserted here).
        client.run(until=_closed, ack=False)
        assert sim.wait_for(lambda c: c.sessions_finished == 1, 5)


# ---------------------------------------------------------------------- fault switches


def test_close_mid_message_is_a_remote_protocol_error(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=300, records_per_bundle=50,
              faults=Faults(close_mid_message_after=2)) as sim:  # fmt: skip
        client = open_client(sim)
        with pytest.raises(RemoteProtocolError) as caught:
            client.run(until=_closed)
    assert len(client.bundle_ends) == 2
    match = re.match(
        r"connection closed inside message type 4002 \(MESSAGE_BUNDLE\): (\d+) of its (\d+) "
        r"bytes received",
        str(caught.value),
    )
    assert match is not None, str(caught.value)
    assert int(match.group(1)) == int(match.group(2)) // 2


def test_header_version_two_is_a_remote_protocol_error(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=5, faults=Faults(header_version=2)) as sim:
        client = open_client(sim)
        with pytest.raises(RemoteProtocolError) as caught:
            client.run(until=_closed)
    assert "version" in str(caught.value).lower()
    assert caught.value.offset == 56  # right after the 56-byte Streaming Information


def test_huge_length_is_a_remote_protocol_error(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=5, faults=Faults(huge_length=True)) as sim:
        client = open_client(sim)
        with pytest.raises(RemoteProtocolError) as caught:
            client.run(until=_closed)
    assert caught.value.offset == 56


def test_unknown_message_type_is_skipped(pki: SimulatorPki, open_client: OpenClient) -> None:
    with _sim(pki, events=5, close_when_done=True,
              faults=Faults(unknown_message_type=0x1234)) as sim:  # fmt: skip
        client = open_client(sim)
        client.run(until=_closed)
    unknown = [e for e in client.events if isinstance(e, UnknownMessage)]
    assert unknown == [UnknownMessage(message_type=0x1234, length=4, offset=56)]
    assert len(client.event_records) == 5


def test_unknown_record_type_is_reported_and_the_stream_goes_on(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=5, close_when_done=True,
              faults=Faults(unknown_record_type=9999)) as sim:  # fmt: skip
        client = open_client(sim)
        client.run(until=_closed)
    unknown = [e for e in client.events if isinstance(e, UnknownRecord)]
    assert len(unknown) == 1
    assert unknown[0].record_type == 9999
    assert unknown[0].data == bytes(12)
    assert len(client.event_records) == 5


def test_truncated_block_fails_one_record_and_the_stream_goes_on(
    pki: SimulatorPki, open_client: OpenClient
) -> None:
    with _sim(pki, events=5, close_when_done=True, faults=Faults(truncated_block=True)) as sim:
        client = open_client(sim)
        client.run(until=_closed)
    failed = [e for e in client.events if isinstance(e, RecordDecodeFailed)]
    assert [f.record_type for f in failed] == [115]
    assert len(client.event_records) == 5


def test_guide_form_inner_word_is_tolerated(pki: SimulatorPki, open_client: OpenClient) -> None:
    with _sim(pki, events=5, close_when_done=True, faults=Faults(inner_type=0x00010004)) as sim:
        client = open_client(sim)
        client.run(until=_closed)
    assert _identities(client.event_records) == _stored_identities(sim)


def test_bundle_ends_follow_their_records(pki: SimulatorPki, open_client: OpenClient) -> None:
    with _sim(pki, events=30, records_per_bundle=10, close_when_done=True) as sim:
        client = open_client(sim)
        client.run(until=_closed)
    count = 0
    for event in client.events:
        if isinstance(event, Record):
            count += 1
        elif isinstance(event, BundleEnd):
            assert event.record_count == count
            count = 0
    assert count == 0
