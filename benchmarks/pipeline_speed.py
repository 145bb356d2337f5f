"""Offline throughput of the whole pipeline, stage by stage, on the same bytes.

    python benchmarks/pipeline_speed.py [--events N] [--runs R] [--seed S]

Generates a stream with the simulator's seeded generator (metadata first, then
connection, intrusion and packet events in bundles of 100, 16-byte record headers),
then measures, each as the median of R runs (min and max shown):

  decode      bytes -> Connection events (framing, bundles, record decoding)
  + names     ... + metadata cache learning and names_for()
  + CEF       ... + mapping and CEF encoding
  full        ... + RecordHandler writing rotated .cef files (flush + fsync per bundle)

These are figures to read, not tests: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from cef_connector.cef import encode
from cef_connector.config.schema import OutputterSettings
from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, Record, encode_bundle
from cef_connector.mapping import load_mappings
from cef_connector.metadata import MetadataCache, names_for
from cef_connector.monitoring import Counters
from cef_connector.outputs import build_output
from cef_connector.pipeline import RecordHandler
from cef_connector.simulator import TrafficGenerator

FLAGS = 0x48900061


def build_stream(events: int, seed: int) -> bytes:
    generator = TrafficGenerator(seed, start_time=1_700_000_000)
    records = [r.encode(True) for r in generator.metadata_records()]
    records += [r.encode(True) for r in generator.events(events)]
    chunks = [encode_bundle(1, n + 1, records[i:i + 100])
              for n, i in enumerate(range(0, len(records), 100))]
    return b"".join(chunks)


def events_of(stream: bytes) -> Connection:
    connection = Connection(0, FLAGS)
    connection.initiate()
    connection.receive_data(stream)
    return connection


def stage_decode(stream: bytes) -> int:
    connection = events_of(stream)
    count = 0
    while (event := connection.next_event()) is not NEED_DATA:
        if isinstance(event, BundleEnd):
            connection.acknowledge()
        elif isinstance(event, Record) and not event.is_metadata:
            count += 1
    return count


MAPPINGS = load_mappings("default", "7.4.0")


def stage_names(stream: bytes, with_cef: bool) -> int:
    connection = events_of(stream)
    cache = MetadataCache()
    mappings = MAPPINGS
    count = 0
    while (event := connection.next_event()) is not NEED_DATA:
        if isinstance(event, BundleEnd):
            connection.acknowledge()
        elif isinstance(event, Record):
            if event.is_metadata:
                cache.learn(event)
                continue
            names = names_for(event, cache)
            if with_cef:
                cef_event = mappings.map(event, names)
                if cef_event is not None:
                    encode(cef_event)
            count += 1
    return count


class _NoBookmarks:
    def save_state(self, state: object) -> None:
        pass


class _Everything:
    def wants(self, record_type: int) -> bool:
        return True


def stage_full(stream: bytes) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        spec = OutputterSettings(adapter="cef", uri="relfile:///cef/bench.{0}.cef", rotate=True,
                                 max_lines=10_000, max_bytes=None, prefix="none")
        output = build_output(spec, base_dir=Path(tmp), clock=time.time, hostname="bench")
        output.open()
        counters = Counters()
        handler = RecordHandler(mappings=MAPPINGS,
                                metadata=MetadataCache(), outputs=[output],
                                record_filter=_Everything(), bookmarks=_NoBookmarks(),
                                counters=counters)
        connection = events_of(stream)
        while (event := connection.next_event()) is not NEED_DATA:
            if handler.handle(event).acknowledge:
                connection.acknowledge()
        output.close()
        return counters.events_written


def measure(label: str, runs: int, fn: Callable[[], int]) -> None:
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        count = fn()
        rates.append(count / (time.perf_counter() - started))
    print(f"{label:<10} {statistics.median(rates):>10,.0f} events/s "
          f"(min {min(rates):,.0f}, max {max(rates):,.0f}; {count} events, {runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    stream = build_stream(args.events, args.seed)
    print(f"stream: {len(stream):,} bytes, {args.events:,} events (seed {args.seed})")
    measure("decode", args.runs, lambda: stage_decode(stream))
    measure("+ names", args.runs, lambda: stage_names(stream, with_cef=False))
    measure("+ CEF", args.runs, lambda: stage_names(stream, with_cef=True))
    measure("full", args.runs, lambda: stage_full(stream))


if __name__ == "__main__":
    main()
