"""Every golden vector of protocol doc §8, byte for byte, in both directions where it applies."""

from __future__ import annotations

import pytest

from cef_connector.estreamer import (
    NEED_DATA,
    START_GENESIS,
    START_NOW,
    BundleEnd,
    Connection,
    Framer,
    Record,
    build_error,
    build_event_stream_request,
    build_null,
    build_streaming_request,
    encode_bundle,
    encode_event_data,
    encode_record,
    encode_streaming_information,
    parse_error,
    parse_event_stream_request,
    parse_streaming_information,
    parse_streaming_request,
)
from cef_connector.estreamer.records import record_header

FLAGS = 0x48900061

V8_1 = "0001000200000008ffffffff48900061"
V8_2_BOOKMARK = "00010002000000085ed7f3b648900061"
V8_2_GENESIS = "00010002000000080000000048900061"
V8_3 = (
    "0001080300000030000013890000000800000000000000000000138800000008"
    "000000000000000000001a0b000000080000000000000000"
)
V8_4 = (
    "000108010000003800001a0b0000003848900061000000000009000c00040015"
    "0009001f000b003d000e00470004005b000700650006006f0002008300000000"
)
V8_4_BOOKMARK = V8_4.replace("4890006100000000", "489000615ed7f3b6")
V8_5 = "0001000000000000"
V8_6_SERVER = "000100010000000f0000001300094e6f20737061636500"
V8_6_CLIENT = "0001000100000009ffffffff0003627965"
V8_7 = "00010004000000150000007b0000000d00000001000000056674642d31"
V8_8 = "000100040000001d0000007b0000000d000000000000000000000001000000056674642d31"
V8_9 = (
    "0001000400000036000000730000002600000000000000000000000e00000026"
    "00112233445566778899aabbccddeeff000000000000000e696e73696465"
)
V8_10 = (
    "00010fa20000004f0000000100000001000000040000001d0000007b0000000d"
    "000000000000000000000001000000056674642d31000000040000001a000000"
    "040000000a000000000000000000000001000468696768"
)
V8_11 = (
    "00010004000000580000001d000000485ed7f3b6000000000000000100000000"
    "005056a1b2c301005ed7f3940001e240000003e9000000010000000000000000"
    "00000000000000000000ffff0a00000500000000000000000000ffff0a000006"
)
V8_12 = (
    "000100040000012a000001900000011a5ed7f3b6000000000000003c0000011a"
    "000000010000002a5ed7f3940007a120001ed05a00000001000000030000001d"
    "0000000100000000000000000000ffffc000020a00000000000000000000ffff"
    "c6336414c8220050060000000000000000000000aaaaaaaabbbbccccddddeeee"
    "eeeeeeee000000000000000000000000000002a4100000011111111122223333"
    "4444555555555555000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000005ed7f3930000000703480000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000"
)
V8_13_PREFIX = (
    "00010004000000ee00000190000000de52f2919c0000000000000029000000de"
    "0000000200002df152f2911b000e8238"
)

DEVICE_123 = {"id": 1, "nameLength": 5, "name": "ftd-1"}
PRIORITY_4 = {"id": 1, "nameLength": 4, "name": "high"}
ZONE_115 = {"blockType": 14, "uuid": "00112233-4455-6677-8899-aabbccddeeff", "name": "inside"}
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
HOST_IP_CHANGED_29 = {
    "deviceId": 1,
    "legacyIpAddress": "0.0.0.0",
    "macAddress": "00:50:56:a1:b2:c3",
    "hasIpv6": 1,
    "reserved": 0,
    "eventSecond": 1591210900,
    "eventMicrosecond": 123456,
    "eventType": 1001,
    "eventSubtype": 1,
    "fileNumber": "00000000",
    "filePosition": "00000000",
    "ipv6Address": "10.0.0.5",
    "ipAddress": "10.0.0.6",
}
INTRUSION_400 = {
    "blockType": 60,
    "deviceId": 1,
    "eventId": 42,
    "eventSecond": 1591210900,
    "eventMicrosecond": 500000,
    "ruleId": 2019418,
    "generatorId": 1,
    "ruleRevision": 3,
    "classificationId": 29,
    "priorityId": 1,
    "sourceIpAddress": "192.0.2.10",
    "destinationIpAddress": "198.51.100.20",
    "sourcePortOrIcmpType": 51234,
    "destinationPortOrIcmpCode": 80,
    "ipProtocolId": 6,
    "impactFlags": 0,
    "impact": 0,
    "blocked": 0,
    "mplsLabel": 0,
    "vlanId": 0,
    "pad": 0,
    "intrusionPolicyUuid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "userId": 0,
    "webApplicationId": 0,
    "clientApplicationId": 0,
    "applicationProtocolId": 676,
    "accessControlRuleId": 268435457,
    "accessControlPolicyUuid": "11111111-2222-3333-4444-555555555555",
    "interfaceIngressUuid": ZERO_UUID,
    "interfaceEgressUuid": ZERO_UUID,
    "securityZoneIngressUuid": ZERO_UUID,
    "securityZoneEgressUuid": ZERO_UUID,
    "connectionTimestamp": 1591210899,
    "connectionInstanceId": 0,
    "connectionCounter": 7,
    "sourceCountry": 840,
    "destinationCountry": 0,
    "iocNumber": 0,
    "securityContext": "00" * 16,
    "sslCertificateFingerprint": "00" * 20,
    "sslActualAction": 0,
    "sslFlowStatus": 0,
    "networkAnalysisPolicyUuid": ZERO_UUID,
    "httpResponse": 0,
}


