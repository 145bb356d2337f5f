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
    RecordBatch,
    RecordDecodeFailed,
    ServerError,
    StreamingInformation,
    UnknownMessage,
    UnknownRecord,
    decode_spans,
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

__all__ = ["DEFAULT_MAX_IDENTITIES", "HandleResult", "RecordHandler", "RecordRenderer",
           "check_adapters", "line_digest"]

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


class _Sink(Protocol):
    """Where a renderer's results go: the committing half, or a worker's collector."""

    def advance(self, archive_timestamp: int | None) -> None: ...

    def emit(self, rtype: int, timestamp: int, event_time: int | None,
             lines: list[str | None], digest: str | None) -> None: ...


class _Tally(Protocol):
    unknown_record_counts: Counter[tuple[int, int | None]]
    raw_truncated_total: int


#: ``warn(key, level, message)``: log ``message`` once per ``key`` (None: every time).
Warn = Callable[[Any, int, str], None]


def check_adapters(adapters: Sequence[str], outputs: int) -> tuple[str, ...]:
    """Each output's adapter, checked ("cef" for every output when ``adapters`` is empty).

    Raises:
        ConfigError: not one known adapter per output.
    """
    checked = tuple(adapters) or ("cef",) * outputs
    if len(checked) != outputs:
        raise ConfigError(f"{len(checked)} adapters were given for {outputs} "
                          "outputs; give one adapter per output, in the same order")
    for adapter in checked:
        if adapter not in ADAPTERS:
            raise ConfigError(f"unknown adapter {adapter!r}; use 'cef', 'json' or 'splunk'")
    return checked


