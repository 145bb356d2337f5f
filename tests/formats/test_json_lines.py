"""JSON lines: every decoded field kept, bytes as hex, nesting preserved, one line each."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.formats import JsonFormatter


def _line(fields: dict[str, Any], view: dict[str, Any] | None = None,
          archive_timestamp: int | None = 1_600_000_000) -> str:
    return JsonFormatter().format(2, archive_timestamp, fields, view or {})


def test_bytes_become_lowercase_hex_and_blocks_stay_objects_and_arrays() -> None:
    fields = {
        "packetData": b"\x00\xab\xff",
        "empty": b"",
        "hostServer": {"port": 80, "name": "http", "banner": b"\x0a"},
        "serverInformation": [{"applicationId": 676, "vendor": "nginx"}, {"applicationId": 0}],
    }

    assert _line(fields) == (
        '{"recordType":2,"archiveTimestamp":1600000000,"packetData":"00abff","empty":"",'
        '"hostServer":{"port":80,"name":"http","banner":"0a"},'
        '"serverInformation":[{"applicationId":676,"vendor":"nginx"},{"applicationId":0}],'
        '"@computed":{}}'
    )


def test_missing_archive_timestamp_is_null() -> None:
    assert _line({"deviceId": 1}, archive_timestamp=None) == (
        '{"recordType":2,"archiveTimestamp":null,"deviceId":1,"@computed":{}}')


def test_control_characters_are_escaped_and_other_text_is_kept_as_utf8() -> None:
    line = _line({"userAgent": "a\nb\rc\td\x00", "name": "Zürich \u2028 ☃"})

    assert "\n" not in line and "\r" not in line
    assert line == (
        '{"recordType":2,"archiveTimestamp":1600000000,'
        '"userAgent":"a\\nb\\rc\\td\\u0000","name":"Zürich \u2028 ☃","@computed":{}}'
    )


def test_no_record_layout_has_a_field_named_like_the_line_header() -> None:
    reserved = {"recordType", "archiveTimestamp", "@computed"}
    for record_type, layout in RECORD_LAYOUTS.items():
        names = {spec.name for spec in layout.fields}
        for spec in layout.fields:
            for block in spec.blocks:
                names.update(inner.name for inner in block.fields)
        assert not names & reserved, f"record {record_type} has a field {names & reserved}"


_scalars = st.one_of(
    st.integers(min_value=0, max_value=2**64 - 1),
    st.text(max_size=40),
    st.binary(max_size=40),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.dictionaries(st.text(min_size=1, max_size=12), inner, max_size=4),
        st.lists(st.dictionaries(st.text(min_size=1, max_size=12), inner, max_size=3),
                 max_size=3),
    ),
    max_leaves=12,
)
_field_names = st.text(min_size=1, max_size=20).filter(
    lambda name: name not in {"recordType", "archiveTimestamp", "@computed"})


def _as_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {key: _as_json(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_as_json(inner) for inner in value]
    return value


@settings(max_examples=300, deadline=None)
@given(
    record_type=st.integers(min_value=0, max_value=2**32 - 1),
    archive_timestamp=st.one_of(st.none(), st.integers(min_value=0, max_value=2**32 - 1)),
    fields=st.dictionaries(_field_names, _values, max_size=12),
    view=st.dictionaries(st.text(min_size=1, max_size=20),
                         st.one_of(st.text(max_size=30), st.integers()), max_size=6),
)
def test_json_lines_always_parse_and_give_back_every_field(
        record_type: int, archive_timestamp: int | None, fields: dict[str, Any],
        view: dict[str, Any]) -> None:
    line = JsonFormatter().format(record_type, archive_timestamp, fields, view)

    assert "\n" not in line and "\r" not in line
    document = json.loads(line)
    assert list(document) == ["recordType", "archiveTimestamp", *fields, "@computed"]
    assert document["recordType"] == record_type
    assert document["archiveTimestamp"] == archive_timestamp
    for name, value in fields.items():
        assert document[name] == _as_json(value)
    assert document["@computed"] == view
