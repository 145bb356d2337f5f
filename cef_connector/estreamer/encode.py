"""Encoding records and server messages: the exact inverse of ``records.py``, from the same layouts.

Used by the simulator and by round-trip tests, so the bytes we decode and the bytes we
send are defined by one table (``layouts.py``).  Layouts are compiled once at import, with
runs of fixed-size fields packed by one precompiled ``struct.Struct``.

Encoding conventions (the inverse of the "Decoded values" table in docs/architecture.md):

* a missing field is encoded as zero (integers, addresses, UUIDs, byte arrays) or empty
  (text, BLOBs, lists); a key the layout does not know is an error (catches typos);
* length fields of VAR_TEXT/VAR_BYTES and every blockLength are computed, never taken from
  the mapping;
* ``blockType`` selects the block layout where several are allowed (default: the first);
* IPv4 text in an IPv6 field is written IPv4-mapped; raw ``bytes`` of the right size are
  accepted for addresses, UUIDs and byte arrays.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Callable, Mapping, Sequence
from struct import Struct
from typing import Any

from cef_connector.errors import LocalProtocolError

from .constants import BUNDLE_INNER_TYPES, HEADER_VERSION, MessageType, RecordType
from .layouts import RECORD_LAYOUTS, BlockLayout, FieldSpec, RecordLayout, Wire
from .records import field_size, struct_code

__all__ = [
    "encode_record_data",
    "encode_record",
    "encode_message",
    "encode_event_data",
    "encode_bundle",
    "encode_streaming_information",
]

_MESSAGE_HEADER = Struct(">HHI")
_PAIR = Struct(">II")
_ARCHIVE_HEADER = Struct(">IIII")
_SERVICE_ENTRY = Struct(">IIII")
_MAPPED_PREFIX = bytes(10) + b"\xff\xff"
_U32_MAX = 0xFFFFFFFF
# Generic block numbers by series (§4.4): string 0/0, BLOB 10/1, list 11/2.
_STRING_TYPE = 0
_BLOB_TYPE = {1: 10, 2: 1}
_LIST_TYPE = {1: 11, 2: 2}

_BLOCK_TYPE_KEY = frozenset({"blockType"})
_CACHE_LIMIT = 65536
_IPV6_CACHE: dict[str, bytes] = {}


class _EncodeProblem(Exception):
    """Internal: a value cannot be encoded; ``path`` grows as it leaves nested blocks."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.path = [field]
        self.reason = reason


# --- value conversions -------------------------------------------------------------------


def _raw(value: Any, size: int, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)) and len(value) == size:
        return bytes(value)
    raise ValueError(f"expected {what} or {size} raw bytes, got {value!r}")


def _ipv6_bytes(value: Any) -> bytes:
    if value is None:
        return bytes(16)
    if isinstance(value, str):
        packed = _IPV6_CACHE.get(value)
        if packed is None:
            if ":" in value:
                packed = ipaddress.IPv6Address(value).packed
            else:
                packed = _MAPPED_PREFIX + ipaddress.IPv4Address(value).packed
            if len(_IPV6_CACHE) >= _CACHE_LIMIT:
                _IPV6_CACHE.clear()
            _IPV6_CACHE[value] = packed
        return packed
    return _raw(value, 16, "an IPv6 or IPv4 address string")


def _ipv4_bytes(value: Any) -> bytes:
    if value is None:
        return bytes(4)
    if isinstance(value, str):
        return ipaddress.IPv4Address(value).packed
    return _raw(value, 4, "an IPv4 address string")


def _hex_bytes(size: int, separator: str, what: str) -> Callable[[Any], bytes]:
    zero = bytes(size)

    def convert(value: Any) -> bytes:
        if value is None:
            return zero
        if isinstance(value, str):
            raw = bytes.fromhex(value.replace(separator, "") if separator else value)
            if len(raw) != size:
                raise ValueError(f"expected {what} of {size} bytes, got {len(raw)} bytes")
            return raw
        return _raw(value, size, what)

    return convert


def _text_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ValueError(f"expected text, got {value!r}")


def _blob_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ValueError(f"expected bytes, got {value!r}")


def _converter(spec: FieldSpec) -> Callable[[Any], bytes] | None:
    wire = spec.wire
    if wire is Wire.IPV6:
        return _ipv6_bytes
    if wire is Wire.IPV4:
        return _ipv4_bytes
    if wire is Wire.MAC:
        return _hex_bytes(6, ":", "a MAC address like '00:50:56:a1:b2:c3'")
    if wire is Wire.UUID:
        return _hex_bytes(16, "-", "a UUID string")
    if wire is Wire.BYTES:
        return _hex_bytes(spec.size, "", "a hex string")
    return None


# --- compiled encoders -------------------------------------------------------------------

