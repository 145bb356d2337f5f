"""Capture from the simulated FMC, then replay: same bytes as the simulator's record, same lines as the live run."""

from __future__ import annotations

import io
import random
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cef_connector import cli
from cef_connector.app import ServerRunner, load_configured_mappings
from cef_connector.authoring.capture import capture_stream
from cef_connector.authoring.options import MappingChoice
from cef_connector.authoring.render import preview
from cef_connector.authoring.replay import StandardOutput, replay
from cef_connector.config import load_settings
from cef_connector.estreamer import Framer
from cef_connector.simulator import SimulatorServer, write_connector_config

pytestmark = pytest.mark.integration

START_TIME = 1_700_000_000
EVENTS = 300


def _lines(directory: Path) -> list[str]:
    lines: list[str] = []
    for path in sorted(directory.glob("*.cef")):
        lines.extend(path.read_text(encoding="utf-8").splitlines())
    return lines


def _text(directory: Path) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.cef")))


@pytest.fixture()
def live_run(sim_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A live run against the simulator; returns (the simulator's record of the stream, config)."""
    record = tmp_path / "live-stream.bin"
    with SimulatorServer(sim_dir, events=EVENTS, seed=7, start_time=START_TIME, records_per_bundle=25,
                         record_stream=record) as sim:
        write_connector_config(sim_dir / "estreamer.conf", "127.0.0.1", sim.port)
        settings = load_settings(sim_dir / "estreamer.conf")
        runner = ServerRunner(settings, 0, rng=random.Random(1))

        acknowledged: list[bool] = []

        def stop_when_everything_is_acknowledged() -> None:
            acknowledged.append(sim.wait_for(lambda counters: counters.events_acked >= EVENTS, 90.0))
            runner.stop.set()

        threading.Thread(target=stop_when_everything_is_acknowledged, daemon=True).start()
        result = runner.run()
    assert acknowledged == [True]
    assert result.counters.events_written == len(_lines(sim_dir / "cef")) > 0
    return record, sim_dir / "estreamer.conf"


def test_capture_is_byte_identical_to_the_simulator_record(
        sim_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    simulator_record = tmp_path / "simulator.bin"
    capture = tmp_path / "capture.bin"
    with SimulatorServer(sim_dir, events=EVENTS, seed=3, start_time=START_TIME, records_per_bundle=40,
                         record_stream=simulator_record) as sim:
        write_connector_config(sim_dir / "estreamer.conf", "127.0.0.1", sim.port)
        code = cli.main(["capture", "-c", str(sim_dir / "estreamer.conf"), "--out", str(capture),
                         "--events", str(EVENTS)])
        assert sim.wait_for(lambda c: c.sessions_finished >= 1, 10.0)
    out = capsys.readouterr().out
    assert code == 0
    assert capture.read_bytes() == simulator_record.read_bytes()
    size = f"{capture.stat().st_size:,}"
    assert re.fullmatch(rf"captured {EVENTS} events and \d+ metadata records \(\d+ bundles, \d+ messages, "
                        rf"{size} bytes\) in [0-9.]+ s into {re.escape(str(capture))}; stopped by events",
                        out.splitlines()[0])
    assert out.splitlines()[1] == f"replay it with: cef-connector replay {capture} -c {sim_dir / 'estreamer.conf'}"


def test_replay_writes_exactly_the_lines_of_the_live_run(
        live_run: tuple[Path, Path], sim_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record, config = live_run
    code = cli.main(["replay", str(record), "-c", str(config), "--out", "relfile:///replayed/out.{0}.cef"])
    summary = capsys.readouterr().out
    assert code == 0
    assert _text(sim_dir / "replayed") == _text(sim_dir / "cef")
    written = len(_lines(sim_dir / "cef"))
    assert summary.startswith(f"replayed {record} ({record.stat().st_size:,} bytes) in ")
    assert f": {written:,} events written (" in summary.splitlines()[0]


def test_replay_to_standard_output_prints_the_lines(
        live_run: tuple[Path, Path], sim_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record, config = live_run
    assert cli.main(["replay", str(record), "--out", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == _lines(sim_dir / "cef")
    assert captured.err.startswith(f"replayed {record} (")


def test_replay_function_takes_streams_and_any_output(live_run: tuple[Path, Path], sim_dir: Path) -> None:
    record, config = live_run
    settings = load_settings(config)
    sink = io.StringIO()
    progress: list[int] = []
    result = replay(io.BytesIO(record.read_bytes()), load_configured_mappings(settings),
                    [StandardOutput(sink)], on_progress=lambda done, counters: progress.append(done))
    assert sink.getvalue() == _text(sim_dir / "cef")
    assert result.bytes_read == record.stat().st_size
    assert result.end is not None and result.end.clean
    assert result.counters.events_written == len(_lines(sim_dir / "cef"))
    assert progress[-1] == record.stat().st_size


def test_replay_with_an_override_changes_only_the_overridden_key(
        live_run: tuple[Path, Path], sim_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record, config = live_run
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "connection_statistics.yaml").write_text('extensions:\n  msg: "replayed"\n', encoding="utf-8")
    assert cli.main(["replay", str(record), "-c", str(config), "--mappings", str(overrides),
                     "--out", "relfile:///changed/out.{0}.cef"]) == 0
    capsys.readouterr()
    live = _lines(sim_dir / "cef")
    changed = _lines(sim_dir / "changed")
    expected = [line + " msg=replayed" if "|RNA:1003:1|" in line else line for line in live]
    assert changed == expected
    assert sum("|RNA:1003:1|" in line for line in live) > 0


def _last_message_end(data: bytes, cut: int) -> int:
    framer = Framer()
    framer.receive_data(data[:cut])
    end = 0
    while (frame := framer.next_frame()) is not None:
        end = frame.offset + 8 + len(frame.body)
    return end


def test_capture_cut_inside_a_message_replays_everything_before_it(
        live_run: tuple[Path, Path], sim_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record, _ = live_run
    data = record.read_bytes()
    cut = len(data) * 2 // 3
    boundary = _last_message_end(data, cut)
    assert 0 < boundary < cut
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(data[:cut])
    whole = tmp_path / "whole-messages.bin"
    whole.write_bytes(data[:boundary])
    assert cli.main(["replay", str(whole), "--out", f"file://{tmp_path}/whole/out.{{0}}.cef"]) == 0
    assert cli.main(["replay", str(truncated), "--out", f"file://{tmp_path}/cut/out.{{0}}.cef"]) == 1
    summary = capsys.readouterr().out.split("\nreplayed ")[-1]
    assert "  the capture ends inside a message (connection closed inside message type" in summary
    assert f"(stream offset {boundary})); everything before it was replayed" in summary
    expected = _lines(tmp_path / "whole")
    assert 0 < len(expected) < len(_lines(sim_dir / "cef"))
    assert _lines(tmp_path / "cut") == expected


def test_render_takes_the_record_and_its_names_from_a_capture(
        live_run: tuple[Path, Path], sim_dir: Path, parse_cef: Callable[[str], Any]) -> None:
    record, _ = live_run
    result = preview(400, MappingChoice(), capture=record, index=3)
    intrusion_lines = [line for line in _lines(sim_dir / "cef") if "|INTRUSION:400:" in line]
    assert result.lines[0].line == intrusion_lines[2]
    assert result.origin.startswith(f"record 3 of type 400 in {record} (stream offset ")
    assert result.names["device"] == parse_cef(intrusion_lines[2]).extension_dict()["dvchost"]


def test_replay_without_a_capture_file_says_how_to_make_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.bin"
    assert cli.main(["replay", str(missing)]) == 78
    assert capsys.readouterr().err == (
        f"ConfigError: the capture {missing} does not exist (record one with cef-connector capture, or "
        "with simulate --record-stream)\n")


def test_capture_by_duration_stops_between_messages(sim_dir: Path, tmp_path: Path) -> None:
    simulator_record = tmp_path / "simulator.bin"
    capture = tmp_path / "capture.bin"
    with SimulatorServer(sim_dir, events=60, seed=5, start_time=START_TIME, records_per_bundle=10,
                         record_stream=simulator_record) as sim:
        write_connector_config(sim_dir / "estreamer.conf", "127.0.0.1", sim.port)
        result = capture_stream(load_settings(sim_dir / "estreamer.conf"), capture, duration=1.0)
        assert sim.wait_for(lambda c: c.sessions_finished >= 1, 10.0)
    assert result.stopped_by == "duration"
    assert result.events == 60
    assert result.bytes_written == capture.stat().st_size
    assert capture.read_bytes() == simulator_record.read_bytes()
    assert _last_message_end(capture.read_bytes(), result.bytes_written) == result.bytes_written
