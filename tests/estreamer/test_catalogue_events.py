"""Every non-discovery event record of the catalogue decodes field by field (issue 3).

Records 9 (§5.14), 73 (§5.6), 112 (§5.9), 125 (§5.8), 500 and 502 (§5.7): bytes are built by
hand from the doc's field tables (``catalogue_cases.py``), decoded, encoded back and
streamed through a ``Connection``.  Records 2, 71, 110 and 400 have their hand-built cases
in ``cases.py`` (test_records.py, test_roundtrip.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer import (
    BundleEnd,
    Record,
    RecordType,
    decode_record,
    encode_record,
    encode_record_data,
)
from cef_connector.estreamer.constants import METADATA_RECORD_TYPES
from cef_connector.estreamer.records import UnsupportedRecordVersion

from . import catalogue_cases as cc
from .cases import ALL_CASES, CASE_IDS
from .test_connection import drain, handshaken
from .wirebuild import blk, bundle, discovery_header

CASES = cc.CATALOGUE_CASES
IDS = list(CASES)
PARAMS = list(CASES.values())

#: (record type, block type, rows, doc's row count after blockType/blockLength, and the
#: doc's offset of the first variable-size field — §5.6, §5.7, §5.8, §5.9, §5.14)
DOC_TABLES = [
    (9, 153, cc.IMPACT_ALERT_153, 7, ("description", 56)),
    (73, 136, cc.CONNECTION_CHUNK_136, 13, None),
    (112, 156, cc.CORRELATION_156, 61, ("eventDescription", 32)),
    (125, 62, cc.MALWARE_EVENT_62, 48, ("detectionName", 53)),
    (500, 56, cc.FILE_EVENT_56, 40, ("fileName", 100)),
    (502, 56, cc.FILE_EVENT_56, 40, ("fileName", 100)),
]


class TestTheHandBuiltTablesFollowTheDoc:
    @pytest.mark.parametrize(("record_type", "block_type", "rows", "count", "first_variable"), DOC_TABLES)
    def test_row_count_and_offsets_match_the_doc(
        self, record_type: int, block_type: int, rows: list[cc.Row], count: int,
        first_variable: tuple[str, int] | None,
    ) -> None:
        assert len(rows) == count
        assert len({name for name, _raw, _value in rows}) == count
        if first_variable is not None:
            name, offset = first_variable
            names = [row[0] for row in rows]
            before = rows[: names.index(name)]
            assert 8 + len(cc.body(before)) == offset

    def test_connection_chunk_fields_add_up_to_68_bytes(self) -> None:
        # §5.6 says "block length 76" but its field list sums to 68; see layouts.py.
        assert len(blk(136, cc.body(cc.CONNECTION_CHUNK_136))) == 68


class TestDecodeHandBuiltBytes:
    @pytest.mark.parametrize(("record_type", "data", "fields"), PARAMS, ids=IDS)
    def test_every_field_decodes_to_the_doc_value(
        self, record_type: int, data: bytes, fields: dict[str, Any]
    ) -> None:
        record = decode_record(record_type, data, 1591210934, offset=77)

        for name, value in fields.items():
            assert record.fields.get(name, "<missing>") == value, name
        assert record.fields == fields
        assert list(record.fields) == list(fields)  # doc order, header first
        assert record.record_type == record_type
        assert record.archive_timestamp == 1591210934
        assert record.offset == 77
        assert record.is_metadata is False

    def test_file_event_and_file_malware_event_share_block_56(self) -> None:
        _rt, data, fields = CASES["record500-block56"]
        assert decode_record(500, data).fields == decode_record(502, data).fields == fields

    def test_connection_chunk_block_of_76_bytes_decodes_the_same_fields(self) -> None:
        # §4.3: bytes after the last known field of a block are skipped.
        longer = discovery_header() + blk(136, cc.body(cc.CONNECTION_CHUNK_136) + bytes(8))
        assert len(longer) - 40 == 76
        expected = cc.discovery_values(has_ipv6=False) | {"blockType": 136}
        expected |= cc.values(cc.CONNECTION_CHUNK_136)
        assert decode_record(73, longer).fields == expected

    def test_correlation_event_keeps_its_32_bit_ssl_fields_and_raw_ids(self) -> None:
        fields = decode_record(112, CASES["record112-block156"][1]).fields
        assert fields["sslActualAction"] == 0x10006
        assert fields["sslFlowStatus"] == 0x10008
        assert fields["sslPolicyId"] == bytes(range(32, 48)).hex()
        assert fields["sourceIpv4"] == 0xC000020A

    def test_empty_string_blocks_decode_as_empty_text(self) -> None:
        fields = decode_record(125, CASES["record125-block62"][1]).fields
        assert fields["archiveSha"] == ""
        assert fields["archiveName"] == ""
        assert fields["httpResponse"] == 404

    @pytest.mark.parametrize(("record_type", "block_type", "rows", "_count", "_first"), DOC_TABLES)
    def test_block_cut_short_is_a_remote_error_naming_the_last_field(
        self, record_type: int, block_type: int, rows: list[cc.Row], _count: int, _first: Any
    ) -> None:
        prefix = discovery_header() if record_type == 73 else b""
        data = prefix + blk(block_type, cc.body(rows)[:-1])
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(record_type, data, offset=9)
        assert not isinstance(info.value, UnsupportedRecordVersion)
        assert f"field {rows[-1][0]!r}" in str(info.value)
        assert f"record {record_type} ({RecordType(record_type).name})" in str(info.value)


class TestRoundTrip:
    @pytest.mark.parametrize(("record_type", "data", "fields"), PARAMS, ids=IDS)
    def test_fields_encode_to_the_hand_built_bytes_and_back(
        self, record_type: int, data: bytes, fields: dict[str, Any]
    ) -> None:
        encoded = encode_record_data(record_type, fields)
        assert encoded == data
        assert decode_record(record_type, encoded).fields == fields

    def test_every_catalogue_record_round_trips_through_a_connection(self) -> None:
        payloads = [
            encode_record(record_type, fields, 1591210934 + index)
            for index, (record_type, _data, fields) in enumerate(PARAMS)
        ]
        connection = handshaken()
        connection.receive_data(bundle(5, 1, payloads))
        events = drain(connection)

        assert events[-1] == BundleEnd(
            connection_id=5, sequence_number=1, record_count=len(PARAMS), offset=56
        )
        assert events[:-1] == [
            Record(record_type, 1591210934 + index, fields, 56, False)
            for index, (record_type, _data, fields) in enumerate(PARAMS)
        ]


class TestMetadataSplit:
    #: §5.1 rows whose "Kind" is *event*.
    DOC_EVENT_RECORDS = frozenset({
        2, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
        31, 34, 35, 42, 44, 45, 46, 47, 48, 51, 52, 53, 71, 73, 74, 75, 76, 77, 78, 79, 80, 81,
        82, 83, 84, 85, 86, 87, 88, 89, 92, 93, 94, 95, 101, 102, 103, 107, 110, 112, 125, 160,
        170, 171, 400, 500, 502,
    })  # fmt: skip

    def test_metadata_record_types_are_exactly_the_doc_metadata_rows(self) -> None:
        every = {int(member) for member in RecordType}
        assert METADATA_RECORD_TYPES == every - self.DOC_EVENT_RECORDS
        assert self.DOC_EVENT_RECORDS <= every

    @pytest.mark.parametrize(("record_type", "data", "_fields"), ALL_CASES, ids=CASE_IDS)
    def test_every_decoded_record_reports_is_metadata_by_its_kind(
        self, record_type: int, data: bytes, _fields: dict[str, Any]
    ) -> None:
        record = decode_record(record_type, data)
        assert record.is_metadata is (record_type not in self.DOC_EVENT_RECORDS)
