"""The command line: exit codes, the one-line error boundary, and the commands end to end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cef_connector.cli import main


def test_missing_configuration_is_one_line_and_exit_code_78(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.conf"
    assert main(["run", "-c", str(missing)]) == 78
    err = capsys.readouterr().err
    assert err == (f"ConfigError: cannot read configuration file {missing}: No such file or "
                   f"directory; check the path given with --config\n")


def test_every_configuration_problem_is_reported_at_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "estreamer.conf"
    conf.write_text(json.dumps({
        "servers": [{"host": "fmc", "port": 99999, "pkcs12Filepath": "client.pkcs12"}],
        "start": 7, "bogus": 1}), encoding="utf-8")
    assert main(["run", "-c", str(conf)]) == 78
    err = capsys.readouterr().err
    assert err.startswith(f"ConfigError: {conf}: 3 problems in the configuration; "
                          "fix them and start again\n")
    assert "  - start: got 7; expected 0 (genesis: oldest data), 1 (now) or 2 (bookmark)\n" in err
    assert "  - servers[0].port: got 99999; expected an integer from 1 to 65535\n" in err
    assert "  - bogus: unknown key;" in err
    assert "Traceback" not in err


def test_wrong_pkcs12_password_names_the_file_and_not_the_password(
        sim_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sim_dir / "client.password").write_text("definitely-wrong", encoding="utf-8")
    assert main(["run", "-c", str(sim_dir / "estreamer.conf")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"TlsSetupError: the password does not open {sim_dir / 'client.pkcs12'}")
    assert "definitely-wrong" not in err


def test_since_accepts_dates_and_epoch_seconds() -> None:
    from cef_connector.app import parse_since

    assert parse_since("1591210934") == 1591210934
    assert parse_since("2020-06-03 19:02:14") == 1591210934
    assert parse_since("2020-06-03T21:02:14+02:00") == 1591210934


def test_unparseable_since_is_a_config_error() -> None:
    from cef_connector.app import parse_since
    from cef_connector.errors import ConfigError

    with pytest.raises(ConfigError, match="--since 'yesterday-ish' is not a time"):
        parse_since("yesterday-ish")


@pytest.mark.integration
def test_demo_writes_every_event_and_prints_where_they_went(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--events", "400", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert re.match(r"cef-connector demo: 400 events from the simulated FMC at 127\.0\.0\.1:\d+ "
                    r"\(mutual TLS\) written as CEF in [\d.]+ s \([\d,]+ events/s\)\n", printed)
    files = sorted((out / "cef").glob("*.cef"))
    assert [f"  {f}" for f in files] == printed.split("CEF output:\n")[1].splitlines()
    lines = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 400
    assert all(line.startswith("CEF:0|Cisco|Firepower|") for line in lines)
    # a second demo in the same directory starts afresh
    assert main(["demo", "--events", "100", "--out", str(out)]) == 0
    lines = [line for f in (out / "cef").glob("*.cef")
             for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 100


def _wait_for_line(proc: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if re.search(pattern, line):
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no line matching {pattern!r} within {timeout} s")


@pytest.mark.integration
def test_simulate_then_run_then_sigterm_stops_cleanly_with_a_bookmark(tmp_path: Path) -> None:
    directory = tmp_path / "fmc"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    sim = subprocess.Popen(
        [sys.executable, "-m", "cef_connector", "simulate", "--init", str(directory),
         "--listen", "127.0.0.1:0", "--events", "3000", "--rate", "1500"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        ready = _wait_for_line(sim, r"simulated FMC listening on", timeout=30)
        assert "cef-connector run -c " in ready
        run = subprocess.Popen(
            [sys.executable, "-m", "cef_connector", "run", "-c",
             str(directory / "estreamer.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not list(directory.glob("*_bookmark.dat")):
                time.sleep(0.1)
            time.sleep(0.3)
            run.send_signal(signal.SIGTERM)
            assert run.wait(timeout=15) == 0
        finally:
            if run.poll() is None:
                run.kill()
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=15)
    bookmarks = list(directory.glob("*_bookmark.dat"))
    assert len(bookmarks) == 1
    lines = [line for f in (directory / "cef").glob("*.cef")
             for line in f.read_text(encoding="utf-8").splitlines(keepends=True)]
    assert lines and all(line.startswith("CEF:0|") and line.endswith("\n") for line in lines)
