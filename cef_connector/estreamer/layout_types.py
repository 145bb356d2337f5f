"""The vocabulary of record and block layouts (§4.4-§4.6): field kinds and constructors.

The tables themselves live in ``layouts.py`` (event records and their blocks) and
``metadata_layouts.py`` (metadata records and their blocks).  A layout is a tuple of
``FieldSpec`` in wire order; nothing here executes.  ``records.py`` compiles each layout
once into a decoder and ``encode.py`` into an encoder, so adding a record type is a
matter of adding data to those modules.

Field kinds (``Wire``):

========================  =====================================================  ==============
kind                      wire form                                              decoded value
========================  =====================================================  ==============
U8 U16 U32 U64 I32        big-endian integer                                     int
IPV4 / IPV6               4 / 16 bytes (IPv4 carried IPv4-mapped in IPV6)         str
MAC / UUID                6 / 16 bytes                                           str
BYTES (size n)            n raw bytes (hashes, fingerprints, ids)                str, hex
STRING_BLOCK              block header + UTF-8 (series-agnostic type 0)          str
BLOB_BLOCK                block header + raw bytes                               bytes
VAR_TEXT / VAR_BYTES      n bytes, n taken from an earlier integer field         str / bytes
REST_TEXT                 every byte up to the end of the container              str
REST_BYTES                every byte up to the end of the container              bytes
BLOCK (blocks)            one nested block, type read from the wire              dict (+blockType)
LIST (blocks)             list header + complete blocks                          list[dict]
INLINE_BLOCK (blocks)     one block whose fields are merged into the container   (flattened)
========================  =====================================================  ==============

An INLINE_BLOCK among a record's own fields is the record's *version* (block 60 or 41 of
record 400, 163 or 160 of record 71): list every block version the record may carry there.
A block type outside that list makes the record an ``UnknownRecord(version=blockType)``
instead of a decoding failure (``records.UnsupportedRecordVersion``).

``present_if`` makes a field conditional on an earlier field being non-zero (the discovery
header's ``ipv6Address``, §4.6).  ``RecordLayout.fallback`` is an alternative field list for
records whose real-world layout is disputed (record 62, §6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


__all__ = [
    "Wire",
    "FIXED_SIZES",
    "FieldSpec",
    "BlockLayout",
    "RecordLayout",
    "u8",
    "u16",
    "u32",
    "u64",
    "i32",
    "ipv4",
    "ipv6",
    "mac",
    "uuid",
    "hexbytes",
    "string_block",
    "blob_block",
    "var_text",
    "var_bytes",
    "rest_text",
    "rest_bytes",
    "block",
    "list_of",
    "inline",
    "DISCOVERY_HEADER",
]


class Wire(Enum):
    """How a field is laid out on the wire (see the module docstring)."""

    U8 = "u8"
    U16 = "u16"
    U32 = "u32"
    U64 = "u64"
    I32 = "i32"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    MAC = "mac"
    UUID = "uuid"
    BYTES = "bytes"
    STRING_BLOCK = "string_block"
    BLOB_BLOCK = "blob_block"
    VAR_TEXT = "var_text"
    VAR_BYTES = "var_bytes"
    REST_TEXT = "rest_text"
    REST_BYTES = "rest_bytes"
    BLOCK = "block"
    LIST = "list"
    INLINE_BLOCK = "inline_block"


#: Sizes of the fixed-size kinds (BYTES takes its size from the field).
FIXED_SIZES: dict[Wire, int] = {
    Wire.U8: 1,
    Wire.U16: 2,
    Wire.U32: 4,
    Wire.U64: 8,
    Wire.I32: 4,
    Wire.IPV4: 4,
    Wire.IPV6: 16,
    Wire.MAC: 6,
    Wire.UUID: 16,
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of a layout.

    Attributes:
        name: The protocol doc's lowerCamelCase name ("" for INLINE_BLOCK).
        wire: The wire kind.
        size: Byte count of a BYTES field.
        length_field: For VAR_TEXT/VAR_BYTES, the earlier integer field holding the length.
        blocks: For BLOCK/LIST/INLINE_BLOCK, the layouts allowed here, chosen by the block
            type read from the wire.
        present_if: Name of an earlier field; this field is present only when that one is
            non-zero.
    """

    name: str
    wire: Wire
    size: int = 0
    length_field: str | None = None
    blocks: tuple[BlockLayout, ...] = ()
    present_if: str | None = None


