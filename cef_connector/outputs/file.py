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
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from cef_connector.errors import OutputError
from cef_connector.outputs.base import AT_LEAST_ONCE
from cef_connector.outputs.framing import encore_prefix, file_stamp
from cef_connector.outputs.uri import NAME_PLACEHOLDER

__all__ = ["FileOutput"]

logger = logging.getLogger(__name__)

#: Names tried for one stamp before giving up (each try is one failed ``O_EXCL`` open).
_MAX_NAME_ATTEMPTS = 10_000

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)


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
        self._file_lines = 0
        self._file_bytes = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
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
        self._opened = True

    def write(self, line: str, event_time: int | None = None) -> None:
        """Queue one CEF line; it reaches the file at the latest on :meth:`flush`.

        Args:
            line: one CEF line without a line terminator.
            event_time: unused (the ``"encore"`` prefix uses the write time, like eNcore).

        Raises:
            OutputError: the line contains a raw CR or LF, or a file cannot be written.
        """
        if "\n" in line or "\r" in line:
            position = min(i for i in (line.find("\n"), line.find("\r")) if i >= 0)
            raise OutputError(
                f"{self.name}: refusing a line with a raw line break at character {position}; "
                "the CEF encoder must escape CR and LF (this is a bug in cef-connector)"
            )
        if not self._opened:
            self.open()
        text = self._prefix() + line + "\n" if self._encore else line + "\n"
        data = text.encode("utf-8", "replace")
        size = len(data)
        if (
            self._fd is not None
            and self._max_bytes is not None
            and self._file_bytes > 0
            and self._file_bytes + size > self._max_bytes
        ):
            self._finish_file()
        if self._fd is None:
            self._start_file()
        self._pending.append(data)
        self._pending_bytes += size
        self._file_lines += 1
        self._file_bytes += size
        self.lines_written += 1
        if (self._rotate and self._file_lines >= self._max_lines) or (
            self._max_bytes is not None and self._file_bytes >= self._max_bytes
        ):
            self._finish_file()
        elif len(self._pending) >= self._batch_lines or self._pending_bytes >= self._batch_bytes:
            self._drain()

    def flush(self) -> None:
        """Write queued lines, then ``fsync`` the file (and its directory if new).

        Raises:
            OutputError: writing or syncing failed (e.g. disk full).
        """
        self._drain()
        if self._fd is not None:
            self._sync(self._fd, self._path)
        self._sync_directory()

    def close(self) -> None:
        """Flush and close the current file; a later :meth:`write` opens a new one.

        Raises:
            OutputError: the final write or sync failed.
        """
        self._finish_file()
        self._sync_directory()

    def reopen(self) -> None:
        """Finish the current file; the next line starts a new one (for SIGHUP/logrotate).

        Raises:
            OutputError: the current file could not be written or synced.
        """
        self._finish_file()
        self._sync_directory()

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
            self._file_lines = 0
            self._file_bytes = 0
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

    def _drain(self) -> None:
        if not self._pending:
            return
        if self._fd is None:  # pragma: no cover - lines are only queued with a file open
            raise OutputError(f"{self.name}: internal error: lines queued without a file")
        data = b"".join(self._pending)
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            raise OutputError(
                f"{self.name}: writing to {self._path} failed: {exc.strerror or exc}; "
                "check free disk space and permissions"
            ) from exc
        self._pending.clear()
        self._pending_bytes = 0

    def _finish_file(self) -> None:
        if self._fd is None:
            return
        self._drain()
        fd, path = self._fd, self._path
        self._sync(fd, path)
        self._fd = None
        self._path = None
        try:
            os.close(fd)
        except OSError as exc:
            raise OutputError(
                f"{self.name}: closing {path} failed: {exc.strerror or exc}"
            ) from exc

    def _sync(self, fd: int, path: Path | None) -> None:
        try:
            os.fsync(fd)
        except OSError as exc:
            raise OutputError(
                f"{self.name}: fsync of {path} failed: {exc.strerror or exc}; "
                "the data may not be on disk"
            ) from exc

    def _sync_directory(self) -> None:
        if not self._directory_dirty:
            return
        try:
            dir_fd = os.open(self._directory, os.O_RDONLY)
        except OSError:  # pragma: no cover - platforms without directory handles
            self._directory_dirty = False
            return
        try:
            os.fsync(dir_fd)
        except OSError:  # pragma: no cover - some file systems refuse directory fsync
            pass
        finally:
            os.close(dir_fd)
        self._directory_dirty = False
