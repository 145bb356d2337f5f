"""Mapping edits reach a running service: SIGHUP and ``run --watch`` reload; a broken edit keeps the old mappings."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cef_connector.authoring.watch import MappingWatcher
from cef_connector.config import load_settings
from cef_connector.service import Service
from cef_connector.simulator import SimulatorServer, write_connector_config

pytestmark = pytest.mark.integration

START_TIME = 1_700_000_000
BROKEN = 'extensions:\n  msg: "{{ deviceId "\n'


def _wait(condition: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _edit(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    # Coarse file-system clocks: make sure the watcher sees a new modification time.
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def _mapping(message: str) -> str:
    return f'extensions:\n  msg: "{message}"\n'


@pytest.fixture()
def overrides(sim_dir: Path) -> Path:
    directory = sim_dir / "overrides"
    directory.mkdir()
    _edit(directory / "connection_statistics.yaml", _mapping("edit one"))
    return directory


@pytest.fixture()
def simulator(sim_dir: Path, overrides: Path) -> Iterator[SimulatorServer]:
    with SimulatorServer(sim_dir, events=40, seed=11, start_time=START_TIME, records_per_bundle=10) as sim:
        config = sim_dir / "estreamer.conf"
        write_connector_config(config, "127.0.0.1", sim.port)
        data = json.loads(config.read_text(encoding="utf-8"))
        data["handler"]["mappingsDirectory"] = "overrides"
        config.write_text(json.dumps(data), encoding="utf-8")
        yield sim


def _files(sim_dir: Path) -> list[list[str]]:
    return [path.read_text(encoding="utf-8").splitlines() for path in sorted((sim_dir / "cef").glob("*.cef"))]


def _messages(lines: list[str]) -> set[str]:
    """The msg= values of the connection lines (the key the override sets)."""
    return {line.rsplit(" msg=", 1)[1] for line in lines if "|RNA:1003:1|" in line}


class _Running:
    """A Service serving the simulator in a thread, with its signal handlers installed."""

    def __init__(self, sim_dir: Path, **options: object) -> None:
        self.service = Service(load_settings(sim_dir / "estreamer.conf"), **options)  # type: ignore[arg-type]
        self.runner = self.service.runners[0]
        self.thread = threading.Thread(target=self.service.run, daemon=True)

    def __enter__(self) -> _Running:
        self.saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        self.service.install_signal_handlers()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.service.stop.set()
        self.thread.join(30)
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)

    def written(self) -> int:
        return int(self.runner.counters.events_written)


def _acked(simulator: SimulatorServer, events: int) -> Callable[[], bool]:
    return lambda: simulator.counters.events_acked >= events


def test_sighup_switches_to_the_edited_mapping_and_a_broken_edit_keeps_it(
        sim_dir: Path, overrides: Path, simulator: SimulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    mapping = overrides / "connection_statistics.yaml"
    with _Running(sim_dir) as running:
        _wait(_acked(simulator, 40))
        written = [running.written()]
        _edit(mapping, _mapping("edit two"))
        os.kill(os.getpid(), signal.SIGHUP)
        _wait(lambda: f"reloaded mapping set 'default' with overrides from {overrides}" in caplog.text)
        simulator.add_events(30)
        _wait(_acked(simulator, 70))
        written.append(running.written())
        _edit(mapping, BROKEN)
        os.kill(os.getpid(), signal.SIGHUP)
        _wait(lambda: "the mappings were not reloaded" in caplog.text)
        simulator.add_events(30)
        _wait(_acked(simulator, 100))
        written.append(running.written())
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "the mappings were not reloaded; the ones in use stay: mapping set 'default' is invalid "
        "(1 problem):\n"
        f"  - {mapping}:2: msg: Jinja syntax error: unexpected end of template, expected 'end of "
        "print statement'."
    ]
    # SIGHUP also starts new output files: one file per mapping generation.
    first, second, third = _files(sim_dir)
    assert [len(first), len(second), len(third)] == [written[0], written[1] - written[0],
                                                     written[2] - written[1]]
    assert _messages(first) == {"edit one"}
    assert _messages(second) == {"edit two"}
    assert _messages(third) == {"edit two"}


def test_watch_reloads_on_a_file_change_without_new_output_files(
        sim_dir: Path, overrides: Path, simulator: SimulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = load_settings(sim_dir / "estreamer.conf")
    mapping = overrides / "connection_statistics.yaml"
    with _Running(sim_dir, watcher=MappingWatcher.for_settings(settings)) as running:
        _wait(_acked(simulator, 40))
        before = running.written()
        _edit(mapping, _mapping("watched"))
        _wait(lambda: "reloaded mapping set" in caplog.text)
        simulator.add_events(30)
        _wait(_acked(simulator, 70))
        _edit(mapping, BROKEN)
        _wait(lambda: "the mappings were not reloaded" in caplog.text)
        simulator.add_events(30)
        _wait(_acked(simulator, 100))
        total = running.written()
    (lines,) = _files(sim_dir)
    assert len(lines) == total
    assert _messages(lines[:before]) == {"edit one"}
    assert _messages(lines[before:]) == {"watched"}
    assert f"mapping files changed: {mapping}" in caplog.text
