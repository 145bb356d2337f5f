"""A straightforward reference decoder: the layout tables interpreted field by field.

This module exists for tests only.  ``records.py`` compiles every layout into generated
straight-line code with caches and merged reads; that is fast but hard to check by eye.
This decoder walks the same ``FieldSpec`` tables one field at a time with plain
``struct.unpack_from`` and converts values with the standard library (``ipaddress``,
``uuid``), so that a test can assert that both give the same ``Record`` (fields, values and
key order) or the same failure (record type, field path and record-data offset) on any
input.  It shares no code with ``records.py`` beyond the public ``Record`` and
``UnsupportedRecordVersion`` types.

The rules it implements are those of the protocol doc and docs/architecture.md
("Decoded values"):

* integers as ``int``; IPv4 as a dotted quad; IPv6 as the dotted quad when IPv4-mapped,
  else compressed (``"::"`` for all zeros); MAC ``"00:50:56:a1:b2:c3"``; UUID
  ``"00112233-4455-6677-8899-aabbccddeeff"``; byte arrays as lowercase hex;
* text: UTF-8 with invalid bytes replaced, NULs removed; BLOBs as ``bytes``;
* §4.3: a layout that ends before its container is fine (the rest is skipped); reading
  past the container is an error; a variable-length field starting exactly at the end of
  its container is empty;
* a nested block becomes a dict starting with ``blockType``; a list a list of such dicts;
  an inline block's ``blockType`` and fields are merged into its container (a repeated
  name keeps its first position and takes the later value);
* a conditional field is present when the earlier field it names is non-zero;
* a block's type is checked before its length; an inline block at record level whose type
  has no layout is the record's unsupported version;
* blocks nest at most ``max_block_depth`` deep (a list counts as a level, and so does
  each item in it).
"""

from __future__ import annotations

import ipaddress
import struct
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from cef_connector.errors import LocalProtocolError, RemoteProtocolError

from .constants import METADATA_RECORD_TYPES, RECORD_TYPE_MASK, Limits, MessageType
from .layouts import RECORD_LAYOUTS, BlockLayout, FieldSpec, Wire
from .records import Record, UnsupportedRecordVersion

__all__ = ["ReferenceDecodeError", "reference_decode", "reference_stream_records"]

_INTEGER_FORMATS = (
    (Wire.U8, ">B"), (Wire.U16, ">H"), (Wire.U32, ">I"), (Wire.U64, ">Q"), (Wire.I32, ">i")
)
_SIZES = ((Wire.IPV4, 4), (Wire.IPV6, 16), (Wire.MAC, 6), (Wire.UUID, 16))
_HEADER = ">II"


def _integer_format(wire: Wire) -> str | None:
    # Linear search by identity: Enum members hash through Python code, which is slow.
    for kind, code in _INTEGER_FORMATS:
        if wire is kind:
            return code
    return None


class ReferenceDecodeError(RemoteProtocolError):
    """The reference decoder found a record inconsistent with its layout.

    Attributes:
        record_type: The record type.
        path: Dotted path of the field that could not be read (``"ipv6Address"``,
            ``"hosts[0].name"``; ``"blockLength"`` for the record's own inline block).
        data_offset: Offset in the record data where that field starts.
    """

    def __init__(self, record_type: int, path: str, data_offset: int, reason: str) -> None:
        self.record_type = record_type
        self.path = path
        self.data_offset = data_offset
        super().__init__(
            f"record {record_type}: field {path!r} at record-data offset {data_offset}: {reason}"
        )


