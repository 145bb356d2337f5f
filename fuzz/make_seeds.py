"""Seed inputs for ``fuzz_decoder.py``: valid conversations the fuzzer then mutates.

    python fuzz/make_seeds.py fuzz/corpus

Random bytes rarely form a valid bundle, so without seeds the fuzzer spends its time in
the framing code.  These seeds are the simulator's own traffic (metadata and event
records of every kind it generates, in bundles and as plain EventData messages), each
prefixed with the control byte ``fuzz_decoder.py`` reads (bit 0: start after the
Streaming Information handshake; the other bits: chunk size, 0 = one chunk).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cef_connector.estreamer import (
    build_null,
    encode_bundle,
    encode_event_data,
    encode_streaming_information,
)
from cef_connector.simulator import TrafficGenerator


def seeds() -> dict[str, bytes]:
    """Name → input (control byte + stream)."""
    generator = TrafficGenerator(1, start_time=1_700_000_000)
    metadata = [record.encode(True) for record in generator.metadata_records()]
    events = [record.encode(True) for record in generator.events(30)]
    plain = [record.encode(False) for record in generator.events(5)]
    bundle = encode_bundle(1, 1, metadata[:20] + events)
    return {
        "streaming-bundle": b"\x01" + bundle + build_null(),
        "streaming-chunked": bytes([1 | (7 << 1)]) + encode_bundle(1, 2, events[:5]),
        "handshake-then-bundle": b"\x00" + encode_streaming_information() + bundle,
        "plain-event-data": b"\x01" + b"".join(encode_event_data(r) for r in plain),
        "metadata-only": b"\x01" + encode_bundle(1, 3, metadata),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    directory = Path(argv[0])
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in seeds().items():
        (directory / f"seed-{name}.bin").write_bytes(data)
        print(f"{directory / f'seed-{name}.bin'}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
