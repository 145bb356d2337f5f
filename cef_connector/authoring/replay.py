"""``cef-connector replay FILE``: the full pipeline, offline, at full speed, from a capture.

:func:`replay` feeds a capture (:mod:`cef_connector.authoring.capture_file`) through the
same stages a live session uses: ``estreamer.Connection`` → ``pipeline.RecordHandler``
(metadata learned from the capture itself, names, mapping, encoding) → the outputs,
flushed at every bundle end.  Nothing touches the service's state: no bookmark is
saved, no metadata file is written, and resent-line detection is off (a capture is one
session).  With the same mappings the lines are byte-identical to those the live run
wrote, which makes a capture a regression test and a benchmark input: both call
:func:`replay` directly.

:func:`replay_command` is the command: outputs from ``--out URI`` (file URIs, syslog
URIs, ``-`` for standard output) or else the configuration's outputters, mappings from
:class:`~cef_connector.authoring.options.MappingChoice`, and a progress bar on a terminal.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from cef_connector.authoring.capture_file import CHUNK_BYTES, CaptureEnd, CaptureEvent, read_capture
from cef_connector.authoring.options import MappingChoice
from cef_connector.bookmark import ResumeState
from cef_connector.config.schema import OutputterSettings, SyslogSettings
from cef_connector.errors import ConfigError, OutputError, SessionError
from cef_connector.estreamer import METADATA_RECORD_TYPES, BundleEnd, Limits
from cef_connector.mapping import MappingTable
from cef_connector.metadata import MetadataCache
from cef_connector.monitoring import Counters
from cef_connector.outputs import FILE_SCHEMES, SYSLOG_SCHEMES, build_output
from cef_connector.pipeline import RecordHandler

__all__ = ["ReplayResult", "StandardOutput", "replay", "replay_command", "output_spec"]

log = logging.getLogger(__name__)

#: Seconds between two progress callbacks.
_PROGRESS_SECONDS = 0.2


class _NoBookmark:
    """A replay never moves the service's bookmark."""

    def save_state(self, state: ResumeState) -> None:
        """Ignore the resume state (a replay is not a delivery to resume)."""


class _EveryRecord:
    """Record filter that wants every record type."""

    @staticmethod
    def wants(record_type: int) -> bool:
        return True


class StandardOutput:
    """An output writing one line per event to a text stream (``--out -``).

    Args:
        stream: where to write (default ``sys.stdout``).
    """

    DELIVERY = "best-effort"

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.name = "stdout"
        self.stream = stream
        self.paths: list[str] = []
        self.lines_written = 0
        self._broken = False

    def open(self) -> None:
        """Nothing to open."""

    def write(self, line: str, event_time: int | None) -> None:
        """Write one line and a line feed.

        Raises:
            OutputError: the reader went away (``replay … | head``).
        """
        try:
            (self.stream or sys.stdout).write(line + "\n")
        except BrokenPipeError:
            raise self._gone() from None
        self.lines_written += 1

    def flush(self) -> None:
        """Flush the stream.

        Raises:
            OutputError: the reader went away.
        """
        if self._broken:
            return
        try:
            (self.stream or sys.stdout).flush()
        except BrokenPipeError:
            raise self._gone() from None

    def close(self) -> None:
        """Flush; the stream stays open (it is not ours)."""
        if not self._broken:
            self.flush()

    def _gone(self) -> OutputError:
        self._broken = True
        if self.stream is None:
            # Nothing more can reach the reader; keep the interpreter's final flush quiet.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return OutputError("standard output was closed by its reader; the replay stopped there")

    def reopen(self) -> None:
        """Nothing to reopen."""


@dataclass
class ReplayResult:
    """What a replay did.

    Attributes:
        counters: the pipeline's counters (events written by type, drops by reason …).
        bytes_read: bytes of the capture read.
        elapsed_seconds: wall time of the replay.
        output_paths: files written.
        end: how the capture ended (a clean end, or an incomplete last message).
        server_errors: Error messages the capture holds (the FMC ended the session).
    """

    counters: Counters
    bytes_read: int = 0
    elapsed_seconds: float = 0.0
    output_paths: list[str] = field(default_factory=list)
    end: CaptureEnd | None = None
    server_errors: list[str] = field(default_factory=list)


