"""Fault injection: whatever goes wrong, every event the simulated FMC sent is written, once.

Each scenario runs the connector against the simulator over real mutual TLS on
127.0.0.1 with one fault switched on (for the first session or two), then compares the
simulator's events with the lines in the CEF files (``harness.outcome``) and prints one
row: events sent, lines written, events missing, lines duplicated.  The file output must
show zero missing and zero duplicated in every scenario.  Timeouts and backoff are short
(``harness.FAST``), so each scenario takes a few seconds.
"""

from __future__ import annotations

import errno
import logging
import os
import random
import threading
import time
from pathlib import Path

import pytest

from cef_connector.app import ServerRunner
from cef_connector.outputs import file as file_module
from cef_connector.simulator import Faults, SimulatorServer

from .harness import (
    START_TIME,
    KillRestartRun,
    count_identities,
    outcome,
    run_in_process,
    write_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EVENTS = 300
BUNDLE = 20


def _simulator(sim_dir: Path, faults: Faults, **options: object) -> SimulatorServer:
    settings: dict[str, object] = dict(events=EVENTS, seed=11, start_time=START_TIME,
                                       records_per_bundle=BUNDLE, keepalive_interval=0.3,
                                       faults=faults)
    settings.update(options)
    return SimulatorServer(sim_dir, **settings)  # type: ignore[arg-type]


def _scenario(name: str, sim_dir: Path, faults: Faults, *, timeout: float = 15.0,
              **config: object) -> tuple[ServerRunner, SimulatorServer]:
    started = time.monotonic()
    with _simulator(sim_dir, faults) as sim:
        path = write_config(sim_dir, sim.port, **config)
        runner = run_in_process(path, until_written=EVENTS, timeout=timeout)
        result = outcome(name, sim.stored_events, sim_dir / "cef",
                         runner.counters.reconnects_total, time.monotonic() - started)
    assert result.missing == 0, result
    assert result.duplicated == 0, result
    assert result.unexpected == 0, result
    assert result.written == EVENTS
    return runner, sim


def test_baseline_without_faults(sim_dir: Path) -> None:
    runner, _sim = _scenario("baseline", sim_dir, Faults())
    assert runner.counters.reconnects_total == 0


def test_connection_reset_in_the_middle_of_a_bundle(sim_dir: Path) -> None:
    runner, sim = _scenario("reset-mid-bundle", sim_dir,
                            Faults(reset_mid_message_after=3, sessions=2))
    assert sim.counters.faults_injected == 2
    assert runner.counters.reconnects_total >= 2


def test_connection_closed_in_the_middle_of_a_bundle(sim_dir: Path) -> None:
    runner, _sim = _scenario("close-mid-bundle", sim_dir,
                             Faults(close_mid_message_after=4, sessions=2))
    assert runner.counters.errors_total["protocol_error"] == 2


def test_stalled_server_is_detected_by_the_dead_connection_timeout(sim_dir: Path) -> None:
    runner, sim = _scenario("stall", sim_dir, Faults(stall_after=3, sessions=1),
                            deadConnectionTimeout=1.0)
    assert sim.counters.faults_injected == 1
    assert runner.counters.errors_total["response_timeout"] == 1


def test_error_message_in_the_middle_of_the_stream(sim_dir: Path) -> None:
    runner, sim = _scenario("error-mid-stream", sim_dir, Faults(error_after=2, sessions=2))
    assert sim.counters.errors_sent == 2
    assert runner.counters.errors_total["server_error"] == 2


def test_truncated_record(sim_dir: Path) -> None:
    runner, sim = _scenario("truncated-record", sim_dir,
                            Faults(truncate_record_after=3, sessions=1))
    assert sim.counters.faults_injected == 1
    assert runner.counters.errors_total["protocol_error"] == 1


def test_malformed_header_version(sim_dir: Path) -> None:
    runner, _sim = _scenario("header-version", sim_dir, Faults(header_version=2, sessions=1))
    assert runner.counters.errors_total["protocol_error"] == 1


def test_server_restart(sim_dir: Path) -> None:
    runner, sim = _scenario("server-restart", sim_dir,
                            Faults(restart_after=4, restart_downtime=1.0, sessions=1))
    assert sim.counters.restarts == 1
    assert runner.counters.errors_total["connect_refused"] >= 1


def test_disk_full_stops_reading_and_resumes_without_loss_or_partial_line(
    sim_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    full = threading.Event()
    room = [0]  # bytes left when the disk fills: the first write is cut short
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        if full.is_set() and os.readlink(f"/proc/self/fd/{fd}").endswith(".cef"):
            if room[0] == 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            written = real_write(fd, bytes(data[: room[0]]))
            room[0] -= written
            return written
        return real_write(fd, data)

    monkeypatch.setattr(file_module.os, "write", write)
    acked: list[int] = []
    sim_holder: list[SimulatorServer] = []

    def fill_the_disk(runner: ServerRunner) -> None:
        while runner.counters.events_written < 100 and not runner.stop.is_set():
            time.sleep(0.01)
        room[0] = 37  # not a whole line
        full.set()
        time.sleep(0.3)
        acked.append(sim_holder[0].counters.bundles_acked)
        time.sleep(1.2)
        acked.append(sim_holder[0].counters.bundles_acked)
        full.clear()  # space returns

    started = time.monotonic()
    with _simulator(sim_dir, Faults()) as sim:
        sim_holder.append(sim)
        path = write_config(sim_dir, sim.port, deadConnectionTimeout=30)
        runner = run_in_process(path, until_written=EVENTS, timeout=15,
                                while_running=fill_the_disk)
        result = outcome("disk-full", sim.stored_events, sim_dir / "cef",
                         runner.counters.reconnects_total, time.monotonic() - started)
    assert (result.missing, result.duplicated, result.unexpected) == (0, 0, 0), result
    assert acked[0] == acked[1], "bundles were acknowledged while the disk was full"
    assert runner.counters.errors_total["output_error"] >= 2
    stopped = [r.message for r in caplog.records if "stopped reading from the FMC" in r.message]
    assert len(stopped) == 1  # reported once, not once per retry
    assert "No space left on device" in stopped[0]
    assert any("the outputs accept lines again" in r.message for r in caplog.records)


def test_connector_killed_with_sigkill_at_random_moments(sim_dir: Path) -> None:
    events = 1200
    started = time.monotonic()
    with SimulatorServer(sim_dir, events=events, seed=12, start_time=START_TIME,
                         records_per_bundle=BUNDLE, keepalive_interval=0.3, rate=400) as sim:
        path = write_config(sim_dir, sim.port)
        sessions = [0]

        def streaming() -> bool:
            # a new session has been served a bundle or more since the last kill
            counters = sim.counters
            if counters.sessions_started > sessions[0] and counters.bundles_acked > 0:
                sessions[0] = counters.sessions_started
                return True
            return False

        run = KillRestartRun(path, sim_dir, random.Random(2024), kill_after=(0.05, 0.8),
                             streaming=streaming)
        run.kill_cycles(3)
        code, stop_seconds = run.final_run(
            lambda: len(count_identities(sim_dir / "cef", complete=False)) >= events,
            timeout=15)
        result = outcome("sigkill-restart x3", sim.stored_events, sim_dir / "cef",
                         sim.counters.sessions_started - 1, time.monotonic() - started)
    assert code == 0
    assert stop_seconds < 5
    assert (result.missing, result.duplicated, result.unexpected) == (0, 0, 0), result
