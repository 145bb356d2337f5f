"""The seeded traffic generator: determinism, identities, realism, and metadata coverage."""

from __future__ import annotations

import ipaddress
import struct
from collections import Counter, defaultdict
from typing import Any

import pytest

from cef_connector.estreamer import Record, decode_record
from cef_connector.simulator import SimRecord, TrafficGenerator, event_identity
from cef_connector.simulator.frames import build_frame

START = 1_700_000_000


def _decoded(record: SimRecord) -> Record:
    data = record.encode(archive_header=True)
    return decode_record(record.record_type, data[16:], record.archive_timestamp)


Output = tuple[list[SimRecord], list[Record], list[Record]]


@pytest.fixture(scope="module")
def generator_output() -> Output:
    """Seed 7: 1500 generated events, and the decoded metadata and events."""
    generator = TrafficGenerator(7, start_time=START)
    metadata = [_decoded(r) for r in generator.metadata_records()]
    generated = generator.events(1500)
    return generated, metadata, [_decoded(r) for r in generated]


def test_same_seed_gives_the_same_bytes() -> None:
    one = TrafficGenerator(42, start_time=START)
    two = TrafficGenerator(42, start_time=START)
    records_one = list(one.metadata_records()) + one.events(300)
    records_two = list(two.metadata_records()) + two.events(300)
    assert [r.encode(True) for r in records_one] == [r.encode(True) for r in records_two]
    assert [r.encode(False) for r in records_one] == [r.encode(False) for r in records_two]


def test_different_seeds_give_different_traffic() -> None:
    one = TrafficGenerator(1, start_time=START).events(50)
    two = TrafficGenerator(2, start_time=START).events(50)
    assert [r.encode(True) for r in one] != [r.encode(True) for r in two]


def test_events_returns_exactly_the_requested_count() -> None:
    generator = TrafficGenerator(3, start_time=START, intrusion_share=1.0)
    assert [len(generator.events(n)) for n in (1, 2, 3, 4, 0)] == [1, 2, 3, 4, 0]


def test_identities_are_unique_and_archive_time_never_decreases() -> None:
    records = TrafficGenerator(5, start_time=START).events(3000)
    identities = [r.identity for r in records]
    assert None not in identities
    assert len(set(identities)) == 3000
    seconds = [r.archive_timestamp for r in records]
    assert seconds == sorted(seconds)
    assert seconds[0] >= START


def test_several_events_share_each_archive_second() -> None:
    records = TrafficGenerator(5, start_time=START, events_per_second=5.0).events(1000)
    per_second = Counter(r.archive_timestamp for r in records)
    assert max(per_second.values()) >= 5
    assert 1000 / len(per_second) > 2


def test_intrusion_event_ids_increase_by_one() -> None:
    records = TrafficGenerator(9, start_time=START).events(600)
    ids = [r.fields["eventId"] for r in records if r.record_type == 400]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_event_identity_is_the_same_from_decoded_fields(
    generator_output: Output,
) -> None:
    generated, _metadata, decoded = generator_output
    assert [event_identity(r.record_type, r.fields) for r in decoded] == [
        r.identity for r in generated
    ]
    assert event_identity(123, {"id": 1}) is None


def test_generated_fields_are_every_field_of_the_layout(
    generator_output: Output,
) -> None:
    generated, _metadata, decoded = generator_output
    for source, record in zip(generated, decoded):
        # Decoding yields every layout field; the generator must have set each one.
        assert set(record.fields) == set(source.fields), record.record_type


def test_mix_covers_blocked_allowed_ipv6_priorities_and_impacts(
    generator_output: Output,
) -> None:
    _generated, _metadata, events = generator_output
    kinds = Counter(r.record_type for r in events)
    assert kinds[400] == kinds[2] > 0
    assert kinds[71] > kinds[400]
    connections = [r for r in events if r.record_type == 71]
    intrusions = [r for r in events if r.record_type == 400]
    assert {r.fields["ruleAction"] for r in connections} == {1, 2, 3, 4, 5}
    assert any(":" in r.fields["initiatorIpAddress"] for r in connections)
    assert any("." in r.fields["initiatorIpAddress"] for r in connections)
    assert {r.fields["hasIpv6"] for r in connections} == {0, 1}
    assert {r.fields["priorityId"] for r in intrusions} == {1, 2, 3, 4}
    assert {r.fields["impact"] for r in intrusions} == {0, 1, 2, 3, 4}
    assert {r.fields["blocked"] for r in intrusions} == {0, 1}
    assert any(":" in r.fields["sourceIpAddress"] for r in intrusions)