def replay(
    capture: Path | BinaryIO,
    mappings: MappingTable,
    outputs: Sequence[Any],
    *,
    adapters: Sequence[str] = (),
    record_filter: Any = None,
    unknown_records: str = "skip",
    limits: Limits = Limits(),
    metadata: MetadataCache | None = None,
    stop: threading.Event | None = None,
    on_progress: Callable[[int, Counters], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    clock: Callable[[], float] = time.monotonic,
) -> ReplayResult:
    """Run a capture through the pipeline into the outputs.

    The outputs are opened here and closed at the end (also on an error); every
    output is flushed at each bundle end, as in a live session.

    Args:
        capture: the capture file (path or binary stream).
        mappings: the mapping table.
        outputs: the outputs (``outputs.build_output`` objects, :class:`StandardOutput` …).
        adapters: each output's adapter ("cef", "json", "splunk"); empty: all "cef".
        record_filter: which record types to write (``Settings.record_filter``); None: all.
        unknown_records: "skip" or "raw" (``handler.unknownRecords``).
        limits: protocol limits.
        metadata: a metadata cache to start from; default: empty, learned from the capture.
        stop: set it to end the replay early (after the current event).
        on_progress: called with (bytes read, counters) about five times a second and
            at the end.
        chunk_bytes: bytes read from the capture at a time.
        clock: monotonic seconds.

    Returns:
        Counters, bytes read, time taken, files written and how the capture ended.

    Raises:
        OutputError: an output could not write or flush.
        CefConnectorError: the capture cannot be read.
    """
    counters = Counters()
    options: dict[str, Any] = {}
    if adapters:
        options["adapters"] = tuple(adapters)
    if unknown_records != "skip":
        options["unknown_records"] = unknown_records
    handler = RecordHandler(
        mappings=mappings, metadata=metadata if metadata is not None else MetadataCache(),
        outputs=list(outputs), record_filter=record_filter or _EveryRecord(),
        bookmarks=_NoBookmark(), counters=counters, dedupe=False, **options,
    )
    result = ReplayResult(counters)
    started = clock()
    next_report = started + _PROGRESS_SECONDS
    opened: list[Any] = []
    try:
        for output in outputs:
            output.open()
            opened.append(output)
        for item in read_capture(capture, limits=limits, chunk_bytes=chunk_bytes):
            if isinstance(item, CaptureEnd):
                result.end = item
                result.bytes_read = item.bytes_read
                break
            assert isinstance(item, CaptureEvent)
            result.bytes_read = item.bytes_read
            try:
                handler.handle(item.event)
            except SessionError as exc:  # an Error message in the capture: the FMC ended there
                result.server_errors.append(str(exc))
                log.warning("the capture holds an Error message from the FMC: %s", exc)
            if isinstance(item.event, BundleEnd):
                counters.bundles_acknowledged_total += 1
                if on_progress is not None and clock() >= next_report:
                    on_progress(result.bytes_read, counters)
                    next_report = clock() + _PROGRESS_SECONDS
            if stop is not None and stop.is_set():
                break
        handler.finish()
    finally:
        for output in opened:
            output.close()
    result.elapsed_seconds = clock() - started
    for output in outputs:
        result.output_paths.extend(getattr(output, "paths", []))
    if on_progress is not None:
        on_progress(result.bytes_read, counters)
    return result


def output_spec(uri: str, mapping_set: str) -> OutputterSettings:
    """Describe an output given as ``--out URI`` (one file without rotation, or a syslog URI).

    Args:
        uri: ``relfile:///…``, ``file:///…``, ``udp://``, ``tcp://`` or ``tls://`` URI.
        mapping_set: the mapping set (``encore-compat`` files get eNcore's line prefix).

    Returns:
        The outputter settings ``outputs.build_output`` takes.

    Raises:
        ConfigError: the scheme is not one of those.
    """
    scheme = uri.partition("://")[0].lower()
    prefix = "encore" if mapping_set == "encore-compat" else "none"
    if scheme in FILE_SCHEMES:
        return OutputterSettings(adapter="cef", uri=uri, rotate=False, prefix=prefix)
    if scheme in SYSLOG_SCHEMES:
        framing = {"udp": None, "tcp": "lf", "tls": "octet"}[scheme]
        return OutputterSettings(adapter="cef", uri=uri, prefix="none",
                                 syslog=SyslogSettings(uris=(uri,), framing=framing))
    raise ConfigError(f"--out {uri!r}: use -, file:///dir/name.{{0}}.cef, relfile:///dir/name.cef, "
                      "udp://host:port, tcp://host:port or tls://host:port")


def _outputs(uris: Sequence[str], settings: Any, mapping_set: str, base_dir: Path,
             stop: threading.Event) -> tuple[list[Any], list[str]]:
    hostname = socket.gethostname().split(".")[0] or "localhost"
    outputs: list[Any] = []
    adapters: list[str] = []
    specs: list[OutputterSettings]
    if uris:
        specs = []
        for uri in uris:
            if uri == "-":
                outputs.append(StandardOutput())
                adapters.append("cef")
                continue
            specs.append(output_spec(uri, mapping_set))
    elif settings is not None:
        specs = list(settings.outputters)
    else:
        outputs.append(StandardOutput())
        adapters.append("cef")
        specs = []
    for spec in specs:
        outputs.append(build_output(spec, base_dir=base_dir, clock=time.time, hostname=hostname, stop=stop))
        adapters.append(getattr(spec, "adapter", "cef"))
    return outputs, adapters


def replay_command(capture: Path, *, config: Path | None, choice: MappingChoice, out: Sequence[str],
                   progress: bool, report: IO[str]) -> int:
    """Run ``cef-connector replay``.

    Args:
        capture: the capture file.
        config: the configuration (outputters, record filter, limits), or None.
        choice: the mappings.
        out: ``--out`` URIs (``-`` = standard output); none: the configuration's
            outputters, or standard output without a configuration.
        progress: draw a progress bar on standard error (when it is a terminal).
        report: where the summary goes (standard error when lines go to standard output).

    Returns:
        0 after a complete replay; 1 when the capture ended inside a message.
    """
    settings = None
    if config is not None:
        from cef_connector.config import load_settings

        settings = load_settings(config)
    if not capture.is_file():
        raise ConfigError(f"the capture {capture} does not exist (record one with cef-connector "
                          "capture, or with simulate --record-stream)")
    mappings = choice.load()
    stop = threading.Event()
    base_dir = settings.config_dir if settings is not None else Path.cwd()
    outputs, adapters = _outputs(out, settings, choice.mapping_set, base_dir, stop)
    limits = Limits()
    if settings is not None:
        limits = Limits(max_message_bytes=settings.limits.max_message_bytes,
                        max_bundle_records=settings.limits.max_bundle_records,
                        max_block_depth=settings.limits.max_block_depth)
    total = capture.stat().st_size
    bar = None
    if progress:
        from cef_connector.progress import EventProgress

        bar = EventProgress(total, "replay: bytes read")
        if not bar.enabled:
            bar = None
    started = time.monotonic()

    def show(done: int, counters: Counters) -> None:
        if bar is not None:
            bar.update(done, counters.events_written / max(time.monotonic() - started, 1e-9))

    if bar is not None:
        bar.__enter__()
    try:
        result = replay(
            capture, mappings, outputs, adapters=adapters,
            record_filter=settings.record_filter if settings is not None else None,
            unknown_records=getattr(settings, "unknown_records", "skip") if settings is not None else "skip",
            limits=limits, stop=stop, on_progress=show)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    report.write(format_result(capture, result))
    return 0 if result.end is None or result.end.clean else 1


def format_result(capture: Path, result: ReplayResult) -> str:
    """Summarise a replay in a few lines.

    Args:
        capture: the capture replayed.
        result: what :func:`replay` returned.

    Returns:
        The text (ends with a newline).
    """
    counters = result.counters
    seconds = result.elapsed_seconds
    rate = counters.events_written / seconds if seconds > 0 else 0.0
    lines = [f"replayed {capture} ({result.bytes_read:,} bytes) in {seconds:.2f} s: "
             f"{counters.events_written:,} events written ({rate:,.0f} events/s), "
             f"{counters.metadata_learned_total:,} metadata records learned"]
    for record_type, count in sorted(counters.events_written_total.items()):
        lines.append(f"  {count:>10,}  record type {record_type}")
    for reason, count in sorted(counters.events_dropped_total.items()):
        lines.append(f"  {count:>10,}  not written: {reason}")
    unmapped = sorted(rtype for rtype in counters.records_received_total
                      if rtype not in counters.events_written_total and rtype not in METADATA_RECORD_TYPES)
    if unmapped:
        lines.append(f"  record types without a line: {', '.join(map(str, unmapped))}")
    for error in result.server_errors:
        lines.append(f"  the capture holds an Error message: {error}")
    if result.end is not None and not result.end.clean:
        lines.append(f"  the capture ends inside a message ({result.end.problem}); everything "
                     "before it was replayed")
    for path in result.output_paths:
        lines.append(f"  wrote {path}")
    return "\n".join(lines) + "\n"
