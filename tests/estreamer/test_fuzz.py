"""Property tests: whatever the peer sends, the core yields events or RemoteProtocolError.

Any other exception type escaping Connection or decode_record is a bug, and so is a hang
or memory that grows with what a header announces rather than with what arrived.  The
coverage-guided counterpart (atheris) is ``fuzz/fuzz_decoder.py``.
"""

from __future__ import annotations

import struct
import time
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer import (
    NEED_DATA,
    SUPPORTED_RECORD_TYPES,
    Connection,
    ConnectionClosed,
    Limits,
    Record,
    decode_record,
    encode_bundle,
    encode_record,
)

from .cases import ALL_CASES
from .test_golden_vectors import V8_3, V8_5, V8_6_SERVER, V8_10, V8_12

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMITS = Limits(max_message_bytes=1 << 16, max_bundle_records=1000, max_block_depth=8)

VALID_STREAM = (
    encode_bundle(
        1, 1, [encode_record(rt, fields, 1591210934) for rt, _data, fields in ALL_CASES[::3]]
    )
    + bytes.fromhex(V8_10)
    + bytes.fromhex(V8_5)
    + bytes.fromhex(V8_12)
    + bytes.fromhex(V8_6_SERVER)
)


def run(connection: Connection, chunks: list[bytes]) -> list[Any]:
    """Feed chunks then EOF; return events, or stop at the first RemoteProtocolError."""
    total = sum(len(chunk) for chunk in chunks)
    # Every event consumes at least 8 bytes of stream, except the records of one
    # bundle (at least 8 each too) and the final ConnectionClosed.
    budget = total // 8 + 4
    events: list[Any] = []
    try:
        for chunk in [*chunks, b""]:  # chunks are non-empty; the final b"" is EOF
            connection.receive_data(chunk)
            while True:
                event = connection.next_event()
                if event is NEED_DATA:
                    break
                events.append(event)
                assert len(events) <= budget, "more events than the input can hold"
                if isinstance(event, ConnectionClosed):
                    return events
    except RemoteProtocolError as error:
        assert error.offset is not None
        assert f"stream offset {error.offset}" in str(error)
    return events


def handshaken() -> Connection:
    connection = Connection(0, 0x48900061, limits=LIMITS)
    connection.initiate()
    connection.receive_data(bytes.fromhex(V8_3))
    connection.next_event()
    return connection


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:]) if b > a]


@FUZZ
@given(st.binary(max_size=600), st.lists(st.integers(min_value=0), max_size=6))
def test_any_bytes_give_events_or_remote_protocol_error(data: bytes, cuts: list[int]) -> None:
    connection = Connection(0, 0x48900061, limits=LIMITS)
    connection.initiate()
    run(connection, chunked(data, cuts))


@FUZZ
@given(st.binary(max_size=600), st.lists(st.integers(min_value=0), max_size=6))
def test_any_bytes_after_a_valid_handshake(data: bytes, cuts: list[int]) -> None:
    run(handshaken(), chunked(data, cuts))


@FUZZ
@given(
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(min_value=0),
    st.lists(st.integers(min_value=0), max_size=4),
)
def test_corrupted_valid_stream_gives_events_or_remote_protocol_error(
    flips: list[tuple[int, int]], cut: int, cuts: list[int]
) -> None:
    data = bytearray(VALID_STREAM)
    for position, value in flips:
        data[position % len(data)] = value
    truncated = bytes(data[: len(data) - cut % 64])
    run(handshaken(), chunked(truncated, cuts))


@FUZZ
@given(st.sampled_from(sorted(SUPPORTED_RECORD_TYPES)), st.binary(max_size=400))
def test_decode_record_on_any_bytes_gives_record_or_remote_protocol_error(
    record_type: int, data: bytes
) -> None:
    try:
        record = decode_record(record_type, data, max_block_depth=8)
    except RemoteProtocolError as error:
        assert f"record {record_type} (" in str(error)
    else:
        assert isinstance(record, Record)


@FUZZ
@given(
    st.sampled_from(ALL_CASES),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=40),
)
def test_decode_record_on_corrupted_valid_records(
    case: tuple[int, bytes, dict[str, Any]], flips: list[tuple[int, int]], cut: int
) -> None:
    record_type, valid, _fields = case
    data = bytearray(valid)
    for position, value in flips:
        data[position % len(data)] = value
    try:
        decode_record(record_type, bytes(data[: max(0, len(data) - cut)]), max_block_depth=8)
    except RemoteProtocolError:
        pass


def test_valid_stream_decodes_without_errors() -> None:
    events = run(handshaken(), [VALID_STREAM])
    assert isinstance(events[-1], ConnectionClosed)
    assert not any(type(e).__name__ in ("RecordDecodeFailed", "UnknownRecord") for e in events)


# -- bounded time and memory against a hostile peer (issue: "no hang, memory bounded") --

DEFAULT_LIMITS = Limits()
#: Whatever a message header announces, the decoder must not reserve memory for it: the
#: peak while feeding ``len(data)`` bytes stays within this plus a small multiple of them.
MEMORY_SLACK = 2 * 1024 * 1024


def _bounded_run(connection: Connection, chunks: list[bytes]) -> tuple[list[Any], int, float]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        events = run(connection, chunks)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return events, peak, time.perf_counter() - started


@FUZZ
@given(
    st.integers(min_value=0, max_value=0xFFFFFFFF),
    st.sampled_from([1, 4, 2051, 4002, 77]),
    st.binary(max_size=2000),
    st.lists(st.integers(min_value=0), max_size=6),
)
def test_any_announced_length_is_bounded_in_time_and_memory(
    length: int, message_type: int, body: bytes, cuts: list[int]
) -> None:
    data = struct.pack(">HHI", 1, message_type, length) + body
    connection = Connection(0, 0x48900061, limits=DEFAULT_LIMITS)
    connection.initiate()

    _events, peak, seconds = _bounded_run(connection, chunked(data, cuts))

    assert peak < MEMORY_SLACK + 64 * len(data)
    assert seconds < 2.0


@FUZZ
@given(st.binary(min_size=1, max_size=3000), st.lists(st.integers(min_value=0), max_size=8))
def test_any_bytes_after_the_handshake_are_bounded_in_time_and_memory(
    data: bytes, cuts: list[int]
) -> None:
    _events, peak, seconds = _bounded_run(handshaken(), chunked(data, cuts))

    assert peak < MEMORY_SLACK + 64 * len(data)
    assert seconds < 2.0


def test_a_bundle_over_the_record_limit_is_a_protocol_error_with_its_offset() -> None:
    record = encode_record(*ALL_CASES[0][::2], 1591210934)
    connection = handshaken()  # LIMITS allows 1000 records per bundle
    connection.receive_data(encode_bundle(1, 1, [record] * 1001))

    # the bundle is checked whole before any record is handed out
    with pytest.raises(RemoteProtocolError,
                       match=r"more than 1000 records .*\(stream offset 56\)$"):
        connection.next_event()


def test_a_message_over_the_length_limit_is_refused_before_its_body_arrives() -> None:
    connection = handshaken()  # the Streaming Information took stream offsets 0..55
    connection.receive_data(struct.pack(">HHI", 1, 4002, LIMITS.max_message_bytes + 1))

    with pytest.raises(RemoteProtocolError, match=r"above the limit of 65536 bytes .*"
                                                  r"\(stream offset 56\)$"):
        connection.next_event()
