"""``cef-connector render TYPE``: one record, its names and its CEF line, before and after a change.

The record is a sample (the hand-written samples of ``mapping/samples.py``, else an
example built from the record layout) or, with ``--capture FILE``, the N-th record of that
type in a capture, with the names the metadata of the capture gave it up to that point.
It is mapped with the packaged set and, when overrides are chosen (``--mappings DIR`` or
``handler.mappingsDirectory``), with the overrides too; the output shows the fields, the
names, both CEF lines and a table of the header fields and extensions side by side, each
row marked ``~`` (changed), ``+`` (only after) or ``-`` (only before).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cef_connector.authoring.capture_file import CaptureEnd, read_capture
from cef_connector.authoring.fields import show_value
from cef_connector.authoring.options import MappingChoice, record_type_name
from cef_connector.cef import encode
from cef_connector.cef.event import CefEvent
from cef_connector.errors import CefConnectorError, MappingError
from cef_connector.estreamer import Record
from cef_connector.mapping import MappingTable
from cef_connector.mapping.loader import record_samples
from cef_connector.metadata import MetadataCache, names_for

__all__ = ["Preview", "RenderedLine", "pick_record", "preview", "format_preview", "render_command"]


@dataclass(frozen=True)
class RenderedLine:
    """What one mapping made of the record.

    Attributes:
        title: which mappings (``packaged set 'default'``, ``with overrides from DIR``).
        event: the CEF event, or None (not mapped, or it failed).
        line: the encoded CEF line, or None.
        error: why there is no line ("" when there is one).
        unmapped: True when the record type is simply not mapped (no error).
    """

    title: str
    event: CefEvent | None
    line: str | None
    error: str = ""
    unmapped: bool = False


@dataclass(frozen=True)
class Preview:
    """A record shown with the line of each mapping.

    Attributes:
        record: the record.
        names: its metadata names.
        origin: where the record came from (sample label, or capture and index).
        lines: one per mapping compared (packaged first).
    """

    record: Record
    names: Mapping[str, str]
    origin: str
    lines: tuple[RenderedLine, ...]


def pick_record(record_type: int, *, capture: Path | None = None, index: int = 1) -> tuple[Record, dict[str, str], str]:
    """Choose the record to render.

    Args:
        record_type: the record type.
        capture: a capture file to take the record from, or None for a sample.
        index: which one (1 = the first sample / the first record of that type).

    Returns:
        ``(record, names, where it came from)``.

    Raises:
        MappingError: no such sample, or the capture holds fewer records of that type.
        CefConnectorError: the capture cannot be read.
    """
    if index < 1:
        raise MappingError(f"--index {index}: records are counted from 1")
    if capture is None:
        samples = record_samples(record_type)
        if not samples:
            raise MappingError(f"record type {record_type} has no sample and no record layout; "
                               "give a capture with --capture FILE")
        if index > len(samples):
            raise MappingError(f"record type {record_type} has {len(samples)} sample(s); --index "
                               f"{index} is too large")
        sample = samples[index - 1]
        record = Record(record_type=sample.record_type, archive_timestamp=sample.archive_timestamp,
                        fields=dict(sample.fields), offset=sample.offset, is_metadata=False)
        return record, dict(sample.names), f"sample '{sample.label}'"
    cache = MetadataCache()
    seen = 0
    for item in read_capture(capture):
        if isinstance(item, CaptureEnd):
            break
        event = item.event
        if not isinstance(event, Record):
            continue
        if event.is_metadata:
            cache.learn(event)
            continue
        if event.record_type == record_type:
            seen += 1
            if seen == index:
                return event, names_for(event, cache), (
                    f"record {index} of type {record_type} in {capture} (stream offset {event.offset})")
    raise MappingError(f"{capture} holds {seen} record(s) of type {record_type}; "
                       f"{'--index ' + str(index) + ' is too large' if seen else 'choose another type'}")


def _render(title: str, table: MappingTable | None, record: Record, names: Mapping[str, str],
            error: str = "") -> RenderedLine:
    if table is None:
        return RenderedLine(title, None, None, error)
    try:
        event = table.map(record, names)
        if event is None:
            return RenderedLine(title, None, None,
                                f"record type {record.record_type} is not mapped: its records are "
                                "counted as unmapped and not written", unmapped=True)
        return RenderedLine(title, event, encode(event))
    except CefConnectorError as exc:
        return RenderedLine(title, None, None, f"{type(exc).__name__}: {exc}")


def _table(choice: MappingChoice) -> tuple[MappingTable | None, str]:
    try:
        return choice.load(), ""
    except MappingError as exc:
        return None, f"the mappings do not load: {exc}"


def preview(record_type: int, choice: MappingChoice, *, capture: Path | None = None,
            index: int = 1) -> Preview:
    """Map one record with the packaged set and, when overrides are chosen, with them too.

    Args:
        record_type: the record type.
        choice: the set and its overrides.
        capture: take the record from this capture instead of a sample.
        index: which record (from 1).

    Returns:
        The preview (mapping problems are in the lines' ``error``, not raised).

    Raises:
        MappingError: no record to render.
        CefConnectorError: the capture cannot be read.
    """
    record, names, origin = pick_record(record_type, capture=capture, index=index)
    packaged = choice.packaged
    lines: list[RenderedLine] = []
    table, error = _table(packaged)
    lines.append(_render(f"packaged set {packaged.mapping_set!r}", table, record, names, error))
    if choice.has_overrides:
        table, error = _table(choice)
        lines.append(_render(choice.describe(), table, record, names, error))
    return Preview(record, names, origin, tuple(lines))


def _rows(lines: Sequence[RenderedLine]) -> list[tuple[str, list[str | None]]]:
    keys: list[str] = []
    values: list[dict[str, str]] = []
    for rendered in lines:
        event = rendered.event
        current: dict[str, str] = {}
        if event is not None:
            current = {"signature_id": event.signature_id, "name": event.name,
                       "severity": str(event.severity)}
            current.update(event.extensions)
        values.append(current)
        for key in current:
            if key not in keys:
                keys.append(key)
    return [(key, [column.get(key) for column in values]) for key in keys]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def format_preview(result: Preview, width: int | None = None) -> str:
    """Lay out a preview for a terminal.

    Args:
        result: what :func:`preview` returned.
        width: the line width (default: the terminal's, at least 80).

    Returns:
        The text (ends with a newline).
    """
    width = width or max(shutil.get_terminal_size((120, 24)).columns, 80)
    record = result.record
    out = [f"Record type {record.record_type} ({record_type_name(record.record_type)}), {result.origin}"]
    if record.archive_timestamp is not None:
        out.append(f"  archive_timestamp = {record.archive_timestamp}")
    out.append("")
    out.append("Fields:")
    name_width = max((len(name) for name in record.fields), default=0)
    for name, value in record.fields.items():
        out.append(f"  {name:<{name_width}} = {show_value(value, width - name_width - 5)}")
    out.append("")
    if result.names:
        out.append("Names:")
        key_width = max(len(key) for key in result.names) + len("names.")
        for key, value in result.names.items():
            out.append(f"  {'names.' + key:<{key_width}} = {value}")
    else:
        out.append("Names: none resolved (no metadata for this record).")
    for rendered in result.lines:
        out.append("")
        out.append(f"CEF, {rendered.title}:")
        out.append(f"  {rendered.line}" if rendered.line is not None else f"  (no line) {rendered.error}")
    rows = _rows(result.lines)
    if rows:
        out.append("")
        columns = len(result.lines)
        key_width = min(max(len(key) for key, _ in rows), 28)
        value_width = max((width - key_width - 6 - 3 * (columns - 1)) // columns, 12)
        titles = ["packaged"] + (["with overrides"] if columns > 1 else [])
        out.append(("  " + f"{'key':<{key_width}}  "
                    + " | ".join(f"{t:<{value_width}}" for t in titles)).rstrip())
        for key, cells in rows:
            mark = " "
            if columns > 1:
                before, after = cells[0], cells[1]
                if before is None:
                    mark = "+"
                elif after is None:
                    mark = "-"
                elif before != after:
                    mark = "~"
            shown = [_cut(cell if cell is not None else "", value_width) for cell in cells]
            out.append((f"{mark} {_cut(key, key_width):<{key_width}}  "
                        + " | ".join(f"{cell:<{value_width}}" for cell in shown)).rstrip())
    return "\n".join(out) + "\n"


def render_command(record_type: int, choice: MappingChoice, *, capture: Path | None, index: int,
                   out: Any) -> int:
    """Run ``cef-connector render`` and print the preview.

    Args:
        record_type: the record type.
        choice: the set and its overrides.
        capture: a capture to take the record from, or None.
        index: which record (from 1).
        out: where to print.

    Returns:
        0 when no mapping compared failed (a type that is not mapped is no failure), else 1.
    """
    result = preview(record_type, choice, capture=capture, index=index)
    out.write(format_preview(result))
    return 0 if all(r.line is not None or r.unmapped for r in result.lines) else 1