def test_impact_matches_the_impact_flags(
    generator_output: Output,
) -> None:
    # eNcore's mapping of impactFlags to the 0-4 impact level (protocol doc §5.3).
    def level(flags: int) -> int:
        if flags & 0b11011000:
            return 1
        if flags & 0b110 == 0b110:
            return 2
        if flags & 0b10:
            return 3
        if flags & 0b1:
            return 4
        return 0

    _generated, _metadata, events = generator_output
    for record in events:
        if record.record_type == 400:
            assert record.fields["impact"] == level(record.fields["impactFlags"])


def test_intrusion_is_followed_by_its_packet_and_its_connection(
    generator_output: Output,
) -> None:
    _generated, _metadata, events = generator_output
    for index, record in enumerate(events):
        if record.record_type != 400:
            continue
        packet, connection = events[index + 1], events[index + 2]
        f = record.fields
        assert packet.record_type == 2
        assert (packet.fields["deviceId"], packet.fields["eventId"],
                packet.fields["eventSecond"]) == (f["deviceId"], f["eventId"], f["eventSecond"])  # fmt: skip
        assert connection.record_type == 71
        c = connection.fields
        assert (c["firstPacketTimestamp"], c["instanceId"], c["connectionCounter"]) == (
            f["connectionTimestamp"], f["connectionInstanceId"], f["connectionCounter"])  # fmt: skip
        assert c["intrusionEventCount"] == 1
        assert c["initiatorIpAddress"] == f["sourceIpAddress"]
        assert c["responderPort"] == f["destinationPortOrIcmpCode"]
        assert c["ruleAction"] == (2 if f["blocked"] else 1)


def _frame_parts(frame: bytes) -> dict[str, Any]:
    ethertype = struct.unpack_from(">H", frame, 12)[0]
    if ethertype == 0x0800:
        header_length = (frame[14] & 0x0F) * 4
        ip = frame[14 : 14 + header_length]
        source = str(ipaddress.IPv4Address(ip[12:16]))
        destination = str(ipaddress.IPv4Address(ip[16:20]))
        total = struct.unpack_from(">H", ip, 2)[0]
        segment = frame[14 + header_length : 14 + total]
        pseudo = ip[12:20] + struct.pack(">BBH", 0, 6, len(segment))
        header_ok = _checksum(ip) == 0
    else:
        assert ethertype == 0x86DD
        ip = frame[14:54]
        source = str(ipaddress.IPv6Address(ip[8:24]))
        destination = str(ipaddress.IPv6Address(ip[24:40]))
        segment = frame[54:]
        assert struct.unpack_from(">H", ip, 4)[0] == len(segment)
        pseudo = ip[8:40] + struct.pack(">IxxxB", len(segment), 6)
        header_ok = True
    ports = struct.unpack_from(">HH", segment, 0)
    offset = (segment[12] >> 4) * 4
    return {
        "source": source,
        "destination": destination,
        "ports": ports,
        "payload": segment[offset:],
        "header_ok": header_ok,
        "tcp_ok": _checksum(pseudo + segment) == 0,
    }


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def test_packets_are_ethernet_ip_tcp_frames_carrying_the_http_request(
    generator_output: Output,
) -> None:
    _generated, _metadata, events = generator_output
    seen_v6 = False
    for index, record in enumerate(events):
        if record.record_type != 2:
            continue
        intrusion = events[index - 1].fields
        assert record.fields["linkType"] == 1
        assert record.fields["packetLength"] == len(record.fields["packetData"])
        parts = _frame_parts(record.fields["packetData"])
        assert parts["header_ok"] and parts["tcp_ok"]
        assert parts["source"] == intrusion["sourceIpAddress"]
        assert parts["destination"] == intrusion["destinationIpAddress"]
        assert parts["ports"] == (
            intrusion["sourcePortOrIcmpType"], intrusion["destinationPortOrIcmpCode"])  # fmt: skip
        assert parts["payload"].split(b" ", 1)[0] in {b"GET", b"POST", b"PROPFIND"}
        assert parts["payload"].endswith(b"\r\n\r\n")
        seen_v6 = seen_v6 or ":" in parts["source"]
    assert seen_v6


