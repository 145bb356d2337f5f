"""A cache saved and loaded again (a restart) names every event exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

from cef_connector.metadata import MetadataCache, MetadataStore, names_for

from .name_fixtures import EVENTS, METADATA, event, full_cache
from .test_names_per_record import EXPECTED


def _names(cache: MetadataCache) -> dict[int, dict[str, str]]:
    return {rt: names_for(event(rt, fields), cache) for rt, fields in sorted(EVENTS.items())}


def test_saved_and_reloaded_cache_names_every_event_the_same(tmp_path: Path) -> None:
    before = full_cache()
    store = MetadataStore.for_server(tmp_path, "fmc.example", 8302)

    store.save(before)
    after = store.load()

    assert len(after) == len(before) == len(METADATA)
    assert _names(after) == _names(before)
    assert _names(after) == EXPECTED


def test_snapshot_file_is_plain_json_with_every_table(tmp_path: Path) -> None:
    store = MetadataStore(tmp_path / "m.json")
    store.save(full_cache())

    data = json.loads(store.path.read_text(encoding="utf-8"))

    assert data["version"] == 2
    assert set(data["tables"]) == {str(rt) for rt, _ in METADATA}
    assert data["tables"]["270"]["key"] == ["protocol", "type", "code"]
    assert [1, 11, 0] in [entry[0] for entry in data["tables"]["270"]["entries"]]


def test_reloading_into_a_smaller_bound_keeps_each_tables_latest_entries(tmp_path: Path) -> None:
    store = MetadataStore(tmp_path / "m.json")
    store.save(full_cache())

    small = MetadataStore(tmp_path / "m.json", max_entries_per_table=1).load()

    assert small.lookup(123, 5) == "ftd-2"
    assert small.lookup(123, 3) is None
    assert max(small.table_size(rt) for rt, _ in METADATA) == 1


def test_json_round_trip_through_text_keeps_names(tmp_path: Path) -> None:
    text = json.dumps(full_cache().to_json(), ensure_ascii=False)

    restored = MetadataCache.from_json(json.loads(text))

    assert _names(restored) == _names(full_cache())
