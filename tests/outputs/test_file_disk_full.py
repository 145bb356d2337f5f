"""FileOutput when the disk fills up: no lost line, no torn line, exactly once after a retry.

Failures are injected at the edge (``os.write``, ``os.fsync``, ``os.open`` as seen by
``cef_connector.outputs.file``), plus one run on a real, tiny tmpfs when this user may
mount one.  Also: reading back what was written after a bookmarked position, and cutting
off a partial last line left by a killed process.
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cef_connector.bookmark import OutputPosition
from cef_connector.errors import OutputError
from cef_connector.outputs import FileOutput
from cef_connector.outputs import file as file_module

T0 = 1588757499.25


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Disk:
    """Stands between FileOutput and the kernel: a byte budget, then ENOSPC (or EIO)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.free: int | None = None  # None: unlimited
        self.fsync_errors = 0
        self.open_errors = 0
        self.real_write = os.write
        self.real_fsync = os.fsync
        self.real_open = os.open
        monkeypatch.setattr(file_module.os, "write", self.write)
        monkeypatch.setattr(file_module.os, "fsync", self.fsync)
        monkeypatch.setattr(file_module.os, "open", self.open)

    def write(self, fd: int, data: bytes | memoryview) -> int:
        if self.free is None:
            return self.real_write(fd, data)
        if self.free == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        written = self.real_write(fd, bytes(data[: self.free]))
        self.free -= written
        return written

    def fsync(self, fd: int) -> None:
        if self.fsync_errors:
            self.fsync_errors -= 1
            raise OSError(errno.EIO, "Input/output error")
        self.real_fsync(fd)

    def open(self, path: object, flags: int, mode: int = 0o777) -> int:
        if self.open_errors and flags & os.O_CREAT:
            self.open_errors -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.real_open(path, flags, mode)


@pytest.fixture()
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    return Disk(monkeypatch)


def make(tmp_path: Path, **options: object) -> FileOutput:
    output = FileOutput(tmp_path / "data", "events.{0}.cef", clock=FakeClock(),
                        local_time=time.gmtime, **options)  # type: ignore[arg-type]
    output.open()
    return output


def text_of(output: FileOutput) -> list[str]:
    return [Path(p).read_text(encoding="utf-8") for p in output.paths]


LINES = [f"CEF:0|Cisco|Firepower|6.0|RNA:1003:1|line {index:02d}|3|" for index in range(10)]
SIZE = len(LINES[0]) + 1  # every line has the same length with its LF


def test_write_stopping_inside_a_line_keeps_whole_lines_and_the_retry_writes_the_rest_once(
    tmp_path: Path, disk: Disk
) -> None:
    output = make(tmp_path)
    for line in LINES:
        output.write(line)
    disk.free = 3 * SIZE + 7  # room for three lines and a bit of the fourth

    with pytest.raises(OutputError, match="No space left on device"):
        output.flush()

    assert text_of(output) == ["".join(line + "\n" for line in LINES[:3])]  # no partial line
    disk.free = None  # space returns
    output.flush()
    assert text_of(output) == ["".join(line + "\n" for line in LINES)]
    output.close()


def test_write_queues_while_the_disk_is_full_and_flush_reports_it(
    tmp_path: Path, disk: Disk
) -> None:
    output = make(tmp_path, batch_lines=2)
    disk.free = 0
    for line in LINES:
        output.write(line)  # batches cannot be written: no error here, the lines wait

    with pytest.raises(OutputError) as caught:
        output.flush()

    assert str(caught.value) == (
        f"{tmp_path / 'data' / 'events.{0}.cef'}: writing to {output.paths[0]} failed: "
        "No space left on device; check free disk space and permissions"
    )
    assert text_of(output) == [""]
    with pytest.raises(OutputError):
        output.flush()  # still full: same answer, nothing lost
    disk.free = None
    output.flush()
    assert text_of(output) == ["".join(line + "\n" for line in LINES)]


def test_failed_fsync_cuts_the_file_back_and_the_lines_are_written_again(
    tmp_path: Path, disk: Disk
) -> None:
    output = make(tmp_path)
    output.write(LINES[0])
    output.flush()
    output.write(LINES[1])
    output.write(LINES[2])
    disk.fsync_errors = 1

    with pytest.raises(OutputError, match="fsync of .* failed: Input/output error; the lines "
                                          "written since the last successful fsync will be "
                                          "written again"):
        output.flush()

    # Pages the kernel failed to write may be gone (and a second fsync would not say
    # so): the file is back at its last durable size ...
    assert text_of(output) == [LINES[0] + "\n"]
    output.flush()
    # ... and the two lines are written once more, once.
    assert text_of(output) == [LINES[0] + "\n" + LINES[1] + "\n" + LINES[2] + "\n"]
    assert output.position() == OutputPosition(output.paths[0], 3 * SIZE)


