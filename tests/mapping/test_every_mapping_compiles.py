"""Every packaged mapping compiles and renders the sample records to exact CEF lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cef_connector.cef import encode
from cef_connector.estreamer import decode_record, encode_record_data
from cef_connector.mapping import MappingTable, available_mapping_sets, load_mappings
from cef_connector.mapping.samples import SAMPLES

from .helpers import DEVICE_VERSION, record

HDR71 = "CEF:0|Cisco|Firepower|7.2.5|RNA:1003:1|CONNECTION STATISTICS|3|"
HDR400 = "CEF:0|Cisco|Firepower|7.2.5|INTRUSION:400:1:2000|SERVER-WEBAPP cmd.exe access|9|"
HDR400_NO_NAMES = "CEF:0|Cisco|Firepower|7.2.5|INTRUSION:400:1:2000|Intrusion Event 1:2000|9|"
HDR2 = "CEF:0|Cisco|Firepower|7.2.5|PKT:2:1|Packet Data|7|"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:76.0) Gecko/20100101 Firefox/76.0"
URL = r"http://www.example.com/search?q\=cef&lang\=en"
PAYLOAD_HEX = (
    "474554202f736372697074732f636d642e6578653f2f632b64697220485454502f312e310d0a"
    "486f73743a207777772e6578616d706c652e636f6d0d0a557365722d4167656e743a206375726c"
    "2f372e36382e300d0a0d0a"
)
IF_IN, IF_OUT = "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c11", "7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c12"
ZONE_IN, ZONE_OUT = "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01", "6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c02"


def line(header: str, *pairs: str) -> str:
    return header + " ".join(pairs)


DEFAULT_71_TAIL = (
    "cn1=0", "cn1Label=VLAN ID", "cn2=6", "cn2Label=Initiator Packets", "cn3=5", "cn3Label=Responder Packets",
)

EXPECTED: dict[tuple[str, str, str], str] = {
    ("default", "71 IPv4", "names"): line(
        HDR71,
        "rt=1590497212345", "start=1590497210000", "end=1590497212000", "src=10.0.0.5", "spt=51234",
        "dst=93.184.216.34", "dpt=80", "proto=TCP", "in=820", "out=5120", "act=Allow", "reason=N/A", "cat=Search Engines",
        "app=HTTP", "destinationServiceName=Example Search", "suser=jdoe", f"request={URL}",
        f"requestClientApplication={UA}", "requestContext=http://www.example.com/", "dhost=www.example.com",
        "deviceInboundInterface=inside", "deviceOutboundInterface=outside", "dvchost=ftd-edge-01",
        "deviceExternalId=1", "dvcpid=2", "externalId=50850",
        "cs1=Corporate Policy", "cs1Label=Access Control Policy", "cs2=Allow Web", "cs2Label=Access Control Rule",
        "cs3=INSIDE", "cs3Label=Ingress Security Zone", "cs4=OUTSIDE", "cs4Label=Egress Security Zone",
        "cs6=Firefox", "cs6Label=Client Application", *DEFAULT_71_TAIL,
    ),
    ("default", "71 IPv4", "none"): line(
        HDR71,
        "rt=1590497212345", "start=1590497210000", "end=1590497212000", "src=10.0.0.5", "spt=51234",
        "dst=93.184.216.34", "dpt=80", "proto=TCP", "in=820", "out=5120", "act=1", "reason=0", "cat=28",
        "app=676", "destinationServiceName=2410", "suser=5", f"request={URL}",
        f"requestClientApplication={UA}", "requestContext=http://www.example.com/", "dhost=www.example.com",
        f"deviceInboundInterface={IF_IN}", f"deviceOutboundInterface={IF_OUT}",
        "deviceExternalId=1", "dvcpid=2", "externalId=50850",
        "cs1=8b5e4c30-9f31-11ea-8a3f-0d9c0a1b2c21", "cs1Label=Access Control Policy",
        "cs2=268435458", "cs2Label=Access Control Rule", f"cs3={ZONE_IN}", "cs3Label=Ingress Security Zone",
        f"cs4={ZONE_OUT}", "cs4Label=Egress Security Zone", "cs6=1296", "cs6Label=Client Application",
        *DEFAULT_71_TAIL,
    ),
    ("default", "71 IPv6", "names"): line(
        HDR71,
        "rt=1590497212345", "start=1590497210000", "end=1590497212000",
        "c6a2=2001:db8:10::5", "c6a2Label=Source IPv6 Address", "spt=51234",
        "c6a3=2001:db8:20::80", "c6a3Label=Destination IPv6 Address", "dpt=80", "proto=TCP", "in=820",
        "out=5120", "act=Allow", "reason=N/A", "cat=Search Engines", "app=HTTP", "destinationServiceName=Example Search",
        "suser=jdoe", f"request={URL}", f"requestClientApplication={UA}",
        "requestContext=http://www.example.com/", "dhost=www.example.com",
        "deviceInboundInterface=inside", "deviceOutboundInterface=outside", "dvchost=ftd-edge-01",
        "deviceExternalId=1", "dvcpid=2", "externalId=50850",
        "cs1=Corporate Policy", "cs1Label=Access Control Policy", "cs2=Allow Web", "cs2Label=Access Control Rule",
        "cs3=INSIDE", "cs3Label=Ingress Security Zone", "cs4=OUTSIDE", "cs4Label=Egress Security Zone",
        "cs6=Firefox", "cs6Label=Client Application", *DEFAULT_71_TAIL,
    ),
    ("default", "400 IPv4", "names"): line(
        HDR400,
        "rt=1590497300654", "start=1590497299000", "src=192.0.2.10", "spt=49152", "dst=198.51.100.20",
        "dpt=80", "proto=TCP", "act=Blocked", "cat=Web Application Attack", "app=HTTP",
        "deviceInboundInterface=inside", "deviceOutboundInterface=outside", "dvchost=ftd-edge-01",
        "deviceExternalId=1", "externalId=195430", "dvcpid=1",
        "cs1=Corporate Policy", "cs1Label=Access Control Policy", "cs2=Inspect Web",
        "cs2Label=Access Control Rule", "cs3=INSIDE", "cs3Label=Ingress Security Zone", "cs4=OUTSIDE",
        "cs4Label=Egress Security Zone", "cs5=Balanced Security and Connectivity", "cs5Label=Intrusion Policy",
        "cs6=cURL", "cs6Label=Client Application", "cn1=0", "cn1Label=VLAN ID", "cn2=2", "cn2Label=Impact",
    ),
    ("default", "400 IPv4", "none"): line(
        HDR400_NO_NAMES,
        "rt=1590497300654", "start=1590497299000", "src=192.0.2.10", "spt=49152", "dst=198.51.100.20",
        "dpt=80", "proto=TCP", "act=Blocked", "cat=22", "app=676",
        f"deviceInboundInterface={IF_IN}", f"deviceOutboundInterface={IF_OUT}",
        "deviceExternalId=1", "externalId=195430", "dvcpid=1",
        "cs1=be907f60-9f31-11ea-8a3f-0d9c0a1b2c51", "cs1Label=Access Control Policy", "cs2=268435460",
        "cs2Label=Access Control Rule", f"cs3={ZONE_IN}", "cs3Label=Ingress Security Zone", f"cs4={ZONE_OUT}",
        "cs4Label=Egress Security Zone", "cs5=ad8f6e50-9f31-11ea-8a3f-0d9c0a1b2c41", "cs5Label=Intrusion Policy",
        "cs6=638", "cs6Label=Client Application", "cn1=0", "cn1Label=VLAN ID", "cn2=2", "cn2Label=Impact",
    ),
    ("default", "400 IPv6", "names"): line(
        HDR400,
        "rt=1590497300654", "start=1590497299000", "c6a2=2001:db8:30::10", "c6a2Label=Source IPv6 Address",
        "spt=49152", "c6a3=2001:db8:40::20", "c6a3Label=Destination IPv6 Address",
        "dpt=80", "proto=TCP", "act=Blocked", "cat=Web Application Attack", "app=HTTP",
        "deviceInboundInterface=inside", "deviceOutboundInterface=outside", "dvchost=ftd-edge-01",
        "deviceExternalId=1", "externalId=195430", "dvcpid=1",
        "cs1=Corporate Policy", "cs1Label=Access Control Policy", "cs2=Inspect Web",
        "cs2Label=Access Control Rule", "cs3=INSIDE", "cs3Label=Ingress Security Zone", "cs4=OUTSIDE",
        "cs4Label=Egress Security Zone", "cs5=Balanced Security and Connectivity", "cs5Label=Intrusion Policy",
        "cs6=cURL", "cs6Label=Client Application", "cn1=0", "cn1Label=VLAN ID", "cn2=2", "cn2Label=Impact",
    ),
    ("default", "2 ", "names"): line(
        HDR2,
        "rt=1590497300000", "start=1590497300654", "dvchost=ftd-edge-01", "deviceExternalId=1",
        "externalId=195430", f"cs1={PAYLOAD_HEX}", "cs1Label=Packet Payload (hex)", "cn1=142",
        "cn1Label=Packet Length",
    ),
    ("default", "2 ", "none"): line(
        HDR2,
        "rt=1590497300000", "start=1590497300654", "deviceExternalId=1",
        "externalId=195430", f"cs1={PAYLOAD_HEX}", "cs1Label=Packet Payload (hex)", "cn1=142",
        "cn1Label=Packet Length",
    ),
    ("encore-compat", "71 IPv4", "names"): line(
        HDR71,
        "act=Allow", "app=HTTP", "bytesIn=5120", "bytesOut=820", "cs1=Corporate Policy", "cs1Label=fwPolicy",
        "cs2=Allow Web", "cs2Label=fwRule", "cs3=INSIDE", "cs3Label=ingressZone", "cs4=OUTSIDE",
        "cs4Label=egressZone", "deviceExternalId=1", "deviceInboundInterface=inside",
        "deviceOutboundInterface=outside", "dpt=80", "dst=93.184.216.34", "dvchost=ftd-edge-01", "dvcpid=2",
        "end=1590497212000", "externalId=50850", "proto=6", "reason=N/A", f"request={URL}",
        "requestClientApplication=Firefox", "rt=1590497210000", "spt=51234", "src=10.0.0.5",
        "start=1590497210000", "suser=jdoe",
    ),
    ("encore-compat", "71 IPv4", "none"): line(
        HDR71,
        "act=1", "app=676", "bytesIn=5120", "bytesOut=820", "cs1=8b5e4c30-9f31-11ea-8a3f-0d9c0a1b2c21",
        "cs1Label=fwPolicy", "cs2=268435458", "cs2Label=fwRule", f"cs3={ZONE_IN}", "cs3Label=ingressZone",
        f"cs4={ZONE_OUT}", "cs4Label=egressZone", "deviceExternalId=1", f"deviceInboundInterface={IF_IN}",
        f"deviceOutboundInterface={IF_OUT}", "dpt=80", "dst=93.184.216.34", "dvchost=1", "dvcpid=2",
        "end=1590497212000", "externalId=50850", "proto=6", "reason=0", f"request={URL}",
        "requestClientApplication=1296", "rt=1590497210000", "spt=51234", "src=10.0.0.5",
        "start=1590497210000", "suser=5",
    ),
    ("encore-compat", "71 IPv6", "names"): line(
        HDR71,
        "act=Allow", "app=HTTP", "bytesIn=5120", "bytesOut=820", "c6a2=2001:db8:10::5",
        "c6a2Label=Source IPv6 Address", "c6a3=2001:db8:20::80", "c6a3Label=Destination IPv6 Address",
        "cs1=Corporate Policy", "cs1Label=fwPolicy", "cs2=Allow Web", "cs2Label=fwRule", "cs3=INSIDE",
        "cs3Label=ingressZone", "cs4=OUTSIDE", "cs4Label=egressZone", "deviceExternalId=1",
        "deviceInboundInterface=inside", "deviceOutboundInterface=outside", "dpt=80", "dvchost=ftd-edge-01",
        "dvcpid=2", "end=1590497212000", "externalId=50850", "proto=6", "reason=N/A", f"request={URL}",
        "requestClientApplication=Firefox", "rt=1590497210000", "spt=51234", "start=1590497210000",
        "suser=jdoe",
    ),
    ("encore-compat", "400 IPv4", "names"): line(
        HDR400,
        "act=Blocked", "app=HTTP", "cat=Web Application Attack", "cn1=0", "cn1Label=vlan", "cn2=2",
        "cn2Label=impact", "cs1=Corporate Policy", "cs1Label=fwPolicy", "cs2=Inspect Web", "cs2Label=fwRule",
        "cs3=INSIDE", "cs3Label=ingressZone", "cs4=OUTSIDE", "cs4Label=egressZone",
        "cs5=Balanced Security and Connectivity", "cs5Label=ipsPolicy", "cs6=1:2000", "cs6Label=ruleId",
        "deviceExternalId=1", "deviceInboundInterface=inside", "deviceOutboundInterface=outside", "dpt=80",
        "dst=198.51.100.20", "dvchost=ftd-edge-01", "dvcpid=1", "externalId=195430", "proto=TCP",
        "requestClientApplication=cURL", "rt=1590497300000", "spt=49152", "src=192.0.2.10",
        "start=1590497299000",
    ),
    ("encore-compat", "400 IPv4", "none"): line(
        HDR400_NO_NAMES,
        "act=Blocked", "app=676", "cat=22", "cn1=0", "cn1Label=vlan", "cn2=2", "cn2Label=impact",
        "cs1=be907f60-9f31-11ea-8a3f-0d9c0a1b2c51", "cs1Label=fwPolicy", "cs2=268435460", "cs2Label=fwRule",
        f"cs3={ZONE_IN}", "cs3Label=ingressZone", f"cs4={ZONE_OUT}", "cs4Label=egressZone",
        "cs5=ad8f6e50-9f31-11ea-8a3f-0d9c0a1b2c41", "cs5Label=ipsPolicy", "cs6=1:2000", "cs6Label=ruleId",
        "deviceExternalId=1", f"deviceInboundInterface={IF_IN}", f"deviceOutboundInterface={IF_OUT}", "dpt=80",
        "dst=198.51.100.20", "dvchost=1", "dvcpid=1", "externalId=195430", "proto=6",
        "requestClientApplication=638", "rt=1590497300000", "spt=49152", "src=192.0.2.10",
        "start=1590497299000",
    ),
    ("encore-compat", "400 IPv6", "names"): line(
        HDR400,
        "act=Blocked", "app=HTTP", "c6a2=2001:db8:30::10", "c6a2Label=Source IPv6 Address",
        "c6a3=2001:db8:40::20", "c6a3Label=Destination IPv6 Address", "cat=Web Application Attack", "cn1=0",
        "cn1Label=vlan", "cn2=2", "cn2Label=impact", "cs1=Corporate Policy", "cs1Label=fwPolicy",
        "cs2=Inspect Web", "cs2Label=fwRule", "cs3=INSIDE", "cs3Label=ingressZone", "cs4=OUTSIDE",
        "cs4Label=egressZone", "cs5=Balanced Security and Connectivity", "cs5Label=ipsPolicy", "cs6=1:2000",
        "cs6Label=ruleId", "deviceExternalId=1", "deviceInboundInterface=inside",
        "deviceOutboundInterface=outside", "dpt=80", "dvchost=ftd-edge-01", "dvcpid=1", "externalId=195430",
        "proto=TCP", "requestClientApplication=cURL", "rt=1590497300000", "spt=49152", "start=1590497299000",
    ),
    ("encore-compat", "2 ", "names"): line(
        HDR2,
        r"cs1=GET /scripts/cmd.exe?/c+dir HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.68.0\r\n\r\n",
        "cs1Label=payload", "deviceExternalId=1", "dvchost=ftd-edge-01", "externalId=195430",
        "rt=1590497300000", "start=1590497300000",
    ),
    ("encore-compat", "2 ", "none"): line(
        HDR2,
        r"cs1=GET /scripts/cmd.exe?/c+dir HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.68.0\r\n\r\n",
        "cs1Label=payload", "deviceExternalId=1", "dvchost=1", "externalId=195430",
        "rt=1590497300000", "start=1590497300000",
    ),
}


def _table(set_name: str, default_table: MappingTable, compat_table: MappingTable) -> MappingTable:
    return default_table if set_name == "default" else compat_table


@pytest.mark.parametrize(("set_name", "label", "names_kind"), sorted(EXPECTED), ids=lambda v: str(v).strip())
def test_sample_record_renders_to_exact_cef_line(
    set_name: str, label: str, names_kind: str, default_table: MappingTable, compat_table: MappingTable,
    parse_cef: Callable[[str], Any],
) -> None:
    table = _table(set_name, default_table, compat_table)
    rec = record(label)
    names = dict(next(s for s in SAMPLES if s.label.startswith(label)).names) if names_kind == "names" else {}
    event = table.map(rec, names)
    assert event is not None
    text = encode(event)
    assert text == EXPECTED[(set_name, label, names_kind)]
    parse_cef(text)  # strictly valid


def test_packaged_sets_are_listed() -> None:
    assert available_mapping_sets() == ["default", "encore-compat"]


@pytest.mark.parametrize("set_name", ["default", "encore-compat"])
def test_every_packaged_set_maps_records_2_71_400(set_name: str) -> None:
    table = load_mappings(set_name, DEVICE_VERSION)
    assert table.record_types >= frozenset({2, 71, 400})  # and the record types added since
    assert table.mapping_set == set_name


@pytest.mark.parametrize("set_name", ["default", "encore-compat"])
def test_every_packaged_value_runs_as_generated_python(
    set_name: str, default_table: MappingTable, compat_table: MappingTable
) -> None:
    table = _table(set_name, default_table, compat_table)
    for record_type in table.record_types:
        mapping = table.compiled(record_type)
        assert mapping.jinja_keys == (), f"{mapping.source} leaves {mapping.jinja_keys} to Jinja"


@pytest.mark.parametrize("set_name", ["default", "encore-compat"])
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
def test_generated_renderer_equals_jinja_reference(
    set_name: str, sample: Any, default_table: MappingTable, compat_table: MappingTable
) -> None:
    table = _table(set_name, default_table, compat_table)
    for names in (sample.names, {}):
        assert table.map(sample, names) == table.map_reference(sample, names)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
def test_sample_fields_are_exactly_what_the_decoder_produces(sample: Any) -> None:
    decoded = decode_record(sample.record_type, encode_record_data(sample.record_type, dict(sample.fields)))
    assert decoded.fields == dict(sample.fields)


def test_device_version_comes_from_the_argument() -> None:
    table = load_mappings("default", "7.4.1-172")
    event = table.map(record("2 "), {})
    assert event is not None and encode(event).startswith("CEF:0|Cisco|Firepower|7.4.1-172|PKT:2:1|")
