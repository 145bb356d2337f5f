"""The resume point per FMC (eNcore's ``<host>-<port>_bookmark.dat``), stored atomically.

The file format is eNcore's, so a bookmark left by eNcore is picked up: a JSON object
whose key ``"1"`` holds the newest archive timestamp handled, e.g.
``{"1": 1606927953}`` (protocol doc §1.5).  Unlike eNcore, an unreadable or corrupt
file is an error rather than a silent restart from the oldest data, and writes go
through a temporary file, ``fsync`` and ``os.replace`` so that a crash leaves either
the old or the new bookmark, never a torn one.

The caller (the pipeline) saves a timestamp only after every output has flushed every
line up to it; that is what makes delivery at-least-once.

Beside ``"1"`` the file may hold our own entry, ``"cefConnector"`` (eNcore reads only
``"1"`` and keeps other keys when it rewrites the file), which makes a resume free of
duplicates as well as of gaps (:class:`ResumeState`)::

    {"1": 1606927953,
     "cefConnector": {"format": 1, "second": 1606927953, "complete": true,
                      "written": ["3f0c9a1b2d4e5f60", ...],
                      "outputs": {"relfile:///cef/events.{0}.cef":
                                  {"path": "/var/lib/cef/events.20201202T164553.000000Z.cef",
                                   "size": 1048576}}}}

* ``written``: the identities (line digests, see ``pipeline.line_digest``) of the lines
  written for records of the bookmark's second, one entry per line (a multiset).  The
  FMC resends that second on a resume (protocol doc §3.2); these lines are recognised
  and skipped.  ``complete`` is false when there were more than the configured maximum.
* ``outputs``: where each file output stood when the bookmark was saved.  Lines found
  after that point at start-up were written but not bookmarked (the process was killed
  between the flush and the save); they are recognised and skipped as well.
* ``second`` repeats ``"1"``: when eNcore (or an operator) changes ``"1"``, the
  identities no longer belong to the bookmark and are ignored.

Both keys are written in one atomic replace, so they always belong together.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cef_connector.durable import write_atomically
from cef_connector.errors import BookmarkError

__all__ = [
    "BOOKMARK_KEY",
    "EXTENSION_KEY",
    "EXTENSION_FORMAT",
    "START_BOOKMARK",
    "START_GENESIS",
    "START_NOW",
    "TIMESTAMP_GENESIS",
    "TIMESTAMP_NOW",
    "Bookmark",
    "BookmarkStore",
    "OutputPosition",
    "ResumeState",
    "bookmark_path",
    "initial_timestamp",
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

#: Our entry beside eNcore's ``"1"`` (see the module docstring).
EXTENSION_KEY = "cefConnector"

#: Version of the layout of :data:`EXTENSION_KEY`; a newer one is refused, not guessed.
EXTENSION_FORMAT = 1

_MAX_UINT32 = 0xFFFFFFFF
_DIGEST = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class OutputPosition:
    """Where a file output stood when the bookmark was saved.

    Attributes:
        path: the file being written.
        size: its size in bytes; every byte before it was flushed (fsynced).
    """

    path: str
    size: int


@dataclass(frozen=True)
class ResumeState:
    """Everything a resume needs: eNcore's timestamp plus what makes it duplicate-free.

    Attributes:
        timestamp: the newest archive timestamp whose lines every output has flushed.
        identities: digests of the lines written for records of second ``timestamp``,
            one per line, sorted.
        identities_complete: False when the second had more lines than were kept.
        positions: file output name → where it stood at the save.
    """

    timestamp: int
    identities: tuple[str, ...] = ()
    identities_complete: bool = True
    positions: Mapping[str, OutputPosition] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object stored in the bookmark file.

        Returns:
            ``{"1": timestamp}``, plus the ``"cefConnector"`` entry when there are
            identities or positions to keep (so a plain save stays eNcore's format).
        """
        data: dict[str, Any] = {BOOKMARK_KEY: self.timestamp}
        if self.identities or self.positions or not self.identities_complete:
            data[EXTENSION_KEY] = {
                "format": EXTENSION_FORMAT,
                "second": self.timestamp,
                "complete": self.identities_complete,
                "written": list(self.identities),
                "outputs": {
                    name: {"path": position.path, "size": position.size}
                    for name, position in sorted(self.positions.items())
                },
            }
        return data


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
        state = self.load_state()
        return None if state is None else state.timestamp

    def load_state(self) -> ResumeState | None:
        """Read the whole resume state: the timestamp and our ``"cefConnector"`` entry.

        Returns:
            The state, or None when there is no file.  A file written by eNcore (no
            entry) gives a state without identities or positions.

        Raises:
            BookmarkError: the file exists but cannot be read, is not a valid bookmark,
                or its ``"cefConnector"`` entry is invalid (the message names the file
                and the ways out).
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
        if EXTENSION_KEY not in data:
            return ResumeState(value)
        return self._extension(value, data[EXTENSION_KEY])

    def _bad_extension(self, timestamp: int, what: str) -> BookmarkError:
        return BookmarkError(
            f'bookmark file {self.path} has an invalid "{EXTENSION_KEY}" entry ({what}); fix '
            f'it, or remove that entry to resume from {timestamp} without it (the events of '
            f"that second may then be written twice), or delete the file to start as 'start' "
            "says"
        )

    def _extension(self, timestamp: int, entry: object) -> ResumeState:
        if not isinstance(entry, dict):
            raise self._bad_extension(timestamp, "not a JSON object")
        version = entry.get("format")
        if version != EXTENSION_FORMAT:
            raise self._bad_extension(
                timestamp,
                f"format {json.dumps(version)[:20]}, this version reads format "
                f"{EXTENSION_FORMAT}; it was written by another version of cef-connector",
            )
        second = entry.get("second")
        complete = entry.get("complete")
        written = entry.get("written")
        outputs = entry.get("outputs")
        if isinstance(second, bool) or not isinstance(second, int):
            raise self._bad_extension(timestamp, '"second" is not a timestamp')
        if not isinstance(complete, bool):
            raise self._bad_extension(timestamp, '"complete" is not true or false')
        if not isinstance(written, list) or not all(
            isinstance(item, str) and _DIGEST.fullmatch(item) for item in written
        ):
            raise self._bad_extension(
                timestamp, '"written" is not a list of 16-digit lowercase hex identities'
            )
        if not isinstance(outputs, dict):
            raise self._bad_extension(timestamp, '"outputs" is not a JSON object')
        positions: dict[str, OutputPosition] = {}
        for name, item in outputs.items():
            size = item.get("size") if isinstance(item, dict) else None
            path = item.get("path") if isinstance(item, dict) else None
            if (
                not isinstance(path, str)
                or not path
                or isinstance(size, bool)
                or not isinstance(size, int)
                or size < 0
            ):
                raise self._bad_extension(
                    timestamp, f'output {json.dumps(name)[:60]} needs "path" and "size"'
                )
            positions[name] = OutputPosition(path, size)
        if second != timestamp:
            # "1" was changed by someone else (eNcore keeps our entry when it rewrites the
            # file): the identities belong to another second, and the positions are stale.
            logger.warning(
                'Bookmark file %s: "%s" belongs to second %d, not to the bookmark %d; it '
                "is ignored (events of second %d may be written twice)",
                self.path, EXTENSION_KEY, second, timestamp, timestamp,
            )
            return ResumeState(timestamp)
        return ResumeState(timestamp, tuple(written), complete, positions)

    def save(self, timestamp: int) -> None:
        """Store a timestamp atomically (temporary file, fsync, rename, directory fsync).

        Args:
            timestamp: archive timestamp (uint32) of the newest record every output has
                flushed.

        Raises:
            BookmarkError: the timestamp is not a uint32, or the file cannot be written.
        """
        self.save_state(ResumeState(timestamp))

    def save_state(self, state: ResumeState) -> None:
        """Store a whole resume state atomically, in one file (see the module docstring).

        Args:
            state: the timestamp and, optionally, identities and output positions.

        Raises:
            BookmarkError: the timestamp is not a uint32, or the file cannot be written.
        """
        timestamp = state.timestamp
        if isinstance(timestamp, bool) or not isinstance(timestamp, int):
            raise BookmarkError(f"bookmark timestamp must be an integer, not {timestamp!r}")
        if not 0 <= timestamp <= _MAX_UINT32:
            raise BookmarkError(f"bookmark timestamp {timestamp} is outside 0..{_MAX_UINT32}")
        data = json.dumps(state.to_json(), separators=(", ", ": ")).encode("utf-8")
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
