"""The connector against the simulated FMC over real mutual TLS on 127.0.0.1.

These tests go through the front door: ``ServerRunner`` built from the
``estreamer.conf`` that ``simulate --init`` writes, the simulator streaming seeded
metadata and events in acknowledged bundles, and the CEF files on disk parsed back
with the strict parser.
"""

from __future__ import annotations

import collections
import logging
import random
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from cef_connector.app import ServerRunner
from cef_connector.config import load_settings
from cef_connector.session.backoff import Backoff
from cef_connector.simulator import Faults, SimulatorServer, write_connector_config

pytestmark = pytest.mark.integration

START_TIME = 1_700_000_000


def _settings(sim_dir: Path, port: int) -> Any:
    write_connector_config(sim_dir / "estreamer.conf", "127.0.0.1", port)
    return load_settings(sim_dir / "estreamer.conf")


def _lines(sim_dir: Path) -> list[str]:
    lines: list[str] = []
    for path in sorted((sim_dir / "cef").glob("*.cef")):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n"), f"{path} ends with a partial line"
        lines.extend(text.splitlines())
    return lines


def _identity(parsed: Any) -> tuple[Any, ...]:
    """The simulator's event identity, read back from a CEF line."""
    ext = parsed.extension_dict()
    if parsed.signature_id == "RNA:1003:1":
        return ("connection", ext["deviceExternalId"], ext["start"], ext["dvcpid"],
                ext["externalId"])
    if parsed.signature_id.startswith("INTRUSION:400:"):
        return ("intrusion", ext["deviceExternalId"], ext["externalId"], ext["rt"][:-3])
    assert parsed.signature_id == "PKT:2:1", parsed.signature_id
    return ("packet", ext["deviceExternalId"], ext["externalId"], ext["rt"][:-3])


def _runner(settings: Any, **kwargs: Any) -> ServerRunner:
    runner = ServerRunner(settings, 0, rng=random.Random(1), **kwargs)
    runner.backoff = Backoff(base_seconds=0.05, cap_seconds=0.2, rng=random.Random(1))
    return runner


def _stop_when(runner: ServerRunner, condition: Callable[[ServerRunner], bool],
               timeout: float = 20.0) -> threading.Thread:
    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not condition(runner):
            time.sleep(0.02)
        runner.stop.set()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_every_simulated_event_becomes_exactly_one_valid_cef_line(
        sim_dir: Path, parse_cef: Callable[[str], Any]) -> None:
    with SimulatorServer(sim_dir, events=900, seed=5, start_time=START_TIME,
                         records_per_bundle=50) as sim:
        runner = _runner(_settings(sim_dir, sim.port), max_events=900)
        result = runner.run()
        sent = collections.Counter(r.record_type for r in sim.stored_events)
        acked = sim.counters.bundles_acked

    lines = _lines(sim_dir)
    assert len(lines) == 900
    parsed = [parse_cef(line) for line in lines]
    assert all(line.startswith("CEF:0|Cisco|Firepower|") for line in lines)
    by_class = collections.Counter(p.signature_id.split(":")[0] for p in parsed)
    assert by_class == {"RNA": sent[71], "INTRUSION": sent[400], "PKT": sent[2]}
    assert len({_identity(p) for p in parsed}) == 900  # no duplicates, no loss
    assert result.counters.events_written_total == {71: sent[71], 400: sent[400], 2: sent[2]}
    assert result.counters.metadata_learned_total > 0
    # names came from the metadata the simulator streamed first
    assert all("dvchost=" in line for line in lines)
    assert acked == result.counters.bundles_acknowledged_total
    # the bookmark is the newest archive second written
    newest = max(r.archive_timestamp for r in sim.stored_events)
    assert result.counters.bookmark == newest
    assert runner.bookmarks.load() == newest


