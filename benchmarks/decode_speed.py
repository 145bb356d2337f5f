"""Decode-only throughput of the protocol core (figures to read, not a test).

    python benchmarks/decode_speed.py [--events N] [--runs R] [--seed S] [--mix classic|full]
        [--clock wall|cpu] [--json FILE]

Generates records with the simulator's seeded generator (metadata first, then connection,
intrusion and packet events; 16-byte record headers; bundles of 100) and measures, each
as records per second, the median of R runs with min and max:

  decode_record 71     ``decode_record`` on the data of every record 71 of the stream
  decode_record 400    the same for every record 400
  Connection 71        bytes -> Record events through ``Connection`` (framing, bundle
                       spans, record headers, decoding) for a stream of only record 71
  Connection 400       the same for a stream of only record 400
  Connection stream    the whole stream: metadata + events (71, 400, 2; every record
                       type with ``--mix full``), every record counted
  framing only         ``Framer.next_frame`` over the whole stream, per record

These are figures to read, not tests: the machines are shared and noisy.  ``--clock cpu``
divides by the process's CPU time instead of the elapsed time, which is steadier when
other processes compete for the cores.  To compare two versions of the decoder, run the
script once with each on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from cef_connector.estreamer import (
    NEED_DATA,
    BundleEnd,
    Connection,
    Framer,
    Record,
    decode_record,
    encode_bundle,
)
from cef_connector.simulator import MIXES, TrafficGenerator

FLAGS = 0x48900061
BUNDLE_RECORDS = 100


def bundles(records: Sequence[bytes]) -> bytes:
    """Frame encoded records (header + data) as MessageBundles of ``BUNDLE_RECORDS``."""
    return b"".join(
        encode_bundle(1, number + 1, records[start : start + BUNDLE_RECORDS])
        for number, start in enumerate(range(0, len(records), BUNDLE_RECORDS))
    )


def connection_records(stream: bytes) -> int:
    """Drain a Connection over ``stream``; return the number of Record events."""
    connection = Connection(0, FLAGS)
    connection.initiate()
    connection.receive_data(stream)
    count = 0
    while (event := connection.next_event()) is not NEED_DATA:
        if type(event) is Record:
            count += 1
        elif type(event) is BundleEnd:
            connection.acknowledge()
        else:
            raise AssertionError(f"unexpected event {event!r}")
    return count


def framing_records(stream: bytes, records: int) -> int:
    """Split ``stream`` (``records`` records in bundles) into frames; return ``records``."""
    framer = Framer()
    framer.receive_data(stream)
    frames = 0
    while framer.next_frame() is not None:
        frames += 1
    assert frames == -(-records // BUNDLE_RECORDS)
    return records


def decode_all(record_type: int, datas: Sequence[bytes]) -> int:
    """``decode_record`` every item of ``datas``; return how many."""
    for data in datas:
        decode_record(record_type, data)
    return len(datas)


def measure(runs: int, function: Callable[[], int], clock: Callable[[], float]) -> dict[str, float]:
    """Median, min and max records/s of ``runs`` calls of ``function``, timed by ``clock``."""
    rates = []
    for _ in range(runs):
        started = clock()
        count = function()
        rates.append(count / (clock() - started))
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def main(argv: Sequence[str] | None = None) -> None:
    """Build the stream, measure every stage, print a table (and write JSON if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="event records (default 20000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--mix", choices=MIXES, default="classic",
                        help="the simulator's traffic mix (default classic: 71, 400, 2)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="elapsed time (default) or the process's CPU time")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    generator = TrafficGenerator(args.seed, start_time=1_700_000_000, mix=args.mix)
    metadata = [r.encode(True) for r in generator.metadata_records()]
    events = generator.events(args.events)
    encoded = [(r.record_type, r.encode(True)) for r in events]
    by_type: dict[int, list[bytes]] = {}
    for record_type, data in encoded:
        by_type.setdefault(record_type, []).append(data)
    stream = bundles(metadata + [data for _type, data in encoded])
    data71 = [data[16:] for data in by_type.get(71, [])]
    data400 = [data[16:] for data in by_type.get(400, [])]

    stages: list[tuple[str, Callable[[], int]]] = [
        ("decode_record 71", lambda: decode_all(71, data71)),
        ("decode_record 400", lambda: decode_all(400, data400)),
        ("Connection 71", lambda s=bundles(by_type.get(71, [])): connection_records(s)),
        ("Connection 400", lambda s=bundles(by_type.get(400, [])): connection_records(s)),
        ("Connection stream", lambda: connection_records(stream)),
        ("framing only", lambda: framing_records(stream, len(metadata) + len(events))),
    ]
    counts = {str(t): len(v) for t, v in sorted(by_type.items())}
    print(
        f"stream: {len(stream):,} bytes, {len(metadata)} metadata + {len(events):,} event "
        f"records {counts if len(counts) < 6 else f'of {len(counts)} types'} (mix {args.mix}, "
        f"seed {args.seed}), median of {args.runs} runs, {args.clock} clock"
    )
    results: dict[str, Any] = {
        "events": len(events), "runs": args.runs, "seed": args.seed, "clock": args.clock,
        "mix": args.mix,
    }
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    for label, function in stages:
        figure = measure(args.runs, function, clock)
        results[label] = figure
        print(
            f"{label:<18} {figure['median']:>11,.0f} records/s "
            f"(min {figure['min']:,.0f}, max {figure['max']:,.0f})"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
