"""The event pipeline: protocol events in, CEF lines out, bookmark advanced after flush.

``RecordHandler`` is the stage between the sans-I/O protocol core and the outputs.
It does no socket I/O, so tests drive it with events built in memory.
``ServerRunner`` (in ``app.py``) owns the socket loop that feeds it.

Duplicates at the resume boundary (protocol doc §3.2: a resume from second T resends
that second, and the FMC may start earlier still) are recognised by *line identity*:
the 64-bit BLAKE2b digest of the CEF line (:func:`line_digest`).  The handler keeps the
identities of the lines written for the newest second and saves them with the bookmark
(``bookmark.ResumeState``); after a reconnect or a restart, a resent record whose line is
among them is skipped, once per stored copy, so identical lines of distinct events are
never merged.  Lines a file output holds beyond its bookmarked position (written but not
bookmarked: the process was killed between flush and save) are recognised the same way,
per output.  The replay ends at the first line of second T or later that is new; what is
left of the remembered identities is then forgotten, so a skip can only ever hit a line
the output already holds.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from cef_connector.bookmark import OutputPosition, ResumeState
from cef_connector.cef import encode
from cef_connector.errors import CefConnectorError, SessionError
from cef_connector.estreamer import (
    BundleEnd,
    ConnectionClosed,
    Keepalive,
    Record,
    RecordDecodeFailed,
    ServerError,
    StreamingInformation,
    UnknownMessage,
    UnknownRecord,
)
from cef_connector.metadata import MetadataCache, names_for
from cef_connector.monitoring import Counters

__all__ = ["DEFAULT_MAX_IDENTITIES", "HandleResult", "RecordHandler", "line_digest"]

log = logging.getLogger(__name__)

#: Identities kept for the newest second (about 20 bytes each in the bookmark file).
DEFAULT_MAX_IDENTITIES = 50_000


def line_digest(data: bytes) -> str:
    """Return the identity of one CEF line: 16 hex digits of its BLAKE2b-64 digest.

    Args:
        data: the line as written, UTF-8 (``line.encode("utf-8", "replace")``), without
            a prefix or line terminator.

    Returns:
        16 lowercase hex digits.
    """
    return hashlib.blake2b(data, digest_size=8).hexdigest()


class _Output(Protocol):
    name: str

    def write(self, line: str, event_time: int | None) -> None: ...

    def flush(self) -> None: ...


class _Mappings(Protocol):
    def map(self, record: Record, names: Any) -> Any: ...


class _Bookmarks(Protocol):
    def save_state(self, state: ResumeState) -> None: ...


class _RecordFilter(Protocol):
    def wants(self, record_type: int) -> bool: ...


@dataclass
class HandleResult:
    """What the socket loop must do after ``RecordHandler.handle``."""

    #: the bundle is complete and flushed: send the acknowledgement now
    acknowledge: bool = False


@dataclass
class RecordHandler:
    """Maps records to CEF lines, writes them, and moves the bookmark safely.

    The bookmark rule (style guide, section 3): the bookmark only ever holds the
    newest archive timestamp of records whose lines every output has flushed.
    Lines are written as records arrive; at the end of each bundle every output
    is flushed (made durable), and only then is the bookmark saved and the
    bundle acknowledged to the FMC. A crash before the flush therefore replays
    the bundle (at-least-once) instead of skipping it; the identities saved with
    the bookmark then keep the replay from writing a line twice (module docstring).

    Args:
        mappings: the compiled mapping table (replaced on SIGHUP by the runner).
        metadata: the metadata cache (learns names, decorates events).
        outputs: every configured output.
        record_filter: which record types the operator wants written.
        bookmarks: where the resume state is saved.
        counters: telemetry.
        save_metadata: called with the cache when metadata changed, at a bundle end.
        dedupe: recognise and skip resent lines (``dedupe.enabled``).
        max_identities: identities kept for the newest second (``dedupe.maxIdentities``);
            lines beyond it may be written twice after a resume, never lost.
        skip_older: while resent records arrive after a resume, skip those older than
            the bookmark's second (``dedupe.skipOlderThanBookmark``); right only when the
            FMC sends records in archive-time order.
    """

    mappings: _Mappings
    metadata: MetadataCache
    outputs: Sequence[_Output]
    record_filter: _RecordFilter
    bookmarks: _Bookmarks
    counters: Counters
    save_metadata: Callable[[MetadataCache], None] | None = None
    dedupe: bool = True
    max_identities: int = DEFAULT_MAX_IDENTITIES
    skip_older: bool = False
    #: the timestamp last saved
    bookmark: int = 0
    #: newest archive second handled; ``_identities`` belong to it
    _newest: int = 0
    _identities: Counter[str] = field(default_factory=Counter)
    _identity_count: int = 0
    _identities_complete: bool = True
    _dirty: bool = False
    _saved_positions: dict[str, OutputPosition] = field(default_factory=dict)
    _replaying: bool = False
    _replay_floor: int = 0
    _replay: Counter[str] = field(default_factory=Counter)
    _tails: list[Counter[str]] = field(default_factory=list)
    _replay_skipped: int = 0
    _metadata_dirty: bool = False
    _warned: set[tuple[str, int]] = field(default_factory=set)

    def handle(self, event: object) -> HandleResult:
        """Process one protocol event.

        Args:
            event: any event returned by ``estreamer.Connection.next_event``.

        Returns:
            Whether the caller must now acknowledge the bundle.

        Raises:
            SessionError: the FMC sent an error message or closed the stream;
                the caller reconnects from the bookmark.
            OutputError: an output could not write or flush; nothing after the
                last flush is bookmarked.
        """
        if isinstance(event, Record):
            self._record(event)
        elif isinstance(event, BundleEnd):
            self._bundle_end()
            return HandleResult(acknowledge=True)
        elif isinstance(event, Keepalive):
            self.counters.keepalives_received_total += 1
        elif isinstance(event, UnknownRecord):
            self.counters.records_received_total[event.record_type] += 1
            self._drop("unknown_record", event.record_type,
                       f"record type {event.record_type} is not known to this version "
                       f"(first seen at stream offset {event.offset}); it is skipped and counted",
                       level=logging.WARNING)
            self._advance(event.archive_timestamp)
        elif isinstance(event, RecordDecodeFailed):
            self.counters.records_received_total[event.record_type] += 1
            self.counters.events_dropped_total["decode_failed"] += 1
            log.error("could not decode record type %d at stream offset %d: %s",
                      event.record_type, event.offset, event.reason)
        elif isinstance(event, ServerError):
            raise SessionError(
                f"the FMC sent error {event.code}: {event.text!r}; reconnecting from the bookmark",
                kind="server_error")
        elif isinstance(event, StreamingInformation):
            log.info("FMC offers streaming services %s", ", ".join(map(str, event.services)))
        elif isinstance(event, UnknownMessage):
            key = ("unknown_message", event.message_type)
            if key not in self._warned:
                self._warned.add(key)
                log.warning("skipping unknown message type %d (%d bytes) at stream offset %d",
                            event.message_type, event.length, event.offset)
        elif isinstance(event, ConnectionClosed):
            raise SessionError("the FMC closed the connection", kind="closed")
        return HandleResult()

    def finish(self) -> None:
        """Flush every output and bookmark everything written.

        Used at shutdown, before a reconnect (so that the new session resumes right
        after the last line written) and to retry after a failed flush: a flush that
        raised leaves every line not yet durable queued in its output, so calling this
        again is safe.

        Raises:
            OutputError: an output could not flush (the bookmark did not move).
            BookmarkError: the bookmark file could not be written.
        """
        self._bundle_end()

    def resume(self, state: ResumeState | None) -> None:
        """Take over the state saved by an earlier run, before the first session.

        Sets the bookmark, the identities of its second and, for every output that
        can tell (``recover``), the lines it holds beyond its bookmarked position.

        Args:
            state: what ``Bookmark.load_state`` returned (None: nothing to resume).

        Raises:
            OutputError: an output could not read back its files.
        """
        if state is None:
            return
        self.bookmark = self._newest = state.timestamp
        self.counters.bookmark = state.timestamp
        if not self.dedupe:
            return
        self._identities = Counter(state.identities)
        self._identity_count = len(state.identities)
        self._identities_complete = state.identities_complete
        self._saved_positions = dict(state.positions)
        self._tails = []
        held = 0
        for output in self.outputs:
            tail: Counter[str] = Counter()
            position = state.positions.get(output.name)
            recover = getattr(output, "recover", None)
            if position is not None and recover is not None:
                tail.update(line_digest(line) for line in recover(position))
            held += sum(tail.values())
            self._tails.append(tail)
        log.info("resuming from bookmark %d: %d lines of that second already written%s; "
                 "%d lines found in the outputs beyond the bookmark", state.timestamp,
                 len(state.identities),
                 "" if state.identities_complete else " (more were not remembered)", held)

    def start_session(self) -> None:
        """Prepare for a new session that resumes from :attr:`bookmark`.

        The FMC resends the bookmark's second (and may start earlier); the lines already
        written for it are recognised and skipped until the first new line of that
        second or later arrives.  Call it after :meth:`finish` succeeded (or right after
        :meth:`resume`), before the request is sent.
        """
        if not self.dedupe:
            return
        self._replay = Counter(self._identities) if self._newest == self.bookmark else Counter()
        self._replay_floor = self.bookmark
        self._replay_skipped = 0
        if len(self._tails) != len(self.outputs):
            self._tails = [Counter() for _ in self.outputs]
        self._replaying = bool(
            self.bookmark
            and (self._replay or any(self._tails) or self.skip_older)
        )

    # -- internals -------------------------------------------------------------

    def _record(self, record: Record) -> None:
        rtype = record.record_type
        self.counters.records_received_total[rtype] += 1
        if record.is_metadata:
            if self.metadata.learn(record):
                self.counters.metadata_learned_total += 1
                self._metadata_dirty = True
            return
        if not self.record_filter.wants(rtype):
            self.counters.events_dropped_total["filtered"] += 1
            self._advance(record.archive_timestamp)
            return
        try:
            cef_event = self.mappings.map(record, names_for(record, self.metadata))
            line = None if cef_event is None else encode(cef_event)
        except CefConnectorError as exc:
            # One bad record must not stop the stream (eNcore's defect D16): count it,
            # say which record it was, go on.
            self.counters.events_dropped_total["mapping_failed"] += 1
            log.error("mapping record type %d at stream offset %d failed: %s",
                      rtype, record.offset, exc)
            self._advance(record.archive_timestamp)
            return
        if line is None:
            self._drop("unmapped", rtype,
                       f"record type {rtype} has no mapping in the configured mapping set; "
                       f"its records are counted as unmapped and not written",
                       level=logging.WARNING)
            self._advance(record.archive_timestamp)
            return
        event_time = record.fields.get("eventSecond")
        timestamp = record.archive_timestamp or 0
        self._advance(timestamp)
        if not self.dedupe:
            for output in self.outputs:
                output.write(line, event_time)
            self.counters.events_written_total[rtype] += 1
            return
        digest = line_digest(line.encode("utf-8", "replace"))
        skip: set[int] = set()
        if self._replaying:
            if self._replay[digest] > 0:
                # Written before the restart or reconnect, and already among the
                # identities of the bookmark's second.
                self._replay[digest] -= 1
                self._duplicate()
                return
            for index, tail in enumerate(self._tails):
                if tail[digest] > 0:
                    tail[digest] -= 1
                    skip.add(index)
            if not skip:
                if timestamp >= self._replay_floor:
                    self._end_replay()
                elif self.skip_older and timestamp:
                    self._duplicate()
                    return
        if self.outputs and len(skip) == len(self.outputs):
            self._duplicate()
            self._note(timestamp, digest)
            return
        for index, output in enumerate(self.outputs):
            if index not in skip:
                output.write(line, event_time)
        self.counters.events_written_total[rtype] += 1
        self._note(timestamp, digest)

    def _duplicate(self) -> None:
        self.counters.events_dropped_total["duplicate"] += 1
        self._replay_skipped += 1

    def _end_replay(self) -> None:
        left = sum(self._replay.values()) + sum(sum(t.values()) for t in self._tails)
        log.info("the resend after the resume from %d is over: %d lines were already "
                 "written and skipped%s", self._replay_floor, self._replay_skipped,
                 f"; {left} remembered lines were not resent" if left else "")
        self._replaying = False
        self._replay = Counter()
        self._tails = [Counter() for _ in self.outputs]

    def _advance(self, archive_timestamp: int | None) -> None:
        if archive_timestamp and archive_timestamp > max(self._newest, self.bookmark):
            self._newest = archive_timestamp
            if self._identities or not self._identities_complete:
                self._identities = Counter()
                self._identity_count = 0
                self._identities_complete = True
            self._dirty = True

    def _note(self, timestamp: int, digest: str) -> None:
        """Remember that a line of second ``timestamp`` is in every output."""
        if timestamp != self._newest or not timestamp:
            return  # an older second: the bookmark does not rest on it
        if self._identity_count < self.max_identities:
            self._identities[digest] += 1
            self._identity_count += 1
            self._dirty = True
        elif self._identities_complete:
            self._identities_complete = False
            self._dirty = True
            log.warning("more than %d lines in archive second %d: only the first %d are "
                        "remembered (dedupe.maxIdentities), so after a resume from this "
                        "second the others may be written twice", self.max_identities,
                        timestamp, self.max_identities)

    def _drop(self, reason: str, record_type: int, message: str, level: int) -> None:
        self.counters.events_dropped_total[reason] += 1
        key = (reason, record_type)
        if key not in self._warned:
            self._warned.add(key)
            log.log(level, "%s", message)

    def _positions(self) -> dict[str, OutputPosition]:
        positions: dict[str, OutputPosition] = {}
        if not self.dedupe:
            return positions
        for output in self.outputs:
            position = getattr(output, "position", None)
            where = position() if position is not None else None
            if where is not None:
                positions[output.name] = where
        return positions

    def _bundle_end(self) -> None:
        # Order matters: flush (durable) first, then the bookmark, then the caller acks.
        # The bookmark never moves before every output's flush() has returned.
        for output in self.outputs:
            output.flush()
        positions = self._positions()
        timestamp = max(self.bookmark, self._newest)
        if timestamp > self.bookmark or self._dirty or positions != self._saved_positions:
            current = self.dedupe and self._newest == timestamp
            state = ResumeState(
                timestamp,
                tuple(sorted(self._identities.elements())) if current else (),
                self._identities_complete if current else True,
                positions,
            )
            self.bookmarks.save_state(state)
            self.bookmark = timestamp
            self.counters.bookmark = timestamp
            self._dirty = False
            self._saved_positions = positions
        if self._metadata_dirty and self.save_metadata is not None:
            try:
                self.save_metadata(self.metadata)
            except CefConnectorError as exc:
                # Only a cache of names (the FMC resends metadata at every session start):
                # warn, and try again at the next bundle end.
                if ("metadata_save", 0) not in self._warned:
                    self._warned.add(("metadata_save", 0))
                    log.warning("%s", exc)
            else:
                self._metadata_dirty = False
