"""Walk the estreamer record layouts: which field paths a record type can carry, and of
what wire kind (used to check the metadata table specs and the name table against them)."""

from __future__ import annotations

from collections.abc import Sequence

from cef_connector.estreamer.layout_types import FieldSpec, RecordLayout, Wire

Fields = dict[str, FieldSpec]

INTEGERS = frozenset({Wire.U8, Wire.U16, Wire.U32, Wire.U64, Wire.I32})
TEXTS = frozenset({Wire.STRING_BLOCK, Wire.VAR_TEXT, Wire.REST_TEXT})
NESTED = frozenset({Wire.BLOCK, Wire.LIST})


def alternatives(specs: Sequence[FieldSpec]) -> list[Fields]:
    """Top-level fields of a field list, one dict per choice of its inline blocks."""
    result: list[Fields] = [{}]
    for spec in specs:
        if spec.wire is Wire.INLINE_BLOCK:
            result = [
                {**chosen, **inner}
                for chosen in result
                for block in spec.blocks
                for inner in alternatives(block.fields)
            ]
        else:
            for chosen in result:
                chosen[spec.name] = spec
    return result


def record_alternatives(layout: RecordLayout) -> list[Fields]:
    """Every shape the record's fields can take (inline block choices, the fallback)."""
    shapes = alternatives(layout.fields)
    if layout.fallback is not None:
        shapes += alternatives(layout.fallback)
    return shapes


def find(shape: Fields, path: tuple[str, ...]) -> list[FieldSpec]:
    """The specs a field path ends at in one shape (descending into blocks and lists)."""
    spec = shape.get(path[0])
    if spec is None:
        return []
    if len(path) == 1:
        return [spec]
    if spec.wire not in NESTED:
        return []
    found: list[FieldSpec] = []
    for block in spec.blocks:
        for inner in alternatives(block.fields):
            found += find(inner, path[1:])
    return found


def key_kind(spec: FieldSpec, form: str | None) -> str:
    """What a key value looks like after the decoder and the key normalisation."""
    if form == "uuid":
        assert spec.wire is Wire.UUID or (spec.wire is Wire.BYTES and spec.size == 16), spec
        return "uuid"
    if spec.wire is Wire.UUID:
        return "uuid"
    if spec.wire in INTEGERS:
        return "int"
    if spec.wire is Wire.BYTES:
        return f"hex{spec.size * 2}"
    if spec.wire in TEXTS:
        return "hex-text" if form == "lower" else "text"
    return f"unusable:{spec.wire.value}"


def compatible(event_kind: str, metadata_kind: str) -> bool:
    """Whether an event key part can equal a stored key part."""
    if event_kind == "hex-text":  # SHA-256 written as text by record 125, lowercased
        return metadata_kind.startswith("hex")
    return event_kind == metadata_kind and not event_kind.startswith("unusable")
