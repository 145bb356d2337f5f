"""Byte-exact JSON and Splunk lines of records 71, 400 and a metadata record.

The records are the mapping samples (every field of the protocol doc layout, as the
decoder produces them) with the names ``metadata.names_for`` gives with complete
metadata; the intrusion event's eNcore extras (signature id, classification) come from
rule message (66) and classification (67) metadata records learned by a real cache.
"""

from __future__ import annotations

from cef_connector.estreamer import Record
from cef_connector.formats import ComputedView, JsonFormatter, SplunkFormatter
from cef_connector.mapping.samples import samples_for
from cef_connector.metadata import MetadataCache


def _cache() -> MetadataCache:
    cache = MetadataCache()
    rule = {"generatorId": 1, "ruleId": 2000, "ruleRevision": 3, "signatureId": 12345,
            "messageLength": 28, "ruleUuid": "00000000-0000-0000-0000-000000000066",
            "ruleRevisionUuid": "00000000-0000-0000-0000-000000000067",
            "message": "SERVER-WEBAPP cmd.exe access"}
    classification = {"id": 22, "nameLength": 22, "name": "web-application-attack",
                      "descriptionLength": 22, "description": "Web Application Attack",
                      "uuid": "00000000-0000-0000-0000-000000000022",
                      "revisionUuid": "00000000-0000-0000-0000-000000000023"}
    for record_type, fields in ((66, rule), (67, classification)):
        assert cache.learn(Record(record_type=record_type, archive_timestamp=None,
                                  fields=fields, offset=0, is_metadata=True))
    return cache


def _lines(record_type: int, archive_timestamp: int | None) -> tuple[str, str]:
    sample = samples_for(record_type)[0]
    record = Record(record_type=record_type, archive_timestamp=archive_timestamp,
                    fields=dict(sample.fields), offset=0, is_metadata=False)
    view = ComputedView().view(record, dict(sample.names), _cache())
    return (JsonFormatter().format(record_type, archive_timestamp, record.fields, view),
            SplunkFormatter().format(record_type, record.fields, view))


def _metadata_lines() -> tuple[str, str]:
    fields = {"id": 7, "nameLength": 14, "name": 'ftd edge "01"'}
    record = Record(record_type=123, archive_timestamp=None, fields=fields, offset=0,
                    is_metadata=True)
    view = ComputedView().view(record, {}, MetadataCache())
    return (JsonFormatter().format(123, None, fields, view),
            SplunkFormatter().format(123, fields, view))


