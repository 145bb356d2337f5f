"""The composition root: settings to running objects, the session loop, signals, demo.

This is the only module that wires packages together. ``ServerRunner`` drives one
FMC session loop: socket bytes into ``estreamer.Connection``, protocol events into
``pipeline.RecordHandler``, acknowledgements and requests back to the socket, and
reconnects with backoff when anything goes wrong.
"""

from __future__ import annotations

import logging
import random
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from cef_connector.bookmark import BookmarkStore, initial_timestamp
from cef_connector.config import Settings, load_settings
from cef_connector.errors import (
    CefConnectorError,
    ConfigError,
    OutputError,
    ProtocolError,
    SessionError,
)
from cef_connector.estreamer import NEED_DATA, Connection
from cef_connector.logs import configure_logging
from cef_connector.mapping import load_mappings
from cef_connector.metadata import MetadataCache
from cef_connector.metadata.store import load_metadata, save_metadata
from cef_connector.monitoring import Counters, Monitor
from cef_connector.outputs import build_output
from cef_connector.pipeline import RecordHandler
from cef_connector.session.backoff import Backoff
from cef_connector.session.client import FmcSession
from cef_connector.session.tls import client_context, load_pkcs12

__all__ = ["ServerRunner", "RunResult", "run_command", "simulate_command", "demo_command",
           "parse_since"]

log = logging.getLogger(__name__)


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


@dataclass
class RunResult:
    """What a run did: counters, output files, how long it took."""

    counters: Counters
    output_paths: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0


class ServerRunner:
    """Serves one FMC: connect, stream, write, acknowledge, reconnect; until stopped.

    Args:
        settings: the whole configuration.
        server_index: which entry of ``settings.servers`` to serve.
        stop: set it to stop cleanly (signal handlers do).
        max_events: stop after this many CEF lines were written (demo, tests).
        clock: monotonic seconds.
        rng: randomness for backoff jitter.
        sleep: how to wait between reconnects (returns early when stopping).
    """

    def __init__(self, settings: Settings, server_index: int = 0, *,
                 stop: threading.Event | None = None, max_events: int | None = None,
                 since: int | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None) -> None:
        self.settings = settings
        self.server = settings.servers[server_index]
        self.stop = stop or threading.Event()
        self.max_events = max_events
        self.since = since
        self.clock = clock
        self.counters = Counters()
        self.backoff = Backoff(rng=rng or random.Random())
        # Everything that can fail on bad input is built here, before the first connect.
        material = load_pkcs12(self.server.pkcs12_path, self.server.pkcs12_password)
        self.tls_context = client_context(material, verify_server=self.server.verify_server,
                                          server_name=self.server.server_name)
        self.mappings = load_mappings(settings.mapping_set, settings.device_version)
        hostname = socket.gethostname().split(".")[0] or "localhost"
        self.outputs = [build_output(spec, base_dir=settings.config_dir, clock=time.time,
                                     hostname=hostname) for spec in settings.outputters]
        self.bookmarks = BookmarkStore(settings.state_dir, self.server.host, self.server.port)
        self.metadata_path = settings.state_dir / (
            f"{self.server.host}-{self.server.port}_metadata.json")
        cache = load_metadata(self.metadata_path)
        self.handler = RecordHandler(
            mappings=self.mappings, metadata=cache, outputs=self.outputs,
            record_filter=settings.record_filter, bookmarks=self.bookmarks,
            counters=self.counters,
            save_metadata=lambda c: save_metadata(c, self.metadata_path))
        self.monitor = Monitor(self.counters, settings.monitor.period_seconds, clock)

    # -- the service loop ------------------------------------------------------

    def run(self) -> RunResult:
        """Serve until ``stop`` is set or ``max_events`` were written.

        Returns:
            Counters and output paths.

        Raises:
            OutputError: an output failed; the service stops rather than lose events.
            BookmarkError: the bookmark is unreadable (the operator must decide).
        """
        started = self.clock()
        for output in self.outputs:
            output.open()
        try:
            while not self._done():
                try:
                    self._one_session()
                except (SessionError, ProtocolError) as exc:
                    kind = getattr(exc, "kind", "protocol_error")
                    self.counters.errors_total[kind] += 1
                    if self._done():
                        break
                    delay = self.backoff.next_delay()
                    self.counters.reconnects_total += 1
                    log.warning("%s: %s; reconnecting in %.1f s (attempt %d)",
                                type(exc).__name__, exc, delay, self.backoff.failures)
                    self.stop.wait(delay)
        finally:
            try:
                self.handler.finish()
            finally:
                for output in self.outputs:
                    output.close()
        paths: list[str] = []
        for output in self.outputs:
            paths.extend(output.paths)
        return RunResult(self.counters, paths, self.clock() - started)

    def _done(self) -> bool:
        if self.stop.is_set():
            return True
        return (self.max_events is not None
                and self.counters.events_written >= self.max_events)

    def _start_timestamp(self) -> int:
        if self.since is not None:
            return self.since
        return initial_timestamp(self.settings.start, self.bookmarks.load())

    def _one_session(self) -> None:
        start = self._start_timestamp()
        self.handler.bookmark = max(self.handler.bookmark, self.bookmarks.load() or 0)
        connection = Connection(start, self.settings.request_flags, self.settings.event_types)
        log.info("connecting to %s:%d (start timestamp %d, flags 0x%08x)",
                 self.server.host, self.server.port, start, self.settings.request_flags)
        session = FmcSession(self.server.host, self.server.port, self.tls_context,
                             connect_timeout=self.settings.connect_timeout_seconds,
                             response_timeout=min(self.settings.response_timeout_seconds, 1.0))
        with session:  # connects (TCP + TLS handshake) on enter
            session.send(connection.initiate())
            for _ in self._receive(session, connection):
                if self._done():
                    return

    def _receive(self, session: FmcSession, connection: Connection) -> Iterator[None]:
        while not self.stop.is_set():
            data = session.recv()
            self.monitor.tick()
            if data is None:  # a quiet tick: idle periods are normal (keepalives)
                continue
            self.counters.bytes_received_total += len(data)
            connection.receive_data(data)
            if not data:
                # EOF: let the core tell a clean close from a truncated message
                self._drain(session, connection)
                raise SessionError("the FMC closed the connection", kind="closed")
            self._drain(session, connection)
            if self.counters.events_written:
                self.backoff.reset()
            yield None

    def _drain(self, session: FmcSession, connection: Connection) -> None:
        while True:
            event = connection.next_event()
            if event is NEED_DATA:
                break
            result = self.handler.handle(event)
            if result.acknowledge:
                session.send(connection.acknowledge())
                self.counters.bundles_acknowledged_total += 1
            outgoing = connection.data_to_send()
            if outgoing:
                session.send(outgoing)
            if self._done():
                break


