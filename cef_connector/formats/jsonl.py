"""JSON lines: one JSON object per record, every decoded field kept (eNcore's ``json``).

The object follows eNcore's JSON adapter, which wrote the decoded record itself plus
its view under ``"@computed"``::

    {"recordType":71,"archiveTimestamp":1590497213,"deviceId":1,...,
     "@computed":{"recordTypeCategory":"RNA","recordTypeDescription":"Connection Statistics",
                  "sensor":"ftd-edge-01",...}}

* ``recordType`` and ``archiveTimestamp`` first (``null`` when the record came with the
  8-byte header; eNcore wrote 0 there);
* then every field of ``Record.fields`` in decoded order, named as the protocol doc names
  them (architecture "Decoded values"): numbers as numbers, addresses, UUIDs and text
  as strings, bytes (packet data, BLOBs) as lowercase hex strings, nested blocks as
  objects and list blocks as arrays of objects;
* then ``"@computed"``: the record's name and category, its resolved names and the
  values eNcore derived (:mod:`cef_connector.formats.view`).

Differences from eNcore's objects: string blocks are plain strings (eNcore nested them
as ``{"blockType":…,"blockLength":…,"data":…}``), block lengths, ``recordLength`` and
the header checksum are not kept, and a few fields carry the protocol doc's name where
eNcore's differed (``applicationProtocolId`` for eNcore's ``applicationId``).

Text is UTF-8 (``ensure_ascii`` off); JSON escapes every control character, so a line
never contains a raw line break.

Speed: the line is not built as a dict and serialized.  For each shape of record (the
keys of its fields and of its view, and the type of every value) the formatter compiles
once a ``%`` template holding the ``"key":`` texts, ``null`` for None values and quotes
around text values; a record then costs one ``%`` with its values, integers converted
by ``%`` itself and text checked for characters JSON escapes with one regular expression
over all of its texts together.  Anything else (bytes, nested blocks, booleans …) is
written by :func:`json_line`, as is a record whose keys are not all text or that reuses a
key of the line header.  The result is byte for byte what :func:`json_line` gives for the
document dict (``tests/formats/test_json_fast_path.py`` checks that).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring
from typing import Any

__all__ = ["JsonFormatter", "json_line", "values_picker"]


def _default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


#: Compact, UTF-8, bytes as hex; no circular check (decoded records are trees).
json_line = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=_default, check_circular=False
).encode

#: What JSON escapes in a string when ``ensure_ascii`` is off (``json.encoder``'s
#: ``encode_basestring``): the double quote, the backslash and the control characters.
#: In UTF-8 these are single bytes that no other character's encoding contains, so the
#: texts of a record are checked together by deleting them from their UTF-8 bytes.
_ESCAPED_BYTES = bytes(range(0x20)) + b'"\\'

#: Keys of the line itself; a record whose fields use one of them takes the dict path
#: (``dict.update`` would overwrite the header value in place).
_RESERVED = frozenset({"recordType", "archiveTimestamp", "@computed"})

#: Compiled templates kept per formatter (one per shape of record seen); the cache is
#: emptied when it grows past this.
_MAX_TEMPLATES = 1024

_NONE = type(None)


class _Template:
    """One shape of line: its ``%`` text and where each kind of value goes.

    ``values`` (the record type, the archive timestamp, the field values then the view
    values) are rendered in place: ``others`` positions by :func:`json_line`; ``texts``
    positions are str values, which ``quoted`` (quotes in the template, the raw text in
    the value) takes when none of them needs escaping and ``escaped`` (every text through
    ``encode_basestring``) otherwise.  ``pick`` takes the values the text has a ``%s``
    for (None values are ``null`` in the text).
    """

    __slots__ = ("field_keys", "kinds", "quoted", "escaped", "texts", "others", "pick",
                 "pick_texts")

    def __init__(self, field_keys: tuple[str, ...], view_keys: tuple[str, ...],
                 kinds: tuple[type, ...]) -> None:
        self.field_keys = field_keys
        self.kinds = kinds
        keys = ("recordType", "archiveTimestamp", *field_keys, *view_keys)
        fields = 2 + len(field_keys)
        quoted: list[str] = []
        escaped: list[str] = []
        kept: list[int] = []
        texts: list[int] = []
        others: list[int] = []
        for index, (key, kind) in enumerate(zip(keys, kinds)):
            prefix = encode_basestring(key).replace("%", "%%") + ":"
            if index == fields:  # the first view key: the view object opens here
                prefix = '"@computed":{' + prefix
            if kind is _NONE:
                quoted.append(prefix + "null")
                escaped.append(prefix + "null")
                continue
            kept.append(index)
            if kind is str:
                texts.append(index)
                quoted.append(prefix + '"%s"')
            else:
                if kind is not int:
                    others.append(index)
                quoted.append(prefix + "%s")
            escaped.append(prefix + "%s")
        closing = "}}" if len(keys) > fields else ',"@computed":{}}'
        self.quoted = "{" + ",".join(quoted) + closing
        self.escaped = "{" + ",".join(escaped) + closing
        self.texts = tuple(texts)
        self.others = tuple(others)
        self.pick: Callable[[list[Any]], tuple[Any, ...]] = values_picker(kept, len(keys))
        self.pick_texts: Callable[[list[Any]], tuple[Any, ...]] = values_picker(texts, -1)


def values_picker(positions: Sequence[int], size: int) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A function giving the values at ``positions`` as a tuple (all of them: ``tuple``)."""
    if len(positions) == size:
        return tuple
    if len(positions) > 1:
        return operator.itemgetter(*positions)
    if positions:
        only = positions[0]
        return lambda values: (values[only],)
    return lambda values: ()


