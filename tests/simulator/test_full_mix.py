"""The full traffic mix: every record type, decoded exactly, named, JSON round-tripped."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from cef_connector.estreamer import (
    METADATA_RECORD_TYPES,
    NEED_DATA,
    SUPPORTED_RECORD_TYPES,
    BundleEnd,
    Connection,
    Record,
    RecordDecodeFailed,
    StreamingInformation,
    UnknownRecord,
    encode_bundle,
    encode_streaming_information,
)
from cef_connector.estreamer.discovery_layouts import (
    DISCOVERY_EVENT_TYPE_ONLY,
    DISCOVERY_EVENT_TYPES,
)
from cef_connector.formats import ComputedView, JsonFormatter
from cef_connector.metadata import MetadataCache, names_for
from cef_connector.metadata.names import (  # _items: the walk EachName itself does
    NAME_TABLE,
    EachName,
    NameSource,
    ProtocolName,
    _items,
)
from cef_connector.simulator import MIXES, SimRecord, SimulatorOptions, TrafficGenerator
from cef_connector.simulator.full_mix import (
    INCIDENT_WEIGHTS,
    USER_INPUT_SUBTYPES,
    VPN_EVENT_TYPES,
)
from cef_connector.simulator.records import event_identity

START = 1_700_000_000
SEED = 1
EVENTS = 6000
#: eNcore's request flags with every subscription switch on (protocol doc §3.3).
ALL_FLAGS = 0x48900061

EVENT_TYPES = frozenset(SUPPORTED_RECORD_TYPES - METADATA_RECORD_TYPES)
METADATA_TYPES = frozenset(SUPPORTED_RECORD_TYPES & METADATA_RECORD_TYPES)

#: Name keys of NAME_TABLE that the full mix never fills, and why.  Every other key of
#: every event type is exercised (has a non-zero ID) at least once in the stream.
NEVER_FILLED: Mapping[int, frozenset[str]] = {
    # UDP services (DNS, NTP) serve no web applications.
    12: frozenset({"webApplication"}),
    17: frozenset({"webApplication"}),
    52: frozenset({"webApplication"}),
    # One monitor rule (SSH) per connection at most.
    71: frozenset({f"monitorRule{n}" for n in range(2, 9)}),
    # Setting an OS definition names no transport protocol.
    74: frozenset({"protocol"}),
    # Type 91 version 4 (what the connector requests, §9.1 #9): blocks 120 and 127 carry no
    # realm, endpoint profile or security group (block 167 of 170/171 does).
    93: frozenset({"realm", "endpointProfile", "securityGroup"}),
    94: frozenset({"realm", "endpointProfile", "securityGroup"}),
    95: frozenset({"realm", "endpointProfile", "securityGroup"}),
    # Correlation and intrusion events are about plain-HTTP attacks: no SSL, no ICMP; the
    # correlated source is a client, not a server.
    112: frozenset({"sourceApplicationProtocol", "sslPolicy", "sslRule", "sslActualAction",
                    "sslFlowStatus", "sslCertificateSubject", "sslCertificateIssuer",
                    "icmpType", "icmpCode"}),
    400: frozenset({"icmpType", "icmpCode", "sslCertificateSubject", "sslCertificateIssuer",
                    "sslActualAction", "sslFlowStatus"}),
    # Malware is only ever downloaded (its destination is internal: no country), and is
    # never inside an archive.
    125: frozenset({"destinationCountry"}),
    502: frozenset({"archiveFileStatus", "destinationCountry"}),
}  # fmt: skip

#: Name lookups keyed by the protocol (260, 270): a name is expected only for ICMP/ICMPv6.
ICMP_TABLES = frozenset({260, 270})


@dataclass(frozen=True)
class Stream:
    """One seeded full-mix stream: what was generated and what the client decoded."""

    generated: list[SimRecord]
    events: list[Any]
    cache: MetadataCache

    @property
    def records(self) -> list[Record]:
        return [e for e in self.events if isinstance(e, Record)]


def _decode_stream(records: list[SimRecord], per_bundle: int = 100) -> list[Any]:
    """Every record in bundles through ``estreamer.Connection`` (extended request)."""
    connection = Connection(0, ALL_FLAGS)
    connection.initiate()
    data = bytearray(encode_streaming_information())
    for sequence, start in enumerate(range(0, len(records), per_bundle), start=1):
        batch = [r.encode(archive_header=True) for r in records[start:start + per_bundle]]
        data += encode_bundle(1, sequence, batch)
    connection.receive_data(bytes(data))
    events: list[Any] = []
    while (event := connection.next_event()) is not NEED_DATA:
        events.append(event)
        if isinstance(event, BundleEnd):
            connection.acknowledge()
    return events


@pytest.fixture(scope="module")
def stream() -> Stream:
    """Seed 1: the full mix's metadata and 6000 events, decoded by the client."""
    generator = TrafficGenerator(SEED, start_time=START, mix="full")
    generated = list(generator.metadata_records()) + generator.events(EVENTS)
    events = _decode_stream(generated)
    cache = MetadataCache()
    for event in events:
        if isinstance(event, Record) and event.is_metadata:
            cache.learn(event)
    return Stream(generated, events, cache)