def test_build_frame_checksums_verify() -> None:
    import random

    frame = build_frame(
        random.Random(0),
        source_mac="00:50:56:00:00:01",
        destination_mac="00:50:56:00:00:02",
        source="192.0.2.1",
        destination="198.51.100.2",
        source_port=40000,
        destination_port=80,
        payload=b"GET / HTTP/1.1\r\n\r\n",
    )
    parts = _frame_parts(frame)
    assert parts["header_ok"] and parts["tcp_ok"]
    assert frame[:12] == bytes.fromhex("005056000002005056000001")
    assert parts["payload"] == b"GET / HTTP/1.1\r\n\r\n"


def test_every_id_the_events_use_is_named_by_metadata(
    generator_output: Output,
) -> None:
    _generated, metadata, events = generator_output
    named: dict[int, set[Any]] = defaultdict(set)
    keys = {
        123: ("id",), 115: ("uuid",), 116: ("uuid",), 118: ("uuid",), 120: ("id",),
        124: ("id",), 63: ("id",), 55: ("id",), 109: ("id",), 98: ("id",), 4: ("id",),
        67: ("id",), 121: ("id",), 122: ("id",), 520: ("countryCode",),
        145: ("sensorId", "uuid"), 119: ("revisionUuid", "ruleId"),
        66: ("generatorId", "ruleId"),
    }  # fmt: skip
    for record in metadata:
        assert record.is_metadata and record.archive_timestamp == 0
        fields = keys[record.record_type]
        named[record.record_type].add(tuple(record.fields[f] for f in fields))
    uses = {
        71: [(123, ("deviceId",)), (115, ("ingressZone",)), (115, ("egressZone",)),
             (116, ("ingressInterface",)), (116, ("egressInterface",)),
             (145, ("deviceId", "policyRevision")), (119, ("policyRevision", "ruleId")),
             (120, ("ruleAction",)), (124, ("ruleReason",)), (63, ("applicationProtocolId",)),
             (55, ("clientApplicationId",)), (109, ("webApplicationId",)), (98, ("userId",)),
             (121, ("urlCategory",)), (122, ("urlReputation",)), (520, ("initiatorCountry",)),
             (520, ("responderCountry",))],
        400: [(123, ("deviceId",)), (115, ("securityZoneIngressUuid",)),
              (115, ("securityZoneEgressUuid",)), (116, ("interfaceIngressUuid",)),
              (116, ("interfaceEgressUuid",)), (145, ("deviceId", "accessControlPolicyUuid")),
              (119, ("accessControlPolicyUuid", "accessControlRuleId")),
              (66, ("generatorId", "ruleId")), (67, ("classificationId",)), (4, ("priorityId",)),
              (118, ("intrusionPolicyUuid",)), (63, ("applicationProtocolId",)),
              (55, ("clientApplicationId",)), (109, ("webApplicationId",)), (98, ("userId",)),
              (520, ("sourceCountry",)), (520, ("destinationCountry",))],
        2: [(123, ("deviceId",))],
    }  # fmt: skip
    checked = 0
    for record in events:
        for table, fields in uses[record.record_type]:
            key = tuple(record.fields[f] for f in fields)
            if key == (0,):
                continue  # 0 = "none" (no user, no country, no reason …), never named
            assert key in named[table], (record.record_type, fields, key)
            checked += 1
    assert checked > 10_000


def test_advance_to_moves_the_timeline_forward_only() -> None:
    generator = TrafficGenerator(1, start_time=START)
    generator.advance_to(START + 1000)
    assert generator.current_second == START + 1000
    generator.advance_to(START)
    assert generator.current_second == START + 1000
    assert generator.events(1)[0].archive_timestamp >= START + 1000
