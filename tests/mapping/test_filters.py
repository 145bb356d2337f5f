"""The mapping filters: exact results, including every input of the severity rules."""

from __future__ import annotations

import pytest
from jinja2 import StrictUndefined, UndefinedError

from cef_connector.mapping import filters
from cef_connector.mapping.samples import SAMPLE_HTTP_REQUEST, sample_packet_frame

UNDEFINED = StrictUndefined(name="missingField")


@pytest.mark.parametrize(
    ("seconds", "micro", "expected"),
    [(1590497212, 0, 1590497212000), (1590497212, 345678, 1590497212345), (1590497212, 999999, 1590497212999),
     (0, 0, 0), (1, 999, 1000)],
)
def test_cef_time_is_seconds_times_1000_plus_microseconds_div_1000(seconds: int, micro: int, expected: int) -> None:
    assert filters.cef_time(seconds, micro) == expected


@pytest.mark.parametrize("bad", ["1590497212", 1.5, True, None])
def test_cef_time_rejects_non_integers(bad: object) -> None:
    with pytest.raises(TypeError, match="cef_time"):
        filters.cef_time(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("address", "v4", "v6"),
    [
        ("10.0.0.5", "10.0.0.5", None),
        ("::ffff:10.0.0.5", "10.0.0.5", None),
        ("::", None, None),
        ("2001:db8::1", None, "2001:db8::1"),
        ("2001:0db8:0000::0001", None, "2001:db8::1"),
        ("fe80::1%eth0", None, None),
        ("256.1.1.1", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_ipv4_and_ipv6_split_addresses(address: object, v4: str | None, v6: str | None) -> None:
    assert filters.ipv4(address) == v4
    assert filters.ipv6(address) == v6


@pytest.mark.parametrize(("number", "name"), [(6, "TCP"), (17, "UDP"), (1, "ICMP"), (58, "IPv6-ICMP"),
                                                (0, "HOPOPT"), (253, "253"), (None, None)])
def test_proto_name_gives_iana_keyword_or_the_number(number: object, name: str | None) -> None:
    assert filters.proto_name(number) == name


def test_hex_renders_bytes_and_caps_length() -> None:
    assert filters.hex_text(b"\x00\xffA") == "00ff41"
    assert filters.hex_text(b"\x00\xffA", 2) == "00ff"
    assert filters.hex_text("abcdef", 2) == "abcd"
    assert filters.hex_text(None) is None


@pytest.mark.parametrize(("value", "expected"), [(0, None), ("", None), (None, None),
                                                  ("00000000-0000-0000-0000-000000000000", None),
                                                  (5, 5), ("6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01",
                                                           "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01")])
def test_nonzero_drops_none_ids(value: object, expected: object) -> None:
    assert filters.nonzero(value) == expected


@pytest.mark.parametrize(
    ("flags", "level"),
    [(0x00, 0), (0x01, 4), (0x02, 3), (0x03, 3), (0x04, 0), (0x06, 2), (0x07, 2),
     (0x08, 1), (0x10, 1), (0x40, 1), (0x80, 1), (0x20, 0), (0xFF, 1)],
)
def test_impact_level_follows_encore_flag_rule(flags: int, level: int) -> None:
    assert filters.impact_level(flags) == level


MATRIX = {1: [10, 9, 7, 8, 9], 2: [7, 6, 4, 5, 6], 3: [3, 2, 0, 1, 2]}


@pytest.mark.parametrize("priority", [0, 1, 2, 3, 4, 255])
@pytest.mark.parametrize("impact", [0, 1, 2, 3, 4, 5, 6])
def test_severity_matrix_is_defined_for_every_input(priority: int, impact: int) -> None:
    expected = MATRIX[priority][impact - 1] if priority in MATRIX and 1 <= impact <= 5 else 5
    assert filters.severity_matrix(priority, impact) == expected


@pytest.mark.parametrize("odd", [None, "1", 1.0, True])
def test_severity_matrix_outside_the_table_is_5(odd: object) -> None:
    assert filters.severity_matrix(odd, 1) == 5
    assert filters.severity_matrix(1, odd) == 5


@pytest.mark.parametrize(("code", "text"), [(0, "Alerted"), (1, "Blocked"), (2, "Would Be Blocked"), (3, "3"),
                                             (None, None)])
def test_blocked_action_names_codes(code: object, text: str | None) -> None:
    assert filters.blocked_action(code) == text


def test_packet_text_drops_non_ascii_and_keeps_controls() -> None:
    assert filters.packet_text("aä\r\n\x01b".encode()) == "a\r\n\x01b"
    assert filters.packet_text(b"abcdef", 3) == "abc"


def test_payload_filter_extracts_transport_payload() -> None:
    assert filters.payload(sample_packet_frame(), 1) == SAMPLE_HTTP_REQUEST


@pytest.mark.parametrize(
    "call",
    [lambda: filters.cef_time(UNDEFINED), lambda: filters.ipv4(UNDEFINED), lambda: filters.ipv6(UNDEFINED),
     lambda: filters.proto_name(UNDEFINED), lambda: filters.nonzero(UNDEFINED),
     lambda: filters.severity_matrix(UNDEFINED, 1), lambda: filters.impact_level(UNDEFINED),
     lambda: filters.blocked_action(UNDEFINED), lambda: filters.hex_text(UNDEFINED),
     lambda: filters.packet_text(UNDEFINED), lambda: filters.payload(UNDEFINED, 1)],
)
def test_undefined_input_raises_undefined_error(call: object) -> None:
    with pytest.raises(UndefinedError, match="missingField"):
        call()  # type: ignore[operator]