def _event_records(stream: Stream) -> list[Record]:
    return [r for r in stream.records if not r.is_metadata]


# --- decoding ------------------------------------------------------------------------------


def test_full_mix_decodes_with_no_unknown_and_no_failed_record(stream: Stream) -> None:
    kinds = Counter(type(e).__name__ for e in stream.events)
    assert kinds["UnknownRecord"] == 0
    assert kinds["RecordDecodeFailed"] == 0
    assert not any(isinstance(e, (UnknownRecord, RecordDecodeFailed)) for e in stream.events)
    assert isinstance(stream.events[0], StreamingInformation)
    assert len(stream.records) == len(stream.generated)


def test_full_mix_holds_every_event_and_every_metadata_record_type(stream: Stream) -> None:
    generated = stream.generated
    assert {r.record_type for r in generated if not r.is_metadata} == EVENT_TYPES
    assert {r.record_type for r in generated if r.is_metadata} == METADATA_TYPES
    assert {r.record_type for r in stream.records} == EVENT_TYPES | METADATA_TYPES
    assert len(EVENT_TYPES) == 69 and len(METADATA_TYPES) == 74


def test_every_decoded_record_equals_what_the_generator_encoded(stream: Stream) -> None:
    for source, record in zip(stream.generated, stream.records, strict=True):
        assert record.record_type == source.record_type
        assert record.is_metadata == source.is_metadata
        assert record.archive_timestamp == source.archive_timestamp
        assert record.fields == dict(source.fields), source.record_type


def test_event_identity_is_the_same_from_decoded_fields_for_every_event_type(
    stream: Stream,
) -> None:
    generated = [r for r in stream.generated if not r.is_metadata]
    decoded = _event_records(stream)
    assert [event_identity(r.record_type, r.fields) for r in decoded] == [
        r.identity for r in generated
    ]
    assert all(r.identity is not None for r in generated)
    assert len({r.identity for r in generated}) == len(generated)
    assert all(event_identity(r.record_type, r.fields) is None
               for r in stream.generated if r.is_metadata)  # fmt: skip


def test_archive_time_never_decreases_and_metadata_carries_zero(stream: Stream) -> None:
    seconds = [r.archive_timestamp for r in stream.generated if not r.is_metadata]
    assert seconds == sorted(seconds)
    assert seconds[0] >= START
    assert {r.archive_timestamp for r in stream.generated if r.is_metadata} == {0}


# --- names ---------------------------------------------------------------------------------


def _zero(value: Any) -> bool:
    """0, "", the zero UUID, "::", "0.0.0.0", all-zero hex: an ID meaning "none"."""
    if value is None:
        return True
    if isinstance(value, int):
        return value == 0
    if isinstance(value, str):
        return set(value) <= set("0-:.")
    return False


