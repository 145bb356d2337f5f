"""Bounds-checked, typed reading of big-endian eStreamer primitives from a byte buffer.

``Reader`` wraps a ``memoryview`` and reads with precompiled ``struct.Struct`` objects and
``unpack_from`` (no slice copies).  Running out of bytes raises ``RemoteProtocolError``
carrying the stream offset of the missing bytes; ``struct.error`` and ``IndexError`` never
escape.  (The record decoder in ``records.py`` has its own compiled fast path with the same
guarantee.)
"""

from __future__ import annotations

from struct import Struct

from cef_connector.errors import RemoteProtocolError

__all__ = ["Reader", "U8", "U16", "U32", "U64", "I32", "MESSAGE_HEADER", "PAIR_U32"]

# All multi-byte integers are big-endian (protocol doc, conventions).
U8 = Struct(">B")
U16 = Struct(">H")
U32 = Struct(">I")
U64 = Struct(">Q")
I32 = Struct(">i")
#: §2.1 message header: headerVersion, messageType, messageLength.
MESSAGE_HEADER = Struct(">HHI")
#: Two uint32 words: block header (type, length), record header, bundle inner header.
PAIR_U32 = Struct(">II")


class Reader:
    """Sequential reader over a buffer, reporting problems with stream offsets.

    Args:
        data: The bytes to read (not copied).
        base_offset: Stream offset of ``data[0]``, used in error messages.
        what: What the buffer is ("Streaming Information body" …), used in error messages.
    """

    __slots__ = ("_view", "_pos", "_end", "_base", "_what")

    def __init__(
        self, data: bytes | bytearray | memoryview, *, base_offset: int = 0, what: str = "message"
    ) -> None:
        self._view = data if isinstance(data, memoryview) else memoryview(data)
        self._pos = 0
        self._end = len(self._view)
        self._base = base_offset
        self._what = what

    @property
    def pos(self) -> int:
        """Position of the next byte to read, relative to the start of the buffer."""
        return self._pos

    @property
    def remaining(self) -> int:
        """Number of bytes not yet read."""
        return self._end - self._pos

    def at_end(self) -> bool:
        """Return True when every byte has been read."""
        return self._pos >= self._end

    def _need(self, size: int, field: str) -> int:
        pos = self._pos
        if pos + size > self._end:
            raise RemoteProtocolError(
                f"{self._what} is truncated: field {field!r} needs {size} bytes at byte "
                f"{pos} of the {self._end}-byte buffer but only {self._end - pos} remain",
                offset=self._base + pos,
            )
        self._pos = pos + size
        return pos

    def u8(self, field: str) -> int:
        """Read an unsigned 8-bit integer.

        Args:
            field: Field name for the error message.

        Returns:
            The value.

        Raises:
            RemoteProtocolError: Fewer than 1 byte remains.
        """
        return int(U8.unpack_from(self._view, self._need(1, field))[0])

    def u16(self, field: str) -> int:
        """Read a big-endian uint16 (see ``u8`` for Args/Raises)."""
        return int(U16.unpack_from(self._view, self._need(2, field))[0])

    def u32(self, field: str) -> int:
        """Read a big-endian uint32 (see ``u8`` for Args/Raises)."""
        return int(U32.unpack_from(self._view, self._need(4, field))[0])

    def u64(self, field: str) -> int:
        """Read a big-endian uint64 (see ``u8`` for Args/Raises)."""
        return int(U64.unpack_from(self._view, self._need(8, field))[0])

    def i32(self, field: str) -> int:
        """Read a big-endian signed int32 (see ``u8`` for Args/Raises)."""
        return int(I32.unpack_from(self._view, self._need(4, field))[0])

    def raw(self, size: int, field: str) -> bytes:
        """Read ``size`` raw bytes (one copy, into a ``bytes`` object).

        Args:
            size: Number of bytes, >= 0.
            field: Field name for the error message.

        Returns:
            The bytes.

        Raises:
            RemoteProtocolError: Fewer than ``size`` bytes remain.
        """
        pos = self._need(size, field)
        return bytes(self._view[pos : pos + size])

    def view(self, size: int, field: str) -> memoryview:
        """Return the next ``size`` bytes as a ``memoryview`` without copying (see ``raw``)."""
        pos = self._need(size, field)
        return self._view[pos : pos + size]

    def skip(self, size: int, field: str) -> None:
        """Advance over ``size`` bytes (see ``raw`` for Args/Raises)."""
        self._need(size, field)

    def rest(self) -> bytes:
        """Return every remaining byte (possibly none) and move to the end."""
        pos = self._pos
        self._pos = self._end
        return bytes(self._view[pos : self._end])
