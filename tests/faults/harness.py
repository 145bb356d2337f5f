"""What the fault-injection suite (and the soak benchmark) share: configuration, runs, tallies.

The simulator knows every event it holds (``stored_events``) and their identities
(``simulator.event_identity``: record 71 by deviceId, firstPacketTimestamp, instanceId and
connectionCounter; 400 and 2 by deviceId, eventId and eventSecond).  After a scenario the
CEF files are read back with the strict parser, each line is turned into the same identity
(from ``deviceExternalId``, ``start``, ``dvcpid``, ``externalId``, ``rt``), and the two
multisets are compared: events sent, lines written, events missing, lines duplicated.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from cef_connector.app import ServerRunner
from cef_connector.config import load_settings
from cef_connector.simulator import SimRecord, event_identity, write_connector_config

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent

#: Archive second of the first simulated event (fixed, so runs are reproducible).
START_TIME = 1_700_000_000

#: Short timeouts and backoff, so that every scenario ends within seconds.
FAST: dict[str, Any] = {
    "connectTimeout": 2,
    "responseTimeout": 0.25,
    "deadConnectionTimeout": 1.5,
    "reconnect": {"initialDelay": 0.05, "maxDelay": 0.25},
    "monitor": {"period": 600},
    "logging": {"filepath": "estreamer.log", "level": "INFO", "stdOut": False},
}


def _load_parser() -> ModuleType:
    name = "_fault_suite_cef_parser"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / "cef" / "cef_parser.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass(frozen=True)
class Outcome:
    """The figures of one scenario."""

    scenario: str
    sent: int
    written: int
    missing: int
    duplicated: int
    unexpected: int
    reconnects: int
    seconds: float

    def row(self) -> str:
        return (f"{self.scenario:<22} sent {self.sent:>6}  written {self.written:>6}  "
                f"missing {self.missing:>4}  duplicated {self.duplicated:>4}  "
                f"reconnects {self.reconnects:>3}  {self.seconds:5.1f} s")


#: Every outcome of this test session, for the terminal summary (conftest.py).
RESULTS: list[Outcome] = []


def write_config(sim_dir: Path, port: int, **overrides: Any) -> Path:
    """The simulator's ``estreamer.conf`` pointed at ``port``, with ``FAST`` and overrides."""
    config = sim_dir / "estreamer.conf"
    write_connector_config(config, "127.0.0.1", port)
    data = json.loads(config.read_text(encoding="utf-8"))
    data.update(FAST)
    data.update(overrides)
    config.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return config


