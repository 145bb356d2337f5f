"""Rough decode/encode throughput of the protocol core (not a test; run it by hand).

    python benchmarks/decode_speed.py

Prints records per second for decode_record on records 71 (block 163, IPv6 header, four
strings) and 400 (block 60), for the encoder, and for the whole Connection path (a 1000-
record bundle of record 71 from bytes to Record events).  Best of several runs, one core.
"""

from __future__ import annotations

import timeit
from typing import Any

from cef_connector.estreamer import (
    NEED_DATA,
    Connection,
    decode_record,
    encode_bundle,
    encode_record,
    encode_record_data,
)

CONNECTION_71: dict[str, Any] = {
    "deviceId": 3,
    "hasIpv6": 1,
    "ipv6Address": "10.0.0.5",
    "eventSecond": 1591210900,
    "eventType": 1003,
    "eventSubtype": 1,
    "blockType": 163,
    "ingressZone": "00112233-4455-6677-8899-aabbccddeeff",
    "egressZone": "00112233-4455-6677-8899-aabbccddee00",
    "initiatorIpAddress": "192.0.2.10",
    "responderIpAddress": "2001:db8::1",
    "policyRevision": "11111111-2222-3333-4444-555555555555",
    "ruleId": 7,
    "initiatorPort": 51234,
    "responderPort": 443,
    "protocol": 6,
    "clientUrl": "http://example.com/x",
    "userAgent": "Mozilla/5.0",
    "sslServerName": "example.com",
    "netbiosName": "HOST1",
    "initiatorTransmittedBytes": 12345,
}
INTRUSION_400: dict[str, Any] = {
    "deviceId": 1,
    "eventId": 42,
    "sourceIpAddress": "192.0.2.10",
    "destinationIpAddress": "198.51.100.20",
    "intrusionPolicyUuid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
}


def per_second(function: Any, number: int) -> float:
    return number / min(timeit.repeat(function, number=number, repeat=7))


def main() -> None:
    data71 = encode_record_data(71, CONNECTION_71)
    data400 = encode_record_data(400, INTRUSION_400)
    print(f"decode record 71 : {per_second(lambda: decode_record(71, data71), 5000):10,.0f}/s")
    print(f"decode record 400: {per_second(lambda: decode_record(400, data400), 5000):10,.0f}/s")
    print(f"encode record 71 : {per_second(lambda: encode_record_data(71, CONNECTION_71), 3000):10,.0f}/s")
    print(f"encode record 400: {per_second(lambda: encode_record_data(400, INTRUSION_400), 3000):10,.0f}/s")
    bundle = encode_bundle(1, 1, [encode_record(71, CONNECTION_71, 1591210934)] * 1000)

    def connection_path() -> None:
        connection = Connection(0, 0)
        connection.initiate()
        connection.receive_data(bundle)
        while connection.next_event() is not NEED_DATA:
            pass

    print(f"Connection, 71   : {per_second(connection_path, 3) * 1000:10,.0f}/s")


if __name__ == "__main__":
    main()
