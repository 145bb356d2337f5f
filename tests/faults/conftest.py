"""The fault suite's per-scenario table, printed at the end of the run whatever ``-s`` says."""

from __future__ import annotations

from typing import Any

from .harness import RESULTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    terminalreporter.section("fault injection: events sent, written, missing, duplicated")
    for result in RESULTS:
        terminalreporter.write_line(result.row())
