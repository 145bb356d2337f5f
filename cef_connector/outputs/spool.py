"""The bounded on-disk spool: a FIFO of syslog messages kept while no destination accepts.

The syslog output appends messages here when every destination is down, makes them
durable (``fsync``) before the pipeline moves the bookmark, and drains them in order when a
destination returns.  A spool left by a previous run is drained first after a restart.

Layout of the spool directory::

    lock                          held (fcntl) while a process uses the spool
    head                          "<segment> <offset>": where draining resumes
    0000000000000001.spool ...    segments, appended in order

A segment is a sequence of records ``length (u32, big-endian) | CRC-32 (u32) | message``.
Segments are at most ``segment_bytes`` long; a segment that has been drained completely is
deleted, so the space comes back while draining.  On open, a torn record at the end (a
crash during an append that was never synced, so never bookmarked) is cut off; a record
whose CRC does not match ends its segment (logged as an error, counted in ``corrupt``).

``max_bytes`` bounds the bytes on disk (segment files, drained parts included until their
segment is deleted).  :meth:`Spool.append` refuses a message that would go over it; the
output then blocks (back-pressure) rather than drop anything.  The head is saved by
:meth:`Spool.sync`; after a crash, draining resumes from the last saved head, so a few
messages may be sent twice, never skipped.
"""

from __future__ import annotations

import fcntl
import logging
import os
import struct
import zlib
from collections import deque
from pathlib import Path

from cef_connector.durable import fsync_directory
from cef_connector.errors import OutputError

__all__ = ["RECORD_HEADER", "Spool"]

logger = logging.getLogger(__name__)

#: Per-record header: message length and CRC-32 of the message.
RECORD_HEADER = struct.Struct(">II")

_SUFFIX = ".spool"
_HEAD_FILE = "head"
_LOCK_FILE = "lock"
#: Bytes collected in memory before an append is written out (sync writes the rest).
_WRITE_BATCH = 1 << 20
#: A single message larger than this is refused as corrupt data (the UDP limit is 64 KiB;
#: TCP messages of CEF lines are far below it).
_MAX_RECORD = 64 << 20


