"""The composition root: settings to running objects, the session loop, signals, demo.

This is the only module that wires packages together. ``ServerRunner`` drives one
FMC session loop: socket bytes into ``estreamer.Connection``, protocol events into
``pipeline.RecordHandler``, acknowledgements and requests back to the socket, and
reconnects with backoff when anything goes wrong.
"""

from __future__ import annotations

import functools
import logging
import random
import signal
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Callable

from cef_connector.bookmark import (
    START_BOOKMARK,
    START_NOW,
    TIMESTAMP_GENESIS,
    BookmarkStore,
    initial_timestamp,
)
from cef_connector.config import ServerSettings, Settings, load_settings
from cef_connector.errors import (
    BookmarkError,
    CefConnectorError,
    ConfigError,
    MappingError,
    OutputError,
    ProtocolError,
    SessionError,
)
from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, Limits
from cef_connector.logs import configure_logging, trace_bytes
from cef_connector.mapping import MappingTable, load_mappings
from cef_connector.metadata.store import load_metadata, save_metadata
from cef_connector.monitoring import Counters, Monitor
from cef_connector.outputs import build_output
from cef_connector.parallel import RendererSpec, WorkerPool, effective_workers
from cef_connector.pipeline import HandleResult, RecordHandler
from cef_connector.session.backoff import Backoff
from cef_connector.session.client import FmcSession
from cef_connector.session.tls import client_context, load_pkcs12

__all__ = ["ServerRunner", "RunResult", "run_command", "simulate_command", "demo_command",
           "parse_since", "load_configured_mappings", "tls_context_for", "fmc_session",
           "limits_for", "renderer_spec"]

log = logging.getLogger(__name__)

#: At most this many bundles share one flush and bookmark when they arrive back to back
#: (an FMC that sends several before it waits): they are acknowledged together as soon
#: as the messages at hand are used up, never before their lines are durable.
SETTLE_BUNDLES = 32

#: Seconds to look for bytes already on their way before settling waiting bundles.
PEEK_SECONDS = 0.001


