"""The monitor's figures, its status line, the status file and the Prometheus endpoint."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from cef_connector.config import MonitorSettings, load_settings
from cef_connector.metrics import MetricsExporter, render_metrics
from cef_connector.monitoring import Counters, Monitor, Snapshot, format_duration, status_line
from cef_connector.service import Service
from cef_connector.simulator import SimulatorServer, write_connector_config
from cef_connector.status import read_status, status_command, write_status

EVERYTHING = MonitorSettings(period_seconds=10, bookmark=True, handled=True, subscribed=True,
                             velocity=True, details=True)
#: 2024-05-01T10:00:00Z
T0 = 1714557600


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _counters() -> Counters:
    counters = Counters()
    counters.events_written_total.update({71: 300, 400: 100})
    counters.records_received_total.update({71: 302, 400: 100, 123: 5})
    counters.events_dropped_total["filtered"] = 2
    counters.bookmark = T0 - 30
    return counters


def test_status_line_has_totals_period_rate_bookmark_lag_velocity_queue_outputs_errors() -> None:
    counters = _counters()
    mono, wall = FakeClock(100.0), FakeClock(T0 - 40.0)
    monitor = Monitor(counters, 10, mono, options=EVERYTHING, wall_clock=wall,
                      server="fmc:8302", receive_queue=lambda: 4096,
                      outputs=lambda: {"events": {"lines_written_total": 400}})
    mono.now, wall.now = 110.0, T0 - 30.0
    monitor.report()  # first period: 400 handled
    counters.events_written_total[71] += 200
    counters.records_received_total[71] += 200
    counters.bookmark = T0 - 10  # 20 archive seconds in 10 wall seconds
    counters.errors_total["closed"] = 1
    counters.reconnects_total = 1
    mono.now, wall.now = 120.0, T0 - 20.0
    snap = monitor.snapshot()
    assert (snap.events_written_total, snap.events_written_period) == (600, 200)
    assert (snap.rate_period, snap.rate_average) == (20.0, 30.0)
    assert (snap.bookmark_lag_seconds, snap.velocity) == (0.0, 2.0)
    assert status_line(snap, EVERYTHING) == (
        "Running. 600 handled; average rate 30.00 ev/sec; last 10 s: 200 handled, "
        "20.00 ev/sec; 607 received; bookmark 2024-05-01T09:59:50Z (lag 0 s); velocity "
        "2.00; recv-q 4096 B; output events: lines_written_total=400; not written: "
        "filtered=2; errors: closed=1; reconnects 1; by type: 71=500 400=100;")


def test_status_line_follows_encores_switches_and_labels_the_server() -> None:
    counters = _counters()
    mono = FakeClock(0.0)
    monitor = Monitor(counters, 10, mono, wall_clock=lambda: T0, label="fmc:8302")
    mono.now = 8.0
    assert monitor.status_line(8.0) == (
        "[fmc:8302] Running. 400 handled; average rate 50.00 ev/sec; last 8 s: 400 handled, "
        "50.00 ev/sec; 407 received; not written: filtered=2;")


def test_velocity_is_unknown_when_nothing_was_written_in_the_period() -> None:
    counters = _counters()
    mono, wall = FakeClock(0.0), FakeClock(T0)
    monitor = Monitor(counters, 10, mono, options=EVERYTHING, wall_clock=wall)
    mono.now, wall.now = 10.0, T0 + 10
    monitor.report()
    mono.now, wall.now = 20.0, T0 + 20
    snap = monitor.snapshot()
    assert snap.velocity is None
    assert snap.bookmark_lag_seconds == 50.0
    assert "bookmark 2024-05-01T09:59:30Z (lag 50 s); velocity -;" in status_line(
        snap, EVERYTHING)


def test_tick_reports_once_per_period(caplog: pytest.LogCaptureFixture) -> None:
    mono = FakeClock(0.0)
    monitor = Monitor(_counters(), 10, mono, wall_clock=lambda: T0)
    caplog.set_level(logging.INFO, logger="cef_connector.monitoring")
    mono.now = 9.9
    assert monitor.tick() is None
    mono.now = 10.0
    assert monitor.tick() is not None
    mono.now = 15.0
    assert monitor.tick() is None
    assert [r.getMessage().split(";")[0] for r in caplog.records] == ["Running. 400 handled"]


@pytest.mark.parametrize(("seconds", "text"), [(0, "0 s"), (59.6, "1 min 0 s"),
                                               (125, "2 min 5 s"), (3 * 3600 + 61, "3 h 1 min"),
                                               (2 * 86400 + 7200, "2 d 2 h")])
def test_durations_read_at_a_glance(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_snapshot_round_trips_through_json() -> None:
    monitor = Monitor(_counters(), 10, FakeClock(0.0), wall_clock=lambda: T0, server="f:1",
                      outputs=lambda: {"o": {"lines_written_total": 3}})
    snap = monitor.snapshot(5.0)
    assert Snapshot.from_json(json.loads(json.dumps(snap.to_json()))) == snap


def test_metrics_text_carries_every_counter_with_server_labels() -> None:
    monitor = Monitor(_counters(), 10, FakeClock(0.0), wall_clock=lambda: T0,
                      server="fmc:8302", receive_queue=lambda: 0,
                      outputs=lambda: {"events": {"lines_written_total": 400}})
    text = render_metrics([monitor.snapshot(10.0)])
    for line in [
        'cef_connector_events_written_total{record_type="71",server="fmc:8302"} 300.0',
        'cef_connector_events_written_total{record_type="400",server="fmc:8302"} 100.0',
        'cef_connector_records_received_total{record_type="123",server="fmc:8302"} 5.0',
        'cef_connector_events_dropped_total{reason="filtered",server="fmc:8302"} 2.0',
        'cef_connector_bookmark_timestamp_seconds{server="fmc:8302"} 1.71455757e+09',
        'cef_connector_bookmark_lag_seconds{server="fmc:8302"} 30.0',
        'cef_connector_receive_queue_bytes{server="fmc:8302"} 0.0',
        'cef_connector_output_lines_written_total{output="events",server="fmc:8302"} 400.0',
    ]:
        assert line in text.splitlines(), line
    assert "cef_connector_velocity_ratio{" not in text  # unknown: no sample, not 0


def test_status_file_is_read_back_and_stale_reports_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    snap = Monitor(_counters(), 10, FakeClock(0.0), wall_clock=lambda: T0,
                   server="fmc:8302").snapshot(60.0)
    write_status(path, [snap], state="running", pid=4242, started=T0 - 60, updated=T0,
                 period_seconds=10)
    assert read_status(path).servers == (snap,)
    out = io.StringIO()
    assert status_command(status_file=path, now=lambda: T0 + 5, stream=out) == 0
    assert out.getvalue().splitlines() == [
        "cef-connector status: running (pid 4242, up 1 min 0 s), last report "
        "2024-05-01T10:00:00Z (5 s ago)",
        "[fmc:8302] Running. 400 handled; average rate 6.67 ev/sec; last 1 min 0 s: 400 "
        "handled, 6.67 ev/sec; 407 received; bookmark 2024-05-01T09:59:30Z (lag 30 s); "
        "velocity -; not written: filtered=2; by type: 71=300 400=100;",
    ]
    out = io.StringIO()
    assert status_command(status_file=path, now=lambda: T0 + 31, stream=out) == 1
    assert out.getvalue().startswith(
        "cef-connector status: STALE: last report from pid 4242 at 2024-05-01T10:00:00Z "
        "(31 s ago), more than 3 periods ago")


def test_status_without_a_status_file_says_so_and_exits_1(tmp_path: Path) -> None:
    out = io.StringIO()
    assert status_command(status_file=tmp_path / "none.json", stream=out) == 1
    assert out.getvalue() == (
        f"cef-connector status: no status file at {tmp_path / 'none.json'}: the service "
        "has not run yet with this configuration, or monitor.statusFile points elsewhere "
        "(or is false)\n")


# -- against a simulated stream ----------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.integration
def test_monitor_line_status_file_and_metrics_match_a_simulated_stream(
        sim_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    events = 300
    metrics_port = _free_port()
    with SimulatorServer(sim_dir, events=events, seed=7) as sim:
        config = sim_dir / "estreamer.conf"
        write_connector_config(config, "127.0.0.1", sim.port)
        data = json.loads(config.read_text(encoding="utf-8"))
        data["monitor"] = {"period": 0.2, "bookmark": True, "details": True,
                           "prometheusPort": metrics_port, "statusFile": "run/status.json"}
        config.write_text(json.dumps(data), encoding="utf-8")
        expected = Counter(r.record_type for r in sim.stored_events)
        settings = load_settings(config)
        service = Service(settings)
        caplog.set_level(logging.INFO, logger="cef_connector.monitoring")
        worker = threading.Thread(target=service.run, daemon=True)
        worker.start()
        try:
            deadline = time.monotonic() + 20
            while service.runners[0].counters.events_written < events:
                assert time.monotonic() < deadline, "the stream did not arrive in 20 s"
                time.sleep(0.05)
            time.sleep(0.3)  # one more monitor period
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics",
                                        timeout=5) as response:
                metrics = response.read().decode("utf-8").splitlines()
            status = read_status(sim_dir / "run" / "status.json")
        finally:
            service.stop.set()
            worker.join(20)
    server = f"127.0.0.1:{sim.port}"
    for rtype, count in expected.items():
        assert (f'cef_connector_events_written_total{{record_type="{rtype}",'
                f'server="{server}"}} {float(count)}') in metrics
    assert status.state == "running"
    assert status.servers[0].events_written_by_type == dict(expected)
    by_type = " ".join(f"{k}={v}" for k, v in sorted(expected.items()))
    lines = [r.getMessage() for r in caplog.records
             if r.getMessage().startswith(f"Running. {events} handled;")]
    assert lines, "no monitor line with every event"
    assert lines[-1].endswith(f"by type: {by_type};")
    assert read_status(sim_dir / "run" / "status.json").state == "stopped"


def test_exporter_refuses_a_port_in_use_with_a_config_error() -> None:
    import socket

    from cef_connector.errors import ConfigError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = int(sock.getsockname()[1])
        with pytest.raises(ConfigError, match=rf"monitor.prometheusPort: cannot listen on "
                                              rf"127.0.0.1:{port}: "):
            MetricsExporter(port, lambda: []).start()


def test_cli_status_reads_the_file_and_refuses_a_disabled_one(
        tmp_path: Path, sim_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cef_connector.cli import main

    assert main(["status", "--file", str(tmp_path / "none.json")]) == 1
    assert capsys.readouterr().out.startswith("cef-connector status: no status file at ")
    config = sim_dir / "estreamer.conf"
    data = json.loads(config.read_text(encoding="utf-8"))
    data["monitor"]["statusFile"] = False
    config.write_text(json.dumps(data), encoding="utf-8")
    assert main(["status", "-c", str(config)]) == 78
    assert "monitor.statusFile is false" in capsys.readouterr().err
