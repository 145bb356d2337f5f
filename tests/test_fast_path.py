"""The fast path on a simulator stream: generated lines equal encode(map(...)) for every record.

Also checks the benchmark's capture files: what ``benchmarks/bench.py`` replays is a
stream the protocol core decodes completely, with exactly the requested events.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cef_connector.cef import encode
from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, Record, RecordDecodeFailed
from cef_connector.mapping import load_mappings
from cef_connector.metadata import MetadataCache, names_for

REPO = Path(__file__).resolve().parents[1]


def bench() -> ModuleType:
    name = "_cef_connector_bench"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "bench.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def replay(path: Path) -> tuple[list[tuple[Record, dict[str, str]]], Counter[str]]:
    """Every event record of a capture with its names, and what else the stream held."""
    connection = Connection(0, bench().FLAGS)
    connection.initiate()
    cache = MetadataCache()
    events: list[tuple[Record, dict[str, str]]] = []
    seen: Counter[str] = Counter()
    for data in bench().chunks(path):
        connection.receive_data(data)
        while (event := connection.next_event()) is not NEED_DATA:
            seen[type(event).__name__] += 1
            if isinstance(event, BundleEnd):
                connection.acknowledge()
            elif isinstance(event, Record):
                if event.is_metadata:
                    cache.learn(event)
                else:
                    events.append((event, names_for(event, cache)))
    return events, seen


@pytest.fixture(scope="module")
def full_mix(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[Record, dict[str, str]]], Any]:
    spec = bench().StreamSpec("full", 0, 0, 1500, seed=7, bundle=100, archive_rate=5.0)
    path, info = bench().capture_for(spec, tmp_path_factory.mktemp("captures"), quiet=True)
    events, _ = replay(path)
    return events, info


@pytest.mark.parametrize("set_name", ["default", "encore-compat"])
def test_generated_lines_equal_encode_of_map_on_every_record_of_a_simulator_stream(
    full_mix: tuple[list[tuple[Record, dict[str, str]]], Any], set_name: str
) -> None:
    events, _ = full_mix
    table = load_mappings(set_name, "7.4.0")
    mapped: Counter[int] = Counter()
    for record, names in events:
        event = table.map(record, names)
        expected = None if event is None else encode(event)
        assert table.render_line(record, names) == expected, (record.record_type, record.offset)
        if expected is not None:
            mapped[record.record_type] += 1
    assert mapped == Counter(record.record_type for record, _ in events
                             if record.record_type in table.record_types)
    assert {71, 400, 2} <= set(mapped)


def test_connection_intrusion_and_packet_records_of_a_simulator_stream_are_written_by_generated_code(
    full_mix: tuple[list[tuple[Record, dict[str, str]]], Any]
) -> None:
    events, _ = full_mix
    table = load_mappings("default", "7.4.0")
    renderers = {rt: table._lines[rt] for rt in table.record_types if rt in table._lines}  # noqa: SLF001
    classic = [(record, names) for record, names in events if record.record_type in (71, 400, 2)]
    declined = Counter(
        record.record_type for record, names in classic
        if renderers[record.record_type](record.fields, names, record.record_type,
                                         record.archive_timestamp) is None
    )
    assert len(classic) > 300
    assert declined == Counter()


def test_capture_holds_exactly_the_requested_default_mix(tmp_path: Path) -> None:
    spec = bench().StreamSpec("default", 250, 50, None, seed=3, bundle=100, archive_rate=5.0)
    path, info = bench().capture_for(spec, tmp_path, quiet=True)

    events, seen = replay(path)

    assert Counter(record.record_type for record, _ in events) == Counter({71: 250, 400: 50})
    assert info["events"] == 300 and info["event_types"] == {"71": 250, "400": 50}
    assert info["bytes"] == path.stat().st_size
    records = 300 + info["metadata_records"]
    assert seen["BundleEnd"] == info["bundles"] == -(-records // 100)
    assert seen["StreamingInformation"] == 1
    assert seen[RecordDecodeFailed.__name__] == 0 and seen["UnknownRecord"] == 0


def test_capture_is_reused_for_the_same_options_and_rebuilt_for_others(tmp_path: Path) -> None:
    first = bench().StreamSpec("default", 20, 5, None, seed=3, bundle=10, archive_rate=5.0)
    path, _ = bench().capture_for(first, tmp_path, quiet=True)
    stamp = path.stat().st_mtime_ns

    again, _ = bench().capture_for(first, tmp_path, quiet=True)
    other, _ = bench().capture_for(
        bench().StreamSpec("default", 20, 5, None, seed=4, bundle=10, archive_rate=5.0),
        tmp_path, quiet=True)

    assert again == path and again.stat().st_mtime_ns == stamp
    assert other != path and other.read_bytes() != path.read_bytes()


def test_default_mix_keeps_its_proportions_at_another_size() -> None:
    spec = bench().StreamSpec("default", 50_000, 10_000, 600, seed=1, bundle=100, archive_rate=5.0)
    assert (spec.connections, spec.intrusions, spec.total) == (500, 100, 600)


@pytest.mark.parametrize("set_name", ["default", "encore-compat"])
def test_lines_are_the_same_when_only_the_names_a_mapping_reads_are_resolved(
    full_mix: tuple[list[tuple[Record, dict[str, str]]], Any], set_name: str
) -> None:
    events, _ = full_mix
    table = load_mappings(set_name, "7.4.0")
    covered = [(record, names) for record, names in events
                  if table.name_keys(record.record_type) is not None]
    for record, names in covered:
        keys = table.name_keys(record.record_type)
        assert keys is not None
        subset = {key: value for key, value in names.items() if key in keys}
        assert table.render_line(record, subset) == table.render_line(record, names), (
            record.record_type, record.offset)
    assert {71, 400} <= {record.record_type for record, _ in covered}


def test_names_for_with_keys_is_the_full_resolution_restricted_to_those_keys() -> None:
    from cef_connector.simulator import TrafficGenerator

    generator = TrafficGenerator(5, start_time=1_700_000_000, mix="full")
    table = load_mappings("default", "7.4.0")
    cache = MetadataCache()
    for sim in generator.metadata_records():
        cache.learn(_decoded(sim))
    checked: Counter[int] = Counter()
    for sim in generator.events(2000):
        record = _decoded(sim)
        keys = table.name_keys(record.record_type)
        if keys is None:
            continue
        full = names_for(record, cache)
        assert names_for(record, cache, keys) == {k: v for k, v in full.items() if k in keys}
        checked[record.record_type] += 1
    assert len(checked) >= 40 and checked[71] > 500


def test_name_keys_of_the_connection_mapping_are_the_names_it_prints() -> None:
    table = load_mappings("default", "7.4.0")
    assert table.name_keys(71) == frozenset({
        "accessControlPolicy", "accessControlRule", "applicationProtocol", "clientApplication",
        "device", "egressInterface", "egressZone", "ingressInterface", "ingressZone", "protocol",
        "ruleAction", "ruleReason", "securityIntelligenceList1", "urlCategory", "user",
        "webApplication"})
    assert table.name_keys(2) == frozenset({"device"})
    assert table.name_keys(9999) is None


def _decoded(sim_record: Any) -> Any:
    from cef_connector.estreamer import decode_record, encode_record_data

    data = encode_record_data(sim_record.record_type, sim_record.fields)
    return decode_record(sim_record.record_type, data, sim_record.archive_timestamp or None)
