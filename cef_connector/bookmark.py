"""The resume point per FMC (eNcore's ``<host>-<port>_bookmark.dat``), stored atomically.

The file format is eNcore's, so a bookmark left by eNcore is picked up: a JSON object
whose key ``"1"`` holds the newest archive timestamp handled, e.g.
``{"1": 1606927953}`` (protocol doc §1.5).  Unlike eNcore, an unreadable or corrupt
file is an error rather than a silent restart from the oldest data, and writes go
through a temporary file, ``fsync`` and ``os.replace`` so that a crash leaves either
the old or the new bookmark, never a torn one.

The caller (the pipeline) saves a timestamp only after every output has flushed every
line up to it; that is what makes delivery at-least-once.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from cef_connector.errors import BookmarkError

__all__ = [
    "BOOKMARK_KEY",
    "START_BOOKMARK",
    "START_GENESIS",
    "START_NOW",
    "TIMESTAMP_GENESIS",
    "TIMESTAMP_NOW",
    "Bookmark",
    "BookmarkStore",
    "bookmark_path",
    "initial_timestamp",
    "write_atomically",
]

logger = logging.getLogger(__name__)

#: eNcore's ``start`` values.
START_GENESIS = 0
START_NOW = 1
START_BOOKMARK = 2

#: EventStreamRequest initial timestamps (protocol doc §3.2).
TIMESTAMP_GENESIS = 0
TIMESTAMP_NOW = 0xFFFFFFFF

#: The key eNcore stores the timestamp under (its single "source").
BOOKMARK_KEY = "1"

_MAX_UINT32 = 0xFFFFFFFF


def bookmark_path(state_dir: Path, host: str, port: int) -> Path:
    """Return eNcore's bookmark file name for one server.

    Args:
        state_dir: directory holding the state files.
        host: the server's host as configured.
        port: the server's port.

    Returns:
        ``state_dir / "<host>-<port>_bookmark.dat"``.
    """
    return Path(state_dir) / f"{host}-{port}_bookmark.dat"


def write_atomically(path: Path, data: bytes) -> None:
    """Replace a file's content so that readers see the old or the new content, never a mix.

    Writes a temporary file in the same directory, ``fsync``s it, renames it over
    ``path`` with ``os.replace`` and ``fsync``s the directory.  The directory is
    created when missing.

    Args:
        path: the file to replace.
        data: its new content.

    Raises:
        OSError: the directory, temporary file, rename or sync failed (the temporary
            file is removed).
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - some file systems refuse directory fsync
        pass
    finally:
        os.close(dir_fd)


class Bookmark:
    """The bookmark file of one server.

    Args:
        path: the bookmark file (see :func:`bookmark_path`).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_server(cls, state_dir: Path, host: str, port: int) -> Bookmark:
        """Create the bookmark of a server in a state directory.

        Args:
            state_dir: directory holding the state files.
            host: the server's host as configured.
            port: the server's port.

        Returns:
            The bookmark at :func:`bookmark_path`.
        """
        return cls(bookmark_path(state_dir, host, port))

    def _corrupt(self, what: str) -> BookmarkError:
        return BookmarkError(
            f"bookmark file {self.path} {what}; fix it so that it reads like "
            f'{{"{BOOKMARK_KEY}": 1606927953}} (the archive time to resume from), or delete it '
            "to start as 'start' says (with start = 2 and no bookmark: from the oldest data)"
        )

    def load(self) -> int | None:
        """Read the stored timestamp.

        Returns:
            The archive timestamp to resume from, or None when there is no file.

        Raises:
            BookmarkError: the file exists but cannot be read or is not a valid bookmark
                (the message names the file and the ways out).
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            logger.info("Bookmark file %s does not exist", self.path)
            return None
        except OSError as exc:
            raise self._corrupt(f"cannot be read ({exc.strerror or exc})") from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise self._corrupt("is not valid JSON") from exc
        if not isinstance(data, dict):
            raise self._corrupt("does not hold a JSON object")
        if BOOKMARK_KEY not in data:
            raise self._corrupt(f'has no "{BOOKMARK_KEY}" entry')
        value = data[BOOKMARK_KEY]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_UINT32:
            raise self._corrupt(
                f'holds {json.dumps(value)[:40]} under "{BOOKMARK_KEY}", not a timestamp '
                f"from 0 to {_MAX_UINT32}"
            )
        logger.info("Opening bookmark file %s: %d", self.path, value)
        return value

    def save(self, timestamp: int) -> None:
        """Store a timestamp atomically (temporary file, fsync, rename, directory fsync).

        Args:
            timestamp: archive timestamp (uint32) of the newest record every output has
                flushed.

        Raises:
            BookmarkError: the timestamp is not a uint32, or the file cannot be written.
        """
        if isinstance(timestamp, bool) or not isinstance(timestamp, int):
            raise BookmarkError(f"bookmark timestamp must be an integer, not {timestamp!r}")
        if not 0 <= timestamp <= _MAX_UINT32:
            raise BookmarkError(f"bookmark timestamp {timestamp} is outside 0..{_MAX_UINT32}")
        data = json.dumps({BOOKMARK_KEY: timestamp}).encode("ascii")
        try:
            write_atomically(self.path, data)
        except OSError as exc:
            raise BookmarkError(
                f"cannot write bookmark file {self.path}: {exc.strerror or exc}; check that "
                "the state directory exists, is writable and has free space"
            ) from exc

    def reset(self) -> bool:
        """Delete the bookmark file (``cef-connector bookmark reset``).

        Returns:
            True when a file was deleted, False when there was none.

        Raises:
            BookmarkError: the file exists but cannot be deleted.
        """
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise BookmarkError(
                f"cannot delete bookmark file {self.path}: {exc.strerror or exc}"
            ) from exc
        return True


class BookmarkStore(Bookmark):
    """The bookmark of one server, located by state directory, host and port.

    Args:
        state_dir: directory holding the state files.
        host: the server's host as configured.
        port: the server's port.
    """

    def __init__(self, state_dir: Path, host: str, port: int) -> None:
        super().__init__(bookmark_path(state_dir, host, port))


def initial_timestamp(start: int, bookmark: int | None) -> int:
    """Choose the EventStreamRequest's initial timestamp from ``start`` (eNcore's rule).

    Args:
        start: 0 (genesis), 1 (now) or 2 (bookmark).
        bookmark: the stored bookmark, or None when there is none.

    Returns:
        0 for start 0; 0xFFFFFFFF for start 1; for start 2 the bookmark, or 0 (the oldest
        data) when there is none, as eNcore does.

    Raises:
        BookmarkError: ``start`` is not 0, 1 or 2.
    """
    if start == START_GENESIS:
        logger.info("Timestamp: start = 0 (oldest data available)")
        return TIMESTAMP_GENESIS
    if start == START_NOW:
        logger.info("Timestamp: start = 1 (current data)")
        return TIMESTAMP_NOW
    if start == START_BOOKMARK:
        if bookmark is None:
            logger.info("Timestamp: start = 2 (no bookmark: oldest data available)")
            return TIMESTAMP_GENESIS
        logger.info("Timestamp: start = 2 (bookmark = %d)", bookmark)
        return bookmark
    raise BookmarkError(f"start must be 0 (genesis), 1 (now) or 2 (bookmark), not {start!r}")