def streaming_events(*hex_messages: str) -> list[object]:
    """Feed messages to a Connection that is past the handshake; return its events."""
    connection = Connection(START_GENESIS, FLAGS)
    connection.initiate()
    connection.receive_data(bytes.fromhex(V8_3))
    connection.next_event()
    events = []
    for message in hex_messages:
        connection.receive_data(bytes.fromhex(message))
    while (event := connection.next_event()) is not NEED_DATA:
        events.append(event)
    return events


class TestRequests:
    def test_8_1_event_stream_request_now(self) -> None:
        assert build_event_stream_request(START_NOW, FLAGS).hex() == V8_1
        assert parse_event_stream_request(bytes.fromhex(V8_1)[8:]) == (0xFFFFFFFF, FLAGS)

    def test_8_1_initiate_sends_the_captured_request(self) -> None:
        assert Connection(START_NOW, FLAGS).initiate().hex() == V8_1

    @pytest.mark.parametrize(
        ("timestamp", "expected"), [(1591210934, V8_2_BOOKMARK), (0, V8_2_GENESIS)]
    )
    def test_8_2_event_stream_request_bookmark(self, timestamp: int, expected: str) -> None:
        assert build_event_stream_request(timestamp, FLAGS).hex() == expected

    def test_8_3_streaming_information(self) -> None:
        assert encode_streaming_information().hex() == V8_3
        assert parse_streaming_information(bytes.fromhex(V8_3)[8:]) == (5001, 5000, 6667)

    @pytest.mark.parametrize(("timestamp", "expected"), [(0, V8_4), (1591210934, V8_4_BOOKMARK)])
    def test_8_4_streaming_request(self, timestamp: int, expected: str) -> None:
        assert build_streaming_request(timestamp, FLAGS).hex() == expected
        service, flags, parsed_timestamp, pairs = parse_streaming_request(
            bytes.fromhex(expected)[8:]
        )
        assert (service, flags, parsed_timestamp) == (6667, FLAGS, timestamp)
        assert pairs == (
            (12, 9), (21, 4), (31, 9), (61, 11), (71, 14), (91, 4), (101, 7), (111, 6), (131, 2),
        )  # fmt: skip

    def test_8_5_null(self) -> None:
        assert build_null().hex() == V8_5

    def test_8_6_server_error_with_trailing_nul(self) -> None:
        assert build_error(19, "No space\x00").hex() == V8_6_SERVER
        assert parse_error(bytes.fromhex(V8_6_SERVER)[8:]) == (19, "No space")

    def test_8_6_client_error(self) -> None:
        assert build_error(-1, "bye").hex() == V8_6_CLIENT
        assert parse_error(bytes.fromhex(V8_6_CLIENT)[8:]) == (-1, "bye")


class TestHandshake:
    def test_8_3_reply_queues_the_8_4_request(self) -> None:
        connection = Connection(START_GENESIS, FLAGS)
        assert connection.initiate().hex() == V8_2_GENESIS
        connection.receive_data(bytes.fromhex(V8_3))
        event = connection.next_event()
        assert repr(event) == "StreamingInformation(services=(5001, 5000, 6667), offset=0)"
        assert connection.data_to_send().hex() == V8_4
        assert connection.data_to_send() == b""


