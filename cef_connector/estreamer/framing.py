"""Incremental message framing: received bytes in, complete ``Frame`` objects out (§2.1, §2.6).

The ``Framer`` buffers whatever it is given, in any split, and never discards a partial
message (eNcore's timeout-inside-a-message defect, §1.5).  The buffer is a ``bytearray``
with a read position; consumed bytes are dropped in bulk, so feeding a stream in small
pieces costs linear, not quadratic, time.
"""

from __future__ import annotations

from dataclasses import dataclass

from cef_connector.errors import LocalProtocolError, RemoteProtocolError

from .constants import HEADER_VERSION, MESSAGE_HEADER_SIZE, Limits, MessageType
from .wire import MESSAGE_HEADER, U16

__all__ = ["Frame", "Framer"]

# Consumed bytes are only compacted away once at least this many have accumulated, so a
# burst of small messages costs one memmove, not one per message.
_COMPACT_THRESHOLD = 64 * 1024


@dataclass(frozen=True, slots=True)
class Frame:
    """One complete message.

    Attributes:
        message_type: The header's messageType (a ``MessageType`` value, or unknown).
        body: The ``messageLength`` bytes after the 8-byte header.
        offset: Stream offset of the first byte of the 8-byte header.
    """

    message_type: int
    body: bytes
    offset: int


class Framer:
    """Splits a byte stream into messages.

    Args:
        limits: ``limits.max_message_bytes`` caps the accepted messageLength.
    """

    def __init__(self, limits: Limits = Limits()) -> None:
        self._buffer = bytearray()
        self._read = 0  # position in _buffer of the next unconsumed byte
        self._base = 0  # stream offset of _buffer[0]
        self._eof = False
        self._max_message_bytes = limits.max_message_bytes

    @property
    def eof(self) -> bool:
        """True once ``receive_data(b"")`` signalled the end of the stream."""
        return self._eof

    @property
    def buffered(self) -> int:
        """Number of received bytes not yet returned in a frame."""
        return len(self._buffer) - self._read

    @property
    def stream_offset(self) -> int:
        """Stream offset of the first byte not yet returned in a frame."""
        return self._base + self._read

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Append received bytes; ``b""`` means the peer closed the stream (EOF).

        Args:
            data: The bytes exactly as received, in any split.

        Raises:
            LocalProtocolError: Data arrived after EOF was signalled.
        """
        if self._eof:
            raise LocalProtocolError(
                "receive_data() called after EOF (receive_data(b'')) was already signalled"
            )
        if not data:
            self._eof = True
            return
        self._buffer += data

    def _compact(self) -> None:
        read = self._read
        if read == len(self._buffer):
            self._buffer.clear()
        elif read >= _COMPACT_THRESHOLD and read * 2 >= len(self._buffer):
            del self._buffer[:read]
        else:
            return
        self._base += read
        self._read = 0

    def next_frame(self) -> Frame | None:
        """Return the next complete message, or None when more bytes are needed.

        Returns:
            A ``Frame``, or None (need more data, or clean EOF between messages: check ``eof``).

        Raises:
            RemoteProtocolError: headerVersion is not 1, messageLength exceeds
                ``max_message_bytes``, or the stream ended inside a message.  The error's
                ``offset`` is the stream offset of the offending message header.
        """
        buffer = self._buffer
        read = self._read
        available = len(buffer) - read
        offset = self._base + read
        if available >= 2:
            (version,) = U16.unpack_from(buffer, read)
            if version != HEADER_VERSION:
                raise RemoteProtocolError(
                    f"message header has headerVersion {version}, expected {HEADER_VERSION}: "
                    "the stream is out of step or corrupt (eNcore reports this as Cisco bug "
                    "CSCve44987, seen on some FMC 6.1.0.3-6.2 builds); reconnect from the "
                    "bookmark and upgrade the FMC if it repeats",
                    offset=offset,
                )
        if available < MESSAGE_HEADER_SIZE:
            if self._eof and available:
                raise RemoteProtocolError(
                    f"connection closed inside a message header: {available} of "
                    f"{MESSAGE_HEADER_SIZE} header bytes received",
                    offset=offset,
                )
            return None
        _version, message_type, length = MESSAGE_HEADER.unpack_from(buffer, read)
        if length > self._max_message_bytes:
            raise RemoteProtocolError(
                f"message type {_type_name(message_type)} declares messageLength {length}, "
                f"above the limit of {self._max_message_bytes} bytes (Limits.max_message_bytes);"
                " the stream is corrupt or out of step",
                offset=offset,
            )
        total = MESSAGE_HEADER_SIZE + length
        if available < total:
            if self._eof:
                raise RemoteProtocolError(
                    f"connection closed inside message type {_type_name(message_type)}: "
                    f"{available} of its {total} bytes received",
                    offset=offset,
                )
            return None
        with memoryview(buffer) as view:
            body = bytes(view[read + MESSAGE_HEADER_SIZE : read + total])
        self._read = read + total
        self._compact()
        return Frame(message_type, body, offset)


def _type_name(message_type: int) -> str:
    try:
        return f"{message_type} ({MessageType(message_type).name})"
    except ValueError:
        return str(message_type)