JSON_71 = (
    '{"recordType":71,"archiveTimestamp":1590497213,"deviceId":1,'
    '"legacyIpAddress":"0.0.0.0","macAddress":"00:00:00:00:00:00","hasIpv6":0,"reserved":0,'
    '"eventSecond":1590497212,"eventMicrosecond":345678,"eventType":1003,"eventSubtype":1,'
    '"fileNumber":"00000000","filePosition":"00000000","blockType":163,'
    '"ingressZone":"6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01",'
    '"egressZone":"6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c02",'
    '"ingressInterface":"7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c11",'
    '"egressInterface":"7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c12",'
    '"initiatorIpAddress":"10.0.0.5","responderIpAddress":"93.184.216.34",'
    '"originalClientIpAddress":"::",'
    '"policyRevision":"8b5e4c30-9f31-11ea-8a3f-0d9c0a1b2c21","ruleId":268435458,'
    '"tunnelRuleId":0,"ruleAction":1,"ruleReason":0,"initiatorPort":51234,'
    '"responderPort":80,"tcpFlags":0,"protocol":6,'
    '"netflowSource":"00000000-0000-0000-0000-000000000000","instanceId":2,'
    '"connectionCounter":50850,"firstPacketTimestamp":1590497210,'
    '"lastPacketTimestamp":1590497212,"initiatorTransmittedPackets":6,'
    '"responderTransmittedPackets":5,"initiatorTransmittedBytes":820,'
    '"responderTransmittedBytes":5120,"initiatorPacketsDropped":0,'
    '"responderPacketsDropped":0,"initiatorBytesDropped":0,"responderBytesDropped":0,'
    '"qosAppliedInterface":"00000000-0000-0000-0000-000000000000","qosRuleId":0,"userId":5,'
    '"applicationProtocolId":676,"urlCategory":28,"urlReputation":5,'
    '"clientApplicationId":1296,"webApplicationId":2410,'
    '"clientUrl":"http://www.example.com/search?q=cef&lang=en","netbiosName":"",'
    '"clientApplicationVersion":"76.0","monitorRule1":0,"monitorRule2":0,"monitorRule3":0,'
    '"monitorRule4":0,"monitorRule5":0,"monitorRule6":0,"monitorRule7":0,"monitorRule8":0,'
    '"securityIntelligenceSourceDestination":0,"securityIntelligenceLayer":0,'
    '"fileEventCount":0,"intrusionEventCount":0,"initiatorCountry":0,'
    '"responderCountry":840,"originalClientCountry":0,"iocNumber":0,'
    '"sourceAutonomousSystem":0,"destinationAutonomousSystem":15133,"snmpIn":0,"snmpOut":0,'
    '"sourceTos":0,"destinationTos":0,"sourceMask":0,"destinationMask":0,'
    '"securityContext":"00000000-0000-0000-0000-000000000000","vlanId":0,'
    '"referencedHost":"www.example.com",'
    '"userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:76.0) Gecko/20100101 Firefox/76.0",'
    '"httpReferrer":"http://www.example.com/",'
    '"sslCertificateFingerprint":"0000000000000000000000000000000000000000",'
    '"sslPolicyId":"00000000-0000-0000-0000-000000000000","sslRuleId":0,"sslCipherSuite":0,'
    '"sslVersion":0,"sslServerCertificateStatus":0,"sslActualAction":0,'
    '"sslExpectedAction":0,"sslFlowStatus":0,"sslFlowError":0,"sslFlowMessages":0,'
    '"sslFlowFlags":0,"sslServerName":"","sslUrlCategory":0,'
    '"sslSessionId":"0000000000000000000000000000000000000000000000000000000000000000",'
    '"sslSessionIdLength":0,"sslTicketId":"0000000000000000000000000000000000000000",'
    '"sslTicketIdLength":0,'
    '"networkAnalysisPolicyRevision":"9c6f5d40-9f31-11ea-8a3f-0d9c0a1b2c31",'
    '"endpointProfileId":0,"securityGroupId":0,"locationIpv6":"::","httpResponse":200,'
    '"dnsQuery":"","dnsRecordType":0,"dnsResponseType":0,"dnsTtl":0,'
    '"sinkholeUuid":"00000000-0000-0000-0000-000000000000","securityIntelligenceList1":0,'
    '"securityIntelligenceList2":0,"@computed":{"recordTypeCategory":"RNA",'
    '"recordTypeDescription":"Connection Statistics","sensor":"ftd-edge-01",'
    '"ingressSecurityZone":"INSIDE","egressSecurityZone":"OUTSIDE",'
    '"ingressInterface":"inside","egressInterface":"outside",'
    '"firewallPolicy":"Corporate Policy","firewallRule":"Allow Web",'
    '"firewallRuleAction":"Allow","firewallRuleReason":"N/A","applicationProtocol":"HTTP",'
    '"clientApplication":"Firefox","webApplication":"Example Search","user":"jdoe",'
    '"urlCategory":"Search Engines","urlReputation":"Well known",'
    '"destinationIpCountry":"USA","transportProtocol":"TCP",'
    '"securityIntelligenceEvent":"No","eventDescription":"Flow Statistics",'
    '"eventSecond":1590497212,"eventMicrosecond":345678}}'
)

