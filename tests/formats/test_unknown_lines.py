"""Raw lines for records we cannot decode: JSON, Splunk and CEF, exact."""

from __future__ import annotations

import json

from cef_connector.formats import (
    RAW_CEF_MAX_DATA_BYTES,
    RawRecord,
    raw_cef_line,
    raw_json_line,
    raw_splunk_line,
)

UNKNOWN_TYPE = RawRecord(record_type=9999, version=None, archive_timestamp=1_600_000_000,
                         offset=4096, data=bytes.fromhex("0a0b0c0d"))
UNKNOWN_VERSION = RawRecord(record_type=71, version=170, archive_timestamp=None, offset=512,
                            data=b"\x00\x00\x00\xaa")
HEADER = {"vendor": "Cisco", "product": "Firepower", "version": "7.4.0"}


def test_raw_json_line_of_an_unknown_record_type_is_exact() -> None:
    assert raw_json_line(UNKNOWN_TYPE) == (
        '{"recordType":9999,"version":null,"length":4,"archiveTimestamp":1600000000,'
        '"offset":4096,"data":"0a0b0c0d"}')


def test_raw_json_line_of_an_unknown_block_version_is_exact() -> None:
    assert raw_json_line(UNKNOWN_VERSION) == (
        '{"recordType":71,"version":170,"length":4,"archiveTimestamp":null,"offset":512,'
        '"data":"000000aa"}')


def test_raw_json_line_carries_a_large_record_whole() -> None:
    data = bytes(range(256)) * 40
    raw = RawRecord(record_type=9999, version=None, archive_timestamp=None, offset=0, data=data)

    assert json.loads(raw_json_line(raw))["data"] == data.hex()


def test_raw_splunk_lines_are_exact() -> None:
    assert raw_splunk_line(UNKNOWN_TYPE) == (
        "rec_type=9999 event_sec=1600000000 length=4 offset=4096 data=0a0b0c0d")
    assert raw_splunk_line(UNKNOWN_VERSION) == (
        "rec_type=71 version=170 length=4 offset=512 data=000000aa")
    assert raw_splunk_line(RawRecord(5, None, None, 8, b"")) == (
        'rec_type=5 length=0 offset=8 data=""')


def test_raw_cef_line_of_an_unknown_record_type_is_exact() -> None:
    assert raw_cef_line(UNKNOWN_TYPE, **HEADER) == (
        "CEF:0|Cisco|Firepower|7.4.0|eStreamer:UNKNOWN:9999|Unknown eStreamer record type "
        "9999|5|rt=1600000000000 cn1=4 cn1Label=Record Length cn3=4096 cn3Label=Stream Offset "
        "cs1=0a0b0c0d cs1Label=Record Data Hex", False)


def test_raw_cef_line_of_an_unknown_block_version_is_exact() -> None:
    assert raw_cef_line(UNKNOWN_VERSION, **HEADER) == (
        "CEF:0|Cisco|Firepower|7.4.0|eStreamer:UNKNOWN:71|Unsupported block 170 in eStreamer "
        "record type 71|5|cn1=4 cn1Label=Record Length cn2=170 cn2Label=Block Type cn3=512 "
        "cn3Label=Stream Offset cs1=000000aa cs1Label=Record Data Hex", False)


def test_raw_cef_line_cuts_long_data_and_says_so() -> None:
    data = bytes([0xAB]) * (RAW_CEF_MAX_DATA_BYTES + 1)
    raw = RawRecord(record_type=9999, version=None, archive_timestamp=None, offset=0, data=data)

    line, truncated = raw_cef_line(raw, **HEADER)

    assert truncated is True
    assert line == (
        "CEF:0|Cisco|Firepower|7.4.0|eStreamer:UNKNOWN:9999|Unknown eStreamer record type "
        "9999|5|cn1=2001 cn1Label=Record Length cn3=0 cn3Label=Stream Offset cs1="
        + "ab" * 2000 + " cs1Label=Record Data Hex cs2=first 2000 of 2001 bytes "
        "cs2Label=Record Data Truncated")


def test_raw_cef_line_of_an_empty_record_has_no_data_key() -> None:
    line, truncated = raw_cef_line(RawRecord(5, None, None, 8, b""), **HEADER)

    assert (line, truncated) == (
        "CEF:0|Cisco|Firepower|7.4.0|eStreamer:UNKNOWN:5|Unknown eStreamer record type 5|5|"
        "cn1=0 cn1Label=Record Length cn3=8 cn3Label=Stream Offset", False)
