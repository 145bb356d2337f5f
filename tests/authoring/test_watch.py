"""MappingWatcher notices changed, new and removed mapping files, and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from cef_connector.authoring.watch import MappingWatcher
from cef_connector.mapping.loader import mapping_sources


def _watcher(directory: Path) -> MappingWatcher:
    return MappingWatcher(lambda: sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".j2")))


def _touch(path: Path, text: str, seconds: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(seconds * 1_000_000_000, seconds * 1_000_000_000))


def test_unchanged_files_are_no_change(tmp_path: Path) -> None:
    _touch(tmp_path / "a.yaml", "x", 1000)
    watcher = _watcher(tmp_path)
    assert watcher.changed() == []
    assert watcher.paths == [tmp_path / "a.yaml"]


def test_modified_new_and_removed_files_are_changes(tmp_path: Path) -> None:
    _touch(tmp_path / "a.yaml", "x", 1000)
    _touch(tmp_path / "b.j2", "y", 1000)
    watcher = _watcher(tmp_path)
    _touch(tmp_path / "a.yaml", "x", 1001)
    assert watcher.changed() == [tmp_path / "a.yaml"]
    _touch(tmp_path / "c.yaml", "z", 1000)
    (tmp_path / "b.j2").unlink()
    assert watcher.changed() == [tmp_path / "b.j2", tmp_path / "c.yaml"]
    assert watcher.changed() == []


def test_same_time_but_other_size_is_a_change(tmp_path: Path) -> None:
    _touch(tmp_path / "a.yaml", "x", 1000)
    watcher = _watcher(tmp_path)
    _touch(tmp_path / "a.yaml", "longer", 1000)
    assert watcher.changed() == [tmp_path / "a.yaml"]


def test_sources_of_a_set_are_its_files_and_the_overrides(tmp_path: Path) -> None:
    (tmp_path / "packet.yaml").write_text("drop: true\n", encoding="utf-8")
    (tmp_path / ".packet.yaml.swp").write_text("", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    paths = mapping_sources("default", override_dir=tmp_path)
    repo = Path(__file__).resolve().parents[2]
    assert {p.name for p in paths if p.parent.name == "default"} == {
        p.name for p in (repo / "mappings" / "default").glob("*.yaml")}
    assert [p for p in paths if p.parent == tmp_path] == [tmp_path / "packet.yaml"]
    assert "macros.j2" in {p.name for p in paths}
