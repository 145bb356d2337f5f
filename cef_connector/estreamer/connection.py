"""The client side of an eStreamer conversation as a sans-I/O state machine (§2.5, §3, §4).

``Connection`` turns received bytes into events and tells the caller which bytes to send.
It owns no socket and no clock: the caller feeds ``receive_data()``, drains
``next_event()`` until ``NEED_DATA``, and sends what ``initiate()``, ``data_to_send()`` and
``acknowledge()`` return.

States (``ConnectionState``)::

    IDLE --initiate()--> REQUESTED --StreamingInformation / first data--> STREAMING
    any --clean EOF between messages--> CLOSED
    any --RemoteProtocolError--> ERROR   (every later call raises LocalProtocolError)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from enum import Enum

from cef_connector.errors import LocalProtocolError, RemoteProtocolError

from .constants import (
    BUNDLE_INNER_TYPES,
    DEFAULT_EVENT_TYPES,
    MESSAGE_HEADER_SIZE,
    RECORD_TYPE_MASK,
    STREAMING_SERVICE_ID,
    Limits,
    MessageType,
)
from .events import (
    NEED_DATA,
    BundleEnd,
    ConnectionClosed,
    Event,
    Keepalive,
    NeedData,
    RecordBatch,
    RecordDecodeFailed,
    ServerError,
    StreamingInformation,
    UnknownMessage,
    UnknownRecord,
)
from .framing import Frame, Framer
from .records import DECODERS, Record, UnsupportedRecordVersion
from .requests import (
    build_event_stream_request,
    build_null,
    build_streaming_request,
    parse_error,
    parse_streaming_information,
)
from .wire import PAIR_U32 as _PAIR

__all__ = ["Connection", "ConnectionState", "decode_spans"]


class ConnectionState(Enum):
    """Where the conversation is."""

    #: Created; nothing sent yet.  ``initiate()`` is the only way forward.
    IDLE = "IDLE"
    #: EventStreamRequest sent; waiting for Streaming Information (extended) or data (plain).
    REQUESTED = "REQUESTED"
    #: Receiving records.
    STREAMING = "STREAMING"
    #: The peer closed the stream cleanly between two messages.
    CLOSED = "CLOSED"
    #: The peer broke the protocol; create a new Connection (and reconnect).
    ERROR = "ERROR"


class Connection:
    """Client protocol state machine for one eStreamer connection.

    Args:
        initial_timestamp: Where to start (§3.2): ``START_GENESIS``, ``START_NOW`` or a
            bookmark (UNIX seconds).
        flags: Request flags (§3.3), e.g. 0x48900061.
        event_types: (eventType, version) pairs for the extended request (§3.7).
        limits: Sanity limits (message size, bundle size, block depth).
        decode_records: False: return each bundle's (or EventData message's) records as
            one undecoded ``RecordBatch`` (framing checked) before its ``BundleEnd``, for
            a caller that decodes them elsewhere (``decode_spans``, worker processes).

    Raises:
        LocalProtocolError: An argument is out of range.
    """

    def __init__(
        self,
        initial_timestamp: int,
        flags: int,
        event_types: Sequence[tuple[int, int]] = DEFAULT_EVENT_TYPES,
        limits: Limits = Limits(),
        decode_records: bool = True,
    ) -> None:
        # Built (and so validated) up front: a bad argument fails here, not mid-handshake.
        self._request = build_event_stream_request(initial_timestamp, flags)
        self._streaming_request = build_streaming_request(initial_timestamp, flags, event_types)
        self._limits = limits
        self._decode_records = decode_records
        self._framer = Framer(limits)
        self._state = ConnectionState.IDLE
        self._outgoing = bytearray()
        self._pending: Iterator[Event] | None = None
        self._unacknowledged = 0
        self._closed: ConnectionClosed | None = None
        self._error: str | None = None

    # --- public API ------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        """The current ``ConnectionState``."""
        return self._state

    @property
    def unacknowledged_bundles(self) -> int:
        """Bundles (or plain EventData messages) ended but not yet ``acknowledge()``d."""
        return self._unacknowledged

    def initiate(self) -> bytes:
        """Return the EventStreamRequest to send first (§3.1); IDLE → REQUESTED.

        Returns:
            The 16-byte request.

        Raises:
            LocalProtocolError: Not in state IDLE.
        """
        self._check_usable("initiate()")
        if self._state is not ConnectionState.IDLE:
            raise LocalProtocolError(
                f"initiate() may only be called once, in state IDLE (state is {self._state.value})"
            )
        self._state = ConnectionState.REQUESTED
        return self._request

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer received bytes; ``b""`` signals that the peer closed the stream.

        Args:
            data: Bytes exactly as received, in any split.

        Raises:
            LocalProtocolError: In state ERROR, or data after EOF.
        """
        self._check_usable("receive_data()")
        self._framer.receive_data(data)

    def next_event(self) -> Event | NeedData:
        """Return the next event, or ``NEED_DATA`` when no complete message is buffered.

        After ``ConnectionClosed`` every further call returns that same event.

        Returns:
            An event from ``events.py`` or ``NEED_DATA``.

        Raises:
            RemoteProtocolError: The peer broke the protocol (the state becomes ERROR).
                Any other exception type is a bug in this module.
            LocalProtocolError: Called in state ERROR.
        """
        if self._error is not None:  # _check_usable() inlined: this runs once per record
            self._check_usable("next_event()")
        pending = self._pending
        if pending is not None:
            event = next(pending, None)
            if event is not None:
                return event
            self._pending = None
        if self._closed is not None:
            return self._closed
        try:
            frame = self._framer.next_frame()
            if frame is None:
                if self._framer.eof:
                    self._state = ConnectionState.CLOSED
                    self._closed = ConnectionClosed(offset=self._framer.stream_offset)
                    return self._closed
                return NEED_DATA
            return self._dispatch(frame)
        except RemoteProtocolError as error:
            self._state = ConnectionState.ERROR
            self._error = str(error)
            raise

    def data_to_send(self) -> bytes:
        """Return (and forget) bytes queued for the server, e.g. the StreamingRequest.

        Returns:
            The queued bytes, possibly ``b""``.

        Raises:
            LocalProtocolError: In state ERROR.
        """
        self._check_usable("data_to_send()")
        data = bytes(self._outgoing)
        self._outgoing.clear()
        return data

    def acknowledge(self) -> bytes:
        """Return the Null that acknowledges the oldest unacknowledged bundle (§3.8).

        Call it after a ``BundleEnd``, once that bundle's records are handed off.

        Returns:
            The 8-byte Null message.

        Raises:
            LocalProtocolError: No bundle is waiting for an acknowledgement, or state ERROR.
        """
        self._check_usable("acknowledge()")
        if self._unacknowledged == 0:
            raise LocalProtocolError(
                "acknowledge() called but no bundle is waiting for an acknowledgement; "
                "call it once per BundleEnd event"
            )
        self._unacknowledged -= 1
        return build_null()

    # --- internals -----------------------------------------------------------------

    def _check_usable(self, call: str) -> None:
        if self._state is ConnectionState.ERROR:
            raise LocalProtocolError(
                f"{call} called after the connection failed ({self._error}); "
                "close the socket and start over with a new Connection"
            )

    def _dispatch(self, frame: Frame) -> Event:
        message_type = frame.message_type
        if message_type == MessageType.MESSAGE_BUNDLE:
            self._pending = self._bundle_events(frame)
        elif message_type == MessageType.EVENT_DATA:
            self._pending = self._event_data_events(frame)
        elif message_type == MessageType.NULL:
            return Keepalive(offset=frame.offset)
        elif message_type == MessageType.ERROR:
            code, text = parse_error(frame.body, offset=frame.offset)
            return ServerError(code=code, text=text, offset=frame.offset)
        elif message_type == MessageType.STREAMING_INFORMATION:
            return self._streaming_information(frame)
        else:
            return UnknownMessage(
                message_type=message_type, length=len(frame.body), offset=frame.offset
            )
        if self._state is ConnectionState.REQUESTED:
            self._state = ConnectionState.STREAMING
        # A bundle or EventData message always yields at least its BundleEnd.
        return next(self._pending)

    def _streaming_information(self, frame: Frame) -> StreamingInformation:
        if self._state is not ConnectionState.REQUESTED:
            raise RemoteProtocolError(
                f"unexpected Streaming Information in state {self._state.value}: the server "
                "sends it once, right after the EventStreamRequest",
                offset=frame.offset,
            )
        services = parse_streaming_information(frame.body, offset=frame.offset)
        if STREAMING_SERVICE_ID not in services:
            raise RemoteProtocolError(
                f"Streaming Information lists services {list(services)} but not "
                f"{STREAMING_SERVICE_ID}, the eStreamer service; check the FMC's eStreamer "
                "configuration and version",
                offset=frame.offset,
            )
        self._outgoing += self._streaming_request
        self._state = ConnectionState.STREAMING
        return StreamingInformation(services=services, offset=frame.offset)

    def _bundle_spans(self, frame: Frame) -> tuple[int, int, list[tuple[int, int]]]:
        """Check a bundle's inner framing completely before any record is returned.

        Returns:
            (connectionId, sequenceNumber, [(payload start in body, payload length), ...]).
        """
        body = frame.body
        size = len(body)
        body_offset = frame.offset + MESSAGE_HEADER_SIZE
        if size < 8:
            raise RemoteProtocolError(
                f"MessageBundle body has {size} bytes, fewer than connectionId + sequenceNumber (8)",
                offset=frame.offset,
            )
        connection_id, sequence_number = _PAIR.unpack_from(body, 0)
        spans: list[tuple[int, int]] = []
        append = spans.append
        limit = self._limits.max_bundle_records
        inner_types = BUNDLE_INNER_TYPES
        pos = 8
        while pos < size:
            if pos + 8 > size:
                raise RemoteProtocolError(
                    f"bundle inner message {len(spans)} header is truncated: "
                    f"{size - pos} of 8 bytes",
                    offset=body_offset + pos,
                )
            inner_type, length = _PAIR.unpack_from(body, pos)
            if inner_type not in inner_types:
                raise RemoteProtocolError(
                    f"bundle inner message {len(spans)} starts with 0x{inner_type:08x}; expected "
                    "0x00000004 (or 0x00010004): the bundle is corrupt",
                    offset=body_offset + pos,
                )
            if length < 8:
                raise RemoteProtocolError(
                    f"bundle inner message {len(spans)} has innerLength {length}, shorter than "
                    "the 8-byte record header",
                    offset=body_offset + pos,
                )
            start = pos + 8
            pos = start + length
            if pos > size:
                raise RemoteProtocolError(
                    f"bundle inner message {len(spans)} payload is truncated: innerLength "
                    f"{length} runs past the end of the bundle by {pos - size} bytes",
                    offset=body_offset + start - 8,
                )
            append((start, length))
            if len(spans) > limit:
                raise RemoteProtocolError(
                    f"bundle holds more than {limit} records (Limits.max_bundle_records)",
                    offset=frame.offset,
                )
        return connection_id, sequence_number, spans

    def _bundle_events(self, frame: Frame) -> Iterator[Event]:
        connection_id, sequence_number, spans = self._bundle_spans(frame)
        return self._record_events(frame, spans, connection_id, sequence_number)

    def _event_data_events(self, frame: Frame) -> Iterator[Event]:
        if len(frame.body) < 8:
            raise RemoteProtocolError(
                f"EventData body has {len(frame.body)} bytes, shorter than the 8-byte record header",
                offset=frame.offset,
            )
        return self._record_events(frame, [(0, len(frame.body))], 0, 0)

    def _record_events(
        self,
        frame: Frame,
        spans: list[tuple[int, int]],
        connection_id: int,
        sequence_number: int,
    ) -> Iterator[Event]:
        if self._decode_records:
            yield from decode_spans(frame.body, frame.offset, spans, self._limits.max_block_depth)
        else:
            yield RecordBatch(body=frame.body, offset=frame.offset, spans=tuple(spans))
        self._unacknowledged += 1
        yield BundleEnd(
            connection_id=connection_id,
            sequence_number=sequence_number,
            record_count=len(spans),
            offset=frame.offset,
        )


