"""Behaviour of the pure framing helpers: RFC 3164 stamps, eNcore prefix, file stamps."""

from __future__ import annotations

import locale
import time

import pytest

from cef_connector.outputs import framing
from cef_connector.outputs.framing import encore_prefix, file_stamp, rfc3164_timestamp


def utc(text: str) -> time.struct_time:
    return time.strptime(text, "%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2020-05-06 09:31:39", "May  6 09:31:39"),
        ("2021-01-01 00:00:00", "Jan  1 00:00:00"),
        ("2021-08-09 23:59:59", "Aug  9 23:59:59"),
        ("2020-05-26 12:46:52", "May 26 12:46:52"),
        ("2020-12-10 07:05:03", "Dec 10 07:05:03"),
    ],
)
def test_rfc3164_timestamp_pads_day_with_a_space(moment: str, expected: str) -> None:
    assert rfc3164_timestamp(utc(moment)) == expected


def test_every_day_below_ten_is_space_padded() -> None:
    for day in range(1, 10):
        assert rfc3164_timestamp(utc(f"2020-03-0{day} 01:02:03")) == f"Mar  {day} 01:02:03"


def test_encore_prefix_layout() -> None:
    assert encore_prefix(1588757499.9, "collector01", time.gmtime) == (
        "<13>May  6 09:31:39 collector01 "
    )


def test_prefix_does_not_use_strftime(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> str:
        raise AssertionError("strftime depends on LC_TIME")

    monkeypatch.setattr(time, "strftime", refuse)

    assert encore_prefix(1588757499, "h", time.gmtime) == "<13>May  6 09:31:39 h "
    assert file_stamp(1588757499.25) == "20200506T093139.250000Z"
    assert "strftime" not in open(framing.__file__, encoding="utf-8").read().replace(
        "``time.strftime", ""
    )


def test_months_are_english_under_a_foreign_lc_time() -> None:
    previous = locale.setlocale(locale.LC_TIME)
    for name in ("de_DE.UTF-8", "fr_FR.UTF-8", "ru_RU.UTF-8", "ja_JP.UTF-8", "de_DE"):
        try:
            locale.setlocale(locale.LC_TIME, name)
            break
        except locale.Error:
            continue
    else:
        pytest.skip("no non-English locale installed (test_prefix_does_not_use_strftime covers it)")
    try:
        assert time.strftime("%b", utc("2020-05-06 09:31:39")) != "May"
        assert encore_prefix(1588757499, "h", time.gmtime) == "<13>May  6 09:31:39 h "
    finally:
        locale.setlocale(locale.LC_TIME, previous)


def test_file_stamp_is_utc_with_microseconds() -> None:
    assert file_stamp(0) == "19700101T000000.000000Z"
    assert file_stamp(1590497346.000001) == "20200526T124906.000001Z"


def test_file_stamps_sort_in_time_order() -> None:
    times = [1590497346.5, 1590497346.000002, 999999999.0, 1590497347.0, 4102444800.0]

    stamps = [file_stamp(t) for t in times]

    assert sorted(stamps) == [file_stamp(t) for t in sorted(times)]
