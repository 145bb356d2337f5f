"""Record decoding: the ``Record`` type and the decoders compiled from ``layouts.py`` (§4, §5, §6).

Each record layout (and each nested block layout) is compiled once, at import, into one
generated Python function of straight-line code that decodes in place from the buffer the
record arrived in (``Connection`` passes the message body and the record's offsets; no
record's bytes are copied):

* consecutive fixed-size fields are read by one precompiled ``struct.Struct`` with
  ``unpack_from`` at an offset into locals; when a string or BLOB block follows, its
  8-byte header is read by the same call;
* string/BLOB blocks and length-prefixed fields are sliced out of the buffer inline;
* IPv4/IPv6 addresses and UUIDs go through bounded caches keyed by their raw bytes
  (hosts, zones, interfaces and policies repeat); a run of adjacent UUIDs is looked up
  as one key; MACs and byte arrays use ``bytes.hex``;
* the result dict is made by copying a prototype holding the keys in decoded order and
  storing each value (no rehashing as it grows); an inline block (§4.4 flattening)
  branches on its block type, and a conditional field picks the prototype with or
  without its key;
* nested and list blocks call compiled helpers.

Every read is checked against the end of its container first, so a short record raises
``RemoteProtocolError`` naming the record type, the field and the offset;
``struct.error`` and ``IndexError`` cannot escape.  The generated source of each decoder
is kept in its ``__doc__`` for debugging.  ``reference.py`` decodes the same tables the
slow, obvious way; the tests check that both always agree.

Decoder rules (§4.3): a layout that ends before the record data does is fine (the rest is
ignored, for forward compatibility); a layout that would read past it is an error; a
variable-length field starting exactly at the end of its container is empty.

Versions: the block that makes up a record (an INLINE_BLOCK at record level, e.g. block
60 or 41 of record 400, 160 or 163 of record 71) is the record's *version*.  A record whose
version block type is none of its layouts' raises ``UnsupportedRecordVersion`` (which
``Connection`` reports as ``UnknownRecord(version=…)``); every other inconsistency,
including an unexpected type of a block nested deeper, is a malformed record.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from struct import Struct
from typing import Any

from cef_connector.errors import LocalProtocolError, RemoteProtocolError

from .constants import METADATA_RECORD_TYPES, RECORD_TYPE_MASK, Limits, RecordType
from .layouts import FIXED_SIZES, RECORD_LAYOUTS, BlockLayout, FieldSpec, RecordLayout, Wire

__all__ = [
    "Record",
    "UnsupportedRecordVersion",
    "decode_record",
    "record_header",
    "SUPPORTED_RECORD_TYPES",
    "BLOCK_HEADER_SIZE",
    "ipv6_text",
    "uuid_text",
]

BLOCK_HEADER_SIZE = 8
_BLOCK_HEADER = Struct(">II")
_RECORD_HEADER = Struct(">II")
_DEFAULT_DEPTH = Limits().max_block_depth


@dataclass(frozen=True, slots=True)
class Record:
    """One decoded record.

    Attributes:
        record_type: The record type (bit 31 masked off, §4.1).
        archive_timestamp: The FMC's archive timestamp, or None when the record came with
            the 8-byte record header (§4.1).
        fields: Decoded values by the protocol doc's field names (see docs/architecture.md
            "Decoded values"); blocks that make up the record are flattened into it.
        offset: Stream offset of the enclosing message header.
        is_metadata: True for metadata records (§5.1 "Kind").
    """

    record_type: int
    archive_timestamp: int | None
    fields: dict[str, Any]
    offset: int
    is_metadata: bool


class UnsupportedRecordVersion(RemoteProtocolError):
    """A known record type arrived in a block version (block type) we have no layout for.

    The record is well framed but cannot be decoded: the FMC sends a newer or older
    version than the one requested (§3.7).  ``Connection`` turns it into
    ``UnknownRecord(version=block_type)``, keeping the raw record data.  It subclasses
    ``RemoteProtocolError`` so that ``decode_record`` still raises nothing else for bad
    input (the fuzz contract).

    Attributes:
        record_type: The record type.
        block_type: The block type read from the wire (the record's version).
        expected: The block types we have layouts for, in layout order.
        data_offset: Offset of the block header in the record data.
    """

    def __init__(
        self,
        record_type: int,
        block_type: int,
        *,
        label: str,
        expected: tuple[int, ...],
        data_offset: int,
        offset: int | None = None,
    ) -> None:
        self.record_type = record_type
        self.block_type = block_type
        self.expected = expected
        self.data_offset = data_offset
        allowed = ", ".join(str(t) for t in expected)
        super().__init__(
            f"{label} has an unsupported version: block type {block_type} is not one of the "
            f"expected types ({allowed}) at record-data offset {data_offset}; it is passed on "
            "undecoded as an UnknownRecord (request the event versions of §3.7, or update "
            "cef-connector)",
            offset=offset,
        )


class _RecordDraft:
    """Internal: an unfrozen twin of ``Record`` (same slots, so the same memory layout).

    ``Record`` is frozen: its generated ``__init__`` goes through ``object.__setattr__``
    per field, which makes creating one cost as much as decoding a small record.  The
    decoders fill a draft with plain slot stores and then turn it into a ``Record`` by
    assigning ``__class__`` (allowed between classes of identical layout): the same
    object as ``Record(...)`` builds, in about half the time (checked by a test).
    """

    __slots__ = ("record_type", "archive_timestamp", "fields", "offset", "is_metadata")


if _RecordDraft.__slots__ != Record.__slots__:  # pragma: no cover - guards an edit of Record
    raise LocalProtocolError("records._RecordDraft must list exactly the slots of Record")

_new_draft = object.__new__


def _make_record(
    record_type: int,
    archive_timestamp: int | None,
    fields: dict[str, Any],
    offset: int,
    is_metadata: bool,
) -> Record:
    record: Any = _new_draft(_RecordDraft)
    record.record_type = record_type
    record.archive_timestamp = archive_timestamp
    record.fields = fields
    record.offset = offset
    record.is_metadata = is_metadata
    record.__class__ = Record
    made: Record = record
    return made


# --- value conversions -------------------------------------------------------------------

_MAPPED_PREFIX = bytes(10) + b"\xff\xff"
_ZERO16 = bytes(16)
# Addresses and UUIDs repeat heavily in a stream (zones, interfaces, policies, rules,
# hosts), so their text forms are memoised, keyed by the raw wire bytes.  Each cache is
# bounded: when it holds _CACHE_LIMIT entries it is emptied and refills with what is in
# use (about 180 bytes an entry, so at most ~6 MB a cache).
_CACHE_LIMIT = 32768
_IPV4_CACHE: dict[bytes, str] = {}
_IPV6_CACHE: dict[bytes, str] = {}
_UUID_CACHE: dict[bytes, str] = {}
# Runs of adjacent UUIDs (ingress/egress zone and interface …) keyed by all their bytes.
_GROUP_CACHE_LIMIT = 8192
_UUIDS_CACHE: dict[bytes, tuple[str, ...]] = {}


def ipv6_text(raw: bytes) -> str:
    """Render a 16-byte address: IPv4-mapped → dotted quad, all-zero → ``::``, else compressed.

    Args:
        raw: Exactly 16 bytes.

    Returns:
        The text form, e.g. ``"192.0.2.10"`` or ``"2001:db8::1"``.
    """
    text = _IPV6_CACHE.get(raw)
    if text is None:
        if raw[:12] == _MAPPED_PREFIX:
            text = "%d.%d.%d.%d" % (raw[12], raw[13], raw[14], raw[15])
        elif raw == _ZERO16:
            text = "::"
        else:
            text = ipaddress.IPv6Address(raw).compressed
        if len(_IPV6_CACHE) >= _CACHE_LIMIT:
            _IPV6_CACHE.clear()
        _IPV6_CACHE[bytes(raw)] = text
    return text


def uuid_text(raw: bytes) -> str:
    """Render 16 bytes as a lowercase 8-4-4-4-12 UUID string (bytes in wire order).

    Args:
        raw: Exactly 16 bytes.

    Returns:
        e.g. ``"00112233-4455-6677-8899-aabbccddeeff"``.
    """
    text = _UUID_CACHE.get(raw)
    if text is None:
        h = raw.hex()
        text = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        if len(_UUID_CACHE) >= _CACHE_LIMIT:
            _UUID_CACHE.clear()
        _UUID_CACHE[bytes(raw)] = text
    return text


def _uuids_text(raw: bytes) -> tuple[str, ...]:
    """Render adjacent UUIDs (16 bytes each) at once; memoised as a group."""
    texts = tuple(uuid_text(raw[i : i + 16]) for i in range(0, len(raw), 16))
    if len(_UUIDS_CACHE) >= _GROUP_CACHE_LIMIT:
        _UUIDS_CACHE.clear()
    _UUIDS_CACHE[bytes(raw)] = texts
    return texts


def _ipv4_text(raw: bytes) -> str:
    text = _IPV4_CACHE.get(raw)
    if text is None:
        text = "%d.%d.%d.%d" % tuple(raw)
        if len(_IPV4_CACHE) >= _CACHE_LIMIT:
            _IPV4_CACHE.clear()
        _IPV4_CACHE[bytes(raw)] = text
    return text


def _text(data: bytes) -> str:
    # UTF-8 with invalid bytes replaced; NULs removed (eNcore strips them, §4.5).
    text = str(data, "utf-8", "replace")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text


_STRUCT_CODES: Mapping[Wire, str] = {
    Wire.U8: "B",
    Wire.U16: "H",
    Wire.U32: "I",
    Wire.U64: "Q",
    Wire.I32: "i",
    Wire.IPV4: "4s",
    Wire.IPV6: "16s",
    Wire.MAC: "6s",
    Wire.UUID: "16s",
}


def field_size(spec: FieldSpec) -> int | None:
    """Return the wire size of a fixed-size field, or None for a variable-size one."""
    if spec.wire is Wire.BYTES:
        return spec.size
    return FIXED_SIZES.get(spec.wire)


def struct_code(spec: FieldSpec) -> str:
    """Return the ``struct`` format code of a fixed-size field."""
    if spec.wire is Wire.BYTES:
        return f"{spec.size}s"
    return _STRUCT_CODES[spec.wire]


# --- compiled decoders -------------------------------------------------------------------


class _Problem(Exception):
    """Internal: a compiled decoder found the data inconsistent with the layout.

    ``decode_record`` turns it into a ``RemoteProtocolError`` with the record type and
    stream offset; nested blocks prepend their field name to ``path`` on the way out.
    ``pos`` is an offset in the buffer being decoded (see ``_CompiledRecord.decode_at``).
    """

    def __init__(self, field: str, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.path = [field]
        self.pos = pos
        self.reason = reason


class _UnknownVersion(Exception):
    """Internal: the record-level block has a type none of the record's layouts has."""

    def __init__(self, block_type: int, pos: int, expected: tuple[int, ...]) -> None:
        super().__init__(block_type)
        self.block_type = block_type
        self.pos = pos
        self.expected = expected


# A compiled field sequence of a nested block: (buf, pos, end, depth, blockType) -> fields.
_Body = Callable[[bytes, int, int, int, int], dict[str, Any]]
# A compiled nested or list block field: (buf, pos, end, depth) -> (value, end of the field).
_Step = Callable[[bytes, int, int, int], tuple[Any, int]]
# A compiled record layout: (buf, start, end, depth) -> fields.
_RecordDecoder = Callable[[bytes, int, int, int], dict[str, Any]]

_TOO_DEEP = "blocks are nested deeper than Limits.max_block_depth"


def _short(pos: int, need: int, end: int) -> str:
    return f"needs {need} bytes at offset {pos} but its container ends at offset {end}"


def _header_problem(name: str, pos: int, end: int) -> _Problem:
    return _Problem(name, pos, "block header " + _short(pos, BLOCK_HEADER_SIZE, end))


def _length_problem(name: str, pos: int, length: int, end: int) -> _Problem:
    if length < BLOCK_HEADER_SIZE:
        return _Problem(name, pos, f"blockLength {length} is less than the 8-byte block header")
    return _Problem(
        name, pos, f"blockLength {length} runs to offset {pos + length}, past its container's end {end}"
    )


def _var_problem(name: str, length_field: str, length: int, pos: int, end: int) -> _Problem:
    return _Problem(name, pos, f"{length_field} {length} " + _short(pos, length, end))


def _type_problem(name: str, pos: int, block_type: int, allowed: str) -> _Problem:
    return _Problem(name, pos, f"block type {block_type} is not one of the expected types ({allowed})")


def _locator(specs: Sequence[FieldSpec]) -> Callable[[int, int], _Problem]:
    """Build the error path of a fixed run: which field is the first that does not fit."""
    sized = tuple((s.name, field_size(s) or 0) for s in specs)

    def locate(pos: int, end: int) -> _Problem:
        for name, width in sized:
            if pos + width > end:
                return _Problem(name, pos, _short(pos, width, end))
            pos += width
        raise AssertionError("fixed run located no short field")  # pragma: no cover

    return locate


def _allowed(layouts: Sequence[BlockLayout]) -> str:
    return ", ".join(str(layout.block_type) for layout in layouts if layout.block_type is not None) or "any"


class _BlockChoice:
    """The compiled layouts allowed for a nested block, chosen by the block type on the wire."""

    __slots__ = ("by_type", "any_layout", "allowed")

    def __init__(self, layouts: Sequence[BlockLayout], owner: str) -> None:
        self.by_type: dict[int, _Body] = {}
        self.any_layout: _Body | None = None
        for layout in layouts:
            decode = _compile_body(layout.fields, f"{owner} / {layout.title}")
            if layout.block_type is None:
                self.any_layout = decode
            else:
                self.by_type[int(layout.block_type)] = decode
        self.allowed = _allowed(layouts)

    def decode(self, buf: bytes, pos: int, end: int, depth: int, name: str) -> tuple[dict[str, Any], int]:
        """Decode the block at ``pos``; return its fields (``blockType`` first) and its end."""
        if depth <= 0:
            raise _Problem(name, pos, _TOO_DEEP)
        if pos + BLOCK_HEADER_SIZE > end:
            raise _header_problem(name, pos, end)
        block_type: int
        length: int
        block_type, length = _BLOCK_HEADER.unpack_from(buf, pos)
        decode = self.by_type.get(block_type, self.any_layout)
        if decode is None:
            # The type is judged before the length: with no layout for this type there is
            # nothing to check the rest of the block against.
            raise _type_problem(name, pos, block_type, self.allowed)
        stop = pos + length
        if length < BLOCK_HEADER_SIZE or stop > end:
            raise _length_problem(name, pos, length, end)
        # Fields the layout does not know (a longer, newer block) are skipped (§4.3).
        return decode(buf, pos + BLOCK_HEADER_SIZE, stop, depth - 1, block_type), stop


def _block_step(spec: FieldSpec, owner: str) -> _Step:
    choice = _BlockChoice(spec.blocks, owner)
    name = spec.name

    def step(buf: bytes, pos: int, end: int, depth: int) -> tuple[Any, int]:
        try:
            return choice.decode(buf, pos, end, depth, name)
        except _Problem as problem:
            if problem.path[0] != name:
                problem.path.insert(0, name)
            raise

    return step


def _list_step(spec: FieldSpec, owner: str) -> _Step:
    choice = _BlockChoice(spec.blocks, owner)
    name = spec.name

    def step(buf: bytes, pos: int, end: int, depth: int) -> tuple[Any, int]:
        if pos == end:  # §4.3: a variable field starting exactly at the end is empty
            return [], pos
        if depth <= 0:
            raise _Problem(name, pos, _TOO_DEEP)
        if pos + BLOCK_HEADER_SIZE > end:
            raise _header_problem(name, pos, end)
        _type, length = _BLOCK_HEADER.unpack_from(buf, pos)
        stop = pos + length
        if length < BLOCK_HEADER_SIZE or stop > end:
            raise _length_problem(name, pos, length, end)
        items: list[dict[str, Any]] = []
        cursor = pos + BLOCK_HEADER_SIZE
        while cursor < stop:
            label = f"{name}[{len(items)}]"
            try:
                item, cursor = choice.decode(buf, cursor, stop, depth - 1, label)
            except _Problem as problem:
                if problem.path[0] != label:
                    problem.path.insert(0, label)
                raise
            items.append(item)
        return items, stop

    return step


def _validate(fields: Sequence[FieldSpec], where: str) -> None:
    """Reject layout mistakes at import time (a bug in layouts.py, not in the stream)."""
    seen: dict[str, FieldSpec] = {}
    for spec in fields:
        if spec.wire in (Wire.VAR_TEXT, Wire.VAR_BYTES):
            length = seen.get(spec.length_field or "")
            if length is None or length.wire not in (Wire.U8, Wire.U16, Wire.U32, Wire.U64):
                raise LocalProtocolError(
                    f"layout {where}: {spec.name!r} needs an earlier integer length field "
                    f"{spec.length_field!r}"
                )
        if spec.present_if is not None and spec.present_if not in seen:
            raise LocalProtocolError(
                f"layout {where}: {spec.name!r} is conditional on unknown field {spec.present_if!r}"
            )
        if spec.present_if is not None and field_size(spec) is None:
            raise LocalProtocolError(f"layout {where}: conditional field {spec.name!r} must be fixed-size")
        if spec.wire in (Wire.BLOCK, Wire.LIST, Wire.INLINE_BLOCK) and not spec.blocks:
            raise LocalProtocolError(f"layout {where}: {spec.wire.value} field without block layouts")
        if spec.wire is not Wire.INLINE_BLOCK:
            if not spec.name:
                raise LocalProtocolError(f"layout {where}: a {spec.wire.value} field has no name")
            if spec.name in seen:
                raise LocalProtocolError(f"layout {where}: field {spec.name!r} appears twice")
            seen[spec.name] = spec


# How a fixed-size value becomes its decoded form, from the unpacked local ({0}): an
# expression, or for addresses and UUIDs a cache (whose miss path converts and fills it).
_CONVERSIONS: Mapping[Wire, str] = {Wire.BYTES: "{0}.hex()", Wire.MAC: "{0}.hex(':')"}
_CACHED: Mapping[Wire, tuple[str, str]] = {
    Wire.IPV4: ("_IPV4", "_ipv4"),
    Wire.IPV6: ("_IPV6", "_ipv6"),
    Wire.UUID: ("_UUID", "_uuid"),
}


def _empty(spec: FieldSpec) -> str:
    """Source of the value of an empty string-like field."""
    return "b''" if spec.wire in (Wire.BLOB_BLOCK, Wire.VAR_BYTES, Wire.REST_BYTES) else "''"


class _Entry:
    """One key of the dict a generated decoder returns: its local and, if any, its condition."""

    __slots__ = ("key", "local", "condition")

    def __init__(self, key: str, local: str, condition: str | None = None) -> None:
        self.key = key
        self.local = local
        self.condition = condition


class _Scope:
    """Where generated code stands: indentation and the names of end/depth variables."""

    __slots__ = ("indent", "end", "depth")

    def __init__(self, indent: str, end: str, depth: str) -> None:
        self.indent = indent
        self.end = end
        self.depth = depth

    def inner(self, end: str, depth: str) -> _Scope:
        return _Scope(self.indent + "    ", end, depth)


class _SourceBuilder:
    """Generates the Python source of one decoder function.

    The function is straight-line code over the buffer: one ``unpack_from`` per run of
    fixed-size fields into locals, string/BLOB/var fields read inline by slicing the
    buffer, conversions into locals, nested and list blocks through compiled helpers.  It
    ends with one dict built by copying a prototype holding the keys in decoded order (no
    rehashing as it grows) and storing every value.  An inline block (§4.4 flattening)
    branches on its block type; each branch has its own prototype.  A conditional field
    (``present_if``) selects between prototypes with and without its key.  Field names
    come from the layout tables (validated, embedded with ``repr``), never from the stream.
    """

    def __init__(self, where: str, record_level: bool) -> None:
        self.where = where
        self.record_level = record_level
        self.lines: list[str] = []
        self.env: dict[str, Any] = {
            "_text": _text,
            "_HEADER": _BLOCK_HEADER.unpack_from,
            "_Problem": _Problem,
            "_UnknownVersion": _UnknownVersion,
            "_header_problem": _header_problem,
            "_length_problem": _length_problem,
            "_var_problem": _var_problem,
            "_type_problem": _type_problem,
            "_TOO_DEEP": _TOO_DEEP,
            "_ipv4": _ipv4_text,
            "_ipv6": ipv6_text,
            "_uuid": uuid_text,
            "_uuids": _uuids_text,
            "_UUIDS": _UUIDS_CACHE,
            "_IPV4": _IPV4_CACHE,
            "_IPV6": _IPV6_CACHE,
            "_UUID": _UUID_CACHE,
        }
        self.counter = 0

    def constant(self, prefix: str, value: Any) -> str:
        self.counter += 1
        name = f"{prefix}{self.counter}"
        self.env[name] = value
        return name

    def local(self, prefix: str = "v") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, scope: _Scope, *lines: str) -> None:
        self.lines.extend(scope.indent + line for line in lines)

    # --- field kinds -------------------------------------------------------------------

    def fixed_run(
        self,
        specs: Sequence[FieldSpec],
        scope: _Scope,
        entries: list[_Entry],
        then: FieldSpec | None = None,
    ) -> None:
        """Emit a run of fixed-size fields (and, with ``then``, the string/BLOB block after it).

        Adjacent UUIDs are unpacked as one byte string and converted through one cache
        lookup (they are configuration: zones, interfaces, policies).  With ``then``, the
        block header that follows the run is read by the same ``unpack_from`` whenever the
        container has room for it.
        """
        slots: list[list[FieldSpec]] = []
        for spec in specs:
            if spec.wire is Wire.UUID and slots and slots[-1][0].wire is Wire.UUID:
                slots[-1].append(spec)
            else:
                slots.append([spec])
        code = "".join(
            struct_code(slot[0]) if len(slot) == 1 else f"{16 * len(slot)}s" for slot in slots
        )
        run = Struct(">" + code)
        locate = self.constant("_locate", _locator(specs))
        names = [self.local() for _ in slots]
        targets = ", ".join(names) + ","
        end = scope.end
        if then is None:
            unpack = self.constant("_unpack", run.unpack_from)
            self.emit(
                scope,
                f"stop = pos + {run.size}",
                f"if stop > {end}:",
                f"    raise {locate}(pos, {end})",
                f"{targets} = {unpack}(buf, pos)",
                "pos = stop",
            )
        else:
            value = self.local()
            with_header = self.constant("_unpack", Struct(">" + code + "II").unpack_from)
            unpack = self.constant("_unpack", run.unpack_from)
            name = repr(then.name)
            self.emit(
                scope,
                f"stop = pos + {run.size}",
                f"if stop + 8 <= {end}:",
                f"    {targets} _type, length = {with_header}(buf, pos)",
                "    pos = stop",
            )
            self.block_value(then, _Scope(scope.indent + "    ", end, scope.depth), value)
            self.emit(
                scope,
                "else:",
                f"    if stop > {end}:",
                f"        raise {locate}(pos, {end})",
                f"    {targets} = {unpack}(buf, pos)",
                "    pos = stop",
                # §4.3: a block starting exactly at the end is empty; else its header is cut.
                f"    if pos != {end}:",
                f"        raise _header_problem({name}, pos, {end})",
                f"    {value} = {_empty(then)}",
            )
        for slot, local in zip(slots, names):
            if len(slot) == 1:
                wire = slot[0].wire
                if wire in _CACHED:
                    self.cached(scope, local, local, *_CACHED[wire])
                elif wire in _CONVERSIONS:
                    self.emit(scope, f"{local} = {_CONVERSIONS[wire].format(local)}")
                entries.append(_Entry(slot[0].name, local))
            else:
                group = [self.local() for _ in slot]
                self.cached(scope, ", ".join(group) + ",", local, "_UUIDS", "_uuids")
                entries.extend(_Entry(spec.name, item) for spec, item in zip(slot, group))
        if then is not None:
            entries.append(_Entry(then.name, value))

    def cached(self, scope: _Scope, target: str, raw: str, cache: str, convert: str) -> None:
        """Emit ``target = cache[raw]``, converting on a miss (one lookup on a hit)."""
        self.emit(
            scope,
            "try:",
            f"    {target} = {cache}[{raw}]",
            "except KeyError:",
            f"    {target} = {convert}({raw})",
        )

    def conditional(self, spec: FieldSpec, scope: _Scope, entries: list[_Entry]) -> None:
        condition = next(e.local for e in reversed(entries) if e.key == spec.present_if)
        self.emit(scope, f"if {condition}:")
        inner: list[_Entry] = []
        self.fixed_run((spec,), scope.inner(scope.end, scope.depth), inner)
        entries.append(_Entry(spec.name, inner[0].local, condition))

    def block_value(self, spec: FieldSpec, scope: _Scope, value: str) -> None:
        """Emit the body of a string/BLOB block whose header (``length``) was read at ``pos``."""
        end = scope.end
        self.emit(
            scope,
            "stop = pos + length",
            f"if length < 8 or stop > {end}:",
            f"    raise _length_problem({spec.name!r}, pos, length, {end})",
            "if length == 8:",
            f"    {value} = {_empty(spec)}",
            "else:",
        )
        if spec.wire is Wire.STRING_BLOCK:
            # _text() inlined: UTF-8 with replacement, NULs removed.
            self.emit(
                scope,
                f"    {value} = buf[pos + 8:stop].decode('utf-8', 'replace')",
                f"    if '\\x00' in {value}:",
                f"        {value} = {value}.replace('\\x00', '')",
            )
        else:
            self.emit(scope, f"    {value} = buf[pos + 8:stop]")
        self.emit(scope, "pos = stop")

    def generic_block(self, spec: FieldSpec, scope: _Scope, entries: list[_Entry]) -> None:
        name = repr(spec.name)
        value = self.local()
        end = scope.end
        self.emit(scope, f"if pos + 8 <= {end}:", "    _type, length = _HEADER(buf, pos)")
        self.block_value(spec, _Scope(scope.indent + "    ", end, scope.depth), value)
        self.emit(
            scope,
            f"elif pos == {end}:",  # §4.3: a variable field starting at the end is empty
            f"    {value} = {_empty(spec)}",
            "else:",
            f"    raise _header_problem({name}, pos, {end})",
        )
        entries.append(_Entry(spec.name, value))

    def var_field(self, spec: FieldSpec, scope: _Scope, entries: list[_Entry]) -> None:
        name = repr(spec.name)
        length_field = repr(spec.length_field)
        length_local = next(e.local for e in reversed(entries) if e.key == spec.length_field)
        as_text = spec.wire is Wire.VAR_TEXT
        value = self.local()
        end = scope.end
        self.emit(
            scope,
            f"if pos == {end} or {length_local} == 0:",
            f"    {value} = {repr('') if as_text else repr(b'')}",
            "else:",
            f"    stop = pos + {length_local}",
            f"    if stop > {end}:",
            f"        raise _var_problem({name}, {length_field}, {length_local}, pos, {end})",
            f"    {value} = {'_text(buf[pos:stop])' if as_text else 'buf[pos:stop]'}",
            "    pos = stop",
        )
        entries.append(_Entry(spec.name, value))

    def rest(self, spec: FieldSpec, scope: _Scope, entries: list[_Entry], as_text: bool) -> None:
        value = self.local()
        end = scope.end
        if as_text:
            self.emit(scope, f"{value} = _text(buf[pos:{end}]) if {end} > pos else ''")
        else:
            self.emit(scope, f"{value} = buf[pos:{end}]")
        self.emit(scope, f"pos = {end}")
        entries.append(_Entry(spec.name, value))

    def step(self, step: _Step, spec: FieldSpec, scope: _Scope, entries: list[_Entry]) -> None:
        value = self.local()
        helper = self.constant("_step", step)
        self.emit(scope, f"{value}, pos = {helper}(buf, pos, {scope.end}, {scope.depth})")
        entries.append(_Entry(spec.name, value))

    def inline(
        self,
        spec: FieldSpec,
        rest: Sequence[FieldSpec],
        scope: _Scope,
        entries: list[_Entry],
    ) -> None:
        """Branch on the inline block's type; each branch decodes it and the fields after it."""
        end = scope.end
        block_type = self.local("bt")
        self.emit(
            scope,
            f"if {scope.depth} <= 0:",
            "    raise _Problem('blockLength', pos, _TOO_DEEP)",
            f"if pos + 8 > {end}:",
            f"    raise _header_problem('blockLength', pos, {end})",
            f"{block_type}, length = _HEADER(buf, pos)",
        )
        typed = [layout for layout in spec.blocks if layout.block_type is not None]
        untyped = [layout for layout in spec.blocks if layout.block_type is None]
        for index, layout in enumerate(typed):
            keyword = "if" if index == 0 else "elif"
            self.emit(scope, f"{keyword} {block_type} == {int(layout.block_type or 0)}:")
            self.inline_branch(layout, rest, scope.inner(end, scope.depth), entries, block_type)
        if typed:
            self.emit(scope, "else:")
            branch = scope.inner(end, scope.depth)
        else:
            branch = scope
        if untyped:
            self.inline_branch(untyped[0], rest, branch, entries, block_type)
        elif self.record_level:
            expected = tuple(int(layout.block_type or 0) for layout in typed)
            self.emit(branch, f"raise _UnknownVersion({block_type}, pos, {expected!r})")
        else:
            allowed = repr(_allowed(spec.blocks))
            self.emit(branch, f"raise _type_problem('blockLength', pos, {block_type}, {allowed})")

    def inline_branch(
        self,
        layout: BlockLayout,
        rest: Sequence[FieldSpec],
        scope: _Scope,
        entries: list[_Entry],
        block_type: str,
    ) -> None:
        stop = self.local("end")
        self.emit(
            scope,
            f"{stop} = pos + length",
            f"if length < 8 or {stop} > {scope.end}:",
            f"    raise _length_problem('blockLength', pos, length, {scope.end})",
            "pos += 8",
        )
        branch_entries = [*entries, _Entry("blockType", block_type)]
        inner = _Scope(scope.indent, stop, f"({scope.depth} - 1)")
        self.sequence(layout.fields, inner, branch_entries, f"{self.where} / {layout.title}", tail=False)
        if rest:
            # Fields the layout does not know (a longer, newer block) are skipped (§4.3).
            self.emit(scope, f"pos = {stop}")
        self.sequence(rest, scope, branch_entries, self.where, tail=True)

    # --- sequences and the result --------------------------------------------------------

    def sequence(
        self, fields: Sequence[FieldSpec], scope: _Scope, entries: list[_Entry], where: str, tail: bool
    ) -> None:
        """Emit ``fields``; with ``tail``, end with the result dict (or branch into it)."""
        _validate(fields, where)
        run: list[FieldSpec] = []
        for index, spec in enumerate(fields):
            if field_size(spec) is not None and spec.present_if is None:
                run.append(spec)
                continue
            wire = spec.wire
            if run:
                if wire in (Wire.STRING_BLOCK, Wire.BLOB_BLOCK) and spec.present_if is None:
                    self.fixed_run(run, scope, entries, then=spec)
                    run = []
                    continue
                self.fixed_run(run, scope, entries)
                run = []
            if spec.present_if is not None:
                self.conditional(spec, scope, entries)
            elif wire in (Wire.STRING_BLOCK, Wire.BLOB_BLOCK):
                self.generic_block(spec, scope, entries)
            elif wire in (Wire.VAR_TEXT, Wire.VAR_BYTES):
                self.var_field(spec, scope, entries)
            elif wire is Wire.REST_TEXT:
                self.rest(spec, scope, entries, as_text=True)
            elif wire is Wire.REST_BYTES:
                self.rest(spec, scope, entries, as_text=False)
            elif wire is Wire.BLOCK:
                self.step(_block_step(spec, where), spec, scope, entries)
            elif wire is Wire.LIST:
                self.step(_list_step(spec, where), spec, scope, entries)
            elif wire is Wire.INLINE_BLOCK:
                if not tail:
                    raise LocalProtocolError(f"layout {where}: an inline block inside an inline block")
                self.inline(spec, fields[index + 1 :], scope, entries)
                return
            else:  # pragma: no cover - every Wire member is handled above
                raise LocalProtocolError(f"layout {where}: unsupported wire kind {wire}")
        if run:
            self.fixed_run(run, scope, entries)
        if tail:
            self.result(scope, entries)

    def result(self, scope: _Scope, entries: Sequence[_Entry]) -> None:
        """Build the returned dict: copy the prototype of the present keys, store values."""
        conditions = list(dict.fromkeys(e.condition for e in entries if e.condition is not None))
        if len(conditions) > 4:
            raise LocalProtocolError(f"layout {self.where}: more than 4 conditional fields")
        prototypes = []
        for mask in range(1 << len(conditions)):
            present = {c for bit, c in enumerate(conditions) if mask >> bit & 1}
            keys = (e.key for e in entries if e.condition is None or e.condition in present)
            prototypes.append(self.constant("_P", dict.fromkeys(keys)))
        if not conditions:
            self.emit(scope, f"out = {prototypes[0]}.copy()")
        elif len(conditions) == 1:
            self.emit(scope, f"out = ({prototypes[1]} if {conditions[0]} else {prototypes[0]}).copy()")
        else:
            table = self.constant("_PROTOTYPES", tuple(self.env[p] for p in prototypes))
            index = " + ".join(f"(1 if {c} else 0) * {1 << bit}" for bit, c in enumerate(conditions))
            self.emit(scope, f"out = {table}[{index}].copy()")
        # Stores in field order: on a repeated key the later field wins (its position in
        # the prototype is that of the first), as when filling a dict field by field.
        for entry in entries:
            store = f"out[{entry.key!r}] = {entry.local}"
            self.emit(scope, store if entry.condition is None else f"if {entry.condition}: {store}")
        self.emit(scope, "return out")

    def build(self, params: str) -> Callable[..., dict[str, Any]]:
        source = "\n".join([f"def decode({params}):", *self.lines, ""])
        namespace = dict(self.env)
        exec(compile(source, f"<estreamer layout {self.where}>", "exec"), namespace)
        decode: Callable[..., dict[str, Any]] = namespace["decode"]
        decode.__doc__ = f"Decoder generated for {self.where}:\n\n{source}"
        return decode


