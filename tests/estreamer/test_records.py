"""decode_record on hand-built bytes (struct.pack from the protocol doc's layouts)."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from cef_connector.errors import LocalProtocolError, RemoteProtocolError
from cef_connector.estreamer import (
    METADATA_RECORD_TYPES,
    SUPPORTED_RECORD_TYPES,
    Limits,
    Record,
    RecordType,
    decode_record,
)
from cef_connector.estreamer.records import _make_record, ipv6_text, record_header

from .cases import METADATA_CASES, connection_fields, discovery_fields, idlen, intrusion_fields
from .wirebuild import (
    LOCATION,
    blk,
    connection_block,
    discovery_header,
    intrusion_block,
    mapped,
    sblock,
)

ZERO_UUID = "00000000-0000-0000-0000-000000000000"


class TestConnectionStatistics:
    @pytest.mark.parametrize("block_type", [163, 160])
    @pytest.mark.parametrize(
        ("initiator", "responder", "initiator_text", "responder_text"),
        [
            (mapped(192, 0, 2, 10), mapped(198, 51, 100, 20), "192.0.2.10", "198.51.100.20"),
            (
                bytes.fromhex("20010db8000000000000000000000001"),
                bytes.fromhex("fe800000000000000250 56fffea1b2c3".replace(" ", "")),
                "2001:db8::1",
                "fe80::250:56ff:fea1:b2c3",
            ),
        ],
    )
    @pytest.mark.parametrize("has_ipv6", [False, True])
    def test_record_71_decodes_every_field_flattened(
        self,
        block_type: int,
        initiator: bytes,
        responder: bytes,
        initiator_text: str,
        responder_text: str,
        has_ipv6: bool,
    ) -> None:
        header = discovery_header(ipv6=mapped(10, 0, 0, 5) if has_ipv6 else None)
        data = header + connection_block(block_type, initiator, responder)

        record = decode_record(71, data, 1591210934, offset=99)

        expected = discovery_fields(has_ipv6=has_ipv6, ipv6="10.0.0.5")
        expected.update(connection_fields(block_type, initiator_text, responder_text))
        assert record.fields == expected
        assert record.record_type == 71
        assert record.archive_timestamp == 1591210934
        assert record.offset == 99
        assert record.is_metadata is False

    def test_block_device_id_wins_over_header_device_id(self) -> None:
        data = discovery_header(device_id=1) + connection_block(163, mapped(1, 2, 3, 4), bytes(16))
        assert decode_record(71, data).fields["deviceId"] == 3

    def test_field_order_is_header_then_block(self) -> None:
        data = discovery_header() + connection_block(163, mapped(1, 2, 3, 4), bytes(16))
        names = list(decode_record(71, data).fields)
        assert names[:3] == ["deviceId", "legacyIpAddress", "macAddress"]
        assert names[11:14] == ["blockType", "ingressZone", "egressZone"]
        assert names[-1] == "securityIntelligenceList2"

    def test_unexpected_block_type_raises_naming_record_and_type(self) -> None:
        data = discovery_header() + blk(154, bytes(20))
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(71, data, offset=500)
        message = str(info.value)
        assert "record 71 (CONNECTION_STATISTICS)" in message
        assert "block type 154 is not one of the expected types (163, 160)" in message
        assert "record-data offset 40" in message
        assert info.value.offset == 500

    def test_all_zero_responder_is_double_colon(self) -> None:
        data = discovery_header() + connection_block(163, mapped(1, 2, 3, 4), bytes(16))
        assert decode_record(71, data).fields["responderIpAddress"] == "::"


class TestIntrusionEvent:
    def test_block_60_decodes_every_field(self) -> None:
        record = decode_record(400, intrusion_block(60), 1591210934, offset=7)
        assert record.fields == intrusion_fields(60)
        assert record.is_metadata is False

    def test_block_41_is_block_60_without_the_last_six_fields(self) -> None:
        full = decode_record(400, intrusion_block(60)).fields
        short = decode_record(400, intrusion_block(41)).fields
        assert len(intrusion_block(41)) == 222
        expected = dict(list(full.items())[:-6])
        expected["blockType"] = 41
        assert short == expected

    def test_block_longer_than_layout_keeps_fields_and_skips_the_rest(self) -> None:
        body = intrusion_block(60)[8:] + b"\xee" * 12  # a newer, longer block 60
        record = decode_record(400, blk(60, body) + b"\xff" * 5)
        assert record.fields["httpResponse"] == 404
        assert len(record.fields) == 44

    def test_truncated_block_length_beyond_record_raises_with_offset(self) -> None:
        data = intrusion_block(60)[:200]  # blockLength 282 but only 200 bytes of record data
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(400, data, offset=1234)
        message = str(info.value)
        assert "record 400 (INTRUSION_EVENT)" in message
        assert "blockLength 282 runs to offset 282, past its container's end 200" in message
        assert "(stream offset 1234)" in message
        assert info.value.offset == 1234

    def test_block_shorter_than_its_fields_names_the_first_missing_field(self) -> None:
        data = blk(60, intrusion_block(60)[8:70])  # blockLength 70 cuts destinationIpAddress
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(400, data)
        assert "field 'destinationIpAddress' at record-data offset 60" in str(info.value)
        assert "needs 16 bytes at offset 60 but its container ends at offset 70" in str(info.value)

    def test_block_length_below_header_size_raises(self) -> None:
        data = struct.pack(">II", 60, 4) + bytes(300)
        with pytest.raises(RemoteProtocolError, match="blockLength 4 is less than the 8-byte"):
            decode_record(400, data)

    def test_record_shorter_than_block_header_raises(self) -> None:
        with pytest.raises(RemoteProtocolError, match="block header needs 8 bytes at offset 0"):
            decode_record(400, b"\x00\x00\x00\x3c")


class TestPacket:
    def test_record_2_decodes_packet_bytes(self) -> None:
        frame = bytes.fromhex("ffffffffffff005056a1b2c30800") + b"payload"
        data = struct.pack(">7I", 3, 195430, 1591210900, 1591210901, 250, 1, len(frame)) + frame
        record = decode_record(2, data)
        assert record.fields == {
            "deviceId": 3,
            "eventId": 195430,
            "eventSecond": 1591210900,
            "packetSecond": 1591210901,
            "packetMicrosecond": 250,
            "linkType": 1,
            "packetLength": 21,
            "packetData": frame,
        }
        assert isinstance(record.fields["packetData"], bytes)

    def test_packet_length_beyond_record_raises_naming_the_field(self) -> None:
        data = struct.pack(">7I", 3, 1, 2, 3, 4, 1, 100) + b"short"
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(2, data)
        assert "field 'packetData' at record-data offset 28" in str(info.value)
        assert "packetLength 100 needs 100 bytes" in str(info.value)

    def test_variable_field_starting_exactly_at_the_end_is_empty(self) -> None:
        data = struct.pack(">7I", 3, 1, 2, 3, 4, 1, 100)
        assert decode_record(2, data).fields["packetData"] == b""


class TestMetadataRecords:
    @pytest.mark.parametrize(
        ("record_type", "data", "expected"),
        METADATA_CASES,
        ids=[f"{case[0]}-{i}" for i, case in enumerate(METADATA_CASES)],
    )
    def test_metadata_record_decodes_exact_fields(
        self, record_type: int, data: bytes, expected: dict[str, Any]
    ) -> None:
        record = decode_record(record_type, data)
        assert record.fields == expected
        assert record.is_metadata is True
        assert record.archive_timestamp is None

    def test_record_62_block_not_spanning_the_record_uses_raw_fallback(self) -> None:
        data = blk(57, struct.pack(">II", 12, 5) + sblock("alice")) + b"x"
        fields = decode_record(62, data).fields
        assert fields["id"] == 57
        assert set(fields) == {"id", "name"}

    def test_name_length_beyond_record_raises_naming_field_and_offset(self) -> None:
        data = struct.pack(">II", 1, 50) + b"ftd-1"
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(123, data, offset=40)
        message = str(info.value)
        assert message.startswith("record 123 (MANAGED_DEVICE) cannot be decoded: field 'name'")
        assert "record-data offset 8" in message
        assert "nameLength 50 needs 50 bytes at offset 8 but its container ends at offset 13" in message
        assert message.endswith("(stream offset 40)")

    def test_truncated_fixed_field_raises_naming_it(self) -> None:
        with pytest.raises(RemoteProtocolError, match="field 'nameLength' at record-data offset 4"):
            decode_record(123, b"\x00\x00\x00\x01\x00\x00")

    def test_record_98_trailing_nul_of_the_name_is_removed(self) -> None:
        data = blk(57, struct.pack(">II", 4242, 710) + sblock("carol\x00"))
        assert decode_record(98, data).fields["name"] == "carol"

    def test_name_with_nul_padding_and_invalid_utf8(self) -> None:
        fields = decode_record(123, idlen(1, b"ftd\x00-1\xff\x00\x00")).fields
        assert fields["name"] == "ftd-1\ufffd"


class TestDiscoveryRecords:
    def test_record_29_host_ip_changed(self) -> None:
        data = discovery_header(ipv6=mapped(10, 0, 0, 5), event_type=1001) + mapped(10, 0, 0, 6)
        fields = decode_record(29, data).fields
        expected = discovery_fields(has_ipv6=True, ipv6="10.0.0.5")
        expected.update(eventType=1001, ipAddress="10.0.0.6")
        assert fields == expected

    def test_record_11_with_nested_lists(self) -> None:
        sub = blk(1, sblock("mod_ssl") + sblock("Apache") + sblock("2.4"))
        info = blk(
            117,
            struct.pack(">I", 676) + sblock("Apache") + sblock("2.4.41")
            + struct.pack(">III", 1591210000, 1, 2) + blk(11, sub),
        )
        host_server = blk(
            103,
            struct.pack(">HII", 443, 12, 1591210001) + blk(11, info)
            + struct.pack(">I", 90) + blk(11, blk(123, struct.pack(">I", 929))),
        )
        data = discovery_header(event_type=1000, subtype=2) + host_server
        fields = decode_record(11, data).fields
        assert fields["blockType"] == 103
        assert fields["port"] == 443
        assert fields["hits"] == 12
        assert fields["confidence"] == 90
        assert fields["serverInformation"] == [
            {
                "blockType": 117,
                "applicationId": 676,
                "vendor": "Apache",
                "version": "2.4.41",
                "lastUsed": 1591210000,
                "sourceType": 1,
                "sourceId": 2,
                "subServers": [
                    {"blockType": 1, "name": "mod_ssl", "vendor": "Apache", "version": "2.4"}
                ],
            }
        ]
        assert fields["webApplications"] == [{"blockType": 123, "applicationId": 929}]

    def test_list_item_error_names_the_path(self) -> None:
        # applicationId, then 2 bytes where the vendor string block's 8-byte header should be
        bad_item = struct.pack(">II", 117, 8 + 6) + struct.pack(">IH", 676, 0)
        host_server = blk(103, struct.pack(">HII", 443, 1, 2) + blk(11, bad_item))
        with pytest.raises(RemoteProtocolError) as info:
            decode_record(11, discovery_header() + host_server)
        assert "field 'serverInformation[0].vendor'" in str(info.value)

    def test_unknown_block_type_in_list_raises(self) -> None:
        host_server = blk(103, struct.pack(">HII", 443, 1, 2) + blk(11, blk(99, b"")))
        with pytest.raises(RemoteProtocolError, match=r"block type 99 is not one of the expected types \(117\)"):
            decode_record(11, discovery_header() + host_server)

    def test_record_110_extra_data_blob(self) -> None:
        data = blk(4, struct.pack(">4I", 1, 42, 1591210900, 1) + blk(1, b"\x0a\x00\x00\x01"))
        assert decode_record(110, data).fields == {
            "blockType": 4,
            "deviceId": 1,
            "eventId": 42,
            "eventSecond": 1591210900,
            "type": 1,
            "blob": b"\x0a\x00\x00\x01",
        }


class TestBlockDepth:
    def test_depth_limit_stops_nesting(self) -> None:
        host_server = blk(103, struct.pack(">HII", 443, 1, 2) + blk(11, b"") + struct.pack(">I", 1) + blk(11, b""))
        data = discovery_header() + host_server
        assert decode_record(11, data, max_block_depth=2).fields["serverInformation"] == []
        with pytest.raises(RemoteProtocolError, match="nested deeper than Limits.max_block_depth"):
            decode_record(11, data, max_block_depth=1)

    def test_default_depth_matches_limits(self) -> None:
        assert Limits().max_block_depth == 16


class TestRecordTypeAndHeader:
    def test_bit_31_of_record_type_is_masked(self) -> None:
        record = decode_record(0x80000000 | 123, idlen(1, b"x"))
        assert record.record_type == 123

    def test_unsupported_record_type_is_a_local_error(self) -> None:
        with pytest.raises(LocalProtocolError, match="record type 9999 has no layout"):
            decode_record(9999, b"")

    def test_record_header_size_is_decided_by_length(self) -> None:
        assert record_header(struct.pack(">II", 123, 4) + bytes(4)) == (123, 4, 8)
        assert record_header(struct.pack(">IIII", 123, 4, 5, 0) + bytes(4)) == (123, 4, 16)
        assert record_header(struct.pack(">II", 123, 5) + bytes(4)) == (123, 5, 0)
        assert record_header(struct.pack(">II", 0x8000007B, 0)) == (123, 0, 8)

    def test_record_header_shorter_than_8_bytes_raises(self) -> None:
        with pytest.raises(RemoteProtocolError, match="needs 8 bytes but the payload has only 3"):
            record_header(b"\x00\x00\x00")

    def test_supported_types_cover_the_slice(self) -> None:
        required = {
            2, 4, 55, 62, 63, 66, 67, 71, 98, 109, 115, 116, 117, 118, 119, 120, 121, 122,
            123, 124, 145, 280, 400, 520, 700,
        }  # fmt: skip
        assert required <= SUPPORTED_RECORD_TYPES
        assert all(RecordType(t) for t in SUPPORTED_RECORD_TYPES)

    def test_metadata_kind_follows_the_catalogue(self) -> None:
        assert 123 in METADATA_RECORD_TYPES
        assert 71 not in METADATA_RECORD_TYPES
        assert 400 not in METADATA_RECORD_TYPES
        assert 111 in METADATA_RECORD_TYPES and 110 not in METADATA_RECORD_TYPES

    def test_fast_record_construction_equals_the_dataclass_constructor(self) -> None:
        made = _make_record(71, None, {"a": 1}, 5, False)
        assert made == Record(71, None, {"a": 1}, 5, False)
        with pytest.raises(AttributeError):
            made.offset = 6  # type: ignore[misc]


class TestAddressText:
    @pytest.mark.parametrize(
        ("raw", "text"),
        [
            (mapped(192, 0, 2, 10), "192.0.2.10"),
            (bytes(16), "::"),
            (bytes.fromhex("20010db8000000000000000000000001"), "2001:db8::1"),
            (LOCATION, "2001:db8::2"),
            (bytes(15) + b"\x01", "::1"),
        ],
    )
    def test_ipv6_text(self, raw: bytes, text: str) -> None:
        assert ipv6_text(raw) == text
        assert ipv6_text(raw) == text  # from the cache
