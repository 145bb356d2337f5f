"""Measure MappingTable.map + cef.encode throughput on the sample records (not a test).

Run: ``python benchmarks/mapping_speed.py``.  Prints the best of many
short runs (the minimum is the least disturbed by other load on the machine) and,
for scale, the time of ``sum(range(1000))`` on the same interpreter.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cef_connector.cef import encode
from cef_connector.mapping import load_mappings
from cef_connector.mapping.samples import SAMPLES


def best_seconds(function: Callable[[], object], number: int = 200, rounds: int = 40) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main() -> None:
    baseline = best_seconds(lambda: sum(range(1000)), number=50)
    print(f"scale: sum(range(1000)) = {baseline * 1e6:.1f} us")
    for set_name in ("default", "encore-compat"):
        table = load_mappings(set_name, "7.2.5")
        for sample in SAMPLES:
            if "IPv6" in sample.label:
                continue
            names = dict(sample.names)
            event = table.map(sample, names)
            assert event is not None
            mapped = best_seconds(lambda: table.map(sample, names))
            encoded = best_seconds(lambda: encode(event))
            both = best_seconds(lambda: encode(table.map(sample, names)))  # type: ignore[arg-type]
            print(f"{set_name:14} {sample.label:22} map {mapped * 1e6:5.1f} us  encode {encoded * 1e6:5.1f} us"
                  f"  map+encode {both * 1e6:5.1f} us = {1 / both:8.0f} events/s")


if __name__ == "__main__":
    main()
