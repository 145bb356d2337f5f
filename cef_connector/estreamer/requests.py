"""Control messages of the handshake: building and parsing Null, Error, EventStreamRequest,
StreamingRequest and Streaming Information bodies (§2.3, §2.4, §3).

Builders are pure functions returning complete messages (header included).  The parsers
take a message *body* and are used by the client (Error, Streaming Information) and by the
simulator (the client-to-server messages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from struct import Struct

from cef_connector.errors import LocalProtocolError, RemoteProtocolError

from .constants import (
    DEFAULT_EVENT_TYPES,
    HEADER_VERSION,
    MESSAGE_HEADER_SIZE,
    MessageType,
    STREAMING_SERVICE_ID,
    RequestFlag,
)
from .wire import MESSAGE_HEADER, Reader

__all__ = [
    "SUBSCRIPTION_FLAGS",
    "build_null",
    "build_error",
    "build_event_stream_request",
    "build_streaming_request",
    "flags_from_subscription",
    "parse_error",
    "parse_event_stream_request",
    "parse_streaming_request",
    "parse_streaming_information",
]

_U32_MAX = 0xFFFFFFFF
_U16_MAX = 0xFFFF
_EVENT_STREAM_REQUEST = Struct(">HHIII")
_ERROR_HEAD = Struct(">HHIiH")
_STREAMING_HEAD = Struct(">HHIIIII")
_PAIR = Struct(">HH")
_TERMINATOR = b"\x00\x00\x00\x00"
_NULL = MESSAGE_HEADER.pack(HEADER_VERSION, MessageType.NULL, 0)

#: eNcore's ``subscription.records`` keys (§3.3 "Used by eNcore") → request flag.  The key
#: ``connection`` exists in eNcore's configuration but sets no bit (connection events come
#: from the extended request), so it maps to 0.  Keys starting with ``@`` are comments.
SUBSCRIPTION_FLAGS: Mapping[str, int] = {
    "packetData": RequestFlag.PACKET_DATA,
    "impactEventAlerts": RequestFlag.IMPACT_ALERTS,
    "intrusion": RequestFlag.INTRUSION,
    "metadata": RequestFlag.METADATA_V4,
    "archiveTimestamps": RequestFlag.ARCHIVE_TIMESTAMPS,
    "eventExtraData": RequestFlag.EXTRA_DATA,
    "extended": RequestFlag.EXTENDED,
    "connection": 0,
}


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise LocalProtocolError(f"{name} must be an integer in {low}..{high}, got {value!r}")


def build_null() -> bytes:
    """Build the 8-byte Null message (§2.3, §8.5): keep-alive / bundle acknowledgement.

    Returns:
        ``00 01 00 00 00 00 00 00``.
    """
    return _NULL


def build_error(code: int, text: str) -> bytes:
    """Build an Error message (§2.4, §8.6).

    Args:
        code: Signed 32-bit error code; clients use -1.
        text: Reason, encoded as UTF-8 (at most 65535 bytes); no NUL is added.

    Returns:
        The complete message.

    Raises:
        LocalProtocolError: ``code`` is not an int32 or ``text`` is too long.
    """
    _check_range("error code", code, -(2**31), 2**31 - 1)
    data = text.encode("utf-8")
    if len(data) > _U16_MAX:
        raise LocalProtocolError(
            f"error text is {len(data)} bytes in UTF-8; the errorTextLength field allows 65535"
        )
    return _ERROR_HEAD.pack(HEADER_VERSION, MessageType.ERROR, 6 + len(data), code, len(data)) + data


def build_event_stream_request(initial_timestamp: int, flags: int) -> bytes:
    """Build the 16-byte EventStreamRequest (§3.1, §8.1).

    Args:
        initial_timestamp: UNIX seconds, ``START_GENESIS`` (0) or ``START_NOW`` (0xFFFFFFFF).
        flags: Request flags (§3.3), e.g. ``flags_from_subscription(...)``.

    Returns:
        The complete message.

    Raises:
        LocalProtocolError: An argument is not a uint32.
    """
    _check_range("initial_timestamp", initial_timestamp, 0, _U32_MAX)
    _check_range("flags", flags, 0, _U32_MAX)
    return _EVENT_STREAM_REQUEST.pack(
        HEADER_VERSION, MessageType.EVENT_STREAM_REQUEST, 8, initial_timestamp, int(flags)
    )


def build_streaming_request(
    initial_timestamp: int,
    flags: int,
    event_types: Sequence[tuple[int, int]] = DEFAULT_EVENT_TYPES,
) -> bytes:
    """Build the StreamingRequest for service 6667 (§3.6, §8.4), eNcore's form.

    serviceLength is set to messageLength, the value a real FMC accepted (§9.1 #1).

    Args:
        initial_timestamp: Copied from the EventStreamRequest.
        flags: Copied from the EventStreamRequest.
        event_types: (eventType, version) pairs; written version first, then type, and
            followed by the (0, 0) terminator.

    Returns:
        The complete message.

    Raises:
        LocalProtocolError: A value is out of range.
    """
    _check_range("initial_timestamp", initial_timestamp, 0, _U32_MAX)
    _check_range("flags", flags, 0, _U32_MAX)
    parts = []
    for pair in event_types:
        if len(pair) != 2:
            raise LocalProtocolError(f"event type entry {pair!r} is not an (eventType, version) pair")
        event_type, version = pair
        _check_range(f"event type {pair!r} eventType", event_type, 1, _U16_MAX)
        _check_range(f"event type {pair!r} version", version, 1, _U16_MAX)
        parts.append(_PAIR.pack(version, event_type))
    parts.append(_TERMINATOR)
    pairs = b"".join(parts)
    length = 16 + len(pairs)
    head = _STREAMING_HEAD.pack(
        HEADER_VERSION,
        MessageType.STREAMING_REQUEST,
        length,
        STREAMING_SERVICE_ID,
        length,
        int(flags),
        initial_timestamp,
    )
    return head + pairs


def flags_from_subscription(records: Mapping[str, bool]) -> int:
    """OR together the request flags selected by eNcore's ``subscription.records`` (§3.3).

    Args:
        records: Keys of ``SUBSCRIPTION_FLAGS`` (and ``@`` comments, ignored) → enabled.

    Returns:
        The flags word; all seven flag keys true gives 0x48900061.

    Raises:
        LocalProtocolError: An unknown key is present (the message lists the known keys).
    """
    flags = 0
    for key, enabled in records.items():
        if key.startswith("@"):
            continue
        bit = SUBSCRIPTION_FLAGS.get(key)
        if bit is None:
            raise LocalProtocolError(
                f"subscription.records has unknown key {key!r}; known keys: "
                + ", ".join(sorted(SUBSCRIPTION_FLAGS))
            )
        if enabled:
            flags |= bit
    return flags


def parse_error(body: bytes | memoryview, *, offset: int = 0) -> tuple[int, str]:
    """Parse an Error message body (§2.4).

    Trailing bytes after the declared text are ignored; NUL characters are removed and
    invalid UTF-8 is replaced with U+FFFD.

    Args:
        body: The message body (after the 8-byte header).
        offset: Stream offset of the message header, for error messages.

    Returns:
        (errorCode, errorText).

    Raises:
        RemoteProtocolError: The body is shorter than its fields.
    """
    reader = Reader(body, base_offset=offset + MESSAGE_HEADER_SIZE, what="Error message body")
    code = reader.i32("errorCode")
    length = reader.u16("errorTextLength")
    text = str(reader.view(length, "errorText"), "utf-8", "replace").replace("\x00", "")
    return code, text


def parse_event_stream_request(body: bytes | memoryview, *, offset: int = 0) -> tuple[int, int]:
    """Parse an EventStreamRequest body (§3.1), for the simulator.

    Args:
        body: The message body; must be exactly 8 bytes.
        offset: Stream offset of the message header, for error messages.

    Returns:
        (initialTimestamp, requestFlags).

    Raises:
        RemoteProtocolError: The body is not 8 bytes long.
    """
    if len(body) != 8:
        raise RemoteProtocolError(
            f"EventStreamRequest body must be 8 bytes (messageLength 8), got {len(body)}",
            offset=offset,
        )
    reader = Reader(body, base_offset=offset + MESSAGE_HEADER_SIZE, what="EventStreamRequest")
    return reader.u32("initialTimestamp"), reader.u32("requestFlags")


def parse_streaming_request(
    body: bytes | memoryview, *, offset: int = 0
) -> tuple[int, int, int, tuple[tuple[int, int], ...]]:
    """Parse a StreamingRequest body (§3.6), for the simulator.

    serviceLength may equal messageLength (eNcore) or messageLength - 8 (the guide's
    example); pairs are read until the (0, 0) terminator or the end of the body.

    Args:
        body: The message body.
        offset: Stream offset of the message header, for error messages.

    Returns:
        (serviceId, flags, initialTimestamp, pairs) with pairs as (eventType, version).

    Raises:
        RemoteProtocolError: Truncated fields, or serviceLength is neither accepted value.
    """
    reader = Reader(body, base_offset=offset + MESSAGE_HEADER_SIZE, what="StreamingRequest body")
    service_id = reader.u32("serviceId")
    service_length = reader.u32("serviceLength")
    if service_length not in (len(body), len(body) - 8):
        raise RemoteProtocolError(
            f"StreamingRequest serviceLength is {service_length}; expected messageLength "
            f"{len(body)} (eNcore) or {len(body) - 8} (guide)",
            offset=offset + MESSAGE_HEADER_SIZE + 4,
        )
    flags = reader.u32("flags")
    timestamp = reader.u32("initialTimestamp")
    pairs = []
    while not reader.at_end():
        version = reader.u16("eventVersion")
        event_type = reader.u16("eventType")
        if version == 0 and event_type == 0:
            break
        pairs.append((event_type, version))
    return service_id, flags, timestamp, tuple(pairs)


def parse_streaming_information(body: bytes | memoryview, *, offset: int = 0) -> tuple[int, ...]:
    """Parse a Streaming Information body (§3.5) into the advertised service ids.

    Each entry is serviceId, serviceLength (bytes after the length field), then
    serviceLength bytes that are skipped.

    Args:
        body: The message body.
        offset: Stream offset of the message header, for error messages.

    Returns:
        The service ids in wire order.

    Raises:
        RemoteProtocolError: An entry is truncated.
    """
    reader = Reader(
        body, base_offset=offset + MESSAGE_HEADER_SIZE, what="Streaming Information body"
    )
    services = []
    while not reader.at_end():
        services.append(reader.u32("serviceId"))
        reader.skip(reader.u32("serviceLength"), "service entry")
    return tuple(services)
