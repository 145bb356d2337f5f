"""wire.Reader: typed big-endian reads that report truncation with a stream offset."""

from __future__ import annotations

import struct

import pytest

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer.wire import Reader


def test_reads_each_type_in_order() -> None:
    data = struct.pack(">BHIQi", 0xAB, 0xBEEF, 0xDEADBEEF, 2**63 + 5, -1) + b"rawview!rest"
    reader = Reader(data)
    assert reader.u8("a") == 0xAB
    assert reader.u16("b") == 0xBEEF
    assert reader.u32("c") == 0xDEADBEEF
    assert reader.u64("d") == 2**63 + 5
    assert reader.i32("e") == -1
    assert reader.raw(3, "f") == b"raw"
    assert bytes(reader.view(4, "g")) == b"view"
    reader.skip(1, "h")
    assert reader.pos == 27
    assert reader.remaining == 4
    assert reader.rest() == b"rest"
    assert reader.at_end()
    assert reader.rest() == b""


@pytest.mark.parametrize(
    ("method", "size"),
    [("u8", 1), ("u16", 2), ("u32", 4), ("u64", 8), ("i32", 4)],
)
def test_truncated_read_raises_remote_error_with_stream_offset(method: str, size: int) -> None:
    reader = Reader(b"\x00" * (size - 1) if size > 1 else b"", base_offset=1000, what="test body")
    with pytest.raises(RemoteProtocolError) as info:
        getattr(reader, method)("field")
    assert info.value.offset == 1000
    assert f"test body is truncated: field 'field' needs {size} bytes at byte 0" in str(info.value)


def test_truncated_raw_skip_and_view_raise_and_do_not_move() -> None:
    reader = Reader(b"abc", base_offset=8)
    reader.u8("first")
    for call in (lambda: reader.raw(5, "x"), lambda: reader.skip(3, "x"), lambda: reader.view(9, "x")):
        with pytest.raises(RemoteProtocolError) as info:
            call()
        assert info.value.offset == 9
    assert reader.pos == 1