class _Failure(Exception):
    def __init__(self, path: str, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.pos = pos
        self.reason = reason


class _Version(Exception):
    def __init__(self, block_type: int, pos: int, expected: tuple[int, ...]) -> None:
        super().__init__(block_type)
        self.block_type = block_type
        self.pos = pos
        self.expected = expected


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\x00", "")


def _value(wire: Wire, raw: bytes) -> Any:
    """Decode one fixed-size field from exactly its bytes."""
    code = _integer_format(wire)
    if code is not None:
        return struct.unpack(code, raw)[0]
    if wire is Wire.IPV4:
        return str(ipaddress.IPv4Address(raw))
    if wire is Wire.IPV6:
        address = ipaddress.IPv6Address(raw)
        mapped = address.ipv4_mapped
        return str(mapped) if mapped is not None else address.compressed
    if wire is Wire.MAC:
        return ":".join(f"{octet:02x}" for octet in raw)
    if wire is Wire.UUID:
        return str(uuid.UUID(bytes=raw))
    if wire is Wire.BYTES:
        return "".join(f"{octet:02x}" for octet in raw)
    raise LocalProtocolError(f"not a fixed-size wire kind: {wire}")  # pragma: no cover


def _size(spec: FieldSpec) -> int | None:
    code = _integer_format(spec.wire)
    if code is not None:
        return struct.calcsize(code)
    if spec.wire is Wire.BYTES:
        return spec.size
    for kind, size in _SIZES:
        if spec.wire is kind:
            return size
    return None


class _Decoder:
    """Decodes one record's data; positions are offsets in that data."""

    def __init__(self, data: bytes, depth: int) -> None:
        self.data = data
        self.max_depth = depth

    def header(self, pos: int, end: int, path: str) -> tuple[int, int]:
        if pos + 8 > end:
            raise _Failure(path, pos, "block header is cut off")
        block_type, length = struct.unpack_from(_HEADER, self.data, pos)
        return block_type, length

    def check_length(self, pos: int, length: int, end: int, path: str) -> int:
        if length < 8 or pos + length > end:
            raise _Failure(path, pos, f"bad blockLength {length}")
        return pos + length

    def fields(
        self,
        specs: Sequence[FieldSpec],
        pos: int,
        end: int,
        out: dict[str, Any],
        depth: int,
        prefix: str,
        record_level: bool,
    ) -> int:
        """Decode ``specs`` from ``pos`` into ``out``; return the position after them."""
        for spec in specs:
            path = prefix + spec.name
            wire = spec.wire
            size = _size(spec)
            if spec.present_if is not None and not out[spec.present_if]:
                continue
            if size is not None:
                if pos + size > end:
                    raise _Failure(path, pos, f"{size} bytes do not fit")
                out[spec.name] = _value(wire, self.data[pos : pos + size])
                pos += size
            elif wire in (Wire.STRING_BLOCK, Wire.BLOB_BLOCK):
                empty: Any = "" if wire is Wire.STRING_BLOCK else b""
                if pos == end:
                    out[spec.name] = empty
                    continue
                _type, length = self.header(pos, end, path)
                stop = self.check_length(pos, length, end, path)
                raw = self.data[pos + 8 : stop]
                out[spec.name] = _text(raw) if wire is Wire.STRING_BLOCK else raw
                pos = stop
            elif wire in (Wire.VAR_TEXT, Wire.VAR_BYTES):
                length = out[spec.length_field or ""]
                raw = b""
                if pos != end and length:
                    if pos + length > end:
                        raise _Failure(path, pos, f"{length} bytes do not fit")
                    raw = self.data[pos : pos + length]
                    pos += length
                out[spec.name] = _text(raw) if wire is Wire.VAR_TEXT else raw
            elif wire in (Wire.REST_TEXT, Wire.REST_BYTES):
                raw = self.data[pos:end]
                out[spec.name] = _text(raw) if wire is Wire.REST_TEXT else raw
                pos = max(pos, end)
            elif wire is Wire.BLOCK:
                nested: dict[str, Any] = {}
                pos = self.block(spec.blocks, pos, end, nested, depth, path, False)
                out[spec.name] = nested
            elif wire is Wire.LIST:
                out[spec.name], pos = self.list(spec.blocks, pos, end, depth, path)
            elif wire is Wire.INLINE_BLOCK:
                pos = self.block(spec.blocks, pos, end, out, depth, prefix + "blockLength", record_level)
            else:  # pragma: no cover - every Wire member is handled above
                raise LocalProtocolError(f"unknown wire kind {wire}")
        return pos

    def block(
        self,
        layouts: Sequence[BlockLayout],
        pos: int,
        end: int,
        out: dict[str, Any],
        depth: int,
        path: str,
        is_version: bool,
    ) -> int:
        """Decode one block at ``pos`` into ``out`` (``blockType`` first); return its end."""
        if depth <= 0:
            raise _Failure(path, pos, "nested too deep")
        block_type, length = self.header(pos, end, path)
        layout = next((b for b in layouts if b.block_type == block_type), None)
        if layout is None:
            layout = next((b for b in layouts if b.block_type is None), None)
        if layout is None:
            if is_version:
                expected = tuple(int(b.block_type) for b in layouts if b.block_type is not None)
                raise _Version(block_type, pos, expected)
            raise _Failure(path, pos, f"unexpected block type {block_type}")
        stop = self.check_length(pos, length, end, path)
        out["blockType"] = block_type
        prefix = "" if path.endswith("blockLength") else path + "."
        self.fields(layout.fields, pos + 8, stop, out, depth - 1, prefix, False)
        return stop

    def list(
        self, layouts: Sequence[BlockLayout], pos: int, end: int, depth: int, path: str
    ) -> tuple[list[dict[str, Any]], int]:
        if pos == end:
            return [], pos
        if depth <= 0:
            raise _Failure(path, pos, "nested too deep")
        _type, length = self.header(pos, end, path)
        stop = self.check_length(pos, length, end, path)
        items: list[dict[str, Any]] = []
        cursor = pos + 8
        while cursor < stop:
            item: dict[str, Any] = {}
            cursor = self.block(layouts, cursor, stop, item, depth - 1, f"{path}[{len(items)}]", False)
            items.append(item)
        return items, stop


def reference_decode(
    record_type: int,
    data: bytes,
    archive_timestamp: int | None = None,
    offset: int = 0,
    *,
    max_block_depth: int = Limits().max_block_depth,
) -> Record:
    """Decode one record's data by interpreting its layout (for tests; slow).

    Args:
        record_type: The record type (bit 31 ignored).
        data: Exactly the record data.
        archive_timestamp: Kept in the Record.
        offset: Kept in the Record.
        max_block_depth: Deepest block nesting accepted.

    Returns:
        The Record ``decode_record`` should return for the same arguments.

    Raises:
        UnsupportedRecordVersion: The record-level block has a type without a layout.
        ReferenceDecodeError: The data does not fit the layout.
        LocalProtocolError: No layout for ``record_type``.
    """
    record_type &= RECORD_TYPE_MASK
    layout = RECORD_LAYOUTS.get(record_type)
    if layout is None:
        raise LocalProtocolError(f"record type {record_type} has no layout")
    data = bytes(data)
    specs = layout.fields
    if layout.fallback is not None:
        primary = specs[0].blocks[0].block_type
        fits = len(data) >= 8 and struct.unpack_from(_HEADER, data)[1] == len(data)
        if not (fits and primary in (None, struct.unpack_from(_HEADER, data)[0])):
            specs = layout.fallback
    fields: dict[str, Any] = {}
    decoder = _Decoder(data, max_block_depth)
    try:
        decoder.fields(specs, 0, len(data), fields, max_block_depth, "", True)
    except _Version as version:
        raise UnsupportedRecordVersion(
            record_type,
            version.block_type,
            label=f"record {record_type}",
            expected=version.expected,
            data_offset=version.pos,
            offset=offset,
        ) from None
    except _Failure as failure:
        raise ReferenceDecodeError(record_type, failure.path, failure.pos, failure.reason) from None
    return Record(
        record_type=record_type,
        archive_timestamp=archive_timestamp,
        fields=fields,
        offset=offset,
        is_metadata=record_type in METADATA_RECORD_TYPES,
    )


def reference_stream_records(stream: bytes) -> Iterator[tuple[int, int | None, bytes, int]]:
    """Split a well-formed stream into records, by the message and record headers (§2, §4.1).

    Args:
        stream: Whole messages, as a server sends them.

    Yields:
        (recordType with bit 31 masked, archive timestamp or None, record data, stream
        offset of the enclosing message header) for every record of every EventData and
        MessageBundle message, in order; other messages are skipped.
    """
    pos = 0
    while pos < len(stream):
        _version, message_type, length = struct.unpack_from(">HHI", stream, pos)
        body = stream[pos + 8 : pos + 8 + length]
        if message_type == MessageType.EVENT_DATA:
            payloads = [body]
        elif message_type == MessageType.MESSAGE_BUNDLE:
            payloads = []
            cursor = 8
            while cursor < len(body):
                _inner, inner_length = struct.unpack_from(_HEADER, body, cursor)
                payloads.append(body[cursor + 8 : cursor + 8 + inner_length])
                cursor += 8 + inner_length
        else:
            payloads = []
        for payload in payloads:
            record_type, record_length = struct.unpack_from(_HEADER, payload)
            if len(payload) == record_length + 16:
                archive: int | None = struct.unpack_from(">I", payload, 8)[0]
                data = payload[16:]
            else:
                archive = None
                data = payload[8:]
            yield record_type & RECORD_TYPE_MASK, archive, data, pos
        pos += 8 + length