def _expected(source: Any, fields: Mapping[str, Any]) -> bool:
    """Whether a name source has an ID to name in ``fields``.

    * a protocol name: its field is non-zero;
    * a metadata name: some lookup of the chain has every key field non-zero (for the
      ICMP tables 260/270, whose key starts with the protocol, only when that protocol is
      ICMP 1 or ICMPv6 58), or the first key field has a default's value (device 0);
    * a list name: the same holds for at least one item of the lists.
    """
    if isinstance(source, ProtocolName):
        return not _zero(fields.get(source.field))
    if isinstance(source, EachName):
        return any(_expected(source.source, item)
                   for path in source.paths for item in _items(fields, path))  # fmt: skip
    assert isinstance(source, NameSource)
    for lookup in source.lookups:
        if lookup.table in ICMP_TABLES and fields.get(lookup.key_fields[0]) not in (1, 58):
            continue
        if all(not _zero(fields.get(name)) for name in lookup.key_fields):
            return True
    first = fields.get(source.lookups[0].key_fields[0])
    return any(first == value for value, _name in source.defaults)


def test_every_name_the_names_table_defines_resolves_when_its_id_is_set(
    stream: Stream,
) -> None:
    exercised: dict[int, set[str]] = defaultdict(set)
    unresolved: Counter[tuple[int, str]] = Counter()
    for record in _event_records(stream):
        names = names_for(record, stream.cache)
        for key, source in NAME_TABLE[record.record_type].items():
            if _expected(source, record.fields):
                exercised[record.record_type].add(key)
                if not names.get(key):
                    unresolved[(record.record_type, key)] += 1
    assert not unresolved
    for record_type in EVENT_TYPES:
        never = set(NAME_TABLE[record_type]) - exercised[record_type]
        assert never == set(NEVER_FILLED.get(record_type, ())), record_type


def test_names_resolve_to_the_simulated_names(stream: Stream) -> None:
    first = {}
    for record in _event_records(stream):
        first.setdefault(record.record_type, record)
    connection = names_for(first[71], stream.cache)
    assert connection["device"] in {"ftd-hq-edge-01", "ftd-branch-02", "ftd-dc-core-03"}
    malware = [r for r in _event_records(stream)
               if r.record_type == 125 and r.fields["fileName"] == "eicar.com"]  # fmt: skip
    assert malware, "the EICAR test file never crossed the network"
    names = names_for(malware[0], stream.cache)
    assert names["shaFileName"] == "eicar.com"
    assert names["disposition"] == "Malware"
    assert names["fileType"] == "MSEXE"


# --- JSON ----------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    """What a decoded value becomes in JSON: bytes as lowercase hex, containers walked."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


def test_json_line_of_every_record_round_trips_every_generated_field(stream: Stream) -> None:
    formatter = JsonFormatter()
    view = ComputedView()
    for source, record in zip(stream.generated, stream.records, strict=True):
        names = {} if record.is_metadata else names_for(record, stream.cache)
        line = formatter.format(record.record_type, record.archive_timestamp, record.fields,
                                view.view(record, names, stream.cache))
        assert "\n" not in line
        document = json.loads(line)
        assert document.pop("recordType") == source.record_type
        assert document.pop("archiveTimestamp") == source.archive_timestamp
        assert isinstance(document.pop("@computed"), dict)
        assert document == _json_value(dict(source.fields)), source.record_type


# --- consistency of the simulated world ----------------------------------------------------


def test_discovery_headers_carry_the_event_type_and_subtype_of_their_record(
    stream: Stream,
) -> None:
    expected = {**DISCOVERY_EVENT_TYPES, **VPN_EVENT_TYPES,
                **{rt: (1002, subtype) for rt, subtype in USER_INPUT_SUBTYPES.items()}}
    assert set(USER_INPUT_SUBTYPES) == set(DISCOVERY_EVENT_TYPE_ONLY)
    checked = Counter()
    for record in _event_records(stream):
        if "eventSubtype" in record.fields and record.record_type in expected:
            pair = (record.fields["eventType"], record.fields["eventSubtype"])
            assert pair == expected[record.record_type], record.record_type
            checked[record.record_type] += 1
    assert set(checked) == set(expected)


