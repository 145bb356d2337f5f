"""The event pipeline: protocol events in, CEF lines out, bookmark advanced after flush.

``RecordHandler`` is the stage between the sans-I/O protocol core and the outputs.
It does no socket I/O, so tests drive it with events built in memory.
``ServerRunner`` (in ``app.py``) owns the socket loop that feeds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

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

__all__ = ["RecordHandler", "HandleResult"]

log = logging.getLogger(__name__)


class _Output(Protocol):
    name: str

    def write(self, line: str, event_time: int | None) -> None: ...

    def flush(self) -> None: ...


class _Mappings(Protocol):
    def map(self, record: Record, names: Any) -> Any: ...


class _Bookmarks(Protocol):
    def save(self, timestamp: int) -> None: ...


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
    the bundle (at-least-once) instead of skipping it.

    Args:
        mappings: the compiled mapping table.
        metadata: the metadata cache (learns names, decorates events).
        outputs: every configured output.
        record_filter: which record types the operator wants written.
        bookmarks: where the bookmark is saved.
        counters: telemetry.
        save_metadata: called with the cache when metadata changed, at a bundle end.
    """

    mappings: _Mappings
    metadata: MetadataCache
    outputs: Sequence[_Output]
    record_filter: _RecordFilter
    bookmarks: _Bookmarks
    counters: Counters
    save_metadata: Callable[[MetadataCache], None] | None = None
    bookmark: int = 0
    _pending_timestamp: int = 0
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
            self.counters.errors_total["server_error"] += 1
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
        """Flush every output and bookmark everything written (used at shutdown)."""
        self._bundle_end()

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
        for output in self.outputs:
            output.write(line, event_time)
        self.counters.events_written_total[rtype] += 1
        self._advance(record.archive_timestamp)

    def _advance(self, archive_timestamp: int | None) -> None:
        if archive_timestamp and archive_timestamp > self._pending_timestamp:
            self._pending_timestamp = archive_timestamp

    def _drop(self, reason: str, record_type: int, message: str, level: int) -> None:
        self.counters.events_dropped_total[reason] += 1
        key = (reason, record_type)
        if key not in self._warned:
            self._warned.add(key)
            log.log(level, "%s", message)

    def _bundle_end(self) -> None:
        # Order matters: flush (durable) first, then the bookmark, then the caller acks.
        for output in self.outputs:
            output.flush()
        if self._pending_timestamp > self.bookmark:
            self.bookmarks.save(self._pending_timestamp)
            self.bookmark = self._pending_timestamp
            self.counters.bookmark = self.bookmark
        if self._metadata_dirty and self.save_metadata is not None:
            self.save_metadata(self.metadata)
            self._metadata_dirty = False