def test_restart_from_the_bookmark_leaves_no_gap_and_no_duplicate(
        sim_dir: Path, parse_cef: Callable[[str], Any]) -> None:
    with SimulatorServer(sim_dir, events=600, seed=9, start_time=START_TIME,
                         records_per_bundle=40) as sim:
        settings = _settings(sim_dir, sim.port)
        first = _runner(settings, max_events=200).run()
        assert first.counters.events_written >= 200
        bookmark = first.counters.bookmark
        assert bookmark is not None
        # resuming from second T resends that whole second (protocol doc §3.2) ...
        resent = sum(1 for r in sim.stored_events if r.archive_timestamp >= bookmark)
        already = first.counters.events_written - (600 - resent)
        assert 0 < already < resent < 600
        second = _runner(settings)
        _stop_when(second, lambda r: r.counters.events_written >= 600 - first.counters.events_written)
        second.run()
        # ... and the lines of second T written before the restart are recognised
        assert second.counters.events_written == 600 - first.counters.events_written
        assert second.counters.events_dropped_total["duplicate"] == already
    lines = _lines(sim_dir)
    identities = {_identity(parse_cef(line)) for line in lines}
    assert len(lines) == 600
    assert len(identities) == 600  # every event exactly once across the restart


def test_server_error_message_is_reported_and_the_client_reconnects(
        sim_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with SimulatorServer(sim_dir, events=10, seed=1,
                         faults=Faults(error=(19, "No space"))) as sim:
        runner = _runner(_settings(sim_dir, sim.port))
        _stop_when(runner, lambda r: r.counters.reconnects_total >= 2)
        result = runner.run()
    assert result.counters.errors_total["server_error"] >= 2
    assert "the FMC sent error 19: 'No space'" in caplog.text


@pytest.mark.parametrize("faults, offset_text", [
    (Faults(huge_length=True), "stream offset"),
    (Faults(header_version=2), "stream offset"),
    (Faults(close_mid_message_after=1), "stream offset"),
])
def test_malformed_stream_is_a_protocol_error_with_offset_then_a_reconnect(
        sim_dir: Path, caplog: pytest.LogCaptureFixture, faults: Faults,
        offset_text: str) -> None:
    caplog.set_level(logging.WARNING)
    with SimulatorServer(sim_dir, events=300, seed=2, faults=faults,
                         records_per_bundle=20) as sim:
        runner = _runner(_settings(sim_dir, sim.port))
        _stop_when(runner, lambda r: r.counters.reconnects_total >= 2)
        result = runner.run()
        connections = sim.counters.connections_accepted
    assert result.counters.reconnects_total >= 2
    assert connections >= 2
    assert "RemoteProtocolError" in caplog.text
    assert offset_text in caplog.text


def test_unknown_record_and_message_types_are_skipped_and_counted(sim_dir: Path) -> None:
    with SimulatorServer(sim_dir, events=120, seed=3,
                         faults=Faults(unknown_record_type=9999,
                                       unknown_message_type=77)) as sim:
        result = _runner(_settings(sim_dir, sim.port), max_events=120).run()
    assert result.counters.events_written == 120
    assert result.counters.events_dropped_total["unknown_record"] == 1


def test_truncated_block_is_reported_and_the_stream_goes_on(sim_dir: Path) -> None:
    with SimulatorServer(sim_dir, events=120, seed=3,
                         faults=Faults(truncated_block=True)) as sim:
        result = _runner(_settings(sim_dir, sim.port), max_events=120).run()
    assert result.counters.events_written == 120
    assert result.counters.events_dropped_total["decode_failed"] == 1


def test_trace_level_logs_every_message_sent_and_received_as_hex(
        sim_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    from cef_connector.logs import TRACE

    caplog.set_level(TRACE, logger="cef_connector.app")
    with SimulatorServer(sim_dir, events=20, seed=4, start_time=START_TIME) as sim:
        settings = _settings(sim_dir, sim.port)
        _runner(settings, max_events=20, since=0).run()
    where = f"127.0.0.1:{sim.port}"
    sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"sent to {where}")]
    # genesis request with eNcore's flags, as in the protocol doc's §8.2 vector
    assert sent[0] == (f"sent to {where}: 16 bytes at stream offset 0\n"
                       "00000000  00010002 00000008 00000000 48900061")
    assert any(m.endswith("00000000  00010000 00000000") for m in sent)  # a bundle ack
    received = [r.getMessage() for r in caplog.records
                if r.getMessage().startswith(f"received from {where}")]
    assert received[0].startswith(f"received from {where}: ")
    assert "\n00000000  00010803 00000030 00001389 00000008" in received[0]


