"""Several FMCs in one process: each with its own session, bookmark and counters."""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from pathlib import Path

import pytest

from cef_connector.bookmark import BookmarkStore
from cef_connector.config import LoggingSettings, load_settings
from cef_connector.errors import BookmarkError
from cef_connector.logs import configure_logging
from cef_connector.service import Service, output_stats
from cef_connector.simulator import SimulatorServer, write_connector_config

pytestmark = pytest.mark.integration


def _two_server_config(sim_dir: Path, port_a: int, port_b: int) -> Path:
    config = sim_dir / "estreamer.conf"
    write_connector_config(config, "127.0.0.1", port_a)
    data = json.loads(config.read_text(encoding="utf-8"))
    second = dict(data["servers"][0], port=port_b)
    data["servers"].append(second)
    data["monitor"] = {"period": 60, "statusFile": False}
    config.write_text(json.dumps(data), encoding="utf-8")
    return config


def test_every_server_is_served_with_its_own_bookmark_and_counters(sim_dir: Path) -> None:
    with SimulatorServer(sim_dir, events=200, seed=1) as sim_a, \
            SimulatorServer(sim_dir, events=120, seed=2) as sim_b:
        settings = load_settings(_two_server_config(sim_dir, sim_a.port, sim_b.port))
        expected = {sim_a.port: Counter(r.record_type for r in sim_a.stored_events),
                    sim_b.port: Counter(r.record_type for r in sim_b.stored_events)}
        newest = {sim_a.port: sim_a.stored_events[-1].archive_timestamp,
                  sim_b.port: sim_b.stored_events[-1].archive_timestamp}
        stream = io.StringIO()
        configure_logging(LoggingSettings(format="%(threadName)s|%(message)s", stdout=True),
                          stdout=stream)
        try:
            service = Service(settings, max_events=200)
            service.runners[1].max_events = 120
            result = service.run()
        finally:
            configure_logging(LoggingSettings(stdout=False))
    assert [s.server for s in result.snapshots] == [f"127.0.0.1:{sim_a.port}",
                                                    f"127.0.0.1:{sim_b.port}"]
    for snap, port in zip(result.snapshots, (sim_a.port, sim_b.port)):
        assert snap.events_written_by_type == dict(expected[port])
        assert snap.bookmark == newest[port]
        assert BookmarkStore(sim_dir, "127.0.0.1", port).load() == newest[port]
    lines = [line for f in sorted((sim_dir / "cef").glob("*.cef"))
             for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 320
    log_lines = stream.getvalue().splitlines()
    for port in (sim_a.port, sim_b.port):
        assert any(line.startswith(f"fmc-127.0.0.1:{port}|[127.0.0.1:{port}] connecting to "
                                   f"127.0.0.1:{port}") for line in log_lines), log_lines[:20]


def test_a_failing_server_stops_the_others_and_its_error_is_raised(sim_dir: Path) -> None:
    with SimulatorServer(sim_dir, events=50, seed=1) as sim_a, \
            SimulatorServer(sim_dir, events=50, seed=2) as sim_b:
        settings = load_settings(_two_server_config(sim_dir, sim_a.port, sim_b.port))
        BookmarkStore(sim_dir, "127.0.0.1", sim_b.port).path.write_text("{not json",
                                                                         encoding="utf-8")
        service = Service(settings)  # no max_events: the first server would run on
        with pytest.raises(BookmarkError):
            service.run()
    assert service.stop.is_set()
    assert service.runners[0].counters.events_written <= 50


def test_runner_monitor_is_silenced_so_each_line_is_written_once(sim_dir: Path) -> None:
    settings = load_settings(sim_dir / "estreamer.conf")
    service = Service(settings)
    assert service.runners[0].monitor.period_seconds == 0
    assert service.monitors[0].period_seconds == settings.monitor.period_seconds


def test_output_stats_report_lines_files_and_telemetry() -> None:
    class Syslogish:
        name = "tcp://siem:514"
        lines_written = 7
        paths: list[str] = []

        def telemetry(self) -> dict[str, object]:
            return {"spool_messages": 3, "state": "connected", "flag": True}

    class Fileish:
        name = "relfile:///cef/x.{0}.cef"
        lines_written = 12
        paths = ["a.cef", "b.cef"]

    assert output_stats([Syslogish(), Fileish()]) == {
        "tcp://siem:514": {"lines_written_total": 7, "spool_messages": 3},
        "relfile:///cef/x.{0}.cef": {"lines_written_total": 12, "files_created_total": 2},
    }


def test_sighup_reopens_the_log_file_after_logrotate_moved_it(tmp_path: Path,
                                                             sim_dir: Path) -> None:
    log_file = tmp_path / "estreamer.log"
    configure_logging(LoggingSettings(filepath=log_file, format="%(message)s", stdout=False))
    try:
        service = Service(load_settings(sim_dir / "estreamer.conf"))
        logging.getLogger("cef_connector.test").warning("before")
        log_file.rename(tmp_path / "estreamer.log.1")
        service._reopen()  # what the monitor loop does after request_reopen() (SIGHUP)
        logging.getLogger("cef_connector.test").warning("after")
    finally:
        configure_logging(LoggingSettings(stdout=False))
    assert (tmp_path / "estreamer.log.1").read_text(encoding="utf-8").endswith("before\n")
    assert log_file.read_text(encoding="utf-8").splitlines() == [
        "SIGHUP: reopened 1 log file and asked 1 FMC runner to start new output files",
        "after"]
