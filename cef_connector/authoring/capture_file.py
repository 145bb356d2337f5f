"""Reading a capture file: the raw bytes an FMC sent after the handshake, back into events.

A capture (``cef-connector capture``, or the simulator's ``--record-stream``) holds every
byte the server sent after the TLS handshake, unchanged: the Streaming Information
message (extended requests), then bundles, EventData messages, keep-alive Nulls and
perhaps an Error message.  It is exactly what ``estreamer.Connection.receive_data`` got, so
feeding it to a new ``Connection`` (after ``initiate()``) yields the same events the live
session did.  Nothing in the file depends on the request flags: the record header length
is read from each record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cef_connector.errors import CefConnectorError, RemoteProtocolError
from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, ConnectionClosed, Limits

__all__ = ["CaptureEvent", "CaptureEnd", "read_capture", "CHUNK_BYTES"]

#: Bytes read from the capture at a time.
CHUNK_BYTES = 1 << 20

#: The request values of the ``Connection`` that decodes a capture; they are never sent,
#: and decoding does not depend on them.
_REPLAY_START = 0
_REPLAY_FLAGS = 0x48900061


@dataclass(frozen=True)
class CaptureEnd:
    """How the capture ended.

    Attributes:
        bytes_read: size of the capture.
        clean: True when it ended between two messages.
        problem: what was wrong at the end (an incomplete last message, bytes that
            are not eStreamer), with the stream offset; "" when clean.
    """

    bytes_read: int
    clean: bool
    problem: str = ""


@dataclass(frozen=True)
class CaptureEvent:
    """One protocol event of a capture and how far the file has been read."""

    event: object
    bytes_read: int


def read_capture(source: Path | BinaryIO, *, limits: Limits = Limits(),
                 chunk_bytes: int = CHUNK_BYTES) -> Iterator[CaptureEvent | CaptureEnd]:
    """Decode a capture into protocol events, acknowledging every bundle as a client would.

    Args:
        source: the capture file (a path, or a binary file opened for reading).
        limits: the protocol limits (``limits`` of the configuration).
        chunk_bytes: bytes read at a time.

    Yields:
        A :class:`CaptureEvent` per event (``Record``, ``BundleEnd``, ``Keepalive`` …,
        as ``Connection.next_event`` returns them), then one :class:`CaptureEnd`.

    Raises:
        CefConnectorError: the file cannot be read (``OSError`` is wrapped).
    """
    if isinstance(source, Path):
        try:
            stream: BinaryIO = source.open("rb")
        except OSError as exc:
            raise CefConnectorError(f"cannot read the capture {source}: {exc.strerror or exc}") from exc
        with stream:
            yield from _events(stream, limits, chunk_bytes)
    else:
        yield from _events(source, limits, chunk_bytes)


def _events(stream: BinaryIO, limits: Limits, chunk_bytes: int) -> Iterator[CaptureEvent | CaptureEnd]:
    connection = Connection(_REPLAY_START, _REPLAY_FLAGS, limits=limits)
    connection.initiate()
    read = 0
    while True:
        try:
            chunk = stream.read(chunk_bytes)
        except OSError as exc:
            raise CefConnectorError(f"cannot read the capture: {exc.strerror or exc}") from exc
        read += len(chunk)
        connection.receive_data(chunk)
        while True:
            try:
                event = connection.next_event()
            except RemoteProtocolError as exc:
                yield CaptureEnd(read, False, str(exc))
                return
            if event is NEED_DATA:
                break
            if isinstance(event, ConnectionClosed):
                yield CaptureEnd(read, True)
                return
            yield CaptureEvent(event, read)
            if isinstance(event, BundleEnd):
                connection.acknowledge()
            connection.data_to_send()  # the StreamingRequest after Streaming Information
        if not chunk:
            # receive_data(b"") was EOF; next_event gave ConnectionClosed or an error above.
            yield CaptureEnd(read, True)  # pragma: no cover - defensive
            return