def test_bundles_sent_before_an_acknowledgement_share_flushes_and_all_are_acknowledged(
        sim_dir: Path, parse_cef: Callable[[str], Any]) -> None:
    # An FMC that sends up to 8 bundles before it waits: the connector flushes and
    # bookmarks once for the bundles it has in hand, then acknowledges each of them.
    with SimulatorServer(sim_dir, events=600, seed=6, start_time=START_TIME,
                         records_per_bundle=10, window=8) as sim:
        runner = _runner(_settings(sim_dir, sim.port), max_events=600)
        saves: list[int] = []
        save_state = runner.bookmarks.save_state

        def counting(state: Any) -> None:
            saves.append(state.timestamp)
            save_state(state)

        runner.bookmarks.save_state = counting  # type: ignore[method-assign]
        result = runner.run()
        acked = sim.counters.bundles_acked

    lines = _lines(sim_dir)
    assert len(lines) == 600
    assert len({_identity(parse_cef(line)) for line in lines}) == 600
    assert acked == result.counters.bundles_acknowledged_total >= 60
    assert saves == sorted(saves) and saves[-1] == result.counters.bookmark


def _runner_without_socket(sim_dir: Path) -> tuple[Any, ServerRunner, Any]:
    """A runner with its outputs open, a started Connection and a sample record 71."""
    from cef_connector.estreamer import Connection
    from cef_connector.mapping.samples import samples_for

    runner = _runner(_settings(sim_dir, 8302))
    for output in runner.outputs:
        output.open()
    connection = Connection(0, 0x40000000)
    connection.initiate()
    return samples_for(71)[0], runner, connection


def test_bundles_at_hand_and_already_arriving_are_flushed_once_then_each_acknowledged(
        sim_dir: Path) -> None:
    from cef_connector.estreamer import NEED_DATA, encode_bundle, encode_record
    from cef_connector.estreamer.requests import build_null

    sample, runner, connection = _runner_without_socket(sim_dir)
    journal: list[str] = []
    save_state = runner.bookmarks.save_state

    def saving(state: Any) -> None:
        journal.append(f"bookmark {state.timestamp}")
        save_state(state)

    class Session:
        where = "test"
        arriving = [encode_bundle(7, 3, [encode_record(71, sample.fields, START_TIME + 3)])]

        def recv(self, timeout: float | None = None) -> bytes | None:
            journal.append(f"peek {timeout}")
            return self.arriving.pop(0) if self.arriving else None

        def send(self, data: bytes) -> None:
            journal.append(f"send {len(data) // 8} null" if data == build_null() * (len(data) // 8)
                           else f"send {data!r}")

    runner.bookmarks.save_state = saving  # type: ignore[method-assign]
    data = b"".join(
        encode_bundle(7, sequence, [encode_record(71, sample.fields, START_TIME + sequence)])
        for sequence in (1, 2))
    connection.receive_data(data)
    runner._drain(Session(), connection)  # noqa: SLF001 - the loop body, without a socket

    assert journal == ["peek 0.001", "peek 0.001", f"bookmark {START_TIME + 3}", "send 3 null"]
    assert connection.next_event() is NEED_DATA and connection.unacknowledged_bundles == 0
    assert runner.counters.bundles_acknowledged_total == 3
    assert sum(runner.counters.events_written_total.values()) == 3


def test_an_fmc_that_waits_for_each_acknowledgement_gets_it_without_a_look_for_more(
        sim_dir: Path) -> None:
    from cef_connector.estreamer import encode_bundle, encode_record

    sample, runner, connection = _runner_without_socket(sim_dir)
    journal: list[str] = []

    class Session:
        where = "test"

        def recv(self, timeout: float | None = None) -> bytes | None:
            journal.append("peek")
            return None

        def send(self, data: bytes) -> None:
            journal.append(f"send {len(data)} bytes")

    for sequence in (1, 2):  # one bundle per read: the FMC waited for the first ack
        connection.receive_data(
            encode_bundle(7, sequence, [encode_record(71, sample.fields, START_TIME + sequence)]))
        runner._drain(Session(), connection)  # noqa: SLF001 - the loop body, without a socket

    assert journal == ["send 8 bytes", "send 8 bytes"]
    assert runner.counters.bundles_acknowledged_total == 2
