"""``cef-connector mappings check``: validate a mapping set (and its overrides), report everything.

The checks are the mapping loader's (:func:`cef_connector.mapping.loader.validate_mappings`),
the same that ``run`` and ``check`` run at start-up; this command prints every problem
and warning at once, sorted by file and line, so an author fixes them in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO

from cef_connector.authoring.options import MappingChoice
from cef_connector.mapping.loader import MappingReport

__all__ = ["check_mappings", "format_report", "report_exit_code"]

_LOCATION = re.compile(r"^(?P<file>[^:]+(?: \([^)]*\))?):(?P<line>\d+):")


def check_mappings(choice: MappingChoice) -> MappingReport:
    """Validate the chosen mappings.

    Args:
        choice: the set and its overrides.

    Returns:
        The report (``report.table`` is None when there are problems).

    Raises:
        MappingError: the set does not exist, or an override directory is missing.
    """
    return choice.validate()


def _sorted(lines: Sequence[str]) -> list[str]:
    def key(item: tuple[int, str]) -> tuple[str, int, int]:
        index, text = item
        match = _LOCATION.match(text)
        if match is None:
            return (text.split(":", 1)[0], 0, index)
        return (match.group("file"), int(match.group("line")), index)

    return [text for _, text in sorted(enumerate(lines), key=key)]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_report(choice: MappingChoice, report: MappingReport) -> str:
    """Render a report for people: a verdict line, then one line per problem and warning.

    Args:
        choice: what was checked.
        report: what :func:`check_mappings` returned.

    Returns:
        The text (ends with a newline).
    """
    lines: list[str] = []
    head = f"{choice.describe()} ({_plural(len(report.files), 'file')} read)"
    if report.problems:
        verdict = f"{_plural(len(report.problems), 'problem')}"
        if report.warnings:
            verdict += f", {_plural(len(report.warnings), 'warning')}"
        lines.append(f"{head}: {verdict}; the connector will not start with these mappings")
    else:
        table = report.table
        types = sorted(table.record_types) if table is not None else []
        verdict = f"OK, record types {', '.join(map(str, types))} mapped"
        if report.warnings:
            verdict += f"; {_plural(len(report.warnings), 'warning')}"
        lines.append(f"{head}: {verdict}")
    for problem in _sorted(report.problems):
        lines.append(f"  error: {problem}")
    for warning in _sorted(report.warnings):
        lines.append(f"  warning: {warning}")
    for dropped in report.dropped:
        lines.append(f"  note: {dropped} is dropped by an override: its records are not written")
    return "\n".join(lines) + "\n"


def report_exit_code(report: MappingReport, deny_warnings: bool = False) -> int:
    """0 when the set is usable (and, with ``deny_warnings``, has no warning), else 1."""
    if report.problems or (deny_warnings and report.warnings):
        return 1
    return 0


def check_command(choice: MappingChoice, *, deny_warnings: bool, out: IO[str]) -> int:
    """Run ``mappings check`` and print the report.

    Args:
        choice: what to check.
        deny_warnings: exit 1 on warnings too.
        out: where to print.

    Returns:
        The exit code.
    """
    report = check_mappings(choice)
    out.write(format_report(choice, report))
    return report_exit_code(report, deny_warnings)