def test_file_and_malware_events_belong_to_a_later_connection_event(stream: Stream) -> None:
    records = _event_records(stream)
    connections = {}
    for index, record in enumerate(records):
        f = record.fields
        if record.record_type == 71:
            connections[(f["deviceId"], f["instanceId"], f["connectionCounter"],
                         f["firstPacketTimestamp"])] = (index, f)  # fmt: skip
    shas = {r.fields["shaHash"] for r in stream.records if r.record_type == 511}
    file_malware = set()
    for index, record in enumerate(records):
        f = record.fields
        if record.record_type in (500, 502):
            key = (f["deviceId"], f["connectionInstance"], f["connectionCounter"],
                   f["connectionTimestamp"])  # fmt: skip
            position, connection = connections[key]
            assert position > index
            assert connection["fileEventCount"] >= 1
            assert re.fullmatch("[0-9a-f]{64}", f["shaHash"])
            assert f["shaHash"] in shas
            if record.record_type == 502:
                assert f["disposition"] == 3
                file_malware.add((key, f["shaHash"]))
        if record.record_type == 125 and f["deviceId"] != 0:
            key = (f["deviceId"], f["connectionInstance"], f["connectionCounter"],
                   f["connectionEventTimestamp"])  # fmt: skip
            assert (key, f["fileShaHash"]) in file_malware
    assert "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f" in shas


def test_extra_data_impact_alerts_and_correlations_refer_to_earlier_intrusions(
    stream: Stream,
) -> None:
    intrusions: dict[tuple[int, int, int], Mapping[str, Any]] = {}
    correlated = 0
    policies = {r.fields["id"] for r in stream.records if r.record_type == 69}
    rules = {r.fields["id"] for r in stream.records if r.record_type == 70}
    for record in _event_records(stream):
        f = record.fields
        if record.record_type == 400:
            intrusions[(f["deviceId"], f["eventId"], f["eventSecond"])] = f
        elif record.record_type in (110, 9):
            intrusion = intrusions[(f["deviceId"], f["eventId"], f["eventSecond"])]
            if record.record_type == 9:
                assert f["impact"] == intrusion["impactFlags"]
                assert intrusion["impact"] in (1, 2)
                assert f["sourceIpAddress"] == intrusion["sourceIpAddress"]
        elif record.record_type == 112:
            assert f["policyId"] in policies and f["ruleId"] in rules
            if f["eventType"] == 1:
                trigger = intrusions[(f["eventDeviceId"], f["deviceEventId"],
                                      f["triggerEventSecond"])]  # fmt: skip
                assert (f["signatureGeneratorId"], f["signatureId"]) == (
                    trigger["generatorId"], trigger["ruleId"])  # fmt: skip
                correlated += 1
    assert correlated > 0


def test_discovery_and_user_events_are_about_hosts_and_users_of_the_connections(
    stream: Stream,
) -> None:
    records = _event_records(stream)
    connections = [r.fields for r in records if r.record_type == 71]
    addresses = ({f["initiatorIpAddress"] for f in connections}
                 | {f["responderIpAddress"] for f in connections})  # fmt: skip
    users = {f["userId"] for f in connections} - {0}
    routers = 0
    for record in records:
        f = record.fields
        if record.record_type in (92, 93, 94, 95, 170, 171):
            assert f["userId"] in users
        elif "eventSubtype" in f and f.get("hasIpv6") and record.record_type not in (71, 73):
            if record.record_type == 31:
                routers += 1  # gateways route the traffic but are no connection's end
                continue
            assert f["ipv6Address"] in addresses, record.record_type
    assert routers > 0


def test_connections_dominate_the_default_full_mix(stream: Stream) -> None:
    counts = Counter(r.record_type for r in stream.generated if not r.is_metadata)
    share = counts[71] / EVENTS
    assert 0.5 < share < 0.7
    assert counts.most_common(1)[0][0] == 71
    assert sum(weight for _kind, weight in INCIDENT_WEIGHTS) == pytest.approx(1.0)


