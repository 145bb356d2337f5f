"""Pure syslog message building: the RFC 3164 and RFC 5424 headers, RFC 6587 framing, UDP cuts.

No clock and no sockets here: every function takes the time it formats and returns text
or bytes (CEF doc §4.1–§4.5, §4.8).

* RFC 3164 (the default, form A of CEF doc §3.2, and what eNcore writes with PRI 13):
  ``<PRI>Mmm dd hh:mm:ss host CEF:0|...`` -- English month, space-padded day, local time,
  one space after the time and after the host, and no tag between host and ``CEF:``
  (the standard's form has none; CEF doc §3.2).  The time stamp comes from
  :func:`cef_connector.outputs.framing.rfc3164_timestamp`, which the file prefix uses too.
* RFC 5424 (form C): ``<PRI>1 2020-05-06T09:31:39.123Z host app - - - CEF:0|...`` --
  VERSION 1, an RFC 3339 time in UTC with milliseconds, NILVALUE ``-`` for PROCID and
  MSGID, ``-`` for STRUCTURED-DATA (without it a receiver takes the first word of the
  CEF line as structured data), and no BOM before ``CEF:`` (CEF doc §4.2 project rule).
* Framing for stream transports (RFC 6587): non-transparent, the message then one LF;
  or octet counting, the decimal byte count, one space, the message (RFC 5425 §4.3
  makes octet counting mandatory over TLS).
* UDP (RFC 5426): one message per datagram and nothing else in it; a message over the
  configured maximum is cut at a UTF-8 character boundary (:func:`truncate_utf8`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType

from cef_connector.errors import OutputError
from cef_connector.outputs.framing import rfc3164_timestamp

__all__ = [
    "FORMAT_RFC3164",
    "FORMAT_RFC5424",
    "FORMATS",
    "FRAMING_LF",
    "FRAMING_OCTET",
    "FRAMINGS",
    "MAX_UDP_PAYLOAD_IPV4",
    "MAX_UDP_PAYLOAD_IPV6",
    "Facility",
    "Severity",
    "SyslogHeader",
    "frame_lf",
    "frame_octet_counted",
    "framer",
    "parse_facility",
    "parse_severity",
    "priority",
    "rfc5424_timestamp",
    "truncate_utf8",
]

#: ``stream.options.format`` values.
FORMAT_RFC3164 = "rfc3164"
FORMAT_RFC5424 = "rfc5424"
FORMATS: tuple[str, ...] = (FORMAT_RFC3164, FORMAT_RFC5424)

#: ``stream.options.framing`` values (RFC 6587 §3.4.2 non-transparent with LF, §3.4.1
#: octet counting).
FRAMING_LF = "lf"
FRAMING_OCTET = "octet"
FRAMINGS: tuple[str, ...] = (FRAMING_LF, FRAMING_OCTET)

#: The largest UDP payload: 65535 - 8 (UDP header) - 20 (IPv4 header) (RFC 5426 §3.2).
MAX_UDP_PAYLOAD_IPV4 = 65507
#: The same over IPv6 without jumbograms: 65535 - 8.
MAX_UDP_PAYLOAD_IPV6 = 65527

#: RFC 5424 §6.2.5 APP-NAME and §6.2.4 HOSTNAME length limits.
_MAX_APP_NAME = 48
_MAX_HOSTNAME = 255


class Facility(IntEnum):
    """Syslog facility codes (RFC 5424 §6.2.1, table 1); names as in syslog.conf."""

    KERN = 0
    USER = 1  #: eNcore's facility (PRI 13 = 1 * 8 + 5)
    MAIL = 2
    DAEMON = 3
    AUTH = 4
    SYSLOG = 5
    LPR = 6
    NEWS = 7
    UUCP = 8
    CRON = 9
    AUTHPRIV = 10
    FTP = 11
    NTP = 12
    SECURITY = 13  #: "log audit"
    CONSOLE = 14  #: "log alert"
    SOLARIS_CRON = 15  #: "clock daemon"
    LOCAL0 = 16
    LOCAL1 = 17
    LOCAL2 = 18
    LOCAL3 = 19
    LOCAL4 = 20
    LOCAL5 = 21
    LOCAL6 = 22
    LOCAL7 = 23


class Severity(IntEnum):
    """Syslog severity codes (RFC 5424 §6.2.1, table 2)."""

    EMERG = 0
    ALERT = 1
    CRIT = 2
    ERR = 3
    WARNING = 4
    NOTICE = 5  #: eNcore's severity
    INFO = 6
    DEBUG = 7


_FACILITY_NAMES: Mapping[str, Facility] = MappingProxyType(
    {member.name.lower().replace("_", "-"): member for member in Facility}
)
_SEVERITY_NAMES: Mapping[str, Severity] = MappingProxyType(
    {
        **{member.name.lower(): member for member in Severity},
        # the long names syslog.conf also accepts
        "emergency": Severity.EMERG,
        "critical": Severity.CRIT,
        "error": Severity.ERR,
        "warn": Severity.WARNING,
        "informational": Severity.INFO,
    }
)


def _parse_code(value: object, names: Mapping[str, IntEnum], kind: str, high: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high:
        return value
    if isinstance(value, str) and value.strip().lower() in names:
        return int(names[value.strip().lower()])
    listed = ", ".join(sorted(names))
    raise OutputError(f"syslog {kind} {value!r} is not 0..{high} or one of: {listed}")


def parse_facility(value: object) -> int:
    """Turn a facility number or name (``"user"``, ``"local0"``) into its code.

    Args:
        value: an int 0..23 or a name from :class:`Facility` (case-insensitive,
            ``_`` written as ``-``).

    Returns:
        The facility code.

    Raises:
        OutputError: neither a code nor a known name.
    """
    return _parse_code(value, _FACILITY_NAMES, "facility", max(Facility))


def parse_severity(value: object) -> int:
    """Turn a severity number or name (``"notice"``, ``"warning"``) into its code.

    Args:
        value: an int 0..7 or a name from :class:`Severity` (case-insensitive).

    Returns:
        The severity code.

    Raises:
        OutputError: neither a code nor a known name.
    """
    return _parse_code(value, _SEVERITY_NAMES, "severity", max(Severity))


def priority(facility: int, severity: int) -> int:
    """The PRI value, facility * 8 + severity (RFC 3164 §4.1.1, RFC 5424 §6.2.1).

    Args:
        facility: 0..23.
        severity: 0..7.

    Returns:
        0..191; eNcore's default facility 1 and severity 5 give 13.

    Raises:
        OutputError: a code out of range.
    """
    if not 0 <= facility <= max(Facility) or not 0 <= severity <= max(Severity):
        raise OutputError(
            f"syslog facility {facility} / severity {severity} out of range "
            f"(facility 0..{int(max(Facility))}, severity 0..{int(max(Severity))})"
        )
    return facility * 8 + severity


def rfc5424_timestamp(timestamp: float) -> str:
    """Format epoch seconds as an RFC 5424 TIMESTAMP in UTC with milliseconds.

    Args:
        timestamp: seconds since the epoch.

    Returns:
        e.g. ``"2020-05-06T09:31:39.123Z"`` (``T`` and ``Z`` upper case, RFC 5424 §6.2.3).
    """
    whole = int(timestamp // 1)
    millis = int((timestamp - whole) * 1000)
    moment = time.gmtime(whole)
    return (
        f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}T"
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}.{millis:03d}Z"
    )


def _check_token(value: str, what: str, limit: int) -> None:
    """RFC 5424 §6: header fields are 1..limit printable US-ASCII characters (33..126)."""
    if not value or len(value) > limit or any(not 33 <= ord(c) <= 126 for c in value):
        raise OutputError(
            f"syslog {what} {value!r} must be 1 to {limit} printable ASCII characters "
            "without spaces (RFC 5424 §6); set it in stream.options"
        )


@dataclass
class SyslogHeader:
    """Builds the text in front of each CEF line, caching it for the current second.

    Args:
        style: :data:`FORMAT_RFC3164` or :data:`FORMAT_RFC5424`.
        facility: facility code (default 1, user, as eNcore).
        severity: severity code (default 5, notice, as eNcore).
        hostname: HOSTNAME field: the collector's name, no spaces.
        app_name: RFC 5424 APP-NAME (unused by RFC 3164, which has no tag before CEF).
        local_time: epoch seconds to broken-down local time for RFC 3164
            (``time.localtime``; tests pass ``time.gmtime``).

    Raises:
        OutputError: unknown style, codes out of range, or a host/app name that is
            empty, too long, or has spaces or non-ASCII characters.
    """

    style: str
    facility: int = int(Facility.USER)
    severity: int = int(Severity.NOTICE)
    hostname: str = "-"
    app_name: str = "cef-connector"
    local_time: Callable[[float], time.struct_time] = time.localtime

    def __post_init__(self) -> None:
        if self.style not in FORMATS:
            raise OutputError(
                f"syslog format {self.style!r} is not one of {', '.join(FORMATS)}"
            )
        self._pri = priority(self.facility, self.severity)
        _check_token(self.hostname, "hostname", _MAX_HOSTNAME)
        _check_token(self.app_name, "appName", _MAX_APP_NAME)
        self._second: int | None = None
        self._text = ""

    def text(self, timestamp: float) -> str:
        """The header for a message stamped ``timestamp``, ending with one space.

        Args:
            timestamp: epoch seconds (the send time, or the record's own time).

        Returns:
            ``<13>May  6 09:31:39 host `` (RFC 3164) or
            ``<13>1 2020-05-06T09:31:39.123Z host app - - - `` (RFC 5424).
        """
        if self.style == FORMAT_RFC5424:
            # Milliseconds change every call; only the part before them is cached.
            second = int(timestamp // 1)
            if second != self._second:
                self._second = second
                stamp = rfc5424_timestamp(second)[:-5]  # without ".000Z"
                self._text = f"<{self._pri}>1 {stamp}"
            millis = int((timestamp - second) * 1000)
            return f"{self._text}.{millis:03d}Z {self.hostname} {self.app_name} - - - "
        second = int(timestamp // 1)
        if second != self._second:
            self._second = second
            stamp = rfc3164_timestamp(self.local_time(second))
            self._text = f"<{self._pri}>{stamp} {self.hostname} "
        return self._text


def frame_lf(message: bytes) -> bytes:
    """Non-transparent framing: the message and one LF (RFC 6587 §3.4.2).

    Args:
        message: one syslog message without any LF (the output checks this).

    Returns:
        ``message + b"\\n"``.
    """
    return message + b"\n"


def frame_octet_counted(message: bytes) -> bytes:
    """Octet-counting framing: ``MSG-LEN SP SYSLOG-MSG`` (RFC 6587 §3.4.1, RFC 5425 §4.3).

    Args:
        message: one syslog message (UTF-8 bytes).

    Returns:
        The decimal byte count (not the character count), one space, the message.
    """
    return b"%d %b" % (len(message), message)


def framer(name: str) -> Callable[[bytes], bytes]:
    """The framing function for a ``framing`` option value.

    Args:
        name: :data:`FRAMING_LF` or :data:`FRAMING_OCTET`.

    Returns:
        :func:`frame_lf` or :func:`frame_octet_counted`.

    Raises:
        OutputError: any other name.
    """
    if name == FRAMING_LF:
        return frame_lf
    if name == FRAMING_OCTET:
        return frame_octet_counted
    raise OutputError(f"syslog framing {name!r} is not one of {', '.join(FRAMINGS)}")


def truncate_utf8(data: bytes, limit: int) -> bytes:
    """Cut UTF-8 bytes to at most ``limit`` bytes without splitting a character.

    Args:
        data: valid UTF-8.
        limit: the maximum length in bytes (at least 1).

    Returns:
        ``data`` itself when it fits, else the longest prefix of at most ``limit``
        bytes that ends on a character boundary.
    """
    if len(data) <= limit:
        return data
    cut = limit
    # data[cut] is the first byte left out; while it is a continuation byte
    # (10xxxxxx), the character it belongs to started earlier: leave that out too.
    while cut > 0 and data[cut] & 0xC0 == 0x80:
        cut -= 1
    return data[:cut]
