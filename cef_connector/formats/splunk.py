"""Splunk key-value lines in eNcore's ``splunk`` adapter format.

One line per record::

    rec_type=71 event_sec=1590497212 app_proto=HTTP client_app=Firefox ... sensor=ftd-edge-01

The layout is eNcore's, so that searches, dashboards and the ``props.conf`` of the
eNcore Splunk add-on keep working (``TIME_PREFIX = event_sec=``, aliases such as
``src_ip AS src``):

1. ``rec_type=<record type>``, then ``event_sec=<second>`` when the record has a time
   (its event second, else its archive timestamp);
2. the record's fields under eNcore's Splunk keys, in eNcore's order
   (:data:`~cef_connector.formats.encore_tables.SPLUNK_FIELD_KEYS`); a field whose ID has
   a resolved name is written as the name, in the ID's place (``fw_rule_action=Allow``,
   ``ip_proto=TCP``), as eNcore did; fields eNcore's table left out are left out;
3. the other computed names (:mod:`cef_connector.formats.view`) under eNcore's Splunk
   keys (``rec_type_simple``, ``rec_type_desc``, ``sensor``, ``msg``, ``class`` …); a
   name eNcore never had keeps its own key.

Record types whose eNcore table was empty (or that eNcore did not know) get every field
under its own name instead (nested blocks as ``parent.child``, lists as compact JSON).

Values: integers in decimal; bytes as lowercase hex; text as it is, unless it is empty
or contains white space, ``=``, ``"`` or a control character: then it is written in
double quotes, with backslash, double quote, LF, CR and TAB escaped as ``\\\\``, ``\\"``,
``\\n``, ``\\r``, ``\\t`` and other control characters as ``\\xNN`` (eNcore quoted the
same values but escaped nothing inside the quotes, so a quote in a value broke its
line).  A line never contains a raw line break.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from cef_connector.formats.encore_tables import SPLUNK_FIELD_KEYS, VIEW_SPLUNK_KEYS
from cef_connector.formats.jsonl import values_picker as _picker

__all__ = ["SplunkFormatter", "splunk_value"]

#: A value needs quotes when it has white space, "=", a double quote or a control char.
_NEEDS_QUOTES = re.compile(r'[\s"=\x00-\x1f\x7f]')

#: Inside quotes, these are escaped.
_NEEDS_ESCAPES = re.compile(r'[\\"\x00-\x1f\x7f]')

_ESCAPES: dict[int, str] = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}
_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r",
                 ord("\t"): "\\t"})

_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                                 default=lambda value: value.hex() if isinstance(
                                     value, (bytes, bytearray, memoryview)) else str(value)
                                 ).encode


def splunk_value(value: Any) -> str:
    """Render one value as eNcore's Splunk adapter would, with safe quoting.

    Args:
        value: an int, str, bytes, dict or list from a decoded record, or a name.

    Returns:
        The text after ``key=``: never contains a raw line break.
    """
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str:
        if not value:
            return '""'
        if _NEEDS_QUOTES.search(value) is None:
            return value
        if _NEEDS_ESCAPES.search(value) is None:  # the common case: only spaces or "="
            return '"' + value + '"'
        return '"' + value.translate(_ESCAPES) + '"'
    if kind is bytes or kind is bytearray or kind is memoryview:
        return bytes(value).hex() or '""'
    if kind is bool:
        return "1" if value else "0"
    if kind is dict or kind is list:
        return splunk_value(_compact_json(value))
    return splunk_value(str(value))


def _flatten(prefix: str, value: Any, out: list[str]) -> None:
    if type(value) is dict:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out)
    elif value is not None:
        out.append(prefix + "=" + splunk_value(value))


#: Plans kept per record type (one per shape of view) and templates per plan (one per
#: combination of value types); each cache is emptied when it grows past its bound.
_MAX_PLANS = 256
_MAX_TEMPLATES = 64

#: Texts remembered with their rendering (zone and policy UUIDs, addresses, names repeat
#: from record to record); the cache is emptied when it grows past this (about 20 MB).
_MAX_TEXTS = 100_000

_NONE = type(None)


class _Template:
    """The line body for one combination of value types of a plan's slots.

    ``texts`` positions hold str values, rendered through the formatter's cache of
    texts; ``others`` positions hold values rendered by :func:`splunk_value`; integers,
    the common case, are formatted by ``%``.  A None in a field slot leaves the key out;
    in a name slot it is written (``None``) as eNcore's adapter wrote any value.
    ``pick`` takes the values the body has a ``%s`` for from the values followed by the
    rendered texts.
    """

    __slots__ = ("kinds", "body", "texts", "others", "pick", "pick_texts")

    def __init__(self, prefixes: tuple[str, ...], fields: int, kinds: tuple[type, ...]) -> None:
        self.kinds = kinds
        kept: list[int] = []
        texts: list[int] = []
        others: list[int] = []
        for index, kind in enumerate(kinds):
            if kind is _NONE and index < fields:
                continue
            kept.append(index)
            if kind is str:
                texts.append(index)
            elif kind is not int:
                others.append(index)
        self.body = " ".join(prefixes[index].replace("%", "%%") + "%s" for index in kept)
        self.texts = tuple(texts)
        self.others = tuple(others)
        rendered = {index: len(kinds) + number for number, index in enumerate(texts)}
        self.pick = _picker([rendered.get(index, index) for index in kept], -1)
        self.pick_texts = _picker(texts, -1)


class _Plan:
    """Where every value of a line goes, for one record type and one shape of view.

    The slots are the table's fields (a computed name under a field's Splunk key takes
    that field's place) followed by the other computed names in view order; ``gather``
    takes them from the field values followed by the view values.  ``second`` is the
    view position of ``event_sec``, or None.
    """

    __slots__ = ("prefixes", "fields", "gather", "second", "templates")

    def __init__(self, table: _Table, view_keys: tuple[str, ...],
                 keys_of: Callable[[str], tuple[str, ...]]) -> None:
        count = len(table.fields)
        #: Splunk key → view position; a key given twice keeps its first place and takes
        #: the later value, as the assignments of the reference would.
        computed: dict[str, int] = {}
        for index, view_key in enumerate(view_keys):
            for key in keys_of(view_key):
                computed[key] = count + index
        second = computed.pop("event_sec", None)
        self.second = None if second is None else second - count
        sources = list(range(count))
        prefixes = list(table.prefixes)
        for key, source in computed.items():
            position = table.position.get(key)
            if position is not None:
                sources[position] = source
            else:
                sources.append(source)
                prefixes.append(key + "=")
        self.prefixes = tuple(prefixes)
        self.fields = count
        self.gather = _picker(sources, -1)
        self.templates: list[_Template] = []

    def template(self, kinds: tuple[type, ...]) -> _Template:
        """The template of these value types (moved to the front), compiled if new."""
        templates = self.templates
        for index, template in enumerate(templates):
            if template.kinds == kinds:
                if index:
                    templates.insert(0, templates.pop(index))
                return template
        if len(templates) >= _MAX_TEMPLATES:
            templates.pop()
        template = _Template(self.prefixes, self.fields, kinds)
        templates.insert(0, template)
        return template


class _Table:
    """One record type's Splunk table, compiled: fields, ``"key="`` prefixes, key positions."""

    __slots__ = ("fields", "prefixes", "position", "head", "plans")

    def __init__(self, record_type: int, rows: tuple[tuple[str, str], ...]) -> None:
        fields: list[str] = []
        prefixes: list[str] = []
        position: dict[str, int] = {}
        for field, key in rows:
            # event_sec is written second (eNcore moves it to the front); a key listed
            # twice keeps its first place.
            if key == "event_sec" or key in position:
                continue
            position[key] = len(fields)
            fields.append(field)
            prefixes.append(key + "=")
        self.fields = tuple(fields)
        self.prefixes = tuple(prefixes)
        self.position = position
        self.head = f"rec_type={record_type}"
        self.plans: dict[tuple[str, ...], _Plan] = {}


