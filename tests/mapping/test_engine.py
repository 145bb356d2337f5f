"""Behaviour of MappingTable.map with the packaged mappings: fallbacks, hostile values, types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.cef import encode
from cef_connector.errors import MappingError
from cef_connector.estreamer import Record
from cef_connector.mapping import MappingTable

from .helpers import names, record


def ext(table: MappingTable, rec: Record, resolved: dict[str, str], parse_cef: Callable[[str], Any]) -> dict[str, str]:
    event = table.map(rec, resolved)
    assert event is not None
    return parse_cef(encode(event)).extension_dict()  # type: ignore[no-any-return]


def parsed(table: MappingTable, rec: Record, resolved: dict[str, str], parse_cef: Callable[[str], Any]) -> Any:
    event = table.map(rec, resolved)
    assert event is not None
    return parse_cef(encode(event))


# --- unmapped and missing metadata ----------------------------------------------------

def test_unmapped_record_type_returns_none(default_table: MappingTable) -> None:
    # 123 (managed device metadata): a metadata record, which no mapping may map.
    rec = Record(record_type=123, archive_timestamp=None, fields={}, offset=0, is_metadata=True)
    assert default_table.map(rec, {}) is None


@pytest.mark.parametrize("table_name", ["default_table", "compat_table"])
def test_intrusion_without_metadata_uses_raw_gid_sid_never_none(
    table_name: str, request: pytest.FixtureRequest, parse_cef: Callable[[str], Any]
) -> None:
    table = request.getfixturevalue(table_name)
    result = parsed(table, record("400 IPv4", ruleId=31337, generatorId=3), {}, parse_cef)
    assert result.signature_id == "INTRUSION:400:3:31337"
    assert result.name == "Intrusion Event 3:31337"
    line = encode(table.map(record("400 IPv4", ruleId=31337, generatorId=3), {}))
    assert "None" not in line and "null" not in line


def test_intrusion_signature_id_uses_rendered_sid_from_metadata(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    result = parsed(default_table, record("400 IPv4"), names("400 IPv4", renderedSignatureId="1:2001"), parse_cef)
    assert result.signature_id == "INTRUSION:400:1:2001"


def test_missing_device_name_omits_dvchost_and_keeps_device_external_id(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    values = ext(default_table, record("71 IPv4"), names("71 IPv4", drop=("device",)), parse_cef)
    assert "dvchost" not in values and values["deviceExternalId"] == "1"


def test_encore_compat_uses_device_number_when_name_missing(
    compat_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    values = ext(compat_table, record("71 IPv4", deviceId=7), {}, parse_cef)
    assert values["dvchost"] == "7" and values["deviceExternalId"] == "7"


def test_none_ids_are_omitted_not_printed(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    rec = record("71 IPv4", userId=0, applicationProtocolId=0, ingressZone="00000000-0000-0000-0000-000000000000")
    values = ext(default_table, rec, {}, parse_cef)
    assert "suser" not in values and "app" not in values
    assert "cs3" not in values and "cs3Label" not in values


# --- semantics of the default set ------------------------------------------------------

def test_in_is_initiator_bytes_and_out_is_responder_bytes(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    rec = record("71 IPv4", initiatorTransmittedBytes=111, responderTransmittedBytes=0)
    values = ext(default_table, rec, names("71 IPv4"), parse_cef)
    assert values["in"] == "111" and values["out"] == "0"


def test_encore_compat_keeps_encore_byte_keys_and_emits_zero(
    compat_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    rec = record("71 IPv4", initiatorTransmittedBytes=820, responderTransmittedBytes=0)
    values = ext(compat_table, rec, names("71 IPv4"), parse_cef)
    assert values["bytesOut"] == "820" and values["bytesIn"] == "0"


def test_proto_is_a_name_without_metadata(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    assert ext(default_table, record("71 IPv4", protocol=17), {}, parse_cef)["proto"] == "UDP"
    assert ext(default_table, record("400 IPv4", ipProtocolId=58), {}, parse_cef)["proto"] == "IPv6-ICMP"


def test_times_are_milliseconds_with_microseconds(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    values = ext(default_table, record("400 IPv4", eventSecond=1700000000, eventMicrosecond=999999), {}, parse_cef)
    assert values["rt"] == "1700000000999"


def test_encore_compat_times_are_whole_seconds(compat_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    values = ext(compat_table, record("400 IPv4", eventSecond=1700000000, eventMicrosecond=999999), {}, parse_cef)
    assert values["rt"] == "1700000000000"


def test_zero_connection_timestamp_omits_start(default_table: MappingTable, compat_table: MappingTable,
                                               parse_cef: Callable[[str], Any]) -> None:
    for table in (default_table, compat_table):
        assert "start" not in ext(table, record("400 IPv4", connectionTimestamp=0), {}, parse_cef)


@pytest.mark.parametrize("label", ["71 IPv6", "400 IPv6"])
def test_ipv6_record_uses_c6a2_c6a3_with_labels_and_no_src_dst(
    label: str, default_table: MappingTable, compat_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    for table in (default_table, compat_table):
        values = ext(table, record(label), {}, parse_cef)
        assert "src" not in values and "dst" not in values
        assert values["c6a2Label"] == "Source IPv6 Address"
        assert values["c6a3Label"] == "Destination IPv6 Address"
        assert values["c6a2"].startswith("2001:db8:") and values["c6a3"].startswith("2001:db8:")


def test_ipv4_mapped_and_all_zero_addresses(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    values = ext(default_table, record("71 IPv4", initiatorIpAddress="::ffff:10.1.2.3", responderIpAddress="::"),
                 {}, parse_cef)
    assert values["src"] == "10.1.2.3"
    assert not {"dst", "c6a2", "c6a3", "c6a3Label"} & set(values)


def test_icmp_type_and_code_leave_the_port_keys(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    rec = record("400 IPv4", ipProtocolId=1, sourcePortOrIcmpType=8, destinationPortOrIcmpCode=0)
    values = ext(default_table, rec, {}, parse_cef)
    assert "spt" not in values and "dpt" not in values
    assert (values["cn3"], values["cn3Label"], values["cfp1"], values["cfp1Label"]) == ("8", "ICMP Type", "0", "ICMP Code")


def test_encore_compat_keeps_icmp_type_and_code_in_ports(
    compat_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    rec = record("400 IPv4", ipProtocolId=1, sourcePortOrIcmpType=8, destinationPortOrIcmpCode=0)
    values = ext(compat_table, rec, {}, parse_cef)
    assert values["spt"] == "8" and values["dpt"] == "0"


@pytest.mark.parametrize(
    ("priority", "impact", "severity"),
    [(1, 1, "10"), (1, 2, "9"), (1, 3, "7"), (2, 4, "5"), (2, 5, "6"), (3, 3, "0"), (4, 1, "5"), (1, 0, "5")],
)
def test_intrusion_severity_follows_priority_impact_matrix(
    priority: int, impact: int, severity: str, default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    result = parsed(default_table, record("400 IPv4", priorityId=priority, impact=impact), {}, parse_cef)
    assert result.severity == severity


@pytest.mark.parametrize(("action", "severity"), [(0, "3"), (3, "3"), (4, "7"), (6, "7")])
def test_connection_severity_is_3_below_action_4_else_7(
    action: int, severity: str, compat_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    assert parsed(compat_table, record("71 IPv4", ruleAction=action), {}, parse_cef).severity == severity


@pytest.mark.parametrize(("blocked", "act"), [(0, "Alerted"), (1, "Blocked"), (2, "Would Be Blocked"), (7, "7")])
def test_intrusion_action_names_every_blocked_code(
    blocked: int, act: str, default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    assert ext(default_table, record("400 IPv4", blocked=blocked), {}, parse_cef)["act"] == act


def test_user_agent_goes_to_request_client_application_and_client_app_to_cs6(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    values = ext(default_table, record("71 IPv4", userAgent="curl/8.0"), names("71 IPv4"), parse_cef)
    assert values["requestClientApplication"] == "curl/8.0"
    assert (values["cs6"], values["cs6Label"]) == ("Firefox", "Client Application")


def test_dns_query_goes_to_destination_dns_domain(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    values = ext(default_table, record("71 IPv4", dnsQuery="www.example.org"), {}, parse_cef)
    assert values["destinationDnsDomain"] == "www.example.org"


def test_security_intelligence_category_with_label(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    rec = record("71 IPv4", securityIntelligenceList1=12)
    values = ext(default_table, rec, names("71 IPv4", securityIntelligenceList1="Malware"), parse_cef)
    assert (values["cs5"], values["cs5Label"]) == ("Malware", "Security Intelligence Category")


def test_packet_payload_is_hex_of_the_transport_payload(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    from cef_connector.mapping.samples import sample_packet_frame

    frame = sample_packet_frame(b"\x00\xffA=\n")
    values = ext(default_table, record("2 ", packetData=frame, packetLength=len(frame)), {}, parse_cef)
    assert values["cs1"] == "00ff413d0a"


def test_packet_payload_hex_is_capped_at_2000_bytes(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    from cef_connector.mapping.samples import sample_packet_frame

    frame = sample_packet_frame(bytes(range(256)) * 10)
    values = ext(default_table, record("2 ", packetData=frame, packetLength=len(frame)), {}, parse_cef)
    assert values["cs1"] == (bytes(range(256)) * 10)[:2000].hex()


def test_encore_compat_packet_payload_is_ascii_text(compat_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    from cef_connector.mapping.samples import sample_packet_frame

    frame = sample_packet_frame("GET /ä?a=b\r\n\x01".encode())
    values = ext(compat_table, record("2 ", packetData=frame, packetLength=len(frame)), {}, parse_cef)
    assert values["cs1"] == "GET /?a=b\r\n"  # non-ASCII dropped, control → space then trimmed


def test_empty_packet_payload_omits_cs1_and_its_label(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    from cef_connector.mapping.samples import sample_packet_frame

    frame = sample_packet_frame(b"")
    values = ext(default_table, record("2 ", packetData=frame, packetLength=len(frame)), {}, parse_cef)
    assert "cs1" not in values and "cs1Label" not in values


# --- hostile values ------------------------------------------------------------------------

def test_hostile_values_parse_back_exactly(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    url = "http://ex.com/p?x=1 a=b"
    agent = "Mozilla/5.0\nX-Evil: 1\r\n"
    rec = record("71 IPv4", clientUrl=url, userAgent=agent, httpReferrer="C:\\new\\x=\\")
    values = ext(default_table, rec, names("71 IPv4", accessControlRule="rule | with pipe"), parse_cef)
    assert values["request"] == url
    assert values["requestClientApplication"] == agent
    assert values["requestContext"] == "C:\\new\\x=\\"
    assert values["cs2"] == "rule | with pipe"


def test_pipe_and_newline_in_rule_message_stay_inside_the_name(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    message = "SERVER-WEBAPP cmd.exe | pipe\\ x=y\nnext"
    result = parsed(default_table, record("400 IPv4"), names("400 IPv4", ruleMessage=message), parse_cef)
    assert result.name == "SERVER-WEBAPP cmd.exe | pipe\\ x=y next"
    assert result.extension_dict()["act"] == "Blocked"


def test_separator_character_in_a_value_cannot_shift_other_values(
    default_table: MappingTable, parse_cef: Callable[[str], Any]
) -> None:
    values = ext(default_table, record("71 IPv4", clientUrl="a\x1fb", userAgent="ua"), {}, parse_cef)
    assert values["request"] == "a b" and values["requestClientApplication"] == "ua"


# --- failures --------------------------------------------------------------------------

def test_record_missing_a_used_field_raises_mapping_error_naming_file_key_and_offset(
    default_table: MappingTable,
) -> None:
    rec = record("71 IPv4", drop=("userAgent",))
    with pytest.raises(MappingError) as info:
        default_table.map(rec, {})
    message = str(info.value)
    assert "mappings/default/connection_statistics.yaml" in message
    assert "requestClientApplication" in message
    assert "record type 71" in message and "stream offset 4096" in message
    assert "'userAgent' is undefined" in message


def test_misspelt_runtime_field_gets_a_suggestion(default_table: MappingTable) -> None:
    rec = record("71 IPv4", drop=("userAgent",), userAgnt="x")
    with pytest.raises(MappingError, match="did you mean 'userAgnt'"):
        default_table.map(rec, {})


def test_block_160_record_without_163_only_fields_maps(default_table: MappingTable, parse_cef: Callable[[str], Any]) -> None:
    only_163 = ("originalClientIpAddress", "tunnelRuleId", "initiatorPacketsDropped", "responderPacketsDropped",
                "initiatorBytesDropped", "responderBytesDropped", "qosAppliedInterface", "qosRuleId",
                "originalClientCountry")
    rec = record("71 IPv4", drop=only_163, blockType=160)
    assert ext(default_table, rec, {}, parse_cef)["in"] == "820"


# --- properties ------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("ab =|\\\n\r\t\x00\x1fé😀")), max_size=12)


@settings(max_examples=60, deadline=None)
@given(url=_TEXT, agent=_TEXT, rule=_TEXT, message=_TEXT, port=st.integers(0, 65535),
       count=st.integers(0, 2**64 - 1))
def test_generated_renderer_matches_jinja_on_random_values(
    default_table: MappingTable, url: str, agent: str, rule: str, message: str, port: int, count: int
) -> None:
    rec = record("71 IPv4", clientUrl=url, userAgent=agent, initiatorPort=port, initiatorTransmittedBytes=count)
    resolved = names("71 IPv4", accessControlRule=rule, ruleAction=message)
    assert default_table.map(rec, resolved) == default_table.map_reference(rec, resolved)


@settings(max_examples=60, deadline=None)
@given(url=_TEXT, agent=_TEXT, message=_TEXT)
def test_random_text_values_round_trip_through_the_strict_parser(
    compat_table: MappingTable, url: str, agent: str, message: str
) -> None:
    from .helpers import strict_parser

    rec = record("71 IPv4", clientUrl=url)
    resolved = names("71 IPv4", clientApplication=agent, user=message)
    event = compat_table.map(rec, resolved)
    assert event is not None
    values = strict_parser().parse_cef(encode(event)).extension_dict()

    def normal(text: str) -> str:
        return "".join(" " if (ord(c) < 32 and c not in "\r\n") else c for c in text).strip(" ")

    assert values.get("request", "") == normal(url)
    assert values.get("requestClientApplication", "") == normal(agent)
    assert values.get("suser", "") == normal(message)
