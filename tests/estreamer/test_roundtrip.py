"""One case table drives both directions: hand-built bytes decode to the fields, and the
encoder turns the fields back into exactly those bytes.  Plus the encoder's own rules."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from cef_connector.errors import LocalProtocolError
from cef_connector.estreamer import (
    SUPPORTED_RECORD_TYPES,
    decode_record,
    encode_bundle,
    encode_event_data,
    encode_message,
    encode_record,
    encode_record_data,
    encode_streaming_information,
)

from .cases import ALL_CASES, CASE_IDS
from .wirebuild import blk, sblock


@pytest.mark.parametrize(("record_type", "data", "fields"), ALL_CASES, ids=CASE_IDS)
def test_hand_built_bytes_decode_to_the_case_fields(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    assert decode_record(record_type, data).fields == fields


@pytest.mark.parametrize(("record_type", "data", "fields"), ALL_CASES, ids=CASE_IDS)
def test_case_fields_encode_to_the_hand_built_bytes(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    assert encode_record_data(record_type, fields) == data


@pytest.mark.parametrize(("record_type", "data", "fields"), ALL_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("archive", [None, 1591210934])
def test_encode_record_then_decode_keeps_header_and_fields(
    record_type: int, data: bytes, fields: dict[str, Any], archive: int | None
) -> None:
    encoded = encode_record(record_type, fields, archive)
    header = 8 if archive is None else 16
    assert encoded[header:] == data
    assert struct.unpack_from(">II", encoded) == (record_type, len(data))
    if archive is not None:
        assert struct.unpack_from(">II", encoded, 8) == (archive, 0)


def test_every_supported_record_type_has_a_case() -> None:
    assert {case[0] for case in ALL_CASES} == SUPPORTED_RECORD_TYPES


class TestEncoderRules:
    def test_missing_fields_encode_as_zero_or_empty(self) -> None:
        assert encode_record_data(123, {}) == bytes(8)
        assert encode_record_data(115, {}) == blk(14, bytes(16) + sblock(""))

    def test_length_fields_are_computed_not_taken_from_the_mapping(self) -> None:
        assert encode_record_data(123, {"id": 1, "nameLength": 99, "name": "ftd-1"}) == (
            struct.pack(">II", 1, 5) + b"ftd-1"
        )

    def test_unknown_field_is_a_local_error_naming_it(self) -> None:
        with pytest.raises(LocalProtocolError) as info:
            encode_record_data(123, {"id": 1, "nmae": "x"})
        assert "record 123 (MANAGED_DEVICE): cannot encode field 'nmae'" in str(info.value)

    def test_unknown_field_in_a_list_item_names_its_path(self) -> None:
        fields = {"serverInformation": [{"applicationId": 1, "colour": "red"}]}
        with pytest.raises(LocalProtocolError, match=r"field 'serverInformation\[0\]\.colour'"):
            encode_record_data(11, fields)

    @pytest.mark.parametrize(
        ("record_type", "fields", "field"),
        [
            (123, {"id": -1}, "id"),
            (123, {"id": 2**32}, "id"),
            (400, {"sourceIpAddress": "999.1.1.1"}, "sourceIpAddress"),
            (400, {"intrusionPolicyUuid": "not-a-uuid"}, "intrusionPolicyUuid"),
            (400, {"securityContext": "abcd"}, "securityContext"),
            (71, {"macAddress": "00:11"}, "macAddress"),
            (71, {"clientUrl": 5}, "clientUrl"),
            (2, {"packetData": "text"}, "packetData"),
            (4, {"name": "x" * 70000}, "nameLength"),
            (11, {"serverInformation": "x"}, "serverInformation"),
        ],
    )
    def test_bad_value_is_a_local_error_naming_the_field(
        self, record_type: int, fields: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(LocalProtocolError) as info:
            encode_record_data(record_type, fields)
        assert f"cannot encode field {field!r}" in str(info.value)

    def test_block_type_selects_the_layout(self) -> None:
        short = encode_record_data(400, {"blockType": 41, "deviceId": 2})
        assert len(short) == 222
        assert struct.unpack_from(">II", short) == (41, 222)
        assert len(encode_record_data(400, {"deviceId": 2})) == 282

    def test_block_type_outside_the_choices_is_rejected(self) -> None:
        with pytest.raises(LocalProtocolError, match="'blockType': 34 is not one of 60, 41"):
            encode_record_data(400, {"blockType": 34})

    def test_record_700_needs_an_explicit_block_type(self) -> None:
        with pytest.raises(LocalProtocolError, match="undocumented; pass fields\\['blockType'\\]"):
            encode_record_data(700, {"uuid": "61626364-6566-6768-6970-717273747576"})

    def test_record_62_without_block_type_uses_the_raw_form(self) -> None:
        assert encode_record_data(62, {"id": 12, "name": "bob"}) == struct.pack(">I", 12) + b"bob"
        assert encode_record_data(62, {"blockType": 57, "id": 12, "name": "bob"}) == blk(
            57, struct.pack(">II", 12, 0) + sblock("bob")
        )

    def test_raw_bytes_are_accepted_for_addresses_and_uuids(self) -> None:
        by_text = encode_record_data(
            400,
            {"sourceIpAddress": "192.0.2.10", "intrusionPolicyUuid": "00112233-4455-6677-8899-aabbccddeeff"},
        )
        by_bytes = encode_record_data(
            400,
            {
                "sourceIpAddress": bytes(10) + b"\xff\xff\xc0\x00\x02\x0a",
                "intrusionPolicyUuid": bytes.fromhex("00112233445566778899aabbccddeeff"),
            },
        )
        assert by_text == by_bytes

    def test_ipv6_text_forms(self) -> None:
        for text in ("2001:db8::1", "::", "192.0.2.10", "fe80::250:56ff:fea1:b2c3"):
            data = encode_record_data(400, {"sourceIpAddress": text})
            assert decode_record(400, data).fields["sourceIpAddress"] == text

    def test_ipv6_address_is_written_only_when_has_ipv6_is_set(self) -> None:
        without = encode_record_data(29, {"ipv6Address": "10.0.0.5"})
        with_flag = encode_record_data(29, {"hasIpv6": 1, "ipv6Address": "10.0.0.5"})
        assert len(without) == 40 + 16
        assert len(with_flag) == 40 + 16 + 16

    def test_series_2_blob_block_uses_type_1_and_series_1_list_uses_type_11(self) -> None:
        extra = encode_record_data(110, {"blob": b"ab"})
        assert extra[24:32] == struct.pack(">II", 1, 10)
        host = encode_record_data(11, {"serverInformation": []})
        assert host[40 + 18 : 40 + 26] == struct.pack(">II", 11, 8)

    def test_unsupported_record_type_cannot_be_encoded(self) -> None:
        with pytest.raises(LocalProtocolError, match="record type 9999 has no layout"):
            encode_record_data(9999, {})


class TestMessageEncoders:
    def test_encode_message_and_event_data(self) -> None:
        assert encode_message(0, b"") == bytes.fromhex("0001000000000000")
        assert encode_event_data(b"\x01\x02") == bytes.fromhex("00010004000000020102")

    def test_bundle_with_guide_style_inner_word(self) -> None:
        bundle = encode_bundle(7, 9, [b"\xaa" * 8], inner_type=0x00010004)
        assert bundle == bytes.fromhex("00010fa200000018" "00000007" "00000009" "00010004" "00000008") + b"\xaa" * 8

    def test_bundle_rejects_other_inner_words(self) -> None:
        with pytest.raises(LocalProtocolError, match="inner_type must be"):
            encode_bundle(1, 1, [], inner_type=5)

    def test_streaming_information_with_other_services(self) -> None:
        assert encode_streaming_information([6667]) == bytes.fromhex(
            "00010803000000100000 1a0b000000080000000000000000".replace(" ", "")
        )

    @pytest.mark.parametrize(
        "call",
        [
            lambda: encode_message(70000, b""),
            lambda: encode_bundle(-1, 1, []),
            lambda: encode_streaming_information([2**32]),
            lambda: encode_record(123, {}, -5),
        ],
    )
    def test_out_of_range_numbers_are_local_errors(self, call: Any) -> None:
        with pytest.raises(LocalProtocolError):
            call()
