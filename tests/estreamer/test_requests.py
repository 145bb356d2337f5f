"""Request builders and the control-message parsers the simulator uses."""

from __future__ import annotations

import struct

import pytest

from cef_connector.errors import LocalProtocolError, RemoteProtocolError
from cef_connector.estreamer import (
    DEFAULT_EVENT_TYPES,
    SUBSCRIPTION_FLAGS,
    RequestFlag,
    build_error,
    build_event_stream_request,
    build_streaming_request,
    flags_from_subscription,
    parse_error,
    parse_event_stream_request,
    parse_streaming_information,
    parse_streaming_request,
)

ALL_ON = {key: True for key in ("packetData", "impactEventAlerts", "intrusion", "metadata",
                                "archiveTimestamps", "eventExtraData", "extended")}  # fmt: skip


class TestFlags:
    def test_all_subscription_keys_give_0x48900061(self) -> None:
        assert flags_from_subscription(ALL_ON) == 0x48900061

    def test_extended_off_gives_0x08900061_and_connection_sets_no_bit(self) -> None:
        records = dict(ALL_ON, extended=False, connection=True)
        records["@comment"] = "ignored"  # type: ignore[assignment]
        assert flags_from_subscription(records) == 0x08900061

    def test_each_key_maps_to_its_bit(self) -> None:
        assert flags_from_subscription({"packetData": True}) == RequestFlag.PACKET_DATA == 1
        assert flags_from_subscription({"archiveTimestamps": True}) == 1 << 23
        assert flags_from_subscription({"metadata": True, "intrusion": False}) == 1 << 20

    def test_unknown_key_is_rejected_listing_the_known_ones(self) -> None:
        with pytest.raises(LocalProtocolError) as info:
            flags_from_subscription({"packetdata": True})
        assert "unknown key 'packetdata'" in str(info.value)
        assert "packetData" in str(info.value)
        assert set(SUBSCRIPTION_FLAGS) >= set(ALL_ON)

    def test_request_flag_has_all_31_documented_bits(self) -> None:
        assert sorted(flag.value for flag in RequestFlag) == [1 << bit for bit in range(31)]


class TestBuilders:
    def test_streaming_request_writes_version_before_type(self) -> None:
        message = build_streaming_request(5, 0x40000000, [(71, 14)])
        assert message == struct.pack(">HHIIIIIHHI", 1, 2049, 24, 6667, 24, 0x40000000, 5, 14, 71, 0)

    def test_default_event_types_are_encores_order(self) -> None:
        assert [t for t, _ in DEFAULT_EVENT_TYPES] == [12, 21, 31, 61, 71, 91, 101, 111, 131]

    @pytest.mark.parametrize(
        "call",
        [
            lambda: build_event_stream_request(-1, 0),
            lambda: build_event_stream_request(0, 1 << 32),
            lambda: build_streaming_request(0, 0, [(71, 0)]),
            lambda: build_streaming_request(0, 0, [(70000, 1)]),
            lambda: build_streaming_request(0, 0, [(71,)]),  # type: ignore[list-item]
            lambda: build_error(2**31, "x"),
            lambda: build_error(-1, "x" * 70000),
        ],
    )
    def test_out_of_range_arguments_are_local_errors(self, call: object) -> None:
        with pytest.raises(LocalProtocolError):
            call()  # type: ignore[operator]


class TestParsers:
    def test_streaming_request_with_guide_service_length_and_no_terminator(self) -> None:
        body = struct.pack(">IIIIHHHH", 6667, 16, 0x40000000, 7, 6, 71, 4, 21)
        assert parse_streaming_request(body) == (6667, 0x40000000, 7, ((71, 6), (21, 4)))

    def test_streaming_request_stops_at_the_terminator(self) -> None:
        body = struct.pack(">IIIIHHHHHH", 6667, 28, 0, 0, 6, 71, 0, 0, 9, 12)
        assert parse_streaming_request(body)[3] == ((71, 6),)

    def test_streaming_request_with_other_service_length_is_rejected(self) -> None:
        body = struct.pack(">IIIIHHHH", 6667, 99, 0, 0, 6, 71, 0, 0)
        with pytest.raises(RemoteProtocolError, match="serviceLength is 99; expected messageLength 24"):
            parse_streaming_request(body, offset=100)

    def test_truncated_pair_reports_its_stream_offset(self) -> None:
        body = struct.pack(">IIIIH", 6667, 18, 0, 0, 6)
        with pytest.raises(RemoteProtocolError) as info:
            parse_streaming_request(body, offset=100)
        assert "field 'eventType'" in str(info.value)
        assert info.value.offset == 100 + 8 + 18

    def test_event_stream_request_must_be_8_bytes(self) -> None:
        with pytest.raises(RemoteProtocolError, match="must be 8 bytes"):
            parse_event_stream_request(b"\x00" * 4)

    def test_error_with_declared_text_longer_than_the_body_raises(self) -> None:
        with pytest.raises(RemoteProtocolError, match="field 'errorText' needs 9 bytes"):
            parse_error(struct.pack(">iH", 19, 9) + b"No")

    def test_error_text_with_invalid_utf8_is_replaced(self) -> None:
        assert parse_error(struct.pack(">iH", 1, 3) + b"a\xffb") == (1, "a\ufffdb")

    def test_streaming_information_entry_longer_than_the_body_raises(self) -> None:
        with pytest.raises(RemoteProtocolError, match="service entry"):
            parse_streaming_information(struct.pack(">III", 6667, 8, 0))

    def test_streaming_information_with_longer_entries_is_walked_by_length(self) -> None:
        body = struct.pack(">II", 5001, 12) + bytes(12) + struct.pack(">II", 6667, 0)
        assert parse_streaming_information(body) == (5001, 6667)
