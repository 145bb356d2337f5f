"""A known record type in a block version we have no layout for becomes UnknownRecord(version=…).

The record's own block (record 400's block 60/41, record 71's 163/160 …) is its version
(§3.7, §5.1).  An unexpected type there is not a decoding failure: the record is passed on
undecoded with that block type, and the stream goes on.  Truncated or malformed records
stay ``RecordDecodeFailed``.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer import (
    BundleEnd,
    Record,
    RecordDecodeFailed,
    UnknownRecord,
    decode_record,
)
from cef_connector.estreamer.records import UnsupportedRecordVersion

from . import catalogue_cases as cc
from .cases import connection_case, intrusion_fields
from .test_connection import drain, handshaken
from .wirebuild import blk, bundle, discovery_header, event_data, intrusion_block, record

#: (record type, block types we decode, bytes before the record's block)
VERSIONED = [
    (9, (153,), b""),
    (71, (163, 160), discovery_header()),
    (73, (136,), discovery_header()),
    (110, (4,), b""),
    (112, (156,), b""),
    (125, (62,), b""),
    (400, (60, 41), b""),
    (500, (56,), b""),
    (502, (56,), b""),
]


class TestDecodeRecord:
    def test_record_71_with_block_170_raises_unsupported_version(self) -> None:
        data = discovery_header() + blk(170, bytes(300))

        with pytest.raises(UnsupportedRecordVersion) as info:
            decode_record(71, data, offset=500)

        error = info.value
        assert (error.record_type, error.block_type) == (71, 170)
        assert error.expected == (163, 160)
        assert error.data_offset == 40
        assert error.offset == 500
        assert isinstance(error, RemoteProtocolError)
        assert str(error) == (
            "record 71 (CONNECTION_STATISTICS) has an unsupported version: block type 170 is "
            "not one of the expected types (163, 160) at record-data offset 40; it is passed on "
            "undecoded as an UnknownRecord (request the event versions of §3.7, or update "
            "cef-connector) (stream offset 500)"
        )

    def test_version_block_after_an_ipv6_discovery_header_is_found_at_offset_56(self) -> None:
        data = discovery_header(ipv6=bytes(16)) + blk(170, b"")
        with pytest.raises(UnsupportedRecordVersion) as info:
            decode_record(71, data)
        assert info.value.data_offset == 56

    @pytest.mark.parametrize("block_type", [99, 34])
    def test_record_400_with_an_unknown_block_raises_unsupported_version(self, block_type: int) -> None:
        # 34 is the 5.2.x intrusion block the guides name (§5.3); neither the doc nor eNcore
        # gives its layout.
        with pytest.raises(UnsupportedRecordVersion) as info:
            decode_record(400, blk(block_type, bytes(200)))
        assert (info.value.record_type, info.value.block_type) == (400, block_type)
        assert info.value.expected == (60, 41)

    @pytest.mark.parametrize(("record_type", "expected", "prefix"), VERSIONED)
    def test_every_event_record_reports_an_unknown_version(
        self, record_type: int, expected: tuple[int, ...], prefix: bytes
    ) -> None:
        with pytest.raises(UnsupportedRecordVersion) as info:
            decode_record(record_type, prefix + blk(0xFFFF, b"\x01\x02"))
        assert (info.value.record_type, info.value.block_type) == (record_type, 0xFFFF)
        assert info.value.expected == expected
        assert info.value.data_offset == len(prefix)

    @pytest.mark.parametrize(
        ("record_type", "prefix"),
        [(11, discovery_header(event_type=1000, subtype=2)), (115, b"")],
    )
    def test_the_rule_covers_discovery_and_metadata_records_too(
        self, record_type: int, prefix: bytes
    ) -> None:
        with pytest.raises(UnsupportedRecordVersion) as info:
            decode_record(record_type, prefix + blk(250, b""))
        assert (info.value.record_type, info.value.block_type) == (record_type, 250)

    def test_unknown_version_is_judged_before_the_block_length(self) -> None:
        # No layout → nothing to check the length against; the raw data is kept anyway.
        data = struct.pack(">II", 99, 5000) + bytes(10)
        with pytest.raises(UnsupportedRecordVersion):
            decode_record(400, data)

    @pytest.mark.parametrize(
        ("record_type", "data", "field"),
        [
            (400, intrusion_block(60)[:-1], "blockLength"),
            (400, struct.pack(">I", 60), "blockLength"),
            (400, b"", "blockLength"),
            (71, discovery_header()[:-2], "filePosition"),
            (9, blk(153, cc.body(cc.IMPACT_ALERT_153)[:30]), "sourceIpAddress"),
        ],
    )
    def test_truncated_record_is_a_plain_remote_error(
        self, record_type: int, data: bytes, field: str
    ) -> None:
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(record_type, data)
        assert not isinstance(info.value, UnsupportedRecordVersion)
        assert f"field {field!r}" in str(info.value)

    def test_unknown_block_type_nested_inside_a_record_is_malformed_not_a_version(self) -> None:
        # a list item of record 11's block 103 (§5.11) with type 99: the record's own
        # version (103) is known, so this is a malformed record
        host_server = blk(103, struct.pack(">HII", 443, 1, 2) + blk(11, blk(99, b"")))
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(11, discovery_header() + host_server)
        assert not isinstance(info.value, UnsupportedRecordVersion)
        assert "block type 99 is not one of the expected types (117)" in str(info.value)


# --- the stream ------------------------------------------------------------------------

INFO_LENGTH = 56  # the golden Streaming Information message that handshaken() consumes
GOOD_400 = record(400, intrusion_block(60), 1591210934)
GOOD_9_TYPE, GOOD_9_DATA, GOOD_9_FIELDS = cc.CATALOGUE_CASES["record9-block153"]
GOOD_9 = record(9, GOOD_9_DATA, 1591210935)
_, GOOD_71_DATA, GOOD_71_FIELDS = connection_case(163, True)
GOOD_71 = record(71, GOOD_71_DATA, 1591210936)

UNKNOWN_TYPE_DATA = b"\x00\x01\x02\x03\x04"
CONNECTION_170_DATA = discovery_header() + blk(170, bytes(120))
INTRUSION_99_DATA = blk(99, bytes(64))
TRUNCATED_400_DATA = intrusion_block(60)[:100]
SECOND_MESSAGE = event_data(112, blk(157, b"x"), 1591210950)


def middle_bundle() -> bytes:
    return bundle(7, 3, [
        GOOD_400,
        record(9999, UNKNOWN_TYPE_DATA, 1591210940),
        record(71, CONNECTION_170_DATA, 1591210941),
        record(400, INTRUSION_99_DATA),
        record(400, TRUNCATED_400_DATA, 1591210942),
        GOOD_9,
        GOOD_71,
    ])  # fmt: skip


def expected_stream() -> list[Any]:
    second = INFO_LENGTH + len(middle_bundle())
    third = second + len(SECOND_MESSAGE)
    return [
        Record(400, 1591210934, intrusion_fields(60), INFO_LENGTH, False),
        UnknownRecord(record_type=9999, archive_timestamp=1591210940, data=UNKNOWN_TYPE_DATA,
                      offset=INFO_LENGTH, version=None),
        UnknownRecord(record_type=71, archive_timestamp=1591210941, data=CONNECTION_170_DATA,
                      offset=INFO_LENGTH, version=170),
        UnknownRecord(record_type=400, archive_timestamp=None, data=INTRUSION_99_DATA,
                      offset=INFO_LENGTH, version=99),
        "RecordDecodeFailed(400)",
        Record(9, 1591210935, GOOD_9_FIELDS, INFO_LENGTH, False),
        Record(71, 1591210936, GOOD_71_FIELDS, INFO_LENGTH, False),
        BundleEnd(connection_id=7, sequence_number=3, record_count=7, offset=INFO_LENGTH),
        # a plain EventData message after the bundle: an unknown version of record 112
        UnknownRecord(record_type=112, archive_timestamp=1591210950, data=blk(157, b"x"),
                      offset=second, version=157),
        BundleEnd(connection_id=0, sequence_number=0, record_count=1, offset=second),
        Record(400, 1591210934, intrusion_fields(60), third, False),
        BundleEnd(connection_id=0, sequence_number=0, record_count=1, offset=third),
    ]


def stream_bytes() -> bytes:
    return middle_bundle() + SECOND_MESSAGE + event_data(400, intrusion_block(60), 1591210934)


def summarise(events: list[Any]) -> list[Any]:
    """RecordDecodeFailed reasons are long; compare them by type and record type."""
    return [
        f"RecordDecodeFailed({e.record_type})" if isinstance(e, RecordDecodeFailed) else e
        for e in events
    ]


class TestConnection:
    def test_unknown_type_and_unknown_version_in_the_middle_of_a_bundle(self) -> None:
        connection = handshaken()
        connection.receive_data(stream_bytes())
        events = drain(connection)

        assert summarise(events) == expected_stream()
        unknown = [e for e in events if isinstance(e, UnknownRecord)]
        assert [(e.record_type, e.version, len(e.data), e.offset) for e in unknown] == [
            (9999, None, 5, 56),
            (71, 170, 40 + 128, 56),
            (400, 99, 72, 56),
            (112, 157, 9, 56 + len(middle_bundle())),
        ]
        assert connection.unacknowledged_bundles == 3

    def test_the_same_stream_fed_byte_by_byte(self) -> None:
        connection = handshaken()
        events: list[Any] = []
        for byte in stream_bytes():
            connection.receive_data(bytes([byte]))
            events.extend(drain(connection))
        assert summarise(events) == expected_stream()

    def test_truncated_record_reason_names_the_record_and_its_position(self) -> None:
        connection = handshaken()
        connection.receive_data(middle_bundle())
        failed = [e for e in drain(connection) if isinstance(e, RecordDecodeFailed)]
        assert len(failed) == 1
        assert failed[0].record_type == 400
        assert failed[0].offset == INFO_LENGTH
        assert "record 400 (INTRUSION_EVENT) cannot be decoded: field 'blockLength'" in failed[0].reason
        assert "[record 4 of the message" in failed[0].reason

    def test_unknown_record_without_version_still_compares_equal_to_the_old_form(self) -> None:
        # version defaults to None, so code that builds UnknownRecord without it still works
        assert UnknownRecord(record_type=1, archive_timestamp=None, data=b"", offset=0) == (
            UnknownRecord(record_type=1, archive_timestamp=None, data=b"", offset=0, version=None)
        )
