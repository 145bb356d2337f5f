"""``cef-connector mappings fields TYPE``: what a record type's mapping can use, with examples.

Generated from the record layouts (:mod:`cef_connector.mapping.record_fields`) and the name
keys the metadata layer supplies (``NAME_KEYS``), so it is right for every record type
this version decodes.  Example values come from the hand-written sample records when the
type has one, else from the layout (one plausible value per wire kind).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cef_connector.authoring.options import MappingChoice, record_type_name
from cef_connector.errors import MappingError
from cef_connector.estreamer import METADATA_RECORD_TYPES
from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.mapping.loader import record_samples
from cef_connector.mapping.record_fields import describe, example_fields, record_fields
from cef_connector.mapping.samples import NAME_KEYS, samples_for
from cef_connector.mapping.schema import suggest

__all__ = ["example_values", "field_listing", "show_value"]

#: Longest example shown in a listing.
_EXAMPLE_WIDTH = 48


def show_value(value: Any, width: int = _EXAMPLE_WIDTH) -> str:
    """Show a decoded value in one short line (bytes as hex with their length).

    Args:
        value: a field value.
        width: the longest text shown (longer text ends with "…").

    Returns:
        The text.
    """
    if isinstance(value, (bytes, bytearray)):
        text = f"<{len(value)} bytes> {bytes(value).hex()}"
    elif isinstance(value, str):
        text = value if value else '""'
    elif isinstance(value, list):
        text = f"<list of {len(value)}>"
    elif isinstance(value, Mapping):
        text = f"<block {value.get('blockType', '?')}>"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def example_values(record_type: int) -> tuple[dict[str, Any], dict[str, str], str]:
    """Collect example field values and names of a record type.

    Args:
        record_type: an eStreamer record type.

    Returns:
        ``(fields, names, where the examples come from)``; fields of every sample are
        merged (the first sample wins), so conditional fields have an example too.
    """
    samples = record_samples(record_type)
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    for sample in samples:
        for key, value in sample.fields.items():
            fields.setdefault(key, value)
        for key, value in sample.names.items():
            names.setdefault(key, value)
    for ipv6 in (False, True):
        for key, value in (example_fields(record_type, ipv6=ipv6) or {}).items():
            fields.setdefault(key, value)
    if samples_for(record_type):
        origin = "samples " + ", ".join(f"'{s.label}'" for s in samples)
    else:
        origin = "the record layout (no sample record of this type)"
    return fields, names, origin


def _mapped_by(record_type: int, choice: MappingChoice | None) -> str:
    if choice is None:
        return ""
    try:
        report = choice.validate()
    except MappingError as exc:
        return f"{choice.describe()}: cannot be read ({exc})"
    if report.table is None:
        return (f"{choice.describe()} has {len(report.problems)} problem(s); "
                "run cef-connector mappings check")
    source = report.table.source_of(record_type)
    if source is None:
        return f"not mapped by {choice.describe()}: its records are counted as unmapped, not written"
    return f"mapped by {source} ({choice.describe()})"


def field_listing(record_type: int, choice: MappingChoice | None = None) -> str:
    """List the template variables, example values and names of one record type.

    Args:
        record_type: an eStreamer record type with a layout.
        choice: the mapping set to say which file maps the type (None: do not say).

    Returns:
        The listing (ends with a newline).

    Raises:
        MappingError: the type has no layout (the message lists the ones that do).
    """
    infos = record_fields(record_type)
    if not infos:
        known = sorted(RECORD_LAYOUTS)
        raise MappingError(
            f"record type {record_type} is not decoded by this version{suggest(str(record_type), map(str, known))}; "
            f"known record types: {', '.join(map(str, known))}"
        )
    fields, names, origin = example_values(record_type)
    lines = [f"Record type {record_type} ({record_type_name(record_type)})"]
    if record_type in METADATA_RECORD_TYPES:
        lines.append("  a metadata record: it names the IDs of events (names.…) and is never "
                     "written as CEF itself")
    mapped = _mapped_by(record_type, choice) if record_type not in METADATA_RECORD_TYPES else ""
    if mapped:
        lines.append(f"  {mapped}")
    lines.append("")
    lines.append(f"Fields (template variables; examples from {origin}):")
    rows = []
    for depth, info, value in describe(infos, fields):
        name = ("  " * depth) + (info.name if depth == 0 else f".{info.name}")
        shown = "(absent)" if value is None and depth == 0 and info.name not in fields else show_value(value)
        if info.nested:
            shown = show_value(value)
        rows.append((name, f"{info.kind} → {info.python_type}", shown, info.condition))
    name_width = max(len(row[0]) for row in rows)
    type_width = max(len(row[1]) for row in rows)
    value_width = max(len(row[2]) for row in rows)
    for name, kind, shown, condition in rows:
        line = f"  {name:<{name_width}}  {kind:<{type_width}}  {shown:<{value_width}}"
        if condition:
            line += f"  ({condition})"
        lines.append(line.rstrip())
    keys = sorted(NAME_KEYS.get(record_type, ()))
    lines.append("")
    if keys:
        lines.append("Metadata names (names.<key>; a name is absent until its metadata arrives, "
                     "so write names.<key> | default(…)):")
        width = max(len(key) for key in keys) + len("names.")
        for key in keys:
            example = names.get(key, "")
            lines.append(f"  {'names.' + key:<{width}}  {show_value(example) if example else ''}".rstrip())
    else:
        lines.append("Metadata names: none for this record type.")
    lines.append("")
    lines.append("Also: record_type, archive_timestamp (None without archive timestamps), "
                 "macros.<name>(…) (templates/macros.j2), filters (mappings/README.md).")
    return "\n".join(lines) + "\n"
