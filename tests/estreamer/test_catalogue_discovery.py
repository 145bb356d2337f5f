"""Every discovery (RNA), user (RUA) and IOC record decodes from hand-built bytes to the doc's fields.

The cases (discovery_catalogue_cases.py) are built with struct.pack from the protocol
doc's tables, with and without the header's IPv6 address; here they are decoded, encoded
back to the same bytes, round-tripped, and the header event types checked against §4.6.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer import decode_record, encode_record, encode_record_data
from cef_connector.estreamer.discovery_layouts import (
    DISCOVERY_EVENT_TYPE_ONLY,
    DISCOVERY_EVENT_TYPES,
    DISCOVERY_RECORD_LAYOUTS,
    DISCOVERY_SERIES1_BLOCKS,
)
from cef_connector.estreamer.layouts import RECORD_LAYOUTS, SERIES1_BLOCKS

from .discovery_catalogue_cases import (
    DISCOVERY_CASE_IDS,
    DISCOVERY_CASES,
    HOST_V6,
    MAC_A,
    MAC_B,
    SECTION_4_6,
    USER_INPUT,
    V6_A,
    V6_B,
    VPN_LIST,
    header,
    header_fields,
    host_mac,
    host_profile,
    user_information,
    user_login_5,
    user_login_6_2,
)
from .wirebuild import blk


@pytest.mark.parametrize(("record_type", "data", "fields"), DISCOVERY_CASES, ids=DISCOVERY_CASE_IDS)
def test_hand_built_record_decodes_to_every_doc_field(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    record = decode_record(record_type, data, 1591210934, offset=24)
    assert record.fields == fields
    assert record.record_type == record_type
    assert record.is_metadata is False


@pytest.mark.parametrize(("record_type", "data", "fields"), DISCOVERY_CASES, ids=DISCOVERY_CASE_IDS)
def test_decoded_fields_encode_back_to_the_hand_built_bytes(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    assert encode_record_data(record_type, fields) == data


@pytest.mark.parametrize(("record_type", "data", "fields"), DISCOVERY_CASES, ids=DISCOVERY_CASE_IDS)
@pytest.mark.parametrize("archive", [None, 1591210934])
def test_encode_then_decode_round_trips(
    record_type: int, data: bytes, fields: dict[str, Any], archive: int | None
) -> None:
    encoded = encode_record(record_type, fields, archive)
    size = 8 if archive is None else 16
    assert struct.unpack_from(">II", encoded) == (record_type, len(encoded) - size)
    assert decode_record(record_type, encoded[size:], archive).fields == fields


def test_every_discovery_record_type_has_cases_with_and_without_ipv6() -> None:
    with_v6 = {rt for rt, _, fields in DISCOVERY_CASES if fields["hasIpv6"] == 1}
    without_v6 = {rt for rt, _, fields in DISCOVERY_CASES if fields["hasIpv6"] == 0}
    assert with_v6 == without_v6 == set(DISCOVERY_RECORD_LAYOUTS)


def test_catalogue_covers_section_5_1_discovery_user_and_ioc_records() -> None:
    expected = {
        *range(10, 30), 31, 34, 35, 42, 44, 45, 46, 47, 48, 51, 52, 53, *range(74, 90),
        92, 93, 94, 95, 101, 102, 103, 107, 160, 170, 171,
    }  # fmt: skip
    assert set(DISCOVERY_RECORD_LAYOUTS) == expected
    assert expected <= set(RECORD_LAYOUTS)


def test_every_series1_block_of_the_catalogue_is_registered() -> None:
    expected = {
        1, 4, 7, 14, 35, 37, 53, 55, 57, 60, 63, 67, 76, 77, 78, 80, 81, 82, 83, 85, 94, 95,
        103, 108, 109, 112, 117, 120, 122, 123, 124, 127, 130, 131, 134, 138, 139, 141, 142,
        150, 167,
    }  # fmt: skip
    assert set(DISCOVERY_SERIES1_BLOCKS) == expected
    assert all(SERIES1_BLOCKS[number] is DISCOVERY_SERIES1_BLOCKS[number] for number in expected)
    assert all(layout.series == 1 for layout in DISCOVERY_SERIES1_BLOCKS.values())


@pytest.mark.parametrize("record_type", sorted(SECTION_4_6))
def test_event_type_pairing_matches_section_4_6(record_type: int) -> None:
    assert DISCOVERY_EVENT_TYPES[record_type] == SECTION_4_6[record_type]


def test_event_type_table_has_exactly_the_pairs_section_4_6_gives() -> None:
    assert dict(DISCOVERY_EVENT_TYPES) == SECTION_4_6
    assert all(type(key) is int for key in DISCOVERY_EVENT_TYPES)


def test_user_input_records_have_event_type_1002_only() -> None:
    assert dict(DISCOVERY_EVENT_TYPE_ONLY) == {rt: 1002 for rt in USER_INPUT}
    assert not set(DISCOVERY_EVENT_TYPE_ONLY) & set(DISCOVERY_EVENT_TYPES)


class TestFlattening:
    def test_block_95_mac_address_wins_over_the_header_mac(self) -> None:
        body, _ = host_mac(MAC_B, "0a:1b:2c:3d:4e:5f", 1)
        data = header(1001, 13, ipv6=None, mac=MAC_A) + body
        fields = decode_record(27, data).fields
        assert fields["macAddress"] == "0a:1b:2c:3d:4e:5f"
        assert list(fields)[:3] == ["deviceId", "legacyIpAddress", "macAddress"]

    @pytest.mark.parametrize("login", [user_login_5, user_login_6_2])
    def test_login_block_ipv6_address_wins_over_the_header_address(self, login: Any) -> None:
        body, _ = login(V6_B, "2001:db8::ff")
        data = header(1004, 2, ipv6=HOST_V6) + body
        fields = decode_record(95, data).fields
        assert fields["hasIpv6"] == 1
        assert fields["ipv6Address"] == "2001:db8::ff"

    def test_header_only_record_decodes_the_header_and_skips_trailing_bytes(self) -> None:
        data = header(1001, 7, ipv6=HOST_V6)
        assert decode_record(19, data).fields == header_fields(1001, 7, ipv6="10.0.0.5")
        assert decode_record(19, data + b"\x00\x01").fields == header_fields(1001, 7, ipv6="10.0.0.5")


class TestVersionsAndOpaqueParts:
    @pytest.mark.parametrize(("record_type", "block_type"), [(93, 120), (93, 167), (94, 120), (94, 167), (95, 127), (95, 167)])
    def test_user_record_block_is_chosen_by_the_type_on_the_wire(
        self, record_type: int, block_type: int
    ) -> None:
        part = {120: user_information(), 127: user_login_5(V6_A, "2001:db8::1"),
                167: user_login_6_2(V6_A, "2001:db8::1")}[block_type]  # fmt: skip
        fields = decode_record(record_type, header(1004, 1, ipv6=None) + part[0]).fields
        assert fields["blockType"] == block_type
        assert {k: fields[k] for k in part[1]} == part[1]

    def test_v4_block_is_the_encoders_default_for_user_records(self) -> None:
        assert encode_record_data(94, {})[40:48] == struct.pack(">II", 120, 8 + 4 + 8 + 4 + 5 * 8)
        assert encode_record_data(95, {})[40:44] == struct.pack(">I", 127)

    def test_vpn_session_list_is_kept_undecoded_and_absent_list_is_empty(self) -> None:
        body, _ = user_login_6_2(V6_A, "2001:db8::1")
        fields = decode_record(170, header(1004, 9, ipv6=None) + body).fields
        assert fields["vpnSessions"] == VPN_LIST
        body, _ = user_login_6_2(V6_A, "2001:db8::1", vpn=b"")
        assert decode_record(171, header(1004, 9, ipv6=None) + body).fields["vpnSessions"] == b""

    @pytest.mark.parametrize(("record_type", "block_type"), [(18, 53), (53, 53), (46, 55), (47, 55), (48, 55)])
    def test_undocumented_block_body_is_kept_as_bytes(self, record_type: int, block_type: int) -> None:
        body = bytes(range(7))
        fields = decode_record(record_type, header(1001, 2, ipv6=None) + blk(block_type, body)).fields
        assert fields["blockType"] == block_type
        assert fields["data"] == body

    def test_undocumented_block_with_empty_body_is_empty_bytes(self) -> None:
        assert decode_record(18, header(1001, 2, ipv6=None) + blk(53, b"")).fields["data"] == b""

    @pytest.mark.parametrize("record_type", [10, 18, 27, 46, 89, 95, 160])
    def test_unexpected_record_level_block_type_is_a_remote_error(self, record_type: int) -> None:
        with pytest.raises(RemoteProtocolError, match="block type 99"):
            decode_record(record_type, header(1001, 1, ipv6=None) + blk(99, bytes(64)))


class TestMalformed:
    def test_host_profile_cut_short_names_the_list_that_overruns_it(self) -> None:
        body, _ = host_profile()
        data = header(1000, 1, ipv6=None) + body
        cut = data[:-60]
        block_length = len(body) - 60
        cut = cut[:40] + struct.pack(">II", 139, block_length) + cut[48:]
        with pytest.raises(RemoteProtocolError, match="record 10 .*field 'clientApplications"):
            decode_record(10, cut, offset=4000)

    def test_record_13_shorter_than_its_field_names_it(self) -> None:
        with pytest.raises(RemoteProtocolError, match="field 'networkProtocol'"):
            decode_record(13, header(1000, 3, ipv6=None) + b"\x08")

    def test_header_announcing_ipv6_without_the_address_names_it(self) -> None:
        data = header(1001, 7, ipv6=None)
        data = data[:14] + b"\x01" + data[15:]
        with pytest.raises(RemoteProtocolError, match="field 'ipv6Address'"):
            decode_record(19, data)