class Spool:
    """A durable FIFO of messages in a directory, bounded by ``max_bytes``.

    Args:
        directory: the spool directory (created when missing).
        max_bytes: the most bytes the segment files may take (at least 4096).
        name: label for messages (the output's name).
        segment_bytes: the size after which a new segment is started (default: an
            eighth of ``max_bytes``, between 64 KiB and 64 MiB).

    Attributes:
        messages: messages waiting to be drained.
        bytes: bytes the segment files take on disk, including what is not yet written.
        corrupt: records skipped because their CRC did not match.

    Raises:
        OutputError: ``max_bytes`` below 4096.
    """

    def __init__(
        self,
        directory: Path,
        max_bytes: int,
        *,
        name: str = "spool",
        segment_bytes: int | None = None,
    ) -> None:
        if max_bytes < 4096:
            raise OutputError(f"{name}: spool maxBytes must be at least 4096, not {max_bytes}")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.name = name
        self.segment_bytes = segment_bytes or min(max(max_bytes // 8, 64 << 10), 64 << 20)
        self.messages = 0
        self.bytes = 0
        self.corrupt = 0
        self._lock_fd: int | None = None
        self._segments: list[int] = []  # sequence numbers in order, the tail last
        self._sizes: dict[int, int] = {}  # on-disk + buffered size per segment
        self._head_seq = 0
        self._head_offset = 0
        self._saved_head: tuple[int, int] | None = None
        self._write_fd: int | None = None
        self._write_buffer: list[bytes] = []
        self._write_buffered = 0
        self._unsynced = False
        self._new_segment = False
        # records read ahead of the head: (message, segment, offset after the record)
        self._readahead: deque[tuple[bytes, int, int]] = deque()
        self._read_seq = 0
        self._read_offset = 0
        self._opened = False

    # -- lifecycle ---------------------------------------------------------------

    def open(self) -> None:
        """Create or load the spool; repair a torn tail; take the directory lock.

        Raises:
            OutputError: the directory cannot be created or read, or another process
                holds its lock.
        """
        if self._opened:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(self.directory / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot use spool directory {self.directory}: "
                f"{exc.strerror or exc}; create it or fix spool.directory"
            ) from exc
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(lock_fd)
            raise OutputError(
                f"{self.name}: spool directory {self.directory} is in use by another process; "
                "give each output its own spool.directory"
            ) from exc
        self._lock_fd = lock_fd
        try:
            self._load()
        except Exception:
            self.close()
            raise
        self._opened = True
        if self.messages:
            logger.warning(
                "%s: %d messages (%d bytes) left in the spool %s by a previous run; they are "
                "sent first",
                self.name, self.messages, self.bytes, self.directory,
            )

    def close(self) -> None:
        """Write and sync what is buffered, save the head, release the lock."""
        try:
            if self._opened:
                self.sync()
        finally:
            if self._write_fd is not None:
                os.close(self._write_fd)
                self._write_fd = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            self._opened = False

    # -- writing -----------------------------------------------------------------

    def room_for(self, size: int) -> bool:
        """Whether a message of ``size`` bytes fits under ``max_bytes``."""
        return self.bytes + RECORD_HEADER.size + size <= self.max_bytes

    def append(self, message: bytes) -> bool:
        """Add one message at the tail (durable after :meth:`sync`).

        Args:
            message: the message bytes.

        Returns:
            False, with nothing written, when the message does not fit under
            ``max_bytes``; True otherwise.

        Raises:
            OutputError: the spool file cannot be written.
        """
        record_size = RECORD_HEADER.size + len(message)
        if self.bytes + record_size > self.max_bytes:
            return False
        tail = self._segments[-1] if self._segments else None
        # A new segment when there is none or the tail is full; a record larger than a
        # whole segment goes into an empty tail on its own.
        if tail is None or (
            self._sizes[tail] > 0 and self._sizes[tail] + record_size > self.segment_bytes
        ):
            self._start_segment()
            tail = self._segments[-1]
        self._write_buffer.append(RECORD_HEADER.pack(len(message), zlib.crc32(message)))
        self._write_buffer.append(message)
        self._write_buffered += record_size
        self._sizes[tail] += record_size
        self.bytes += record_size
        self.messages += 1
        self._unsynced = True
        if self._write_buffered >= _WRITE_BATCH:
            self._write_out()
        return True

    def sync(self) -> None:
        """Write buffered records, fsync them (and the directory after a new segment),
        and save the head.

        Raises:
            OutputError: writing or syncing failed.
        """
        if self._unsynced:
            self._write_out()
            if self._write_fd is not None:
                try:
                    os.fsync(self._write_fd)
                except OSError as exc:
                    raise OutputError(
                        f"{self.name}: fsync of the spool failed: {exc.strerror or exc}"
                    ) from exc
            self._unsynced = False
        head = (self._head_seq, self._head_offset)
        if head != self._saved_head:
            self._save_head()
        if self._new_segment:
            self._sync_directory()
            self._new_segment = False

    # -- draining ----------------------------------------------------------------

    def peek(self, max_messages: int, max_bytes: int) -> list[bytes]:
        """The oldest messages, without removing them.

        Args:
            max_messages: at most this many.
            max_bytes: stop once this many message bytes are collected (at least one
                message is returned when the spool is not empty).

        Returns:
            Up to ``max_messages`` messages, oldest first.

        Raises:
            OutputError: a segment cannot be read.
        """
        if self.messages == 0:
            return []
        self._write_out()
        wanted = min(max_messages, self.messages)
        while len(self._readahead) < wanted and self._read_more():
            pass
        result: list[bytes] = []
        total = 0
        for message, _, _ in self._readahead:
            if len(result) >= max_messages or (result and total + len(message) > max_bytes):
                break
            result.append(message)
            total += len(message)
        return result

    def consume(self, count: int) -> None:
        """Remove the ``count`` oldest messages (after they were sent).

        Args:
            count: how many of the messages last returned by :meth:`peek` were sent.

        Raises:
            OutputError: a drained segment cannot be deleted.
        """
        if count > len(self._readahead):
            raise OutputError(f"{self.name}: consume({count}) beyond what was peeked (bug)")
        for _ in range(count):
            _, seq, end = self._readahead.popleft()
            self._head_seq, self._head_offset = seq, end
            self.messages -= 1
        # A head at the very end of a segment that has a successor: start of the successor.
        while (
            self._head_seq in self._sizes
            and self._head_offset >= self._sizes[self._head_seq]
            and self._segments[-1] > self._head_seq
        ):
            following = [seq for seq in self._segments if seq > self._head_seq]
            self._head_seq, self._head_offset = following[0], 0
        while self._segments and self._segments[0] < self._head_seq:
            self._delete_segment(self._segments[0])
        if self.messages == 0 and self._segments and not self._write_buffer:
            # Everything drained: drop the tail segment too, start afresh at the next one.
            last = self._segments[-1]
            if self._head_seq == last and self._head_offset == self._sizes[last]:
                if self._write_fd is not None:
                    os.close(self._write_fd)
                    self._write_fd = None
                self._delete_segment(last)
                self._head_seq, self._head_offset = last + 1, 0
                self._read_seq, self._read_offset = last + 1, 0

    # -- internals -----------------------------------------------------------------

    def _path(self, seq: int) -> Path:
        return self.directory / f"{seq:016d}{_SUFFIX}"

    def _load(self) -> None:
        sequences: list[int] = []
        for path in self.directory.glob(f"*{_SUFFIX}"):
            stem = path.name[: -len(_SUFFIX)]
            if stem.isdigit():
                sequences.append(int(stem))
        sequences.sort()
        head = self._read_head()
        if head is not None and sequences and head[0] in sequences:
            self._head_seq, self._head_offset = head
        elif sequences:
            self._head_seq, self._head_offset = sequences[0], 0
        else:
            self._head_seq, self._head_offset = (head[0] if head else 0) + 1, 0
        for seq in sequences:
            if seq < self._head_seq:
                self._delete_file(self._path(seq))
        sequences = [seq for seq in sequences if seq >= self._head_seq]
        self._segments = sequences
        self.messages = 0
        self.bytes = 0
        for seq in sequences:
            start = self._head_offset if seq == self._head_seq else 0
            count, good_end, size = self._scan(seq, start)
            if good_end < size:
                self._truncate(seq, good_end, size, last=seq == sequences[-1])
            self._sizes[seq] = good_end
            self.messages += count
            self.bytes += good_end
        self._read_seq, self._read_offset = self._head_seq, self._head_offset
        self._saved_head = head

    def _scan(self, seq: int, start: int) -> tuple[int, int, int]:
        """Count the good records of a segment from ``start``; return (count, end, size)."""
        path = self._path(seq)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot read spool segment {path}: {exc.strerror or exc}"
            ) from exc
        offset = min(start, len(data))
        count = 0
        while offset + RECORD_HEADER.size <= len(data):
            length, crc = RECORD_HEADER.unpack_from(data, offset)
            end = offset + RECORD_HEADER.size + length
            if length > _MAX_RECORD or end > len(data):
                break
            if zlib.crc32(data[offset + RECORD_HEADER.size : end]) != crc:
                self.corrupt += 1
                break
            offset = end
            count += 1
        return count, offset, len(data)

    def _truncate(self, seq: int, good_end: int, size: int, *, last: bool) -> None:
        path = self._path(seq)
        if last:
            logger.warning(
                "%s: cutting %d bytes of an unfinished record off the end of %s (written but "
                "never synced, so never bookmarked: those events are read from the FMC again)",
                self.name, size - good_end, path,
            )
        else:
            logger.error(
                "%s: %d bytes of %s after offset %d are damaged and skipped; the events in "
                "them may be lost (check the disk)",
                self.name, size - good_end, path, good_end,
            )
        try:
            os.truncate(path, good_end)
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot repair spool segment {path}: {exc.strerror or exc}"
            ) from exc

    def _read_head(self) -> tuple[int, int] | None:
        try:
            text = (self.directory / _HEAD_FILE).read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            logger.warning("%s: ignoring unreadable spool head file: %s", self.name, exc)
            return None
        parts = text.split()
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            logger.warning("%s: ignoring malformed spool head file %r", self.name, text[:40])
            return None
        return int(parts[0]), int(parts[1])

    def _save_head(self) -> None:
        path = self.directory / _HEAD_FILE
        temporary = self.directory / (_HEAD_FILE + ".tmp")
        data = f"{self._head_seq} {self._head_offset}\n".encode("ascii")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, path)
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot save the spool head {path}: {exc.strerror or exc}"
            ) from exc
        self._saved_head = (self._head_seq, self._head_offset)
        self._new_segment = True  # the rename must reach the disk too

    def _start_segment(self) -> None:
        self._write_out()
        if self._write_fd is not None:
            if self._unsynced:
                try:
                    os.fsync(self._write_fd)
                except OSError as exc:
                    raise OutputError(
                        f"{self.name}: fsync of the spool failed: {exc.strerror or exc}"
                    ) from exc
            os.close(self._write_fd)
            self._write_fd = None
        seq = (self._segments[-1] + 1) if self._segments else max(self._head_seq, 1)
        path = self._path(seq)
        try:
            self._write_fd = os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600
            )
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot create spool segment {path}: {exc.strerror or exc}"
            ) from exc
        self._segments.append(seq)
        self._sizes[seq] = 0
        self._new_segment = True
        if len(self._segments) == 1 and self.messages == 0:
            self._head_seq, self._head_offset = seq, 0
            self._read_seq, self._read_offset = seq, 0

    def _write_out(self) -> None:
        if not self._write_buffer:
            return
        if self._write_fd is None:
            tail = self._segments[-1]
            try:
                self._write_fd = os.open(self._path(tail), os.O_WRONLY | os.O_APPEND)
            except OSError as exc:
                raise OutputError(
                    f"{self.name}: cannot open spool segment {self._path(tail)}: "
                    f"{exc.strerror or exc}"
                ) from exc
        data = b"".join(self._write_buffer)
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._write_fd, view) :]
        except OSError as exc:
            raise OutputError(
                f"{self.name}: writing to the spool failed: {exc.strerror or exc}; check free "
                "disk space"
            ) from exc
        self._write_buffer.clear()
        self._write_buffered = 0

    def _read_more(self) -> bool:
        """Read records after the read cursor into the read-ahead; False at the end."""
        if self._read_seq not in self._sizes:
            # The cursor's segment was drained and deleted: go on with the next one.
            following = [seq for seq in self._segments if seq > self._read_seq]
            if not following:
                return False
            self._read_seq, self._read_offset = following[0], 0
        while self._read_seq in self._sizes:
            size = self._sizes[self._read_seq]
            if self._read_offset < size:
                break
            later = [seq for seq in self._segments if seq > self._read_seq]
            if not later:
                return False
            self._read_seq, self._read_offset = later[0], 0
        else:
            return False
        path = self._path(self._read_seq)
        end = self._sizes[self._read_seq]
        try:
            with open(path, "rb") as handle:
                handle.seek(self._read_offset)
                data = handle.read(min(end - self._read_offset, 4 << 20))
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot read spool segment {path}: {exc.strerror or exc}"
            ) from exc
        offset = 0
        added = 0
        while offset + RECORD_HEADER.size <= len(data):
            length, _ = RECORD_HEADER.unpack_from(data, offset)
            stop = offset + RECORD_HEADER.size + length
            if stop > len(data):
                if added == 0:  # one record longer than the read size: read it whole
                    with open(path, "rb") as handle:
                        handle.seek(self._read_offset)
                        data = handle.read(RECORD_HEADER.size + length)
                    continue
                break
            message = data[offset + RECORD_HEADER.size : stop]
            offset = stop
            self._readahead.append((message, self._read_seq, self._read_offset + offset))
            added += 1
        if added == 0:
            # Nothing parseable before the end: treat the rest of the segment as read.
            self._read_offset = end
            return True
        self._read_offset += offset
        return True

    def _delete_segment(self, seq: int) -> None:
        self._delete_file(self._path(seq))
        self.bytes -= self._sizes.pop(seq, 0)
        self._segments.remove(seq)
        self._new_segment = True

    def _delete_file(self, path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise OutputError(
                f"{self.name}: cannot delete drained spool segment {path}: {exc.strerror or exc}"
            ) from exc

    def _sync_directory(self) -> None:
        fsync_directory(self.directory)
