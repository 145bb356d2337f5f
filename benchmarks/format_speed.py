"""Per-record cost of the JSON and Splunk formats (figures to read, not a test).

    python benchmarks/format_speed.py [--events N] [--runs R] [--seed S] [--mix classic|full]

Generates records with the simulator's seeded generator (metadata first, then events),
decodes them through ``Connection``, names them (``metadata.names_for``) and then times,
per record type, in microseconds of CPU time per record (the best of R runs over every
record of that type, one warm-up run first):

  view            ``ComputedView().view(record, names, cache)`` (eNcore's "@computed")
  json            ``JsonFormatter().format`` (templates compiled per shape of record)
  json dict path  the same line built as the document dict and serialized
                  (``jsonl._document_line``, what the formatter falls back to)
  splunk          ``SplunkFormatter().format`` (plans and templates per shape)
  splunk walk     the same line built key by key (``SplunkFormatter._walk``)

With ``--mix classic`` (the default) the types are 71 (connections) and 400 (intrusions),
the two the throughput benchmark (``bench.py``) replays.  CPU time of the process, not
wall time: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, Record, encode_bundle
from cef_connector.formats import ComputedView, JsonFormatter, SplunkFormatter
from cef_connector.formats.jsonl import _document_line
from cef_connector.metadata import MetadataCache, names_for
from cef_connector.simulator import MIXES, TrafficGenerator

FLAGS = 0x48900061


def decoded(mix: str, seed: int, events: int) -> tuple[list[Record], MetadataCache]:
    """The event records of a generated stream, decoded, and the metadata they need."""
    generator = TrafficGenerator(seed, start_time=1_700_000_000, mix=mix)
    generated = list(generator.metadata_records()) + generator.events(events)
    connection = Connection(0, FLAGS)
    connection.initiate()
    for number, start in enumerate(range(0, len(generated), 100), start=1):
        batch = [r.encode(archive_header=True) for r in generated[start:start + 100]]
        connection.receive_data(encode_bundle(1, number, batch))
    cache = MetadataCache()
    records: list[Record] = []
    while (event := connection.next_event()) is not NEED_DATA:
        if isinstance(event, BundleEnd):
            connection.acknowledge()
        elif isinstance(event, Record):
            if event.is_metadata:
                cache.learn(event)
            else:
                records.append(event)
    return records, cache


def best_us(work: Callable[[], None], count: int, runs: int) -> float:
    """Best CPU microseconds per record of ``work`` over ``runs`` runs (after a warm-up)."""
    work()
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best / count * 1e6


def measure(records: Sequence[Record], cache: MetadataCache, runs: int
            ) -> dict[str, float]:
    """µs per record of each step, for records of one type."""
    names = [names_for(record, cache) for record in records]
    view = ComputedView()
    views = [view.view(record, name, cache) for record, name in zip(records, names)]
    json_formatter = JsonFormatter()
    splunk = SplunkFormatter()
    rows: list[tuple[Record, Any, dict[str, Any]]] = list(zip(records, names, views))

    def do_view() -> None:
        for record, name, _ in rows:
            view.view(record, name, cache)

    def do_json() -> None:
        for record, _, computed in rows:
            json_formatter.format(record.record_type, record.archive_timestamp, record.fields,
                                  computed)

    def do_json_dict() -> None:
        for record, _, computed in rows:
            _document_line(record.record_type, record.archive_timestamp, record.fields,
                           computed)

    def do_splunk() -> None:
        for record, _, computed in rows:
            splunk.format(record.record_type, record.fields, computed)

    def do_splunk_walk() -> None:
        for record, _, computed in rows:
            splunk._walk(record.record_type, record.fields, computed,
                         splunk._tables.get(record.record_type))

    steps = {"view": do_view, "json": do_json, "json dict path": do_json_dict,
             "splunk": do_splunk, "splunk walk": do_splunk_walk}
    return {label: best_us(work, len(rows), runs) for label, work in steps.items()}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", choices=sorted(MIXES), default="classic")
    parser.add_argument("--types", default="", help="comma-separated record types "
                        "(default: every event type of the stream)")
    args = parser.parse_args(argv)
    records, cache = decoded(args.mix, args.seed, args.events)
    by_type: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        by_type[record.record_type].append(record)
    wanted = [int(t) for t in args.types.split(",") if t] or sorted(by_type)
    labels = ("view", "json", "json dict path", "splunk", "splunk walk")
    print(f"{args.events:,} events ({args.mix} mix, seed {args.seed}); "
          f"µs of CPU per record, best of {args.runs}")
    print(f"{'type':>5} {'records':>8} " + " ".join(f"{label:>15}" for label in labels))
    for record_type in wanted:
        rows = by_type.get(record_type)
        if not rows:
            continue
        figures = measure(rows, cache, args.runs)
        print(f"{record_type:>5} {len(rows):>8} "
              + " ".join(f"{figures[label]:>15.1f}" for label in labels))


if __name__ == "__main__":
    main()
