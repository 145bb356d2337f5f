"""The Output protocol every destination of CEF lines implements, and its delivery labels.

The pipeline writes each CEF line to every output, calls :meth:`Output.flush` after each
bundle and advances the bookmark only after every output's flush has returned.  Each
output states what a returned ``flush()`` guarantees in ``DELIVERY``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cef_connector.errors import OutputError

__all__ = ["AT_LEAST_ONCE", "BEST_EFFORT", "Output", "require_single_line"]

#: After ``flush()`` returns, every line written so far survives a crash (a replay after
#: a crash between flush and bookmark repeats lines; none are lost).
AT_LEAST_ONCE = "at-least-once"

#: Lines may be lost without the output knowing (e.g. UDP).
BEST_EFFORT = "best-effort"


@runtime_checkable
class Output(Protocol):
    """A destination of CEF lines.

    Attributes:
        DELIVERY: ``"at-least-once"`` or ``"best-effort"``.
        name: human-readable label for logs and the summary.
        paths: files written so far (empty for network outputs).
    """

    DELIVERY: str
    name: str
    paths: list[str]

    def open(self) -> None:
        """Prepare the destination (create directories, check access).

        Raises:
            OutputError: the destination cannot be used.
        """

    def write(self, line: str, event_time: int | None = None) -> None:
        """Accept one CEF line (no line terminator).

        Args:
            line: the encoded CEF line.
            event_time: the record's event time in epoch seconds, when known.

        Raises:
            OutputError: the line contains a raw CR or LF, or it cannot be written.
        """

    def flush(self) -> None:
        """Make everything written so far durable under ``DELIVERY``.

        Raises:
            OutputError: the data could not be written or synced.
        """

    def close(self) -> None:
        """Flush and release the destination; safe to call twice.

        Raises:
            OutputError: the final flush failed.
        """

    def reopen(self) -> None:
        """Close the current file or connection and continue in a new one (SIGHUP).

        Raises:
            OutputError: the current one could not be closed cleanly.
        """


def require_single_line(output_name: str, line: str) -> None:
    """Refuse a line that contains a raw CR or LF (every output frames by line).

    The CEF encoder escapes CR and LF, so this only fires on a bug upstream; it is
    checked at the edge anyway because a raw line break would split an event in two.

    Args:
        output_name: the output, for the message.
        line: the CEF line about to be written.

    Raises:
        OutputError: the line contains a raw line break (its position is named).
    """
    if "\n" in line or "\r" in line:
        position = min(i for i in (line.find("\n"), line.find("\r")) if i >= 0)
        raise OutputError(
            f"{output_name}: refusing a line with a raw line break at character {position}; "
            "the CEF encoder must escape CR and LF (this is a bug in cef-connector)"
        )
