"""The event pipeline: protocol events in, lines out, bookmark advanced after flush.

``RecordHandler`` is the stage between the sans-I/O protocol core and the outputs.
It does no socket I/O, so tests drive it with events built in memory.
``ServerRunner`` (in ``app.py``) owns the socket loop that feeds it.

Each output has an adapter ("cef", "json" or "splunk", eNcore's
``handler.outputters[].adapter``).  A record is decoded and named once
(``metadata.names_for``), then turned into one line per distinct adapter: CEF through
the mapping set, JSON and Splunk through :mod:`cef_connector.formats`; every output is
handed its own adapter's line.  Metadata records are written to json and splunk outputs
when ``handler.records.metadata`` is on (CEF has no mapping for them).  Records we cannot
decode (``UnknownRecord``) are counted per (record type, version), logged once per pair,
and with ``handler.unknownRecords: "raw"`` written as hex (:mod:`cef_connector.formats.unknown`).

Duplicates at the resume boundary (protocol doc §3.2: a resume from second T resends
that second, and the FMC may start earlier still) are recognised by *line identity*:
the 64-bit BLAKE2b digest of a line (:func:`line_digest`).  A record's identity is the
digest of the line of the first output (in configuration order) that receives one, so
with only CEF outputs it is the CEF line's, as before.  The handler keeps the
identities of the records written for the newest second and saves them with the
bookmark (``bookmark.ResumeState``); after a reconnect or a restart, a resent record
whose identity is among them is skipped, once per stored copy, so identical lines of
distinct events are never merged.  Lines a file output holds beyond its bookmarked
position (written but not bookmarked: the process was killed between flush and save)
are recognised per output, by the digest of that output's own line.  The replay ends at
the first record of second T or later that is new; what is left of the remembered
identities is then forgotten, so a skip can only ever hit a line the output already
holds.  (Changing the outputs' order or adapters between two runs changes identities:
the resend may then be written again, never lost.)
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from cef_connector.bookmark import OutputPosition, ResumeState
from cef_connector.cef import encode
from cef_connector.config.schema import ADAPTERS, DEFAULT_DEVICE_VERSION, UNKNOWN_RECORD_MODES
from cef_connector.errors import CefConnectorError, ConfigError, SessionError
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
from cef_connector.formats import (
    RAW_CEF_MAX_DATA_BYTES,
    ComputedView,
    JsonFormatter,
    RawRecord,
    SplunkFormatter,
    raw_cef_line,
    raw_json_line,
    raw_splunk_line,
)
from cef_connector.metadata import MetadataCache, names_for
from cef_connector.monitoring import Counters

__all__ = ["DEFAULT_MAX_IDENTITIES", "HandleResult", "RecordHandler", "line_digest"]

log = logging.getLogger(__name__)

#: Identities kept for the newest second (about 20 bytes each in the bookmark file).
DEFAULT_MAX_IDENTITIES = 50_000

#: CEF header of raw lines when the mapping table does not tell (eNcore's values).
_RAW_CEF_VENDOR = "Cisco"
_RAW_CEF_PRODUCT = "Firepower"

#: Errors one adapter may raise for one record; the record still goes to the others.
_FORMAT_ERRORS = (CefConnectorError, ValueError, TypeError)


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
    """Turns records into lines, writes them, and moves the bookmark safely.

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
        adapters: each output's adapter, in the order of ``outputs`` ("cef", "json" or
            "splunk"); empty means every output is "cef".
        unknown_records: "skip" or "raw" (``handler.unknownRecords``).

    Raises:
        ConfigError: ``adapters`` does not give one known adapter per output, or
            ``unknown_records`` is not "skip" or "raw".
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
    adapters: Sequence[str] = ()
    unknown_records: str = "skip"
    #: the timestamp last saved
    bookmark: int = 0
    #: records we could not decode, by (record type, version); version None = the record
    #: type is unknown, else the block type the known record type came with
    unknown_record_counts: Counter[tuple[int, int | None]] = field(default_factory=Counter)
    #: raw records whose CEF line carries only the first RAW_CEF_MAX_DATA_BYTES bytes
    raw_truncated_total: int = 0
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
    _warned: set[tuple[str, Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        adapters = tuple(self.adapters) or ("cef",) * len(self.outputs)
        if len(adapters) != len(self.outputs):
            raise ConfigError(f"{len(adapters)} adapters were given for {len(self.outputs)} "
                              "outputs; give one adapter per output, in the same order")
        for adapter in adapters:
            if adapter not in ADAPTERS:
                raise ConfigError(f"unknown adapter {adapter!r}; use 'cef', 'json' or 'splunk'")
        if self.unknown_records not in UNKNOWN_RECORD_MODES:
            raise ConfigError(f"handler.unknownRecords: got {self.unknown_records!r}; "
                              "expected one of 'skip', 'raw'")
        #: distinct adapters, in the order of their first output ("cef" for a sink, so
        #: that records are still mapped and counted)
        self._adapter_names: tuple[str, ...] = tuple(dict.fromkeys(adapters)) or ("cef",)
        #: output index → index of its adapter's line
        self._slot_of_output: tuple[int, ...] = tuple(
            self._adapter_names.index(adapter) for adapter in adapters)
        self._uses_view = "json" in self._adapter_names or "splunk" in self._adapter_names
        self._view = ComputedView()
        self._json = JsonFormatter()
        self._splunk = SplunkFormatter()

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
            self._unknown(event)
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
            # Written only by json and splunk outputs (CEF has no metadata mapping), and
            # only when handler.records.metadata (or include) asks for them.
            if not self._uses_view or not self.record_filter.wants(rtype):
                return
        elif not self.record_filter.wants(rtype):
            self.counters.events_dropped_total["filtered"] += 1
            self._advance(record.archive_timestamp)
            return
        lines = self._lines(record)
        if lines is None:
            self._advance(record.archive_timestamp)
            return
        self._emit(rtype, record.archive_timestamp or 0, record.fields.get("eventSecond"), lines)

    def _lines(self, record: Record) -> list[str | None] | None:
        """One line per distinct adapter (None where it has none); None if no line at all."""
        rtype = record.record_type
        names = names_for(record, self.metadata)
        view: dict[str, Any] | None = None
        lines: list[str | None] = []
        found = False
        for adapter in self._adapter_names:
            line: str | None = None
            try:
                if adapter == "cef":
                    if not record.is_metadata:
                        render_line = getattr(self.mappings, "render_line", None)
                        if render_line is not None:
                            # MappingTable's one-step path: the same line as
                            # encode(map(...)), without building the CefEvent.
                            line = render_line(record, names)
                        else:
                            cef_event = self.mappings.map(record, names)
                            line = None if cef_event is None else encode(cef_event)
                        if line is None:
                            self._drop("unmapped", rtype, self._unmapped_message(rtype),
                                       level=logging.WARNING)
                else:
                    if view is None:
                        view = self._view.view(record, names, self.metadata)
                    if adapter == "json":
                        line = self._json.format(rtype, record.archive_timestamp,
                                                 record.fields, view)
                    else:
                        line = self._splunk.format(rtype, record.fields, view)
            except _FORMAT_ERRORS as exc:
                # One bad record must not stop the stream (eNcore's defect D16): count it,
                # say which record it was, go on; the other adapters still get it.
                self.counters.events_dropped_total["mapping_failed"] += 1
                if adapter == "cef":
                    log.error("mapping record type %d at stream offset %d failed: %s",
                              rtype, record.offset, exc)
                else:
                    log.error("writing record type %d at stream offset %d as %s failed: %s",
                              rtype, record.offset, adapter, exc)
            if line is not None:
                found = True
            lines.append(line)
        return lines if found else None

    def _unmapped_message(self, record_type: int) -> str:
        if self._adapter_names == ("cef",):
            return (f"record type {record_type} has no mapping in the configured mapping set; "
                    "its records are counted as unmapped and not written")
        return (f"record type {record_type} has no mapping in the configured mapping set; "
                "its records are counted as unmapped and not written to the cef outputs")

    def _unknown(self, event: UnknownRecord) -> None:
        rtype = event.record_type
        version = event.version
        raw_mode = self.unknown_records == "raw"
        self.counters.records_received_total[rtype] += 1
        self.unknown_record_counts[(rtype, version)] += 1
        if not raw_mode:
            self.counters.events_dropped_total["unknown_record"] += 1
        key = ("unknown_record", (rtype, version))
        if key not in self._warned:
            self._warned.add(key)
            size = len(event.data)
            what = (f"record type {rtype} is not known to this version" if version is None
                    else f"record type {rtype} came with block type {version}, which this "
                         "version cannot decode")
            log.warning("%s (first seen at stream offset %d, %d byte%s of record data); %s",
                        what, event.offset, size, "" if size == 1 else "s",
                        "it is written as raw hex and counted" if raw_mode
                        else "it is skipped and counted")
        if not raw_mode:
            self._advance(event.archive_timestamp)
            return
        decide = getattr(self.record_filter, "wants_unknown", self.record_filter.wants)
        if not decide(rtype):
            self.counters.events_dropped_total["filtered"] += 1
            self._advance(event.archive_timestamp)
            return
        raw = RawRecord(rtype, version, event.archive_timestamp, event.offset, bytes(event.data))
        lines: list[str | None] = []
        for adapter in self._adapter_names:
            if adapter == "json":
                lines.append(raw_json_line(raw))
            elif adapter == "splunk":
                lines.append(raw_splunk_line(raw))
            else:
                lines.append(self._raw_cef(raw))
        self._emit(rtype, event.archive_timestamp or 0, event.archive_timestamp, lines)

    def _raw_cef(self, raw: RawRecord) -> str | None:
        mappings = self.mappings
        try:
            line, truncated = raw_cef_line(
                raw,
                vendor=getattr(mappings, "device_vendor", None)
                or getattr(mappings, "_vendor", None) or _RAW_CEF_VENDOR,
                product=getattr(mappings, "device_product", None)
                or getattr(mappings, "_product", None) or _RAW_CEF_PRODUCT,
                version=getattr(mappings, "device_version", None)
                or getattr(mappings, "_version", None) or DEFAULT_DEVICE_VERSION,
            )
        except CefConnectorError as exc:
            self.counters.events_dropped_total["mapping_failed"] += 1
            log.error("writing record type %d at stream offset %d as raw CEF failed: %s",
                      raw.record_type, raw.offset, exc)
            return None
        if truncated:
            self.raw_truncated_total += 1
            key = ("raw_truncated", raw.record_type)
            if key not in self._warned:
                self._warned.add(key)
                log.warning("record type %d at stream offset %d has %d bytes; CEF lines carry "
                            "the first %d in hex (cs1) and say so in cs2; json and splunk "
                            "lines carry all of them", raw.record_type, raw.offset,
                            len(raw.data), RAW_CEF_MAX_DATA_BYTES)
        return line

    def _emit(self, rtype: int, timestamp: int, event_time: int | None,
              lines: list[str | None]) -> None:
        """Write one record's lines: each output gets its adapter's line (if any)."""
        slots = self._slot_of_output
        self._advance(timestamp)
        if not self.dedupe:
            for index, output in enumerate(self.outputs):
                line = lines[slots[index]]
                if line is not None:
                    output.write(line, event_time)
            self.counters.events_written_total[rtype] += 1
            return
        primary = next(line for line in lines if line is not None)
        digest = line_digest(primary.encode("utf-8", "replace"))
        skip: set[int] = set()
        if self._replaying:
            if self._replay[digest] > 0:
                # Written before the restart or reconnect, and already among the
                # identities of the bookmark's second.
                self._replay[digest] -= 1
                self._duplicate()
                return
            digests: dict[int, str] = {}
            for index, tail in enumerate(self._tails):
                if not tail:
                    continue
                slot = slots[index]
                line = lines[slot]
                if line is None:
                    continue
                own = digests.get(slot)
                if own is None:
                    own = digest if line is primary else line_digest(
                        line.encode("utf-8", "replace"))
                    digests[slot] = own
                if tail[own] > 0:
                    tail[own] -= 1
                    skip.add(index)
            if not skip:
                if timestamp >= self._replay_floor:
                    self._end_replay()
                elif self.skip_older and timestamp:
                    self._duplicate()
                    return
        targets = [index for index in range(len(self.outputs))
                   if lines[slots[index]] is not None]
        if targets and skip.issuperset(targets):
            self._duplicate()
            self._note(timestamp, digest)
            return
        for index in targets:
            if index not in skip:
                line = lines[slots[index]]
                if line is not None:  # always: targets holds the outputs that have a line
                    self.outputs[index].write(line, event_time)
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
        """Count a record not written and log the reason once per (reason, record type)."""
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
