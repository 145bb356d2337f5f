"""The planned Splunk formatter writes exactly what the straightforward walk writes.

``SplunkFormatter`` compiles, per record type and shape of view, where every value goes
and a ``%`` template per combination of value types.  The reference here follows the
documented layout one key at a time with the public :func:`splunk_value`: the view's
names under their Splunk keys, ``rec_type`` and ``event_sec`` first, the table's fields
(a name under a field's key in the field's place), then the other names.  Both must give
the same line for hypothesis-generated records of table and non-table types (any text,
quotes, ``=``, white space, control characters, ``%``, big integers, booleans, None,
bytes, nested blocks), for records of one shape whose value types change through one
formatter, and for every record of a full-mix simulator stream.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.formats import SplunkFormatter, splunk, splunk_value
from cef_connector.formats.encore_tables import SPLUNK_FIELD_KEYS, VIEW_SPLUNK_KEYS

from .conftest import NamedRecord


def _flatten(prefix: str, value: Any, parts: list[str]) -> None:
    if type(value) is dict:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, parts)
    elif value is not None:
        parts.append(f"{prefix}={splunk_value(value)}")


def _reference(record_type: Any, fields: Any, view: Any) -> str:
    computed: dict[Any, Any] = {}
    for view_key, value in view.items():
        for key in VIEW_SPLUNK_KEYS.get(view_key, (view_key,)):
            computed[key] = value
    second = computed.pop("event_sec", None)
    if second is None:
        second = fields.get("eventSecond")
    parts = [f"rec_type={record_type}"]
    if second is not None:
        parts.append(f"event_sec={splunk_value(second)}")
    rows = SPLUNK_FIELD_KEYS.get(record_type)
    if rows:
        seen: set[str] = set()
        for field, key in rows:
            if key == "event_sec" or key in seen:
                continue
            seen.add(key)
            value = computed.pop(key) if key in computed else fields.get(field)
            if value is not None:
                parts.append(f"{key}={splunk_value(value)}")
    else:
        for field, value in fields.items():
            if field in computed:
                value = computed.pop(field)
            _flatten(field, value, parts)
    for key, value in computed.items():
        parts.append(f"{key}={splunk_value(value)}")
    return " ".join(parts)


_TABLE_TYPES = sorted(t for t, rows in SPLUNK_FIELD_KEYS.items() if rows)
_text = st.text(max_size=16) | st.sampled_from(
    ["", '"', "\\", "%s", "a b", "q=1", "\n", "\x7f", "\x1c", "\u00a0", "Zürich", "\u2028"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), _text,
                     st.binary(max_size=6))
_values = st.one_of(_scalars, st.dictionaries(_text, _scalars, max_size=3),
                    st.lists(st.dictionaries(_text, _scalars, max_size=2), max_size=2))


@st.composite
def _records(draw: st.DrawFn) -> tuple[int, dict[str, Any], dict[str, Any]]:
    record_type = draw(st.sampled_from(_TABLE_TYPES) | st.integers(0, 1000))
    table_fields = [field for field, _ in SPLUNK_FIELD_KEYS.get(record_type) or ()]
    names = st.sampled_from(table_fields) | _text if table_fields else _text
    fields = draw(st.dictionaries(names | st.just("eventSecond"), _values, max_size=12))
    # eNcore's view names, the Splunk keys themselves (a second name for one key), the
    # table's field names and any text.
    view_keys = st.sampled_from(sorted(VIEW_SPLUNK_KEYS)) | st.sampled_from(
        sorted({key for keys in VIEW_SPLUNK_KEYS.values() for key in keys})) | _text | (
        st.sampled_from(table_fields or ["x"]))
    view = draw(st.dictionaries(view_keys, _scalars, max_size=10))
    return record_type, fields, view


@settings(max_examples=250, deadline=None)
@given(_records())
def test_any_record_gives_the_line_of_the_straightforward_walk(
        record: tuple[int, dict[str, Any], dict[str, Any]]) -> None:
    record_type, fields, view = record
    assert SplunkFormatter().format(record_type, fields, view) == _reference(
        record_type, fields, view)


@settings(max_examples=150, deadline=None)
@given(record_type=st.sampled_from(_TABLE_TYPES), data=st.data())
def test_records_of_one_shape_with_changing_value_types_share_one_formatter(
        record_type: int, data: st.DataObject) -> None:
    table_fields = [field for field, _ in SPLUNK_FIELD_KEYS[record_type]][:8]
    view_keys = data.draw(st.lists(st.sampled_from(sorted(VIEW_SPLUNK_KEYS)) | _text,
                                   max_size=4, unique=True))
    formatter = SplunkFormatter()
    for _ in range(data.draw(st.integers(2, 6))):
        fields = {f: data.draw(_scalars) for f in table_fields}
        view = {k: data.draw(_scalars) for k in view_keys}
        assert formatter.format(record_type, fields, view) == _reference(
            record_type, fields, view)


def test_odd_record_types_and_views_take_the_walk_with_the_same_result() -> None:
    formatter = SplunkFormatter()
    fields = {"deviceId": 3, "eventSecond": 7, "ruleId": 5}
    for record_type, view in [(True, {"sensor": "s"}), ("400", {}), (400.0, {"sensor": "s"}),
                              (400, OrderedDict([("sensor", "a b")])),
                              (400, {"eventSecond": None, "user": None})]:
        assert formatter.format(record_type, fields, view) == _reference(
            record_type, fields, view)
    with pytest.raises(TypeError):
        formatter.format([400], fields, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # a name key that is not text cannot be written
        formatter.format(400, fields, {1: "x"})


def test_a_name_under_a_field_key_takes_the_field_place_and_event_sec_leads() -> None:
    line = SplunkFormatter().format(
        400, {"eventSecond": 5, "ipProtocolId": 6, "deviceId": 3},
        {"transportProtocol": "TCP", "sensor": "edge 1", "eventSecond": 9})
    assert line == "rec_type=400 event_sec=9 device_id=3 ip_proto=TCP sensor=\"edge 1\""


def test_two_names_for_one_key_keep_the_first_place_and_the_last_value() -> None:
    fields = {"deviceId": 3}
    view = {"sensor": "a", "user": "u", "device_id": 9, "rec_type_simple": "X",
            "recordTypeCategory": "RNA", "event_sec": 4}
    line = SplunkFormatter().format(400, fields, view)
    assert line == _reference(400, fields, view)
    assert line == "rec_type=400 event_sec=4 device_id=9 user=u sensor=a rec_type_simple=RNA " \
        "rec_type_category=RNA"


def test_caches_are_bounded_and_lines_stay_exact_after_they_are_emptied(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(splunk, "_MAX_PLANS", 2)
    monkeypatch.setattr(splunk, "_MAX_TEMPLATES", 2)
    monkeypatch.setattr(splunk, "_MAX_TEXTS", 3)
    formatter = SplunkFormatter()
    for round_ in range(3):
        for width in range(6):
            view = {f"name{n}": f"v {n}" if n % 2 else n for n in range(width)}
            for value in (1, "a b", None, b"\x01", f"t{round_}", ""):
                fields = {"deviceId": value, "eventSecond": round_}
                assert formatter.format(400, fields, view) == _reference(400, fields, view)
    table = formatter._tables[400]
    assert table is not None and len(table.plans) <= 2
    assert all(len(plan.templates) <= 2 for plan in table.plans.values())
    assert len(formatter._texts) <= 3 + 3  # emptied past 3, then one record's texts added


def test_every_record_of_a_full_mix_stream_gives_the_line_of_the_walk(
        full_mix_records: list[NamedRecord]) -> None:
    formatter = SplunkFormatter()
    for named in full_mix_records:
        record = named.record
        assert formatter.format(record.record_type, record.fields, named.view) == _reference(
            record.record_type, record.fields, named.view), record.record_type
