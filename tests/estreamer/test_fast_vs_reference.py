"""The compiled decoders agree with the straightforward reference decoder on every record type.

``records.py`` generates one straight-line decoder per layout (merged struct reads, caches
for addresses and UUIDs, inline string blocks, in-place decoding from the message body);
``reference.py`` interprets the same layout tables one field at a time with the standard
library.  For every input, both must give the same ``Record`` (values, nested values and
key order) or fail the same way (same field path and record-data offset, or the same
unsupported version).  Inputs: every hand-built catalogue case and every prefix of it,
hypothesis-generated field values for every layout (through the encoder), the same with
bytes cut, changed or appended, and a full-mix simulator stream through ``Connection``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer import (
    NEED_DATA,
    SUPPORTED_RECORD_TYPES,
    BundleEnd,
    Connection,
    Record,
    RecordDecodeFailed,
    UnknownRecord,
    decode_record,
    encode_bundle,
    encode_record,
    encode_record_data,
)
from cef_connector.estreamer.layouts import RECORD_LAYOUTS, BlockLayout, FieldSpec, Wire
from cef_connector.estreamer.records import UnsupportedRecordVersion
from cef_connector.estreamer.reference import (
    ReferenceDecodeError,
    reference_decode,
    reference_stream_records,
)
from cef_connector.simulator import TrafficGenerator

from .cases import ALL_CASES, CASE_IDS

RECORD_TYPES = sorted(SUPPORTED_RECORD_TYPES)
ARCHIVE = 1591210934
OFFSET = 4242
FLAGS = 0x48900061
_FAST_FAILURE = re.compile(r"field '([^']*)' at record-data offset (\d+)")

Outcome = tuple[Any, ...]


def _order(value: Any) -> Any:
    """The keys of every dict in ``value``, in order (``==`` on dicts ignores order)."""
    if isinstance(value, dict):
        nested = [(key, _order(item)) for key, item in value.items() if isinstance(item, (dict, list))]
        return [*nested, list(value)]
    if isinstance(value, list):
        return [_order(item) for item in value]
    return None


def _types(value: Any) -> Any:
    """The type of every value (so that an int is never a bool or a str, bytes)."""
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value)


def _record_outcome(record: Record) -> Outcome:
    return (
        "record",
        type(record),
        record.record_type,
        record.archive_timestamp,
        record.offset,
        record.is_metadata,
        record.fields,
        _order(record.fields),
        _types(record.fields),
    )


def fast_outcome(record_type: int, data: bytes, depth: int = 16) -> Outcome:
    """What ``decode_record`` makes of ``data``: a record, a version or a failure."""
    try:
        record = decode_record(record_type, data, ARCHIVE, OFFSET, max_block_depth=depth)
    except UnsupportedRecordVersion as version:
        return ("version", version.block_type, version.expected, version.data_offset)
    except RemoteProtocolError as error:
        assert error.offset == OFFSET
        match = _FAST_FAILURE.search(str(error))
        assert match is not None, str(error)
        return ("failure", match.group(1), int(match.group(2)))
    return _record_outcome(record)


def reference_outcome(record_type: int, data: bytes, depth: int = 16) -> Outcome:
    """What the reference decoder makes of ``data``."""
    try:
        record = reference_decode(record_type, data, ARCHIVE, OFFSET, max_block_depth=depth)
    except UnsupportedRecordVersion as version:
        return ("version", version.block_type, version.expected, version.data_offset)
    except ReferenceDecodeError as error:
        return ("failure", error.path, error.data_offset)
    return _record_outcome(record)


def connection_outcome(record_type: int, data: bytes) -> Outcome:
    """What ``Connection`` makes of the record as the second record of a bundle.

    The record is decoded in place from the bundle body (not from offset 0), so this also
    checks that failures still report offsets within the record data.
    """
    first = encode_record(123, {"id": 1, "nameLength": 3, "name": "fmc"}, ARCHIVE)
    header = struct.pack(">IIII", record_type, len(data), ARCHIVE, 0)
    connection = Connection(0, FLAGS)
    connection.initiate()
    connection.receive_data(encode_bundle(7, 9, [first, header + data]))
    events = []
    while (event := connection.next_event()) is not NEED_DATA:
        events.append(event)
    assert len(events) == 3 and isinstance(events[2], BundleEnd)
    event = events[1]
    if isinstance(event, Record):
        assert event.offset == 0
        return _record_outcome(Record(event.record_type, event.archive_timestamp, event.fields,
                                      OFFSET, event.is_metadata))
    if isinstance(event, UnknownRecord):
        assert event.data == data and event.archive_timestamp == ARCHIVE
        return ("version", event.version)  # the event carries only the block type
    assert isinstance(event, RecordDecodeFailed), event
    match = _FAST_FAILURE.search(event.reason)
    assert match is not None, event.reason
    return ("failure", match.group(1), int(match.group(2)))


def reference_event_outcome(record_type: int, data: bytes) -> Outcome:
    """``reference_outcome`` as far as a ``Connection`` event shows it."""
    outcome = reference_outcome(record_type, data)
    return outcome[:2] if outcome[0] == "version" else outcome


def assert_agree(record_type: int, data: bytes) -> Outcome:
    expected = reference_outcome(record_type, data)
    assert fast_outcome(record_type, data) == expected
    return expected


# --- hand-built catalogue cases ----------------------------------------------------------


@pytest.mark.parametrize(("record_type", "data", "fields"), ALL_CASES, ids=CASE_IDS)
def test_catalogue_case_decodes_identically(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    outcome = assert_agree(record_type, data)
    assert outcome[0] == "record"
    assert outcome[-3] == fields


@pytest.mark.parametrize(("record_type", "data", "fields"), ALL_CASES, ids=CASE_IDS)
def test_prefixes_of_a_catalogue_case_fail_or_decode_identically(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    kinds = set()
    # Every cut near either end (headers, the last fields); every third one in between.
    size = len(data)
    cuts = set(range(0, size, 3)) | set(range(min(size, 64))) | set(range(max(0, size - 64), size))
    for cut in sorted(cuts):
        kinds.add(assert_agree(record_type, data[:cut])[0])
    # A prefix is a truncated record: most of them must be reported as failures.
    assert "failure" in kinds or len(data) == 0


@pytest.mark.parametrize(("record_type", "data", "fields"), ALL_CASES[::7], ids=CASE_IDS[::7])
def test_catalogue_case_inside_a_bundle_matches_the_reference(
    record_type: int, data: bytes, fields: dict[str, Any]
) -> None:
    assert connection_outcome(record_type, data) == reference_event_outcome(record_type, data)
    cut = data[: len(data) // 2]
    assert connection_outcome(record_type, cut) == reference_event_outcome(record_type, cut)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_depth_limit_is_applied_identically(depth: int) -> None:
    nested = [case for case in ALL_CASES if b"\x00\x00\x00\x0b" in case[1] or case[0] in (112, 520)]
    assert nested
    outcomes = set()
    for record_type, data, _fields in nested:
        expected = reference_outcome(record_type, data, depth)
        assert fast_outcome(record_type, data, depth) == expected
        outcomes.add(expected[0])
    assert "failure" in outcomes  # the limit bites on some of them


# --- hypothesis: field values for every layout through the encoder -----------------------

# A few recurring values, so that the caches are hit as well as filled.
_POOL16 = [bytes(16), bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 10]), bytes(15) + b"\x01",
           bytes(range(16)), b"\xaa" * 16]
_SIZES = {Wire.U8: 1, Wire.U16: 2, Wire.U32: 4, Wire.U64: 8, Wire.I32: 4, Wire.IPV4: 4,
          Wire.IPV6: 16, Wire.MAC: 6, Wire.UUID: 16}  # fmt: skip
_TEXT = st.one_of(st.text(max_size=12), st.binary(max_size=12))  # bytes: invalid UTF-8, NULs
_BLOB = st.binary(max_size=12)


def _fixed_value(spec: FieldSpec, raw: bytes) -> Any:
    """The value of a fixed-size field made from ``raw``, exactly its size in bytes."""
    wire = spec.wire
    if wire in (Wire.U8, Wire.U16, Wire.U32, Wire.U64, Wire.I32):
        return int.from_bytes(raw, "big", signed=wire is Wire.I32)
    if wire in (Wire.IPV6, Wire.UUID) and raw[0] < 0x80:
        return _POOL16[raw[1] % len(_POOL16)]  # about half the time: a recurring value
    if wire is Wire.IPV6 and raw[0] < 0xA0:
        return bytes(10) + b"\xff\xff" + raw[-4:]  # IPv4-mapped
    return raw


def draw_fields(
    draw: Callable[..., Any], specs: Sequence[FieldSpec], out: dict[str, Any], depth: int
) -> None:
    """Draw a value for every field of ``specs`` (length fields are left to the encoder).

    The fixed-size fields of a sequence take their values from one drawn byte string
    (one draw instead of one per field keeps a 100-field record quick to generate).
    """
    lengths = {spec.length_field for spec in specs if spec.length_field}
    fixed = [s for s in specs if s.wire in _SIZES or s.wire is Wire.BYTES]
    pool = draw(st.binary(min_size=sum(_SIZES.get(s.wire, s.size) for s in fixed),
                          max_size=sum(_SIZES.get(s.wire, s.size) for s in fixed)))
    pos = 0
    for spec in specs:
        wire = spec.wire
        if wire in _SIZES or wire is Wire.BYTES:
            size = _SIZES.get(wire, spec.size)
            if spec.name not in lengths:
                out[spec.name] = _fixed_value(spec, pool[pos : pos + size])
            pos += size
        elif wire in (Wire.STRING_BLOCK, Wire.VAR_TEXT, Wire.REST_TEXT):
            out[spec.name] = draw(_TEXT)
        elif wire in (Wire.BLOB_BLOCK, Wire.VAR_BYTES, Wire.REST_BYTES):
            out[spec.name] = draw(_BLOB)
        elif wire is Wire.BLOCK:
            out[spec.name] = draw_block(draw, spec.blocks, depth)
        elif wire is Wire.LIST:
            count = draw(st.integers(0, 2 if depth > 0 else 0))
            out[spec.name] = [draw_block(draw, spec.blocks, depth - 1) for _ in range(count)]
        else:
            assert wire is Wire.INLINE_BLOCK
            out.update(draw_block(draw, spec.blocks, depth))


def draw_block(
    draw: Callable[..., Any], layouts: Sequence[BlockLayout], depth: int
) -> dict[str, Any]:
    layout = draw(st.sampled_from(layouts))
    typed = {int(b.block_type) for b in layouts if b.block_type is not None}
    if layout.block_type is None:
        block_type = draw(st.integers(0, 0xFFFF).filter(lambda t: t not in typed))
    else:
        block_type = int(layout.block_type)
    values: dict[str, Any] = {"blockType": block_type}
    draw_fields(draw, layout.fields, values, depth)
    return values


@st.composite
def record_data(draw: Callable[..., Any], record_type: int) -> bytes:
    """Record data of ``record_type`` built by the encoder from drawn field values."""
    layout = RECORD_LAYOUTS[record_type]
    fields: dict[str, Any] = {}
    if layout.fallback is not None and draw(st.booleans()):
        draw_fields(draw, layout.fallback, fields, depth=2)  # no blockType: the raw form
    else:
        draw_fields(draw, layout.fields, fields, depth=2)
    return encode_record_data(record_type, fields)


@st.composite
def damaged(draw: Callable[..., Any], data: bytes) -> bytes:
    """``data`` cut short, with one byte changed, or with bytes appended."""
    how = draw(st.sampled_from(["cut", "change", "append"]))
    if how == "cut" or not data:
        return data[: draw(st.integers(0, max(0, len(data) - 1)))]
    if how == "change":
        index = draw(st.integers(0, len(data) - 1))
        return data[:index] + bytes([draw(st.integers(0, 255))]) + data[index + 1 :]
    return data + draw(st.binary(min_size=1, max_size=24))


PER_TYPE = settings(
    max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("record_type", RECORD_TYPES)
@PER_TYPE
@given(data=st.data())
def test_generated_records_decode_identically_whole_or_damaged(
    record_type: int, data: st.DataObject
) -> None:
    encoded = data.draw(record_data(record_type))
    assert assert_agree(record_type, encoded)[0] == "record"
    assert_agree(record_type, data.draw(damaged(encoded)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_records_inside_bundles_match_the_reference(data: st.DataObject) -> None:
    record_type = data.draw(st.sampled_from(RECORD_TYPES))
    encoded = data.draw(record_data(record_type))
    if data.draw(st.booleans()):
        encoded = data.draw(damaged(encoded))
    assert connection_outcome(record_type, encoded) == reference_event_outcome(record_type, encoded)


# --- a simulator stream through Connection ------------------------------------------------


def test_full_mix_stream_decodes_identically_record_by_record() -> None:
    generator = TrafficGenerator(1, start_time=1_700_000_000, mix="full")
    generated = list(generator.metadata_records()) + generator.events(3000)
    # Records with and without archive timestamps (16- and 8-byte record headers).
    payloads = [r.encode(archive_header=index % 5 != 0) for index, r in enumerate(generated)]
    stream = b"".join(
        encode_bundle(1, number + 1, payloads[start : start + 100])
        for number, start in enumerate(range(0, len(payloads), 100))
    )
    connection = Connection(0, FLAGS)
    connection.initiate()
    connection.receive_data(stream)
    fast = []
    while (event := connection.next_event()) is not NEED_DATA:
        if isinstance(event, BundleEnd):
            connection.acknowledge()
        else:
            assert isinstance(event, Record), event
            fast.append(event)
    reference = [
        reference_decode(record_type, data, archive, offset)
        for record_type, archive, data, offset in reference_stream_records(stream)
    ]
    assert len(fast) == len(reference) == len(generated)
    for fast_record, reference_record in zip(fast, reference):
        assert _record_outcome(fast_record) == _record_outcome(reference_record)
    assert {r.record_type for r in fast} == SUPPORTED_RECORD_TYPES


# --- the value caches of the fast path ---------------------------------------------------


def test_value_caches_stay_bounded_and_keep_giving_the_reference_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cef_connector.estreamer import records

    monkeypatch.setattr(records, "_CACHE_LIMIT", 8)
    monkeypatch.setattr(records, "_GROUP_CACHE_LIMIT", 4)
    caches = (records._IPV4_CACHE, records._IPV6_CACHE, records._UUID_CACHE, records._UUIDS_CACHE)
    for cache in caches:
        cache.clear()  # filled by earlier tests beyond the small limits set here
    peaks = [0, 0, 0, 0]
    for number in range(40):
        raw = number.to_bytes(16, "big")
        fields = {
            "deviceId": number,
            "ingressZone": raw,  # four adjacent UUIDs: one group key
            "egressZone": raw[::-1],
            "ingressInterface": raw,
            "egressInterface": raw,
            "initiatorIpAddress": bytes(10) + b"\xff\xff" + raw[-4:],
            "responderIpAddress": raw,
            "legacyIpAddress": raw[-4:],
        }
        data = encode_record_data(71, fields)
        assert assert_agree(71, data)[0] == "record"
        sizes = [len(cache) for cache in caches]
        assert all(size <= limit for size, limit in zip(sizes, (8, 8, 8, 4))), sizes
        peaks = [max(peak, size) for peak, size in zip(peaks, sizes)]
    # 40 records with new values each: every cache was used and filled up to about its
    # limit, and was then emptied instead of growing.
    assert all(peak >= limit - 1 for peak, limit in zip(peaks, (8, 8, 8, 4))), peaks
