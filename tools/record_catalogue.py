"""The README's record-type catalogue, generated from the decoder, the mappings and the samples.

For every event record type the decoder knows (``estreamer.layouts.RECORD_LAYOUTS`` minus
the metadata types) the first sample record (``mapping.loader.record_samples``: the
hand-written sample, else an example built from the layout) is rendered through the
packaged ``default`` mapping set with its names, and through the JSON and Splunk formats.
The Markdown section has three parts:

* a table: record type, record name, Device Event Class ID, CEF Name, severity, mapping
  file (values of the sample; "by x, y" names what a varying value depends on);
* the sample CEF line of each type, each in a collapsible ``<details>`` block;
* the coverage compared with eNcore 3.8: which types each writes as CEF, JSON and Splunk.

Usage::

    python tools/record_catalogue.py           # print the section
    python tools/record_catalogue.py --write   # replace it in README.md
    python tools/record_catalogue.py --check   # exit 1 when README.md is out of date

Only the text between ``<!-- record-catalogue:begin -->`` and
``<!-- record-catalogue:end -->`` is ever changed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml
from jinja2 import nodes

from cef_connector.cef import encode
from cef_connector.errors import CefConnectorError
from cef_connector.estreamer import METADATA_RECORD_TYPES, Record, RecordType
from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.formats import ComputedView, JsonFormatter, SplunkFormatter, record_description
from cef_connector.formats.encore_tables import RECORD_DESCRIPTIONS
from cef_connector.mapping import MappingTable, load_mappings
from cef_connector.mapping.loader import DEFAULT_DEVICE_VERSION, record_samples
from cef_connector.mapping.samples import Sample
from cef_connector.metadata import MetadataCache

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BEGIN = "<!-- record-catalogue:begin -->"
END = "<!-- record-catalogue:end -->"
WRITE_COMMAND = "python tools/record_catalogue.py --write"

#: The record types eNcore writes as CEF (CEF doc §5: its adapter's mapping table; the
#: Python 3 fork drops 110).  Every other type yields no CEF line in eNcore (§5.11 D12).
ENCORE_CEF_TYPES = frozenset({2, 71, 110, 112, 125, 400, 500, 502})

#: Types eNcore lists but cannot decode: 18 and 53 carry series-1 block 53 and 46-48 block
#: 55, for which eNcore has no definition (protocol doc §5.1, "Gaps in eNcore 3.8").
ENCORE_UNDECODABLE_TYPES = frozenset({18, 46, 47, 48, 53})

#: Context variables of a mapping value that are not record fields.
_CONTEXT = frozenset({"macros", "names", "record_type", "archive_timestamp", "none", "true", "false"})

YES, NO = "✓", "—"


@dataclass(frozen=True)
class Row:
    """What the catalogue says about one event record type.

    Attributes:
        record_type: the eStreamer record type.
        record_name: eNcore's name of the record type (else our enum name).
        mapping_file: the default mapping file (repository path), or "" when unmapped.
        signature_id / name / severity: the sample's CEF header values ("" when unmapped).
        signature_by / name_by / severity_by: what those values depend on ("" = constant).
        line: the sample's CEF line ("" when unmapped).
        compat: whether the encore-compat set maps the type.
        json / splunk: whether the JSON and Splunk formats write the sample.
    """

    record_type: int
    record_name: str
    mapping_file: str
    signature_id: str
    signature_by: str
    name: str
    name_by: str
    severity: str
    severity_by: str
    line: str
    compat: bool
    json: bool
    splunk: bool


def record_name(record_type: int) -> str:
    """eNcore's name of a record type, else the name of our ``RecordType`` member."""
    described = record_description(record_type)
    if described is not None:
        return described[0]
    try:
        return RecordType(record_type).name.replace("_", " ").title()
    except ValueError:
        return f"Record {record_type}"


def event_record_types() -> list[int]:
    """Every event record type the decoder knows, ascending."""
    return sorted(set(RECORD_LAYOUTS) - METADATA_RECORD_TYPES)


def metadata_record_types() -> list[int]:
    """Every metadata record type the decoder knows, ascending."""
    return sorted(set(RECORD_LAYOUTS) & METADATA_RECORD_TYPES)


def depends_on(template: object) -> str:
    """Name the record fields and ``names`` a mapping value reads ("" for a constant).

    Args:
        template: the value as written in the mapping file (text or number).

    Returns:
        ``"ruleId, policyId"``-style text, in order of first use.
    """
    if not isinstance(template, str) or "{" not in template:
        return ""
    tree = jinja2.Environment().parse(template)
    found: list[str] = []
    for node in tree.find_all((nodes.Name, nodes.Getattr)):
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name == "names":
            item = f"names.{node.attr}"
        elif isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in _CONTEXT:
            item = node.name
        else:
            continue
        if item not in found:
            found.append(item)
    return ", ".join(found)