def _install_signal_handlers(stop: threading.Event) -> None:
    def _handler(signum: int, _frame: object) -> None:
        log.info("received %s; flushing outputs, saving the bookmark and stopping",
                 signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _handler)


def run_command(config_path: Path, *, since: str | None = None,
                max_events: int | None = None, debug: bool = False) -> int:
    """``cef-connector run``: serve the first configured FMC until SIGTERM/SIGINT.

    Args:
        config_path: the configuration file.
        since: an optional human-typed start time overriding ``start``.
        max_events: stop after this many events (for trials).
        debug: log at DEBUG level.

    Returns:
        0 after a clean stop.
    """
    settings = load_settings(config_path)
    configure_logging(settings.logging, debug=debug,
                      secrets=[s.pkcs12_password for s in settings.servers if s.pkcs12_password])
    if len(settings.servers) > 1:
        log.warning("%d servers are configured; this version serves the first (%s:%d) only",
                    len(settings.servers), settings.servers[0].host, settings.servers[0].port)
    stop = threading.Event()
    _install_signal_handlers(stop)
    runner = ServerRunner(settings, 0, stop=stop, max_events=max_events,
                          since=parse_since(since) if since else None)
    result = runner.run()
    log.info("stopped: %d events written, bookmark %s", result.counters.events_written,
             result.counters.bookmark)
    return 0


def simulate_command(init_dir: Path, listen: tuple[str, int], *, events: int, seed: int,
                     rate: float | None, record_stream: Path | None, debug: bool) -> int:
    """``cef-connector simulate``: a simulated FMC in the foreground until interrupted.

    Returns:
        0 after Ctrl-C or SIGTERM.
    """
    from cef_connector.simulator import simulate

    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO,
                        format="%(asctime)s %(name)-12s %(levelname)-8s %(message)s")
    stop = threading.Event()
    _install_signal_handlers(stop)

    def ready(server: object, prepared: object) -> None:
        print(f"simulated FMC listening on {listen[0]}:{getattr(server, 'port')}; "
              f"connect with: cef-connector run -c {getattr(prepared, 'config_file')}",
              flush=True)

    counters = simulate(init_dir, f"{listen[0]}:{listen[1]}", events=events, seed=seed,
                        rate=rate, record_stream=record_stream, stop=stop, on_ready=ready)
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
    with SimulatorServer(out_dir, events=events, seed=seed) as sim:
        write_connector_config(prepared.config_file, prepared.connect_host, sim.port)
        settings = load_settings(prepared.config_file)
        runner = ServerRunner(settings, 0, stop=stop, max_events=events,
                              rng=random.Random(seed))
        result = runner.run()
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


def _clear_previous_demo(out_dir: Path) -> None:
    """Remove what an earlier demo left (its CEF files and state), so counts are exact."""
    if not (out_dir / "estreamer.conf").exists():
        return
    for pattern in ("cef/*.cef", "*_bookmark.dat", "*_metadata.json", "estreamer.log"):
        for path in out_dir.glob(pattern):
            path.unlink()
