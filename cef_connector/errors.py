"""The exception hierarchy every cef-connector error derives from.

This is a leaf module: it imports nothing from the package, so every layer
(including the sans-I/O protocol core) can raise these types.

Each message says what happened, where (file and key, record type, byte
offset) and what to do next.  The CLI prints ``ClassName: message`` once,
without a traceback, and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "CefConnectorError",
    "ConfigError",
    "TlsSetupError",
    "SessionError",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "MappingError",
    "OutputError",
    "BookmarkError",
]


class CefConnectorError(Exception):
    """Root of every error cef-connector raises on purpose."""


class ConfigError(CefConnectorError):
    """The configuration file is unreadable or has invalid or unknown keys.

    ``problems`` holds one line per problem (all of them, not just the first),
    each naming the key, the value and what is allowed.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join("  - " + p for p in self.problems)
        super().__init__(message)


class TlsSetupError(CefConnectorError):
    """TLS material (PKCS#12 file, password, CA) cannot be loaded or used."""


class SessionError(CefConnectorError):
    """A connection to the FMC failed: DNS, TCP connect, TLS handshake, timeout.

    ``kind`` is a short, low-cardinality cause used for counting and for the
    reconnect log: ``dns``, ``connect_refused``, ``connect_timeout``,
    ``unreachable``, ``connect`` (other connect failures), ``tls_handshake``,
    ``send_timeout``, ``response_timeout``, ``closed``, ``server_error``.
    """

    def __init__(self, message: str, kind: str = "session") -> None:
        self.kind = kind
        super().__init__(message)


class ProtocolError(CefConnectorError):
    """Abstract: the eStreamer conversation broke a rule of the protocol.

    ``offset`` is the byte offset in the received stream (counted from the
    first byte after the TLS handshake) where the problem was found, when known.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        if offset is not None:
            message = f"{message} (stream offset {offset})"
        super().__init__(message)


class LocalProtocolError(ProtocolError):
    """We misused the protocol core (a bug in cef-connector, not the FMC)."""


class RemoteProtocolError(ProtocolError):
    """The FMC (or whatever is at the other end) sent bytes that break the protocol.

    The session reacts by logging the error with its offset, closing the
    connection and reconnecting from the bookmark.
    """


class MappingError(CefConnectorError):
    """A mapping file or template is invalid (file, line and the fix are named)."""


class OutputError(CefConnectorError):
    """An output cannot be opened or written (path or destination is named)."""


class BookmarkError(CefConnectorError):
    """The bookmark file is unreadable or corrupt (file and options are named)."""