SPLUNK_71 = (
    'rec_type=71 event_sec=1590497212 app_proto=HTTP client_app=Firefox '
    'client_version=76.0 url="http://www.example.com/search?q=cef&lang=en" '
    'connection_id=50850 dest_autonomous_system=15133 dest_mask=0 dest_tos=0 dns_query="" '
    'dns_rec_id=0 dns_resp_id=0 dns_ttl=0 iface_egress=outside sec_zone_egress=OUTSIDE '
    'file_count=0 first_pkt_sec=1590497210 http_referrer=http://www.example.com/ '
    'http_response=200 iface_ingress=inside sec_zone_ingress=INSIDE src_bytes_dropped=0 '
    'src_ip_country=0 src_ip=10.0.0.5 src_packets_dropped=0 src_port=51234 src_bytes=820 '
    'src_pkts=6 instance_id=2 ips_count=0 num_ioc=0 last_pkt_sec=1590497212 '
    'monitor_rule_1=0 monitor_rule_2=0 monitor_rule_3=0 monitor_rule_4=0 monitor_rule_5=0 '
    'monitor_rule_6=0 monitor_rule_7=0 monitor_rule_8=0 netbios_domain="" '
    'netflow_src=00000000-0000-0000-0000-000000000000 fw_policy="Corporate Policy" '
    'ip_proto=TCP referenced_host=www.example.com dest_bytes_dropped=0 dest_ip_country=USA '
    'dest_ip=93.184.216.34 dest_packets_dropped=0 dest_port=80 dest_bytes=5120 dest_pkts=5 '
    'fw_rule_action=Allow fw_rule="Allow Web" fw_rule_reason=N/A '
    'security_context=00000000-0000-0000-0000-000000000000 ip_layer=0 sec_intel_list1=0 '
    'sec_intel_list2=0 sec_intel_ip=0 sinkhole_uuid=00000000-0000-0000-0000-000000000000 '
    'snmp_in=0 snmp_out=0 src_autonomous_system=0 src_mask=0 src_tos=0 ssl_actual_action=0 '
    'ssl_cert_fingerprint=0000000000000000000000000000000000000000 ssl_cipher_suite=0 '
    'ssl_expected_action=0 ssl_flow_error=0 ssl_flow_flags=0 ssl_flow_messages=0 '
    'ssl_flow_status=0 ssl_policy_id=00000000-0000-0000-0000-000000000000 ssl_rule_id=0 '
    'ssl_server_cert_status=0 ssl_server_name="" '
    'ssl_session_id=0000000000000000000000000000000000000000000000000000000000000000 '
    'ssl_ticket_id=0000000000000000000000000000000000000000 ssl_url_category=0 '
    'ssl_version=0 tcp_flags=0 url_category="Search Engines" url_reputation="Well known" '
    'user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:76.0) Gecko/20100101 Firefox/76.0" '
    'user=jdoe vlan_id=0 web_app="Example Search" event_usec=345678 event_subtype=1 '
    'event_type=1003 has_ipv6=0 mac_address=00:00:00:00:00:00 rec_type_simple=RNA '
    'rec_type_category=RNA rec_type_desc="Connection Statistics" sensor=ftd-edge-01 '
    'sec_intel_event=No event_desc="Flow Statistics"'
)

