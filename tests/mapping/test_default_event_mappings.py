"""Records 9, 73, 110, 112, 125, 500, 502: samples, default and eNcore-compatible CEF lines.

Every sample of ``mapping.samples_events`` is rendered through the packaged ``default`` set
(and, for eNcore's record types, ``encore-compat``) with complete names and with none, encoded
and read back with the strict parser of tests/cef; the header and the exact extension keys are
asserted, plus the values that carry each mapping's decisions (CEF doc §2.4, §5, §6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import re
from typing import Any

import pytest

from cef_connector.cef import encode
from cef_connector.estreamer import decode_record, encode_record_data
from cef_connector.mapping import MappingTable
from cef_connector.mapping.samples import SAMPLES
from cef_connector.mapping.samples_events import EVENT_SAMPLES
from cef_connector.metadata import NAME_KEYS, MetadataCache
from cef_connector.metadata.names import names_for

from .helpers import record, sample

EVENT_TYPES = (9, 73, 110, 112, 125, 500, 502)

#: The custom fields that need a label (CEF doc §6 item 11).
CUSTOM_FIELD = re.compile(r"cs[1-6]|cn[1-3]|cfp[1-4]|c6a[1-4]")


def labelled(*keys: str) -> frozenset[str]:
    """The keys plus the label key of each custom field among them."""
    return frozenset(keys) | {f"{key}Label" for key in keys if CUSTOM_FIELD.fullmatch(key)}


def render(table: MappingTable, label: str, parse_cef: Callable[[str], Any], *, with_names: bool = True,
           names: Mapping[str, str] | None = None, **changes: Any) -> Any:
    """Map one sample (fields changed by ``changes``), encode it and parse the line strictly."""
    rec = record(label, **changes)
    resolved = dict(names) if names is not None else (dict(sample(label).names) if with_names else {})
    event = table.map(rec, resolved)
    assert event is not None, label
    line = encode(event)
    assert "None" not in line
    return parse_cef(line)


# --- the samples themselves -------------------------------------------------------------


def test_event_samples_are_registered_in_samples() -> None:
    assert {s.label for s in EVENT_SAMPLES} <= {s.label for s in SAMPLES}
    assert sorted({s.record_type for s in EVENT_SAMPLES}) == list(EVENT_TYPES)
    assert all(sum(s.record_type == t for s in EVENT_SAMPLES) == 2 for t in EVENT_TYPES)


@pytest.mark.parametrize("event_sample", EVENT_SAMPLES, ids=[s.label for s in EVENT_SAMPLES])
def test_event_sample_fields_survive_encode_then_decode(event_sample: Any) -> None:
    data = encode_record_data(event_sample.record_type, event_sample.fields)
    decoded = decode_record(event_sample.record_type, data, event_sample.archive_timestamp)
    assert decoded.fields == dict(event_sample.fields)


@pytest.mark.parametrize("event_sample", EVENT_SAMPLES, ids=[s.label for s in EVENT_SAMPLES])
def test_event_sample_names_hold_every_name_key_of_the_type(event_sample: Any) -> None:
    assert set(event_sample.names) == set(NAME_KEYS[event_sample.record_type])
    assert all(isinstance(v, str) and v for v in event_sample.names.values())


# --- exact headers and key sets, default set ---------------------------------------------

# (label, with names) → (class ID, name, severity, extension keys)
DEFAULT_CASES: dict[tuple[str, bool], tuple[str, str, str, frozenset[str]]] = {
    ("9 IPv4", True): (
        "IMPACT:9:1", "Intrusion Impact Alert: Red (vulnerable)", "7",
        labelled("rt", "src", "dst", "msg", "dvchost", "deviceExternalId", "externalId", "cn1", "cn2"),
    ),
    ("9 IPv4", False): (
        "IMPACT:9:1", "Intrusion Impact Alert: Red (vulnerable)", "7",
        labelled("rt", "src", "dst", "msg", "deviceExternalId", "externalId", "cn1", "cn2"),
    ),
    ("9 IPv6", True): (
        "IMPACT:9:2", "Intrusion Impact Alert: Orange (potentially vulnerable)", "6",
        labelled("rt", "c6a2", "c6a3", "msg", "dvchost", "deviceExternalId", "externalId", "cn1", "cn2"),
    ),
    ("73 NetFlow", True): (
        "RNA:1003:2", "CONNECTION CHUNK", "3",
        labelled("rt", "start", "src", "dst", "dpt", "proto", "app", "in", "out", "cnt", "dvchost",
                 "deviceExternalId", "cs1", "cn1", "cn2", "cn3"),
    ),
    ("73 device", False): (
        "RNA:1003:2", "CONNECTION CHUNK", "3",
        labelled("rt", "start", "src", "dst", "dpt", "proto", "app", "in", "out", "cnt",
                 "deviceExternalId", "cn1", "cn2", "cn3"),
    ),
    ("110 HTTP URI", True): (
        "INTRUSION_EXTRA:110:1", "Intrusion Extra Data: HTTP URI", "7",
        labelled("rt", "request", "dvchost", "deviceExternalId", "externalId", "cs1", "cs2", "cs3", "cn1"),
    ),
    ("110 original", False): (
        "INTRUSION_EXTRA:110:1", "Intrusion Extra Data", "7",
        labelled("rt", "deviceExternalId", "externalId", "cs1", "cs2", "cn1"),
    ),
    ("112 IPv4", True): (
        "PV:112:7:3", "Policy Violation: Attack on a vulnerable server", "10",
        labelled("rt", "start", "src", "spt", "dst", "dpt", "proto", "act", "cat", "msg", "app", "suser",
                 "duser", "request", "deviceInboundInterface", "deviceOutboundInterface", "dvchost",
                 "deviceExternalId", "externalId", "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "cn1", "cn2"),
    ),
    ("112 IPv6", False): (
        "PV:112:7:3", "Policy Violation", "9",
        labelled("rt", "start", "c6a2", "c6a3", "proto", "act", "cat", "msg", "app", "suser", "duser",
                 "deviceInboundInterface", "deviceOutboundInterface", "deviceExternalId", "externalId",
                 "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "cn1", "cn2", "cn3", "cfp1"),
    ),
    ("125 IPv4", True): (
        "FireAMP:125:1", "Malware Event: Threat Detected in Network File Transfer", "8",
        labelled("rt", "start", "src", "spt", "dst", "dpt", "proto", "act", "cat", "suser", "app",
                 "destinationServiceName", "request", "deviceDirection", "fname", "fileHash", "fsize",
                 "fileType", "dvchost", "deviceExternalId", "dvcpid", "cs1", "cs2", "cs3", "cs4", "cs5",
                 "cs6", "cn1", "cn2", "cn3"),
    ),
    ("125 IPv6", False): (
        "FireAMP:125:1", "Malware Event", "0",
        labelled("rt", "c6a2", "cat", "msg", "suser", "fname", "filePath", "fileHash", "fsize", "fileType",
                 "fileCreateTime", "sproc", "deviceExternalId", "cs2", "cs3", "cs5", "cn1", "cn2"),
    ),
    ("500 IPv4", True): (
        "File:500:1", "File Event: Malware Cloud Lookup", "0",
        labelled("rt", "start", "src", "spt", "dst", "dpt", "proto", "act", "suser", "app",
                 "destinationServiceName", "request", "deviceDirection", "fname", "fsize", "fileHash",
                 "fileType", "dvchost", "deviceExternalId", "dvcpid", "cs1", "cs2", "cs3", "cs5", "cs6",
                 "cn1", "cn2", "cn3"),
    ),
    ("500 IPv6", False): (
        "File:500:1", "File Event: Malware Cloud Lookup", "0",
        labelled("rt", "start", "c6a2", "spt", "c6a3", "dpt", "proto", "act", "suser", "app",
                 "destinationServiceName", "request", "deviceDirection", "fname", "fsize", "fileHash",
                 "fileType", "deviceExternalId", "dvcpid", "cs1", "cs2", "cs6", "cn1", "cn2", "cn3"),
    ),
    ("502 IPv4", True): (
        "FileMalware:502:1", "File Malware Event: Malware Block", "9",
        labelled("rt", "start", "src", "spt", "dst", "dpt", "proto", "act", "suser", "app",
                 "destinationServiceName", "request", "deviceDirection", "fname", "fsize", "fileHash",
                 "fileType", "dvchost", "deviceExternalId", "dvcpid", "cs1", "cs2", "cs3", "cs4", "cs5",
                 "cs6", "cn1", "cn2", "cn3"),
    ),
    ("502 IPv6", False): (
        "FileMalware:502:1", "File Malware Event: Malware Block", "9",
        labelled("rt", "start", "c6a2", "spt", "c6a3", "dpt", "proto", "act", "suser", "app",
                 "destinationServiceName", "request", "deviceDirection", "fname", "fsize", "fileHash",
                 "fileType", "deviceExternalId", "dvcpid", "cs1", "cs2", "cs3", "cs4", "cs6", "cn1", "cn2",
                 "cn3"),
    ),
}


@pytest.mark.parametrize(("label", "with_names"), list(DEFAULT_CASES),
                         ids=[f"{label}-{'names' if n else 'no-names'}" for label, n in DEFAULT_CASES])
def test_default_line_has_exact_header_and_keys(
    label: str, with_names: bool, default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    signature_id, name, severity, keys = DEFAULT_CASES[(label, with_names)]
    parsed = render(default_table, label, parse_cef, with_names=with_names)
    assert (parsed.device_vendor, parsed.device_product, parsed.device_version) == ("Cisco", "Firepower", "7.2.5")
    assert (parsed.signature_id, parsed.name, parsed.severity) == (signature_id, name, severity)
    assert set(parsed.extension_dict()) == keys


@pytest.mark.parametrize("event_sample", EVENT_SAMPLES, ids=[s.label for s in EVENT_SAMPLES])
@pytest.mark.parametrize("with_names", [True, False], ids=["names", "no-names"])
def test_every_default_line_parses_and_labels_match_values(
    event_sample: Any, with_names: bool, default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    event = default_table.map(event_sample, dict(event_sample.names) if with_names else {})
    assert event is not None
    line = encode(event)
    assert "None" not in line
    parsed = parse_cef(line)
    keys = set(parsed.extension_dict())
    for key in keys:
        if key.endswith("Label"):
            assert key[: -len("Label")] in keys
        elif CUSTOM_FIELD.fullmatch(key):
            assert f"{key}Label" in keys
    assert "::" not in parsed.extension_dict().values()
    assert 0 <= int(parsed.severity) <= 10


# --- values that carry the default set's decisions ----------------------------------------


def test_impact_alert_values(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, "9 IPv4", parse_cef).extension_dict()
    assert ext == {
        "rt": "1590497300000", "src": "192.0.2.10", "dst": "198.51.100.20",
        "msg": "[Impact: 1] SERVER-WEBAPP cmd.exe access", "dvchost": "ftd-edge-01",
        "deviceExternalId": "1", "externalId": "195430",
        "cn1": "31", "cn1Label": "Impact Flags", "cn2": "1", "cn2Label": "Impact",
    }
    ipv6 = render(default_table, "9 IPv6", parse_cef).extension_dict()
    assert (ipv6["c6a2"], ipv6["c6a2Label"]) == ("2001:db8:30::10", "Source IPv6 Address")
    assert (ipv6["c6a3"], ipv6["c6a3Label"]) == ("2001:db8:40::20", "Destination IPv6 Address")


@pytest.mark.parametrize(("flags", "class_id", "name_end", "severity"), [
    (0x08, "IMPACT:9:1", "Red (vulnerable)", "7"),
    (0x06, "IMPACT:9:2", "Orange (potentially vulnerable)", "6"),
    (0x02, "IMPACT:9:3", "Yellow (currently not vulnerable)", "4"),
    (0x01, "IMPACT:9:4", "Blue (unknown target)", "5"),
    (0x00, "IMPACT:9:0", "Gray (unknown impact)", "5"),
    (0x80000001, "IMPACT:9:4", "Blue (unknown target)", "5"),
])
def test_impact_alert_class_name_and_severity_follow_the_impact_level(
    flags: int, class_id: str, name_end: str, severity: str, default_table: MappingTable,
    parse_cef: Callable[[str], Any],
) -> None:
    parsed = render(default_table, "9 IPv4", parse_cef, impact=flags)
    assert (parsed.signature_id, parsed.name, parsed.severity) == (
        class_id, f"Intrusion Impact Alert: {name_end}", severity)


def test_connection_chunk_values_and_zero_counters(default_table: MappingTable,
                                                    parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, "73 NetFlow", parse_cef).extension_dict()
    assert {k: ext[k] for k in ("rt", "start", "src", "dst", "dpt", "proto", "app", "in", "out", "cnt", "cs1")} == {
        "rt": "1590497400250", "start": "1590497100000", "src": "10.0.0.5", "dst": "93.184.216.34",
        "dpt": "80", "proto": "TCP", "app": "HTTP", "in": "98304", "out": "2457600", "cnt": "14",
        "cs1": "192.0.2.254",
    }
    assert ext["cs1Label"] == "NetFlow Exporter"
    udp = render(default_table, "73 device", parse_cef, with_names=False).extension_dict()
    assert (udp["out"], udp["cn3"], udp["proto"], udp["app"]) == ("0", "0", "UDP", "617")
    assert "cs1" not in udp  # 0.0.0.0: seen by the device itself


def test_extra_data_keeps_every_byte_as_hex_and_the_uri_as_request(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    uri = render(default_table, "110 HTTP URI", parse_cef).extension_dict()
    assert uri["request"] == "/scripts/cmd.exe?/c+dir&x=1"
    assert bytes.fromhex(uri["cs2"]) == b"/scripts/cmd.exe?/c+dir&x=1"
    assert (uri["cs1"], uri["cn1"], uri["externalId"]) == ("HTTP URI", "9", "195430")
    client = render(default_table, "110 original", parse_cef, with_names=False).extension_dict()
    assert client["cs2"] == "00000000000000000000ffffcb007107"
    assert (client["cs1"], client["cn1"]) == ("2", "2")
    assert not {"eventId", "type", "data", "blob", "eventSecond"} & set(client)


def test_correlation_event_values(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, "112 IPv4", parse_cef).extension_dict()
    assert {k: ext[k] for k in ("rt", "start", "spt", "dpt", "proto", "act", "cat", "app", "suser", "duser",
                                "dvchost", "deviceExternalId", "cs1", "cs2", "cs5", "cs6", "cn2")} == {
        "rt": "1590497305000", "start": "1590497300654", "spt": "49152", "dpt": "80", "proto": "TCP",
        "act": "Blocked", "cat": "Intrusion Event", "app": "HTTP", "suser": "jdoe", "duser": "svc-web",
        "dvchost": "Defense Center", "deviceExternalId": "0", "cs1": "Critical Assets",
        "cs2": "Attack on a vulnerable server", "cs5": "ftd-edge-01", "cs6": "Attackers", "cn2": "1",
    }
    icmp = render(default_table, "112 IPv6", parse_cef).extension_dict()
    assert (icmp["proto"], icmp["cn3"], icmp["cfp1"], icmp["act"]) == ("IPv6-ICMP", "128", "0", "Alerted")
    assert not {"spt", "dpt"} & set(icmp)


def test_correlation_event_with_an_empty_metadata_cache_names_the_fmc(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    rec = record("112 IPv4")
    parsed = parse_cef(encode(default_table.map(rec, names_for(rec, MetadataCache()))))
    ext = parsed.extension_dict()
    assert parsed.name == "Policy Violation"
    assert (ext["dvchost"], ext["proto"], ext["cs1"], ext["cs2"]) == ("Defense Center", "TCP", "3", "7")


@pytest.mark.parametrize(("priority", "flags", "severity"), [
    (1, 0x1F, "10"), (2, 0x06, "6"), (3, 0x02, "0"), (3, 0x01, "1"), (4, 0x1F, "5"), (1, 0x00, "5"),
])
def test_correlation_severity_is_encores_matrix(priority: int, flags: int, severity: str,
                                                default_table: MappingTable, compat_table: MappingTable,
                                                parse_cef: Callable[[str], Any]) -> None:
    for table in (default_table, compat_table):
        assert render(table, "112 IPv4", parse_cef, priority=priority,
                      eventImpactFlags=flags).severity == severity


def test_malware_event_values(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, "125 IPv4", parse_cef).extension_dict()
    assert {k: ext[k] for k in ("rt", "start", "src", "spt", "dst", "dpt", "act", "deviceDirection", "request",
                                "fileHash", "fileType", "cs2", "cs3", "cn1")} == {
        "rt": "1590497350000", "start": "1590497348000", "src": "93.184.216.34", "spt": "443",
        "dst": "10.0.0.5", "dpt": "51236", "act": "Malware Block", "deviceDirection": "0",
        "request": "https://www.example.com/downloads/invoice_2020.exe?id=42",
        "fileHash": "2f1a6c3e9b7d4a08c5e6f7a8b9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c", "fileType": "MSEXE",
        "cs2": "W32.GenericKD:Trojan.22b8.1201", "cs3": "Malware", "cn1": "85",
    }


def test_endpoint_malware_event_omits_the_missing_connection(default_table: MappingTable,
                                                              parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, "125 IPv6", parse_cef).extension_dict()
    assert not {"start", "src", "dst", "c6a3", "spt", "dpt", "proto", "act", "deviceDirection", "dvcpid"} & set(ext)
    assert ext["suser"] == "CORP\\jdoe"
    assert ext["filePath"] == "C:\\Users\\jdoe\\Downloads\\invoice_2020.exe"
    assert ext["fileCreateTime"] == "1590497349000"
    assert ext["dvchost"] == "Defense Center"


@pytest.mark.parametrize(("score", "severity"), [(0, "0"), (9, "0"), (10, "1"), (95, "9"), (100, "10"), (255, "10")])
@pytest.mark.parametrize("label", ["125 IPv4", "500 IPv4", "502 IPv4"])
def test_threat_score_severity_is_a_tenth_capped_at_10(label: str, score: int, severity: str,
                                                       default_table: MappingTable, compat_table: MappingTable,
                                                       parse_cef: Callable[[str], Any]) -> None:
    for table in (default_table, compat_table):
        assert render(table, label, parse_cef, threatScore=score).severity == severity


def test_file_event_values(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    upload = render(default_table, "500 IPv4", parse_cef).extension_dict()
    assert {k: upload[k] for k in ("src", "dst", "deviceDirection", "fname", "fsize", "cs2", "cs3", "cs5", "cn3")} == {
        "src": "10.0.0.5", "dst": "203.0.113.80", "deviceDirection": "1", "fname": "Q1 report=final.pdf",
        "fsize": "1048576", "cs2": "Clean", "cs3": "N/A", "cs5": "Block Malware", "cn3": "201",
    }
    malware = render(default_table, "502 IPv4", parse_cef, with_names=False).extension_dict()
    assert {k: malware[k] for k in ("deviceDirection", "act", "cs2", "cs3", "cs4", "fileType", "cn1")} == {
        "deviceDirection": "0", "act": "Malware Block", "cs2": "Malware", "cs3": "Malware",
        "cs4": "W32.GenericKD:Trojan.22b8.1201", "fileType": "21", "cn1": "95",
    }


@pytest.mark.parametrize(("action", "act", "name"), [
    (0, None, "File Event"), (2, "Block", "File Event: Block"), (11, "Archive Block (Failed To Inspect)",
                                                                  "File Event: Archive Block (Failed To Inspect)"),
    (42, "42", "File Event: 42"),
])
def test_file_action_names_follow_encores_table(action: int, act: str | None, name: str,
                                                default_table: MappingTable,
                                                parse_cef: Callable[[str], Any]) -> None:
    parsed = render(default_table, "500 IPv4", parse_cef, action=action)
    assert parsed.name == name
    assert parsed.extension_dict().get("act") == act


@pytest.mark.parametrize(("direction", "expected"), [(0, None), (1, "0"), (2, "1"), (3, None)])
def test_file_direction_becomes_cef_device_direction(direction: int, expected: str | None,
                                                     default_table: MappingTable, compat_table: MappingTable,
                                                     parse_cef: Callable[[str], Any]) -> None:
    for table in (default_table, compat_table):
        for label in ("125 IPv4", "500 IPv4"):
            assert render(table, label, parse_cef, direction=direction).extension_dict().get(
                "deviceDirection") == expected


def test_additions_to_71_and_400(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    assert render(default_table, "71 IPv4", parse_cef).extension_dict()["cat"] == "Search Engines"
    assert render(default_table, "71 IPv4", parse_cef, with_names=False).extension_dict()["cat"] == "28"
    assert "cat" not in render(default_table, "71 IPv4", parse_cef, with_names=False,
                               urlCategory=0).extension_dict()
    summary = "Detects access to cmd.exe on a web server"
    names = {**sample("400 IPv4").names, "ruleSummary": summary}
    assert render(default_table, "400 IPv4", parse_cef, names=names).extension_dict()["msg"] == summary
    assert "msg" not in render(default_table, "400 IPv4", parse_cef).extension_dict()


# --- encore-compat set: eNcore's keys ------------------------------------------------------

COMPAT_CASES: dict[str, tuple[str, str, str, frozenset[str]]] = {
    "110 HTTP URI": (
        "INTRUSION_EXTRA:110:1", "INTRUSION EXTRA DATA", "7",
        labelled("cn1", "cs1", "data", "deviceExternalId", "dvchost", "eventSecond", "rt"),
    ),
    "112 IPv4": (
        "PV:112:7:3", "POLICY VIOLATION", "10",
        labelled("act", "cn1", "cs1", "cs2", "cs3", "cs4", "deviceExternalId", "deviceInboundInterface",
                 "deviceOutboundInterface", "dpt", "dst", "duser", "dvchost", "externalId", "msg", "proto",
                 "rt", "spt", "src", "suser"),
    ),
    "125 IPv4": (
        "FireAMP:125:1", "FireAMP Event", "8",
        labelled("act", "app", "cs1", "cs2", "cs3", "cs4", "deviceDirection", "deviceExternalId", "dpt",
                 "dst", "duser", "dvchost", "dvcpid", "fileHash", "fileType", "fname", "fsize", "outcome",
                 "proto", "request", "requestClientApplication", "rt", "spt", "src", "start"),
    ),
    "500 IPv4": (
        "File:500:1", "File Event", "0",
        labelled("act", "app", "cs1", "cs2", "cs3", "deviceDirection", "deviceExternalId", "dpt", "dst",
                 "dvchost", "dvcpid", "fileHash", "fileType", "fname", "fsize", "proto", "request",
                 "requestClientApplication", "rt", "spt", "src", "start", "suser"),
    ),
    "502 IPv6": (
        "FileMalware:502:1", "File Malware Event", "9",
        labelled("act", "app", "c6a2", "c6a3", "cs1", "cs2", "cs3", "cs4", "deviceDirection",
                 "deviceExternalId", "dpt", "dvchost", "dvcpid", "fileHash", "fileType", "fname", "fsize",
                 "proto", "request", "requestClientApplication", "rt", "spt", "start", "suser"),
    ),
}


@pytest.mark.parametrize("label", list(COMPAT_CASES))
@pytest.mark.parametrize("with_names", [True, False], ids=["names", "no-names"])
def test_compat_line_has_encores_header_and_keys_in_alphabetical_order(
    label: str, with_names: bool, compat_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    signature_id, name, severity, keys = COMPAT_CASES[label]
    parsed = render(compat_table, label, parse_cef, with_names=with_names)
    assert (parsed.signature_id, parsed.name, parsed.severity) == (signature_id, name, severity)
    assert set(parsed.extension_dict()) == keys
    values = [key for key, _ in parsed.extensions if not key.endswith("Label")]
    assert values == sorted(values)


def test_compat_covers_encores_eight_record_types(compat_table: MappingTable) -> None:
    assert {2, 71, 110, 112, 125, 400, 500, 502} <= set(compat_table.record_types)
    assert 9 not in compat_table.record_types and 73 not in compat_table.record_types


def test_compat_values_use_encores_labels_and_codes(compat_table: MappingTable,
                                                    parse_cef: Callable[[str], Any]) -> None:
    extra = render(compat_table, "110 HTTP URI", parse_cef, with_names=False).extension_dict()
    assert extra == {
        "cn1": "9", "cn1Label": "type", "cs1": "195430", "cs1Label": "eventId",
        "data": "2f736372697074732f636d642e6578653f2f632b64697226783d31", "deviceExternalId": "1",
        "dvchost": "1", "eventSecond": "1590497300", "rt": "1590497300000",
    }
    correlation = render(compat_table, "112 IPv4", parse_cef).extension_dict()
    assert {k: correlation[k] for k in ("act", "proto", "dvchost", "cs1Label", "cs2Label", "cn1Label")} == {
        "act": "Yes", "proto": "6", "dvchost": "Defense Center", "cs1Label": "policy",
        "cs2Label": "policyRule", "cn1Label": "vlan",
    }
    assert render(compat_table, "112 IPv4", parse_cef, with_names=False).extension_dict()["dvchost"] == "1"
    assert render(compat_table, "112 IPv6", parse_cef).extension_dict()["act"] == "No"
    malware = render(compat_table, "125 IPv4", parse_cef, with_names=False).extension_dict()
    assert {k: malware[k] for k in ("act", "proto", "outcome", "cs2Label", "cs3", "cs4Label", "rt")} == {
        "act": "4", "proto": "6", "outcome": "1", "cs2Label": "virusName", "cs3": "Malware",
        "cs4Label": "speroDisposition", "rt": "1590497350000",
    }
    endpoint = render(compat_table, "125 IPv6", parse_cef, with_names=False).extension_dict()
    assert (endpoint["fileCreateTime"], endpoint["suser"], endpoint["cs4"]) == ("1590497349000", "CORP\\jdoe", "N/A")
    files = render(compat_table, "502 IPv4", parse_cef).extension_dict()
    assert {k: files[k] for k in ("act", "cs1", "cs1Label", "cs4", "cs4Label", "proto")} == {
        "act": "Malware Block", "cs1": "Block Malware", "cs1Label": "filePolicy",
        "cs4": "W32.GenericKD:Trojan.22b8.1201", "cs4Label": "signature", "proto": "6",
    }
