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
import operator
import re
from collections.abc import Mapping
from typing import Any

from cef_connector.formats.encore_tables import SPLUNK_FIELD_KEYS, VIEW_SPLUNK_KEYS

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


#: Templates kept per record type (one per combination of value types seen).
_MAX_TEMPLATES = 256

#: Texts remembered as needing no quotes; the set is emptied when it grows past this
#: (about 10 MB at most).
_MAX_SAFE_TEXTS = 100_000


class _Template:
    """The line body for one combination of value types of a record type's fields.

    ``text`` positions hold str values that are checked (and quoted when needed) per
    record; ``other`` positions hold values rendered by :func:`splunk_value`; ``pick``
    takes the present values in order; ``body`` is the ``key=%s ...`` format.
    Integers, the common case, are formatted by ``%`` in one step.
    """

    __slots__ = ("body", "text", "other", "pick")

    def __init__(self, prefixes: tuple[str, ...], kinds: tuple[type, ...]) -> None:
        kept = [index for index, kind in enumerate(kinds) if kind is not type(None)]
        self.body = " ".join(prefixes[index].replace("%", "%%") + "%s" for index in kept)
        self.text = tuple(index for index in kept if kinds[index] is str)
        self.other = tuple(index for index in kept if kinds[index] is not str
                           and kinds[index] is not int)
        self.pick = (operator.itemgetter(*kept) if len(kept) > 1
                     else (lambda values: (values[kept[0]],)) if kept
                     else (lambda values: ()))


class _Table:
    """One record type's Splunk table, compiled: fields, ``"key="`` prefixes, key positions."""

    __slots__ = ("fields", "prefixes", "position", "templates")

    def __init__(self, rows: tuple[tuple[str, str], ...]) -> None:
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
        self.templates: dict[tuple[type, ...], _Template] = {}

    def template(self, kinds: tuple[type, ...]) -> _Template:
        if len(self.templates) >= _MAX_TEMPLATES:
            self.templates.clear()
        template = self.templates[kinds] = _Template(self.prefixes, kinds)
        return template


class SplunkFormatter:
    """Turns a record and its computed view into one Splunk key-value line.

    The per-record work is kept lean: each record type's table is compiled once
    (:class:`_Table`), the Splunk keys of each computed name are looked up once, and the
    fields are read and rendered with comprehensions (integers, the common case, go
    straight through ``str``).
    """

    def __init__(self) -> None:
        self._tables: dict[int, _Table | None] = {}
        self._keys: dict[str, tuple[str, ...]] = {}
        #: texts already found to need no quotes (zone and policy UUIDs, addresses,
        #: names repeat from record to record); bounded by _MAX_SAFE_TEXTS
        self._safe: set[str] = set()

    def _table(self, record_type: int) -> _Table | None:
        rows = SPLUNK_FIELD_KEYS.get(record_type)
        table = _Table(rows) if rows else None
        self._tables[record_type] = table
        return table

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
        keys_of = self._keys
        computed: dict[str, Any] = {}
        for view_key, value in view.items():
            keys = keys_of.get(view_key)
            if keys is None:
                keys = keys_of[view_key] = VIEW_SPLUNK_KEYS.get(view_key, (view_key,))
            for key in keys:
                computed[key] = value
        second = computed.pop("event_sec", None)
        if second is None:
            second = fields.get("eventSecond")
        head = f"rec_type={record_type}" if second is None else (
            f"rec_type={record_type} event_sec={splunk_value(second)}")
        try:
            table = self._tables[record_type]
        except KeyError:
            table = self._table(record_type)
        if table is None:
            parts = [head]
            for field, value in fields.items():
                if field in computed:
                    value = computed.pop(field)
                if type(value) is dict:
                    _flatten(field, value, parts)
                elif value is not None:
                    parts.append(field + "=" + splunk_value(value))
        else:
            get = fields.get
            values = [get(field) for field in table.fields]
            if computed:
                position = table.position
                for key in [key for key in computed if key in position]:
                    values[position[key]] = computed.pop(key)
            kinds = tuple(map(type, values))
            template = table.templates.get(kinds) or table.template(kinds)
            safe = self._safe
            unchecked = [index for index in template.text if values[index] not in safe]
            if unchecked:
                search = _NEEDS_QUOTES.search
                if len(safe) > _MAX_SAFE_TEXTS:
                    safe.clear()
                for index in unchecked:
                    value = values[index]
                    if value and search(value) is None:
                        safe.add(value)
                    else:
                        values[index] = splunk_value(value)
            for index in template.other:
                values[index] = splunk_value(values[index])
            parts = [head, template.body % template.pick(values)] if template.body else [head]
        for key, value in computed.items():
            parts.append(key + "=" + splunk_value(value))
        return " ".join(parts)
