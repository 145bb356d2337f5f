"""The service: every configured FMC served in one process, watched by one monitor.

``Service`` builds one :class:`~cef_connector.app.ServerRunner` per entry of
``settings.servers`` (each with its own session, bookmark, metadata cache, outputs and
counters), runs each in its own thread and shares one stop event between them.  The
calling thread is the monitor: every ``monitor.period`` seconds it logs one status line
per FMC, rewrites the status file, and, on a terminal, draws the replay progress; the
Prometheus endpoint (``monitor.prometheusPort``) reads the same figures at each scrape.

Every runner is built before any thread starts, so a bad PKCS#12 file or mapping of any
FMC stops the start-up with its error (house rule 4).  When one runner fails (an output
that cannot write, a corrupt bookmark) the others are stopped too and the error is
raised: the process exits non-zero and systemd restarts it, rather than carrying on with
one FMC silently unserved.

Signals (installed by :meth:`Service.install_signal_handlers`, main thread only):
SIGTERM and SIGINT stop cleanly (outputs flushed, bookmarks saved); SIGHUP reopens the
log file (logrotate) and asks each runner to start new output files and to reload its
mappings (compiled and checked first; on any problem the error is logged in full and
the mappings in use stay).  With a ``watcher`` (``run --watch``) the monitor thread also
polls the mapping and template files and asks every runner to reload its mappings when
one changed (outputs untouched).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cef_connector.config import Settings
from cef_connector.errors import CefConnectorError
from cef_connector.logs import ThreadPrefix, redirect_console, reopen_log_files
from cef_connector.monitoring import Monitor, Snapshot

__all__ = ["Service", "ServiceResult", "counts_by_server", "output_stats", "thread_name"]

log = logging.getLogger(__name__)

#: How often the monitor thread wakes up (stop, finished runners, progress display).
_POLL_SECONDS = 0.25
#: Seconds a runner is given to finish after the stop event is set, before we give up.
_JOIN_SECONDS = 60.0
#: How often ``run --watch`` polls the mapping files.
_WATCH_SECONDS = 1.0

RunnerFactory = Callable[..., Any]


def thread_name(host: str, port: int) -> str:
    """The name of the thread serving one FMC (log lines and ``ps -T`` show it)."""
    return f"fmc-{host}:{port}"


def output_stats(outputs: list[Any]) -> dict[str, dict[str, int]]:
    """Each output's counters for the monitor, by output name.

    Uses what an output offers: ``lines_written`` (→ ``lines_written_total``), its files
    (``paths`` → ``files_created_total``) and, when it has one, ``telemetry()``
    (numeric values only).

    Args:
        outputs: the runner's outputs.

    Returns:
        ``{name: {counter: value}}``.
    """
    stats: dict[str, dict[str, int]] = {}
    for output in outputs:
        values: dict[str, int] = {}
        lines = getattr(output, "lines_written", None)
        if isinstance(lines, int):
            values["lines_written_total"] = lines
        paths = getattr(output, "paths", None)
        if isinstance(paths, list) and paths:
            values["files_created_total"] = len(paths)
        telemetry = getattr(output, "telemetry", None)
        if callable(telemetry):
            try:
                extra = telemetry()
            except Exception:  # noqa: BLE001 - telemetry must never stop the service
                log.debug("telemetry of output %s failed", output.name, exc_info=True)
                extra = {}
            values.update({key: value for key, value in extra.items()
                           if isinstance(value, (int, float)) and not isinstance(value, bool)})
        stats[str(getattr(output, "name", type(output).__name__))] = values
    return stats


def _receive_queue(runner: Any) -> int | None:
    # ServerRunner exposes the FMC session of the moment as ``session`` (None between
    # connections); reading FIONREAD on it is safe from another thread.
    session = getattr(runner, "session", None)
    if session is None:
        return None
    try:
        value = session.receive_queue_bytes()
    except (OSError, ValueError, CefConnectorError):
        return None
    return value if isinstance(value, int) else None


@dataclass
class ServiceResult:
    """What a service run did: one ``RunResult`` per FMC, in configuration order."""

    results: list[Any] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)


class Service:
    """Serves every FMC of the configuration until stopped.

    Args:
        settings: the whole configuration.
        stop: set it to stop every FMC cleanly (signal handlers do).
        since: start timestamp overriding ``start`` (``run --since``), for every FMC.
        max_events: each FMC stops after this many CEF lines (trials, tests).
        runner_factory: builds a runner: ``factory(settings, index, stop=..., since=...,
            max_events=...)``; default :class:`cef_connector.app.ServerRunner`.
        clock: monotonic seconds.
        wall_clock: epoch seconds.
        progress: draw replay progress bars on standard error (when it is a terminal).
        status_file: override of where the status file goes (default from settings).
        watcher: polled about once a second; when ``watcher.changed()`` lists files,
            every runner reloads its mappings (``run --watch``).
    """

    def __init__(self, settings: Settings, *, stop: threading.Event | None = None,
                 since: int | None = None, max_events: int | None = None,
                 runner_factory: RunnerFactory | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time,
                 progress: bool = False, watcher: Any = None) -> None:
        if runner_factory is None:
            from cef_connector.app import ServerRunner

            runner_factory = ServerRunner
        from cef_connector.status import status_path

        self.settings = settings
        self.stop = stop or threading.Event()
        self.clock = clock
        self.wall_clock = wall_clock
        self.progress = progress
        self.watcher = watcher
        self.status_file = status_path(settings)
        self.servers = [f"{s.host}:{s.port}" for s in settings.servers]
        several = len(settings.servers) > 1
        # Built one after the other, before any thread runs: every FMC's TLS material,
        # mappings and outputs are checked before the first connect.
        self.runners = [runner_factory(settings, index, stop=self.stop, since=since,
                                       max_events=max_events)
                        for index in range(len(settings.servers))]
        self.monitors: list[Monitor] = []
        for server, runner in zip(self.servers, self.runners):
            own = getattr(runner, "monitor", None)
            if isinstance(own, Monitor):
                own.period_seconds = 0  # the service reports; the runner's line would repeat it
            self.monitors.append(Monitor(
                runner.counters, settings.monitor.period_seconds, clock,
                options=settings.monitor, wall_clock=wall_clock, server=server,
                label=server if several else "",
                receive_queue=lambda r=runner: _receive_queue(r),
                outputs=lambda r=runner: output_stats(list(getattr(r, "outputs", [])))))
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._reopen_requested = threading.Event()
        self.started = wall_clock()

    # -- figures -------------------------------------------------------------------

    def snapshots(self) -> list[Snapshot]:
        """One fresh snapshot per FMC (the Prometheus endpoint calls this at each scrape)."""
        return [monitor.snapshot() for monitor in self.monitors]

    def _write_status(self, snapshots: list[Snapshot], state: str) -> None:
        if self.status_file is None:
            return
        from cef_connector.status import write_status

        try:
            write_status(self.status_file, snapshots, state=state, pid=os.getpid(),
                         started=self.started, updated=self.wall_clock(),
                         period_seconds=self.settings.monitor.period_seconds)
        except (CefConnectorError, OSError) as exc:
            # The status file is for humans; failing to write it must not stop delivery.
            log.warning("cannot write the status file %s: %s", self.status_file, exc)

    # -- running -------------------------------------------------------------------

    def run(self) -> ServiceResult:
        """Serve every FMC until ``stop`` is set or every runner finished.

        Returns:
            Each runner's result and the last snapshots.

        Raises:
            CefConnectorError: a runner failed (the first error; the others were
                stopped); or the metrics port cannot be bound.
        """
        exporter = self._start_exporter()
        prefix = ThreadPrefix({thread_name(s.host, s.port): f"{s.host}:{s.port}"
                               for s in self.settings.servers})
        if len(self.runners) > 1:
            prefix.install()
        results: list[Any] = [None] * len(self.runners)
        threads = [threading.Thread(target=self._serve, args=(index, results),
                                    name=thread_name(server.host, server.port), daemon=True)
                   for index, server in enumerate(self.settings.servers)]
        log.info("serving %d FMC%s: %s", len(threads), "s" if len(threads) != 1 else "",
                 ", ".join(self.servers))
        self._write_status(self.snapshots(), "running")
        try:
            for thread in threads:
                thread.start()
            self._watch(threads)
        finally:
            self.stop.set()
            deadline = time.monotonic() + _JOIN_SECONDS
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            final = [monitor.report() for monitor in self.monitors]
            self._write_status(final, "stopped")
            if exporter is not None:
                exporter.stop()
            prefix.remove()
        if self._errors:
            raise self._errors[0]
        return ServiceResult([r for r in results if r is not None], final)

    def _serve(self, index: int, results: list[Any]) -> None:
        runner = self.runners[index]
        try:
            results[index] = runner.run()
        except BaseException as exc:  # noqa: BLE001 - re-raised by run() in the main thread
            with self._lock:
                self._errors.append(exc)
            log.error("%s: %s: %s; stopping every FMC", self.servers[index],
                      type(exc).__name__, exc)
            self.stop.set()

    def _watch(self, threads: list[threading.Thread]) -> None:
        period = self.settings.monitor.period_seconds
        next_report = self.clock() + period
        next_poll = self.clock() + _WATCH_SECONDS
        display = self._progress_display()
        try:
            while any(thread.is_alive() for thread in threads):
                self.stop.wait(_POLL_SECONDS)
                if self._reopen_requested.is_set():
                    self._reopen_requested.clear()
                    self._reopen()
                if self.watcher is not None and self.clock() >= next_poll:
                    next_poll = self.clock() + _WATCH_SECONDS
                    if self.watcher.changed():
                        self.request_reload()
                if display is not None:
                    self._draw(display)
                if self.stop.is_set():
                    break
                if period > 0 and self.clock() >= next_report:
                    snaps = [monitor.report() for monitor in self.monitors]
                    self._write_status(snaps, "running")
                    next_report = self.clock() + period
        finally:
            if display is not None:
                display.restore_console()
                display.__exit__(None, None, None)

    def _progress_display(self) -> Any:
        if not self.progress:
            return None
        from cef_connector.progress import ReplayProgress

        display = ReplayProgress(self.servers)
        if not display.enabled:
            return None
        display.__enter__()  # replaces sys.stdout/sys.stderr with proxies above the bars
        display.restore_console = redirect_console(sys.stdout, sys.stderr)
        return display

    def _draw(self, display: Any) -> None:
        now = self.wall_clock()
        for server, monitor in zip(self.servers, self.monitors):
            snap = monitor.snapshot()
            display.update(server, bookmark=snap.bookmark, now=now,
                           events=snap.events_written_total, rate=snap.rate_average)

    def _start_exporter(self) -> Any:
        port = self.settings.monitor.prometheus_port
        if port is None:
            return None
        from cef_connector.metrics import MetricsExporter

        exporter = MetricsExporter(port, self.snapshots)
        exporter.start()
        log.info("Prometheus metrics on http://%s:%d/metrics", exporter.host, exporter.port)
        return exporter

    # -- signals -------------------------------------------------------------------

    def request_reopen(self) -> None:
        """Ask for the log file and the outputs to be reopened (safe in a signal handler)."""
        self._reopen_requested.set()

    def request_reload(self) -> None:
        """Ask every runner to reload its mappings (outputs untouched); thread-safe."""
        for runner in self.runners:
            ask = getattr(runner, "request_reload", None)
            if callable(ask):
                ask()

    def _reopen(self) -> None:
        count = reopen_log_files()
        for runner in self.runners:
            ask = getattr(runner, "request_reopen", None)
            if callable(ask):
                ask()
        log.info("SIGHUP: reopened %d log file%s and asked %d FMC runner%s to start new "
                 "output files", count, "" if count == 1 else "s", len(self.runners),
                 "" if len(self.runners) == 1 else "s")

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT stop cleanly; SIGHUP reopens files and reloads the mappings.

        Call from the main thread.
        """

        def _stop(signum: int, _frame: object) -> None:
            log.info("received %s; flushing outputs, saving the bookmarks and stopping",
                     signal.Signals(signum).name)
            self.stop.set()

        def _hup(_signum: int, _frame: object) -> None:
            self.request_reopen()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _stop)
        signal.signal(signal.SIGHUP, _hup)


def counts_by_server(result: ServiceResult) -> Mapping[str, int]:
    """Events written per FMC in a finished run (for the summary line of ``run``)."""
    return {snap.server: snap.events_written_total for snap in result.snapshots}