def _compile_body(fields: Sequence[FieldSpec], where: str) -> _Body:
    """Compile the fields of a nested block: ``(buf, pos, end, depth, blockType) -> dict``."""
    builder = _SourceBuilder(where, record_level=False)
    entries = [_Entry("blockType", "block_type")]
    builder.sequence(fields, _Scope("    ", "end", "depth"), entries, where, True)
    body: _Body = builder.build("buf, pos, end, depth, block_type")
    return body


def _compile_record(fields: Sequence[FieldSpec], where: str) -> _RecordDecoder:
    """Compile a record layout: ``(buf, start, end, depth) -> dict``.

    An inline block among these fields is the record's version (see the module docstring).
    """
    builder = _SourceBuilder(where, record_level=True)
    builder.sequence(fields, _Scope("    ", "end", "depth"), [], where, True)
    decode: _RecordDecoder = builder.build("buf, pos, end, depth")
    return decode


class _CompiledRecord:
    """The decoder of one record type."""

    __slots__ = ("record_type", "label", "decode", "fallback", "primary_type", "is_metadata", "entry")

    def __init__(self, layout: RecordLayout) -> None:
        self.record_type = int(layout.record_type)
        self.is_metadata = self.record_type in METADATA_RECORD_TYPES
        try:
            self.label = f"record {self.record_type} ({RecordType(self.record_type).name})"
        except ValueError:
            self.label = f"record {self.record_type}"
        self.decode = _compile_record(layout.fields, self.label)
        self.fallback: _RecordDecoder | None = None
        self.primary_type: int | None = None
        self.entry: _RecordDecoder = self.decode
        if layout.fallback is not None:
            first = layout.fields[0] if len(layout.fields) == 1 else None
            if first is None or first.wire is not Wire.INLINE_BLOCK or len(first.blocks) != 1:
                raise LocalProtocolError(
                    f"layout {self.label}: a fallback needs a primary layout of one inline block"
                )
            self.primary_type = first.blocks[0].block_type
            self.fallback = _compile_record(layout.fallback, f"{self.label} fallback")
            self.entry = self._choose

    def _choose(self, buf: bytes, start: int, end: int, depth: int) -> dict[str, Any]:
        """Decode with the primary layout or, when it does not fit (§6.3), the fallback."""
        if end - start >= BLOCK_HEADER_SIZE:
            block_type, length = _BLOCK_HEADER.unpack_from(buf, start)
            # primary_type None: any block type (records 132/282/600/601, §9.2 #7).
            if self.primary_type in (None, block_type) and length == end - start:
                return self.decode(buf, start, end, depth)
        assert self.fallback is not None
        return self.fallback(buf, start, end, depth)

    def decode_at(
        self,
        buf: bytes,
        start: int,
        end: int,
        archive_timestamp: int | None,
        offset: int,
        max_block_depth: int,
    ) -> Record:
        """Decode the record data ``buf[start:end]`` in place (no copy of the record).

        Args and Raises: see ``decode_record`` (which checks its arguments first).
        """
        try:
            fields = self.entry(buf, start, end, max_block_depth)
        except (_Problem, _UnknownVersion) as failure:
            if start:
                # Error messages give offsets within the record data: decode the record
                # again on its own (only on this error path) to report them that way.
                return self.decode_at(
                    buf[start:end], 0, end - start, archive_timestamp, offset, max_block_depth
                )
            raise self._error(failure, end, offset) from None
        # _make_record inlined (this is the hot path).
        record: Any = _new_draft(_RecordDraft)
        record.record_type = self.record_type
        record.archive_timestamp = archive_timestamp
        record.fields = fields
        record.offset = offset
        record.is_metadata = self.is_metadata
        record.__class__ = Record
        made: Record = record
        return made

    def _error(
        self, failure: _Problem | _UnknownVersion, end: int, offset: int
    ) -> RemoteProtocolError:
        """The public error for an internal one (record data from offset 0 to ``end``)."""
        if isinstance(failure, _UnknownVersion):
            return UnsupportedRecordVersion(
                self.record_type,
                failure.block_type,
                label=self.label,
                expected=failure.expected,
                data_offset=failure.pos,
                offset=offset,
            )
        return RemoteProtocolError(
            f"{self.label} cannot be decoded: field {'.'.join(failure.path)!r} "
            f"at record-data offset {failure.pos}: {failure.reason} "
            f"(record data is {end} bytes)",
            offset=offset,
        )


