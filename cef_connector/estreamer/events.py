"""The events ``Connection.next_event()`` returns, and the ``NEED_DATA`` sentinel.

Events are frozen, keyword-only dataclasses.  Don't subclass them: callers dispatch on the
exact type.  ``Record`` (defined in ``records.py``) is also an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .records import Record

__all__ = [
    "Event",
    "StreamingInformation",
    "Keepalive",
    "ServerError",
    "Record",
    "UnknownRecord",
    "RecordDecodeFailed",
    "BundleEnd",
    "RecordBatch",
    "UnknownMessage",
    "ConnectionClosed",
    "NeedData",
    "NEED_DATA",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamingInformation:
    """The server listed its services (§3.5); the StreamingRequest is now in ``data_to_send()``.

    Attributes:
        services: Service ids in wire order.
        offset: Stream offset of the message header.
    """

    services: tuple[int, ...]
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Keepalive:
    """The server sent a Null message (§2.3).

    Attributes:
        offset: Stream offset of the message header.
    """

    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerError:
    """The server sent an Error message (§2.4); it normally closes the connection next.

    Attributes:
        code: The signed errorCode.
        text: The errorText with NULs removed.
        offset: Stream offset of the message header.
    """

    code: int
    text: str
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownRecord:
    """A record we have no layout for; skipped by its length, nothing is lost silently.

    Either the record type is unknown (``version`` is None), or the type is known but its
    block version is not (``version`` is the block type read from the wire, e.g. record 71
    carrying block 170).

    Attributes:
        record_type: The record type (bit 31 masked).
        archive_timestamp: From a 16-byte record header, else None.
        data: The record data (after the record header).
        offset: Stream offset of the enclosing message header.
        version: The unsupported block type of a known record type, or None when the
            record type itself is unknown.
    """

    record_type: int
    archive_timestamp: int | None
    data: bytes
    offset: int
    version: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordDecodeFailed:
    """One record could not be decoded; the stream continues with the next record.

    Attributes:
        record_type: The record type (bit 31 masked).
        offset: Stream offset of the enclosing message header.
        reason: Why (names the field and record-data offset).
    """

    record_type: int
    offset: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BundleEnd:
    """All records of a bundle (or of one plain EventData message) have been returned.

    Hand the records off, then call ``Connection.acknowledge()`` and send its bytes.

    Attributes:
        connection_id: The bundle's connectionId (0 for a plain EventData message).
        sequence_number: The bundle's sequenceNumber (0 for a plain EventData message).
        record_count: Number of records (Record, UnknownRecord or RecordDecodeFailed).
        offset: Stream offset of the message header.
    """

    connection_id: int
    sequence_number: int
    record_count: int
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordBatch:
    """The records of one bundle (or plain EventData message), framed but not decoded.

    Only a ``Connection(..., decode_records=False)`` returns it, once per message and
    right before the message's ``BundleEnd``.  ``connection.decode_spans(body, offset,
    spans, ...)`` decodes them into the events the decoding mode would have returned.

    Attributes:
        body: The message body (bytes, as received).
        offset: Stream offset of the message header.
        spans: ``(start, length)`` of each record (its record header included) in ``body``.
    """

    body: bytes
    offset: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownMessage:
    """A message type the client does not handle; skipped by its length (§2.6).

    Attributes:
        message_type: The header's messageType.
        length: The header's messageLength.
        offset: Stream offset of the message header.
    """

    message_type: int
    length: int
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionClosed:
    """The peer closed the stream cleanly between two messages.

    Attributes:
        offset: Stream offset at which the stream ended.
    """

    offset: int


class NeedData:
    """Type of ``NEED_DATA``: nothing complete is buffered; call ``receive_data()``."""

    _instance: NeedData | None = None

    def __new__(cls) -> NeedData:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEED_DATA"


#: Returned by ``Connection.next_event()`` when more bytes are needed.
NEED_DATA = NeedData()

Event = Union[
    StreamingInformation,
    Keepalive,
    ServerError,
    Record,
    UnknownRecord,
    RecordDecodeFailed,
    BundleEnd,
    RecordBatch,
    UnknownMessage,
    ConnectionClosed,
]
