"""Coverage-guided fuzzing of the eStreamer decoder with atheris (libFuzzer).

    pip install atheris
    python fuzz/fuzz_decoder.py -max_len=4096 -rss_limit_mb=512 -max_total_time=600 fuzz/corpus

The property is the one the hypothesis tests in ``tests/estreamer/test_fuzz.py`` check:
whatever bytes the peer sends, in whatever split, ``estreamer.Connection`` yields events or
raises ``RemoteProtocolError`` (with a stream offset), and nothing else.  Any other
exception is reported by libFuzzer as a crash, with the input saved as ``crash-<sha1>``;
a hang (``-timeout``, 25 s by default) and memory above ``-rss_limit_mb`` are reported too.

The first input byte chooses the starting state and the chunking (so the fuzzer explores
both the handshake and the streaming states, and splits inside headers); the rest is the
byte stream.  Limits are small (64 KiB messages, 1000 records per bundle, depth 8) so
that a length field near a limit is cheap to reach.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from cef_connector.errors import RemoteProtocolError
    from cef_connector.estreamer import (
        NEED_DATA,
        Connection,
        ConnectionClosed,
        Limits,
        encode_streaming_information,
    )

LIMITS = Limits(max_message_bytes=1 << 16, max_bundle_records=1000, max_block_depth=8)
FLAGS = 0x48900061


def _connection(streaming: bool) -> Connection:
    connection = Connection(0, FLAGS, limits=LIMITS)
    connection.initiate()
    if streaming:
        connection.receive_data(encode_streaming_information())
        connection.next_event()
        connection.data_to_send()
    return connection


def test_one_input(data: bytes) -> None:
    """libFuzzer's entry point: one input, one conversation."""
    if not data:
        return
    control, stream = data[0], data[1:]
    connection = _connection(streaming=bool(control & 1))
    step = (control >> 1) or len(stream) or 1
    chunks = [stream[i : i + step] for i in range(0, len(stream), step)] + [b""]
    budget = len(stream) // 8 + 4  # every event consumes at least 8 bytes, but the last
    events = 0
    try:
        for chunk in chunks:
            connection.receive_data(chunk)
            while True:
                event = connection.next_event()
                if event is NEED_DATA:
                    break
                events += 1
                if events > budget:
                    raise AssertionError("more events than the input can hold")
                if isinstance(event, ConnectionClosed):
                    return
    except RemoteProtocolError as error:
        if error.offset is None or f"stream offset {error.offset}" not in str(error):
            raise AssertionError(f"protocol error without its offset: {error}") from error


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
