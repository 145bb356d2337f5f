"""Behaviour of the metadata snapshot file: atomic saves, tolerant loads."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cef_connector.metadata import MetadataCache, MetadataStore, MetadataStoreError, metadata_path


@dataclass(frozen=True)
class Rec:
    record_type: int
    fields: dict[str, Any] = field(default_factory=dict)
    archive_timestamp: int | None = None
    offset: int = 0
    is_metadata: bool = True


def sample() -> MetadataCache:
    cache = MetadataCache()
    cache.learn(Rec(123, {"id": 3, "name": "ftd-1"}))
    cache.learn(Rec(119, {"revisionUuid": "aa", "ruleId": 5, "name": "Allow web ✓"}))
    return cache


def test_snapshot_file_is_named_per_server(tmp_path: Path) -> None:
    assert metadata_path(tmp_path, "10.0.0.5", 8302) == tmp_path / "10.0.0.5-8302_metadata.json"
    assert MetadataStore.for_server(tmp_path, "fmc", 1).path == tmp_path / "fmc-1_metadata.json"


def test_save_then_load_restores_the_names(tmp_path: Path) -> None:
    store = MetadataStore.for_server(tmp_path / "state", "fmc", 8302)

    store.save(sample())
    restored = store.load()

    assert restored.lookup(123, 3) == "ftd-1"
    assert restored.lookup(119, ("aa", 5)) == "Allow web ✓"
    assert json.loads(store.path.read_text(encoding="utf-8")) == sample().to_json()
    assert [p.name for p in store.path.parent.iterdir()] == ["fmc-8302_metadata.json"]


def test_missing_snapshot_gives_an_empty_cache(tmp_path: Path) -> None:
    cache = MetadataStore(tmp_path / "none.json", max_entries_per_table=7).load()

    assert (len(cache), cache.max_entries_per_table) == (0, 7)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{broken", "is not valid JSON"),
        (b'{"format": "pickle"}', "is not a valid snapshot (not a cef-connector metadata snapshot)"),
    ],
)
def test_corrupt_snapshot_warns_and_gives_an_empty_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes, reason: str
) -> None:
    path = tmp_path / "fmc-8302_metadata.json"
    path.write_bytes(content)

    with caplog.at_level(logging.WARNING):
        cache = MetadataStore(path).load()

    assert len(cache) == 0
    (message,) = caplog.messages
    assert message.startswith(f"Metadata cache file {path} {reason}")
    assert message.endswith(
        "; starting with an empty cache. No events are lost: the FMC sends metadata at the "
        "start of the session, and until a name arrives events carry the raw ID. The file is "
        "replaced at the next save."
    )


def test_unwritable_state_directory_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    store = MetadataStore(blocker / "sub" / "m.json")

    with pytest.raises(MetadataStoreError, match=f"cannot write metadata cache file {store.path}"):
        store.save(sample())


def test_load_and_save_functions_use_the_given_path(tmp_path: Path) -> None:
    from cef_connector.metadata import load_metadata, save_metadata

    path = tmp_path / "fmc-8302_metadata.json"
    save_metadata(sample(), path)

    assert load_metadata(path).lookup(123, 3) == "ftd-1"
    assert len(load_metadata(tmp_path / "missing.json")) == 0
