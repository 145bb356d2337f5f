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
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["JsonFormatter", "json_line"]


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


class JsonFormatter:
    """Turns a record and its computed view into one JSON line."""

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
        """
        document: dict[str, Any] = {"recordType": record_type,
                                    "archiveTimestamp": archive_timestamp}
        document.update(fields)
        document["@computed"] = view
        return json_line(document)