JSON_400 = (
    '{"recordType":400,"archiveTimestamp":null,"blockType":60,"deviceId":1,'
    '"eventId":195430,"eventSecond":1590497300,"eventMicrosecond":654321,"ruleId":2000,'
    '"generatorId":1,"ruleRevision":3,"classificationId":22,"priorityId":1,'
    '"sourceIpAddress":"192.0.2.10","destinationIpAddress":"198.51.100.20",'
    '"sourcePortOrIcmpType":49152,"destinationPortOrIcmpCode":80,"ipProtocolId":6,'
    '"impactFlags":7,"impact":2,"blocked":1,"mplsLabel":0,"vlanId":0,"pad":0,'
    '"intrusionPolicyUuid":"ad8f6e50-9f31-11ea-8a3f-0d9c0a1b2c41","userId":0,'
    '"webApplicationId":0,"clientApplicationId":638,"applicationProtocolId":676,'
    '"accessControlRuleId":268435460,'
    '"accessControlPolicyUuid":"be907f60-9f31-11ea-8a3f-0d9c0a1b2c51",'
    '"interfaceIngressUuid":"7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c11",'
    '"interfaceEgressUuid":"7a4d3b20-9f31-11ea-8a3f-0d9c0a1b2c12",'
    '"securityZoneIngressUuid":"6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c01",'
    '"securityZoneEgressUuid":"6f3c2a10-9f31-11ea-8a3f-0d9c0a1b2c02",'
    '"connectionTimestamp":1590497299,"connectionInstanceId":1,"connectionCounter":50851,'
    '"sourceCountry":0,"destinationCountry":840,"iocNumber":0,'
    '"securityContext":"00000000000000000000000000000000",'
    '"sslCertificateFingerprint":"0000000000000000000000000000000000000000",'
    '"sslActualAction":0,"sslFlowStatus":0,'
    '"networkAnalysisPolicyUuid":"cfa18070-9f31-11ea-8a3f-0d9c0a1b2c61","httpResponse":0,'
    '"@computed":{"recordTypeCategory":"IPS EVENT",'
    '"recordTypeDescription":"Intrusion Event","sensor":"ftd-edge-01",'
    '"ingressSecurityZone":"INSIDE","egressSecurityZone":"OUTSIDE",'
    '"ingressInterface":"inside","egressInterface":"outside",'
    '"firewallPolicy":"Corporate Policy","firewallRule":"Inspect Web",'
    '"applicationProtocol":"HTTP","clientApplication":"cURL","destinationIpCountry":"USA",'
    '"message":"SERVER-WEBAPP cmd.exe access","priority":"high",'
    '"idsPolicy":"Balanced Security and Connectivity","transportProtocol":"TCP",'
    '"renderedId":12345,"classificationName":"web-application-attack",'
    '"classificationDescription":"Web Application Attack","blocked":"Yes","impact":2,'
    '"impactDescription":"Orange (potentially vulnerable)","eventSecond":1590497300,'
    '"eventMicrosecond":654321}}'
)

SPLUNK_400 = (
    'rec_type=400 event_sec=1590497300 fw_policy="Corporate Policy" fw_rule="Inspect Web" '
    'app_proto=HTTP blocked=Yes client_app=cURL connection_id=50851 instance_id=1 '
    'connection_sec=1590497299 dest_ip_country=USA dest_ip=198.51.100.20 dest_port=80 '
    'device_id=1 event_id=195430 event_usec=654321 gid=1 http_response=0 impact_bits=7 '
    'iface_egress=outside iface_ingress=inside num_ioc=0 ip_proto=TCP mpls_label=0 '
    'ids_policy="Balanced Security and Connectivity" priority=high rev=3 '
    'security_context=00000000000000000000000000000000 sec_zone_egress=OUTSIDE '
    'sec_zone_ingress=INSIDE src_ip_country=0 src_ip=192.0.2.10 src_port=49152 '
    'ssl_actual_action=0 ssl_flow_status=0 user=0 vlan_id=0 web_app=0 '
    'rec_type_simple="IPS EVENT" rec_type_category="IPS EVENT" '
    'rec_type_desc="Intrusion Event" sensor=ftd-edge-01 msg="SERVER-WEBAPP cmd.exe access" '
    'sid=12345 class=web-application-attack class_desc="Web Application Attack" impact=2 '
    'impact_desc="Orange (potentially vulnerable)"'
)

JSON_123 = (
    '{"recordType":123,"archiveTimestamp":null,"id":7,"nameLength":14,'
    '"name":"ftd edge \\"01\\"","@computed":{"recordTypeCategory":"SENSOR",'
    '"recordTypeDescription":"Managed Device Metadata"}}'
)

SPLUNK_123 = (
    'rec_type=123 id=7 name="ftd edge \\"01\\"" rec_type_simple=SENSOR '
    'rec_type_category=SENSOR rec_type_desc="Managed Device Metadata"'
)


def test_connection_statistics_json_line_is_exact() -> None:
    assert _lines(71, 1590497213)[0] == JSON_71


def test_connection_statistics_splunk_line_is_exact() -> None:
    assert _lines(71, 1590497213)[1] == SPLUNK_71


def test_intrusion_event_json_line_is_exact() -> None:
    assert _lines(400, None)[0] == JSON_400


def test_intrusion_event_splunk_line_is_exact() -> None:
    assert _lines(400, None)[1] == SPLUNK_400


def test_metadata_record_json_line_is_exact() -> None:
    assert _metadata_lines()[0] == JSON_123


def test_metadata_record_splunk_line_is_exact() -> None:
    assert _metadata_lines()[1] == SPLUNK_123
