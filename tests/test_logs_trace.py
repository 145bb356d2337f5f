"""TRACE shows eStreamer bytes as hex, as eNcore does; nothing is formatted below TRACE."""

from __future__ import annotations

import io
import logging

from cef_connector.config import LoggingSettings
from cef_connector.logs import configure_logging, hex_lines, trace_bytes


def test_hex_lines_group_four_bytes_and_start_with_the_stream_offset() -> None:
    data = bytes.fromhex("0001000200000008") + bytes(range(40))
    assert hex_lines(data, offset=16) == [
        "00000010  00010002 00000008 00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617",
        "00000030  18191a1b 1c1d1e1f 20212223 24252627",
    ]
    assert hex_lines(b"") == []


def test_trace_bytes_logs_hex_at_trace_level_only() -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(format="%(levelname)s %(message)s", level="TRACE"),
                      stdout=stream)
    try:
        logger = logging.getLogger("cef_connector.session.test")
        trace_bytes(logger, "received from 10.0.0.5:8302", bytes.fromhex("0001000000000000"))
        assert stream.getvalue() == (
            "TRACE received from 10.0.0.5:8302: 8 bytes at stream offset 0\n"
            "00000000  00010000 00000000\n")
        configure_logging(LoggingSettings(format="%(message)s", level="VERBOSE"), stdout=stream)
        trace_bytes(logger, "sent", b"\x00" * 8)
        assert stream.getvalue().count("\n") == 2
    finally:
        configure_logging(LoggingSettings(stdout=False))