_COMPILED: dict[int, _CompiledRecord] = {
    record_type: _CompiledRecord(layout) for record_type, layout in RECORD_LAYOUTS.items()
}
#: Compiled decoders by record type, for the connection's hot loop (internal).
DECODERS: Mapping[int, _CompiledRecord] = _COMPILED

#: Record types ``decode_record`` understands.
SUPPORTED_RECORD_TYPES: frozenset[int] = frozenset(_COMPILED)


def decode_record(
    record_type: int,
    data: bytes | bytearray | memoryview,
    archive_timestamp: int | None = None,
    offset: int = 0,
    *,
    max_block_depth: int = _DEFAULT_DEPTH,
) -> Record:
    """Decode the record data of one record (the bytes after the record header).

    Args:
        record_type: The record header's recordType (bit 31 is ignored, §4.1).
        data: Exactly the recordLength bytes of record data.
        archive_timestamp: From a 16-byte record header, or None for an 8-byte one.
        offset: Stream offset of the enclosing message header (kept in the Record and
            used in error messages).
        max_block_depth: Deepest block nesting accepted (``Limits.max_block_depth``).

    Returns:
        The decoded ``Record``.

    Raises:
        UnsupportedRecordVersion: The record's block (its version) has a type we have no
            layout for; a ``RemoteProtocolError`` subclass carrying that block type.
        RemoteProtocolError: The layout reads past the data, or a block is inconsistent;
            the message names the record type, the field and the offset.
        LocalProtocolError: ``record_type`` is not in ``SUPPORTED_RECORD_TYPES``.
    """
    record_type &= RECORD_TYPE_MASK
    compiled = _COMPILED.get(record_type)
    if compiled is None:
        raise LocalProtocolError(
            f"record type {record_type} has no layout (not in SUPPORTED_RECORD_TYPES); "
            "report it as an UnknownRecord instead of decoding it"
        )
    # The decoders slice text and BLOBs out of a bytes object (faster than a memoryview).
    buf = data if type(data) is bytes else bytes(data)
    return compiled.decode_at(buf, 0, len(buf), archive_timestamp, offset, max_block_depth)


def record_header(payload: bytes | memoryview) -> tuple[int, int, int]:
    """Read a record header and decide its size by length (§4.1).

    Args:
        payload: The EventData body or bundle inner payload, at least 8 bytes.

    Returns:
        (recordType with bit 31 masked, recordLength, header size) where header size is
        8 (no archive timestamp), 16 (archive timestamp + reserved) or 0 when the length
        matches neither (a malformed record to be skipped).

    Raises:
        RemoteProtocolError: The payload is shorter than 8 bytes.
    """
    size = len(payload)
    if size < 8:
        raise RemoteProtocolError(
            f"record header needs 8 bytes but the payload has only {size}"
        )
    record_type, record_length = _RECORD_HEADER.unpack_from(payload, 0)
    if size == record_length + 8:
        header = 8
    elif size == record_length + 16:
        header = 16
    else:
        header = 0
    return record_type & RECORD_TYPE_MASK, record_length, header