# An encoding step appends the bytes of one part of a layout: (values, parts) -> None.
_EncStep = Callable[[Mapping[str, Any], list[bytes]], None]


def _fixed_run(specs: Sequence[FieldSpec]) -> _EncStep:
    layout = Struct(">" + "".join(struct_code(s) for s in specs))
    pack = layout.pack
    plan = tuple((s.name, 0 if _converter(s) is None else None) for s in specs)
    converters = tuple(
        (index, convert)
        for index, convert in ((i, _converter(s)) for i, s in enumerate(specs))
        if convert is not None
    )
    singles = tuple((s.name, Struct(">" + struct_code(s)), _converter(s)) for s in specs)

    def locate(values: Mapping[str, Any], error: Exception) -> _EncodeProblem:
        # Only on failure: find the field that cannot be packed, for the error message.
        for name, single, convert in singles:
            value = values.get(name)
            try:
                if convert is not None:
                    single.pack(convert(value))
                else:
                    single.pack(0 if value is None else value)
            except (struct.error, ValueError, TypeError) as problem:
                return _EncodeProblem(name, f"value {value!r} cannot be encoded: {problem}")
        return _EncodeProblem(singles[0][0], str(error))  # pragma: no cover

    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        get = values.get
        args = [get(name, default) for name, default in plan]
        try:
            for index, convert in converters:
                args[index] = convert(args[index])
            parts.append(pack(*args))
        except (struct.error, ValueError, TypeError) as error:
            raise locate(values, error) from None

    return step


def _conditional(spec: FieldSpec) -> _EncStep:
    inner = _fixed_run((spec,))
    flag = spec.present_if

    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        if values.get(flag):  # type: ignore[arg-type]
            inner(values, parts)

    return step


def _header(block_type: int, body_length: int, name: str) -> bytes:
    try:
        return _PAIR.pack(block_type, 8 + body_length)
    except struct.error as error:
        raise _EncodeProblem(name, f"block type {block_type!r}: {error}") from None


def _string_block(name: str) -> _EncStep:
    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        try:
            data = _text_bytes(values.get(name))
        except ValueError as error:
            raise _EncodeProblem(name, str(error)) from None
        parts.append(_header(_STRING_TYPE, len(data), name))
        parts.append(data)

    return step


def _blob_block(name: str, series: int) -> _EncStep:
    blob_type = _BLOB_TYPE[series]

    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        try:
            data = _blob_bytes(values.get(name))
        except ValueError as error:
            raise _EncodeProblem(name, str(error)) from None
        parts.append(_header(blob_type, len(data), name))
        parts.append(data)

    return step


def _prepared(name: str) -> _EncStep:
    # VAR_TEXT / VAR_BYTES / REST_TEXT / REST_BYTES: bytes prepared by _Sequence.encode.
    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        parts.append(values[name])

    return step


class _Choice:
    """Block layouts allowed at one place, picked by ``blockType`` (default: the first)."""

    def __init__(self, layouts: Sequence[BlockLayout], where: str) -> None:
        self.by_type: dict[int, _Sequence] = {}
        self.any_layout: _Sequence | None = None
        for layout in layouts:
            sequence = _Sequence(layout.fields, layout.series, f"{where} / {layout.title}")
            if layout.block_type is None:
                self.any_layout = sequence
            else:
                self.by_type[int(layout.block_type)] = sequence
        first = layouts[0].block_type
        self.default_type = None if first is None else int(first)
        self.names = frozenset().union(*(s.names for s in self.by_type.values())) | (
            self.any_layout.names if self.any_layout is not None else frozenset()
        )

    def encode(self, values: Mapping[str, Any], check_keys: bool) -> bytes:
        block_type = values.get("blockType", self.default_type)
        if block_type is None:
            raise _EncodeProblem(
                "blockType", "this block's type number is undocumented; pass fields['blockType']"
            )
        sequence = self.by_type.get(block_type, self.any_layout)
        if sequence is None:
            allowed = ", ".join(str(t) for t in self.by_type)
            raise _EncodeProblem("blockType", f"{block_type!r} is not one of {allowed}")
        if check_keys:
            sequence.check_keys(values, _BLOCK_TYPE_KEY)
        body = sequence.encode(values)
        return _header(block_type, len(body), "blockLength") + body


def _nested_block(spec: FieldSpec, where: str) -> _EncStep:
    choice = _Choice(spec.blocks, where)
    name = spec.name

    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        nested = values.get(name)
        if nested is None:
            nested = {}
        if not isinstance(nested, Mapping):
            raise _EncodeProblem(name, f"expected a mapping of the block's fields, got {nested!r}")
        try:
            parts.append(choice.encode(nested, True))
        except _EncodeProblem as problem:
            problem.path.insert(0, name)
            raise

    return step