def line_identity(line: str) -> tuple[Any, ...]:
    """The simulator's identity of the event a CEF line (default mapping set) carries."""
    parsed = _load_parser().parse_cef(line)
    ext = parsed.extension_dict()
    device = int(ext["deviceExternalId"])
    if parsed.signature_id == "RNA:1003:1":
        return ("connection", device, int(ext["start"]) // 1000, int(ext["dvcpid"]),
                int(ext["externalId"]))
    if parsed.signature_id.startswith("INTRUSION:400:"):
        return ("intrusion", device, int(ext["externalId"]), int(ext["rt"]) // 1000)
    if parsed.signature_id == "PKT:2:1":
        return ("packet", device, int(ext["externalId"]), int(ext["rt"]) // 1000)
    raise AssertionError(f"unexpected line: {line[:120]}")


def read_lines(cef_dir: Path, complete: bool = True) -> list[str]:
    """Every line of every CEF file, in file order.

    Args:
        cef_dir: the output directory.
        complete: fail on a partial last line (the connector has stopped); False while
            it may be writing: a partial last line is left out.
    """
    lines: list[str] = []
    for path in sorted(cef_dir.glob("*.cef")):
        data = path.read_bytes()
        if complete:
            assert not data or data.endswith(b"\n"), f"{path} ends with a partial line"
        else:
            data = data[: data.rfind(b"\n") + 1]
        lines.extend(data.decode("utf-8").splitlines())
    return lines


def count_identities(cef_dir: Path, complete: bool = True) -> Counter[tuple[Any, ...]]:
    return Counter(line_identity(line) for line in read_lines(cef_dir, complete))


def outcome(scenario: str, sent: Iterable[SimRecord], cef_dir: Path, reconnects: int,
            seconds: float) -> Outcome:
    """Compare what the simulator holds with what the CEF files hold."""
    expected = Counter(event_identity(r.record_type, r.fields) for r in sent)
    assert all(count == 1 for count in expected.values()), "simulated identities collide"
    got = count_identities(cef_dir)
    result = Outcome(
        scenario=scenario,
        sent=sum(expected.values()),
        written=sum(got.values()),
        missing=sum(1 for identity in expected if identity not in got),
        duplicated=sum(count - 1 for identity, count in got.items()
                       if identity in expected and count > 1),
        unexpected=sum(count for identity, count in got.items() if identity not in expected),
        reconnects=reconnects,
        seconds=seconds,
    )
    RESULTS.append(result)
    print(result.row())
    return result


def run_in_process(config: Path, *, until_written: int, timeout: float,
                   while_running: Callable[[ServerRunner], None] | None = None) -> ServerRunner:
    """Run a ``ServerRunner`` until it wrote ``until_written`` lines (or ``timeout``)."""
    runner = ServerRunner(load_settings(config), 0, rng=random.Random(7))

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and runner.counters.events_written < until_written:
            time.sleep(0.02)
        runner.stop.set()

    threading.Thread(target=watch, daemon=True).start()
    if while_running is not None:
        threading.Thread(target=while_running, args=(runner,), daemon=True).start()
    runner.run()
    return runner


@dataclass
class KillRestartRun:
    """``cef-connector run`` as a subprocess, killed with SIGKILL at random moments.

    Args:
        config: the connector's configuration file.
        workdir: where the connector's console output goes (``connector.out``).
        rng: decides the moments.
        kill_after: (low, high) seconds after the connector started streaming (``streaming``
            became true) at which the process is killed.
        streaming: tells whether the current process is streaming; called with the number
            of the cycle.  None: count ``kill_after`` from the process start.
    """

    config: Path
    workdir: Path
    rng: random.Random
    kill_after: tuple[float, float] = (0.05, 1.0)
    streaming: Callable[[], bool] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        out = (self.workdir / "connector.out").open("ab")
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "cef_connector", "run", "-c", str(self.config)],
                stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        finally:
            out.close()

    def kill_cycles(self, cycles: int, on_cycle: Callable[[int, float], None] | None = None
                    ) -> list[float]:
        """Start, wait a random time, SIGKILL; ``cycles`` times.  Returns the wait times."""
        waits = []
        for cycle in range(cycles):
            process = self._start()
            if self.streaming is not None:
                deadline = time.monotonic() + 20
                while not self.streaming() and time.monotonic() < deadline:
                    if process.poll() is not None:
                        break
                    time.sleep(0.01)
            wait = self.rng.uniform(*self.kill_after)
            try:
                process.wait(timeout=wait)
                raise AssertionError(
                    f"cef-connector run exited by itself with {process.returncode} in cycle "
                    f"{cycle}; see {self.workdir / 'connector.out'}")
            except subprocess.TimeoutExpired:
                pass
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            waits.append(wait)
            if on_cycle is not None:
                on_cycle(cycle, wait)
        return waits

    def final_run(self, done: Callable[[], bool], timeout: float) -> tuple[int, float]:
        """Start once more, wait for ``done()``, stop with SIGTERM.

        Returns:
            (exit code, seconds from SIGTERM to exit).
        """
        process = self._start()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not done():
                if process.poll() is not None:
                    raise AssertionError(
                        f"cef-connector run exited by itself with {process.returncode}; "
                        f"see {self.workdir / 'connector.out'}")
                time.sleep(0.25)
        finally:
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
        return code, time.monotonic() - signalled