class RecordRenderer:
    """The half of the pipeline that can run in a worker process: records in, lines out.

    It applies the record filter, learns metadata, names each event (``names_for``),
    renders one line per distinct adapter, writes unknown records as raw lines when asked,
    computes the identity (:func:`line_digest`) of each record's primary line and counts
    the records it receives and drops.  It never touches an output or the bookmark: what
    to write (or how far the archive time moved) goes to ``sink`` in stream order, and
    what to log goes to ``warn``.

    Args:
        mappings: the compiled mapping table.
        metadata: the metadata cache (learns from metadata records, names events).
        record_filter: which record types are written.
        adapter_names: the distinct adapters, in the order of their first output
            ("cef" alone for a handler without outputs).
        unknown_records: "skip" or "raw".
        dedupe: compute each record's identity (else None is passed).
        counters: receives records_received_total and events_dropped_total.
        tally: receives unknown_record_counts and raw_truncated_total.
        sink: receives ``advance`` and ``emit`` calls, in stream order.
        warn: ``warn(key, level, message)``.
        on_learned: called when a metadata record changed the cache.
    """

    def __init__(self, mappings: _Mappings, metadata: MetadataCache,
                 record_filter: _RecordFilter, adapter_names: tuple[str, ...],
                 unknown_records: str, dedupe: bool, counters: Counters, tally: _Tally,
                 sink: _Sink, warn: Warn, on_learned: Callable[[], None] | None = None) -> None:
        if unknown_records not in UNKNOWN_RECORD_MODES:
            raise ConfigError(f"handler.unknownRecords: got {unknown_records!r}; "
                              "expected one of 'skip', 'raw'")
        self.metadata = metadata
        self.record_filter = record_filter
        self.adapter_names = adapter_names
        self.unknown_records = unknown_records
        self.dedupe = dedupe
        self.counters = counters
        self.tally = tally
        self.sink = sink
        self.warn = warn
        self.on_learned = on_learned
        self._uses_view = "json" in adapter_names or "splunk" in adapter_names
        self._name_keys: Callable[[int], frozenset[str] | None] | None = None
        self.mappings = mappings  # sets _name_keys (see the property)
        self._view = ComputedView()
        self._json = JsonFormatter()
        self._splunk = SplunkFormatter()

    @property
    def mappings(self) -> _Mappings:
        """The mapping table (replaced on reload)."""
        return self._mappings

    @mappings.setter
    def mappings(self, mappings: _Mappings) -> None:
        self._mappings = mappings
        # Names restricted to what the CEF mapping reads, unless a json or splunk line
        # (which carry every name) is written too.
        self._name_keys = None if self._uses_view else getattr(mappings, "name_keys", None)

    def record(self, record: Record) -> None:
        """Render one decoded record."""
        rtype = record.record_type
        self.counters.records_received_total[rtype] += 1
        if record.is_metadata:
            if self.metadata.learn(record) and self.on_learned is not None:
                self.on_learned()
            # Written only by json and splunk outputs (CEF has no metadata mapping), and
            # only when handler.records.metadata (or include) asks for them.
            if not self._uses_view or not self.record_filter.wants(rtype):
                return
        elif not self.record_filter.wants(rtype):
            self.counters.events_dropped_total["filtered"] += 1
            self.sink.advance(record.archive_timestamp)
            return
        lines = self._lines(record)
        if lines is None:
            self.sink.advance(record.archive_timestamp)
            return
        self._emit(rtype, record.archive_timestamp or 0, record.fields.get("eventSecond"), lines)

    def decode_failed(self, event: RecordDecodeFailed) -> None:
        """Count a record that could not be decoded, and say which one it was."""
        self.counters.records_received_total[event.record_type] += 1
        self.counters.events_dropped_total["decode_failed"] += 1
        self.warn(None, logging.ERROR,
                  f"could not decode record type {event.record_type} at stream offset "
                  f"{event.offset}: {event.reason}")

    def unknown(self, event: UnknownRecord) -> None:
        """Count a record we have no layout for; write it as raw lines in "raw" mode."""
        rtype = event.record_type
        version = event.version
        raw_mode = self.unknown_records == "raw"
        self.counters.records_received_total[rtype] += 1
        self.tally.unknown_record_counts[(rtype, version)] += 1
        if not raw_mode:
            self.counters.events_dropped_total["unknown_record"] += 1
        size = len(event.data)
        what = (f"record type {rtype} is not known to this version" if version is None
                else f"record type {rtype} came with block type {version}, which this "
                     "version cannot decode")
        self.warn(("unknown_record", (rtype, version)), logging.WARNING,
                  f"{what} (first seen at stream offset {event.offset}, {size} "
                  f"byte{'' if size == 1 else 's'} of record data); "
                  + ("it is written as raw hex and counted" if raw_mode
                     else "it is skipped and counted"))
        if not raw_mode:
            self.sink.advance(event.archive_timestamp)
            return
        decide = getattr(self.record_filter, "wants_unknown", self.record_filter.wants)
        if not decide(rtype):
            self.counters.events_dropped_total["filtered"] += 1
            self.sink.advance(event.archive_timestamp)
            return
        raw = RawRecord(rtype, version, event.archive_timestamp, event.offset, bytes(event.data))
        lines: list[str | None] = []
        for adapter in self.adapter_names:
            if adapter == "json":
                lines.append(raw_json_line(raw))
            elif adapter == "splunk":
                lines.append(raw_splunk_line(raw))
            else:
                lines.append(self._raw_cef(raw))
        if all(line is None for line in lines):
            self.sink.advance(event.archive_timestamp)
            return
        self._emit(rtype, event.archive_timestamp or 0, event.archive_timestamp, lines)

    # -- internals -------------------------------------------------------------

    def _emit(self, rtype: int, timestamp: int, event_time: int | None,
              lines: list[str | None]) -> None:
        digest: str | None = None
        if self.dedupe:
            primary = next(line for line in lines if line is not None)
            digest = line_digest(primary.encode("utf-8", "replace"))
        self.sink.emit(rtype, timestamp, event_time, lines, digest)

    def _lines(self, record: Record) -> list[str | None] | None:
        """One line per distinct adapter (None where it has none); None if no line at all."""
        rtype = record.record_type
        name_keys = self._name_keys
        # CEF alone: only the names the record type's mapping prints are looked up.
        names = names_for(record, self.metadata,
                          name_keys(rtype) if name_keys is not None else None)
        view: dict[str, Any] | None = None
        lines: list[str | None] = []
        found = False
        for adapter in self.adapter_names:
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
                            self.counters.events_dropped_total["unmapped"] += 1
                            self.warn(("unmapped", rtype), logging.WARNING,
                                      self._unmapped_message(rtype))
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
                    self.warn(None, logging.ERROR,
                              f"mapping record type {rtype} at stream offset {record.offset} "
                              f"failed: {exc}")
                else:
                    self.warn(None, logging.ERROR,
                              f"writing record type {rtype} at stream offset {record.offset} "
                              f"as {adapter} failed: {exc}")
            if line is not None:
                found = True
            lines.append(line)
        return lines if found else None

    def _unmapped_message(self, record_type: int) -> str:
        if self.adapter_names == ("cef",):
            return (f"record type {record_type} has no mapping in the configured mapping set; "
                    "its records are counted as unmapped and not written")
        return (f"record type {record_type} has no mapping in the configured mapping set; "
                "its records are counted as unmapped and not written to the cef outputs")

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
            self.warn(None, logging.ERROR,
                      f"writing record type {raw.record_type} at stream offset {raw.offset} "
                      f"as raw CEF failed: {exc}")
            return None
        if truncated:
            self.tally.raw_truncated_total += 1
            self.warn(("raw_truncated", raw.record_type), logging.WARNING,
                      f"record type {raw.record_type} at stream offset {raw.offset} has "
                      f"{len(raw.data)} bytes; CEF lines carry the first "
                      f"{RAW_CEF_MAX_DATA_BYTES} in hex (cs1) and say so in cs2; json and "
                      "splunk lines carry all of them")
        return line


