"""``cef-connector render`` shows a record's CEF line with the packaged set and with overrides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cef_connector import cli
from cef_connector.authoring.options import MappingChoice
from cef_connector.authoring.render import format_preview, preview
from cef_connector.cef import encode
from cef_connector.mapping import load_mappings
from cef_connector.mapping.samples import samples_for

from .conftest import WriteFiles


def _marked(out: str) -> dict[str, list[str]]:
    """The rows of the side-by-side table: key → [mark, cells …]."""
    rows: dict[str, list[str]] = {}
    table = out.split("\n\n")[-1].splitlines()[1:]
    for line in table:
        mark, rest = line[0], line[2:]
        key, _, cells = rest.partition("  ")
        rows[key.strip()] = [mark] + [cell.strip() for cell in cells.split("|")]
    return rows


def test_preview_of_a_sample_matches_the_packaged_mapping(parse_cef: Callable[[str], Any]) -> None:
    result = preview(71, MappingChoice())
    sample = samples_for(71)[0]
    expected = encode(load_mappings("default").map(sample, sample.names))  # type: ignore[arg-type]
    assert [line.line for line in result.lines] == [expected]
    assert result.origin == "sample '71 IPv4 (block 163)'"
    assert result.names == dict(sample.names)
    parse_cef(expected)


def test_side_by_side_rows_mark_changed_added_and_removed_keys(
        overrides: WriteFiles, capsys: pytest.CaptureFixture[str]) -> None:
    directory = overrides({"connection_statistics.yaml": (
        "extensions:\n"
        '  msg: "reviewed"\n'
        "  cn1: null\n"
        "labels:\n"
        "  cs1: Firewall Policy\n"
    )})
    code = cli.main(["render", "71", "--mappings", str(directory)])
    out = capsys.readouterr().out
    assert code == 0
    assert "CEF, packaged set 'default':" in out
    assert f"CEF, mapping set 'default' with overrides from {directory}:" in out
    rows = _marked(out)
    sample = samples_for(71)[0]
    before = dict(load_mappings("default").map(sample, sample.names).extensions)  # type: ignore[union-attr]
    assert rows["cs1Label"] == ["~", before["cs1Label"], "Firewall Policy"]
    assert rows["msg"] == ["+", "", "reviewed"]
    assert rows["cn1"] == ["-", before["cn1"], ""]
    assert rows["cn1Label"] == ["-", before["cn1Label"], ""]
    assert rows["dpt"] == [" ", "80", "80"]
    assert before["cs1Label"] != "Firewall Policy"


def test_dropped_type_renders_as_not_mapped(overrides: WriteFiles) -> None:
    directory = overrides({"packet.yaml": "drop: true\n"})
    result = preview(2, MappingChoice(override_dir=directory))
    packaged, changed = result.lines
    assert packaged.line is not None and packaged.line.startswith("CEF:0|Cisco|Firepower|6.0|PKT:2:1|")
    assert (changed.line, changed.unmapped) == (None, True)
    assert changed.error == ("record type 2 is not mapped: its records are counted as unmapped and "
                             "not written")


def test_broken_override_shows_the_problem_instead_of_a_line(
        overrides: WriteFiles, capsys: pytest.CaptureFixture[str]) -> None:
    directory = overrides({"connection_statistics.yaml": 'extensions:\n  msg: "{{ userid }}"\n'})
    assert cli.main(["render", "71", "--mappings", str(directory)]) == 1
    out = capsys.readouterr().out
    assert (f"  (no line) the mappings do not load: mapping set 'default' is invalid (1 problem):\n"
            f"  - {directory}/connection_statistics.yaml:2: msg: 'userid' is not a field of record "
            "type 71 (did you mean 'userId'?)") in out


def test_second_sample_is_the_ipv6_variant() -> None:
    result = preview(400, MappingChoice(), index=2)
    assert result.origin == "sample '400 IPv6 (block 60)'"
    line = result.lines[0].line
    assert line is not None and "c6a2=2001:db8:30::10 " in line


def test_index_past_the_samples_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", "2", "--index", "2"]) == 1
    assert capsys.readouterr().err == "MappingError: record type 2 has 1 sample(s); --index 2 is too large\n"


def test_format_fits_the_width() -> None:
    text = format_preview(preview(71, MappingChoice()), width=100)
    table = text.split("\n\n")[-1].splitlines()
    assert max(len(line) for line in table) <= 100
