"""Behaviour of cef.encode: CEF doc §1.4 vectors T01–T16 and the §6 emitter checklist."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.cef import CefEvent, encode
from cef_connector.cef.dictionary import CONSUMER_KEYS, PRODUCER_KEYS
from cef_connector.errors import MappingError

from .cef_parser import CefParseError, parse_cef


def event(*extensions: tuple[str, object], name: str = "Test event", severity: object = 5,
          signature_id: str = "TEST:1", custom_keys: frozenset[str] = frozenset(),
          vendor: str = "Cisco", product: str = "Firepower", version: str = "7.2.5") -> CefEvent:
    return CefEvent(vendor, product, version, signature_id, name, severity,  # type: ignore[arg-type]
                    tuple(extensions), custom_keys)  # type: ignore[arg-type]


def extension_text(line: str) -> str:
    """The raw extension part (after the seventh unescaped pipe)."""
    parsed_header_end = line.index("|5|") + 3
    return line[parsed_header_end:]


# --- CEF doc §1.5 test vectors, verbatim (JSON form) ------------------------------

VECTORS_JSON = r"""
{"id": "T01", "where": "ext", "key": "request", "input": "http://ex.com/p?x=1 a=b", "expected": "http://ex.com/p?x\\=1 a\\=b"}
{"id": "T02", "where": "ext", "key": "requestClientApplication", "input": "Mozilla/5.0\nX-Evil: 1", "expected": "Mozilla/5.0\\nX-Evil: 1"}
{"id": "T03", "where": "ext", "key": "requestClientApplication", "input": "a\r\nb", "expected": "a\\r\\nb"}
{"id": "T04", "where": "hdr", "key": "name", "input": "SERVER-WEBAPP cmd.exe | pipe", "expected": "SERVER-WEBAPP cmd.exe \\| pipe"}
{"id": "T05", "where": "ext", "key": "msg", "input": "SERVER-WEBAPP cmd.exe | pipe", "expected": "SERVER-WEBAPP cmd.exe | pipe"}
{"id": "T06", "where": "ext", "key": "filePath", "input": "C:\\Windows\\System32\\cmd.exe", "expected": "C:\\\\Windows\\\\System32\\\\cmd.exe"}
{"id": "T07", "where": "ext", "key": "filePath", "input": "C:\\new\\report.txt", "expected": "C:\\\\new\\\\report.txt"}
{"id": "T08", "where": "ext", "key": "filePath", "input": "C:\\temp\\", "expected": "C:\\\\temp\\\\"}
{"id": "T09", "where": "ext", "key": "msg", "input": "a\\nb", "expected": "a\\\\nb"}
{"id": "T10", "where": "ext", "key": "fname", "input": "Überwachung_日本語_😀.pdf", "expected": "Überwachung_日本語_😀.pdf"}
{"id": "T11", "where": "ext", "key": "cs1", "input": "=cmd", "expected": "\\=cmd"}
{"id": "T12", "where": "ext", "key": "msg", "input": "say \"hi\" [x]", "expected": "say \"hi\" [x]"}
{"id": "T13", "where": "hdr", "key": "name", "input": "C:\\temp", "expected": "C:\\\\temp"}
{"id": "T14", "where": "hdr", "key": "name", "input": "a=b", "expected": "a=b"}
{"id": "T15", "where": "hdr", "key": "name", "input": "line1\nline2", "expected": "line1 line2"}
{"id": "T16", "where": "ext", "key": "request", "input": "x\\=y", "expected": "x\\\\\\=y"}
"""
VECTORS = [json.loads(line) for line in VECTORS_JSON.strip().splitlines()]
EXT_VECTORS = [v for v in VECTORS if v["where"] == "ext"]
HDR_VECTORS = [v for v in VECTORS if v["where"] == "hdr"]


def _vector_event(vector: dict[str, str]) -> CefEvent:
    if vector["where"] == "hdr":
        return event(("msg", "x"), name=vector["input"])
    pairs: list[tuple[str, object]] = [(vector["key"], vector["input"])]
    if vector["key"] == "cs1":
        pairs.append(("cs1Label", "Label"))
    return event(*pairs)


@pytest.mark.parametrize("vector", EXT_VECTORS, ids=[v["id"] for v in EXT_VECTORS])
def test_extension_vector_is_written_exactly(vector: dict[str, str]) -> None:
    line = encode(_vector_event(vector))
    expected = vector["key"] + "=" + vector["expected"]
    if vector["key"] == "cs1":
        expected += " cs1Label=Label"
    assert extension_text(line) == expected


@pytest.mark.parametrize("vector", HDR_VECTORS, ids=[v["id"] for v in HDR_VECTORS])
def test_header_vector_is_written_exactly(vector: dict[str, str]) -> None:
    line = encode(_vector_event(vector))
    assert line == f"CEF:0|Cisco|Firepower|7.2.5|TEST:1|{vector['expected']}|5|msg=x"


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector_parses_back_to_its_input(vector: dict[str, str]) -> None:
    parsed = parse_cef(encode(_vector_event(vector)))
    if vector["where"] == "hdr":
        # T15: LF cannot be represented in a header; it becomes a space.
        assert parsed.name == vector["input"].replace("\n", " ")
    else:
        assert parsed.extension_dict()[vector["key"]] == vector["input"]


def test_complete_line_from_cef_doc_is_reproduced_exactly() -> None:
    line = encode(
        CefEvent(
            "Cisco", "Firepower", "6.6.0", "INTRUSION:400:1:2000", "SERVER-WEBAPP cmd.exe | pipe", 7,
            (
                ("request", "http://ex.com/p?x=1 a=b"),
                ("filePath", "C:\\new\\report.txt"),
                ("msg", "SERVER-WEBAPP cmd.exe | pipe"),
                ("requestClientApplication", "Mozilla/5.0\nX-Evil: 1"),
                ("in", "0"),
            ),
        )
    )
    assert line == (
        "CEF:0|Cisco|Firepower|6.6.0|INTRUSION:400:1:2000|SERVER-WEBAPP cmd.exe \\| pipe|7|"
        "request=http://ex.com/p?x\\=1 a\\=b filePath=C:\\\\new\\\\report.txt "
        "msg=SERVER-WEBAPP cmd.exe | pipe requestClientApplication=Mozilla/5.0\\nX-Evil: 1 in=0"
    )


def test_non_ascii_value_round_trips_byte_exactly() -> None:
    value = "Überwachung_日本語_😀.pdf"
    line = encode(event(("fname", value)))
    assert len(value) == 21 and len(value.encode("utf-8")) == 31
    assert line.encode("utf-8").endswith(b"fname=" + value.encode("utf-8"))


# --- header -------------------------------------------------------------------------

def test_line_starts_with_cef_0_and_empty_extension_keeps_trailing_pipe() -> None:
    assert encode(event()) == "CEF:0|Cisco|Firepower|7.2.5|TEST:1|Test event|5|"


def test_header_pipe_and_backslash_are_escaped_in_every_header_field() -> None:
    line = encode(event(vendor="V|x", product="P\\y", version="1|2", signature_id="S\\|", name="N"))
    assert line == "CEF:0|V\\|x|P\\\\y|1\\|2|S\\\\\\||N|5|"
    parsed = parse_cef(line)
    assert (parsed.device_vendor, parsed.device_product, parsed.device_version, parsed.signature_id) == (
        "V|x", "P\\y", "1|2", "S\\|")


def test_header_control_characters_become_spaces() -> None:
    line = encode(event(name="a\r\nb\tc\x00d\x7fe"))
    assert "|a  b c d e|" in line


@pytest.mark.parametrize(
    ("field", "limit"),
    [("vendor", 63), ("product", 63), ("version", 31), ("signature_id", 1023), ("name", 512)],
)
def test_header_fields_are_truncated_to_their_limit(field: str, limit: int) -> None:
    parsed = parse_cef(encode(event(**{field: "é" * (limit + 50)})))
    values = {"vendor": parsed.device_vendor, "product": parsed.device_product,
              "version": parsed.device_version, "signature_id": parsed.signature_id, "name": parsed.name}
    assert values[field] == "é" * limit


def test_header_truncation_happens_before_escaping() -> None:
    parsed = parse_cef(encode(event(name="|" * 600)))
    assert parsed.name == "|" * 512


@pytest.mark.parametrize("field", ["vendor", "product", "version", "signature_id", "name"])
def test_empty_header_field_raises_mapping_error(field: str) -> None:
    with pytest.raises(MappingError, match="empty"):
        encode(event(**{field: ""}))


@pytest.mark.parametrize("field", ["vendor", "name"])
@pytest.mark.parametrize("value", [None, 6, ["x"]])
def test_non_text_header_field_raises_mapping_error(field: str, value: object) -> None:
    with pytest.raises(MappingError, match="must be text"):
        encode(event(**{field: value}))  # type: ignore[arg-type]


# --- severity -------------------------------------------------------------------------

@pytest.mark.parametrize("severity", [0, 3, 10])
def test_integer_severity_in_range_is_written(severity: int) -> None:
    assert f"|{severity}|" in encode(event(severity=severity))


@pytest.mark.parametrize("severity", [-1, 11, 7.5, 0.0, True, "7", None])
def test_invalid_severity_raises_mapping_error(severity: object) -> None:
    with pytest.raises(MappingError, match="severity"):
        encode(event(severity=severity))


# --- values: zero, empty, trimming, controls ---------------------------------------

def test_zero_is_emitted() -> None:
    line = encode(event(("in", "0"), ("spt", "0"), ("fsize", 0), ("cn1", "0"), ("cn1Label", "VLAN ID")))
    assert extension_text(line) == "in=0 spt=0 fsize=0 cn1=0 cn1Label=VLAN ID"


def test_none_and_empty_values_are_omitted() -> None:
    line = encode(event(("msg", None), ("act", ""), ("app", "HTTP"), ("suser", "   ")))
    assert extension_text(line) == "app=HTTP"


def test_leading_and_trailing_spaces_are_trimmed() -> None:
    assert extension_text(encode(event(("msg", "  hello world \t")))) == "msg=hello world"


def test_c0_controls_and_del_become_spaces_but_cr_lf_are_escaped() -> None:
    line = encode(event(("msg", "a\x00b\x01c\tb\x1fd\x7fe\rf\ng")))
    assert extension_text(line) == "msg=a b c b d e\\rf\\ng"
    assert not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in line)


def test_lone_surrogate_becomes_replacement_character() -> None:
    line = encode(event(("msg", "a\ud800b"), name="x\udfffy"))
    assert "msg=a\ufffdb" in line and "|x\ufffdy|" in line
    line.encode("utf-8")  # valid UTF-8


def test_pipe_quotes_and_brackets_are_not_escaped_in_values() -> None:
    assert extension_text(encode(event(("msg", "a|b \"c\" [d] 'e' ,;")))) == "msg=a|b \"c\" [d] 'e' ,;"


def test_typed_value_with_surrounding_spaces_is_trimmed_and_validated() -> None:
    assert extension_text(encode(event(("dpt", " 443 "), ("src", "\t10.0.0.1"), ("spt", "   ")))) == (
        "dpt=443 src=10.0.0.1")


def test_custom_field_emptied_by_trimming_drops_its_label_and_keeps_the_rest() -> None:
    line = encode(event(("cs1", " \t "), ("cs1Label", "A"), ("msg", "x=y"), ("cs2", "v"), ("cs2Label", "B")))
    assert extension_text(line) == "msg=x\\=y cs2=v cs2Label=B"


def test_integer_values_are_written_in_decimal() -> None:
    assert extension_text(encode(event(("dpt", 443), ("in", 12)))) == "dpt=443 in=12"


@pytest.mark.parametrize("value", [True, 1.5, b"x", ["a"]])
def test_non_text_value_raises_mapping_error(value: object) -> None:
    with pytest.raises(MappingError, match="mappings must produce text"):
        encode(event(("msg", value)))


def test_output_is_deterministic_and_keeps_extension_order() -> None:
    ev = event(("suser", "bob"), ("act", "Allow"), ("app", "HTTP"))
    assert encode(ev) == encode(ev)
    assert extension_text(encode(ev)) == "suser=bob act=Allow app=HTTP"


# --- truncation ----------------------------------------------------------------------

def test_5000_character_cs1_is_truncated_to_4000() -> None:
    parsed = parse_cef(encode(event(("cs1", "x" * 5000), ("cs1Label", "Payload"))))
    assert parsed.extension_dict()["cs1"] == "x" * 4000


def test_truncation_keeps_a_multibyte_character_at_the_cut_whole() -> None:
    value = "a" * 3999 + "😀" + "b" * 1000
    parsed = parse_cef(encode(event(("cs1", value), ("cs1Label", "Payload"))))
    assert parsed.extension_dict()["cs1"] == "a" * 3999 + "😀"


def test_truncation_happens_before_escaping() -> None:
    line = encode(event(("act", "=" * 100)))
    assert extension_text(line) == "act=" + "\\=" * 63
    assert parse_cef(line).extension_dict()["act"] == "=" * 63


def test_truncation_never_leaves_a_trailing_space() -> None:
    parsed = parse_cef(encode(event(("act", "a" * 62 + " b"))))
    assert parsed.extension_dict()["act"] == "a" * 62


def test_custom_key_values_are_capped_at_1023_characters() -> None:
    ev = event(("bytesIn", "7" * 2000), custom_keys=frozenset({"bytesIn"}))
    assert parse_cef(encode(ev)).extension_dict()["bytesIn"] == "7" * 1023


# --- keys ----------------------------------------------------------------------------

def test_unknown_key_raises_mapping_error_with_suggestion() -> None:
    with pytest.raises(MappingError, match=r"'prto'.*did you mean 'proto'"):
        encode(event(("prto", "TCP")))


@pytest.mark.parametrize("key", sorted(CONSUMER_KEYS))
def test_consumer_key_raises_mapping_error(key: str) -> None:
    with pytest.raises(MappingError, match="reserved for the ArcSight consumer"):
        encode(event((key, "1"), custom_keys=frozenset({key})))


@pytest.mark.parametrize("key", ["bad key", "a=b", "", "ké", "x-y", 5])
def test_key_that_is_not_one_alphanumeric_word_raises_mapping_error(key: str) -> None:
    with pytest.raises(MappingError, match="alphanumeric"):
        encode(event((key, "1"), custom_keys=frozenset({key})))


def test_repeated_key_raises_mapping_error() -> None:
    with pytest.raises(MappingError, match="twice"):
        encode(event(("act", "Allow"), ("act", "")))


def test_declared_custom_key_is_emitted() -> None:
    ev = event(("bytesIn", "0"), ("bytesOut", "820"), custom_keys=frozenset({"bytesIn", "bytesOut"}))
    assert extension_text(encode(ev)) == "bytesIn=0 bytesOut=820"


def test_undeclared_custom_key_raises_mapping_error() -> None:
    with pytest.raises(MappingError, match="custom_keys"):
        encode(event(("bytesIn", "0")))


def test_no_consumer_key_is_a_producer_key() -> None:
    assert not CONSUMER_KEYS & set(PRODUCER_KEYS)


# --- labels ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "value"),
    [("cs3", "x"), ("cn2", "5"), ("cfp1", "1.5"), ("c6a2", "2001:db8::1"),
     ("deviceCustomDate1", "1590497212000"), ("flexString1", "x"), ("flexDate1", "1590497212000")],
)
def test_custom_field_without_label_raises_mapping_error(key: str, value: str) -> None:
    with pytest.raises(MappingError, match=f"has no {key}Label"):
        encode(event((key, value)))


def test_label_without_value_is_dropped() -> None:
    line = encode(event(("cs1", ""), ("cs1Label", "Policy"), ("cs2Label", "Rule"), ("act", "Allow")))
    assert extension_text(line) == "act=Allow"


def test_label_is_kept_with_its_value() -> None:
    line = encode(event(("c6a2", "2001:db8::1"), ("c6a2Label", "Source IPv6 Address")))
    assert extension_text(line) == "c6a2=2001:db8::1 c6a2Label=Source IPv6 Address"


# --- typed values -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "value"),
    [("spt", "0"), ("dpt", "65535"), ("src", "10.0.0.5"), ("dst", "255.255.255.255"),
     ("rt", "1590497212123"), ("rt", "May 26 2020 12:46:52.123 UTC"), ("end", "May 26 12:46:52"),
     ("smac", "00:50:56:A1:b2:c3"), ("deviceDirection", "1"), ("cn1", "-5"), ("in", "18446744073709551615")],
)
def test_valid_typed_value_is_emitted(key: str, value: str) -> None:
    pairs = [(key, value)] + ([(key + "Label", "L")] if key == "cn1" else [])
    assert parse_cef(encode(event(*pairs))).extension_dict()[key] == value


@pytest.mark.parametrize(
    ("key", "value"),
    [("spt", "65536"), ("dpt", "-1"), ("dpt", "http"), ("src", "2001:db8::1"), ("src", "10.0.0.256"),
     ("dst", "None"), ("rt", "1590497212.5"), ("start", "2020-05-26T12:46:52Z"), ("smac", "0050.56a1.b2c3"),
     ("deviceDirection", "2"), ("in", "1e3"), ("fsize", "²")],
)
def test_invalid_typed_value_raises_mapping_error(key: str, value: str) -> None:
    with pytest.raises(MappingError, match=f"'{key}'.*must be"):
        encode(event((key, value)))


@pytest.mark.parametrize("value", ["::", "10.0.0.1", "fe80::1%eth0", "not-an-ip"])
def test_invalid_ipv6_custom_address_raises_mapping_error(value: str) -> None:
    with pytest.raises(MappingError, match="IPv6"):
        encode(event(("c6a3", value), ("c6a3Label", "Destination IPv6 Address")))


# --- properties -----------------------------------------------------------------------

_SPECIAL = st.sampled_from(["\\", "\\\\", "=", "|", "\r", "\n", "\r\n", " ", "\t", "\x00", "\x7f",
                            "\\n", "\\=", "a=b", " x=", "é", "日本", "😀", "\U0010fffd"])
_TEXT = st.lists(st.one_of(_SPECIAL, st.text(max_size=8)), max_size=12).map("".join)


def _expected_value(value: str, max_length: int) -> str:
    value = "".join(" " if (ord(c) < 0x20 and c not in "\r\n") or c == "\x7f" else c for c in value)
    value = value.strip(" ")
    return value[:max_length].rstrip(" ")


def _expected_header(value: str, max_length: int) -> str:
    return "".join(" " if ord(c) < 0x20 or c == "\x7f" else c for c in value)[:max_length]


@settings(max_examples=150, deadline=None)
@given(name=_TEXT.filter(bool), signature_id=_TEXT.filter(bool), vendor=_TEXT.filter(bool),
       msg=_TEXT, request=_TEXT, cs1=_TEXT, act=_TEXT)
def test_random_values_round_trip_through_strict_parser(
    name: str, signature_id: str, vendor: str, msg: str, request: str, cs1: str, act: str
) -> None:
    line = encode(event(("msg", msg), ("request", request), ("cs1", cs1), ("cs1Label", "Random"),
                        ("act", act), ("in", "0"),
                        name=name, signature_id=signature_id, vendor=vendor))
    assert "\n" not in line and "\r" not in line
    parsed = parse_cef(line)
    assert parsed.name == _expected_header(name, 512)
    assert parsed.signature_id == _expected_header(signature_id, 1023)
    assert parsed.device_vendor == _expected_header(vendor, 63)
    expected = {k: _expected_value(v, limit) for k, v, limit in
                [("msg", msg, 1023), ("request", request, 1023), ("cs1", cs1, 4000), ("act", act, 63)]}
    want = [(k, expected[k]) for k in ("msg", "request", "cs1") if expected[k]]
    if expected["cs1"]:
        want.append(("cs1Label", "Random"))
    if expected["act"]:
        want.append(("act", expected["act"]))
    want.append(("in", "0"))
    assert list(parsed.extensions) == want


@settings(max_examples=60, deadline=None)
@given(value=st.text(alphabet=st.sampled_from(["\\", "=", "n", "r", "\n", "\r", "|", " "]), max_size=40))
def test_backslash_runs_round_trip(value: str) -> None:
    line = encode(event(("msg", value)))
    expected = _expected_value(value, 1023)
    parsed = parse_cef(line).extension_dict()
    assert parsed.get("msg", "") == expected


def test_parser_rejects_unescaped_equals_so_it_is_a_real_oracle() -> None:
    with pytest.raises(CefParseError):
        parse_cef("CEF:0|a|b|c|d|e|5|request=http://x/?a=1")
    with pytest.raises(CefParseError):
        parse_cef("CEF:0|a|b|c|d|e|5|msg=a\\|b")
