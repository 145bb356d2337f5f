"""tools/record_catalogue.py: the README's record catalogue is generated and kept current."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from cef_connector.estreamer import METADATA_RECORD_TYPES
from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.mapping import MappingTable, load_mappings

REPO = Path(__file__).resolve().parents[1]


def _tool() -> ModuleType:
    name = "_record_catalogue_tool"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tools" / "record_catalogue.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


tool = _tool()


@pytest.fixture(scope="module")
def tables() -> tuple[MappingTable, MappingTable]:
    version = tool.DEFAULT_DEVICE_VERSION
    return load_mappings("default", version), load_mappings("encore-compat", version)


@pytest.fixture(scope="module")
def section(tables: tuple[MappingTable, MappingTable]) -> str:
    return tool.build_section(*tables)  # type: ignore[no-any-return]


def test_readme_record_catalogue_is_current(section: str) -> None:
    message = tool.stale_message((REPO / "README.md").read_text(encoding="utf-8"), section)
    assert message is None, message


def test_every_event_record_type_has_a_row_and_each_mapped_one_a_sample_line(
    tables: tuple[MappingTable, MappingTable], section: str
) -> None:
    default, _ = tables
    rows = tool.build_rows(*tables)
    event_types = sorted(set(RECORD_LAYOUTS) - METADATA_RECORD_TYPES)
    assert [row.record_type for row in rows] == event_types
    for row in rows:
        assert f"\n| {row.record_type} | " in section
        if row.record_type in default.record_types:
            assert row.line.startswith("CEF:0|Cisco|Firepower|")
            assert f"<summary>{row.record_type} {row.record_name}</summary>\n\n```\n{row.line}\n```" in section
        else:
            assert row.line == ""
            assert f"| {row.record_type} | {row.record_name} | — | — | — | not mapped |" in section


def test_rows_of_the_event_records_show_their_class_id_name_severity_and_file(
    tables: tuple[MappingTable, MappingTable], section: str
) -> None:
    rows = {row.record_type: row for row in tool.build_rows(*tables)}
    correlation = rows[112]
    assert (correlation.signature_id, correlation.signature_by) == ("PV:112:7:3", "ruleId, policyId")
    assert (correlation.severity, correlation.severity_by) == ("10", "priority, eventImpactFlags")
    assert correlation.mapping_file == "mappings/default/correlation_event.yaml"
    assert (rows[500].signature_id, rows[500].signature_by) == ("File:500:1", "")
    assert (rows[73].signature_id, rows[73].name, rows[73].severity) == ("RNA:1003:2", "CONNECTION CHUNK", "3")
    assert (
        "| 112 | Correlation Event | `PV:112:7:3` (by ruleId, policyId) "
        "| Policy Violation: Attack on a vulnerable server (by names.correlationRule) "
        "| 10 (by priority, eventImpactFlags) | [correlation_event.yaml](mappings/default/correlation_event.yaml) |"
    ) in section


def test_coverage_marks_encores_eight_cef_types_and_ours(
    tables: tuple[MappingTable, MappingTable], section: str
) -> None:
    rows = {row.record_type: row for row in tool.build_rows(*tables)}
    assert "| 112 | Correlation Event | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |" in section
    assert "| 9 | Intrusion Impact Alert | — | ✓ | ✓ | ✓ | ✓ | ✓ |" in section
    assert {t for t, row in rows.items() if row.compat} == tool.ENCORE_CEF_TYPES
    assert all(row.json and row.splunk for row in rows.values())


def test_replace_section_changes_only_the_text_between_the_markers() -> None:
    readme = f"# Title\n\nbefore\n{tool.BEGIN}\nold\n{tool.END}\nafter\n"
    assert tool.replace_section(readme, "\nnew\n") == f"# Title\n\nbefore\n{tool.BEGIN}\nnew\n{tool.END}\nafter\n"


@pytest.mark.parametrize("readme", [
    "no markers at all\n",
    "<!-- record-catalogue:begin -->\nonly the start\n",
    "<!-- record-catalogue:end -->\n<!-- record-catalogue:begin -->\n",
    "<!-- record-catalogue:begin --><!-- record-catalogue:begin --><!-- record-catalogue:end -->",
])
def test_replace_section_refuses_missing_repeated_or_swapped_markers(readme: str) -> None:
    with pytest.raises(ValueError, match="record-catalogue"):
        tool.replace_section(readme, "x")


def test_check_exits_1_until_write_updates_the_readme(
    tmp_path: Path, section: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tool, "build_section", lambda: section)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{tool.BEGIN}\nstale\n{tool.END}\nrest\n", encoding="utf-8")
    assert tool.main(["--check", "--readme", str(readme)]) == 1
    assert "run `python tools/record_catalogue.py --write`" in capsys.readouterr().err
    assert tool.main(["--write", "--readme", str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == f"intro\n{tool.BEGIN}{section}{tool.END}\nrest\n"
    assert tool.main(["--check", "--readme", str(readme)]) == 0