@dataclass
class HandleResult:
    """What the socket loop must do after ``RecordHandler.handle``."""

    #: bundles are complete and flushed: send their acknowledgements now
    acknowledge: bool = False
    #: how many bundles to acknowledge (more than 1 when several were settled at once)
    bundles: int = 1


@dataclass
class RecordHandler:
    """Turns records into lines, writes them, and moves the bookmark safely.

    The bookmark rule (style guide, section 3): the bookmark only ever holds the
    newest archive timestamp of records whose lines every output has flushed.
    Lines are written as records arrive; at the end of each bundle every output
    is flushed (made durable), and only then is the bookmark saved and the
    bundle acknowledged to the FMC.  With ``settle_bundles`` > 1 the flush may wait
    for up to that many bundles while the caller has more of them in hand (an FMC that
    sends several bundles before it waits, a replay): :meth:`settle`, called by the
    caller when its input runs dry, flushes, bookmarks and says how many bundles to
    acknowledge.  No bundle is ever acknowledged before its lines are durable. A crash before the flush therefore replays
    the bundle (at-least-once) instead of skipping it; the identities saved with
    the bookmark then keep the replay from writing a line twice (module docstring).

    The work is split in two halves.  A :class:`RecordRenderer` turns each record
    into lines (filter, metadata, names, adapters, identity); this class commits its
    results in stream order (writes, bookmark, dedupe).  Without ``workers`` the
    renderer runs in this process, record by record.  With a worker pool
    (``parallel.WorkerPool``, ``workerProcesses`` > 1) the connection hands over whole
    messages (``RecordBatch``); the pool renders them in worker processes and this
    class commits the results chunk by chunk, in stream order, so the output, the
    bookmark and the counters are the same as with one process.

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
        workers: a started ``parallel.WorkerPool`` rendering ``RecordBatch`` events, or
            None to render in this process.  Its renderers must be built with the same
            settings (``parallel.RendererSpec``).
        settle_bundles: flush and bookmark at the latest after this many bundles; until
            then a ``BundleEnd`` only counts (1: at every bundle end, the default).

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
    workers: Any = None
    settle_bundles: int = 1
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
    #: bundles ended but not yet flushed, bookmarked and handed back for acknowledgement
    _unsettled: int = 0

    def __post_init__(self) -> None:
        if self.settle_bundles < 1:
            raise ConfigError(f"settle_bundles must be at least 1, not {self.settle_bundles}")
        adapters = check_adapters(self.adapters, len(self.outputs))
        #: distinct adapters, in the order of their first output ("cef" for a sink, so
        #: that records are still mapped and counted)
        self._adapter_names: tuple[str, ...] = tuple(dict.fromkeys(adapters)) or ("cef",)
        #: output index → index of its adapter's line
        self._slot_of_output: tuple[int, ...] = tuple(
            self._adapter_names.index(adapter) for adapter in adapters)
        #: one output: its line is always line 0 (see _emit)
        self._single = len(self.outputs) == 1
        self._renderer = RecordRenderer(
            self.mappings, self.metadata, self.record_filter, self._adapter_names,
            self.unknown_records, self.dedupe, self.counters, self, self, self._warn,
            self._learned)
        #: the mappings the worker processes were last told to use
        self._worker_mappings = self.mappings

    @property
    def adapter_names(self) -> tuple[str, ...]:
        """The distinct adapters, in the order of their first output."""
        return self._adapter_names

    def handle(self, event: object) -> HandleResult:
        """Process one protocol event.

        Args:
            event: any event returned by ``estreamer.Connection.next_event``.

        Returns:
            Whether the caller must now acknowledge the bundle.

        Raises:
            SessionError: the FMC sent an error message or closed the stream, or a
                worker process ended (kind ``worker_died``); the caller reconnects from
                the bookmark.
            OutputError: an output could not write or flush; nothing after the
                last flush is bookmarked.
        """
        if isinstance(event, Record):
            self._local().record(event)
        elif isinstance(event, RecordBatch):
            self._batch(event)
        elif isinstance(event, BundleEnd):
            self._unsettled += 1
            if self._unsettled < self.settle_bundles:
                return HandleResult()
            return HandleResult(acknowledge=True, bundles=self.settle())
        elif isinstance(event, Keepalive):
            self.counters.keepalives_received_total += 1
        elif isinstance(event, UnknownRecord):
            self._local().unknown(event)
        elif isinstance(event, RecordDecodeFailed):
            self._local().decode_failed(event)
        elif isinstance(event, ServerError):
            raise SessionError(
                f"the FMC sent error {event.code}: {event.text!r}; reconnecting from the bookmark",
                kind="server_error")
        elif isinstance(event, StreamingInformation):
            log.info("FMC offers streaming services %s", ", ".join(map(str, event.services)))
        elif isinstance(event, UnknownMessage):
            self._warn(("unknown_message", event.message_type), logging.WARNING,
                       f"skipping unknown message type {event.message_type} ({event.length} "
                       f"bytes) at stream offset {event.offset}")
        elif isinstance(event, ConnectionClosed):
            raise SessionError("the FMC closed the connection", kind="closed")
        return HandleResult()

    @property
    def unsettled(self) -> int:
        """Bundles ended whose flush, bookmark and acknowledgement are still to come."""
        return self._unsettled

    def settle(self) -> int:
        """Flush and bookmark the bundles ended so far; return how many to acknowledge.

        Call it when no further complete message is at hand (``NEED_DATA``), so that
        no bundle waits for its acknowledgement longer than the input is idle.  After it
        raised (disk full), call it again once :meth:`finish` succeeds: it then returns
        the same count.

        Returns:
            The number of bundles now durable and not yet handed back (0: none).

        Raises:
            OutputError, BookmarkError: as :meth:`finish`; the count is kept.
            SessionError: a worker process ended (kind ``worker_died``).
        """
        if not self._unsettled:
            return 0
        self._collect(wait=True)
        self._bundle_end()
        settled, self._unsettled = self._unsettled, 0
        return settled

    def finish(self) -> None:
        """Flush every output and bookmark everything written.

        Used at shutdown, before a reconnect (so that the new session resumes right
        after the last line written) and to retry after a failed flush: a flush that
        raised leaves every line not yet durable queued in its output, so calling this
        again is safe.  With worker processes, the chunks still being rendered are
        written first.

        Raises:
            OutputError: an output could not flush (the bookmark did not move).
            BookmarkError: the bookmark file could not be written.
            SessionError: a worker process ended (what it had not rendered is neither
                written nor bookmarked; what was written before is).
        """
        try:
            self._collect(wait=True)
        finally:
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
        self._unsettled = 0  # bundles of the old connection are never acknowledged
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

    # -- rendering: in this process or in the workers ---------------------------

    def _local(self) -> RecordRenderer:
        """The in-process renderer, with every earlier chunk of the workers written."""
        if self.workers is not None and self.workers.outstanding:
            self._collect(wait=True)
        renderer = self._renderer
        if renderer.mappings is not self.mappings:  # reloaded (SIGHUP, --watch)
            renderer.mappings = self.mappings
        return renderer

    def _batch(self, batch: RecordBatch) -> None:
        workers = self.workers
        if workers is None:
            renderer = self._local()
            for event in decode_spans(batch.body, batch.offset, batch.spans):
                if type(event) is Record:
                    renderer.record(event)
                elif type(event) is UnknownRecord:
                    renderer.unknown(event)
                else:
                    renderer.decode_failed(event)  # type: ignore[arg-type]
            return
        if self.mappings is not self._worker_mappings:
            # Reloaded: the workers rebuild theirs before the next chunk (pipes are FIFO).
            workers.reload()
            self._worker_mappings = self.mappings
        # At most two chunks per worker in flight: the pipes never fill both ways, and
        # no more is rendered ahead than the outputs can take.
        self._collect(wait=True, keep=2 * workers.processes)
        workers.submit(batch, self._learn_in_main)
        self._collect(wait=False)

    def _learn_in_main(self, record: Record) -> None:
        """A metadata record of a batch sent to the workers: keep this cache current too."""
        if self.metadata.learn(record):
            self._learned()

    def _learned(self) -> None:
        self.counters.metadata_learned_total += 1
        self._metadata_dirty = True

    def _collect(self, wait: bool, keep: int = 0) -> None:
        """Commit the workers' results that are ready (all but ``keep`` when ``wait``)."""
        workers = self.workers
        if workers is None or not workers.outstanding:
            return
        counters = self.counters
        advance = self._advance
        emit = self._emit
        for items, received, dropped, unknown, raw_truncated, logs in workers.results(wait, keep):
            for key, level, message in logs:
                self._warn(key, level, message)
            if received:
                counters.records_received_total.update(received)
            if dropped:
                counters.events_dropped_total.update(dropped)
            if unknown:
                self.unknown_record_counts.update(unknown)
            self.raw_truncated_total += raw_truncated
            for item in items:
                if type(item) is int:
                    advance(item)
                else:
                    emit(*item)

    def _warn(self, key: Any, level: int, message: str) -> None:
        """Log ``message`` once per ``key`` (every time when ``key`` is None)."""
        if key is not None:
            if key in self._warned:
                return
            self._warned.add(key)
        log.log(level, "%s", message)

    # -- committing: the _Sink of the renderer ----------------------------------

    def advance(self, archive_timestamp: int | None) -> None:
        """A record that writes no line moved the archive time (renderer callback)."""
        self._advance(archive_timestamp)

    def emit(self, rtype: int, timestamp: int, event_time: int | None,
             lines: list[str | None], digest: str | None) -> None:
        """Write one record's lines (renderer callback); see :meth:`_emit`."""
        self._emit(rtype, timestamp, event_time, lines, digest)

    def _emit(self, rtype: int, timestamp: int, event_time: int | None,
              lines: list[str | None], digest: str | None) -> None:
        """Write one record's lines: each output gets its adapter's line (if any)."""
        slots = self._slot_of_output
        self._advance(timestamp)
        if self._single and digest is not None and not self._replaying:
            # The common case, one output and no resend to recognise: write and note.
            line = lines[0]
            if line is not None:
                self.outputs[0].write(line, event_time)
            self.counters.events_written_total[rtype] += 1
            self._note(timestamp, digest)
            return
        if not self.dedupe or digest is None:
            for index, output in enumerate(self.outputs):
                line = lines[slots[index]]
                if line is not None:
                    output.write(line, event_time)
            self.counters.events_written_total[rtype] += 1
            return
        skip: set[int] = set()
        if self._replaying:
            if self._replay[digest] > 0:
                # Written before the restart or reconnect, and already among the
                # identities of the bookmark's second.
                self._replay[digest] -= 1
                self._duplicate()
                return
            primary = next(line for line in lines if line is not None)
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