def decode_spans(
    body: bytes,
    offset: int,
    spans: Iterable[tuple[int, int]],
    max_block_depth: int = Limits().max_block_depth,
    *,
    first_index: int = 0,
    base: int = 0,
) -> Iterator[Record | UnknownRecord | RecordDecodeFailed]:
    """Decode the records of one message (a ``RecordBatch``), in order.

    ``Connection`` uses it for every message it decodes itself, so a ``RecordBatch``
    decoded here gives exactly the events the decoding mode returns.

    Args:
        body: The message body, or a slice of it.
        offset: Stream offset of the message header.
        spans: ``(start, length)`` of each record (record header included) in ``body``.
        max_block_depth: Deepest block nesting accepted (``Limits.max_block_depth``).
        first_index: Index in the message of the first span (for error messages).
        base: Position in the message body of ``body[0]`` when ``body`` is a slice
            (for the stream offsets in error messages).

    Yields:
        One ``Record``, ``UnknownRecord`` or ``RecordDecodeFailed`` per span.
    """
    # Records are decoded in place from the message body (a bytes object): offsets,
    # not slices, so no record's bytes are copied unless it is passed on undecoded.
    depth = max_block_depth
    decoders = DECODERS
    unpack_pair = _PAIR.unpack_from
    where = offset + MESSAGE_HEADER_SIZE + base
    for index, (start, length) in enumerate(spans, first_index):
        # §4.1: the record header is 8 or 16 bytes, decided by length for each record.
        record_type, record_length = unpack_pair(body, start)
        record_type &= RECORD_TYPE_MASK
        stop = start + length
        if length == record_length + 8:
            archive = None
            data_start = start + 8
        elif length == record_length + 16:
            archive = unpack_pair(body, start + 8)[0]
            data_start = start + 16
        else:
            yield RecordDecodeFailed(
                record_type=record_type,
                offset=offset,
                reason=(
                    f"record {record_type}: payload length {length} is neither "
                    f"recordLength {record_length} + 8 nor + 16 (record {index} of the "
                    f"message, at stream offset {where + start})"
                ),
            )
            continue
        decoder = decoders.get(record_type)
        version: int | None = None
        if decoder is not None:
            try:
                record = decoder.decode_at(body, data_start, stop, archive, offset, depth)
            except UnsupportedRecordVersion as error:
                version = error.block_type
            except RemoteProtocolError as error:
                yield RecordDecodeFailed(
                    record_type=record_type,
                    offset=offset,
                    reason=(
                        f"{error} [record {index} of the message, payload at stream offset "
                        f"{where + start}]"
                    ),
                )
                continue
            else:
                yield record
                continue
        # No layout for the record type, or none for its version (block type): passed
        # on undecoded, with its raw record data (never silently dropped).
        yield UnknownRecord(
            record_type=record_type,
            archive_timestamp=archive,
            data=body[data_start:stop],
            offset=offset,
            version=version,
        )