def _inline_block(spec: FieldSpec, where: str) -> tuple[_EncStep, _Choice]:
    choice = _Choice(spec.blocks, where)

    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        parts.append(choice.encode(values, False))

    return step, choice


def _list(spec: FieldSpec, series: int, where: str) -> _EncStep:
    choice = _Choice(spec.blocks, where)
    name = spec.name
    list_type = _LIST_TYPE[series]

    def step(values: Mapping[str, Any], parts: list[bytes]) -> None:
        items = values.get(name) or ()
        if isinstance(items, (str, bytes, Mapping)):
            raise _EncodeProblem(name, f"expected a list of block mappings, got {items!r}")
        encoded = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise _EncodeProblem(f"{name}[{index}]", f"expected a mapping, got {item!r}")
            try:
                encoded.append(choice.encode(item, True))
            except _EncodeProblem as problem:
                problem.path.insert(0, f"{name}[{index}]")
                raise
        body = b"".join(encoded)
        parts.append(_header(list_type, len(body), name))
        parts.append(body)

    return step


class _Sequence:
    """One compiled field sequence (a record's or a block's fields)."""

    def __init__(self, fields: Sequence[FieldSpec], series: int, where: str) -> None:
        self.where = where
        self.steps: list[_EncStep] = []
        # (name, length field or None, is text) of fields whose bytes are prepared up front
        self.prepared: list[tuple[str, str | None, bool]] = []
        names: set[str] = set()
        run: list[FieldSpec] = []
        for spec in fields:
            if field_size(spec) is not None and spec.present_if is None:
                run.append(spec)
                names.add(spec.name)
                continue
            if run:
                self.steps.append(_fixed_run(run))
                run = []
            wire = spec.wire
            if spec.present_if is not None:
                self.steps.append(_conditional(spec))
            elif wire is Wire.STRING_BLOCK:
                self.steps.append(_string_block(spec.name))
            elif wire is Wire.BLOB_BLOCK:
                self.steps.append(_blob_block(spec.name, series))
            elif wire in (Wire.VAR_TEXT, Wire.VAR_BYTES, Wire.REST_TEXT, Wire.REST_BYTES):
                is_text = wire in (Wire.VAR_TEXT, Wire.REST_TEXT)
                self.prepared.append((spec.name, spec.length_field, is_text))
                self.steps.append(_prepared(spec.name))
            elif wire is Wire.BLOCK:
                self.steps.append(_nested_block(spec, where))
            elif wire is Wire.LIST:
                self.steps.append(_list(spec, series, where))
            elif wire is Wire.INLINE_BLOCK:
                step, choice = _inline_block(spec, where)
                self.steps.append(step)
                names |= choice.names
                names.add("blockType")
            else:  # pragma: no cover - every Wire member is handled above
                raise LocalProtocolError(f"layout {where}: unsupported wire kind {wire}")
            if spec.name:
                names.add(spec.name)
        if run:
            self.steps.append(_fixed_run(run))
        self.names: frozenset[str] = frozenset(names)

    def check_keys(self, values: Mapping[str, Any], extra: frozenset[str] = frozenset()) -> None:
        unknown = values.keys() - self.names - extra
        if unknown:
            raise _EncodeProblem(
                sorted(unknown)[0],
                f"unknown field(s) {sorted(unknown)}; the layout has {sorted(self.names)}",
            )

    def encode(self, values: Mapping[str, Any]) -> bytes:
        if self.prepared:
            values = dict(values)
            for name, length_field, is_text in self.prepared:
                try:
                    data = _text_bytes(values.get(name)) if is_text else _blob_bytes(values.get(name))
                except ValueError as error:
                    raise _EncodeProblem(name, str(error)) from None
                values[name] = data
                if length_field is not None:
                    values[length_field] = len(data)
        parts: list[bytes] = []
        for step in self.steps:
            step(values, parts)
        return b"".join(parts)


class _RecordEncoder:
    def __init__(self, layout: RecordLayout) -> None:
        record_type = int(layout.record_type)
        try:
            self.label = f"record {record_type} ({RecordType(record_type).name})"
        except ValueError:
            self.label = f"record {record_type}"
        self.primary = _Sequence(layout.fields, 2, self.label)
        self.fallback = (
            None if layout.fallback is None else _Sequence(layout.fallback, 2, self.label)
        )

    def encode(self, fields: Mapping[str, Any]) -> bytes:
        sequence = self.primary
        if self.fallback is not None and "blockType" not in fields:
            sequence = self.fallback  # §6.3: the raw form (record 62 without block 57)
        try:
            sequence.check_keys(fields)
            return sequence.encode(fields)
        except _EncodeProblem as problem:
            raise LocalProtocolError(
                f"{self.label}: cannot encode field {'.'.join(problem.path)!r}: {problem.reason}"
            ) from None


