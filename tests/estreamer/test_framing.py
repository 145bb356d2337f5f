"""Framer: any split of the byte stream gives the same frames; malformed framing is reported."""

from __future__ import annotations

import struct

import pytest

from cef_connector.errors import LocalProtocolError, RemoteProtocolError
from cef_connector.estreamer import Frame, Framer, Limits

from .test_golden_vectors import V8_3, V8_5, V8_6_SERVER, V8_10, V8_12

STREAM = b"".join(bytes.fromhex(h) for h in (V8_3, V8_10, V8_5, V8_6_SERVER, V8_12))
EXPECTED = [
    Frame(2051, bytes.fromhex(V8_3)[8:], 0),
    Frame(4002, bytes.fromhex(V8_10)[8:], 56),
    Frame(0, b"", 143),
    Frame(1, bytes.fromhex(V8_6_SERVER)[8:], 151),
    Frame(4, bytes.fromhex(V8_12)[8:], 174),
]


def frames_from(chunks: list[bytes], framer: Framer | None = None) -> list[Frame]:
    """Feed non-empty chunks (an empty one would mean EOF) and collect every frame."""
    framer = framer or Framer()
    frames = []
    for chunk in chunks:
        if not chunk:
            continue
        framer.receive_data(chunk)
        while (frame := framer.next_frame()) is not None:
            frames.append(frame)
    return frames


def test_whole_stream_gives_every_frame_with_its_offset() -> None:
    assert frames_from([STREAM]) == EXPECTED
    assert len(STREAM) == 480


def test_message_split_at_every_byte_boundary_decodes_the_same() -> None:
    for cut in range(len(STREAM) + 1):
        assert frames_from([STREAM[:cut], STREAM[cut:]]) == EXPECTED, cut


def test_stream_fed_one_byte_at_a_time_decodes_the_same() -> None:
    assert frames_from([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_trailing_partial_message_is_kept_not_discarded() -> None:
    framer = Framer()
    trailing = bytes.fromhex(V8_12)[:100]
    assert frames_from([STREAM + trailing], framer) == EXPECTED
    assert framer.buffered == 100
    assert framer.stream_offset == 480
    framer.receive_data(bytes.fromhex(V8_12)[100:])
    assert framer.next_frame() == Frame(4, bytes.fromhex(V8_12)[8:], 480)
    assert framer.buffered == 0


def test_clean_eof_between_messages_returns_none_and_sets_eof() -> None:
    framer = Framer()
    framer.receive_data(bytes.fromhex(V8_5))
    framer.receive_data(b"")
    assert framer.next_frame() == Frame(0, b"", 0)
    assert framer.next_frame() is None
    assert framer.eof is True


@pytest.mark.parametrize("cut", [1, 7, 8, 100, 305])
def test_eof_inside_a_message_raises_with_its_offset(cut: int) -> None:
    framer = Framer()
    framer.receive_data(bytes.fromhex(V8_5) + bytes.fromhex(V8_12)[:cut])
    framer.receive_data(b"")
    assert framer.next_frame() == Frame(0, b"", 0)
    with pytest.raises(RemoteProtocolError) as info:
        framer.next_frame()
    assert info.value.offset == 8
    assert "connection closed inside" in str(info.value)
    assert "(stream offset 8)" in str(info.value)


def test_header_version_2_raises_naming_offset_and_cisco_bug() -> None:
    framer = Framer()
    framer.receive_data(bytes.fromhex(V8_5) + struct.pack(">HHI", 2, 4, 0))
    framer.next_frame()
    with pytest.raises(RemoteProtocolError) as info:
        framer.next_frame()
    assert info.value.offset == 8
    assert "headerVersion 2, expected 1" in str(info.value)
    assert "CSCve44987" in str(info.value)


def test_bad_version_is_reported_as_soon_as_two_bytes_arrive() -> None:
    framer = Framer()
    framer.receive_data(b"\x16\x03")  # a TLS record where a message should be
    with pytest.raises(RemoteProtocolError, match="headerVersion 5635"):
        framer.next_frame()


def test_length_beyond_the_limit_raises_before_the_body_arrives() -> None:
    framer = Framer(Limits(max_message_bytes=1000))
    framer.receive_data(struct.pack(">HHI", 1, 4002, 0xFFFFFFF0))
    with pytest.raises(RemoteProtocolError) as info:
        framer.next_frame()
    assert "messageLength 4294967280, above the limit of 1000 bytes" in str(info.value)
    assert "4002 (MESSAGE_BUNDLE)" in str(info.value)
    assert info.value.offset == 0


def test_length_at_the_limit_is_accepted() -> None:
    framer = Framer(Limits(max_message_bytes=4))
    framer.receive_data(struct.pack(">HHI", 1, 77, 4) + b"abcd")
    assert framer.next_frame() == Frame(77, b"abcd", 0)


def test_data_after_eof_is_a_local_error() -> None:
    framer = Framer()
    framer.receive_data(b"")
    with pytest.raises(LocalProtocolError, match="after EOF"):
        framer.receive_data(b"x")


def test_long_stream_in_small_chunks_keeps_the_buffer_bounded() -> None:
    message = bytes.fromhex(V8_10)
    stream = message * 4000  # 348 kB
    framer = Framer()
    count = 0
    largest = 0
    for start in range(0, len(stream), 1000):
        framer.receive_data(stream[start : start + 1000])
        while (frame := framer.next_frame()) is not None:
            assert frame.offset == count * len(message)
            count += 1
        largest = max(largest, len(framer._buffer))
    assert count == 4000
    assert largest < 2 * 64 * 1024 + 1000  # consumed bytes are dropped, not kept forever


def test_limits_reject_non_positive_values() -> None:
    with pytest.raises(LocalProtocolError, match="Limits.max_message_bytes must be a positive integer"):
        Limits(max_message_bytes=0)