class JsonFormatter:
    """Turns a record and its computed view into one JSON line.

    Templates are compiled per shape of record (:class:`_Template`) and kept in the
    formatter, so keep one formatter for a stream.
    """

    def __init__(self) -> None:
        #: (record type, view keys) → the templates of that view shape, last used first
        self._templates: dict[tuple[int, tuple[str, ...]], list[_Template]] = {}
        self._count = 0

    def format(self, record_type: int, archive_timestamp: int | None,
               fields: Mapping[str, Any], view: Mapping[str, Any]) -> str:
        """Write one record.

        Args:
            record_type: the eStreamer record type.
            archive_timestamp: the record header's archive timestamp, or None.
            fields: the decoded fields.
            view: the record's computed names (:class:`~.view.ComputedView`).

        Returns:
            One line of JSON, without a line terminator.

        Raises:
            TypeError: a value (or a nested key) JSON cannot represent.
        """
        if type(fields) is not dict or type(view) is not dict or type(record_type) is not int:
            return _document_line(record_type, archive_timestamp, fields, view)
        values = [record_type, archive_timestamp, *fields.values(), *view.values()]
        kinds = tuple(map(type, values))
        field_keys = tuple(fields)
        # Looked up by the view's keys (few, cheap to hash), then compared: tuples of the
        # same key and type objects compare by identity, much faster than hashing them.
        group = self._templates.get((record_type, tuple(view)))
        if group is not None and group[0].kinds == kinds and group[0].field_keys == field_keys:
            template = group[0]
        else:
            template = self._find(record_type, field_keys, view, kinds, group)
            if template is None:
                return _document_line(record_type, archive_timestamp, fields, view)
        for index in template.others:
            values[index] = json_line(values[index])
        if template.texts:
            data = "".join(template.pick_texts(values)).encode("utf-8", "surrogatepass")
            if len(data.translate(None, _ESCAPED_BYTES)) == len(data):
                return template.quoted % template.pick(values)
            for index in template.texts:
                values[index] = encode_basestring(values[index])
            return template.escaped % template.pick(values)
        return template.quoted % template.pick(values)

    def _find(self, record_type: int, field_keys: tuple[Any, ...], view: dict[Any, Any],
              kinds: tuple[type, ...], group: list[_Template] | None) -> _Template | None:
        """The template of this shape (moved to the front of its group), compiled if new;
        None when the record must take the dict path."""
        if group is not None:
            for index, template in enumerate(group):
                if template.kinds == kinds and template.field_keys == field_keys:
                    group.insert(0, group.pop(index))
                    return template
        for key in field_keys:
            if type(key) is not str or key in _RESERVED:
                return None
        view_keys = tuple(view)
        for key in view_keys:
            if type(key) is not str:
                return None
        if self._count >= _MAX_TEMPLATES:
            self._templates.clear()
            self._count = 0
            group = None
        if group is None:
            group = self._templates[(record_type, view_keys)] = []
        template = _Template(field_keys, view_keys, kinds)
        group.insert(0, template)
        self._count += 1
        return template


def _document_line(record_type: int, archive_timestamp: int | None,
                   fields: Mapping[str, Any], view: Mapping[str, Any]) -> str:
    """The line as the document dict serialized (the definition the templates follow)."""
    document: dict[str, Any] = {"recordType": record_type,
                                "archiveTimestamp": archive_timestamp}
    document.update(fields)
    document["@computed"] = view
    return json_line(document)
