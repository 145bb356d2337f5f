"""workerProcesses: decode, names and rendering in worker processes, output unchanged.

The pools are expensive to start (spawn + a mapping compile per worker), so each one is
started once per module and shared by the tests that can share it.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import signal
import struct
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

from cef_connector.bookmark import Bookmark
from cef_connector.config.schema import OutputterSettings, RecordFilter
from cef_connector.errors import SessionError
from cef_connector.estreamer import (
    NEED_DATA,
    Connection,
    Limits,
    RecordBatch,
    encode_bundle,
    encode_streaming_information,
)
from cef_connector.mapping import load_mappings
from cef_connector.metadata import MetadataCache
from cef_connector.monitoring import Counters
from cef_connector.outputs import build_output
from cef_connector.parallel import RendererSpec, WorkerPool, effective_workers
from cef_connector.pipeline import RecordHandler
from cef_connector.simulator import SimRecord, TrafficGenerator

START_TIME = 1_700_000_000
FLAGS = 0x48900061
ADAPTERS = ("cef", "json")
#: packets (2) are not written: they exercise the filter in both modes
FILTER = RecordFilter(exclude=frozenset({2}))
UNKNOWN_TYPE = 9_999


def _raw_record(record_type: int, data: bytes, archive: int) -> bytes:
    return struct.pack(">IIII", record_type, len(data), archive, 0) + data


def _stream() -> tuple[bytes, int]:
    """A full-mix stream: events, then metadata (renamed later), unknown and broken records."""
    generator = TrafficGenerator(7, start_time=START_TIME, events_per_second=40.0, mix="full")
    metadata = list(generator.metadata_records())
    events = generator.events(1_500)
    renamed = [SimRecord(r.record_type, {**r.fields, "name": f"renamed-{i}"}, 0, True, None)
               for i, r in enumerate(metadata) if "name" in r.fields]
    records: list[bytes] = []
    records += [r.encode(True) for r in events[:200]]  # before any metadata: no names
    records += [r.encode(True) for r in metadata]
    records += [r.encode(True) for r in events[200:700]]
    records.append(_raw_record(UNKNOWN_TYPE, bytes(range(40)), events[700].archive_timestamp))
    records.append(_raw_record(400, b"\x00\x01\x02", events[700].archive_timestamp))  # cannot decode
    records += [r.encode(True) for r in events[700:1000]]
    records += [r.encode(True) for r in renamed]  # names change in the middle of a bundle
    records += [r.encode(True) for r in events[1000:]]
    data = bytearray(encode_streaming_information())
    for sequence, first in enumerate(range(0, len(records), 90), 1):
        data += encode_bundle(1, sequence, records[first:first + 90])
    return bytes(data), len(records)


@pytest.fixture(scope="module")
def stream() -> tuple[bytes, int]:
    return _stream()


def _spec(mapping_set: str = "default") -> RendererSpec:
    return RendererSpec(functools.partial(load_mappings, mapping_set, "7.4.0"), FILTER,
                        ADAPTERS, "raw", True, Limits().max_block_depth)


@pytest.fixture(scope="module")
def pool2() -> Iterator[WorkerPool]:
    with WorkerPool(_spec(), 2, chunk_records=16) as pool:
        pool.start(MetadataCache())
        yield pool


@pytest.fixture(scope="module")
def mappings() -> Any:
    return load_mappings("default", "7.4.0")


def _run(stream: bytes, directory: Path, mappings: Any, pool: WorkerPool | None,
         on_bundle: Any = None) -> dict[str, Any]:
    directory.mkdir()
    outputs = []
    for adapter in ADAPTERS:
        spec = OutputterSettings(adapter=adapter, uri=f"relfile:///out/events.{{0}}.{adapter}",
                                 rotate=True, max_lines=500, max_bytes=None, prefix="none")
        output = build_output(spec, base_dir=directory, clock=lambda: 1_700_000_000.0,
                              hostname="test")
        output.open()
        outputs.append(output)
    counters = Counters()
    handler = RecordHandler(mappings=mappings, metadata=MetadataCache(), outputs=outputs,
                            record_filter=FILTER, bookmarks=Bookmark(directory / "bookmark.json"),
                            counters=counters, adapters=ADAPTERS, unknown_records="raw",
                            workers=pool)
    connection = Connection(0, FLAGS, decode_records=pool is None)
    connection.initiate()
    connection.receive_data(stream)
    bundles = 0
    while (event := connection.next_event()) is not NEED_DATA:
        assert (type(event) is RecordBatch) == (pool is not None) or not hasattr(event, "spans")
        if handler.handle(event).acknowledge:
            connection.acknowledge()
            bundles += 1
            if on_bundle is not None:
                on_bundle(handler, bundles)
    handler.finish()
    for output in outputs:
        output.close()
    # The bookmark names the output files by absolute path: the run's directory differs.
    files = {str(path.relative_to(directory)):
             path.read_bytes().replace(str(directory).encode(), b"<run>")
             for path in sorted(directory.rglob("*")) if path.is_file()}
    return {"files": files, "received": counters.records_received_total,
            "written": counters.events_written_total, "dropped": counters.events_dropped_total,
            "learned": counters.metadata_learned_total, "bookmark": counters.bookmark,
            "unknown": handler.unknown_record_counts, "truncated": handler.raw_truncated_total}


@pytest.fixture(scope="module")
def one_process(stream: tuple[bytes, int], mappings: Any,
                tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run(stream[0], tmp_path_factory.mktemp("one") / "run", mappings, None)


def test_one_process_run_covers_every_case_the_workers_must_match(
        one_process: dict[str, Any], stream: tuple[bytes, int]) -> None:
    dropped = one_process["dropped"]
    assert dropped["decode_failed"] == 1
    assert dropped["filtered"] > 0
    assert one_process["unknown"] == {(UNKNOWN_TYPE, None): 1}
    assert one_process["learned"] > 0
    json_lines = b"".join(data for name, data in one_process["files"].items()
                          if name.endswith(".json") and "out/" in name).splitlines()
    cef_lines = b"".join(data for name, data in one_process["files"].items()
                         if name.endswith(".cef")).splitlines()
    assert sum(one_process["written"].values()) == len(json_lines)
    assert any(b"renamed-" in line for line in cef_lines)
    assert sum(one_process["received"].values()) == stream[1]


def test_two_workers_write_byte_identical_files_bookmark_and_counters(
        stream: tuple[bytes, int], mappings: Any, pool2: WorkerPool,
        one_process: dict[str, Any], tmp_path: Path) -> None:
    two = _run(stream[0], tmp_path / "two", mappings, pool2)
    assert two == one_process


def test_three_workers_with_default_chunks_write_the_same(
        stream: tuple[bytes, int], mappings: Any, one_process: dict[str, Any],
        tmp_path: Path) -> None:
    with WorkerPool(_spec(), 3) as pool:
        pool.start(MetadataCache())
        three = _run(stream[0], tmp_path / "three", mappings, pool)
    assert three == one_process


def test_reload_switches_the_workers_mappings_at_a_record_boundary(
        stream: tuple[bytes, int], mappings: Any, pool2: WorkerPool, tmp_path: Path) -> None:
    other = load_mappings("default", "6.0.0")
    switched_at: list[int] = []

    def reload_after_third_bundle(handler: RecordHandler, bundles: int) -> None:
        if bundles == 3:  # flushed: the CEF files hold every line written so far
            switched_at.append(sum(path.read_bytes().count(b"\n")
                                   for path in (tmp_path / "reload").rglob("*.cef")))
            # What a SIGHUP does: the runner replaces the handler's mappings; the workers
            # build theirs with the spec's factory before their next chunk.
            pool2.spec = dataclasses.replace(
                pool2.spec, mappings_factory=functools.partial(load_mappings, "default", "6.0.0"))
            handler.mappings = other

    result = _run(stream[0], tmp_path / "reload", mappings, pool2, reload_after_third_bundle)
    lines = b"".join(data for name, data in sorted(result["files"].items())
                     if name.endswith(".cef")).splitlines()
    cut = switched_at[0]
    assert cut > 0
    assert all(b"|7.4.0|" in line for line in lines[:cut])
    assert all(b"|6.0.0|" in line for line in lines[cut:])
    pool2.reload(_spec())  # back to the default for any later test


def test_capped_worker_count_is_logged_once_with_the_cpu_count(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="cef_connector.parallel"):
        assert effective_workers(4, cpus=2) == 2
        assert effective_workers(2, cpus=2) == 2
        assert effective_workers(1, cpus=8) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "workerProcesses 4 is more than the 2 CPUs of this machine: using 2 worker processes"]


def test_killed_worker_fails_the_session_and_the_pool_restarts(
        stream: tuple[bytes, int], mappings: Any, tmp_path: Path) -> None:
    pool = WorkerPool(_spec(), 2, chunk_records=16)
    try:
        pool.start(MetadataCache())
        victim = pool.pids[1]
        connection = Connection(0, FLAGS, decode_records=False)
        connection.initiate()
        connection.receive_data(stream[0])
        events = []
        while len(events) < 4 and (event := connection.next_event()) is not NEED_DATA:
            if type(event) is RecordBatch:
                events.append(event)
        pool.submit(events[0], lambda record: None)
        assert len(list(pool.results(wait=True))) == 6  # 90 records in chunks of 16
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(SessionError) as raised:
            pool.submit(events[1], lambda record: None)
            list(pool.results(wait=True))
        assert raised.value.kind == "worker_died"
        assert f"worker process {victim} ended (exit code -9, SIGKILL)" in str(raised.value)
        assert pool.outstanding == 0
        pool.submit(events[2], lambda record: None)  # restarts the pool
        assert victim not in pool.pids and len(pool.pids) == 2
        assert len(list(pool.results(wait=True))) == 6
    finally:
        pool.close()
    assert pool.pids == []


def test_worker_sigkilled_mid_stream_loses_and_duplicates_nothing_and_leaves_no_child(
        tmp_path: Path) -> None:
    import multiprocessing

    from cef_connector.app import ServerRunner
    from cef_connector.config import load_settings
    from cef_connector.session.backoff import Backoff
    from cef_connector.simulator import SimulatorServer, init_directory, write_connector_config

    sim_dir = tmp_path / "fmc"
    init_directory(sim_dir, "127.0.0.1", 8302)
    events = 3_000
    with SimulatorServer(sim_dir, events=events, seed=11, start_time=START_TIME,
                         records_per_bundle=50) as sim:
        write_connector_config(sim_dir / "estreamer.conf", "127.0.0.1", sim.port)
        settings = dataclasses.replace(load_settings(sim_dir / "estreamer.conf"),
                                       worker_processes=2)
        runner = ServerRunner(settings, 0, max_events=events)
        runner.backoff = Backoff(base_seconds=0.05, cap_seconds=0.2)
        killed: list[int] = []
        seen: set[int] = set()

        def kill_one_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not runner.stop.is_set():
                pool = runner.workers
                pids = list(pool.pids) if pool is not None else []
                seen.update(pids)
                if not killed and pids and runner.counters.events_written > 500:
                    killed.append(pids[0])
                    os.kill(killed[0], signal.SIGKILL)
                if runner.counters.events_written >= events:
                    return
                time.sleep(0.005)

        thread = threading.Thread(target=kill_one_worker, daemon=True)
        thread.start()
        result = runner.run()
        thread.join()
        expected = Counter(record.identity for record in sim.stored_events)
    assert killed, "the worker was never killed"
    assert result.counters.errors_total["worker_died"] == 1
    assert result.counters.reconnects_total >= 1
    lines = [line for path in sorted((sim_dir / "cef").glob("*.cef"))
             for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(expected) == events  # 0 missing, 0 duplicated
    assert len(set(lines)) == events
    assert len(seen) >= 4  # the first two workers, then the two of the restarted pool
    ours = [child for child in multiprocessing.active_children() if child.pid in seen]
    assert ours == []
    for pid in seen:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert runner.workers is not None and runner.workers.pids == []
