"""The templated JSON formatter writes exactly what serializing the document dict writes.

``JsonFormatter`` compiles a ``%`` template per shape of record instead of building the
``{"recordType":…, **fields, "@computed": view}`` dict and serializing it.  The reference
here is that dict through ``json.dumps`` with the formatter's settings (compact, UTF-8,
bytes as hex), written independently of the module.  Both must give the same line, byte
for byte, or raise the same error: for hypothesis-generated records (any text, control
characters, quotes, backslashes, ``%``, big and negative integers, floats, booleans, None,
bytes, nested blocks, non-text keys, keys of the line header), for many records of one
shape whose value types change from record to record through one formatter, and for every
record of a full-mix simulator stream.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.formats import JsonFormatter
from cef_connector.formats import jsonl

from .conftest import NamedRecord


def _hex_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _reference(record_type: Any, archive_timestamp: Any, fields: Any, view: Any) -> str:
    document: dict[Any, Any] = {"recordType": record_type, "archiveTimestamp": archive_timestamp}
    document.update(fields)
    document["@computed"] = view
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                      default=_hex_default, check_circular=False)


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "line", call()
    except (TypeError, ValueError) as exc:
        return "error", (type(exc), str(exc))


def _same(formatter: JsonFormatter, record_type: Any, archive_timestamp: Any, fields: Any,
          view: Any) -> None:
    assert _outcome(lambda: formatter.format(record_type, archive_timestamp, fields, view)) == (
        _outcome(lambda: _reference(record_type, archive_timestamp, fields, view)))


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=24) | st.sampled_from(
    ["", '"', "\\", "%s", "%", "\n\r\t\x00\x1f\x7f", "\u2028\u2029", "Zürich ☃", "a=b c"])
_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _text, st.binary(max_size=16), st.binary(max_size=8).map(bytearray),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.dictionaries(_text, inner, max_size=4),
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
    ),
    max_leaves=10,
)
_keys = _text | st.sampled_from(["recordType", "archiveTimestamp", "@computed", "a%sb"])
_odd_keys = st.one_of(st.integers(-3, 3), st.booleans(), st.none(), st.floats(-2, 2))


@settings(max_examples=200, deadline=None)
@given(record_type=st.integers(min_value=0, max_value=2**32 - 1) | _scalars,
       archive_timestamp=st.none() | st.integers(min_value=0, max_value=2**32 - 1) | _scalars,
       fields=st.dictionaries(_keys | _odd_keys, _values, max_size=10),
       view=st.dictionaries(_keys | _odd_keys, _values, max_size=6))
def test_any_record_gives_the_serialized_document_or_its_error(
        record_type: Any, archive_timestamp: Any, fields: dict[Any, Any],
        view: dict[Any, Any]) -> None:
    _same(JsonFormatter(), record_type, archive_timestamp, fields, view)


_shape_values = _scalars | st.lists(st.integers() | _text, max_size=2)


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(_keys, min_size=1, max_size=6, unique=True),
       view_keys=st.lists(_text, max_size=3, unique=True),
       rows=st.lists(st.tuples(st.lists(_shape_values, min_size=6, max_size=6),
                               st.lists(_shape_values, min_size=3, max_size=3),
                               st.none() | st.integers(0, 2**32 - 1)),
                     min_size=2, max_size=8))
def test_records_of_one_shape_with_changing_value_types_share_one_formatter(
        keys: list[str], view_keys: list[str],
        rows: list[tuple[list[Any], list[Any], int | None]]) -> None:
    formatter = JsonFormatter()
    for values, view_values, archive_timestamp in rows:
        fields = dict(zip(keys, values))
        view = dict(zip(view_keys, view_values))
        _same(formatter, 71, archive_timestamp, fields, view)


def test_mappings_that_are_not_dicts_are_serialized_like_the_document() -> None:
    formatter = JsonFormatter()
    _same(formatter, 400, 1, OrderedDict([("a", 1), ("b", "x")]), {"sensor": "s"})
    _same(formatter, 400, 1, {"a": 1}, OrderedDict([("sensor", "s")]))


def test_a_field_named_like_the_header_replaces_the_header_value_in_place() -> None:
    formatter = JsonFormatter()
    assert formatter.format(2, 5, {"a": 1, "recordType": "x"}, {"v": 2}) == (
        '{"recordType":"x","archiveTimestamp":5,"a":1,"@computed":{"v":2}}')
    assert formatter.format(2, 5, {"@computed": 1, "b": 2}, {"v": 2}) == (
        '{"recordType":2,"archiveTimestamp":5,"@computed":{"v":2},"b":2}')


def test_text_needing_escapes_after_plain_text_of_the_same_shape() -> None:
    formatter = JsonFormatter()
    plain = formatter.format(71, None, {"userAgent": "curl", "port": 80}, {"user": "jo"})
    escaped = formatter.format(71, None, {"userAgent": 'say "hi"\\\n', "port": 80},
                               {"user": "jo\x7f\x1f"})
    assert plain == ('{"recordType":71,"archiveTimestamp":null,"userAgent":"curl","port":80,'
                     '"@computed":{"user":"jo"}}')
    assert escaped == ('{"recordType":71,"archiveTimestamp":null,"userAgent":"say \\"hi\\"\\\\\\n",'
                       '"port":80,"@computed":{"user":"jo\x7f\\u001f"}}')


def test_a_value_that_json_cannot_write_raises_type_error_as_the_document_does() -> None:
    formatter = JsonFormatter()
    with pytest.raises(TypeError, match="keys must be"):
        formatter.format(2, 1, {"block": {(1, 2): 3}}, {})
    with pytest.raises(TypeError, match="keys must be"):
        formatter.format(2, 1, {(1, 2): 3}, {})


def test_the_template_cache_is_bounded_and_lines_stay_exact_after_it_is_emptied(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "_MAX_TEMPLATES", 3)
    formatter = JsonFormatter()
    for round_ in range(3):
        for width in range(1, 8):
            fields = {f"f{n}": n * round_ for n in range(width)}
            view = {"sensor": f"s{width}"} if width % 2 else {}
            _same(formatter, width, 10, fields, view)
    assert formatter._count <= 3


def test_every_record_of_a_full_mix_stream_gives_the_serialized_document(
        full_mix_records: list[NamedRecord]) -> None:
    formatter = JsonFormatter()
    types = set()
    for named in full_mix_records:
        record = named.record
        line = formatter.format(record.record_type, record.archive_timestamp, record.fields,
                                named.view)
        assert line == _reference(record.record_type, record.archive_timestamp, record.fields,
                                  named.view), record.record_type
        types.add(record.record_type)
    assert len(types) >= 140  # 69 event types and the metadata types the mix sends