@dataclass(frozen=True)
class BlockLayout:
    """The fields of one block type after its 8-byte header (§4.4).

    Attributes:
        series: 1 or 2 (the series is not on the wire; it decides generic block numbers
            such as BLOB 10 vs 1 when encoding).
        block_type: The block type number, or None when the type on the wire is not
            checked (records 530/700, whose block number is undocumented).
        title: Human name used in error messages.
        fields: The fields after blockType and blockLength.
    """

    series: int
    block_type: int | None
    title: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class RecordLayout:
    """How the record data of one record type is laid out.

    Attributes:
        record_type: The record type number.
        fields: Fields in wire order.  An INLINE_BLOCK item merges the block's fields
            into the record's top level ("flattening").
        fallback: Used instead of ``fields`` when ``fields`` is a single inline block and
            the data does not start with a block of that type spanning the whole record
            (record 62, §6.3); also chosen by the encoder when ``blockType`` is absent.
    """

    record_type: int
    fields: tuple[FieldSpec, ...]
    fallback: tuple[FieldSpec, ...] | None = None


# --- field constructors ----------------------------------------------------------------


def u8(name: str, *, present_if: str | None = None) -> FieldSpec:
    """An unsigned 8-bit integer field."""
    return FieldSpec(name, Wire.U8, present_if=present_if)


def u16(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian uint16 field."""
    return FieldSpec(name, Wire.U16, present_if=present_if)


def u32(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian uint32 field."""
    return FieldSpec(name, Wire.U32, present_if=present_if)


def u64(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian uint64 field."""
    return FieldSpec(name, Wire.U64, present_if=present_if)


def i32(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian signed int32 field."""
    return FieldSpec(name, Wire.I32, present_if=present_if)


def ipv4(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 4-byte IPv4 address."""
    return FieldSpec(name, Wire.IPV4, present_if=present_if)


def ipv6(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 16-byte IPv6 address (IPv4 addresses IPv4-mapped)."""
    return FieldSpec(name, Wire.IPV6, present_if=present_if)


def mac(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 6-byte MAC address."""
    return FieldSpec(name, Wire.MAC, present_if=present_if)


def uuid(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 16-byte UUID in RFC 4122 byte order."""
    return FieldSpec(name, Wire.UUID, present_if=present_if)


def hexbytes(name: str, size: int, *, present_if: str | None = None) -> FieldSpec:
    """A raw byte array of ``size`` bytes (uint8[n]), decoded as lowercase hex."""
    return FieldSpec(name, Wire.BYTES, size=size, present_if=present_if)


def string_block(name: str) -> FieldSpec:
    """A string block: header (type 0) + UTF-8 bytes."""
    return FieldSpec(name, Wire.STRING_BLOCK)


def blob_block(name: str) -> FieldSpec:
    """A BLOB block: header + raw bytes."""
    return FieldSpec(name, Wire.BLOB_BLOCK)


def var_text(name: str, length_field: str) -> FieldSpec:
    """Text whose byte length is the value of the earlier field ``length_field``."""
    return FieldSpec(name, Wire.VAR_TEXT, length_field=length_field)


def var_bytes(name: str, length_field: str) -> FieldSpec:
    """Raw bytes whose length is the value of the earlier field ``length_field``."""
    return FieldSpec(name, Wire.VAR_BYTES, length_field=length_field)


def rest_text(name: str) -> FieldSpec:
    """Text running to the end of the container (no length on the wire)."""
    return FieldSpec(name, Wire.REST_TEXT)


def rest_bytes(name: str) -> FieldSpec:
    """Raw bytes running to the end of the container (an undocumented block body)."""
    return FieldSpec(name, Wire.REST_BYTES)


def block(name: str, *layouts: BlockLayout) -> FieldSpec:
    """One nested block, decoded as a dict; its type on the wire picks one of ``layouts``."""
    return FieldSpec(name, Wire.BLOCK, blocks=layouts)


def list_of(name: str, *layouts: BlockLayout) -> FieldSpec:
    """A list block of complete blocks, each one of ``layouts``; decoded as list[dict]."""
    return FieldSpec(name, Wire.LIST, blocks=layouts)


def inline(*layouts: BlockLayout) -> FieldSpec:
    """One block whose fields become fields of the container (flattening)."""
    return FieldSpec("", Wire.INLINE_BLOCK, blocks=layouts)


# --- §4.6 discovery event header --------------------------------------------------------

DISCOVERY_HEADER: tuple[FieldSpec, ...] = (
    u32("deviceId"),
    ipv4("legacyIpAddress"),
    mac("macAddress"),
    u8("hasIpv6"),
    u8("reserved"),
    u32("eventSecond"),
    u32("eventMicrosecond"),
    u32("eventType"),
    u32("eventSubtype"),
    hexbytes("fileNumber", 4),
    hexbytes("filePosition", 4),
    ipv6("ipv6Address", present_if="hasIpv6"),
)
