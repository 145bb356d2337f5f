"""The service loop: reconnects, cause counting, the start point, SIGHUP and SIGTERM.

Against the simulated FMC over real mutual TLS on 127.0.0.1; the signal tests run
``cef-connector run`` as a subprocess, as systemd would.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from cef_connector import app as app_module
from cef_connector.app import ServerRunner
from cef_connector.config import load_settings
from cef_connector.errors import BookmarkError, MappingError
from cef_connector.simulator import SimulatorServer, event_identity, write_connector_config

pytestmark = pytest.mark.integration

START_TIME = 1_700_000_000
FAST = {"connectTimeout": 2, "responseTimeout": 0.25, "deadConnectionTimeout": 5,
        "reconnect": {"initialDelay": 0.05, "maxDelay": 0.1},
        "logging": {"filepath": "estreamer.log", "level": "INFO", "stdOut": False}}


def _config(sim_dir: Path, port: int, **keys: Any) -> Path:
    path = sim_dir / "estreamer.conf"
    write_connector_config(path, "127.0.0.1", port)
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(FAST)
    data.update(keys)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop_after(runner: ServerRunner, seconds: float) -> None:
    threading.Timer(seconds, runner.stop.set).start()


def test_corrupt_bookmark_stops_the_runner_before_it_connects(sim_dir: Path) -> None:
    with SimulatorServer(sim_dir, events=10) as sim:
        settings = load_settings(_config(sim_dir, sim.port))
        bookmark = settings.state_dir / f"127.0.0.1-{sim.port}_bookmark.dat"
        bookmark.write_text("{torn", encoding="utf-8")
        runner = ServerRunner(settings)

        with pytest.raises(BookmarkError, match=f"bookmark file {bookmark} is not valid JSON; "
                                                "fix it .* or delete it"):
            runner.run()
        assert sim.counters.connections_accepted == 0


def test_unreachable_fmc_is_retried_and_each_cause_is_logged_once_with_its_count(
    sim_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cef_connector.app")
    port = _free_port()
    runner = ServerRunner(load_settings(_config(sim_dir, port)), max_events=50)
    servers: list[SimulatorServer] = []

    def fmc_comes_up() -> None:
        while runner.counters.errors_total["connect_refused"] < 12:
            time.sleep(0.01)
        servers.append(SimulatorServer(sim_dir, events=50, listen_port=port,
                                       start_time=START_TIME).__enter__())

    threading.Thread(target=fmc_comes_up, daemon=True).start()
    _stop_after(runner, 20)
    try:
        result = runner.run()
    finally:
        for server in servers:
            server.stop()

    refused = result.counters.errors_total["connect_refused"]
    assert refused >= 12 and result.counters.events_written == 50
    warnings = [r.message for r in caplog.records
                if r.levelno == logging.WARNING and r.name == "cef_connector.app"]
    assert len([w for w in warnings if "refused the TCP connection" in w]) == 2  # 1st, 10th
    assert "(cause connect_refused; repeats are counted)" in warnings[0]
    assert warnings[1].startswith("still failing: connect_refused 10 times in a row")
    assert warnings[-1].startswith(f"streaming again after {refused} failed sessions in ")
    assert warnings[-1].endswith(f"s (connect_refused ×{refused})")


def test_start_now_reconnecting_before_any_record_asks_from_the_first_request(
    sim_dir: Path,
) -> None:
    settings = load_settings(_config(sim_dir, 8302, start=1))
    runner = ServerRunner(settings, wall_clock=lambda: 1_700_000_123.7)

    assert runner._request_timestamp() == 0xFFFFFFFF  # first request: "now"
    assert runner._request_timestamp() == 1_700_000_123  # no record yet: since then
    runner.handler.bookmark = 1_700_000_200
    assert runner._request_timestamp() == 1_700_000_200  # the bookmark once there is one


def test_reopen_request_starts_new_files_and_keeps_mappings_that_do_not_compile(
    sim_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="cef_connector.app")
    real = app_module.load_mappings

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MappingError("mappings/default/intrusion_event.yaml:3: unexpected '}'")

    with SimulatorServer(sim_dir, events=400, start_time=START_TIME, records_per_bundle=20,
                         rate=800) as sim:
        runner = ServerRunner(load_settings(_config(sim_dir, sim.port)), max_events=400)
        in_use = runner.mappings

        def operator() -> None:
            while runner.counters.events_written < 100:
                time.sleep(0.01)
            monkeypatch.setattr(app_module, "load_mappings", broken)
            runner.request_reopen()  # what SIGHUP does
            while runner.counters.events_written < 250:
                time.sleep(0.01)
            assert runner.mappings is in_use
            monkeypatch.setattr(app_module, "load_mappings", real)
            runner.request_reopen()

        helper = threading.Thread(target=operator, daemon=True)
        helper.start()
        _stop_after(runner, 20)
        result = runner.run()
        helper.join(1)

    assert result.counters.events_written == 400
    assert len(result.output_paths) == 3  # one new file per reopen
    assert runner.mappings is not in_use
    messages = [r.message for r in caplog.records]
    assert ("the mappings were not reloaded; the ones in use stay: "
            "mappings/default/intrusion_event.yaml:3: unexpected '}'") in messages
    assert "reopened the output files and reloaded mapping set 'default'" in messages


def _identity(parsed: Any) -> tuple[Any, ...]:
    """The simulator's event identity, read back from a parsed CEF line."""
    ext = parsed.extension_dict()
    device = int(ext["deviceExternalId"])
    if parsed.signature_id == "RNA:1003:1":
        return ("connection", device, int(ext["start"]) // 1000, int(ext["dvcpid"]),
                int(ext["externalId"]))
    kind = "packet" if parsed.signature_id == "PKT:2:1" else "intrusion"
    return (kind, device, int(ext["externalId"]), int(ext["rt"]) // 1000)


def test_sighup_then_sigterm_on_the_running_service(
    sim_dir: Path, parse_cef: Callable[[str], Any]
) -> None:
    with SimulatorServer(sim_dir, events=3000, start_time=START_TIME, records_per_bundle=20,
                         rate=500) as sim:
        config = _config(sim_dir, sim.port)
        process = subprocess.Popen([sys.executable, "-m", "cef_connector", "run", "-c",
                                    str(config)], cwd=sim_dir, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        try:
            cef = sim_dir / "cef"
            deadline = time.monotonic() + 15
            while sim.counters.bundles_acked < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            process.send_signal(signal.SIGHUP)
            while len(list(cef.glob("*.cef"))) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(list(cef.glob("*.cef"))) == 2, "SIGHUP did not start a new file"
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=10)
            stopped_in = time.monotonic() - signalled
        finally:
            if process.poll() is None:
                process.kill()
        stored = {event_identity(r.record_type, r.fields): r.archive_timestamp
                  for r in sim.stored_events}
        bookmark_file = sim_dir / f"127.0.0.1-{sim.port}_bookmark.dat"
        bookmark = json.loads(bookmark_file.read_text(encoding="utf-8"))["1"]

    assert code == 0, process.stderr.read() if process.stderr else ""
    assert stopped_in < 3
    lines = []
    for path in sorted(cef.glob("*.cef")):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n")
        lines.extend(text.splitlines())
    written = [stored[_identity(parse_cef(line))] for line in lines]
    assert 0 < len(lines) < 3000
    assert bookmark == max(written)  # everything written is bookmarked, nothing more
    log = (sim_dir / "estreamer.log").read_text(encoding="utf-8")
    assert "reloaded mapping set 'default'" in log
    assert "received SIGTERM" in log


def test_configured_limits_make_an_oversized_bundle_a_protocol_error_and_a_reconnect(
    sim_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cef_connector.app")
    with SimulatorServer(sim_dir, events=100, start_time=START_TIME,
                         records_per_bundle=20) as sim:
        runner = ServerRunner(load_settings(_config(
            sim_dir, sim.port, limits={"maxBundleRecords": 5})))

        def two_reconnects() -> None:
            deadline = time.monotonic() + 10
            while runner.counters.reconnects_total < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            runner.stop.set()

        threading.Thread(target=two_reconnects, daemon=True).start()
        result = runner.run()

    assert runner.limits.max_bundle_records == 5
    assert result.counters.errors_total["protocol_error"] >= 2
    assert result.counters.events_written == 0
    first = caplog.records[0].message
    assert first.startswith("RemoteProtocolError: bundle holds more than 5 records "
                            "(Limits.max_bundle_records) (stream offset ")


def test_failed_tls_handshakes_are_retried_until_stopped(
    sim_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cef_connector.app")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    closing = threading.Event()

    def not_an_fmc() -> None:  # accepts TCP, answers the ClientHello with plain text
        while not closing.is_set():
            try:
                peer, _address = listener.accept()
            except OSError:
                continue
            with peer:
                peer.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    threading.Thread(target=not_an_fmc, daemon=True).start()
    runner = ServerRunner(load_settings(_config(sim_dir, port)))

    def enough() -> None:
        while runner.counters.errors_total["tls_handshake"] < 3:
            time.sleep(0.01)
        runner.stop.set()

    threading.Thread(target=enough, daemon=True).start()
    _stop_after(runner, 20)
    try:
        result = runner.run()  # returns only because it was stopped
    finally:
        closing.set()
        listener.close()

    assert result.counters.errors_total["tls_handshake"] >= 3
    assert result.counters.events_written == 0
    handshake = [r.message for r in caplog.records if "tls_handshake" in r.message]
    assert len(handshake) == 1  # logged once; the repeats are counted
    assert "the peer does not speak TLS" in handshake[0]
