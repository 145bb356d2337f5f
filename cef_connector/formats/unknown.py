"""Lines for records we cannot decode (``handler.unknownRecords: "raw"``).

An unknown record type, or a known type carrying a block version we have no layout for
(``estreamer.UnknownRecord``; its ``version`` is then the block type read from the
wire), is written as its raw bytes in hex so that nothing the FMC sent is lost:

JSON (exactly these keys, in this order)::

    {"recordType":999,"version":null,"length":4,"archiveTimestamp":1590497300,
     "offset":4096,"data":"0a0b0c0d"}

Splunk (``event_sec`` is the archive timestamp, omitted when there is none; ``version``
omitted when the record type itself is unknown)::

    rec_type=999 event_sec=1590497300 length=4 offset=4096 data=0a0b0c0d

CEF (``rt`` omitted without an archive timestamp, ``cn2`` without a version)::

    CEF:0|Cisco|Firepower|7.4.0|eStreamer:UNKNOWN:999|Unknown eStreamer record type 999|5|
    rt=1590497300000 cn1=4 cn1Label=Record Length cn3=4096 cn3Label=Stream Offset
    cs1=0a0b0c0d cs1Label=Record Data Hex

CEF custom strings hold at most 4000 characters, so ``cs1`` carries the first
:data:`RAW_CEF_MAX_DATA_BYTES` bytes; a longer record says so in
``cs2=first 2000 of <length> bytes`` (``cs2Label=Record Data Truncated``).  JSON and
Splunk lines always carry the whole record.
"""

from __future__ import annotations

from dataclasses import dataclass

from cef_connector.cef import CefEvent, encode
from cef_connector.formats.jsonl import json_line

__all__ = [
    "RAW_CEF_MAX_DATA_BYTES",
    "RAW_CEF_SEVERITY",
    "RawRecord",
    "raw_cef_line",
    "raw_json_line",
    "raw_splunk_line",
]

#: Bytes of record data a CEF line carries (hex in cs1, whose limit is 4000 characters).
RAW_CEF_MAX_DATA_BYTES = 2000

#: CEF severity of a raw record: medium, something was sent that we cannot read.
RAW_CEF_SEVERITY = 5


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record written as raw bytes.

    Attributes:
        record_type: the record type from the record header.
        version: the unsupported block type of a known record type, or None when the
            record type itself is unknown.
        archive_timestamp: from a 16-byte record header, else None.
        offset: stream offset of the enclosing message header.
        data: the record data after the record header.
    """

    record_type: int
    version: int | None
    archive_timestamp: int | None
    offset: int
    data: bytes


def raw_json_line(raw: RawRecord) -> str:
    """Write a raw record as one JSON object.

    Args:
        raw: the record.

    Returns:
        ``{"recordType":…,"version":…,"length":…,"archiveTimestamp":…,"offset":…,
        "data":"<hex>"}``.
    """
    return json_line({
        "recordType": raw.record_type,
        "version": raw.version,
        "length": len(raw.data),
        "archiveTimestamp": raw.archive_timestamp,
        "offset": raw.offset,
        "data": raw.data.hex(),
    })


def raw_splunk_line(raw: RawRecord) -> str:
    """Write a raw record as one Splunk key-value line.

    Args:
        raw: the record.

    Returns:
        ``rec_type=N [event_sec=T] [version=V] length=L offset=O data=<hex>``.
    """
    parts = [f"rec_type={raw.record_type}"]
    if raw.archive_timestamp:
        parts.append(f"event_sec={raw.archive_timestamp}")
    if raw.version is not None:
        parts.append(f"version={raw.version}")
    parts.append(f"length={len(raw.data)}")
    parts.append(f"offset={raw.offset}")
    parts.append("data=" + (raw.data.hex() or '""'))
    return " ".join(parts)


def raw_cef_line(raw: RawRecord, *, vendor: str, product: str, version: str) -> tuple[str, bool]:
    """Write a raw record as one CEF line.

    Args:
        raw: the record.
        vendor: CEF Device Vendor (the mapping set's).
        product: CEF Device Product.
        version: CEF Device Version.

    Returns:
        The line, and whether its data was cut to :data:`RAW_CEF_MAX_DATA_BYTES`.

    Raises:
        MappingError: a header field given is not valid CEF (empty, too long).
    """
    length = len(raw.data)
    truncated = length > RAW_CEF_MAX_DATA_BYTES
    if raw.version is None:
        name = f"Unknown eStreamer record type {raw.record_type}"
    else:
        name = f"Unsupported block {raw.version} in eStreamer record type {raw.record_type}"
    extensions: list[tuple[str, str]] = []
    if raw.archive_timestamp:
        extensions.append(("rt", str(raw.archive_timestamp * 1000)))
    extensions += [("cn1", str(length)), ("cn1Label", "Record Length")]
    if raw.version is not None:
        extensions += [("cn2", str(raw.version)), ("cn2Label", "Block Type")]
    extensions += [("cn3", str(raw.offset)), ("cn3Label", "Stream Offset")]
    if raw.data:
        extensions += [("cs1", raw.data[:RAW_CEF_MAX_DATA_BYTES].hex()),
                       ("cs1Label", "Record Data Hex")]
    if truncated:
        extensions += [("cs2", f"first {RAW_CEF_MAX_DATA_BYTES} of {length} bytes"),
                       ("cs2Label", "Record Data Truncated")]
    event = CefEvent(
        device_vendor=vendor,
        device_product=product,
        device_version=version,
        signature_id=f"eStreamer:UNKNOWN:{raw.record_type}",
        name=name,
        severity=RAW_CEF_SEVERITY,
        extensions=tuple(extensions),
    )
    return encode(event), truncated
