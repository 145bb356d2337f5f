"""Behaviour of the bounded on-disk spool under the syslog output."""

from __future__ import annotations

import logging
import tempfile
from collections import deque
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.errors import OutputError
from cef_connector.outputs.spool import RECORD_HEADER, Spool


def opened(directory: Path, max_bytes: int = 1 << 20, **kwargs: int) -> Spool:
    spool = Spool(directory, max_bytes, **kwargs)
    spool.open()
    return spool


def drain(spool: Spool) -> list[bytes]:
    out: list[bytes] = []
    while spool.messages:
        batch = spool.peek(3, 1 << 20)
        spool.consume(len(batch))
        out.extend(batch)
    return out


def test_messages_come_back_in_order_after_a_reopen(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    for i in range(5):
        assert spool.append(f"message {i} \u00e9".encode())
    spool.sync()
    spool.close()

    again = opened(tmp_path)

    assert again.messages == 5
    assert drain(again) == [f"message {i} \u00e9".encode() for i in range(5)]


def test_peek_does_not_remove_and_consume_moves_the_head(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    for message in (b"a", b"b", b"c"):
        spool.append(message)

    assert spool.peek(2, 100) == [b"a", b"b"]
    assert spool.peek(2, 100) == [b"a", b"b"]
    spool.consume(1)
    assert spool.peek(5, 100) == [b"b", b"c"]
    assert spool.messages == 2


def test_peek_stops_at_the_byte_limit_but_returns_at_least_one(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    for message in (b"x" * 50, b"y" * 50, b"z"):
        spool.append(message)

    assert spool.peek(10, 60) == [b"x" * 50]
    assert spool.peek(10, 10) == [b"x" * 50]


def test_the_drained_position_survives_a_restart(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    for message in (b"a", b"b", b"c"):
        spool.append(message)
    spool.peek(2, 100)
    spool.consume(2)
    spool.sync()
    spool.close()

    again = opened(tmp_path)

    assert drain(again) == [b"c"]


def test_a_full_spool_refuses_without_writing(tmp_path: Path) -> None:
    spool = opened(tmp_path, max_bytes=4096)
    message = b"m" * (1000 - RECORD_HEADER.size)
    assert [spool.append(message) for _ in range(5)] == [True, True, True, True, False]

    assert spool.messages == 4
    assert spool.bytes == 4000
    assert not spool.room_for(len(message))


def test_drained_segments_are_deleted_so_space_comes_back(tmp_path: Path) -> None:
    spool = opened(tmp_path, max_bytes=1 << 20, segment_bytes=100)
    for i in range(10):
        spool.append(b"%02d" % i + b"x" * 40)
    spool.sync()
    assert len(list(tmp_path.glob("*.spool"))) == 5

    spool.peek(4, 1 << 20)
    spool.consume(4)
    assert len(list(tmp_path.glob("*.spool"))) == 3
    assert spool.bytes == 3 * 2 * (RECORD_HEADER.size + 42)

    drain(spool)
    assert list(tmp_path.glob("*.spool")) == []
    assert (spool.messages, spool.bytes) == (0, 0)
    spool.append(b"after")
    assert drain(spool) == [b"after"]


def test_a_torn_record_at_the_end_is_cut_off_on_open(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    spool = opened(tmp_path)
    spool.append(b"whole")
    spool.append(b"torn record")
    spool.sync()
    spool.close()
    (segment,) = tmp_path.glob("*.spool")
    segment.write_bytes(segment.read_bytes()[:-4])  # a crash in the middle of the write

    again = opened(tmp_path)

    assert drain(again) == [b"whole"]
    assert "cutting 15 bytes of an unfinished record off the end" in caplog.text


def test_a_damaged_record_is_counted_and_skipped(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    spool.append(b"good")
    spool.append(b"flipped")
    spool.sync()
    spool.close()
    (segment,) = tmp_path.glob("*.spool")
    data = bytearray(segment.read_bytes())
    data[-1] ^= 0xFF
    segment.write_bytes(bytes(data))

    again = opened(tmp_path)

    assert again.corrupt == 1
    assert drain(again) == [b"good"]


def test_a_second_user_of_the_directory_is_refused(tmp_path: Path) -> None:
    first = opened(tmp_path)

    with pytest.raises(OutputError, match="is in use by another process"):
        opened(tmp_path)
    first.close()
    opened(tmp_path).close()


def test_maximum_below_one_page_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="spool maxBytes must be at least 4096, not 100"):
        Spool(tmp_path, 100)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.tuples(st.just("append"), st.binary(max_size=120)),
    st.tuples(st.just("take"), st.integers(min_value=1, max_value=5)),
    st.tuples(st.just("reopen"), st.none()),
), max_size=40))
def test_spool_behaves_like_a_fifo_across_restarts(operations: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        spool = opened(directory, max_bytes=8192, segment_bytes=256)
        model: deque[bytes] = deque()
        for operation, argument in operations:
            if operation == "append":
                assert isinstance(argument, bytes)
                if spool.append(argument):
                    model.append(argument)
                else:
                    assert spool.bytes + RECORD_HEADER.size + len(argument) > 8192
            elif operation == "take":
                assert isinstance(argument, int)
                batch = spool.peek(argument, 1 << 20)
                assert batch == [model[i] for i in range(min(argument, len(model)))]
                spool.consume(len(batch))
                for _ in batch:
                    model.popleft()
            else:
                spool.sync()
                spool.close()
                spool = opened(directory, max_bytes=8192, segment_bytes=256)
            assert spool.messages == len(model)
            assert spool.bytes <= 8192
        assert drain(spool) == list(model)
        spool.close()