class SplunkFormatter:
    """Turns a record and its computed view into one Splunk key-value line.

    Each record type's table is compiled once (:class:`_Table`), then for each shape of
    view a plan of where every value goes (:class:`_Plan`) and for each combination of
    value types a ``%`` template (:class:`_Template`): a record then costs reading its
    fields (``map`` over the table), one gather of field and view values into line order,
    one check of all its texts together and one ``%``.  Record types without a table,
    views that are not dicts and views whose names are not text take the straightforward
    path (:meth:`_walk`).
    """

    def __init__(self) -> None:
        self._tables: dict[int, _Table | None] = {}
        self._keys: dict[Any, tuple[Any, ...]] = {}
        #: text → what splunk_value writes for it; bounded by _MAX_TEXTS
        self._texts: dict[str, str] = {}

    def _keys_of(self, view_key: Any) -> tuple[Any, ...]:
        keys = self._keys.get(view_key)
        if keys is None:
            keys = self._keys[view_key] = VIEW_SPLUNK_KEYS.get(view_key, (view_key,))
        return keys

    def _table(self, record_type: int) -> _Table | None:
        rows = SPLUNK_FIELD_KEYS.get(record_type)
        table = _Table(record_type, rows) if rows else None
        self._tables[record_type] = table
        return table

    def _plan(self, table: _Table, view_keys: tuple[Any, ...]) -> _Plan | None:
        for view_key in view_keys:
            for key in self._keys_of(view_key):
                if type(key) is not str:
                    return None
        if len(table.plans) >= _MAX_PLANS:
            table.plans.clear()
        plan = table.plans[view_keys] = _Plan(table, view_keys, self._keys_of)
        return plan

    def format(self, record_type: int, fields: Mapping[str, Any],
               view: Mapping[str, Any]) -> str:
        """Write one record.

        Args:
            record_type: the eStreamer record type.
            fields: the decoded fields.
            view: the record's computed names (:class:`~.view.ComputedView`).

        Returns:
            One line, without a line terminator.
        """
        if type(record_type) is not int:
            rows = SPLUNK_FIELD_KEYS.get(record_type)
            return self._walk(record_type, fields, view,
                              _Table(record_type, rows) if rows else None)
        try:
            table = self._tables[record_type]
        except KeyError:
            table = self._table(record_type)
        if table is None or type(view) is not dict:
            return self._walk(record_type, fields, view, table)
        view_keys = tuple(view)
        plan = table.plans.get(view_keys)
        if plan is None:
            plan = self._plan(table, view_keys)
            if plan is None:
                return self._walk(record_type, fields, view, table)
        values = list(map(fields.get, table.fields))
        values += view.values()
        index = plan.second
        second = None if index is None else values[plan.fields + index]
        values = list(plan.gather(values))
        if second is None:
            second = fields.get("eventSecond")
        head = table.head if second is None else (
            f"{table.head} event_sec={splunk_value(second)}")
        kinds = tuple(map(type, values))
        templates = plan.templates
        template = (templates[0] if templates and templates[0].kinds == kinds
                    else plan.template(kinds))
        if not template.body:
            return head
        for index in template.others:
            values[index] = splunk_value(values[index])
        if template.texts:
            texts = template.pick_texts(values)
            rendered = list(map(self._texts.get, texts))
            if None in rendered:
                cache = self._texts
                if len(cache) > _MAX_TEXTS:
                    cache.clear()
                for number, text in enumerate(texts):
                    if rendered[number] is None:
                        rendered[number] = cache[text] = splunk_value(text)
            values += rendered
        return head + " " + template.body % template.pick(values)

    def _walk(self, record_type: Any, fields: Mapping[str, Any], view: Mapping[str, Any],
              table: _Table | None) -> str:
        """The line built field by field (types without a table, unusual views)."""
        computed: dict[str, Any] = {}
        for view_key, value in view.items():
            for key in self._keys_of(view_key):
                computed[key] = value
        second = computed.pop("event_sec", None)
        if second is None:
            second = fields.get("eventSecond")
        head = f"rec_type={record_type}" if second is None else (
            f"rec_type={record_type} event_sec={splunk_value(second)}")
        parts = [head]
        if table is None:
            for field, value in fields.items():
                if field in computed:
                    value = computed.pop(field)
                if type(value) is dict:
                    _flatten(field, value, parts)
                elif value is not None:
                    parts.append(field + "=" + splunk_value(value))
        else:
            position = table.position
            values = [fields.get(field) for field in table.fields]
            for key in [key for key in computed if key in position]:
                values[position[key]] = computed.pop(key)
            parts.extend(prefix + splunk_value(value)
                         for prefix, value in zip(table.prefixes, values) if value is not None)
        for key, value in computed.items():
            parts.append(key + "=" + splunk_value(value))
        return " ".join(parts)
