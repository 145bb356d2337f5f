"""Rotated files of CEF lines for a file-reading ArcSight connector.

Rules (CEF doc §3.3, fixing eNcore's D15):

* Files are created with ``O_EXCL`` under a never-reused name: ``{0}`` in the name
  template becomes a UTC stamp ``YYYYmmddTHHMMSS.ffffffZ``; when that name is taken (two
  rotations in the same microsecond, a file left by another run, or a clock that went
  back) a counter follows, ``..Z_0001``, so names are unique and sort in creation order
  whenever the template continues with ``.`` or ``-`` after ``{0}`` (as eNcore's do).
  An existing file is never truncated or appended to.
* Only whole lines, UTF-8, LF-terminated.  A raw CR or LF inside a line is refused:
  the CEF encoder escapes them, so one here is a bug, and writing it would split the
  event for every line reader.
* A new file starts after ``max_lines`` lines (eNcore's ``maxLogs``, unless
  ``rotate`` is false) and before a line that would take the file over ``max_bytes``.
  A file is created when its first line is written, so no empty files are left behind.
* Lines are collected in memory and written in batches; :meth:`FileOutput.flush` writes
  them, ``fsync``s the file and, after a new file was created, its directory.  A file is
  written, synced and closed before the next one is started.

Disk full (ENOSPC, EDQUOT, EIO …) never loses or tears a line:

* :meth:`FileOutput.write` only queues when the disk has failed: an error on the
  opportunistic batch write is kept for :meth:`FileOutput.flush`, which raises it.
* A write that stopped in the middle of a line is cut back to the last whole line
  (``ftruncate``); the lines not written stay queued, in order, for the next flush.
* A failed ``fsync`` may have lost the pages it could not write, and a second ``fsync``
  would not say so (Linux marks them clean), so the file is cut back to its size at the
  last successful ``fsync`` and the lines written since are queued again.
* After a failed flush every line not yet durable is still queued; calling ``flush()``
  again (the runner does, with backoff, once space returns) writes it exactly once.

Crash consistency for a resume without duplicates: :meth:`FileOutput.position` tells
where the flushed data ends (saved with the bookmark), :meth:`FileOutput.recover` reads
back the lines written after such a position (they were written but not bookmarked when
the process was killed), and :meth:`FileOutput.open` cuts off a partial last line left by
a process killed in the middle of a write.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from cef_connector.bookmark import OutputPosition
from cef_connector.durable import fsync_directory
from cef_connector.errors import OutputError
from cef_connector.outputs.base import AT_LEAST_ONCE, require_single_line
from cef_connector.outputs.framing import encore_prefix, file_stamp
from cef_connector.outputs.uri import NAME_PLACEHOLDER

__all__ = ["FileOutput"]

logger = logging.getLogger(__name__)

#: Names tried for one stamp before giving up (each try is one failed ``O_EXCL`` open).
_MAX_NAME_ATTEMPTS = 10_000

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)

#: The ``{0}`` part of a file name: a stamp from ``file_stamp`` and an optional counter.
_STAMP = re.compile(r"(\d{8}T\d{6}\.\d{6}Z)(?:_(\d+))?")

#: At most this much is read back by :meth:`FileOutput.recover`; a larger tail is
#: truncated (the lines beyond may then be written twice, never lost).
_MAX_RECOVER_BYTES = 256 * 1024 * 1024

#: Bytes read at a time when looking for the last line break of a file.
_TAIL_CHUNK = 64 * 1024


class FileOutput:
    """Writes CEF lines into rotated files (at-least-once after :meth:`flush`).

    Args:
        directory: where the files go (created when missing).
        name_template: file name containing ``{0}``.
        clock: returns the current time in epoch seconds (file stamps, prefix time).
        hostname: host name written by the ``"encore"`` prefix.
        rotate: start a new file every ``max_lines`` lines.
        max_lines: lines per file when ``rotate`` is true (at least 1).
        max_bytes: maximum bytes per file, or None; a single line longer than this
            gets a file of its own.
        prefix: ``"none"`` (bare CEF) or ``"encore"`` (``<13>Mmm dd hh:mm:ss host ``).
        local_time: converts epoch seconds to the broken-down time of the prefix
            (``time.localtime``, as RFC 3164 wants local time).
        name: label for logs; defaults to the directory and template.
        batch_lines: lines collected in memory before they are written out.
        batch_bytes: bytes collected in memory before they are written out.

    Raises:
        OutputError: an invalid option (template without ``{0}``, bad limits, unknown
            prefix, host name with spaces for the ``"encore"`` prefix).
    """

    DELIVERY = AT_LEAST_ONCE

    def __init__(
        self,
        directory: Path,
        name_template: str,
        *,
        clock: Callable[[], float],
        hostname: str = "",
        rotate: bool = True,
        max_lines: int = 10000,
        max_bytes: int | None = None,
        prefix: str = "none",
        local_time: Callable[[float], time.struct_time] = time.localtime,
        name: str | None = None,
        batch_lines: int = 1000,
        batch_bytes: int = 256 * 1024,
    ) -> None:
        if NAME_PLACEHOLDER not in name_template or "/" in name_template:
            raise OutputError(
                f"output file name template {name_template!r} must contain {NAME_PLACEHOLDER} "
                "and no '/'"
            )
        if max_lines < 1:
            raise OutputError(f"max_lines must be at least 1, not {max_lines}")
        if max_bytes is not None and max_bytes < 1:
            raise OutputError(f"max_bytes must be at least 1 or None, not {max_bytes}")
        if prefix not in ("none", "encore"):
            raise OutputError(f"prefix must be 'none' or 'encore', not {prefix!r}")
        if prefix == "encore" and (not hostname or any(c.isspace() for c in hostname)):
            raise OutputError(
                f"the 'encore' prefix needs a host name without spaces, got {hostname!r}"
            )
        self.name = name if name is not None else str(Path(directory) / name_template)
        self.paths: list[str] = []
        self.lines_written = 0
        self._directory = Path(directory)
        self._template = name_template
        self._clock = clock
        self._hostname = hostname
        self._rotate = rotate
        self._max_lines = max_lines
        self._max_bytes = max_bytes
        self._encore = prefix == "encore"
        self._local_time = local_time
        self._batch_lines = max(1, batch_lines)
        self._batch_bytes = max(1, batch_bytes)

        self._opened = False
        self._fd: int | None = None
        self._path: Path | None = None
        # Lines of the file being filled, for rotation decisions (counted when queued).
        self._file_lines = 0
        self._file_bytes = 0
        # Lines not yet written, one list per file: _segments[0] goes to the current (or
        # next created) file; each further list starts a new file (a rotation boundary).
        self._segments: deque[list[bytes]] = deque([[]])
        self._queued_lines = 0
        self._queued_bytes = 0
        # The current file on disk: whole lines only; _synced bytes are durable, the lines
        # in _unsynced were written after them and are not yet.
        self._size = 0
        self._synced = 0
        self._unsynced: list[bytes] = []
        self._error: OutputError | None = None
        self._last_position: OutputPosition | None = None
        self._directory_dirty = False
        self._last_stamp: str | None = None
        self._last_counter = 0
        self._prefix_second: int | None = None
        self._prefix_text = ""

    # -- Output protocol -------------------------------------------------------------

    def open(self) -> None:
        """Create the directory if needed and check that it is writable.

        Raises:
            OutputError: the directory cannot be created or written.
        """
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot create directory {self._directory}: {exc.strerror or exc}; "
                "create it or fix the stream URI"
            ) from exc
        if not os.access(self._directory, os.W_OK | os.X_OK):
            raise OutputError(
                f"{self.name}: directory {self._directory} is not writable by this user; "
                "fix its permissions or choose another directory"
            )
        if not self._opened:
            self._repair_torn_tail()
        self._opened = True

    def write(self, line: str, event_time: int | None = None) -> None:
        """Queue one CEF line; it reaches the file at the latest on :meth:`flush`.

        Full batches are written on the way; when that fails (disk full) the line stays
        queued and :meth:`flush` reports the error, so a write never loses a line.

        Args:
            line: one CEF line without a line terminator.
            event_time: unused (the ``"encore"`` prefix uses the write time, like eNcore).

        Raises:
            OutputError: the line contains a raw CR or LF, or (on a first write without
                :meth:`open`) the directory cannot be used.
        """
        if "\n" in line or "\r" in line:
            require_single_line(self.name, line)  # raises, naming the position
        if not self._opened:
            self.open()
        data = ((self._prefix() + line + "\n") if self._encore else (line + "\n")).encode(
            "utf-8", "replace")
        size = len(data)
        max_bytes = self._max_bytes
        if max_bytes is not None and self._file_bytes > 0 and self._file_bytes + size > max_bytes:
            self._queue_rotation()
        self._segments[-1].append(data)
        self._queued_lines += 1
        self._queued_bytes += size
        self._file_lines += 1
        self._file_bytes += size
        self.lines_written += 1
        if (self._rotate and self._file_lines >= self._max_lines) or (
            max_bytes is not None and self._file_bytes >= max_bytes
        ):
            self._queue_rotation()
        # Most lines only join the batch: _process has nothing to do until a file must
        # be created, a file is complete or the batch is full (flush() writes the rest).
        if self._error is None and (
            self._fd is None
            or len(self._segments) > 1
            or self._queued_lines >= self._batch_lines
            or self._queued_bytes >= self._batch_bytes
        ):
            try:
                self._process(force=False)
            except OutputError as exc:
                # Keep the line queued; flush() raises the error (and retries first).
                self._error = exc

    def flush(self) -> None:
        """Write queued lines, then ``fsync`` the file (and its directory if new).

        After an error nothing is lost: lines not yet durable stay queued, in order,
        and the next call writes them (see the module docstring).

        Raises:
            OutputError: writing or syncing failed (e.g. disk full).
        """
        self._error = None
        try:
            self._process(force=True)
            if self._fd is not None:
                self._sync_current()
        except OutputError as exc:
            self._error = exc
            raise
        self._sync_directory()

    def close(self) -> None:
        """Flush and close the current file; a later :meth:`write` opens a new one.

        Raises:
            OutputError: the final write or sync failed (the lines stay queued).
        """
        self.flush()
        self._finish_current()
        self._sync_directory()

    def reopen(self) -> None:
        """Finish the current file; the next line starts a new one (for SIGHUP/logrotate).

        Raises:
            OutputError: the current file could not be written or synced (the lines
                stay queued).
        """
        self.close()

    def position(self) -> OutputPosition | None:
        """Where the durable data ends: the current (or last) file and its synced size.

        Returns:
            The position, or None before the first file was created.
        """
        if self._fd is not None and self._path is not None:
            return OutputPosition(str(self._path), self._synced)
        return self._last_position

    def recover(self, position: OutputPosition) -> list[bytes]:
        """Read back the lines written after ``position`` (by an earlier run).

        Reads the rest of that file and every later file of this output (by name), and
        returns the complete lines without their prefix: the bare CEF lines as they
        were given to :meth:`write`, UTF-8 encoded.

        Args:
            position: from :meth:`position`, as saved with the bookmark.

        Returns:
            The lines, oldest first; empty when the file is not one of this output's.

        Raises:
            OutputError: the directory cannot be listed.
        """
        path = Path(position.path)
        key = self._name_key(path.name)
        if path.parent != self._directory or key is None:
            logger.warning(
                "%s: the bookmark names %s, which is not a file of this output; lines "
                "written after it are not looked for (some may be written twice)",
                self.name, path,
            )
            return []
        chunks: list[bytes] = []
        budget = _MAX_RECOVER_BYTES
        try:
            with path.open("rb") as handle:
                actual = os.fstat(handle.fileno()).st_size
                if actual < position.size:
                    logger.warning(
                        "%s: %s holds %d bytes, fewer than the %d flushed before the last "
                        "bookmark; it was changed by someone else", self.name, path, actual,
                        position.size,
                    )
                else:
                    handle.seek(position.size)
                    chunks.append(handle.read(budget))
                    budget -= len(chunks[-1])
        except FileNotFoundError:
            logger.info("%s: %s is gone (moved away by its reader?)", self.name, path)
        except OSError as exc:
            logger.warning("%s: cannot read %s back: %s", self.name, path, exc.strerror or exc)
        for later in self._files_after(key):
            if budget <= 0:
                logger.warning(
                    "%s: more than %d bytes were written after the bookmark; the rest is "
                    "not looked at (some lines may be written twice)", self.name,
                    _MAX_RECOVER_BYTES,
                )
                break
            try:
                data = later.read_bytes()[:budget]
            except OSError as exc:
                logger.warning("%s: cannot read %s back: %s", self.name, later,
                               exc.strerror or exc)
                continue
            budget -= len(data)
            chunks.append(data)
        lines: list[bytes] = []
        for chunk in chunks:
            pieces = chunk.split(b"\n")
            for piece in pieces[:-1]:  # the last piece is empty, or a partial line
                if self._encore:
                    start = piece.find(b"CEF:")
                    piece = piece[start:] if start >= 0 else piece
                lines.append(piece)
        return lines

    # -- internals -------------------------------------------------------------------

    @property
    def current_path(self) -> str | None:
        """The file receiving lines now, or None between files."""
        return str(self._path) if self._path is not None else None

    def _prefix(self) -> str:
        now = self._clock()
        second = int(now)
        if second != self._prefix_second:
            self._prefix_second = second
            self._prefix_text = encore_prefix(now, self._hostname, self._local_time)
        return self._prefix_text

    def _start_file(self) -> None:
        stamp = file_stamp(self._clock())
        counter = 0
        if self._last_stamp is not None and stamp <= self._last_stamp:
            # Same microsecond as the previous file, or the clock went back: keep the
            # previous stamp and count on, so that names stay unique and sorted.
            stamp = self._last_stamp
            counter = self._last_counter + 1
        for _ in range(_MAX_NAME_ATTEMPTS):
            label = stamp if counter == 0 else f"{stamp}_{counter:04d}"
            path = self._directory / self._template.replace(NAME_PLACEHOLDER, label)
            try:
                fd = os.open(path, _OPEN_FLAGS, 0o666)
            except FileExistsError:
                counter += 1
                continue
            except OSError as exc:
                raise OutputError(
                    f"{self.name}: cannot create output file {path}: {exc.strerror or exc}; "
                    "check that the directory exists and is writable"
                ) from exc
            self._fd = fd
            self._path = path
            self._size = self._synced = 0
            self._unsynced = []
            self._last_stamp = stamp
            self._last_counter = counter
            self._directory_dirty = True
            self.paths.append(str(path))
            logger.info("Writing CEF lines to %s", path)
            return
        raise OutputError(
            f"{self.name}: {_MAX_NAME_ATTEMPTS} file names for stamp {stamp} already exist in "
            f"{self._directory}; clean up the directory"
        )

    def _queue_rotation(self) -> None:
        """The file being filled is complete: the next line starts a new one."""
        self._segments.append([])
        self._file_lines = 0
        self._file_bytes = 0

    def _process(self, force: bool) -> None:
        """Move queued lines to disk: all of them when ``force``, else full batches.

        Raises:
            OutputError: creating, writing or syncing failed; what was not made
                durable is queued again.
        """
        while True:
            segment = self._segments[0]
            rotation = len(self._segments) > 1
            if segment:
                if self._fd is None:
                    self._start_file()
                if not (
                    force
                    or rotation
                    or self._queued_lines >= self._batch_lines
                    or self._queued_bytes >= self._batch_bytes
                ):
                    return
                self._write_segment(segment)
            if not rotation:
                return
            self._finish_current()
            self._segments.popleft()

    def _write_segment(self, segment: list[bytes]) -> None:
        fd = self._fd
        assert fd is not None
        data = b"".join(segment)
        view = memoryview(data)
        done = 0
        try:
            while done < len(data):
                written = os.write(fd, view[done:])
                if written <= 0:  # pragma: no cover - regular files never return 0
                    raise OSError(errno.EIO, "write returned 0")
                done += written
        except OSError as exc:
            self._write_failed(segment, done, exc)
        self._size += len(data)
        self._unsynced.extend(segment)
        self._queued_lines -= len(segment)
        self._queued_bytes -= len(data)
        segment.clear()

    def _write_failed(self, segment: list[bytes], done: int, exc: OSError) -> None:
        """Keep only whole lines on disk and the rest queued; then raise."""
        whole = 0
        count = 0
        for data in segment:
            if whole + len(data) > done:
                break
            whole += len(data)
            count += 1
        path = self._path
        # The write may have stopped inside a line (and a writer that failed may have
        # left more than it reported): cut the file back to its last whole line.
        try:
            os.ftruncate(self._fd, self._size + whole)  # type: ignore[arg-type]
        except OSError as trunc_exc:
            self._abandon_file(f"cutting off a partial line failed ({trunc_exc.strerror})")
        if self._fd is not None:
            self._size += whole
            self._unsynced.extend(segment[:count])
            self._queued_lines -= count
            self._queued_bytes -= whole
            del segment[:count]
        raise OutputError(
            f"{self.name}: writing to {path} failed: {exc.strerror or exc}; "
            "check free disk space and permissions"
        ) from exc

    def _sync_current(self) -> None:
        fd, path = self._fd, self._path
        assert fd is not None
        try:
            os.fsync(fd)
        except OSError as exc:
            # The kernel may have dropped the pages it could not write, and a second
            # fsync would report success: cut the file back to what is known durable and
            # write those lines again on the next flush.
            lines, self._unsynced = self._unsynced, []
            try:
                os.ftruncate(fd, self._synced)
                self._size = self._synced
            except OSError as trunc_exc:
                self._abandon_file(f"cutting it back failed ({trunc_exc.strerror})")
            self._segments[0][0:0] = lines
            self._queued_lines += len(lines)
            self._queued_bytes += sum(len(line) for line in lines)
            raise OutputError(
                f"{self.name}: fsync of {path} failed: {exc.strerror or exc}; the lines "
                "written since the last successful fsync will be written again; check free "
                "disk space and the file system"
            ) from exc
        self._synced = self._size
        self._unsynced = []

    def _abandon_file(self, why: str) -> None:
        """Give up a file that cannot be repaired; its lines go to a new file."""
        fd, path = self._fd, self._path
        logger.error(
            "%s: %s: %s; it may end with a partial or repeated line, and the lines not "
            "known to be durable are written to a new file", self.name, path, why,
        )
        self._segments[0][0:0] = self._unsynced
        self._queued_lines += len(self._unsynced)
        self._queued_bytes += sum(len(line) for line in self._unsynced)
        self._unsynced = []
        self._fd = None
        self._path = None
        self._size = self._synced = 0
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def _finish_current(self) -> None:
        """Sync and close the current file (no-op without one)."""
        if self._fd is None:
            return
        self._sync_current()
        fd, path = self._fd, self._path
        self._last_position = OutputPosition(str(path), self._size)
        self._fd = None
        self._path = None
        self._size = self._synced = 0
        try:
            os.close(fd)
        except OSError as exc:  # pragma: no cover - close after a successful fsync
            logger.warning("%s: closing %s failed: %s", self.name, path, exc.strerror or exc)

    def _name_key(self, name: str) -> tuple[str, int] | None:
        """(stamp, counter) of one of this output's file names; None for other names."""
        head, _, tail = self._template.partition(NAME_PLACEHOLDER)
        if not (name.startswith(head) and name.endswith(tail)) or len(name) <= len(head + tail):
            return None
        match = _STAMP.fullmatch(name[len(head) : len(name) - len(tail)])
        if match is None:
            return None
        return match.group(1), int(match.group(2) or 0)

    def _own_files(self) -> list[tuple[tuple[str, int], Path]]:
        try:
            entries = list(self._directory.iterdir())
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot list {self._directory}: {exc.strerror or exc}"
            ) from exc
        keyed = []
        for entry in entries:
            key = self._name_key(entry.name)
            if key is not None and entry.is_file():
                keyed.append((key, entry))
        keyed.sort()
        return keyed

    def _files_after(self, key: tuple[str, int]) -> list[Path]:
        return [path for other, path in self._own_files() if other > key]

    def _repair_torn_tail(self) -> None:
        """Cut off a partial last line left in the newest file by a killed process."""
        files = self._own_files()
        if not files:
            return
        path = files[-1][1]
        try:
            with path.open("r+b") as handle:
                size = os.fstat(handle.fileno()).st_size
                end = size
                while end > 0:
                    start = max(0, end - _TAIL_CHUNK)
                    handle.seek(start)
                    chunk = handle.read(end - start)
                    cut = chunk.rfind(b"\n")
                    if cut >= 0:
                        end = start + cut + 1
                        break
                    end = start
                if end == size:
                    return
                handle.truncate(end)
                os.fsync(handle.fileno())
        except OSError as exc:
            logger.warning("%s: cannot check %s for a partial last line: %s", self.name,
                           path, exc.strerror or exc)
            return
        logger.warning(
            "%s: %s ended with a partial line of %d bytes (the connector was stopped in the "
            "middle of a write); it was cut off, and its event is written again",
            self.name, path, size - end,
        )

    def _sync_directory(self) -> None:
        if not self._directory_dirty:
            return
        fsync_directory(self._directory)
        self._directory_dirty = False