def parse_since(text: str) -> int:
    """Turn a human-typed start time into epoch seconds (UTC when no zone is given).

    Args:
        text: epoch seconds, or a date/time such as ``2020-06-03 19:02:14``.

    Returns:
        Epoch seconds.

    Raises:
        ConfigError: the text is not a time.
    """
    from dateutil import parser as date_parser

    stripped = text.strip()
    if stripped.isdigit():
        return int(stripped)
    try:
        parsed = date_parser.parse(stripped)
    except (ValueError, OverflowError) as exc:
        raise ConfigError(f"--since {text!r} is not a time ({exc}); use epoch seconds or "
                          f"a date such as '2020-06-03 19:02:14' (UTC)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp())


def load_configured_mappings(settings: Settings) -> MappingTable:
    """Load the configured mapping set with its overrides (start-up, SIGHUP, ``--watch``).

    Args:
        settings: the configuration (``handler.mappingSet``, ``handler.deviceVersion``,
            ``handler.mappingsDirectory``, ``handler.templatesDirectory``).

    Returns:
        The compiled, checked mapping table.

    Raises:
        MappingError: every problem of the set and its overrides.
    """
    return load_mappings(settings.mapping_set, settings.device_version,
                         override_dir=settings.mappings_dir,
                         override_templates_dir=settings.templates_dir)


def renderer_spec(settings: Settings, adapter_names: tuple[str, ...]) -> RendererSpec:
    """What each worker process needs to render as this process does (``workerProcesses``).

    The workers build their mapping table with the same call as
    :func:`load_configured_mappings`.

    Args:
        settings: the configuration.
        adapter_names: ``RecordHandler.adapter_names``.
    """
    factory = functools.partial(load_mappings, settings.mapping_set, settings.device_version,
                                override_dir=settings.mappings_dir,
                                override_templates_dir=settings.templates_dir)
    return RendererSpec(factory, settings.record_filter, adapter_names,
                        settings.unknown_records, settings.dedupe.enabled,
                        settings.limits.max_block_depth)


def tls_context_for(server: ServerSettings) -> object:
    """Build the client TLS context of one FMC from its PKCS#12 material (as ``run`` does).

    Raises:
        TlsSetupError: the PKCS#12 file or its password is unusable.
    """
    material = load_pkcs12(server.pkcs12_path, server.pkcs12_password)
    return client_context(material, verify_server=server.verify_server,
                          server_name=server.server_name)


def fmc_session(settings: Settings, server_index: int, tls_context: object) -> FmcSession:
    """The (not yet connected) session to one FMC; ``with`` connects it.

    Args:
        settings: the configuration (timeouts).
        server_index: which entry of ``servers``.
        tls_context: from :func:`tls_context_for`.
    """
    server = settings.servers[server_index]
    return FmcSession(server.host, server.port, tls_context,  # type: ignore[arg-type]
                      connect_timeout=settings.connect_timeout_seconds,
                      response_timeout=settings.response_timeout_seconds)


def limits_for(settings: Settings) -> Limits:
    """The protocol core's limits from the configuration's ``limits``."""
    return Limits(max_message_bytes=settings.limits.max_message_bytes,
                  max_bundle_records=settings.limits.max_bundle_records,
                  max_block_depth=settings.limits.max_block_depth)


@dataclass
class RunResult:
    """What a run did: counters, output files, how long it took."""

    counters: Counters
    output_paths: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0


class _FailureLog:
    """Logs each cause of a broken session once, then only its count.

    An FMC that is down for a night must not fill the log with one warning per
    reconnect: the first failure of a cause is logged in full, repeats are logged when
    their count reaches 10, 100, 1000 …, and when the stream flows again one line says
    how many failures of which cause there were and for how long.

    Args:
        clock: monotonic seconds.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.outage: Counter[str] = Counter()
        self.since: float | None = None
        self.current: str | None = None
        self.repeats = 0

    def failed(self, kind: str, error: BaseException, delay: float) -> None:
        """Record one failure and log it (once per cause, then at powers of ten).

        Args:
            kind: the low-cardinality cause (``SessionError.kind``, ``protocol_error``…).
            error: the exception (its text is the message).
            delay: seconds until the next attempt.
        """
        if self.since is None:
            self.since = self.clock()
        self.outage[kind] += 1
        if kind != self.current:
            self.current = kind
            self.repeats = 1
            log.warning("%s: %s; reconnecting in %.1f s (cause %s; repeats are counted)",
                        type(error).__name__, error, delay, kind)
            return
        self.repeats += 1
        if _is_power_of_ten(self.repeats):
            log.warning("still failing: %s %d times in a row (%s: %s); next attempt in %.1f s",
                        kind, self.repeats, type(error).__name__, error, delay)
        else:
            log.debug("%s (%s, %d times in a row); reconnecting in %.1f s", error, kind,
                      self.repeats, delay)

    def recovered(self) -> None:
        """The stream flows again: log the outage's causes with their counts, once."""
        if self.since is None:
            return
        causes = ", ".join(f"{kind} ×{count}" for kind, count in self.outage.most_common())
        total = sum(self.outage.values())
        log.warning("streaming again after %d failed session%s in %.0f s (%s)", total,
                    "" if total == 1 else "s", self.clock() - self.since, causes)
        self.outage.clear()
        self.since = None
        self.current = None
        self.repeats = 0


def _is_power_of_ten(number: int) -> bool:
    while number >= 10 and number % 10 == 0:
        number //= 10
    return number == 1


def _failure_kind(error: BaseException) -> str:
    if isinstance(error, SessionError):
        return error.kind
    if isinstance(error, ProtocolError):
        return "protocol_error"
    return "output_error"


class ServerRunner:
    """Serves one FMC: connect, stream, write, acknowledge, reconnect; until stopped.

    It never stops on its own while it is meant to run: a failed connect or TLS
    handshake, silence longer than ``deadConnectionTimeout``, an Error message from the
    FMC, a broken connection and malformed bytes all end the session; the lines written
    so far are flushed and bookmarked, and a new session resumes from the bookmark after
    a capped, jittered backoff (``reconnect``).  An output that cannot write (disk full)
    stops the reading instead: nothing is acknowledged or bookmarked, the flush is retried
    with the same backoff, and reading goes on where it stopped once it succeeds.  Only a
    corrupt bookmark (the operator must decide) and a failure at shutdown are raised.

    Args:
        settings: the whole configuration.
        server_index: which entry of ``settings.servers`` to serve.
        stop: set it to stop cleanly (signal handlers do); the loop notices within
            ``min(responseTimeout, 0.5)`` seconds, or ``connectTimeout`` while connecting.
        max_events: stop after this many CEF lines were written (demo, tests).
        since: start timestamp overriding ``start`` (``run --since``).
        clock: monotonic seconds.
        rng: randomness for backoff jitter.
        wall_clock: epoch seconds (the resume point of ``start = 1`` before any record).
    """

    def __init__(self, settings: Settings, server_index: int = 0, *,
                 stop: threading.Event | None = None, max_events: int | None = None,
                 since: int | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.server = settings.servers[server_index]
        self.server_index = server_index
        self.stop = stop or threading.Event()
        self.max_events = max_events
        self.since = since
        self.clock = clock
        self.wall_clock = wall_clock
        self.counters = Counters()
        rng = rng or random.Random()
        reconnect = settings.reconnect
        self.backoff = Backoff(base_seconds=reconnect.initial_delay_seconds,
                               cap_seconds=reconnect.max_delay_seconds, rng=rng)
        #: the same policy, for retries of an output that failed (disk full)
        self.output_backoff = Backoff(base_seconds=reconnect.initial_delay_seconds,
                                      cap_seconds=reconnect.max_delay_seconds, rng=rng)
        self.limits = limits_for(settings)
        self.failures = _FailureLog(clock)
        #: the FMC session of the moment (None between connections)
        self.session: FmcSession | None = None
        self._reopen = threading.Event()
        self._reload = threading.Event()
        self._tick = min(settings.response_timeout_seconds, 0.5)
        self._first_request_wall: int | None = None
        self._session_started = 0.0
        self._last_data = 0.0
        self._streaming = False
        #: the FMC of this session sent a bundle before the previous one was acknowledged
        self._peer_sends_ahead = False
        # Everything that can fail on bad input is built here, before the first connect.
        self.tls_context = tls_context_for(self.server)
        self.mappings = load_configured_mappings(settings)
        hostname = socket.gethostname().split(".")[0] or "localhost"
        self.outputs = [build_output(spec, base_dir=settings.config_dir, clock=time.time,
                                     hostname=hostname, stop=self.stop)
                        for spec in settings.outputters]
        self.bookmarks = BookmarkStore(settings.state_dir, self.server.host, self.server.port)
        self.metadata_path = settings.state_dir / (
            f"{self.server.host}-{self.server.port}_metadata.json")
        cache = load_metadata(self.metadata_path)
        dedupe = settings.dedupe
        self.handler = RecordHandler(
            mappings=self.mappings, metadata=cache, outputs=self.outputs,
            record_filter=settings.record_filter, bookmarks=self.bookmarks,
            counters=self.counters,
            save_metadata=lambda c: save_metadata(c, self.metadata_path),
            dedupe=dedupe.enabled, max_identities=dedupe.max_identities,
            skip_older=dedupe.skip_older,
            adapters=[spec.adapter for spec in settings.outputters],
            unknown_records=settings.unknown_records, settle_bundles=SETTLE_BUNDLES)
        self.monitor = Monitor(self.counters, settings.monitor.period_seconds, clock)
        #: worker processes rendering records (None: this process renders them)
        self.workers: WorkerPool | None = None
        count = effective_workers(settings.worker_processes)
        if count > 1:
            self.workers = WorkerPool(renderer_spec(settings, self.handler.adapter_names),
                                      count)

    # -- the service loop ------------------------------------------------------

    def run(self) -> RunResult:
        """Serve until ``stop`` is set or ``max_events`` were written.

        Returns:
            Counters and output paths.

        Raises:
            BookmarkError: the bookmark file is unreadable or corrupt (the operator must
                fix or delete it; the message says how); or it cannot be written at
                shutdown.
            OutputError: an output cannot be opened, or cannot flush at shutdown (the
                lines not written are read again from the FMC at the next start).
        """
        started = self.clock()
        for output in self.outputs:
            output.open()
        try:
            if self.workers is not None:
                # After the resume state is loaded would be as good: the cache is the one
                # loaded from disk either way.  Started here so that close() always runs.
                self.workers.start(self.handler.metadata)
                self.handler.workers = self.workers
            self._resume()
            while not self._done():
                try:
                    self.handler.start_session()
                    self._one_session()
                except (SessionError, ProtocolError, OutputError) as exc:
                    self._session_failed(exc)
        except BaseException:
            self._shut_down(raise_errors=False)
            raise
        self._shut_down(raise_errors=True)
        paths: list[str] = []
        for output in self.outputs:
            paths.extend(output.paths)
        return RunResult(self.counters, paths, self.clock() - started)

    def request_reopen(self) -> None:
        """Ask for new output files and reloaded mappings (SIGHUP); thread- and signal-safe.

        The runner acts on it within one receive tick: every output's ``reopen()``
        (logrotate), then the mapping set is loaded and compiled again; when the new
        mappings do not compile, the error is logged and the ones in use stay.
        """
        self._reopen.set()

    def request_reload(self) -> None:
        """Ask for the mappings to be loaded again, outputs untouched (``run --watch``).

        Thread- and signal-safe; acted on within one receive tick, like
        :meth:`request_reopen`.
        """
        self._reload.set()

    def _done(self) -> bool:
        if self.stop.is_set():
            return True
        return (self.max_events is not None
                and self.counters.events_written >= self.max_events)

    def _resume(self) -> None:
        """Take over the saved resume state (``start`` = 2 without ``--since``)."""
        if self.since is None and self.settings.start == START_BOOKMARK:
            # A corrupt or unreadable bookmark raises BookmarkError here, before the first
            # connect: never a silent replay from the oldest data.
            self.handler.resume(self.bookmarks.load_state())

    def _request_timestamp(self) -> int:
        """The initial timestamp of the next EventStreamRequest."""
        if self._first_request_wall is None:
            self._first_request_wall = int(self.wall_clock())
            if self.since is not None:
                return self.since
            return initial_timestamp(self.settings.start, self.handler.bookmark or None)
        if self.handler.bookmark:
            return self.handler.bookmark  # a reconnect resumes after the last line written
        if self.since is not None:
            return self.since
        if self.settings.start == START_NOW:
            # No record arrived yet: ask again from when we first asked for "now".
            return self._first_request_wall
        return TIMESTAMP_GENESIS

    def _shut_down(self, raise_errors: bool) -> None:
        error: CefConnectorError | None = None
        try:
            self.handler.finish()
        except (OutputError, BookmarkError) as exc:
            error = exc
            log.error("%s; stopping without it: the lines not written are read again from "
                      "the FMC at the next start (the bookmark stays at %d)", exc,
                      self.handler.bookmark)
        except SessionError as exc:  # a worker process ended during the last chunks
            log.error("%s; stopping: the records it had not rendered are read again from "
                      "the FMC at the next start (the bookmark is at %d)", exc,
                      self.handler.bookmark)
        finally:
            if self.workers is not None:
                self.workers.close()
        for output in self.outputs:
            try:
                output.close()
            except OutputError as exc:
                error = error or exc
        if error is not None and raise_errors:
            raise error

    def _session_failed(self, error: CefConnectorError) -> None:
        """Count and log a broken session, settle what was written, wait, go on."""
        kind = _failure_kind(error)
        self.counters.errors_total[kind] += 1
        self.session = None
        self._streaming = False
        if self._done():
            return
        # Flush and bookmark what this session wrote, so the next one resumes right after
        # it (and its resent lines are recognised); waits here while the disk is full.
        if not self._settle():
            return
        delay = self.backoff.next_delay()
        self.counters.reconnects_total += 1
        self.failures.failed(kind, error, delay)
        self._wait(delay)

    def _settle(self) -> bool:
        try:
            try:
                self.handler.finish()
            except SessionError as exc:
                # A worker process ended with chunks in flight: they are dropped (read
                # again from the bookmark); what was written before them is settled now.
                self.counters.errors_total[exc.kind] += 1
                log.warning("%s", exc)
                self.handler.finish()
        except (OutputError, BookmarkError) as exc:
            return self._wait_for_outputs(exc)
        return True

    def _wait(self, seconds: float) -> bool:
        """Wait, reopening files on request; True when stopped meanwhile."""
        deadline = self.clock() + seconds
        while not self.stop.is_set():
            self._reopen_or_reload()
            remaining = deadline - self.clock()
            if remaining <= 0:
                return False
            self.stop.wait(min(remaining, 0.5))
            self.monitor.tick()
        return True

    def _wait_for_outputs(self, error: CefConnectorError) -> bool:
        """Back-pressure: retry the failed flush/bookmark until it succeeds or we stop.

        Nothing is read from the FMC meanwhile (TCP pushes back; the FMC pauses a slow
        client), nothing is acknowledged and the bookmark does not move.

        Returns:
            True once everything written is flushed and bookmarked; False when stopped.
        """
        kind = "bookmark_error" if isinstance(error, BookmarkError) else "output_error"
        self.counters.errors_total[kind] += 1
        started = self.clock()
        log.error("%s; stopped reading from the FMC (nothing is acknowledged or bookmarked "
                  "until it succeeds) and retrying with backoff up to %g s: free space or fix "
                  "the cause, and the connector goes on by itself", error,
                  self.settings.reconnect.max_delay_seconds)
        last = str(error)
        retries = 0
        while not self.stop.is_set():
            if self._wait(self.output_backoff.next_delay()):
                break
            retries += 1
            try:
                self.handler.finish()
            except (OutputError, BookmarkError) as again:
                self.counters.errors_total[kind] += 1
                if str(again) != last:
                    last = str(again)
                    log.error("%s; still retrying", again)
                continue
            log.warning("the outputs accept lines again after %.0f s and %d retr%s; reading "
                        "from the FMC again", self.clock() - started, retries,
                        "y" if retries == 1 else "ies")
            self.output_backoff.reset()
            return True
        return False

    def _reopen_or_reload(self) -> None:
        if self._reopen.is_set():
            self._reopen_now()
        elif self._reload.is_set():
            self._reload.clear()
            self.reload_mappings()

    def _reopen_now(self) -> None:
        self._reopen.clear()
        self._reload.clear()
        for output in self.outputs:
            try:
                output.reopen()
            except OutputError as exc:
                log.error("%s; the output keeps its lines and writes them at the next flush",
                          exc)
        self.reload_mappings(after="reopened the output files and ")

    def reload_mappings(self, after: str = "") -> bool:
        """Load, compile and check the mappings again; switch to them only if they are valid.

        Runs in the runner's thread, between two records: every record after the switch
        uses the new mappings, none is mapped half by each.

        Args:
            after: what was done just before, for the log line (``"reopened the output
                files and "``).

        Returns:
            True when the new mappings are in use; False when they have a problem (it is
            logged in full, and the mappings in use stay).
        """
        try:
            mappings = load_configured_mappings(self.settings)
        except MappingError as exc:
            log.error("the mappings were not reloaded; the ones in use stay: %s", exc)
            if after:
                log.info("%s", after.removesuffix(" and "))
            return False
        self.mappings = mappings
        self.handler.mappings = mappings
        log.info("%sreloaded %s", after, _describe_mappings(self.settings))
        return True

    def _one_session(self) -> None:
        start = self._request_timestamp()
        connection = Connection(start, self.settings.request_flags, self.settings.event_types,
                                limits=self.limits, decode_records=self.workers is None)
        log.info("connecting to %s:%d (start timestamp %d, flags 0x%08x)",
                 self.server.host, self.server.port, start, self.settings.request_flags)
        session = fmc_session(self.settings, self.server_index, self.tls_context)
        with session:  # connects (TCP + TLS handshake) on enter
            self.session = session
            self._send(session, connection.initiate())
            self._session_started = self._last_data = self.clock()
            self._peer_sends_ahead = False
            self._receive(session, connection)
        self.session = None

    def _receive(self, session: FmcSession, connection: Connection) -> None:
        dead_after = self.settings.dead_connection_timeout_seconds
        while not self._done():
            self._reopen_or_reload()
            data = session.recv(timeout=self._tick)
            self.monitor.tick()
            now = self.clock()
            if not self._streaming and now - self._session_started >= self.backoff.cap_seconds:
                self._healthy()  # up longer than the longest backoff: not a flapping link
            if data is None:  # a quiet tick: idle periods are normal (keepalives)
                silent = now - self._last_data
                if silent >= dead_after:
                    raise SessionError(
                        f"no data from the FMC at {session.where} for {silent:.1f} s "
                        f"(deadConnectionTimeout {dead_after:g} s): the connection is dead "
                        "or the FMC is stuck; reconnecting from the bookmark",
                        kind="response_timeout")
                continue
            self._feed(session, connection, data)
            self._drain(session, connection)
            if not data:
                # EOF: the core told a clean close (ConnectionClosed) from a truncated one
                raise SessionError("the FMC closed the connection", kind="closed")

    def _healthy(self) -> None:
        self._streaming = True
        self.backoff.reset()
        self.failures.recovered()

    def _feed(self, session: FmcSession, connection: Connection, data: bytes) -> None:
        self._last_data = self.clock()
        trace_bytes(log, f"received from {session.where}", data,
                    self.counters.bytes_received_total)
        self.counters.bytes_received_total += len(data)
        connection.receive_data(data)

    def _drain(self, session: FmcSession, connection: Connection) -> None:
        """Handle every message at hand, then settle and acknowledge the bundles.

        While bundles wait for their flush, bytes that have already arrived (an FMC that
        sends several bundles before it waits) are taken first, up to ``SETTLE_BUNDLES``
        bundles: one flush and one bookmark then cover them all.  Only once this FMC was
        seen sending a second bundle before the first was acknowledged: one that waits
        for every acknowledgement gets it without any delay.
        """
        while True:
            if not self._handle_messages(session, connection):
                return
            waiting = self.handler.unsettled
            if waiting > 1:
                self._peer_sends_ahead = True
            if not waiting or not self._peer_sends_ahead or self._done():
                break
            more = session.recv(timeout=PEEK_SECONDS)
            if more is None:
                break  # nothing more right now: settle
            self._feed(session, connection, more)
            if not more:  # EOF: the core tells a clean close from a cut message
                self._handle_messages(session, connection)
                raise SessionError("the FMC closed the connection", kind="closed")
        # The messages at hand are used up (or we stop): the bundles whose flush waited
        # for them are made durable and acknowledged now, before waiting for more data.
        try:
            settled = self.handler.settle()
        except (OutputError, BookmarkError) as exc:
            if not self._wait_for_outputs(exc):
                return
            settled = self.handler.settle()
        if settled:
            self._acknowledge(session, connection, settled)

    def _handle_messages(self, session: FmcSession, connection: Connection) -> bool:
        """Handle every complete message received; False when stopped meanwhile."""
        while not self._done():
            event = connection.next_event()
            if event is NEED_DATA:
                break
            try:
                result = self.handler.handle(event)
            except (OutputError, BookmarkError) as exc:
                if not isinstance(event, BundleEnd):
                    raise  # an output refused a line: end the session, resend from the bookmark
                # The bundle's flush or bookmark failed (disk full): stop reading until it
                # succeeds; only then is the bundle acknowledged.
                if not self._wait_for_outputs(exc):
                    return False
                result = HandleResult(acknowledge=True, bundles=self.handler.settle())
            if result.acknowledge:
                self._acknowledge(session, connection, result.bundles)
            outgoing = connection.data_to_send()
            if outgoing:
                self._send(session, outgoing)
        return True

    def _acknowledge(self, session: FmcSession, connection: Connection, bundles: int) -> None:
        if bundles <= 0:
            return
        self._send(session, b"".join(connection.acknowledge() for _ in range(bundles)))
        self.counters.bundles_acknowledged_total += bundles
        if not self._streaming:
            self._healthy()

    @staticmethod
    def _send(session: FmcSession, data: bytes) -> None:
        trace_bytes(log, f"sent to {session.where}", data)
        session.send(data)


def _describe_mappings(settings: Settings) -> str:
    text = f"mapping set {settings.mapping_set!r}"
    if settings.mappings_dir is not None:
        text += f" with overrides from {settings.mappings_dir}"
    if settings.templates_dir is not None:
        text += f" and templates from {settings.templates_dir}"
    return text


def _install_signal_handlers(stop: threading.Event) -> None:
    def _handler(signum: int, _frame: object) -> None:
        log.info("received %s; flushing outputs, saving the bookmark and stopping",
                 signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _handler)


def run_command(config_path: Path, *, since: str | None = None,
                max_events: int | None = None, debug: bool = False,
                watch: bool = False) -> int:
    """``cef-connector run``: serve every configured FMC until SIGTERM/SIGINT.

    Args:
        config_path: the configuration file.
        since: an optional human-typed start time overriding ``start``.
        max_events: stop after this many events per FMC (for trials).
        debug: log at DEBUG level.
        watch: reload the mappings whenever a mapping or template file changes
            (``--watch``, for development).

    Returns:
        0 after a clean stop.
    """
    import sys

    from cef_connector.service import Service

    settings = load_settings(config_path)
    configure_logging(settings.logging, debug=debug,
                      secrets=[s.pkcs12_password for s in settings.servers if s.pkcs12_password])
    watcher = None
    if watch:
        from cef_connector.authoring.watch import MappingWatcher

        watcher = MappingWatcher.for_settings(settings)
        log.info("--watch: reloading the mappings when one of %d files changes",
                 len(watcher.paths))
    service = Service(settings, max_events=max_events,
                      since=parse_since(since) if since else None,
                      progress=sys.stderr.isatty(), watcher=watcher)
    service.install_signal_handlers()
    result = service.run()
    for snap in result.snapshots:
        log.info("stopped: %s: %d events written, bookmark %s", snap.server,
                 snap.events_written_total, snap.bookmark)
    return 0


def simulate_command(init_dir: Path, listen: tuple[str, int], *, events: int, seed: int,
                     rate: float | None, record_stream: Path | None, debug: bool,
                     faults: str | None = None, mix: str = "full") -> int:
    """``cef-connector simulate``: a simulated FMC in the foreground until interrupted.

    Args:
        faults: a fault specification (``simulator.scenarios``), e.g.
            ``"reset-mid-bundle=3,sessions=1"``.
        mix: the traffic mix (``simulator.SimulatorOptions.mix``).

    Returns:
        0 after Ctrl-C or SIGTERM.

    Raises:
        ConfigError: the fault specification is invalid.
    """
    from cef_connector.simulator import parse_faults, simulate

    fault_switches = parse_faults(faults or "")

    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO,
                        format="%(asctime)s %(name)-12s %(levelname)-8s %(message)s")
    stop = threading.Event()
    _install_signal_handlers(stop)

    def ready(server: object, prepared: object) -> None:
        print(f"simulated FMC listening on {listen[0]}:{getattr(server, 'port')}; "
              f"connect with: cef-connector run -c {getattr(prepared, 'config_file')}",
              flush=True)

    counters = simulate(init_dir, f"{listen[0]}:{listen[1]}", events=events, seed=seed,
                        rate=rate, record_stream=record_stream, stop=stop, on_ready=ready,
                        faults=fault_switches, mix=mix)
    print(f"simulator stopped: {counters}")
    return 0


def demo_command(out_dir: Path, *, events: int, seed: int, debug: bool) -> int:
    """``cef-connector demo``: simulator + connector over real TLS, then a summary.

    Fresh certificates, configuration and state are written under ``out_dir`` every
    time; CEF files go to ``out_dir/cef``.

    Returns:
        0 when every event was written.
    """
    from cef_connector.estreamer import RecordType
    from cef_connector.simulator import SimulatorServer, init_directory, write_connector_config

    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(asctime)s %(name)-12s %(levelname)-8s %(message)s")
    out_dir = out_dir.resolve()
    _clear_previous_demo(out_dir)
    prepared = init_directory(out_dir, "127.0.0.1", 8302, overwrite=True)
    stop = threading.Event()
    _install_signal_handlers(stop)
    # The full mix: every event record type the connector maps (issue 3: the demo shows them all).
    with SimulatorServer(out_dir, events=events, seed=seed, mix="full") as sim:
        write_connector_config(prepared.config_file, prepared.connect_host, sim.port)
        settings = load_settings(prepared.config_file)
        runner = ServerRunner(settings, 0, stop=stop, max_events=events,
                              rng=random.Random(seed))
        result = _run_with_progress(runner, events)
    counters = result.counters
    seconds = result.elapsed_seconds
    rate = counters.events_written / seconds if seconds else 0.0
    print(f"cef-connector demo: {counters.events_written} events from the simulated FMC at "
          f"127.0.0.1:{sim.port} (mutual TLS) written as CEF in {seconds:.1f} s "
          f"({rate:,.0f} events/s)")
    for rtype, count in sorted(counters.events_written_total.items()):
        try:
            label = RecordType(rtype).name.replace("_", " ").lower()
        except ValueError:
            label = "record"
        print(f"  {count:>8}  {label} (record type {rtype})")
    print(f"  {counters.metadata_learned_total:>8}  metadata records learned")
    for reason, count in sorted(counters.events_dropped_total.items()):
        print(f"  {count:>8}  not written: {reason}")
    print(f"configuration: {prepared.config_file}")
    print(f"bookmark: {counters.bookmark}")
    print("CEF output:")
    for path in result.output_paths:
        print(f"  {path}")
    return 0 if counters.events_written >= events else 1


def _run_with_progress(runner: ServerRunner, events: int) -> RunResult:
    """Run the demo's runner, with a progress bar on standard error when it is a terminal.

    The bar polls ``runner.counters`` from this thread while the runner works in another;
    the runner knows nothing about it.
    """
    from cef_connector.progress import EventProgress

    bar = EventProgress(events, "demo: events written")
    if not bar.enabled:
        return runner.run()
    outcome: list[RunResult] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(runner.run())
        except BaseException as exc:  # noqa: BLE001 - re-raised below in this thread
            failure.append(exc)

    worker = threading.Thread(target=work, name="demo-runner", daemon=True)
    started = time.monotonic()
    with bar:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            written = runner.counters.events_written
            bar.update(written, written / max(time.monotonic() - started, 1e-9))
    if failure:
        raise failure[0]
    return outcome[0]


def _clear_previous_demo(out_dir: Path) -> None:
    """Remove what an earlier demo left (its CEF files and state), so counts are exact."""
    if not (out_dir / "estreamer.conf").exists():
        return
    for pattern in ("cef/*.cef", "*_bookmark.dat", "*_metadata.json", "estreamer.log"):
        for path in out_dir.glob(pattern):
            path.unlink()
