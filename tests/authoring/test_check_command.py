"""``cef-connector mappings check`` reports every problem at once; run and check refuse broken mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cef_connector import cli
from cef_connector.app import ServerRunner
from cef_connector.check import Status, check
from cef_connector.config import load_settings
from cef_connector.errors import MappingError

from cef_connector.mapping import load_mappings

from .conftest import WriteFiles

REPO = Path(__file__).resolve().parents[2]


def _files(mapping_set: str, overrides: int = 0) -> str:
    """"N files read": the shared templates, the set's files and the override files."""
    count = len(list((REPO / "templates").glob("*.j2")))
    count += len(list((REPO / "mappings" / mapping_set).glob("*.yaml"))) + overrides
    return f"{count} files read"


def _types(mapping_set: str, without: frozenset[int] = frozenset()) -> str:
    return ", ".join(map(str, sorted(load_mappings(mapping_set).record_types - without)))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_packaged_sets_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "mappings", "check", "--set", "encore-compat")
    assert code == 0
    assert out == (f"mapping set 'encore-compat' ({_files('encore-compat')}): OK, record types "
                   f"{_types('encore-compat')} mapped\n")


def test_problems_warnings_and_drops_are_listed_sorted_by_file_and_line(
        overrides: WriteFiles, capsys: pytest.CaptureFixture[str]) -> None:
    directory = overrides({
        "connection_statistics.yaml": (
            "extensions:\n"
            '  externalId: "{{ sslSessionId }}"\n'
            '  msg: "{{ initiatorIpAdress }}"\n'
        ),
        "intrusion_event.yaml": 'severity: "{{ 3 if impact else 11 }}"\n',
        "packet.yaml": "drop: true\n",
    })
    code, out, _ = _run(capsys, "mappings", "check", "--mappings", str(directory))
    assert code == 1
    assert out.splitlines() == [
        f"mapping set 'default' with overrides from {directory} ({_files('default', 3)}): 2 problems, "
        "1 warning; "
        "the connector will not start with these mappings",
        f"  error: {directory}/connection_statistics.yaml:3: msg: 'initiatorIpAdress' is not a field of "
        "record type 71 (did you mean 'initiatorIpAddress'?)",
        f"  error: {directory}/intrusion_event.yaml:1: severity: can render '11'; a CEF severity is an "
        "integer 0–10",
        f"  warning: {directory}/connection_statistics.yaml:2: externalId: can print up to 64 characters "
        "for record type 71; CEF externalId holds at most 40, the rest is cut",
        "  note: mappings/default/packet.yaml is dropped by an override: its records are not written",
    ]


def test_warnings_fail_only_with_deny_warnings(overrides: WriteFiles, capsys: pytest.CaptureFixture[str]) -> None:
    directory = overrides({"connection_statistics.yaml": 'extensions:\n  externalId: "{{ sslSessionId }}"\n'})
    code, out, _ = _run(capsys, "mappings", "check", "--mappings", str(directory))
    assert code == 0
    assert out.splitlines()[0] == (f"mapping set 'default' with overrides from {directory} "
                                   f"({_files('default', 1)}): OK, record types {_types('default')} "
                                   "mapped; 1 warning")
    code, _, _ = _run(capsys, "mappings", "check", "--mappings", str(directory), "--deny-warnings")
    assert code == 1


def test_unknown_set_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "mappings", "check", "--set", "encore")
    assert (code, out) == (1, "")
    assert err == ("MappingError: mapping set 'encore' not found in mappings (did you mean "
                   "'encore-compat'?); available sets: default, encore-compat\n")


def test_configured_overrides_are_checked(sim_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overrides_dir = sim_dir / "overrides"
    overrides_dir.mkdir()
    (overrides_dir / "packet.yaml").write_text("drop: true\n", encoding="utf-8")
    config = _configure(sim_dir, mappingsDirectory="overrides")
    code, out, _ = _run(capsys, "mappings", "check", "-c", str(config))
    assert code == 0
    assert out == (f"mapping set 'default' with overrides from {overrides_dir} ({_files('default', 1)}): "
                   f"OK, record types {_types('default', frozenset({2}))} mapped\n"
                   "  note: mappings/default/packet.yaml is dropped by an override: its records are not "
                   "written\n")


def _configure(sim_dir: Path, **handler: object) -> Path:
    path = sim_dir / "estreamer.conf"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["handler"].update(handler)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _broken(sim_dir: Path) -> Path:
    overrides_dir = sim_dir / "overrides"
    overrides_dir.mkdir()
    (overrides_dir / "connection_statistics.yaml").write_text('extensions:\n  msg: "{{ deviceId "\n',
                                                              encoding="utf-8")
    return _configure(sim_dir, mappingsDirectory="overrides")


def test_run_refuses_to_start_with_a_broken_override(sim_dir: Path) -> None:
    settings = load_settings(_broken(sim_dir))
    with pytest.raises(MappingError) as info:
        ServerRunner(settings, 0)
    assert str(info.value) == (
        "mapping set 'default' is invalid (1 problem):\n"
        f"  - {sim_dir}/overrides/connection_statistics.yaml:2: msg: Jinja syntax error: unexpected end "
        "of template, expected 'end of print statement'."
    )


def test_check_reports_the_broken_override(sim_dir: Path) -> None:
    results = check(_broken(sim_dir), network=False)
    step = next(r for r in results if r.step == "mappings")
    assert step.status is Status.FAIL
    assert step.title == f"mapping set 'default' with overrides from {sim_dir}/overrides"
    assert step.message == (
        f"1 problem: {sim_dir}/overrides/connection_statistics.yaml:2: msg: Jinja syntax error: "
        "unexpected end of template, expected 'end of print statement'."
    )