def test_rotation_interrupted_by_a_full_disk_keeps_every_file_whole_and_in_order(
    tmp_path: Path, disk: Disk
) -> None:
    clock = FakeClock()
    output = FileOutput(tmp_path / "data", "events.{0}.cef", clock=clock, max_lines=3)
    output.open()
    disk.free = 4 * SIZE + 1
    for line in LINES:
        output.write(line)  # the disk fills up in the second file, before its rotation
        clock.now += 1

    with pytest.raises(OutputError):
        output.flush()
    disk.free = None
    output.flush()
    output.close()

    assert text_of(output) == [
        "".join(line + "\n" for line in LINES[0:3]),
        "".join(line + "\n" for line in LINES[3:6]),
        "".join(line + "\n" for line in LINES[6:9]),
        LINES[9] + "\n",
    ]
    assert sorted(output.paths) == output.paths


def test_file_that_cannot_be_created_is_retried_on_the_next_flush(
    tmp_path: Path, disk: Disk
) -> None:
    output = make(tmp_path)
    disk.open_errors = 2
    output.write(LINES[0])  # creating the file fails: the line is kept for flush()

    assert output.paths == []
    with pytest.raises(OutputError, match="cannot create output file .*No space left"):
        output.flush()  # the retry fails too
    output.flush()
    assert text_of(output) == [LINES[0] + "\n"]


def test_close_on_a_full_disk_raises_and_a_later_close_writes_everything(
    tmp_path: Path, disk: Disk
) -> None:
    output = make(tmp_path)
    output.write(LINES[0])
    disk.free = 0

    with pytest.raises(OutputError):
        output.close()
    disk.free = None
    output.close()

    assert text_of(output) == [LINES[0] + "\n"]


def test_position_is_the_flushed_end_of_the_current_or_last_file(tmp_path: Path) -> None:
    output = make(tmp_path, max_lines=2)
    assert output.position() is None
    output.write(LINES[0])
    output.flush()
    assert output.position() == OutputPosition(output.paths[0], SIZE)
    output.write(LINES[1])  # fills the file: it is finished and closed
    assert output.position() == OutputPosition(output.paths[0], 2 * SIZE)


def test_recover_returns_the_lines_after_a_position_including_later_files(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    first = FileOutput(tmp_path / "data", "events.{0}.cef", clock=clock, max_lines=4,
                       prefix="encore", hostname="collector", local_time=time.gmtime)
    first.open()
    for line in LINES[:2]:
        first.write(line)
    first.flush()
    position = first.position()
    assert position is not None
    for line in LINES[2:7]:  # two more in this file, then a rotation: three in the next
        first.write(line)
        clock.now += 1
    first.flush()  # the process dies here, before the bookmark was saved
    (tmp_path / "data" / "unrelated.txt").write_text("not ours\n", encoding="utf-8")

    second = FileOutput(tmp_path / "data", "events.{0}.cef", clock=clock, max_lines=4,
                        prefix="encore", hostname="collector", local_time=time.gmtime)
    second.open()

    assert [line.decode() for line in second.recover(position)] == LINES[2:7]


def test_recover_ignores_a_position_in_another_directory(tmp_path: Path) -> None:
    output = make(tmp_path)

    assert output.recover(OutputPosition(str(tmp_path / "elsewhere" / "x.cef"), 0)) == []


def test_open_cuts_off_a_partial_last_line_left_by_a_killed_process(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    older = directory / "events.20200506T093100.000000Z.cef"
    newest = directory / "events.20200506T093139.250000Z.cef"
    older.write_bytes(b"CEF:0|a\nCEF:0|b")  # not the newest: left alone
    newest.write_bytes(b"CEF:0|c\nCEF:0|d\nCEF:0|Cisco|Firep")

    make(tmp_path)

    assert newest.read_bytes() == b"CEF:0|c\nCEF:0|d\n"
    assert older.read_bytes() == b"CEF:0|a\nCEF:0|b"


@pytest.fixture()
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs (root only); skipped where mounting is not allowed."""
    mount_point = tmp_path / f"tmpfs-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                             str(mount_point)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip() or result.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_real_full_file_system_loses_and_tears_no_line(tiny_tmpfs: Path) -> None:
    output = FileOutput(tiny_tmpfs / "cef", "events.{0}.cef", clock=time.time, rotate=False)
    output.open()
    filler = tiny_tmpfs / "filler"
    filler.write_bytes(b"x" * (48 * 1024))
    lines = [f"CEF:0|Cisco|Firepower|6.0|400:1:{index}|{'y' * 200}|5|" for index in range(200)]
    failures = 0
    for index, line in enumerate(lines):
        output.write(line)
        if index % 20 == 19:
            try:
                output.flush()
            except OutputError as exc:
                assert "No space left on device" in str(exc)
                failures += 1
                text = Path(output.paths[0]).read_bytes()
                assert text.endswith(b"\n")  # never a partial line on disk
    assert failures > 0
    filler.unlink()  # space returns
    output.close()

    assert Path(output.paths[0]).read_text(encoding="utf-8") == "".join(
        line + "\n" for line in lines
    )