_ENCODERS: dict[int, _RecordEncoder] = {
    record_type: _RecordEncoder(layout) for record_type, layout in RECORD_LAYOUTS.items()
}


def _check_u32(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _U32_MAX:
        raise LocalProtocolError(f"{name} must be an integer in 0..{_U32_MAX}, got {value!r}")


def encode_record_data(record_type: int, fields: Mapping[str, Any]) -> bytes:
    """Encode the record data (no record header) of one record.

    Args:
        record_type: A type in ``SUPPORTED_RECORD_TYPES``.
        fields: Field values named and typed as ``decode_record`` returns them.

    Returns:
        The record data bytes.

    Raises:
        LocalProtocolError: Unknown record type, unknown field name, or a value that does
            not fit its wire type (the message names the record type and field).
    """
    encoder = _ENCODERS.get(record_type)
    if encoder is None:
        raise LocalProtocolError(f"record type {record_type!r} has no layout to encode with")
    return encoder.encode(fields)


def encode_record(
    record_type: int, fields: Mapping[str, Any], archive_timestamp: int | None
) -> bytes:
    """Encode a record header + record data (an EventData body or bundle inner payload).

    Args:
        record_type: A type in ``SUPPORTED_RECORD_TYPES``.
        fields: See ``encode_record_data``.
        archive_timestamp: None → 8-byte header; an int → 16-byte header with that
            archive timestamp and a zero reserved word (§4.1).

    Returns:
        The record bytes.

    Raises:
        LocalProtocolError: See ``encode_record_data``; or a bad archive timestamp.
    """
    data = encode_record_data(record_type, fields)
    if archive_timestamp is None:
        return _PAIR.pack(record_type, len(data)) + data
    _check_u32("archive_timestamp", archive_timestamp)
    return _ARCHIVE_HEADER.pack(record_type, len(data), archive_timestamp, 0) + data


def encode_message(message_type: int, body: bytes) -> bytes:
    """Wrap a body in the 8-byte message header (§2.1).

    Args:
        message_type: A ``MessageType`` value (any uint16 is accepted, for fault tests).
        body: The message body.

    Returns:
        header + body.

    Raises:
        LocalProtocolError: ``message_type`` is not a uint16 or the body exceeds 4 GiB.
    """
    if not isinstance(message_type, int) or not 0 <= message_type <= 0xFFFF:
        raise LocalProtocolError(f"message type must be a uint16, got {message_type!r}")
    _check_u32("message length", len(body))
    return _MESSAGE_HEADER.pack(HEADER_VERSION, message_type, len(body)) + body


def encode_event_data(record_bytes: bytes) -> bytes:
    """Wrap one ``encode_record()`` result in an EventData (type 4) message (§4.1).

    Args:
        record_bytes: Record header + record data.

    Returns:
        The complete message.
    """
    return encode_message(MessageType.EVENT_DATA, record_bytes)


def encode_bundle(
    connection_id: int,
    sequence_number: int,
    records: Sequence[bytes],
    *,
    inner_type: int = 0x00000004,
) -> bytes:
    """Build a MessageBundle (type 4002) around ``encode_record()`` results (§3.8).

    Args:
        connection_id: Identifies the connection.
        sequence_number: 1 for the first bundle, +1 per bundle.
        records: Record payloads, in order.
        inner_type: First word of each inner message: 0x00000004 (what FMCs send) or
            0x00010004 (the guide's reading), for fault tests.

    Returns:
        The complete message.

    Raises:
        LocalProtocolError: A number is out of range or ``inner_type`` is not accepted.
    """
    _check_u32("connection_id", connection_id)
    _check_u32("sequence_number", sequence_number)
    if inner_type not in BUNDLE_INNER_TYPES:
        raise LocalProtocolError(
            f"inner_type must be 0x00000004 or 0x00010004, got {inner_type!r}"
        )
    parts = [_PAIR.pack(connection_id, sequence_number)]
    for record in records:
        parts.append(_PAIR.pack(inner_type, len(record)))
        parts.append(record)
    return encode_message(MessageType.MESSAGE_BUNDLE, b"".join(parts))


def encode_streaming_information(services: Sequence[int] = (5001, 5000, 6667)) -> bytes:
    """Build the server's Streaming Information message (§3.5, §8.3).

    Args:
        services: Service ids in order; each entry has serviceLength 8, flags 0 and
            timestamp 0, as the FMC sends them.

    Returns:
        The complete message (56 bytes for the default services).

    Raises:
        LocalProtocolError: A service id is not a uint32.
    """
    parts = []
    for service in services:
        _check_u32("service id", service)
        parts.append(_SERVICE_ENTRY.pack(service, 8, 0, 0))
    return encode_message(MessageType.STREAMING_INFORMATION, b"".join(parts))