# --- the option ----------------------------------------------------------------------------


def test_full_mix_is_the_same_for_the_same_seed_and_differs_between_seeds() -> None:
    def stream_bytes(seed: int) -> list[bytes]:
        generator = TrafficGenerator(seed, start_time=START, mix="full")
        records = list(generator.metadata_records()) + generator.events(400)
        return [r.encode(True) for r in records]

    assert stream_bytes(4) == stream_bytes(4)
    assert stream_bytes(4) != stream_bytes(5)


def test_full_mix_cuts_incidents_between_calls_without_changing_the_stream() -> None:
    whole = TrafficGenerator(6, start_time=START, mix="full").events(500)
    generator = TrafficGenerator(6, start_time=START, mix="full")
    parts = [generator.events(n) for n in (1, 2, 3, 94, 400)]
    assert [len(p) for p in parts] == [1, 2, 3, 94, 400]
    assert [r.encode(True) for p in parts for r in p] == [r.encode(True) for r in whole]


def test_classic_mix_is_the_default_and_holds_connections_intrusions_and_packets() -> None:
    default = TrafficGenerator(8, start_time=START)
    classic = TrafficGenerator(8, start_time=START, mix="classic")
    assert default.mix == "classic" and default.full_catalog is None
    records = list(default.metadata_records()) + default.events(300)
    assert [r.encode(True) for r in records] == [
        r.encode(True) for r in list(classic.metadata_records()) + classic.events(300)
    ]
    assert {r.record_type for r in records if not r.is_metadata} == {2, 71, 400}


def test_full_mix_metadata_starts_with_the_classic_metadata() -> None:
    classic = TrafficGenerator(9, start_time=START).metadata_records()
    full = TrafficGenerator(9, start_time=START, mix="full").metadata_records()
    assert [r.encode(True) for r in full[: len(classic)]] == [r.encode(True) for r in classic]
    assert len(full) > len(classic)


def test_unknown_mix_is_rejected_with_the_known_names() -> None:
    assert MIXES == ("classic", "full")
    with pytest.raises(ValueError, match="mix must be one of classic, full, not 'all'"):
        TrafficGenerator(1, mix="all")
    with pytest.raises(ValueError, match="mix must be one of classic, full, not 'Full'"):
        SimulatorOptions(mix="Full")


def _documented_mix() -> tuple[dict[int, int], dict[tuple[int, ...], float]]:
    """The table of ``generator``'s docstring: counts per type, and each row's share."""
    from cef_connector.simulator import generator

    doc = generator.__doc__ or ""
    table = doc.split("count at 10,000 events (seed 1)")[1].split("\n=", 2)[1]
    counts: dict[int, int] = {}
    shares: dict[tuple[int, ...], float] = {}
    for line in table.splitlines()[1:]:
        if not line.strip() or line.startswith("="):
            continue
        types_text, share_text, counts_text = re.split(r"\s{2,}", line.strip())
        types: list[int] = []
        for low, high in re.findall(r"(\d+)(?:–(\d+))?", re.sub(r"\(.*?\)", "", types_text)):
            types.extend(range(int(low), int(high or low) + 1))
        each = re.match(r"(\d+) each(?: \((.*): (\d+)\))?$", counts_text)
        if each:
            row = dict.fromkeys(types, int(each.group(1)))
            if each.group(2):
                row.update(dict.fromkeys((int(t) for t in each.group(2).split(",")),
                                         int(each.group(3))))  # fmt: skip
        else:
            row = dict(zip(types, (int(n) for n in counts_text.split(" / ")), strict=True))
        counts.update(row)
        shares[tuple(types)] = float(share_text.rstrip(" %"))
    return counts, shares


def test_module_docstring_table_is_the_mix_seed_1_generates() -> None:
    documented, shares = _documented_mix()
    generated = Counter(r.record_type for r in
                        TrafficGenerator(1, start_time=START, mix="full").events(10_000))
    assert documented == dict(generated)
    for types, share in shares.items():
        assert abs(share - sum(generated[t] for t in types) / 100) <= 0.05 + 1e-9, types