def _mapping_document(source: str) -> Mapping[str, object]:
    path = REPO / source
    if not path.is_file():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document if isinstance(document, dict) else {}


def _record(sample: Sample) -> Record:
    return Record(record_type=sample.record_type, archive_timestamp=sample.archive_timestamp,
                  fields=dict(sample.fields), offset=sample.offset, is_metadata=False)


def build_rows(default: MappingTable, compat: MappingTable) -> list[Row]:
    """Render the first sample of every event record type.

    Args:
        default: the loaded ``default`` mapping set.
        compat: the loaded ``encore-compat`` mapping set.

    Returns:
        One row per event record type, ascending.
    """
    rows = []
    for record_type in event_record_types():
        samples = record_samples(record_type)
        sample = samples[0] if samples else None
        source = default.source_of(record_type) or ""
        signature_id = name = severity = line = ""
        signature_by = name_by = severity_by = ""
        if sample is not None:
            event = default.map(_record(sample), dict(sample.names)) if source else None
            if event is not None:
                line = encode(event)
                signature_id, name, severity = event.signature_id, event.name, str(event.severity)
                document = _mapping_document(source)
                signature_by = depends_on(document.get("signature_id"))
                name_by = depends_on(document.get("name"))
                severity_by = depends_on(document.get("severity"))
        json_ok, splunk_ok = formats_write(record_type)
        rows.append(Row(
            record_type, record_name(record_type), source, signature_id, signature_by, name, name_by,
            severity, severity_by, line, record_type in compat.record_types, json_ok, splunk_ok,
        ))  # fmt: skip
    return rows


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, no line breaks)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text else NO


def _by(value: str, by: str) -> str:
    return f"{value} (by {by})" if by else value


def _mark(flag: bool) -> str:
    return YES if flag else NO


def mapping_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| Type | Record | Device Event Class ID | CEF Name | Severity | Default mapping |",
        "|---:|---|---|---|---|---|",
    ]
    for row in rows:
        if not row.mapping_file:
            lines.append(f"| {row.record_type} | {_cell(row.record_name)} | {NO} | {NO} | {NO} | not mapped |")
            continue
        file_name = row.mapping_file.rsplit("/", 1)[-1]
        lines.append(
            f"| {row.record_type} | {_cell(row.record_name)} "
            f"| {_by(_code(row.signature_id), _cell(row.signature_by))} "
            f"| {_by(_cell(row.name), _cell(row.name_by))} "
            f"| {_by(row.severity, _cell(row.severity_by))} "
            f"| [{file_name}]({row.mapping_file}) |"
        )
    return lines


def sample_lines(rows: Sequence[Row]) -> list[str]:
    lines: list[str] = []
    for row in rows:
        if not row.line:
            continue
        lines += [
            "<details>",
            f"<summary>{row.record_type} {row.record_name}</summary>",
            "",
            "```",
            row.line,
            "```",
            "",
            "</details>",
        ]
    return lines


def formats_write(record_type: int) -> tuple[bool, bool]:
    """Whether the JSON and the Splunk format write the first sample of a record type."""
    samples = record_samples(record_type)
    if not samples:
        return False, False
    sample = samples[0]
    record = Record(record_type=record_type, archive_timestamp=sample.archive_timestamp,
                    fields=dict(sample.fields), offset=sample.offset,
                    is_metadata=record_type in METADATA_RECORD_TYPES)
    computed = ComputedView().view(record, dict(sample.names), MetadataCache())
    json_line = JsonFormatter().format(record_type, sample.archive_timestamp, record.fields, computed)
    splunk_line = SplunkFormatter().format(record_type, record.fields, computed)
    return bool(json_line), bool(splunk_line)


