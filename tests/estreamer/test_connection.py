"""Connection: the client state machine driven in memory, whole, split and byte by byte."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from cef_connector.errors import LocalProtocolError, RemoteProtocolError
from cef_connector.estreamer import (
    NEED_DATA,
    START_NOW,
    BundleEnd,
    Connection,
    ConnectionClosed,
    ConnectionState,
    Keepalive,
    Limits,
    Record,
    RecordDecodeFailed,
    ServerError,
    StreamingInformation,
    UnknownMessage,
    UnknownRecord,
)

from .test_golden_vectors import (
    DEVICE_123,
    PRIORITY_4,
    V8_1,
    V8_3,
    V8_4,
    V8_5,
    V8_6_SERVER,
    V8_10,
)
from .wirebuild import bundle, event_data, message, record

FLAGS = 0x48900061
INFO = bytes.fromhex(V8_3)
DEVICE = record(123, struct.pack(">II", 1, 5) + b"ftd-1", 0)
PRIORITY = record(4, struct.pack(">IH", 1, 4) + b"high", 0)


def handshaken(limits: Limits = Limits()) -> Connection:
    """A Connection past the extended handshake (state STREAMING, nothing queued)."""
    connection = Connection(0, FLAGS, limits=limits)
    connection.initiate()
    connection.receive_data(INFO)
    assert isinstance(connection.next_event(), StreamingInformation)
    connection.data_to_send()
    return connection


def drain(connection: Connection) -> list[Any]:
    events = []
    while (event := connection.next_event()) is not NEED_DATA:
        events.append(event)
        if isinstance(event, ConnectionClosed):
            break
    return events


def events_from(chunks: list[bytes]) -> list[Any]:
    """Feed chunks to a fresh handshaken connection, draining after each one."""
    connection = handshaken()
    events: list[Any] = []
    for chunk in chunks:
        if chunk:
            connection.receive_data(chunk)
            events.extend(drain(connection))
    return events


class TestHandshake:
    def test_full_extended_handshake_in_memory(self) -> None:
        connection = Connection(START_NOW, FLAGS)
        assert connection.state is ConnectionState.IDLE
        assert connection.initiate().hex() == V8_1
        assert connection.state is ConnectionState.REQUESTED
        assert connection.next_event() is NEED_DATA
        connection.receive_data(INFO[:30])
        assert connection.next_event() is NEED_DATA
        assert connection.data_to_send() == b""
        connection.receive_data(INFO[30:])
        assert connection.next_event() == StreamingInformation(services=(5001, 5000, 6667), offset=0)
        assert connection.state is ConnectionState.STREAMING
        expected = bytes.fromhex(V8_4).replace(b"\x00\x00\x00\x00\x00\x09", b"\xff\xff\xff\xff\x00\x09", 1)
        assert connection.data_to_send() == expected

    def test_streaming_request_copies_timestamp_and_flags(self) -> None:
        connection = Connection(0, FLAGS)
        connection.initiate()
        connection.receive_data(INFO)
        connection.next_event()
        assert connection.data_to_send().hex() == V8_4

    def test_custom_event_types_go_into_the_streaming_request(self) -> None:
        connection = Connection(7, 0x40000000, event_types=[(71, 14)])
        connection.initiate()
        connection.receive_data(INFO)
        connection.next_event()
        assert connection.data_to_send() == struct.pack(
            ">HHIIIIIHHI", 1, 2049, 24, 6667, 24, 0x40000000, 7, 14, 71, 0
        )

    def test_streaming_information_without_6667_is_a_remote_error(self) -> None:
        connection = Connection(0, FLAGS)
        connection.initiate()
        connection.receive_data(message(2051, struct.pack(">IIII", 5001, 8, 0, 0)))
        with pytest.raises(RemoteProtocolError, match=r"lists services \[5001\] but not 6667"):
            connection.next_event()
        assert connection.state is ConnectionState.ERROR

    def test_second_streaming_information_is_a_remote_error(self) -> None:
        connection = handshaken()
        connection.receive_data(INFO)
        with pytest.raises(RemoteProtocolError, match="unexpected Streaming Information in state STREAMING"):
            connection.next_event()

    def test_initiate_twice_is_a_local_error(self) -> None:
        connection = Connection(0, FLAGS)
        connection.initiate()
        with pytest.raises(LocalProtocolError, match="only be called once"):
            connection.initiate()

    def test_bad_constructor_arguments_are_local_errors(self) -> None:
        with pytest.raises(LocalProtocolError):
            Connection(-1, FLAGS)
        with pytest.raises(LocalProtocolError):
            Connection(0, FLAGS, event_types=[(71, 0)])


class TestBundles:
    def test_8_10_bundle_gives_records_then_bundle_end(self) -> None:
        assert events_from([bytes.fromhex(V8_10)]) == [
            Record(123, 0, DEVICE_123, 56, True),
            Record(4, 0, PRIORITY_4, 56, True),
            BundleEnd(connection_id=1, sequence_number=1, record_count=2, offset=56),
        ]

    def test_acknowledge_returns_one_null_per_bundle(self) -> None:
        connection = handshaken()
        connection.receive_data(bundle(1, 1, [DEVICE]) + bundle(1, 2, [PRIORITY]))
        events = drain(connection)
        assert [type(e) for e in events] == [Record, BundleEnd, Record, BundleEnd]
        assert connection.unacknowledged_bundles == 2
        assert connection.acknowledge().hex() == V8_5
        assert connection.acknowledge().hex() == V8_5
        with pytest.raises(LocalProtocolError, match="no bundle is waiting"):
            connection.acknowledge()

    def test_acknowledge_before_bundle_end_is_a_local_error(self) -> None:
        connection = handshaken()
        connection.receive_data(bundle(1, 1, [DEVICE, PRIORITY]))
        assert isinstance(connection.next_event(), Record)
        with pytest.raises(LocalProtocolError):
            connection.acknowledge()

    def test_stream_split_at_every_byte_boundary_gives_the_same_events(self) -> None:
        stream = bundle(1, 1, [DEVICE, PRIORITY]) + bytes.fromhex(V8_5) + bundle(1, 2, [PRIORITY])
        expected = events_from([stream])
        assert len(expected) == 6
        for cut in range(len(stream) + 1):
            assert events_from([stream[:cut], stream[cut:]]) == expected, cut
        assert events_from([stream[i : i + 1] for i in range(len(stream))]) == expected

    def test_guide_style_inner_word_is_accepted(self) -> None:
        events = events_from([bundle(1, 1, [DEVICE], inner=0x00010004)])
        assert events[0] == Record(123, 0, DEVICE_123, 56, True)

    def test_other_inner_word_is_a_remote_error_with_its_offset(self) -> None:
        connection = handshaken()
        connection.receive_data(bundle(1, 1, [DEVICE, PRIORITY], inner=0x00000003))
        with pytest.raises(RemoteProtocolError) as info:
            connection.next_event()
        assert "inner message 0 starts with 0x00000003" in str(info.value)
        assert info.value.offset == 56 + 16
        assert connection.state is ConnectionState.ERROR

    def test_inner_length_beyond_the_bundle_is_a_remote_error_before_any_record(self) -> None:
        body = struct.pack(">II", 1, 1) + struct.pack(">II", 4, len(DEVICE)) + DEVICE
        body += struct.pack(">II", 4, 500) + PRIORITY
        connection = handshaken()
        connection.receive_data(message(4002, body))
        with pytest.raises(RemoteProtocolError, match="inner message 1 payload"):
            connection.next_event()

    def test_inner_length_shorter_than_a_record_header_is_a_remote_error(self) -> None:
        connection = handshaken()
        connection.receive_data(message(4002, struct.pack(">IIII", 1, 1, 4, 3) + b"abc"))
        with pytest.raises(RemoteProtocolError, match="innerLength 3, shorter than the 8-byte"):
            connection.next_event()

    def test_bundle_header_truncated_is_a_remote_error(self) -> None:
        connection = handshaken()
        connection.receive_data(message(4002, b"\x00\x00\x00\x01"))
        with pytest.raises(RemoteProtocolError, match="sequenceNumber"):
            connection.next_event()

    def test_bundle_over_the_record_limit_is_a_remote_error(self) -> None:
        connection = handshaken(Limits(max_bundle_records=2))
        connection.receive_data(bundle(1, 1, [DEVICE, DEVICE, DEVICE]))
        with pytest.raises(RemoteProtocolError, match="more than 2 records"):
            connection.next_event()

    def test_empty_bundle_gives_just_bundle_end(self) -> None:
        assert events_from([bundle(3, 4, [])]) == [
            BundleEnd(connection_id=3, sequence_number=4, record_count=0, offset=56)
        ]


class TestRecordsInTheStream:
    def test_unknown_record_type_becomes_unknown_record_and_the_bundle_goes_on(self) -> None:
        unknown = record(9999, b"\x01\x02\x03", 1591210934)
        events = events_from([bundle(1, 1, [unknown, DEVICE])])
        assert events == [
            UnknownRecord(record_type=9999, archive_timestamp=1591210934, data=b"\x01\x02\x03", offset=56),
            Record(123, 0, DEVICE_123, 56, True),
            BundleEnd(connection_id=1, sequence_number=1, record_count=2, offset=56),
        ]

    def test_truncated_record_becomes_record_decode_failed_and_the_stream_goes_on(self) -> None:
        broken = record(123, struct.pack(">II", 1, 50) + b"ftd-1", 0)
        events = events_from([bundle(1, 1, [DEVICE, broken, PRIORITY]), bytes.fromhex(V8_5)])
        assert events[0] == Record(123, 0, DEVICE_123, 56, True)
        failed = events[1]
        assert isinstance(failed, RecordDecodeFailed)
        assert (failed.record_type, failed.offset) == (123, 56)
        assert "record 123 (MANAGED_DEVICE) cannot be decoded: field 'name'" in failed.reason
        assert "record 1 of the message, payload at stream offset 117" in failed.reason  # 56 + 8 + 8 + (8 + 29) + 8
        assert events[2] == Record(4, 0, PRIORITY_4, 56, True)
        assert events[3] == BundleEnd(connection_id=1, sequence_number=1, record_count=3, offset=56)
        assert events[4] == Keepalive(offset=56 + 8 + 8 + 3 * 8 + len(DEVICE) + len(broken) + len(PRIORITY))

    def test_record_header_length_mismatch_becomes_record_decode_failed(self) -> None:
        bad = struct.pack(">II", 123, 99) + b"\x00" * 13
        events = events_from([bundle(1, 1, [bad])])
        assert isinstance(events[0], RecordDecodeFailed)
        assert "payload length 21 is neither recordLength 99 + 8 nor + 16" in events[0].reason

    def test_bit_31_of_the_record_type_is_masked(self) -> None:
        events = events_from([bundle(1, 1, [struct.pack(">II", 0x8000007B, 13) + DEVICE[16:]])])
        assert events[0] == Record(123, None, DEVICE_123, 56, True)

    def test_plain_event_data_gives_record_and_bundle_end_zero(self) -> None:
        connection = Connection(0, 0x08900061)
        connection.initiate()
        connection.receive_data(event_data(123, struct.pack(">II", 1, 5) + b"ftd-1"))
        assert connection.next_event() == Record(123, None, DEVICE_123, 0, True)
        assert connection.state is ConnectionState.STREAMING
        assert connection.next_event() == BundleEnd(
            connection_id=0, sequence_number=0, record_count=1, offset=0
        )
        assert connection.acknowledge().hex() == V8_5

    def test_event_data_shorter_than_a_record_header_is_a_remote_error(self) -> None:
        connection = handshaken()
        connection.receive_data(message(4, b"\x00\x00\x00\x7b"))
        with pytest.raises(RemoteProtocolError, match="shorter than the 8-byte record header"):
            connection.next_event()

    def test_depth_limit_from_limits_applies_to_records(self) -> None:
        from .cases import host_server_case

        _, data, _ = host_server_case(11)
        connection = handshaken(Limits(max_block_depth=2))
        connection.receive_data(bundle(1, 1, [record(11, data)]))
        failed = connection.next_event()
        assert isinstance(failed, RecordDecodeFailed)
        assert "max_block_depth" in failed.reason


class TestOtherMessages:
    def test_server_null_is_a_keepalive(self) -> None:
        assert events_from([bytes.fromhex(V8_5)]) == [Keepalive(offset=56)]

    def test_server_error_with_trailing_nul(self) -> None:
        assert events_from([bytes.fromhex(V8_6_SERVER)]) == [
            ServerError(code=19, text="No space", offset=56)
        ]

    def test_unknown_message_type_is_skipped_by_length(self) -> None:
        stream = message(77, b"whatever") + message(2049, b"") + bytes.fromhex(V8_5)
        assert events_from([stream]) == [
            UnknownMessage(message_type=77, length=8, offset=56),
            UnknownMessage(message_type=2049, length=0, offset=72),
            Keepalive(offset=80),
        ]


class TestEndOfStreamAndErrors:
    def test_clean_eof_gives_connection_closed_repeatedly(self) -> None:
        connection = handshaken()
        connection.receive_data(bytes.fromhex(V8_5))
        connection.receive_data(b"")
        assert connection.next_event() == Keepalive(offset=56)
        assert connection.next_event() == ConnectionClosed(offset=64)
        assert connection.state is ConnectionState.CLOSED
        assert connection.next_event() == ConnectionClosed(offset=64)

    def test_eof_mid_message_is_a_remote_error_with_the_offset(self) -> None:
        connection = handshaken()
        connection.receive_data(bytes.fromhex(V8_10)[:40])
        assert connection.next_event() is NEED_DATA
        connection.receive_data(b"")
        with pytest.raises(RemoteProtocolError) as info:
            connection.next_event()
        assert info.value.offset == 56
        assert "(stream offset 56)" in str(info.value)
        assert connection.state is ConnectionState.ERROR

    def test_header_version_2_is_a_remote_error(self) -> None:
        connection = handshaken()
        connection.receive_data(struct.pack(">HHI", 2, 4, 0))
        with pytest.raises(RemoteProtocolError, match="CSCve44987"):
            connection.next_event()

    def test_length_far_beyond_the_limit_is_a_remote_error(self) -> None:
        connection = handshaken()
        connection.receive_data(struct.pack(">HHI", 1, 4002, 0x7FFFFFFF))
        with pytest.raises(RemoteProtocolError) as info:
            connection.next_event()
        assert "above the limit of 67108864 bytes" in str(info.value)
        assert info.value.offset == 56

    @pytest.mark.parametrize(
        "call",
        [
            lambda c: c.next_event(),
            lambda c: c.receive_data(b"x"),
            lambda c: c.data_to_send(),
            lambda c: c.acknowledge(),
            lambda c: c.initiate(),
        ],
    )
    def test_every_call_after_a_remote_error_is_a_local_error(self, call: Any) -> None:
        connection = handshaken()
        connection.receive_data(struct.pack(">HHI", 2, 4, 0))
        with pytest.raises(RemoteProtocolError):
            connection.next_event()
        with pytest.raises(LocalProtocolError, match="after the connection failed"):
            call(connection)
