"""The default CEF mappings of the discovery (RNA), user (RUA) and IOC records 10-171.

Every record type's samples (cef_connector/mapping/samples_discovery.py) are rendered
through the packaged ``default`` set and encoded, with complete names and with none, and
the line is parsed by the strict CEF parser: the Device Event Class ID, Name, Severity and
the exact set of extension keys are asserted, and the values of a representative subset.
The expectations below are transcribed from the mapping conventions (mappings/default/*.yaml
descriptions), not computed from the mapping files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from cef_connector.cef import encode
from cef_connector.cef.dictionary import CONSUMER_KEYS, LABEL_KEYS, PRODUCER_KEYS
from cef_connector.estreamer import Record, decode_record, encode_record_data
from cef_connector.estreamer.discovery_layouts import DISCOVERY_EVENT_TYPES, DISCOVERY_RECORD_LAYOUTS
from cef_connector.mapping import MappingTable
from cef_connector.mapping.filters import each, ip_ranges
from cef_connector.mapping.samples import SAMPLES, Sample, samples_for
from cef_connector.mapping.samples_discovery import DISCOVERY_SAMPLES, SAMPLE_EVENT_TYPES
from cef_connector.metadata import NAME_KEYS, MetadataCache
from cef_connector.metadata.names import names_for

HOST_V4, HOST_V6, HOST_MAC = "10.1.20.31", "2001:db8:10:20::31", "00:50:56:8a:3c:11"

#: Record type → (Name, Severity): names are the protocol doc's event names (§4.6; user
#: input and VPN: §5.1's record names) in upper case, as eNcore's CONNECTION STATISTICS.
HEADERS: dict[int, tuple[str, int]] = {
    10: ("NEW HOST", 3),
    11: ("NEW TCP SERVER", 3),
    12: ("NEW UDP SERVER", 3),
    13: ("NEW NETWORK PROTOCOL", 2),
    14: ("NEW TRANSPORT PROTOCOL", 2),
    15: ("NEW CLIENT APPLICATION", 3),
    16: ("TCP SERVER INFORMATION UPDATE", 2),
    17: ("UDP SERVER INFORMATION UPDATE", 2),
    18: ("OS INFORMATION UPDATE", 2),
    19: ("HOST TIMEOUT", 2),
    20: ("HOST IP ADDRESS REUSED", 3),
    21: ("HOST DELETED: LIMIT REACHED", 4),
    22: ("HOPS CHANGE", 1),
    23: ("TCP PORT CLOSED", 2),
    24: ("UDP PORT CLOSED", 2),
    25: ("TCP PORT TIMEOUT", 1),
    26: ("UDP PORT TIMEOUT", 1),
    27: ("MAC INFORMATION CHANGE", 3),
    28: ("ADDITIONAL MAC DETECTED", 4),
    29: ("HOST IP ADDRESS CHANGED", 3),
    31: ("HOST IDENTIFIED AS ROUTER/BRIDGE", 4),
    34: ("VLAN TAG INFORMATION UPDATE", 1),
    35: ("CLIENT APPLICATION TIMEOUT", 1),
    42: ("NETBIOS NAME CHANGE", 2),
    44: ("HOST DROPPED: HOST LIMIT REACHED", 5),
    45: ("BANNER UPDATE", 2),
    46: ("ADD HOST ATTRIBUTE", 3),
    47: ("UPDATE HOST ATTRIBUTE", 3),
    48: ("DELETE HOST ATTRIBUTE", 4),
    51: ("TCP SERVER CONFIDENCE UPDATE", 1),
    52: ("UDP SERVER CONFIDENCE UPDATE", 1),
    53: ("OS CONFIDENCE UPDATE", 1),
    74: ("USER SET OS", 3),
    75: ("USER SET SERVER", 3),
    76: ("USER DELETE PROTOCOL", 4),
    77: ("USER DELETE CLIENT APPLICATION", 4),
    78: ("USER DELETE ADDRESS", 4),
    79: ("USER DELETE SERVER", 4),
    80: ("USER SET VALID VULNERABILITIES", 5),
    81: ("USER SET INVALID VULNERABILITIES", 5),
    82: ("USER SET HOST CRITICALITY", 4),
    83: ("USER SET ATTRIBUTE VALUE", 3),
    84: ("USER DELETE ATTRIBUTE VALUE", 4),
    85: ("USER ADD HOST", 3),
    86: ("USER ADD SERVER", 3),
    87: ("USER ADD CLIENT APPLICATION", 3),
    88: ("USER ADD PROTOCOL", 3),
    89: ("USER ADD SCAN RESULT", 4),
    92: ("USER IDENTITY DROPPED: USER LIMIT REACHED", 4),
    93: ("DELETE USER IDENTITY", 3),
    94: ("NEW USER IDENTITY", 3),
    95: ("USER LOGIN", 2),
    101: ("NEW OS", 3),
    102: ("IDENTITY CONFLICT", 6),
    103: ("IDENTITY TIMEOUT", 2),
    107: ("CLIENT APPLICATION UPDATE", 2),
    160: ("IOC SET", 8),
    170: ("NEW VPN DEVICE LOGIN", 2),
    171: ("NEW VPN DEVICE LOGOFF", 2),
}

#: Device Event Class ID of each sample: RNA:<eventType>:<eventSubtype>.  §4.6's pairs; user
#: input (1002): the FireSIGHT guide's subtype of the same action; 170/171 as the simulator.
CLASS_IDS: dict[int, str] = {
    10: "RNA:1000:1", 11: "RNA:1000:2", 12: "RNA:1000:6", 13: "RNA:1000:3", 14: "RNA:1000:4",
    15: "RNA:1000:7", 16: "RNA:1001:6", 17: "RNA:1001:10", 18: "RNA:1001:2", 19: "RNA:1001:7",
    20: "RNA:1001:3", 21: "RNA:1001:19", 22: "RNA:1001:5", 23: "RNA:1001:8", 24: "RNA:1001:9",
    25: "RNA:1001:11", 26: "RNA:1001:12", 27: "RNA:1001:13", 28: "RNA:1001:14",
    29: "RNA:1001:1", 31: "RNA:1001:16", 34: "RNA:1001:18", 35: "RNA:1001:20",
    42: "RNA:1001:21", 44: "RNA:1001:23", 45: "RNA:1001:24", 46: "RNA:1002:6",
    47: "RNA:1002:7", 48: "RNA:1002:8", 51: "RNA:1001:25", 52: "RNA:1001:26",
    53: "RNA:1001:27", 74: "RNA:1002:16", 75: "RNA:1002:19", 76: "RNA:1002:14",
    77: "RNA:1002:15", 78: "RNA:1002:20", 79: "RNA:1002:21", 80: "RNA:1002:22",
    81: "RNA:1002:23", 82: "RNA:1002:24", 83: "RNA:1002:25", 84: "RNA:1002:26",
    85: "RNA:1002:27", 86: "RNA:1002:28", 87: "RNA:1002:29", 88: "RNA:1002:30",
    89: "RNA:1002:11", 92: "RNA:1004:4", 93: "RNA:1004:3", 94: "RNA:1004:1",
    95: "RNA:1004:2", 101: "RNA:1000:8", 102: "RNA:1001:29", 103: "RNA:1001:30",
    107: "RNA:1001:32", 160: "RNA:1008:1", 170: "RNA:1004:5", 171: "RNA:1004:6",
}  # fmt: skip

_CUSTOM_PREFIXES = ("cs", "cn", "cfp", "c6a", "deviceCustomDate", "flexString", "flexDate")


def keys(*names: str) -> frozenset[str]:
    """Extension keys, with the label key of every custom field added."""
    result = set(names)
    result.update(f"{name}Label" for name in names if name.startswith(_CUSTOM_PREFIXES))
    return frozenset(result)


SERVER = keys("spt", "proto", "deviceCustomDate1", "cs1", "cn1", "cn2")
CLIENT = keys("app", "deviceCustomDate1", "cs1", "cs2", "cn1")
LOGIN_167 = keys("start", "suser", "suid", "sntdom", "app", "sourceServiceName", "msg",
                 "cs1", "cs2", "cs3", "cs4")

#: Record type → (keys beyond the common ones with complete names, the same with no names),
#: for the IPv4 sample; ``IPV6_EXTRA`` overrides the IPv6 sample where its block differs.
EXTRA: dict[int, tuple[frozenset[str], frozenset[str]]] = {
    10: (keys("shost", "deviceCustomDate1", "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "cn1", "cn2"),
         keys("shost", "deviceCustomDate1", "cs6", "cn1", "cn2")),
    **{rt: (SERVER | keys("app", "cs2", "cs3", "cs4"), SERVER) for rt in (11, 12, 16, 17, 51, 52)},
    13: (keys("cs1"), keys("cs1")),
    14: (keys("proto"), keys("proto")),
    **{rt: (CLIENT | keys("cs3"), CLIENT) for rt in (15, 35, 107)},
    **{rt: (keys("cs1"), keys("cs1")) for rt in (18, 53, 29, 31, 46, 47, 48)},
    **{rt: (keys(), keys()) for rt in (19, 20, 21, 44)},
    22: (keys("cn1"), keys("cn1")),
    **{rt: (keys("spt", "proto"), keys("spt", "proto")) for rt in (23, 24, 25, 26)},
    **{rt: (keys("deviceCustomDate1", "cn1", "cn2"),) * 2 for rt in (27, 28)},
    34: (keys("cn1", "cn2", "cn3"), keys("cn1", "cn2", "cn3")),
    42: (keys("shost"), keys("shost")),
    45: (keys("spt", "proto", "msg"), keys("spt", "proto", "msg")),
    74: (keys("cs1", "cs2", "cs5", "cs6"), keys("cs1", "cs2", "cs5")),
    **{rt: (keys("spt", "proto", "cs1", "cs2", "cs5", "cs6"), keys("spt", "proto", "cs1", "cs2", "cs5"))
       for rt in (75, 86)},
    **{rt: (keys("cs1", "cs2", "cs3", "cs5", "cs6"), keys("cs1", "cs2", "cs3", "cs5")) for rt in (76, 88)},
    **{rt: (keys("app", "cs1", "cs2", "cs3", "cs4", "cs5", "cs6"), keys("cs1", "cs4", "cs5"))
       for rt in (77, 87)},
    **{rt: (keys("cs1", "cs2", "cs5", "cs6"), keys("cs1", "cs2", "cs5")) for rt in (78, 85, 79, 82)},
    **{rt: (keys("app", "msg", "cs1", "cs2", "cs3", "cs4", "cs5", "cs6"), keys("msg", "cs1", "cs3", "cs5"))
       for rt in (80, 81)},
    **{rt: (keys("cs1", "cs2", "cs3", "cs5", "cs6"), keys("cs1", "cs2", "cs3", "cs5")) for rt in (83, 84)},
    89: (keys("spt", "proto", "suser", "cs1", "cs2", "cs3", "cn1"),) * 2,
    92: (keys("suser", "suid", "app", "cs1", "cs2", "cs3"),) * 2,
    **{rt: (keys("suser", "suid", "app", "cs1", "cs5", "cs6"),) * 2 for rt in (93, 94)},
    95: (keys("start", "suser", "suid", "app", "sourceServiceName", "cs1", "cn1"),) * 2,
    101: (keys("deviceCustomDate1", "cs1", "cs2", "cs3"), keys("deviceCustomDate1", "cs1", "cs2")),
    **{rt: (keys("spt", "proto", "cs1", "cs2", "cs3"), keys("spt", "proto", "cs1", "cs2")) for rt in (102, 103)},
    160: (keys("cat", "cs1", "cn1"), keys("cn1")),
    **{rt: (LOGIN_167 | keys("cn1", "cn2"),) * 2 for rt in (170, 171)},
}
IPV6_EXTRA: dict[int, tuple[frozenset[str], frozenset[str]]] = {
    93: (LOGIN_167, LOGIN_167),  # block 167
    94: (LOGIN_167, LOGIN_167),
    95: (LOGIN_167 | keys("cn1", "cn2"),) * 2,
    160: (keys("start", "end", "cat", "cs1", "cn1"), keys("start", "end", "cn1")),  # block 150
}


def expected_keys(sample: Sample, with_names: bool) -> frozenset[str]:
    v6 = "IPv6" in sample.label
    address = keys("c6a2") if v6 else keys("src")
    common = keys("rt", "smac", "deviceExternalId") | ({"dvchost"} if with_names else set())
    extra = (IPV6_EXTRA if v6 else EXTRA).get(sample.record_type) or EXTRA[sample.record_type]
    return address | common | extra[0 if with_names else 1]


def as_record(sample: Sample, **changes: Any) -> Record:
    fields = dict(sample.fields)
    fields.update(changes)
    return Record(record_type=sample.record_type, archive_timestamp=sample.archive_timestamp,
                  fields=fields, offset=sample.offset, is_metadata=False)


def render(table: MappingTable, sample: Sample, names: Mapping[str, str], parse: Callable[[str], Any],
           **changes: Any) -> Any:
    event = table.map(as_record(sample, **changes), names)
    assert event is not None, sample.label
    line = encode(event)
    assert "None" not in line and "null" not in line
    return parse(line)


def by_label(start: str) -> Sample:
    found = [s for s in DISCOVERY_SAMPLES if s.label.startswith(start)]
    assert len(found) == 1, start
    return found[0]


CASES = [pytest.param(s, n, id=f"{s.label}-{'names' if n else 'no names'}")
         for s in DISCOVERY_SAMPLES for n in (True, False)]


# --- the samples ------------------------------------------------------------------------------


def test_every_discovery_user_and_ioc_record_type_has_an_ipv4_and_an_ipv6_host_sample() -> None:
    assert set(SAMPLE_EVENT_TYPES) == set(DISCOVERY_RECORD_LAYOUTS) == set(HEADERS)
    assert len(DISCOVERY_RECORD_LAYOUTS) == 59
    for record_type in DISCOVERY_RECORD_LAYOUTS:
        labels = [s.label for s in samples_for(record_type)]
        assert [label.split()[1] for label in labels] == ["IPv4", "IPv6"], labels


def test_the_samples_are_registered_in_the_loaders_sample_table() -> None:
    registered = [s.label for s in SAMPLES]
    assert all(s.label in registered for s in DISCOVERY_SAMPLES)
    assert all(any(s is r for r in SAMPLES) for s in DISCOVERY_SAMPLES)
    assert len({s.label for s in SAMPLES}) == len(SAMPLES)


def test_sample_headers_carry_the_protocol_docs_event_type_pairs() -> None:
    for sample in DISCOVERY_SAMPLES:
        pair = (sample.fields["eventType"], sample.fields["eventSubtype"])
        assert f"RNA:{pair[0]}:{pair[1]}" == CLASS_IDS[sample.record_type]
        if sample.record_type in DISCOVERY_EVENT_TYPES:
            assert pair == DISCOVERY_EVENT_TYPES[sample.record_type]


@pytest.mark.parametrize("sample", DISCOVERY_SAMPLES, ids=lambda s: s.label)
def test_sample_fields_are_exactly_what_the_decoder_returns(sample: Sample) -> None:
    data = encode_record_data(sample.record_type, sample.fields)
    assert decode_record(sample.record_type, data).fields == dict(sample.fields)


def test_sample_names_use_the_name_keys_of_their_record_type() -> None:
    for sample in DISCOVERY_SAMPLES:
        missing = set(NAME_KEYS[sample.record_type]) - set(sample.names)
        assert set(sample.names) <= NAME_KEYS[sample.record_type], sample.label
        # Only blocks 120/127 (v4 user events) lack the IDs of realm, profile and group.
        expected_missing = set()
        if sample.record_type in (93, 94, 95) and "IPv4" in sample.label:
            expected_missing = {"realm", "endpointProfile", "securityGroup"}
        assert missing == expected_missing, sample.label


# --- every record type, with and without names ----------------------------------------------


@pytest.mark.parametrize(("sample", "with_names"), CASES)
def test_default_mapping_renders_class_id_name_severity_and_keys(
    sample: Sample, with_names: bool, default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    parsed = render(default_table, sample, sample.names if with_names else {}, parse_cef)
    name, severity = HEADERS[sample.record_type]
    assert (parsed.device_vendor, parsed.device_product, parsed.device_version) == ("Cisco", "Firepower", "7.2.5")
    assert parsed.signature_id == CLASS_IDS[sample.record_type]
    assert parsed.name == name
    assert parsed.severity == str(severity)
    ext = parsed.extension_dict()
    assert set(ext) == expected_keys(sample, with_names)
    # common values: event time with milliseconds, the host, the device
    fields = sample.fields
    assert ext["rt"] == str(fields["eventSecond"] * 1000 + fields["eventMicrosecond"] // 1000)
    assert ext.get("src", ext.get("c6a2")) == (HOST_V6 if "IPv6" in sample.label else HOST_V4)
    assert ext["deviceExternalId"] == str(fields["deviceId"])
    if with_names:
        assert ext["dvchost"] == sample.names["device"]
    if "c6a2" in ext:
        assert ext["c6a2Label"] == "Source IPv6 Address"
    for key in ext:
        assert key in PRODUCER_KEYS or key in LABEL_KEYS.values() or key.endswith("Label"), key
        assert key not in CONSUMER_KEYS
        if key.startswith(_CUSTOM_PREFIXES) and not key.endswith("Label"):
            assert ext[f"{key}Label"], key


@pytest.mark.parametrize("sample", DISCOVERY_SAMPLES, ids=lambda s: s.label)
def test_names_from_an_empty_metadata_cache_still_give_a_valid_line(
    sample: Sample, default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    record = as_record(sample)
    parsed = render(default_table, sample, names_for(record, MetadataCache()), parse_cef)
    assert parsed.signature_id == CLASS_IDS[sample.record_type]


def test_every_discovery_record_type_is_mapped_by_the_default_set(default_table: MappingTable) -> None:
    unmapped = [s.label for s in DISCOVERY_SAMPLES if default_table.map(as_record(s), {}) is None]
    assert unmapped == []


# --- representative values --------------------------------------------------------------------


def test_new_host_names_the_host_and_its_lists(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    sample = by_label("10 IPv4")
    ext = render(default_table, sample, sample.names, parse_cef).extension_dict()
    assert ext["rt"] == "1700000010250"
    assert (ext["src"], ext["smac"], ext["shost"]) == (HOST_V4, HOST_MAC, "WS-FIN-042")
    assert (ext["cs1"], ext["cs1Label"]) == ("Microsoft Windows 10", "Operating System")
    assert (ext["cs2"], ext["cs3"], ext["cs4"]) == ("RDP", "NetBIOS-ns", "Firefox")
    assert (ext["cs6"], ext["cn1"], ext["cn2"]) == ("Host", "20", "0")
    assert ext["deviceCustomDate1"] == "1699999970000"


def test_new_host_without_a_vlan_tag_has_no_vlan_id(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    ext = render(default_table, by_label("10 IPv4"), {}, parse_cef, vlanPresence=0).extension_dict()
    assert "cn1" not in ext and ext["cn2Label"] == "Hops"


def test_server_port_is_the_hosts_source_port_with_tcp_or_udp(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    tcp = render(default_table, by_label("11 IPv4"), by_label("11 IPv4").names, parse_cef).extension_dict()
    udp = render(default_table, by_label("52 IPv6"), {}, parse_cef).extension_dict()
    assert (tcp["spt"], tcp["proto"], tcp["app"], tcp["cs1"]) == ("443", "TCP", "HTTPS", "Apache 2.4.58")
    assert (tcp["cn1"], tcp["cn2"]) == ("90", "37")
    assert (udp["spt"], udp["proto"], udp["cs1"]) == ("443", "UDP", "nginx 1.25.3")


def test_header_address_falls_back_to_the_legacy_ipv4_address(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    sample = by_label("19 IPv4")
    fields = dict(sample.fields)
    del fields["ipv6Address"]
    fields.update(hasIpv6=0, legacyIpAddress="192.0.2.7")
    legacy = Sample(sample.label, 19, fields, sample.names)
    ext = render(default_table, legacy, {}, parse_cef).extension_dict()
    assert ext["src"] == "192.0.2.7" and "c6a2" not in ext


def test_unknown_host_address_and_mac_are_omitted(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    zero = render(default_table, by_label("20 IPv4"), {}, parse_cef, ipv6Address="0.0.0.0",
                  macAddress="00:00:00:00:00:00").extension_dict()
    unspecified = render(default_table, by_label("20 IPv6"), {}, parse_cef, ipv6Address="::").extension_dict()
    for ext in (zero, unspecified):
        assert not {"src", "c6a2", "c6a2Label"} & set(ext)
    assert "smac" not in zero and unspecified["smac"] == HOST_MAC


def test_class_id_follows_the_headers_event_type_and_subtype(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    parsed = render(default_table, by_label("85 IPv4"), {}, parse_cef, eventSubtype=31)
    assert (parsed.signature_id, parsed.name) == ("RNA:1002:31", "USER ADD HOST")


def test_mac_events_report_the_blocks_mac_address(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    ext = render(default_table, by_label("28 IPv4"), {}, parse_cef).extension_dict()
    assert (ext["smac"], ext["cn1"], ext["cn2"], ext["cn2Label"]) == ("00:50:56:8a:3c:12", "64", "0", "Primary MAC")


def test_host_ip_address_changed_keeps_the_header_host_and_names_the_new_address(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    v4 = render(default_table, by_label("29 IPv4"), {}, parse_cef).extension_dict()
    v6 = render(default_table, by_label("29 IPv6"), {}, parse_cef).extension_dict()
    assert (v4["src"], v4["cs1"], v4["cs1Label"]) == (HOST_V4, "10.1.20.32", "New IP Address")
    assert (v6["c6a2"], v6["cs1"]) == (HOST_V6, "2001:db8:10:20::32")


@pytest.mark.parametrize(("code", "text"), [(0, "Host"), (1, "Router"), (2, "Bridge"), (7, "7")])
def test_host_type_is_named(code: int, text: str, default_table: MappingTable,
                            parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, by_label("31 IPv4"), {}, parse_cef, hostType=code).extension_dict()
    assert ext["cs1"] == text


def test_banner_text_keeps_its_line_end_escaped(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    sample = by_label("45 IPv4")
    line = encode(default_table.map(as_record(sample), {}))
    assert r"msg=SSH-2.0-OpenSSH_9.3\r\n " in line
    assert parse_cef(line).extension_dict()["msg"] == "SSH-2.0-OpenSSH_9.3\r\n"


def test_operating_system_input_has_no_port_or_protocol(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    sample = by_label("74 IPv4")
    assert sample.names["protocol"] == "HOPOPT"  # what the names layer gives for protocol 0
    ext = render(default_table, sample, sample.names, parse_cef).extension_dict()
    assert not {"spt", "proto"} & set(ext)
    assert (ext["cs2"], ext["cs5"], ext["cs6"]) == ("Microsoft Windows 10", "User", "Host Input API")


def test_user_input_ranges_and_lists(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    ranges = "10.1.20.31, 10.1.30.0-10.1.30.255"
    hosts = render(default_table, by_label("85 IPv4"), {}, parse_cef).extension_dict()
    servers = render(default_table, by_label("79 IPv4"), {}, parse_cef).extension_dict()
    vulns = render(default_table, by_label("81 IPv6"), by_label("81 IPv6").names, parse_cef).extension_dict()
    assert (hosts["cs1"], hosts["cs1Label"], hosts["cs2"], hosts["cs5"]) == (
        ranges, "IP Address Ranges", HOST_MAC, "1")
    assert (servers["cs1"], servers["cs2"], servers["cs2Label"]) == (
        ranges, "6/8080, 17/161", "Servers (IP protocol/port)")
    assert (vulns["cs1"], vulns["cs2"], vulns["cs3"], vulns["app"]) == (
        HOST_V6, "Mozilla Firefox < 120.0 Multiple Vulnerabilities", "89412", "HTTP")


def test_scan_result_reports_the_scanned_host_and_its_cves(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    sample = by_label("89 IPv4")
    ext = render(default_table, sample, sample.names, parse_cef, ipAddress="192.0.2.44").extension_dict()
    assert (ext["src"], ext["spt"], ext["proto"], ext["suser"]) == ("192.0.2.44", "443", "TCP", "admin")
    assert (ext["cs1"], ext["cs2"], ext["cs3"], ext["cn1"]) == ("Nmap", "OpenSSL Heartbleed", "CVE-2014-0160", "1")


def test_user_login_v4_block(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    sample = by_label("95 IPv4 host (block 127)")
    named = render(default_table, sample, sample.names, parse_cef).extension_dict()
    bare = render(default_table, sample, {}, parse_cef).extension_dict()
    assert (named["src"], named["suser"], named["suid"], named["app"]) == (HOST_V4, "jdoe", "5", "LDAP")
    assert (named["start"], named["sourceServiceName"], named["cs1"]) == ("1699999995000", "ise-01", "jdoe@example.com")
    assert bare["app"] == "710"  # block 127 reports the application ID


def test_user_identity_v7_block_without_names_keeps_the_ids(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    ext = render(default_table, by_label("94 IPv6"), {}, parse_cef).extension_dict()
    assert (ext["c6a2"], ext["sntdom"], ext["msg"]) == (HOST_V6, "EXAMPLE", "Identity from ISE")
    assert (ext["cs2"], ext["cs3"], ext["cs4"]) == ("2", "9", "17")


def test_user_without_a_user_name_falls_back_to_the_metadata_name_then_the_id(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    sample = by_label("92 IPv4")
    named = render(default_table, sample, {"user": "john.doe"}, parse_cef, username="").extension_dict()
    bare = render(default_table, sample, {}, parse_cef, username="").extension_dict()
    assert (named["suser"], bare["suser"], bare["suid"]) == ("john.doe", "5", "5")


def test_vpn_login_prefers_the_ipv4_address(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, by_label("170 IPv4"), {}, parse_cef,
                 ipv6Address="2001:db8:99::1").extension_dict()
    assert (ext["src"], ext["c6a2"]) == (HOST_V4, "2001:db8:99::1")


def test_ioc_set_names_category_and_event_type(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    sample = by_label("160 IPv6")
    parsed = render(default_table, sample, sample.names, parse_cef)
    ext = parsed.extension_dict()
    assert (parsed.signature_id, parsed.severity) == ("RNA:1008:1", "8")
    assert (ext["cat"], ext["cs1"], ext["cn1"]) == ("Malware Executed", "Threat Detected by AMP for Endpoints", "7")
    assert (ext["start"], ext["end"]) == ("1699996400000", "1699999940000")


@pytest.mark.parametrize(("vendor", "product", "version", "text"), [
    ("OpenBSD", "OpenSSH", "9.3p1", "OpenBSD OpenSSH 9.3p1"),
    ("OpenBSD", "", "9.3p1", "OpenBSD 9.3p1"),
    ("", "OpenSSH", "", "OpenSSH"),
])
def test_user_product_joins_the_parts_it_has(vendor: str, product: str, version: str, text: str,
                                             default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    ext = render(default_table, by_label("86 IPv4"), {}, parse_cef, vendor=vendor, product=product,
                 version=version).extension_dict()
    assert ext["cs2"] == text


def test_every_discovery_mapping_writes_lines_on_the_generated_fast_path(default_table: MappingTable) -> None:
    for sample in DISCOVERY_SAMPLES:
        source = default_table.line_source(sample.record_type)
        assert source is not None and source.startswith("def render_line(f, n, rt, ts):"), sample.label
        record = as_record(sample)
        assert default_table.render_line(record, sample.names) == encode(default_table.map(record, sample.names))


# --- the two list filters these mappings use ------------------------------------------------


def test_each_takes_one_attribute_per_item_and_splices_nested_lists() -> None:
    servers = [{"port": 22, "protocol": 6}, {"port": 0, "protocol": 17}, "not a block", {"protocol": 1}]
    assert each(servers, "port") == [22, 0]
    assert each([{"ipRanges": [{"start": "a"}]}, {"ipRanges": [{"start": "b"}, {"start": "c"}]}],
                "ipRanges") == [{"start": "a"}, {"start": "b"}, {"start": "c"}]
    assert each([{"v": ""}, {"v": None}, {"v": "x"}], "v") == ["x"]
    assert each(None, "v") == []


def test_each_joins_several_attributes_of_an_item() -> None:
    info = [{"vendor": "Apache", "version": "2.4"}, {"vendor": "", "version": "1.0"}, {"vendor": "", "version": ""}]
    assert each(info, "vendor", "version") == ["Apache 2.4", "1.0"]
    assert each([{"protocol": 6, "port": 8080}], "protocol", "port", sep="/") == ["6/8080"]


def test_each_refuses_what_is_not_a_list_of_blocks() -> None:
    with pytest.raises(TypeError, match="list of blocks"):
        each("text", "v")
    with pytest.raises(TypeError, match="attribute"):
        each([], )


def test_ip_ranges_writes_single_addresses_and_ranges() -> None:
    ranges = [{"start": "10.0.0.1", "finish": "10.0.0.1"}, {"start": "10.0.1.0", "finish": "10.0.1.255"},
              {"start": "2001:db8::1", "finish": "2001:db8::ff"}, {"start": "", "finish": ""}]
    assert ip_ranges(ranges) == "10.0.0.1, 10.0.1.0-10.0.1.255, 2001:db8::1-2001:db8::ff"
    assert ip_ranges([]) is None
    assert ip_ranges(None) is None
    with pytest.raises(TypeError, match="range blocks"):
        ip_ranges("10.0.0.1")


def test_attribute_value_text_loses_its_nul_terminator(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    sample = by_label("83 IPv4")
    assert sample.fields["value"] == b"Finance building 7\x00"
    ext = render(default_table, sample, sample.names, parse_cef).extension_dict()
    assert (ext["cs2"], ext["cs3"], ext["cs3Label"]) == ("Location", "Finance building 7", "Attribute Value")