def coverage(rows: Sequence[Row], metadata_types: Iterable[int]) -> list[str]:
    metadata = list(metadata_types)
    written = [formats_write(record_type) for record_type in metadata]
    json_metadata = sum(json_ok for json_ok, _ in written)
    splunk_metadata = sum(splunk_ok for _, splunk_ok in written)
    total = len(rows)
    encore_decoded = [r for r in rows if r.record_type in RECORD_DESCRIPTIONS
                      and r.record_type not in ENCORE_UNDECODABLE_TYPES]
    encore_cef = [r for r in rows if r.record_type in ENCORE_CEF_TYPES]
    ours_cef = [r for r in rows if r.mapping_file]
    lines = [
        f"Of the {total} event record types above, eNcore 3.8 decodes {len(encore_decoded)} and writes "
        f"{len(encore_cef)} as CEF ({', '.join(str(r.record_type) for r in encore_cef)}); every other "
        "type gives no CEF line, no log and no counter (CEF doc §5.11 D12).  cef-connector writes "
        f"{len(ours_cef)} as CEF with the `default` set ({sum(r.compat for r in rows)} with "
        f"`encore-compat`, which keeps eNcore's keys for eNcore's types), "
        f"{sum(r.json for r in rows)} as JSON and {sum(r.splunk for r in rows)} as Splunk key-value; "
        "a type without a mapping is counted and logged as unmapped.",
        "",
        "| Type | Record | eNcore CEF | eNcore JSON | eNcore Splunk | CEF | JSON | Splunk |",
        "|---:|---|:-:|:-:|:-:|:-:|:-:|:-:|",
    ]
    for row in rows:
        decoded = row.record_type in RECORD_DESCRIPTIONS and row.record_type not in ENCORE_UNDECODABLE_TYPES
        lines.append(
            f"| {row.record_type} | {_cell(row.record_name)} | {_mark(row.record_type in ENCORE_CEF_TYPES)} "
            f"| {_mark(decoded)} | {_mark(decoded)} | {_mark(bool(row.mapping_file))} "
            f"| {_mark(row.json)} | {_mark(row.splunk)} |"
        )
    encore_metadata = len([t for t in metadata if t in RECORD_DESCRIPTIONS])
    lines += [
        f"| {len(metadata)} types | Metadata ({', '.join(str(t) for t in metadata)}) | {NO} "
        f"| {encore_metadata} | {encore_metadata} | {NO} | {json_metadata} | {splunk_metadata} |",
        "",
        "Metadata records name the IDs events carry (they are never CEF); JSON and Splunk outputs "
        "write them when `handler.records.metadata` is on.  eNcore types "
        f"{', '.join(str(t) for t in sorted(ENCORE_UNDECODABLE_TYPES))} are listed by eNcore but carry "
        "blocks it has no definition for, so it cannot decode them.",
    ]
    return lines


def build_section(default: MappingTable | None = None, compat: MappingTable | None = None) -> str:
    """The Markdown between the markers (without the markers).

    Args:
        default: the ``default`` set (loaded when not given).
        compat: the ``encore-compat`` set (loaded when not given).

    Returns:
        The section text, starting and ending with a line break.
    """
    default = default or load_mappings("default", DEFAULT_DEVICE_VERSION)
    compat = compat or load_mappings("encore-compat", DEFAULT_DEVICE_VERSION)
    rows = build_rows(default, compat)
    parts = [
        "",
        f"<!-- generated by `{WRITE_COMMAND}`; do not edit by hand -->",
        "",
        "### CEF mapping of each event record type (`default` set)",
        "",
        "Values are those of the sample record of each type (Device Version "
        f"`{DEFAULT_DEVICE_VERSION}`); \"by …\" names the fields and metadata names a value depends "
        "on.  Each mapping file's `description` states its severity rule.",
        "",
        *mapping_table(rows),
        "",
        "### Sample lines",
        "",
        *sample_lines(rows),
        "",
        "### Coverage compared with eNcore",
        "",
        *coverage(rows, metadata_record_types()),
        "",
    ]
    return "\n".join(parts)


def replace_section(readme: str, section: str) -> str:
    """Put ``section`` between the markers of ``readme``.

    Args:
        readme: the README text.
        section: the new text between the markers.

    Returns:
        The README text with only that part changed.

    Raises:
        ValueError: the markers are missing, repeated or out of order.
    """
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise ValueError(f"README must contain {BEGIN!r} and {END!r} exactly once each")
    head, rest = readme.split(BEGIN)
    if END not in rest:
        raise ValueError(f"{END!r} must come after {BEGIN!r}")
    _, tail = rest.split(END)
    return head + BEGIN + section + END + tail


def stale_message(readme: str, section: str) -> str | None:
    """Say why the README's catalogue is out of date, or None when it is current."""
    try:
        expected = replace_section(readme, section)
    except ValueError as exc:
        return f"README.md: {exc}"
    if expected != readme:
        return f"README.md's record catalogue is out of date; run `{WRITE_COMMAND}` and commit README.md"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Print, write or check the catalogue; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="replace the section in README.md")
    action.add_argument("--check", action="store_true", help="exit 1 when README.md is out of date")
    parser.add_argument("--readme", type=Path, default=README, help="the README to write or check")
    args = parser.parse_args(argv)
    try:
        section = build_section()
    except CefConnectorError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if not (args.write or args.check):
        sys.stdout.write(section)
        return 0
    readme = args.readme.read_text(encoding="utf-8")
    if args.check:
        message = stale_message(readme, section)
        if message:
            print(message, file=sys.stderr)
            return 1
        print(f"{args.readme}: record catalogue is current")
        return 0
    try:
        updated = replace_section(readme, section)
    except ValueError as exc:
        print(f"{args.readme}: {exc}", file=sys.stderr)
        return 2
    if updated != readme:
        args.readme.write_text(updated, encoding="utf-8")
        print(f"{args.readme}: record catalogue written")
    else:
        print(f"{args.readme}: record catalogue already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
