"""Every metadata record type of protocol doc §5.1/§6: hand-built bytes decode to the doc's
fields, the encoder gives those bytes back, and the §6.3 / §9.2 #7 choices hold."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from cef_connector.errors import LocalProtocolError, RemoteProtocolError
from cef_connector.estreamer import (
    NEED_DATA,
    START_GENESIS,
    Connection,
    Record,
    RequestFlag,
    SUPPORTED_RECORD_TYPES,
    decode_record,
    encode_record,
    encode_record_data,
)
from cef_connector.estreamer.constants import METADATA_RECORD_TYPES
from cef_connector.estreamer.metadata_layouts import METADATA_RECORD_LAYOUTS
from cef_connector.metadata.cache import TABLE_SPECS

from .metadata_catalogue_cases import CATALOGUE_METADATA_CASES
from .wirebuild import blk, event_data, sblock, uid

#: The "metadata" rows of §5.1, written out from the doc (not from our constants).
DOC_METADATA_TYPES = frozenset({
    4, 54, 55, 57, 58, 59, 60, 61, 62, 63, 66, 67, 69, 70, 90, 91, 96, 98, 106, 109, 111,
    115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 127, 128, 129, 130, 131, 132, 140,
    145, 146, 147, 161, 260, 270, 280, 281, 282, 300, 301, 302, 320, 321, 322, 350, 510,
    511, 515, 516, 517, 518, 519, 520, 530, 600, 601, 602, 604, 605, 606, 607, 608, 613,
    614, 700,
})  # fmt: skip

CASES = CATALOGUE_METADATA_CASES
IDS = [f"record{case[0]}-{index}" for index, case in enumerate(CASES)]
ARCHIVE_FLAGS = RequestFlag.METADATA_V4 | RequestFlag.ARCHIVE_TIMESTAMPS


class TestCatalogueCoverage:
    def test_every_metadata_record_of_the_catalogue_has_a_layout(self) -> None:
        assert set(METADATA_RECORD_LAYOUTS) == DOC_METADATA_TYPES
        assert DOC_METADATA_TYPES <= SUPPORTED_RECORD_TYPES

    def test_the_metadata_kind_is_exactly_the_catalogues(self) -> None:
        assert METADATA_RECORD_TYPES == DOC_METADATA_TYPES

    def test_every_metadata_record_type_has_a_hand_built_case(self) -> None:
        assert {case[0] for case in CASES} == DOC_METADATA_TYPES


@pytest.mark.parametrize(("record_type", "data", "fields"), CASES, ids=IDS)
def test_hand_built_bytes_decode_to_every_doc_field(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    record = decode_record(record_type, data, offset=40)
    assert record.fields == fields
    assert record.is_metadata is True
    assert (record.record_type, record.archive_timestamp, record.offset) == (record_type, None, 40)


@pytest.mark.parametrize(("record_type", "data", "fields"), CASES, ids=IDS)
def test_metadata_record_through_the_connection_with_a_16_byte_header(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    connection = Connection(START_GENESIS, ARCHIVE_FLAGS)
    connection.initiate()
    connection.receive_data(event_data(record_type, data, archive=0))
    events = []
    while (event := connection.next_event()) is not NEED_DATA:
        events.append(event)
    assert events[0] == Record(record_type, 0, fields, 0, True)


@pytest.mark.parametrize(("record_type", "data", "fields"), CASES, ids=IDS)
def test_doc_fields_encode_to_the_hand_built_bytes(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    assert encode_record_data(record_type, fields) == data


@pytest.mark.parametrize(("record_type", "data", "fields"), CASES, ids=IDS)
@pytest.mark.parametrize("archive", [None, 0])
def test_encode_then_decode_round_trips(
    record_type: int, data: bytes, fields: dict[str, Any], archive: int | None
) -> None:
    encoded = encode_record(record_type, fields, archive)
    header = 8 if archive is None else 16
    assert struct.unpack_from(">II", encoded) == (record_type, len(encoded) - header)
    assert decode_record(record_type, encoded[header:], archive).fields == fields


# Record 62 accepts any data of 4 bytes or more (its fallback is id + raw name, §6.3).
_STRICT = [(c, i) for c, i in zip(CASES, IDS) if c[0] != 62]


@pytest.mark.parametrize(
    ("record_type", "data", "fields"), [c for c, _ in _STRICT], ids=[i for _, i in _STRICT]
)
def test_record_missing_its_last_byte_is_a_remote_error_naming_the_record(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    with pytest.raises(RemoteProtocolError, match=rf"^record {record_type} \(") as info:
        decode_record(record_type, data[:-1], offset=96)
    assert info.value.offset == 96


# The metadata cache stores the records §6.1 names a key for (57 and 106 have none).
_CACHED = [(c, i) for c, i in zip(CASES, IDS) if c[0] in TABLE_SPECS]


@pytest.mark.parametrize(
    ("record_type", "data", "fields"), [c for c, _ in _CACHED], ids=[i for _, i in _CACHED]
)
def test_decoded_fields_hold_what_the_metadata_cache_keys_on(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    spec = TABLE_SPECS[record_type]
    decoded = decode_record(record_type, data).fields
    assert set(spec.key_fields) | set(spec.value_fields) <= decoded.keys()


class TestDocChoices:
    def test_98_name_loses_its_trailing_nul(self) -> None:
        data = blk(57, struct.pack(">II", 7, 710) + sblock(b"dave\x00"))
        assert decode_record(98, data).fields == {
            "blockType": 57, "id": 7, "protocol": 710, "name": "dave"
        }

    def test_idlen_name_nul_padding_is_dropped(self) -> None:
        data = struct.pack(">II", 3, 8) + b"Scan\x00\x00\x00\x00"
        assert decode_record(61, data).fields == {"id": 3, "nameLength": 8, "name": "Scan"}

    def test_62_with_a_block_shorter_than_the_record_is_id_and_raw_name(self) -> None:
        data = blk(57, struct.pack(">II", 12, 5)) + b"xy"
        # id = the block type word; name = the rest, NULs removed (§4.5)
        assert decode_record(62, data).fields == {"id": 57, "name": "\x10\x0c\x05xy"}

    def test_350_netmap_domain_is_idlen_keyed_by_id(self) -> None:
        data = struct.pack(">II", 0, 6) + b"Global"
        assert decode_record(350, data).fields == {"id": 0, "nameLength": 6, "name": "Global"}

    @pytest.mark.parametrize("record_type", [132, 282, 600])
    def test_uuid_string_record_whose_uuid_looks_like_a_block_type_is_still_bare(
        self, record_type: int
    ) -> None:
        # bytes 0-3 = 0x0000000e (block 14) but bytes 4-7 are not the record length
        data = uid("0000000e0000000100000000000000aa") + sblock("bare")
        assert decode_record(record_type, data).fields == {
            "uuid": "0000000e-0000-0001-0000-0000000000aa", "name": "bare"
        }

    @pytest.mark.parametrize("record_type", [132, 282, 600, 601])
    def test_bare_form_is_encoded_without_block_type(self, record_type: int) -> None:
        fields = {"name": "n"}
        head = bytes(16) if record_type != 601 else bytes(20)
        assert encode_record_data(record_type, fields) == head + sblock("n")

    @pytest.mark.parametrize("record_type", [530, 700])
    def test_encoding_hdr_uuid_str_needs_the_undocumented_block_type(
        self, record_type: int
    ) -> None:
        with pytest.raises(LocalProtocolError, match="blockType"):
            encode_record_data(record_type, {"uuid": bytes(16), "name": "x"})

    def test_icmp_type_reads_type_before_protocol(self) -> None:
        data = blk(19, struct.pack(">HH", 0, 58) + sblock("Echo Reply"))
        fields = decode_record(260, data).fields
        assert (fields["type"], fields["protocol"]) == (0, 58)

    def test_block_of_another_type_is_not_decoded_as_the_metadata_block(self) -> None:
        data = blk(15, uid("00112233445566778899aabbccddeeff") + sblock("inside"))
        with pytest.raises(RemoteProtocolError, match=r"^record 115 \("):
            decode_record(115, data)
