"""Behaviour of FileOutput: names, rotation, whole lines, prefix, durability calls."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cef_connector.errors import OutputError
from cef_connector.outputs import FileOutput

# 2020-05-06 09:31:39.250000 UTC
T0 = 1588757499.25


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(tmp_path: Path, clock: FakeClock | None = None, **options: object) -> FileOutput:
    output = FileOutput(
        tmp_path / "data",
        "encore.{0}.cef",
        clock=clock or FakeClock(),
        local_time=time.gmtime,
        **options,  # type: ignore[arg-type]
    )
    output.open()
    return output


def contents(output: FileOutput) -> list[str]:
    return [Path(p).read_text(encoding="utf-8") for p in output.paths]


def names(output: FileOutput) -> list[str]:
    return [Path(p).name for p in output.paths]


def test_file_name_has_sortable_utc_stamp(tmp_path: Path) -> None:
    output = make(tmp_path)
    output.write("CEF:0|a")
    output.close()

    assert output.paths == [str(tmp_path / "data" / "encore.20200506T093139.250000Z.cef")]
    assert contents(output) == ["CEF:0|a\n"]


def test_rotation_by_lines_gives_whole_line_files(tmp_path: Path) -> None:
    clock = FakeClock()
    output = make(tmp_path, clock, max_lines=2)
    for index in range(5):
        output.write(f"CEF:0|{index}")
        clock.now += 0.5
    output.close()

    assert contents(output) == ["CEF:0|0\nCEF:0|1\n", "CEF:0|2\nCEF:0|3\n", "CEF:0|4\n"]
    assert names(output) == [
        "encore.20200506T093139.250000Z.cef",
        "encore.20200506T093140.250000Z.cef",
        "encore.20200506T093141.250000Z.cef",
    ]


def test_two_rotations_within_one_second_get_two_distinct_sorted_names(tmp_path: Path) -> None:
    output = make(tmp_path, FakeClock(), max_lines=1)
    for index in range(3):
        output.write(f"CEF:0|{index}")
    output.close()

    assert names(output) == [
        "encore.20200506T093139.250000Z.cef",
        "encore.20200506T093139.250000Z_0001.cef",
        "encore.20200506T093139.250000Z_0002.cef",
    ]
    assert sorted(names(output)) == names(output)
    assert contents(output) == ["CEF:0|0\n", "CEF:0|1\n", "CEF:0|2\n"]


def test_clock_going_back_keeps_names_unique_and_sorted(tmp_path: Path) -> None:
    clock = FakeClock()
    output = make(tmp_path, clock, max_lines=1)
    output.write("CEF:0|0")
    clock.now -= 3600
    output.write("CEF:0|1")
    output.close()

    assert names(output) == [
        "encore.20200506T093139.250000Z.cef",
        "encore.20200506T093139.250000Z_0001.cef",
    ]


def test_existing_file_is_never_truncated_or_reused(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    taken = directory / "encore.20200506T093139.250000Z.cef"
    taken.write_text("earlier run\n", encoding="utf-8")

    output = make(tmp_path)
    output.write("CEF:0|new")
    output.close()

    assert taken.read_text(encoding="utf-8") == "earlier run\n"
    assert names(output) == ["encore.20200506T093139.250000Z_0001.cef"]
    assert contents(output) == ["CEF:0|new\n"]


def test_rotation_by_bytes_keeps_lines_whole_and_files_within_the_limit(tmp_path: Path) -> None:
    clock = FakeClock()
    output = make(tmp_path, clock, max_bytes=20)
    for line in ("CEF:0|aaaa", "CEF:0|bbbb", "CEF:0|cccc", "CEF:0|dddddddddddddddddd"):
        output.write(line)  # 11 bytes with LF, except the last (25 bytes, over the limit)
        clock.now += 1
    output.close()

    assert contents(output) == [
        "CEF:0|aaaa\n",
        "CEF:0|bbbb\n",
        "CEF:0|cccc\n",
        "CEF:0|dddddddddddddddddd\n",
    ]
    assert [os.path.getsize(p) for p in output.paths] == [11, 11, 11, 25]


def test_rotation_by_bytes_fills_a_file_up_to_the_limit(tmp_path: Path) -> None:
    output = make(tmp_path, max_bytes=22)
    for index in range(5):
        output.write(f"CEF:0|{index}xxx")  # 11 bytes with LF
    output.close()

    assert contents(output) == [
        "CEF:0|0xxx\nCEF:0|1xxx\n",
        "CEF:0|2xxx\nCEF:0|3xxx\n",
        "CEF:0|4xxx\n",
    ]


def test_rotate_false_writes_one_file(tmp_path: Path) -> None:
    output = make(tmp_path, rotate=False, max_lines=2)
    for index in range(5):
        output.write(f"CEF:0|{index}")
    output.close()

    assert len(output.paths) == 1
    assert contents(output) == ["".join(f"CEF:0|{i}\n" for i in range(5))]


@pytest.mark.parametrize("bad", ["CEF:0|a\nb", "CEF:0|a\rb", "CEF:0|a\r\n"])
def test_raw_line_break_inside_a_line_is_refused(tmp_path: Path, bad: str) -> None:
    output = make(tmp_path)

    with pytest.raises(OutputError, match="raw line break at character 7"):
        output.write(bad)
    output.close()

    assert output.paths == []


def test_lines_are_utf8_with_lf(tmp_path: Path) -> None:
    output = make(tmp_path)
    output.write("CEF:0|Cisco|Firepower|6.0|1|Zürich ✓|5|")
    output.close()

    assert Path(output.paths[0]).read_bytes() == (
        "CEF:0|Cisco|Firepower|6.0|1|Zürich ✓|5|\n".encode()
    )


def test_lines_reach_the_file_on_flush(tmp_path: Path) -> None:
    output = make(tmp_path)
    output.write("CEF:0|a")
    path = Path(output.paths[0])
    assert path.read_bytes() == b""  # still in memory

    output.flush()

    assert path.read_bytes() == b"CEF:0|a\n"
    output.close()


def test_flush_fsyncs_the_file_and_the_new_directory_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = make(tmp_path)
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    output.write("CEF:0|a")

    output.flush()
    first = len(synced)
    output.flush()

    assert first == 2  # the file, then its directory (new name)
    assert len(synced) == 3  # later: the file only
    output.close()


def test_large_batches_are_written_before_flush(tmp_path: Path) -> None:
    output = make(tmp_path, batch_lines=3)
    for index in range(4):
        output.write(f"CEF:0|{index}")

    assert Path(output.paths[0]).read_text(encoding="utf-8") == "CEF:0|0\nCEF:0|1\nCEF:0|2\n"
    output.close()


def test_reopen_continues_in_a_new_file(tmp_path: Path) -> None:
    clock = FakeClock()
    output = make(tmp_path, clock)
    output.write("CEF:0|a")
    clock.now += 1
    output.reopen()
    output.write("CEF:0|b")
    output.close()

    assert contents(output) == ["CEF:0|a\n", "CEF:0|b\n"]
    assert output.lines_written == 2


def test_close_twice_is_harmless_and_no_empty_file_is_created(tmp_path: Path) -> None:
    output = make(tmp_path)
    output.close()
    output.close()

    assert output.paths == []
    assert list((tmp_path / "data").iterdir()) == []


def test_open_creates_the_directory(tmp_path: Path) -> None:
    output = FileOutput(tmp_path / "a" / "b", "x.{0}.cef", clock=FakeClock())

    output.open()

    assert (tmp_path / "a" / "b").is_dir()


def test_unwritable_directory_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated: the tests may run as root, who can write anywhere.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    output = FileOutput(tmp_path, "x.{0}.cef", clock=FakeClock(), name="test")

    with pytest.raises(OutputError) as caught:
        output.open()

    assert str(caught.value) == (
        f"test: directory {tmp_path} is not writable by this user; fix its permissions or "
        "choose another directory"
    )


def test_directory_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    output = FileOutput(blocker / "sub", "x.{0}.cef", clock=FakeClock(), name="test")

    with pytest.raises(OutputError, match=f"test: cannot create directory {blocker / 'sub'}"):
        output.open()


def test_encore_prefix_uses_write_time_padded_day_and_host(tmp_path: Path) -> None:
    clock = FakeClock()
    output = make(tmp_path, clock, prefix="encore", hostname="collector01")
    output.write("CEF:0|a")
    clock.now += 86400 * 30 + 3600  # 2020-06-05 10:31:39
    output.write("CEF:0|b")
    output.close()

    assert contents(output) == [
        "<13>May  6 09:31:39 collector01 CEF:0|a\n<13>Jun  5 10:31:39 collector01 CEF:0|b\n"
    ]


def test_encore_prefix_needs_a_host_name_without_spaces(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="needs a host name without spaces"):
        FileOutput(tmp_path, "x.{0}", clock=FakeClock(), prefix="encore", hostname="my host")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_lines": 0}, "max_lines must be at least 1"),
        ({"max_bytes": 0}, "max_bytes must be at least 1 or None"),
        ({"prefix": "rfc5424"}, "prefix must be 'none' or 'encore'"),
    ],
)
def test_invalid_options_are_refused(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(OutputError, match=message):
        FileOutput(tmp_path, "x.{0}", clock=FakeClock(), **options)  # type: ignore[arg-type]


def test_template_without_placeholder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"must contain \{0\}"):
        FileOutput(tmp_path, "x.cef", clock=FakeClock())


def test_many_lines_are_written_quickly_and_completely(tmp_path: Path) -> None:
    output = make(tmp_path, max_lines=10000)
    line = "CEF:0|Cisco|Firepower|6.0|400:1:2|rule|5|src=10.0.0.1 dst=10.0.0.2"
    started = time.perf_counter()
    for _ in range(50_000):
        output.write(line)
    output.close()
    elapsed = time.perf_counter() - started

    assert len(output.paths) == 5
    assert sum(len(text.splitlines()) for text in contents(output)) == 50_000
    assert elapsed < 5.0


def test_a_bundle_of_lines_reaches_the_file_in_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = make(tmp_path)
    writes: list[bytes] = []
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: (writes.append(bytes(data)),
                                                       real_write(fd, data))[1])
    lines = [f"CEF:0|Cisco|Firepower|6.0|1|line {n}|5|" for n in range(100)]
    for line in lines:
        output.write(line)
    assert writes == []  # queued: nothing written per line

    output.flush()

    assert writes == ["".join(line + "\n" for line in lines).encode()]
    assert Path(output.paths[0]).read_text(encoding="utf-8").splitlines() == lines
    output.close()


def test_batches_rotations_and_flushes_keep_every_line_once_and_in_order(tmp_path: Path) -> None:
    output = make(tmp_path, max_lines=7, batch_lines=3, max_bytes=200)
    written: list[str] = []
    for n in range(60):
        line = f"CEF:0|{n}|" + "x" * (n % 13)
        output.write(line)
        written.append(line)
        if n % 11 == 10:
            output.flush()
    output.close()

    files = contents(output)
    assert [line for text in files for line in text.splitlines()] == written
    assert all(text.endswith("\n") and len(text.splitlines()) <= 7 for text in files)
    assert all(len(text.encode()) <= 200 for text in files)


def test_disk_full_is_reported_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = make(tmp_path)
    output.write("CEF:0|a")

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)

    with pytest.raises(OutputError) as caught:
        output.flush()

    assert str(caught.value) == (
        f"{tmp_path / 'data' / 'encore.{0}.cef'}: writing to {output.paths[0]} failed: "
        "No space left on device; check free disk space and permissions"
    )
