"""What a record type's mapping can read: its decoded fields, derived from the record layouts.

The record layouts (``cef_connector.estreamer.layouts.RECORD_LAYOUTS``) are the single
source of truth for the fields of every record type we decode; this module reads them as
data, so it works for every record type the layouts gain without a change here:

* :func:`record_fields` lists the top-level fields of ``Record.fields`` (architecture
  "Decoded values": an inline block's fields at top level with its ``blockType``, nested
  blocks as dicts, list blocks as lists of dicts), each with its wire kind, the Python
  type a template sees, and when it is present only sometimes (another block version,
  ``present_if``, the fallback layout);
* :func:`field_names` is the set the mapping loader checks template variables against;
* :func:`example_fields` builds a plausible decoded record from the layout (used when
  ``samples.py`` has no hand-written sample of a type, for test rendering and for
  ``cef-connector mappings fields``); ``estreamer.encode_record_data`` accepts it and
  ``decode_record`` gives it back unchanged;
* :func:`printed_length_bound` tells how long a field's value can print, for the
  maximum-length check of ``mappings check``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cef_connector.estreamer.layouts import RECORD_LAYOUTS, BlockLayout, FieldSpec, RecordLayout, Wire

__all__ = [
    "FieldInfo",
    "record_fields",
    "field_names",
    "example_fields",
    "printed_length_bound",
    "kind_text",
    "has_ipv6_fields",
    "describe",
]

#: Longest printed text of the fixed kinds (None: no bound).
_PRINTED_BOUNDS: dict[str, int] = {
    "u8": 3, "u16": 5, "u32": 10, "u64": 20, "i32": 11,
    "ipv4": 15, "ipv6": 39, "mac": 17, "uuid": 36,
}  # fmt: skip

#: What a template sees for each kind.
_PYTHON_TYPES: dict[str, str] = {
    "u8": "int", "u16": "int", "u32": "int", "u64": "int", "i32": "int",
    "ipv4": "text (IPv4)", "ipv6": "text (IPv4 or IPv6)", "mac": "text (MAC)",
    "uuid": "text (UUID)", "bytes": "text (hex)", "string_block": "text",
    "blob_block": "bytes", "var_text": "text", "var_bytes": "bytes", "rest_text": "text",
    "rest_bytes": "bytes", "block": "dict", "list": "list of dict",
}  # fmt: skip


@dataclass(frozen=True)
class FieldInfo:
    """One field of a decoded record as a mapping sees it.

    Attributes:
        name: the field name (a template variable).
        kind: the wire kind (``u32``, ``ipv6``, ``string_block`` …; ``u32`` for ``blockType``).
        python_type: what the template gets (``int``, ``text (UUID)``, ``bytes`` …).
        condition: when the field is present only sometimes, in words; else ``""``.
        nested: the fields of a nested block or of each list item.
        size: byte count of a ``bytes`` field.
    """

    name: str
    kind: str
    python_type: str
    condition: str = ""
    nested: tuple[FieldInfo, ...] = ()
    size: int = 0


def kind_text(spec: FieldSpec) -> str:
    """Name a field's wire kind for people (``bytes[20]`` for a 20-byte array).

    Args:
        spec: a layout field.

    Returns:
        The kind's name.
    """
    kind = spec.wire.value
    return f"bytes[{spec.size}]" if kind == "bytes" else kind


def _python_type(spec: FieldSpec) -> str:
    return _PYTHON_TYPES.get(spec.wire.value, "value")


def _block_type_field(condition: str = "") -> FieldInfo:
    return FieldInfo("blockType", "u32", "int", condition)


def _fields_of_sequence(fields: Sequence[FieldSpec], condition: str = "") -> list[FieldInfo]:
    """Flatten one field sequence (inline blocks merged) into ordered FieldInfos."""
    result: list[FieldInfo] = []
    for spec in fields:
        kind = spec.wire.value
        if kind == "inline_block":
            result.extend(_inline_fields(spec.blocks, condition))
            continue
        own = condition
        if spec.present_if:
            own = _join(condition, f"only when {spec.present_if} is not 0")
        nested: tuple[FieldInfo, ...] = ()
        if kind in ("block", "list"):
            nested = tuple(_merge_alternatives(spec.blocks, with_block_type=True))
        result.append(FieldInfo(spec.name, kind_text(spec), _python_type(spec), own, nested, spec.size))
    return result


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def _block_label(block: BlockLayout) -> str:
    return f"block {block.block_type}" if block.block_type is not None else block.title


def _merge_alternatives(blocks: Sequence[BlockLayout], *, with_block_type: bool,
                        condition: str = "") -> list[FieldInfo]:
    """Union of the fields of alternative blocks, in first-seen order, with conditions."""
    per_block = [(_block_label(block), _fields_of_sequence(block.fields)) for block in blocks]
    seen: dict[str, FieldInfo] = {}
    holders: dict[str, list[str]] = {}
    if with_block_type:
        seen["blockType"] = _block_type_field(condition)
        holders["blockType"] = [label for label, _ in per_block]
    for label, infos in per_block:
        for info in infos:
            if info.name not in seen:
                seen[info.name] = info
            holders.setdefault(info.name, []).append(label)
    result: list[FieldInfo] = []
    for name, info in seen.items():
        extra = condition
        if len(per_block) > 1 and len(holders[name]) < len(per_block):
            extra = _join(extra, "only in " + ", ".join(holders[name]))
        extra = _join(extra, info.condition) if info.condition else extra
        result.append(FieldInfo(info.name, info.kind, info.python_type, extra, info.nested, info.size))
    return result


def _inline_fields(blocks: Sequence[BlockLayout], condition: str) -> list[FieldInfo]:
    return _merge_alternatives(blocks, with_block_type=True, condition=condition)


@functools.lru_cache(maxsize=None)
def record_fields(record_type: int) -> tuple[FieldInfo, ...]:
    """List the top-level fields of a decoded record of one type.

    A field decoded in more than one place (the discovery header and its event block
    both carry ``deviceId``) is listed once, where it first appears.

    Args:
        record_type: an eStreamer record type.

    Returns:
        The fields in wire order; empty when the type has no layout (cached: the
        layouts do not change while the program runs).
    """
    layout = RECORD_LAYOUTS.get(record_type)
    if layout is None:
        return ()
    infos = _fields_of_sequence(layout.fields)
    if layout.fallback is not None:
        primary = {info.name for info in infos}
        fallback = _fields_of_sequence(layout.fallback)
        fallback_names = {info.name for info in fallback}
        infos = [
            info if info.name in fallback_names
            else FieldInfo(info.name, info.kind, info.python_type,
                           _join(info.condition, "not in the fallback layout"), info.nested, info.size)
            for info in infos
        ]
        infos += [
            FieldInfo(info.name, info.kind, info.python_type,
                      _join(info.condition, "only in the fallback layout"), info.nested, info.size)
            for info in fallback if info.name not in primary
        ]
    unique: dict[str, FieldInfo] = {}
    for info in infos:
        unique.setdefault(info.name, info)
    return tuple(unique.values())


@functools.lru_cache(maxsize=None)
def field_names(record_type: int) -> frozenset[str]:
    """Return the names of every top-level field a record of this type can have.

    Args:
        record_type: an eStreamer record type.

    Returns:
        The names (empty when the type has no layout).
    """
    return frozenset(info.name for info in record_fields(record_type))


def printed_length_bound(info: FieldInfo) -> int | None:
    """Return the longest text a field's value can print as, or ``None`` when unbounded.

    Args:
        info: a field of :func:`record_fields`.

    Returns:
        The bound in characters (hex byte arrays: twice their size).
    """
    if info.kind.startswith("bytes["):
        return 2 * info.size
    return _PRINTED_BOUNDS.get(info.kind)


# --- example records -------------------------------------------------------------------------


class _Examples:
    """Deterministic example values, varied per field so that addresses differ."""

    def __init__(self, ipv6: bool) -> None:
        self.ipv6 = ipv6
        self.counter = itertools.count(1)

    @staticmethod
    def integer(name: str) -> int:
        lowered = name.lower()
        if lowered.endswith("microsecond"):
            return 123456
        if lowered.endswith(("second", "timestamp")) or lowered in ("time", "lastused"):
            return 1700000000
        if lowered.endswith("port"):
            return 443
        if lowered in ("protocol", "ipprotocolid", "transportprotocol"):
            return 6
        return 1

    def value(self, spec: FieldSpec) -> Any:
        kind = spec.wire.value
        number = next(self.counter)
        if kind in ("u8", "u16", "u32", "u64", "i32"):
            return self.integer(spec.name)
        if kind == "ipv4":
            return f"192.0.2.{number % 250 + 1}"
        if kind == "ipv6":
            return f"2001:db8::{number:x}" if self.ipv6 else f"198.51.100.{number % 250 + 1}"
        if kind == "mac":
            return f"00:50:56:a1:b2:{number % 256:02x}"
        if kind == "uuid":
            return f"6f3c2a10-9f31-11ea-8a3f-0d9c0a1b{number % 65536:04x}"
        if kind == "bytes":
            return ("0123456789abcdef" * (spec.size // 8 + 1))[: 2 * spec.size]
        if kind in ("string_block", "var_text", "rest_text"):
            return f"example {spec.name}"
        if kind in ("blob_block", "var_bytes", "rest_bytes"):
            return bytes(range(8))
        return 0


def _example_sequence(fields: Sequence[FieldSpec], examples: _Examples, out: dict[str, Any]) -> None:
    for spec in fields:
        kind = spec.wire.value
        if kind == "inline_block":
            block = spec.blocks[0]
            out["blockType"] = int(block.block_type) if block.block_type is not None else 0
            _example_sequence(block.fields, examples, out)
            continue
        if spec.present_if:
            if not examples.ipv6 or not isinstance(out.get(spec.present_if), int):
                out[spec.present_if] = 0
                continue
            out[spec.present_if] = 1
        if kind == "block":
            out[spec.name] = _example_block(spec.blocks[0], examples)
        elif kind == "list":
            out[spec.name] = [_example_block(spec.blocks[0], examples)]
        else:
            out[spec.name] = examples.value(spec)
        if kind in ("var_text", "var_bytes") and spec.length_field:
            value = out[spec.name]
            out[spec.length_field] = len(value.encode("utf-8") if isinstance(value, str) else value)


def _example_block(block: BlockLayout, examples: _Examples) -> dict[str, Any]:
    nested: dict[str, Any] = {"blockType": int(block.block_type) if block.block_type is not None else 0}
    _example_sequence(block.fields, examples, nested)
    return nested


def example_fields(record_type: int, *, ipv6: bool = False) -> dict[str, Any] | None:
    """Build an example decoded record of one type from its layout.

    The first alternative of every choice of block is used.  Fields that are present only
    when another field is non-zero (``ipv6Address`` of the discovery header) are present
    in the ``ipv6`` variant only; IPv6-typed address fields hold IPv6 addresses in that
    variant and IPv4 addresses (as the decoder shows IPv4-mapped ones) otherwise.

    Args:
        record_type: an eStreamer record type.
        ipv6: build the IPv6 variant.

    Returns:
        ``Record.fields`` of an example record, or ``None`` when the type has no layout.
    """
    layout: RecordLayout | None = RECORD_LAYOUTS.get(record_type)
    if layout is None:
        return None
    out: dict[str, Any] = {}
    _example_sequence(layout.fields, _Examples(ipv6), out)
    return out


def has_ipv6_fields(record_type: int) -> bool:
    """Tell whether a record type has IPv6-typed or IPv6-conditional fields.

    Args:
        record_type: an eStreamer record type.

    Returns:
        True when an IPv6 variant of the example differs from the IPv4 one.
    """
    layout = RECORD_LAYOUTS.get(record_type)
    if layout is None:
        return False
    return any(spec.wire is Wire.IPV6 or spec.present_if for spec in _walk(layout.fields))


def _walk(fields: Sequence[FieldSpec]) -> Iterator[FieldSpec]:
    for spec in fields:
        yield spec
        for block in spec.blocks:
            yield from _walk(block.fields)


def describe(infos: Sequence[FieldInfo], examples: Mapping[str, Any]) -> Iterator[tuple[int, FieldInfo, Any]]:
    """Walk fields depth-first with their example values (for listings).

    Args:
        infos: fields of :func:`record_fields`.
        examples: example values by field name (nested blocks as dicts / lists of dicts).

    Yields:
        ``(depth, field, example value or None)``.
    """
    for info in infos:
        value = examples.get(info.name)
        yield 0, info, value
        if info.nested:
            inner = value[0] if isinstance(value, list) and value else value
            inner = inner if isinstance(inner, Mapping) else {}
            for depth, nested, nested_value in describe(info.nested, inner):
                yield depth + 1, nested, nested_value
