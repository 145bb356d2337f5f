"""Counters of what the pipeline did, and the periodic figures and status line built from them.

Names follow the telemetry rules of the style guide: snake_case with ``_total``.
Clocks are injected, so every figure is testable without sleeping.

``Monitor.snapshot()`` turns the counters into a :class:`Snapshot`: totals, the figures
of the current period (events, rate), the bookmark's lag behind now, the velocity
(archive seconds read per wall-clock second: 1 keeps up, above 1 catches up, below 1
falls behind; eNcore's ``velocity`` minus one), the bytes waiting in the socket's
receive queue and each output's counters (both read through injected callables).  The
status line, the status file (``status.py``) and the Prometheus endpoint
(``metrics.py``) are all rendered from snapshots, so they always agree.

Counters are written by one runner thread and read by the monitor thread; reads copy
each ``Counter`` with ``dict()`` (atomic under the GIL) and never mutate.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cef_connector.config.schema import MonitorSettings

__all__ = [
    "Counters",
    "Monitor",
    "OutputStats",
    "ReceiveQueue",
    "Snapshot",
    "format_duration",
    "status_line",
]

log = logging.getLogger(__name__)

#: Returns the bytes waiting in the FMC socket's receive queue (None: not connected or
#: not shown by the platform).
ReceiveQueue = Callable[[], "int | None"]
#: Returns each output's counters by output name, e.g. ``{"events.cef": {"lines_written":
#: 10}}``.
OutputStats = Callable[[], Mapping[str, Mapping[str, int]]]


@dataclass
class Counters:
    """Everything the pipeline counts for one server session (or a whole run)."""

    #: records received from the FMC, by record type (events and metadata)
    records_received_total: Counter[int] = field(default_factory=Counter)
    #: CEF lines written, by record type
    events_written_total: Counter[int] = field(default_factory=Counter)
    #: records not written, by reason ("filtered", "unmapped", "unknown_record",
    #: "decode_failed", "mapping_failed")
    events_dropped_total: Counter[str] = field(default_factory=Counter)
    metadata_learned_total: int = 0
    bundles_acknowledged_total: int = 0
    keepalives_received_total: int = 0
    bytes_received_total: int = 0
    reconnects_total: int = 0
    errors_total: Counter[str] = field(default_factory=Counter)
    bookmark: int | None = None

    @property
    def events_written(self) -> int:
        """All CEF lines written, whatever their record type."""
        return sum(self.events_written_total.values())


def _copy(counter: Mapping[Any, int]) -> dict[Any, int]:
    for _attempt in range(3):
        try:
            return dict(counter)
        except RuntimeError:  # resized by the writer thread during the copy: try again
            continue
    return dict(counter)


@dataclass(frozen=True)
class Snapshot:
    """The figures of one server at one moment (JSON-serialisable via :meth:`to_json`).

    Attributes:
        server: ``host:port`` of the FMC.
        time: wall-clock epoch seconds of the snapshot.
        uptime_seconds: seconds since the monitor started.
        period_seconds: seconds since the previous report (the "period").
        events_written_total: CEF lines written.
        events_written_period: CEF lines written in the period.
        rate_period: lines per second in the period.
        rate_average: lines per second since the start.
        records_received_total: records received (events and metadata).
        events_written_by_type: lines written by record type.
        records_received_by_type: records received by record type.
        events_dropped_total: records not written, by reason.
        errors_total: errors by kind (``SessionError.kind`` values, ``protocol_error``).
        reconnects_total: reconnects after an error.
        bytes_received_total: bytes received from the FMC.
        bundles_acknowledged_total: bundles acknowledged to the FMC.
        metadata_learned_total: metadata records learned.
        bookmark: newest archive timestamp bookmarked (epoch seconds), or None.
        bookmark_lag_seconds: how far the bookmark is behind now, or None.
        velocity: archive seconds bookmarked per wall-clock second in the period (1 keeps
            up with the FMC, above 1 catches up, below 1 falls behind); None when nothing
            was written in the period or no earlier bookmark is known.
        receive_queue_bytes: bytes waiting in the socket's receive queue, or None.
        outputs: each output's counters, by output name.
    """

    server: str
    time: float
    uptime_seconds: float
    period_seconds: float
    events_written_total: int
    events_written_period: int
    rate_period: float
    rate_average: float
    records_received_total: int
    events_written_by_type: dict[int, int]
    records_received_by_type: dict[int, int]
    events_dropped_total: dict[str, int]
    errors_total: dict[str, int]
    reconnects_total: int
    bytes_received_total: int
    bundles_acknowledged_total: int
    metadata_learned_total: int
    bookmark: int | None
    bookmark_lag_seconds: float | None
    velocity: float | None
    receive_queue_bytes: int | None
    outputs: dict[str, dict[str, int]]

    def to_json(self) -> dict[str, Any]:
        """The snapshot as a JSON object (record types become string keys)."""
        data = asdict(self)
        data["events_written_by_type"] = {str(k): v for k, v in
                                          sorted(self.events_written_by_type.items())}
        data["records_received_by_type"] = {str(k): v for k, v in
                                            sorted(self.records_received_by_type.items())}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        """Rebuild a snapshot from :meth:`to_json`'s output.

        Args:
            data: the JSON object.

        Returns:
            The snapshot.

        Raises:
            KeyError, TypeError, ValueError: the object is not a snapshot.
        """
        values = dict(data)
        values["events_written_by_type"] = {int(k): int(v) for k, v in
                                            data["events_written_by_type"].items()}
        values["records_received_by_type"] = {int(k): int(v) for k, v in
                                              data["records_received_by_type"].items()}
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in names})


def format_duration(seconds: float) -> str:
    """A duration in words an operator reads at a glance: ``45 s``, ``3 min 20 s``,
    ``5 h 2 min``, ``2 d 4 h``.

    Args:
        seconds: the duration (negative values count as 0).

    Returns:
        The text.
    """
    total = max(int(round(seconds)), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _iso(epoch: int) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pairs(values: Mapping[Any, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(values.items()))


def status_line(snapshot: Snapshot, options: MonitorSettings | None = None,
                label: str = "", state: str = "Running") -> str:
    """The monitor's log line for a snapshot, in eNcore's spirit, extended.

    ``Running. 5000 handled; average rate 98.04 ev/sec; last 10 s: 1200 handled,
    120.00 ev/sec; 5400 received; bookmark 2024-05-01T10:00:00Z (lag 12 s); velocity
    1.02; recv-q 0 B; output events: lines_written=5000; not written: filtered=3;
    errors: closed=1; reconnects 1; by type: 71=4000 400=1000``

    ``options`` switches parts as eNcore's ``monitor`` keys do: ``handled`` (counts),
    ``subscribed`` (records received), ``bookmark`` (bookmark and lag), ``velocity`` and
    ``details`` (counts by record type).  The receive queue, outputs, drops, errors and
    reconnects appear whenever they are known or not zero.

    Args:
        snapshot: the figures.
        options: the ``monitor`` settings (default: eNcore's defaults).
        label: prefix, e.g. the server when several are served.
        state: the first word (eNcore's state description).

    Returns:
        One line.
    """
    opts = options or MonitorSettings()
    s = snapshot
    parts = [f"{state}."]
    if opts.handled:
        parts.append(f"{s.events_written_total} handled;")
    parts.append(f"average rate {s.rate_average:.2f} ev/sec;")
    if opts.handled:
        parts.append(f"last {format_duration(s.period_seconds)}: {s.events_written_period} "
                     f"handled, {s.rate_period:.2f} ev/sec;")
    if opts.subscribed:
        parts.append(f"{s.records_received_total} received;")
    if opts.bookmark:
        if s.bookmark is None:
            parts.append("bookmark none;")
        else:
            lag = format_duration(s.bookmark_lag_seconds or 0.0)
            parts.append(f"bookmark {_iso(s.bookmark)} (lag {lag});")
    if opts.velocity:
        shown = "-" if s.velocity is None else f"{s.velocity:.2f}"
        parts.append(f"velocity {shown};")
    if s.receive_queue_bytes is not None:
        parts.append(f"recv-q {s.receive_queue_bytes} B;")
    for name, values in sorted(s.outputs.items()):
        if values:
            parts.append(f"output {name}: {_pairs(values)};")
    if s.events_dropped_total:
        parts.append(f"not written: {_pairs(s.events_dropped_total).replace(' ', ', ')};")
    if s.errors_total:
        parts.append(f"errors: {_pairs(s.errors_total).replace(' ', ', ')};")
    if s.reconnects_total:
        parts.append(f"reconnects {s.reconnects_total};")
    if opts.details and s.events_written_by_type:
        parts.append(f"by type: {_pairs(s.events_written_by_type)};")
    line = " ".join(parts)
    return f"[{label}] {line}" if label else line


class Monitor:
    """Computes the figures of one server every period and writes the status line.

    Args:
        counters: the counters to report.
        period_seconds: how often :meth:`tick` reports; 0 or less disables it.
        clock: monotonic seconds (periods, rates).
        options: the ``monitor`` settings (which parts the line shows).
        wall_clock: epoch seconds (bookmark lag, velocity, snapshot time).
        server: ``host:port`` of the FMC, recorded in snapshots.
        label: prefix of the status line (e.g. the server when several are served).
        receive_queue: returns the bytes in the socket receive queue, or None.
        outputs: returns each output's counters by name.
    """

    def __init__(self, counters: Counters, period_seconds: float,
                 clock: Callable[[], float], *,
                 options: MonitorSettings | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 server: str = "", label: str = "",
                 receive_queue: ReceiveQueue | None = None,
                 outputs: OutputStats | None = None) -> None:
        self.counters = counters
        self.period_seconds = period_seconds
        self.clock = clock
        self.options = options or MonitorSettings(period_seconds=period_seconds)
        self.wall_clock = wall_clock
        self.server = server
        self.label = label
        self.receive_queue = receive_queue
        self.outputs = outputs
        self.started = clock()
        self._lock = threading.Lock()
        self._last_time = self.started
        self._last_wall = wall_clock()
        self._last_written = 0
        self._last_bookmark = counters.bookmark

    def snapshot(self, now: float | None = None, wall_now: float | None = None) -> Snapshot:
        """The figures now, relative to the last report (no side effects).

        Args:
            now: monotonic time (default ``clock()``).
            wall_now: epoch time (default ``wall_clock()``).

        Returns:
            The snapshot.
        """
        now = self.clock() if now is None else now
        wall = self.wall_clock() if wall_now is None else wall_now
        c = self.counters
        with self._lock:
            last_time, last_wall = self._last_time, self._last_wall
            last_written, last_bookmark = self._last_written, self._last_bookmark
        written_by_type = _copy(c.events_written_total)
        received_by_type = _copy(c.records_received_total)
        written = sum(written_by_type.values())
        elapsed = max(now - self.started, 1e-9)
        period = max(now - last_time, 1e-9)
        period_written = written - last_written
        bookmark = c.bookmark
        lag = None if bookmark is None else max(wall - bookmark, 0.0)
        velocity = None
        wall_period = wall - last_wall
        if (bookmark is not None and last_bookmark is not None and period_written > 0
                and wall_period > 0):
            velocity = (bookmark - last_bookmark) / wall_period
        queue = self.receive_queue() if self.receive_queue is not None else None
        outputs = ({name: dict(values) for name, values in self.outputs().items()}
                   if self.outputs is not None else {})
        return Snapshot(
            server=self.server,
            time=wall,
            uptime_seconds=now - self.started,
            period_seconds=now - last_time,
            events_written_total=written,
            events_written_period=period_written,
            rate_period=period_written / period,
            rate_average=written / elapsed,
            records_received_total=sum(received_by_type.values()),
            events_written_by_type=written_by_type,
            records_received_by_type=received_by_type,
            events_dropped_total=_copy(c.events_dropped_total),
            errors_total=_copy(c.errors_total),
            reconnects_total=c.reconnects_total,
            bytes_received_total=c.bytes_received_total,
            bundles_acknowledged_total=c.bundles_acknowledged_total,
            metadata_learned_total=c.metadata_learned_total,
            bookmark=bookmark,
            bookmark_lag_seconds=lag,
            velocity=velocity,
            receive_queue_bytes=queue,
            outputs=outputs,
        )

    def status_line(self, now: float) -> str:
        """Build the status line for ``now`` (no side effects).

        Args:
            now: the current monotonic time.

        Returns:
            One line (see :func:`status_line`).
        """
        return status_line(self.snapshot(now), self.options, self.label)

    def report(self, now: float | None = None, wall_now: float | None = None) -> Snapshot:
        """Log the status line and start a new period.

        Args:
            now: monotonic time (default ``clock()``).
            wall_now: epoch time (default ``wall_clock()``).

        Returns:
            The snapshot that was reported.
        """
        snap = self.snapshot(now, wall_now)
        log.info("%s", status_line(snap, self.options, self.label))
        with self._lock:
            self._last_time = self.started + snap.uptime_seconds
            self._last_wall = snap.time
            self._last_written = snap.events_written_total
            self._last_bookmark = snap.bookmark
        return snap

    def tick(self) -> Snapshot | None:
        """Report if a period has passed since the last report.

        Returns:
            The reported snapshot, or None when it was not time yet (or disabled).
        """
        if self.period_seconds <= 0:
            return None
        now = self.clock()
        with self._lock:
            due = now - self._last_time >= self.period_seconds
        if due:
            return self.report(now)
        return None
