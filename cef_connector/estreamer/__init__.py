"""The sans-I/O eStreamer protocol core: bytes in, events and bytes out.

This package contains no networking code, no clock and no file access; it imports only
the standard library and ``cef_connector.errors``.  The caller owns the socket::

    conn = Connection(START_NOW, flags_from_subscription(records))
    sock.sendall(conn.initiate())
    while True:
        event = conn.next_event()
        if event is NEED_DATA:
            conn.receive_data(sock.recv(65536))        # b"" on EOF
            continue
        sock.sendall(conn.data_to_send())             # e.g. the StreamingRequest
        if isinstance(event, BundleEnd):
            ...hand the bundle's records off...
            sock.sendall(conn.acknowledge())

Layouts of records and blocks are data (``layouts.py``); decoders (``records.py``) and
encoders (``encode.py``) are compiled from them once, at import.
"""

from __future__ import annotations

from .connection import Connection, ConnectionState, decode_spans
from .constants import (
    DEFAULT_EVENT_TYPES,
    METADATA_RECORD_TYPES,
    START_GENESIS,
    START_NOW,
    STREAMING_SERVICE_ID,
    EventTypeCode,
    Limits,
    MessageType,
    RecordType,
    RequestFlag,
    Series1Block,
    Series2Block,
)
from .encode import (
    encode_bundle,
    encode_event_data,
    encode_message,
    encode_record,
    encode_record_data,
    encode_streaming_information,
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
from .records import SUPPORTED_RECORD_TYPES, Record, decode_record
from .requests import (
    SUBSCRIPTION_FLAGS,
    build_error,
    build_event_stream_request,
    build_null,
    build_streaming_request,
    flags_from_subscription,
    parse_error,
    parse_event_stream_request,
    parse_streaming_information,
    parse_streaming_request,
)

__all__ = [
    # constants
    "MessageType",
    "RequestFlag",
    "EventTypeCode",
    "RecordType",
    "Series1Block",
    "Series2Block",
    "METADATA_RECORD_TYPES",
    "START_GENESIS",
    "START_NOW",
    "STREAMING_SERVICE_ID",
    "DEFAULT_EVENT_TYPES",
    "Limits",
    # requests
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
    # framing
    "Frame",
    "Framer",
    # records
    "Record",
    "decode_record",
    "SUPPORTED_RECORD_TYPES",
    # encoding
    "encode_record_data",
    "encode_record",
    "encode_message",
    "encode_event_data",
    "encode_bundle",
    "encode_streaming_information",
    # connection and events
    "Connection",
    "ConnectionState",
    "decode_spans",
    "RecordBatch",
    "Event",
    "StreamingInformation",
    "Keepalive",
    "ServerError",
    "UnknownRecord",
    "RecordDecodeFailed",
    "BundleEnd",
    "UnknownMessage",
    "ConnectionClosed",
    "NeedData",
    "NEED_DATA",
]
