"""Record decoding: the ``Record`` type and the decoders compiled from ``layouts.py`` (§4, §5, §6).

Each field sequence of a layout (a record's or a block's fields) is compiled once, at
import, into one generated Python function of straight-line code: consecutive fixed-size
fields become one precompiled ``struct.Struct`` read with ``unpack_from`` on a
``memoryview`` (no copies) into locals; addresses, UUIDs and byte arrays are converted to
text; string/BLOB blocks and length-prefixed fields are read inline; nested blocks and
lists call compiled helpers.  Every read is checked against the end of its container
first, so a short record raises ``RemoteProtocolError`` naming the record type, the field
and the offset; ``struct.error`` and ``IndexError`` cannot escape.  The generated source of
each decoder is kept in its ``__doc__`` for debugging.

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


# Record is frozen; its generated __init__ goes through object.__setattr__ per field, which
# doubles the cost of creating one.  decode_record builds instances through the slot
# descriptors instead: the same object, made in half the time (checked by a test).
_new_object = object.__new__


def _slot_setter(name: str) -> Callable[[Record, Any], None]:
    descriptor: Any = Record.__dict__[name]
    setter: Callable[[Record, Any], None] = descriptor.__set__
    return setter


_set_record_type = _slot_setter("record_type")
_set_archive_timestamp = _slot_setter("archive_timestamp")
_set_fields = _slot_setter("fields")
_set_offset = _slot_setter("offset")
_set_is_metadata = _slot_setter("is_metadata")


def _make_record(
    record_type: int,
    archive_timestamp: int | None,
    fields: dict[str, Any],
    offset: int,
    is_metadata: bool,
) -> Record:
    record: Record = _new_object(Record)
    _set_record_type(record, record_type)
    _set_archive_timestamp(record, archive_timestamp)
    _set_fields(record, fields)
    _set_offset(record, offset)
    _set_is_metadata(record, is_metadata)
    return record


# --- value conversions -------------------------------------------------------------------

_MAPPED_PREFIX = bytes(10) + b"\xff\xff"
_ZERO16 = bytes(16)
# Addresses and UUIDs repeat heavily in a stream (zones, interfaces, policies, hosts), so
# their text forms are memoised; the caches are bounded and simply emptied when full.
_CACHE_LIMIT = 65536
_IPV6_CACHE: dict[bytes, str] = {}
_UUID_CACHE: dict[bytes, str] = {}


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
            text = f"{raw[12]}.{raw[13]}.{raw[14]}.{raw[15]}"
        elif raw == _ZERO16:
            text = "::"
        else:
            text = ipaddress.IPv6Address(raw).compressed
        if len(_IPV6_CACHE) >= _CACHE_LIMIT:
            _IPV6_CACHE.clear()
        _IPV6_CACHE[raw] = text
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
        _UUID_CACHE[raw] = text
    return text


def _ipv4_text(raw: bytes) -> str:
    return f"{raw[0]}.{raw[1]}.{raw[2]}.{raw[3]}"


def _text(view: memoryview) -> str:
    # UTF-8 with invalid bytes replaced; NULs removed (eNcore strips them, §4.5).
    text = str(view, "utf-8", "replace")
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


# A compiled field sequence: (view, pos, end, out, depth) -> position after the fields.
_Step = Callable[[memoryview, int, int, dict[str, Any], int], int]


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


def _block_extent(view: memoryview, pos: int, end: int, name: str) -> tuple[int, int]:
    """Read a block header at ``pos``; return (blockType, end of block)."""
    if pos + BLOCK_HEADER_SIZE > end:
        raise _header_problem(name, pos, end)
    block_type, length = _BLOCK_HEADER.unpack_from(view, pos)
    stop = pos + length
    if length < BLOCK_HEADER_SIZE or stop > end:
        raise _length_problem(name, pos, length, end)
    return block_type, stop


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


class _BlockChoice:
    """The compiled layouts allowed at one place, chosen by the block type on the wire.

    ``is_version`` marks the record-level block, whose type is the record's version: an
    unknown type there raises ``_UnknownVersion`` instead of ``_Problem``.
    """

    __slots__ = ("by_type", "any_layout", "allowed", "is_version")

    def __init__(self, layouts: Sequence[BlockLayout], owner: str, is_version: bool = False) -> None:
        self.by_type: dict[int, _Step] = {}
        self.any_layout: _Step | None = None
        self.is_version = is_version
        for layout in layouts:
            decode = _compile_fields(layout.fields, f"{owner} / {layout.title}")
            if layout.block_type is None:
                self.any_layout = decode
            else:
                self.by_type[int(layout.block_type)] = decode
        self.allowed = ", ".join(str(t) for t in self.by_type) or "any"

    def decode_into(
        self, view: memoryview, pos: int, end: int, out: dict[str, Any], depth: int, name: str
    ) -> int:
        """Decode the block at ``pos`` into ``out`` (with ``blockType``); return its end."""
        if depth <= 0:
            raise _Problem(name, pos, "blocks are nested deeper than Limits.max_block_depth")
        if pos + BLOCK_HEADER_SIZE > end:
            raise _header_problem(name, pos, end)
        block_type: int
        length: int
        block_type, length = _BLOCK_HEADER.unpack_from(view, pos)
        decode = self.by_type.get(block_type, self.any_layout)
        if decode is None:
            # The type is judged before the length: with no layout for this type there is
            # nothing to check the rest of the block against.
            if self.is_version:
                raise _UnknownVersion(block_type, pos, tuple(self.by_type))
            raise _Problem(
                name, pos, f"block type {block_type} is not one of the expected types ({self.allowed})"
            )
        stop = pos + length
        if length < BLOCK_HEADER_SIZE or stop > end:
            raise _length_problem(name, pos, length, end)
        out["blockType"] = block_type
        decode(view, pos + BLOCK_HEADER_SIZE, stop, out, depth - 1)
        # Fields the layout does not know (a longer, newer block) are skipped (§4.3).
        return stop


def _block_step(spec: FieldSpec, owner: str) -> _Step:
    choice = _BlockChoice(spec.blocks, owner)
    name = spec.name

    def step(view: memoryview, pos: int, end: int, out: dict[str, Any], depth: int) -> int:
        nested: dict[str, Any] = {}
        try:
            stop = choice.decode_into(view, pos, end, nested, depth, name)
        except _Problem as problem:
            if problem.path[0] != name:
                problem.path.insert(0, name)
            raise
        out[name] = nested
        return stop

    return step


def _inline_step(spec: FieldSpec, owner: str, is_version: bool) -> _Step:
    choice = _BlockChoice(spec.blocks, owner, is_version)

    def step(view: memoryview, pos: int, end: int, out: dict[str, Any], depth: int) -> int:
        return choice.decode_into(view, pos, end, out, depth, "blockLength")

    return step


def _list_step(spec: FieldSpec, owner: str) -> _Step:
    choice = _BlockChoice(spec.blocks, owner)
    name = spec.name

    def step(view: memoryview, pos: int, end: int, out: dict[str, Any], depth: int) -> int:
        if pos == end:  # §4.3: a variable field starting exactly at the end is empty
            out[name] = []
            return pos
        if depth <= 0:
            raise _Problem(name, pos, "blocks are nested deeper than Limits.max_block_depth")
        _type, stop = _block_extent(view, pos, end, name)
        items: list[dict[str, Any]] = []
        cursor = pos + BLOCK_HEADER_SIZE
        while cursor < stop:
            item: dict[str, Any] = {}
            label = f"{name}[{len(items)}]"
            try:
                cursor = choice.decode_into(view, cursor, stop, item, depth - 1, label)
            except _Problem as problem:
                if problem.path[0] != label:
                    problem.path.insert(0, label)
                raise
            items.append(item)
        out[name] = items
        return stop

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


def _value_expression(wire: Wire, var: str) -> str:
    """Python expression turning the unpacked value ``var`` into its decoded form."""
    if wire is Wire.BYTES:
        return f"{var}.hex()"
    if wire is Wire.MAC:
        return f"{var}.hex(':')"
    if wire is Wire.IPV4:
        return f"_ipv4({var})"
    # Addresses and UUIDs: inline cache hit, else the converter (which never returns "").
    if wire is Wire.IPV6:
        return f"_ipv6_cache({var}) or _ipv6({var})"
    if wire is Wire.UUID:
        return f"_uuid_cache({var}) or _uuid({var})"
    return var


class _SourceBuilder:
    """Generates the Python source of one field sequence's decoder.

    The generated function is straight-line code: one ``unpack_from`` per run of
    fixed-size fields into locals, one store per field, string/BLOB/var fields inline.
    Nested, list and inline blocks call compiled helpers.  Field names come from
    ``layouts.py`` (validated, embedded with ``repr``), never from the stream.
    """

    def __init__(self, where: str) -> None:
        self.where = where
        self.lines: list[str] = []
        self.env: dict[str, Any] = {
            "_text": _text,
            "_HEADER": _BLOCK_HEADER.unpack_from,
            "_header_problem": _header_problem,
            "_length_problem": _length_problem,
            "_var_problem": _var_problem,
            "_ipv4": _ipv4_text,
            "_ipv6": ipv6_text,
            "_uuid": uuid_text,
            "_ipv6_cache": _IPV6_CACHE.get,
            "_uuid_cache": _UUID_CACHE.get,
        }
        self.counter = 0

    def _name(self, prefix: str, value: Any) -> str:
        self.counter += 1
        name = f"{prefix}{self.counter}"
        self.env[name] = value
        return name

    def fixed_run(self, specs: Sequence[FieldSpec], indent: str = "    ") -> None:
        layout = Struct(">" + "".join(struct_code(s) for s in specs))
        unpack = self._name("_unpack", layout.unpack_from)
        locate = self._name("_locate", _locator(specs))
        targets = ", ".join(f"v{i}" for i in range(len(specs)))
        add = self.lines.append
        add(f"{indent}stop = pos + {layout.size}")
        add(f"{indent}if stop > end:")
        add(f"{indent}    raise {locate}(pos, end)")
        add(f"{indent}{targets}, = {unpack}(view, pos)")
        for index, spec in enumerate(specs):
            add(f"{indent}out[{spec.name!r}] = {_value_expression(spec.wire, f'v{index}')}")
        add(f"{indent}pos = stop")

    def conditional(self, spec: FieldSpec) -> None:
        self.lines.append(f"    if out[{spec.present_if!r}]:")
        self.fixed_run((spec,), indent="        ")

    def generic_block(self, spec: FieldSpec, as_text: bool) -> None:
        name = repr(spec.name)
        empty = "''" if as_text else "b''"
        value = "_text(view[pos + 8:stop])" if as_text else "bytes(view[pos + 8:stop])"
        self.lines.extend(
            [
                "    if pos == end:",  # §4.3: a variable field starting at the end is empty
                f"        out[{name}] = {empty}",
                "    else:",
                "        if pos + 8 > end:",
                f"            raise _header_problem({name}, pos, end)",
                "        _type, length = _HEADER(view, pos)",
                "        stop = pos + length",
                "        if length < 8 or stop > end:",
                f"            raise _length_problem({name}, pos, length, end)",
                "        if length == 8:",
                f"            out[{name}] = {empty}",
                "        else:",
            ]
        )
        if as_text:
            # _text() inlined: UTF-8 with replacement, NULs removed.
            self.lines.extend(
                [
                    "            text = str(view[pos + 8:stop], 'utf-8', 'replace')",
                    "            if '\\x00' in text:",
                    "                text = text.replace('\\x00', '')",
                    f"            out[{name}] = text",
                ]
            )
        else:
            self.lines.append(f"            out[{name}] = {value}")
        self.lines.append("        pos = stop")

    def var_field(self, spec: FieldSpec) -> None:
        name = repr(spec.name)
        length_field = repr(spec.length_field)
        as_text = spec.wire is Wire.VAR_TEXT
        empty = "''" if as_text else "b''"
        value = "_text(view[pos:stop])" if as_text else "bytes(view[pos:stop])"
        self.lines.extend(
            [
                f"    length = out[{length_field}]",
                "    if pos == end or length == 0:",
                f"        out[{name}] = {empty}",
                "    else:",
                "        stop = pos + length",
                "        if stop > end:",
                f"            raise _var_problem({name}, {length_field}, length, pos, end)",
                f"        out[{name}] = {value}",
                "        pos = stop",
            ]
        )

    def rest_text(self, spec: FieldSpec) -> None:
        self.lines.append(f"    out[{spec.name!r}] = _text(view[pos:end]) if end > pos else ''")
        self.lines.append("    pos = end")

    def rest_bytes(self, spec: FieldSpec) -> None:
        self.lines.append(f"    out[{spec.name!r}] = bytes(view[pos:end])")
        self.lines.append("    pos = end")

    def call(self, step: _Step) -> None:
        self.lines.append(f"    pos = {self._name('_step', step)}(view, pos, end, out, depth)")

    def build(self) -> _Step:
        source = "\n".join(
            ["def decode(view, pos, end, out, depth):", *self.lines, "    return pos", ""]
        )
        namespace = dict(self.env)
        exec(compile(source, f"<estreamer layout {self.where}>", "exec"), namespace)
        decode: _Step = namespace["decode"]
        decode.__doc__ = f"Decoder generated for {self.where}:\n\n{source}"
        return decode


def _compile_fields(fields: Sequence[FieldSpec], where: str, record_level: bool = False) -> _Step:
    """Compile one field sequence into a decoder function.

    ``record_level`` is true for a record's own fields: an inline block there is the
    record's version (see the module docstring).
    """
    _validate(fields, where)
    builder = _SourceBuilder(where)
    run: list[FieldSpec] = []
    for spec in fields:
        if field_size(spec) is not None and spec.present_if is None:
            run.append(spec)
            continue
        if run:
            builder.fixed_run(run)
            run = []
        wire = spec.wire
        if spec.present_if is not None:
            builder.conditional(spec)
        elif wire is Wire.STRING_BLOCK:
            builder.generic_block(spec, as_text=True)
        elif wire is Wire.BLOB_BLOCK:
            builder.generic_block(spec, as_text=False)
        elif wire in (Wire.VAR_TEXT, Wire.VAR_BYTES):
            builder.var_field(spec)
        elif wire is Wire.REST_TEXT:
            builder.rest_text(spec)
        elif wire is Wire.REST_BYTES:
            builder.rest_bytes(spec)
        elif wire is Wire.BLOCK:
            builder.call(_block_step(spec, where))
        elif wire is Wire.LIST:
            builder.call(_list_step(spec, where))
        elif wire is Wire.INLINE_BLOCK:
            builder.call(_inline_step(spec, where, record_level))
        else:  # pragma: no cover - every Wire member is handled above
            raise LocalProtocolError(f"layout {where}: unsupported wire kind {wire}")
    if run:
        builder.fixed_run(run)
    return builder.build()


class _CompiledRecord:
    """The decoder of one record type."""

    __slots__ = ("record_type", "label", "decode", "fallback", "primary_type", "is_metadata")

    def __init__(self, layout: RecordLayout) -> None:
        self.record_type = int(layout.record_type)
        self.is_metadata = self.record_type in METADATA_RECORD_TYPES
        try:
            self.label = f"record {self.record_type} ({RecordType(self.record_type).name})"
        except ValueError:
            self.label = f"record {self.record_type}"
        self.decode = _compile_fields(layout.fields, self.label, record_level=True)
        self.fallback: _Step | None = None
        self.primary_type: int | None = None
        if layout.fallback is not None:
            first = layout.fields[0] if len(layout.fields) == 1 else None
            if first is None or first.wire is not Wire.INLINE_BLOCK or len(first.blocks) != 1:
                raise LocalProtocolError(
                    f"layout {self.label}: a fallback needs a primary layout of one inline block"
                )
            self.primary_type = first.blocks[0].block_type
            self.fallback = _compile_fields(
                layout.fallback, f"{self.label} fallback", record_level=True
            )

    def decode_view(
        self, view: memoryview, archive_timestamp: int | None, offset: int, max_block_depth: int
    ) -> Record:
        """Decode record data (see ``decode_record``, which checks its arguments first)."""
        end = len(view)
        fields: dict[str, Any] = {}
        try:
            self.decoder_for(view, end)(view, 0, end, fields, max_block_depth)
        except _Problem as problem:
            raise RemoteProtocolError(
                f"{self.label} cannot be decoded: field {'.'.join(problem.path)!r} "
                f"at record-data offset {problem.pos}: {problem.reason} "
                f"(record data is {end} bytes)",
                offset=offset,
            ) from None
        except _UnknownVersion as unknown:
            raise UnsupportedRecordVersion(
                self.record_type,
                unknown.block_type,
                label=self.label,
                expected=unknown.expected,
                data_offset=unknown.pos,
                offset=offset,
            ) from None
        return _make_record(self.record_type, archive_timestamp, fields, offset, self.is_metadata)

    def decoder_for(self, view: memoryview, end: int) -> _Step:
        """Pick the primary layout or, when it does not fit (§6.3), the fallback."""
        if self.fallback is None:
            return self.decode
        if end >= BLOCK_HEADER_SIZE:
            block_type, length = _BLOCK_HEADER.unpack_from(view, 0)
            # primary_type None: any block type (records 132/282/600/601, §9.2 #7).
            if self.primary_type in (None, block_type) and length == end:
                return self.decode
        return self.fallback


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
    view = data if isinstance(data, memoryview) else memoryview(data)
    return compiled.decode_view(view, archive_timestamp, offset, max_block_depth)


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
