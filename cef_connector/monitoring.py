"""Counters of what the pipeline did, and the periodic status line built from them.

Names follow the telemetry rules of the style guide: snake_case with ``_total``.
The clock is injected, so the status line is testable without sleeping.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Counters", "Monitor"]

log = logging.getLogger(__name__)


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


class Monitor:
    """Writes eNcore's ``Running. N handled; average rate R ev/sec;`` line every period.

    Args:
        counters: the counters to report.
        period_seconds: how often to log; 0 or less disables the line.
        clock: returns monotonic seconds.
    """

    def __init__(self, counters: Counters, period_seconds: float,
                 clock: Callable[[], float]) -> None:
        self.counters = counters
        self.period_seconds = period_seconds
        self.clock = clock
        self.started = clock()
        self._last_time = self.started
        self._last_written = 0

    def status_line(self, now: float) -> str:
        """Build the status line for ``now`` (no side effects).

        Args:
            now: the current monotonic time.

        Returns:
            One line: totals, rate over the whole run and over the last period,
            drops by reason and the bookmark.
        """
        written = self.counters.events_written
        elapsed = max(now - self.started, 1e-9)
        period = max(now - self._last_time, 1e-9)
        period_written = written - self._last_written
        drops = ", ".join(f"{k}={v}" for k, v in sorted(self.counters.events_dropped_total.items()))
        parts = [
            f"Running. {written} handled; average rate {written / elapsed:.2f} ev/sec;",
            f"last period {period_written} handled, {period_written / period:.2f} ev/sec;",
        ]
        if drops:
            parts.append(f"not written: {drops};")
        if self.counters.bookmark is not None:
            parts.append(f"bookmark {self.counters.bookmark};")
        return " ".join(parts)

    def tick(self) -> None:
        """Log the status line if a period has passed since the last one."""
        if self.period_seconds <= 0:
            return
        now = self.clock()
        if now - self._last_time >= self.period_seconds:
            log.info("%s", self.status_line(now))
            self._last_time = now
            self._last_written = self.counters.events_written
