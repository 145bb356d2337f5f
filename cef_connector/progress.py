"""Progress bars on a terminal: events of ``demo``, and how far a replay has come.

Built on ``rich.progress``.  A display draws only when its console is a terminal; on a
pipe or a file it stays silent, so the output of scripts and tests is unchanged.  The
display is fed by polling (``update``), never by the pipeline: the pipeline does not know
it exists.

A replay bar measures archive time: from the first bookmark seen to now, it shows how
much of the FMC's history has been written, the bookmark's lag and the event count.
When the lag is under ``LIVE_LAG_SECONDS`` the bar says ``live`` and the replay is over.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

__all__ = ["EventProgress", "LIVE_LAG_SECONDS", "ReplayProgress"]

#: A bookmark at most this far behind now counts as live (caught up).
LIVE_LAG_SECONDS = 60.0


def _console(stream: IO[str] | None, force_terminal: bool | None) -> Any:
    from rich.console import Console

    return Console(file=stream if stream is not None else sys.stderr,
                   force_terminal=force_terminal, highlight=False)


class EventProgress:
    """A bar counting events towards a known total (``demo``).

    Args:
        total: the number of events expected.
        description: text before the bar.
        stream: where to draw (default ``sys.stderr``).
        force_terminal: draw even when ``stream`` is not a terminal (tests).
    """

    def __init__(self, total: int, description: str = "events", *,
                 stream: IO[str] | None = None, force_terminal: bool | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = _console(stream, force_terminal)
        self.enabled = bool(console.is_terminal)
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
            console=console, disable=not self.enabled, transient=False,
            redirect_stdout=False, redirect_stderr=False)
        self._task = self._progress.add_task(description, total=total, rate="")

    def update(self, completed: int, rate: float | None = None) -> None:
        """Show ``completed`` events (and the rate in events per second, if known)."""
        shown = f"{rate:,.0f} ev/s" if rate else ""
        self._progress.update(self._task, completed=completed, rate=shown)

    def __enter__(self) -> EventProgress:
        self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()


class ReplayProgress:
    """One bar per FMC showing how much archive time a replay has written.

    Args:
        servers: the FMCs, ``host:port``.
        stream: where to draw (default ``sys.stderr``).
        force_terminal: draw even when ``stream`` is not a terminal (tests).
    """

    def __init__(self, servers: list[str], *, stream: IO[str] | None = None,
                 force_terminal: bool | None = None) -> None:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        console = _console(stream, force_terminal)
        self.enabled = bool(console.is_terminal)
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[state]}"), console=console,
            disable=not self.enabled, redirect_stdout=True, redirect_stderr=True)
        self._tasks = {server: self._progress.add_task(server, total=1.0, state="waiting")
                       for server in servers}
        self._origin: dict[str, int] = {}
        #: set by whoever redirected log output while the bars are drawn
        self.restore_console: Callable[[], None] = lambda: None

    def update(self, server: str, *, bookmark: int | None, now: float, events: int,
               rate: float) -> None:
        """Show one FMC's position.

        Args:
            server: ``host:port``.
            bookmark: its bookmark (epoch seconds), or None before the first one.
            now: epoch seconds now.
            events: events written so far.
            rate: events per second lately.
        """
        from cef_connector.monitoring import format_duration

        task = self._tasks[server]
        if bookmark is None:
            self._progress.update(task, state=f"{events:,} events; no bookmark yet")
            return
        origin = self._origin.setdefault(server, bookmark)
        span = max(now - origin, 1.0)
        lag = max(now - bookmark, 0.0)
        done = min(max(bookmark - origin, 0) / span, 1.0)
        if lag <= LIVE_LAG_SECONDS:
            state, done = "live", 1.0
        else:
            state = f"lag {format_duration(lag)}"
        self._progress.update(task, total=1.0, completed=done,
                              state=f"{state}; {events:,} events, {rate:,.0f} ev/s")

    def __enter__(self) -> ReplayProgress:
        self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()
