"""Behaviour of the pure syslog formatting: headers, PRI, framing, UTF-8 cuts (CEF doc §4)."""

from __future__ import annotations

import calendar
import locale
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cef_connector.errors import OutputError
from cef_connector.outputs.syslog_format import (
    SyslogHeader,
    frame_lf,
    frame_octet_counted,
    framer,
    parse_facility,
    parse_severity,
    priority,
    rfc5424_timestamp,
    truncate_utf8,
)

#: 2020-05-06 09:31:39.250 UTC
MAY_6 = 1588757499.25


def rfc3164(**changes: object) -> SyslogHeader:
    values: dict[str, object] = {"style": "rfc3164", "hostname": "collector01",
                                 "local_time": time.gmtime}
    values.update(changes)
    return SyslogHeader(**values)  # type: ignore[arg-type]


def test_rfc3164_header_is_encores_form_with_a_space_padded_day() -> None:
    assert rfc3164().text(MAY_6) == "<13>May  6 09:31:39 collector01 "


@pytest.mark.parametrize("day", range(1, 10))
def test_rfc3164_days_below_ten_are_padded_with_a_space(day: int) -> None:
    stamp = calendar.timegm((2021, 3, day, 1, 2, 3, 0, 0, 0))
    assert rfc3164().text(stamp) == f"<13>Mar  {day} 01:02:03 collector01 "


def test_rfc3164_month_is_english_whatever_the_locale() -> None:
    try:
        previous = locale.setlocale(locale.LC_TIME)
        locale.setlocale(locale.LC_TIME, "de_DE.UTF-8")
    except locale.Error:
        pytest.skip("the de_DE.UTF-8 locale is not installed (.ci/run generates it)")
    try:
        assert rfc3164().text(1577869200) == "<13>Jan  1 09:00:00 collector01 "  # Jan, not Jän
        assert rfc3164().text(1588757499) == "<13>May  6 09:31:39 collector01 "  # not Mai
    finally:
        locale.setlocale(locale.LC_TIME, previous)


def test_rfc5424_header_has_version_utc_milliseconds_nil_fields_and_no_structured_data() -> None:
    header = SyslogHeader("rfc5424", hostname="collector01", app_name="encore")

    assert header.text(MAY_6) == "<13>1 2020-05-06T09:31:39.250Z collector01 encore - - - "
    assert header.text(MAY_6 + 0.5) == "<13>1 2020-05-06T09:31:39.750Z collector01 encore - - - "
    assert header.text(MAY_6 + 1) == "<13>1 2020-05-06T09:31:40.250Z collector01 encore - - - "


def test_rfc5424_timestamp_of_a_whole_second() -> None:
    assert rfc5424_timestamp(1588757499) == "2020-05-06T09:31:39.000Z"


@pytest.mark.parametrize(("facility", "severity", "pri"), [
    (1, 5, 13), (0, 0, 0), (23, 7, 191), (16, 6, 134), (4, 2, 34),
])
def test_pri_is_facility_times_eight_plus_severity(facility: int, severity: int,
                                                  pri: int) -> None:
    assert priority(facility, severity) == pri
    assert rfc3164(facility=facility, severity=severity).text(MAY_6).startswith(f"<{pri}>")


@pytest.mark.parametrize(("value", "code"), [
    ("user", 1), ("USER", 1), ("local0", 16), ("local7", 23), ("authpriv", 10),
    ("solaris-cron", 15), (3, 3),
])
def test_facility_names_and_numbers(value: object, code: int) -> None:
    assert parse_facility(value) == code


@pytest.mark.parametrize(("value", "code"), [
    ("notice", 5), ("warning", 4), ("warn", 4), ("err", 3), ("error", 3), ("debug", 7), (0, 0),
])
def test_severity_names_and_numbers(value: object, code: int) -> None:
    assert parse_severity(value) == code


@pytest.mark.parametrize("value", [24, -1, "local8", True, 1.0, "kernel"])
def test_unknown_facility_is_refused_listing_the_names(value: object) -> None:
    with pytest.raises(OutputError, match=r"syslog facility .* is not 0\.\.23 or one of: "):
        parse_facility(value)


def test_severity_out_of_range_is_refused() -> None:
    with pytest.raises(OutputError, match=r"is not 0\.\.7"):
        parse_severity(8)


@pytest.mark.parametrize("hostname", ["", "two words", "h\u00f6st", "x" * 256, "tab\there"])
def test_hostname_must_be_printable_ascii_without_spaces(hostname: str) -> None:
    with pytest.raises(OutputError) as caught:
        rfc3164(hostname=hostname)
    assert "must be 1 to 255 printable ASCII characters without spaces" in str(caught.value)


def test_app_name_longer_than_48_characters_is_refused() -> None:
    with pytest.raises(OutputError, match="appName 'aaaa"):
        SyslogHeader("rfc5424", hostname="h", app_name="a" * 49)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(OutputError, match="syslog format 'rfc9999' is not one of rfc3164, rfc5424"):
        SyslogHeader("rfc9999", hostname="h")


def test_octet_counting_counts_utf8_bytes_not_characters() -> None:
    message = "<13>CEF:0|\u00e9\u6f22\U0001f600".encode()  # 10 + 2 + 3 + 4 bytes

    assert frame_octet_counted(message) == b"19 " + message
    assert framer("octet") is frame_octet_counted


def test_lf_framing_appends_exactly_one_line_feed() -> None:
    assert frame_lf(b"<13>x") == b"<13>x\n"
    assert framer("lf") is frame_lf


def test_unknown_framing_is_refused() -> None:
    with pytest.raises(OutputError, match="syslog framing 'nul' is not one of lf, octet"):
        framer("nul")


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("abc", 3, "abc"),
    ("abcd", 3, "abc"),
    ("ab\u00e9", 3, "ab"),  # é is 2 bytes: cutting after its first byte drops it
    ("a\u20ac", 3, "a"),  # € is 3 bytes
    ("a\u20ac", 4, "a\u20ac"),
    ("\U0001f600x", 3, ""),
    ("\U0001f600x", 4, "\U0001f600"),
])
def test_truncation_never_splits_a_character(text: str, limit: int, expected: str) -> None:
    assert truncate_utf8(text.encode(), limit) == expected.encode()


@given(st.text(), st.integers(min_value=1, max_value=64))
def test_truncation_gives_the_longest_valid_prefix_within_the_limit(text: str, limit: int) -> None:
    data = text.encode("utf-8", "surrogatepass")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return  # not valid UTF-8 to begin with
    cut = truncate_utf8(data, limit)

    assert len(cut) <= limit
    assert data.startswith(cut)
    decoded = cut.decode("utf-8")  # never a split character
    if len(data) > limit:
        next_char = text[len(decoded)]
        assert len(cut) + len(next_char.encode()) > limit  # nothing more would have fit
    else:
        assert cut == data