class TestRecords:
    def test_8_7_managed_device_8_byte_header(self) -> None:
        assert streaming_events(V8_7) == [
            Record(123, None, DEVICE_123, 56, True),
            BundleEnd(connection_id=0, sequence_number=0, record_count=1, offset=56),
        ]
        assert encode_event_data(encode_record(123, {"id": 1, "name": "ftd-1"}, None)).hex() == V8_7

    def test_8_8_managed_device_16_byte_header(self) -> None:
        payload = bytes.fromhex(V8_8)[8:]
        assert record_header(payload) == (123, 13, 16)
        assert streaming_events(V8_8)[0] == Record(123, 0, DEVICE_123, 56, True)
        assert encode_event_data(encode_record(123, {"id": 1, "name": "ftd-1"}, 0)).hex() == V8_8

    def test_8_9_security_zone(self) -> None:
        assert streaming_events(V8_9)[0] == Record(115, 0, ZONE_115, 56, True)
        fields = {"uuid": "00112233-4455-6677-8899-aabbccddeeff", "name": "inside"}
        assert encode_event_data(encode_record(115, fields, 0)).hex() == V8_9

    def test_8_10_bundle_gives_two_records_then_bundle_end_and_one_null(self) -> None:
        connection = Connection(START_GENESIS, FLAGS)
        connection.initiate()
        connection.receive_data(bytes.fromhex(V8_3) + bytes.fromhex(V8_10))
        connection.next_event()
        assert connection.next_event() == Record(123, 0, DEVICE_123, 56, True)
        assert connection.next_event() == Record(4, 0, PRIORITY_4, 56, True)
        assert connection.next_event() == BundleEnd(
            connection_id=1, sequence_number=1, record_count=2, offset=56
        )
        assert connection.next_event() is NEED_DATA
        assert connection.acknowledge().hex() == V8_5
        records = [
            encode_record(123, {"id": 1, "name": "ftd-1"}, 0),
            encode_record(4, {"id": 1, "name": "high"}, 0),
        ]
        assert encode_bundle(1, 1, records).hex() == V8_10

    def test_8_11_host_ip_address_changed(self) -> None:
        assert streaming_events(V8_11)[0] == Record(29, 1591210934, HOST_IP_CHANGED_29, 56, False)
        assert encode_event_data(encode_record(29, HOST_IP_CHANGED_29, 1591210934)).hex() == V8_11

    def test_8_12_intrusion_event(self) -> None:
        assert streaming_events(V8_12)[0] == Record(400, 1591210934, INTRUSION_400, 56, False)
        encoded = encode_event_data(encode_record(400, INTRUSION_400, 1591210934))
        assert len(encoded) == 306
        assert encoded.hex() == V8_12

    def test_8_12_from_only_the_non_zero_values(self) -> None:
        sparse = {k: v for k, v in INTRUSION_400.items() if v not in (0, ZERO_UUID, "00" * 16, "00" * 20)}
        assert encode_event_data(encode_record(400, sparse, 1591210934)).hex() == V8_12


class TestCiscoExample:
    """§8.13: the first 48 bytes of the guide's 5.3+ intrusion event (record 400, block 41)."""

    def test_8_13_header_bookkeeping_waits_for_the_whole_message(self) -> None:
        framer = Framer()
        framer.receive_data(bytes.fromhex(V8_13_PREFIX))
        assert framer.next_frame() is None
        assert framer.buffered == 48
        framer.receive_data(bytes(8 + 238 - 48))
        frame = framer.next_frame()
        assert frame is not None
        assert (frame.message_type, len(frame.body), frame.offset) == (4, 238, 0)
        assert record_header(frame.body) == (400, 222, 16)

    def test_8_13_block_41_decodes_its_leading_fields(self) -> None:
        # The rest of the example is unreadable in our copy: pad it with zeros.
        message = bytes.fromhex(V8_13_PREFIX) + bytes(8 + 238 - 48)
        record = streaming_events(message.hex())[0]
        assert isinstance(record, Record)
        assert record.record_type == 400
        assert record.archive_timestamp == 1391628700
        fields = record.fields
        assert (fields["blockType"], fields["deviceId"], fields["eventId"]) == (41, 2, 11761)
        assert (fields["eventSecond"], fields["eventMicrosecond"]) == (1391628571, 950840)
        assert "securityContext" not in fields  # block 41 ends at iocNumber
        assert list(fields)[-1] == "iocNumber"
