"""Pure text framing around a CEF line: RFC 3164 time stamps, eNcore's syslog prefix, file stamps.

No clock is read here: every function takes the time it formats.  Month names come from
a fixed English table and the day is padded with a space (RFC 3164 §4.1.2), so the
result does not depend on the process locale (``time.strftime("%b %d")`` would give a
locale month and a zero-padded day; CEF doc §4.1 and §5.11 D7).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

__all__ = ["ENCORE_PRI", "MONTHS", "encore_prefix", "file_stamp", "rfc3164_timestamp"]

#: English month abbreviations, RFC 3164 §4.1.2.
MONTHS: tuple[str, ...] = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

#: The PRI eNcore writes: facility 1 (user) * 8 + severity 5 (notice) (CEF doc §3.4).
ENCORE_PRI = 13


def rfc3164_timestamp(moment: time.struct_time) -> str:
    """Format a broken-down time as an RFC 3164 TIMESTAMP, ``Mmm dd hh:mm:ss``.

    Args:
        moment: the time to format (local time for RFC 3164).

    Returns:
        e.g. ``"May  6 09:31:39"`` (day below 10 padded with a space).
    """
    return (
        f"{MONTHS[moment.tm_mon - 1]} {moment.tm_mday:>2} "
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}"
    )


def encore_prefix(
    timestamp: float,
    hostname: str,
    local_time: Callable[[float], time.struct_time] = time.localtime,
) -> str:
    """Build eNcore's syslog prefix ``<13>Mmm dd hh:mm:ss host `` (form F, fixed).

    eNcore writes the PRI 13, the write time and the collector's host name in front of
    every CEF line (CEF doc §3.2, §3.4).  Unlike eNcore, the day is space-padded and the
    month is English whatever the locale.

    Args:
        timestamp: seconds since the epoch (the write time).
        hostname: host name to write; must not contain spaces.
        local_time: converts the timestamp to broken-down time (``time.localtime``;
            tests pass ``time.gmtime``).

    Returns:
        The prefix, ending with one space, ready to be followed by ``CEF:0|...``.
    """
    return f"<{ENCORE_PRI}>{rfc3164_timestamp(local_time(timestamp))} {hostname} "


def file_stamp(timestamp: float) -> str:
    """Format a time as the sortable UTC stamp used in output file names.

    Args:
        timestamp: seconds since the epoch.

    Returns:
        ``YYYYmmddTHHMMSS.ffffffZ``, e.g. ``"20200526T124652.123456Z"``; fixed width, so
        names sort in time order.
    """
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}T"
        f"{moment.hour:02d}{moment.minute:02d}{moment.second:02d}."
        f"{moment.microsecond:06d}Z"
    )
