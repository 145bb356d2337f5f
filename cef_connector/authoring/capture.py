"""``cef-connector capture``: record the raw stream of a real FMC for replay and regression tests.

The capture connects exactly as ``run`` does (the configuration, the PKCS#12 material,
``app.tls_context_for``/``app.fmc_session``, ``estreamer.Connection`` with the configured
flags and event types), acknowledges every bundle so that the FMC keeps streaming, and
writes every byte received after the TLS handshake to the file, unchanged: the same
format as the simulator's ``--record-stream``.  Bytes are written message by message, so
the file always ends between two messages (a capture stopped by its limit, by Ctrl-C or
by a broken connection replays cleanly).

It never touches the service's state: the bookmark is read (``start: 2``) but not saved,
and no metadata file is written.  The stream starts where ``--since`` says, else where
the configuration's ``start`` says.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from cef_connector.bookmark import START_BOOKMARK, BookmarkStore, initial_timestamp
from cef_connector.config import Settings
from cef_connector.errors import CefConnectorError, ConfigError, SessionError
from cef_connector.estreamer import (
    NEED_DATA,
    BundleEnd,
    Connection,
    ConnectionClosed,
    Framer,
    Limits,
    Record,
    ServerError,
)

__all__ = ["CaptureResult", "capture_stream", "capture_command"]

log = logging.getLogger(__name__)

#: Longest wait for data before the limits and the stop request are checked again.
_TICK_SECONDS = 0.5


@dataclass
class CaptureResult:
    """What a capture recorded.

    Attributes:
        path: the capture file.
        bytes_written: its size.
        messages: complete messages in it.
        events: event records in it (metadata records not counted).
        metadata: metadata records in it.
        bundles: bundles (or plain EventData messages) acknowledged.
        elapsed_seconds: how long the capture ran.
        stopped_by: why it stopped: ``events``, ``duration``, ``stop`` or ``closed``.
    """

    path: Path
    bytes_written: int = 0
    messages: int = 0
    events: int = 0
    metadata: int = 0
    bundles: int = 0
    elapsed_seconds: float = 0.0
    stopped_by: str = ""


class _MessageWriter:
    """Writes received bytes to the file one complete message at a time."""

    def __init__(self, stream: BinaryIO, limits: Limits) -> None:
        self.stream = stream
        self.framer = Framer(limits)
        self.pending = bytearray()
        self.written = 0
        self.messages = 0

    def feed(self, data: bytes) -> None:
        self.pending += data
        self.framer.receive_data(data)
        while True:
            frame = self.framer.next_frame()
            if frame is None:
                return
            end = frame.offset + 8 + len(frame.body)
            size = end - self.written
            self.stream.write(self.pending[:size])
            del self.pending[:size]
            self.written = end
            self.messages += 1


def _start_timestamp(settings: Settings, server_index: int, since: int | None) -> int:
    if since is not None:
        return since
    server = settings.servers[server_index]
    bookmark = None
    if settings.start == START_BOOKMARK:
        bookmark = BookmarkStore(settings.state_dir, server.host, server.port).load()
    return initial_timestamp(settings.start, bookmark)


def capture_stream(
    settings: Settings,
    out: Path,
    *,
    server_index: int = 0,
    duration: float | None = None,
    events: int | None = None,
    since: int | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    on_progress: Callable[[CaptureResult], None] | None = None,
) -> CaptureResult:
    """Record the stream of one FMC into a file.

    Args:
        settings: the configuration (which FMC, TLS material, request flags, start).
        out: the capture file (replaced).
        server_index: which entry of ``servers``.
        duration: stop after this many seconds.
        events: stop after the bundle that brings the event count to this number.
        since: start timestamp (epoch seconds) instead of the configured ``start``.
        stop: set it to stop (Ctrl-C, tests).
        clock: monotonic seconds.
        on_progress: called with the running result after each bundle.

    Returns:
        What was recorded.

    Raises:
        SessionError: the FMC could not be reached, refused us, or sent an Error message.
        ProtocolError: the FMC sent bytes that break the protocol (what came before is kept).
        CefConnectorError: the file cannot be written, or the TLS material is unusable.
    """
    from cef_connector.app import fmc_session, limits_for, tls_context_for

    if duration is None and events is None and stop is None:
        raise ConfigError("give --duration S or --events N: a capture needs a limit")
    server = settings.servers[server_index]
    context = tls_context_for(server)
    limits = limits_for(settings)
    connection = Connection(_start_timestamp(settings, server_index, since), settings.request_flags,
                            settings.event_types, limits=limits)
    stop = stop or threading.Event()
    result = CaptureResult(out)
    started = clock()
    try:
        stream = out.open("wb")
    except OSError as exc:
        raise CefConnectorError(f"cannot write the capture {out}: {exc.strerror or exc}") from exc
    writer = _MessageWriter(stream, limits)
    try:
        with fmc_session(settings, server_index, context) as session:
            session.send(connection.initiate())
            log.info("capturing the stream of %s into %s", session.where, out)
            result.stopped_by = _capture_loop(session, connection, writer, result, duration, events,
                                              stop, clock, started, on_progress)
    finally:
        stream.close()
        result.bytes_written = writer.written
        result.messages = writer.messages
        result.elapsed_seconds = clock() - started
    return result


def _capture_loop(session: Any, connection: Connection, writer: _MessageWriter, result: CaptureResult,
                  duration: float | None, events: int | None, stop: threading.Event,
                  clock: Callable[[], float], started: float,
                  on_progress: Callable[[CaptureResult], None] | None) -> str:
    while True:
        if stop.is_set():
            return "stop"
        if duration is not None and clock() - started >= duration:
            return "duration"
        data = session.recv(timeout=_TICK_SECONDS)
        if data is None:
            continue
        if data:
            writer.feed(data)
        connection.receive_data(data)
        while True:
            event = connection.next_event()
            if event is NEED_DATA:
                break
            if isinstance(event, ConnectionClosed):
                return "closed"
            if isinstance(event, ServerError):
                raise SessionError(f"the FMC sent error {event.code}: {event.text!r} (the capture "
                                   "holds everything before it)", kind="server_error")
            if isinstance(event, Record):
                if event.is_metadata:
                    result.metadata += 1
                else:
                    result.events += 1
            elif isinstance(event, BundleEnd):
                session.send(connection.acknowledge())
                result.bundles += 1
                result.bytes_written = writer.written
                if on_progress is not None:
                    on_progress(result)
                if events is not None and result.events >= events:
                    return "events"
            outgoing = connection.data_to_send()
            if outgoing:
                session.send(outgoing)
        if not data:
            return "closed"


def capture_command(config: Path, out: Path, *, duration: float | None, events: int | None,
                    since: str | None, progress: bool, report: IO[str]) -> int:
    """Run ``cef-connector capture``.

    Args:
        config: the configuration file.
        out: the capture file.
        duration: ``--duration`` seconds.
        events: ``--events`` count.
        since: ``--since`` text (epoch seconds or a date), or None.
        progress: draw a progress bar (events towards ``--events``) on a terminal.
        report: where the summary goes.

    Returns:
        0 when the capture stopped at its limit (or was interrupted), 1 when the FMC
        closed the connection first.
    """
    import signal

    from cef_connector.app import parse_since
    from cef_connector.config import load_settings

    settings = load_settings(config)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    bar = None
    if progress and events is not None:
        from cef_connector.progress import EventProgress

        bar = EventProgress(events, "capture: events")
        bar = bar if bar.enabled else None
    started = time.monotonic()

    def show(result: CaptureResult) -> None:
        if bar is not None:
            bar.update(min(result.events, events or 0), result.events / max(time.monotonic() - started, 1e-9))

    try:
        if bar is not None:
            bar.__enter__()
        result = capture_stream(settings, out, duration=duration, events=events,
                                since=parse_since(since) if since else None, stop=stop,
                                on_progress=show)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        signal.signal(signal.SIGINT, previous)
    report.write(
        f"captured {result.events:,} events and {result.metadata:,} metadata records "
        f"({result.bundles:,} bundles, {result.messages:,} messages, {result.bytes_written:,} bytes) "
        f"in {result.elapsed_seconds:.1f} s into {out}; stopped by {result.stopped_by}\n"
        f"replay it with: cef-connector replay {out} -c {config}\n")
    return 1 if result.stopped_by == "closed" else 0
