"""Hand-built bytes of every discovery (RNA), user (RUA) and IOC record, with the fields they decode to.

The bytes are written with struct.pack, field by field in the order of the protocol doc's
tables (§4.6 header, §5.10-§5.12 blocks; for the user-input blocks the eNcore definitions
§5.11 refers to), never with our encoder.  Each record type is built with the discovery
header with and without its IPv6 address.  ``DISCOVERY_CASES`` drives
test_catalogue_discovery.py and is part of the shared case table (cases.py), so the
encoder must reproduce these bytes exactly.
"""

from __future__ import annotations

import struct
from typing import Any

from .wirebuild import blk, mapped, sblock

Case = tuple[int, bytes, dict[str, Any]]
Part = tuple[bytes, dict[str, Any]]

V6_A = bytes.fromhex("20010db8000000000000000000000001")
V6_B = bytes.fromhex("20010db80000000000000000000000ff")
MAC_A = bytes.fromhex("005056a1b2c3")
MAC_B = bytes.fromhex("0a1b2c3d4e5f")
UUID_A = bytes.fromhex("00112233445566778899aabbccddeeff")
UUID_B = bytes.fromhex("ffeeddccbbaa99887766554433221100")
HOST_V6 = mapped(10, 0, 0, 5)

# --- §4.6 discovery header ----------------------------------------------------------------


def header(event_type: int, subtype: int, *, ipv6: bytes | None, mac: bytes = MAC_A) -> bytes:
    """The 40 fixed bytes of §4.6 (+ ipv6Address when given, with hasIpv6 = 1)."""
    fixed = struct.pack(
        ">I4s6sBBIIII4s4s",
        7,  # deviceId
        bytes((192, 0, 2, 1)),  # legacyIpAddress
        mac,  # macAddress
        0 if ipv6 is None else 1,  # hasIpv6
        0,  # reserved
        1591210900,  # eventSecond
        654321,  # eventMicrosecond
        event_type,
        subtype,
        b"\x00\x00\x01\x02",  # fileNumber
        b"\x0a\x0b\x0c\x0d",  # filePosition
    )
    return fixed if ipv6 is None else fixed + ipv6


def header_fields(
    event_type: int, subtype: int, *, ipv6: str | None, mac: str = "00:50:56:a1:b2:c3"
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "deviceId": 7,
        "legacyIpAddress": "192.0.2.1",
        "macAddress": mac,
        "hasIpv6": 0 if ipv6 is None else 1,
        "reserved": 0,
        "eventSecond": 1591210900,
        "eventMicrosecond": 654321,
        "eventType": event_type,
        "eventSubtype": subtype,
        "fileNumber": "00000102",
        "filePosition": "0a0b0c0d",
    }
    if ipv6 is not None:
        fields["ipv6Address"] = ipv6
    return fields


# --- generic pieces (§4.4) -----------------------------------------------------------------


def lst(*items: Part) -> tuple[bytes, list[dict[str, Any]]]:
    """Series-1 list block (type 11) of complete blocks."""
    return blk(11, b"".join(data for data, _ in items)), [fields for _, fields in items]


def blob(data: bytes) -> bytes:
    """Series-1 BLOB block (type 10)."""
    return blk(10, data)


def u32(*values: int) -> bytes:
    return struct.pack(f">{len(values)}I", *values)


def u16(*values: int) -> bytes:
    return struct.pack(f">{len(values)}H", *values)


EMPTY_LIST = lst()

# --- §5.11 blocks --------------------------------------------------------------------------


def sub_server(name: str, vendor: str, version: str) -> Part:
    data = blk(1, sblock(name) + sblock(vendor) + sblock(version))
    return data, {"blockType": 1, "name": name, "vendor": vendor, "version": version}


def web_application(application_id: int) -> Part:
    return blk(123, u32(application_id)), {"blockType": 123, "applicationId": application_id}


def server_information() -> Part:
    subs, subs_fields = lst(sub_server("mod_ssl", "Apache", "2.4"))
    data = blk(117, u32(676) + sblock("Apache") + sblock("2.4.41") + u32(1591210000, 1, 2) + subs)
    return data, {
        "blockType": 117,
        "applicationId": 676,
        "vendor": "Apache",
        "version": "2.4.41",
        "lastUsed": 1591210000,
        "sourceType": 1,
        "sourceId": 2,
        "subServers": subs_fields,
    }


def host_server(port: int) -> Part:
    infos, infos_fields = lst(server_information())
    webs, webs_fields = lst(web_application(929), web_application(1122))
    data = blk(103, struct.pack(">HII", port, 12, 1591210001) + infos + u32(90) + webs)
    return data, {
        "blockType": 103,
        "port": port,
        "hits": 12,
        "lastUsed": 1591210001,
        "serverInformation": infos_fields,
        "confidence": 90,
        "webApplications": webs_fields,
    }


def protocol(number: int) -> Part:
    return blk(4, u16(number)), {"blockType": 4, "protocol": number}


def host_mac(mac: bytes, mac_text: str, primary: int) -> Part:
    data = blk(95, struct.pack(">B6sBI", 64, mac, primary, 1591210002))
    return data, {
        "blockType": 95,
        "ttl": 64,
        "macAddress": mac_text,
        "primary": primary,
        "lastSeen": 1591210002,
    }


def mobile_device() -> Part:
    data = blk(131, sblock("iPhone") + u32(1591210003, 1, 0))
    return data, {
        "blockType": 131,
        "string": "iPhone",
        "lastSeen": 1591210003,
        "mobile": 1,
        "jailbroken": 0,
    }


def os_fingerprint(with_mobile: bool) -> Part:
    mobiles, mobiles_fields = lst(mobile_device()) if with_mobile else lst()
    data = blk(130, UUID_A + u32(3, 4, 5, 1591210004) + bytes([2]) + mobiles)
    return data, {
        "blockType": 130,
        "fingerprintUuid": "00112233-4455-6677-8899-aabbccddeeff",
        "type": 3,
        "sourceType": 4,
        "sourceId": 5,
        "lastSeen": 1591210004,
        "ttlDifference": 2,
        "mobileDevices": mobiles_fields,
    }


def host_vulnerability() -> Part:
    data = blk(85, struct.pack(">IBI", 4242, 1, 2))
    return data, {"blockType": 85, "vulnerabilityId": 4242, "invalidFlags": 1, "type": 2}


def full_client_application() -> Part:
    webs, webs_fields = lst(web_application(929))
    vulns, vulns_fields = lst(host_vulnerability())
    data = blk(112, u32(5, 1591210005, 638) + sblock("99.0") + webs + vulns)
    return data, {
        "blockType": 112,
        "hits": 5,
        "lastUsed": 1591210005,
        "applicationId": 638,
        "version": "99.0",
        "webApplications": webs_fields,
        "vulnerabilities": vulns_fields,
    }


def host_profile() -> Part:
    server_fps, server_fps_fields = lst(os_fingerprint(True))
    client_fps, client_fps_fields = lst(os_fingerprint(False), os_fingerprint(False))
    tcp, tcp_fields = lst(host_server(22))
    udp, udp_fields = lst(host_server(53))
    network, network_fields = lst(protocol(0x0800))
    transport, transport_fields = lst(protocol(6), protocol(17))
    macs, macs_fields = lst(host_mac(MAC_A, "00:50:56:a1:b2:c3", 1))
    apps, apps_fields = lst(full_client_application())
    empty = EMPTY_LIST[0]
    data = blk(
        139,
        mapped(10, 0, 0, 5)
        + bytes([3, 1])  # hops, primarySecondary
        + server_fps + client_fps + empty + empty + empty + empty + empty + empty + empty
        + tcp + udp + network + transport + macs
        + u32(1591210006, 1)  # hostLastSeen, hostType
        + bytes([0, 0, 1])  # mobile, jailbroken, vlanPresence
        + u16(100)  # vlanId
        + bytes([0, 5])  # vlanType, vlanPriority
        + apps
        + sblock("WORKSTATION1"),
    )  # fmt: skip
    return data, {
        "blockType": 139,
        "ipAddress": "10.0.0.5",
        "hops": 3,
        "primarySecondary": 1,
        "serverFingerprints": server_fps_fields,
        "clientFingerprints": client_fps_fields,
        "smbFingerprints": [],
        "dhcpFingerprints": [],
        "mobileDeviceFingerprints": [],
        "ipv6ServerFingerprints": [],
        "ipv6ClientFingerprints": [],
        "ipv6DhcpFingerprints": [],
        "userAgentFingerprints": [],
        "tcpServers": tcp_fields,
        "udpServers": udp_fields,
        "networkProtocols": network_fields,
        "transportProtocols": transport_fields,
        "macAddresses": macs_fields,
        "hostLastSeen": 1591210006,
        "hostType": 1,
        "mobile": 0,
        "jailbroken": 0,
        "vlanPresence": 1,
        "vlanId": 100,
        "vlanType": 0,
        "vlanPriority": 5,
        "clientApplications": apps_fields,
        "netbiosName": "WORKSTATION1",
    }


def host_client_application() -> Part:
    webs, webs_fields = lst(web_application(929))
    data = blk(122, u32(8, 1591210007, 638, 676) + sblock("11.0") + webs)
    return data, {
        "blockType": 122,
        "hits": 8,
        "lastUsed": 1591210007,
        "id": 638,
        "applicationProtocolId": 676,
        "version": "11.0",
        "webApplications": webs_fields,
    }


def identity() -> Part:
    data = blk(94, u32(1, 2) + UUID_B + struct.pack(">HHI", 443, 6, 77))
    return data, {
        "blockType": 94,
        "sourceType": 1,
        "sourceId": 2,
        "uuid": "ffeeddcc-bbaa-9988-7766-554433221100",
        "port": 443,
        "protocol": 6,
        "serverMapId": 77,
    }


# --- user-input blocks (§5.11 → eNcore's series-1 definitions) -----------------------------


def ip_range() -> Part:
    data = blk(141, mapped(192, 0, 2, 0) + mapped(192, 0, 2, 255))
    return data, {"blockType": 141, "start": "192.0.2.0", "finish": "192.0.2.255"}


def ip_range_v6() -> Part:
    return blk(141, V6_A + V6_B), {"blockType": 141, "start": "2001:db8::1", "finish": "2001:db8::ff"}


def mac_specification() -> Part:
    return blk(63, MAC_B), {"blockType": 63, "macAddress": "0a:1b:2c:3d:4e:5f"}


def user_protocol() -> Part:
    ranges, ranges_fields = lst(ip_range())
    macs, macs_fields = lst(mac_specification())
    data = blk(57, ranges + macs + bytes([1]) + u16(6))
    return data, {
        "blockType": 57,
        "ipRanges": ranges_fields,
        "macRanges": macs_fields,
        "protocolType": 1,
        "protocol": 6,
    }


def user_protocol_list() -> Part:
    items, items_fields = lst(user_protocol())
    data = blk(83, u32(3, 4) + items)
    return data, {"blockType": 83, "sourceType": 3, "sourceId": 4, "list": items_fields}


def user_client_application() -> Part:
    ranges, ranges_fields = lst(ip_range(), ip_range_v6())
    data = blk(138, ranges + u32(676, 638) + sblock("1.2.3") + u32(0, 929))
    return data, {
        "blockType": 138,
        "ipRanges": ranges_fields,
        "applicationProtocolId": 676,
        "clientApplicationId": 638,
        "version": "1.2.3",
        "payloadType": 0,
        "webApplicationId": 929,
    }


def user_client_application_list() -> Part:
    items, items_fields = lst(user_client_application())
    data = blk(60, u32(3, 4) + items)
    return data, {"blockType": 60, "sourceType": 3, "sourceId": 4, "list": items_fields}


def user_hosts() -> Part:
    ranges, ranges_fields = lst(ip_range())
    macs, macs_fields = lst(mac_specification())
    data = blk(78, ranges + macs + u32(4, 3))
    return data, {
        "blockType": 78,
        "ipRanges": ranges_fields,
        "macRanges": macs_fields,
        "sourceId": 4,
        "sourceType": 3,
    }


def user_server() -> Part:
    ranges, ranges_fields = lst(ip_range())
    data = blk(76, ranges + u16(8080, 6))
    return data, {"blockType": 76, "ipRanges": ranges_fields, "port": 8080, "protocol": 6}


def user_server_list() -> Part:
    servers, servers_fields = lst(user_server())
    data = blk(77, u32(4, 3) + servers)
    return data, {"blockType": 77, "sourceId": 4, "sourceType": 3, "macRanges": servers_fields}


def user_vulnerability() -> Part:
    ranges, ranges_fields = lst(ip_range())
    data = blk(
        124,
        ranges + u16(443, 6) + u32(4242) + UUID_A + sblock("weak cipher") + u32(638, 676)
        + sblock("1.0.2k"),
    )  # fmt: skip
    return data, {
        "blockType": 124,
        "ipRanges": ranges_fields,
        "port": 443,
        "protocol": 6,
        "vulnerabilityId": 4242,
        "thirdPartyVulnerabilityUuid": "00112233-4455-6677-8899-aabbccddeeff",
        "description": "weak cipher",
        "clientApplicationId": 638,
        "applicationProtocolId": 676,
        "version": "1.0.2k",
    }


def user_vulnerability_change() -> Part:
    items, items_fields = lst(user_vulnerability())
    data = blk(80, u32(3, 4, 2) + items)
    return data, {
        "blockType": 80,
        "sourceType": 3,
        "sourceId": 4,
        "type": 2,
        "list": items_fields,
    }


def user_criticality_change() -> Part:
    ranges, ranges_fields = lst(ip_range())
    data = blk(81, ranges + u32(4, 3, 2))
    return data, {
        "blockType": 81,
        "ipRanges": ranges_fields,
        "sourceId": 4,
        "sourceType": 3,
        "criticality": 2,
    }


def user_attribute_value() -> Part:
    ranges, ranges_fields = lst(ip_range())
    data = blk(82, ranges + u32(4, 3, 12) + blob(b"building 7\x00\xff"))
    return data, {
        "blockType": 82,
        "ipRanges": ranges_fields,
        "sourceId": 4,
        "sourceType": 3,
        "attributeId": 12,
        "value": b"building 7\x00\xff",
    }


_PRODUCT_STRINGS = (
    "versionMajor", "versionMinor", "revision", "toVersionMajor", "toVersionMinor",
    "toRevision", "build", "patch", "extension",
)  # fmt: skip


def user_product() -> Part:
    ranges, ranges_fields = lst(ip_range())
    fixes, fixes_fields = lst(fix(101), fix(102))
    data = blk(
        134,
        u32(4, 3) + ranges + u16(22, 6) + u32(0)
        + sblock("OpenBSD") + sblock("OpenSSH") + sblock("8.2")
        + u32(11, 12, 13, 14)
        + b"".join(sblock(f"s{index}") for index in range(len(_PRODUCT_STRINGS)))
        + UUID_B + sblock("router") + bytes([1, 0]) + fixes,
    )  # fmt: skip
    fields: dict[str, Any] = {
        "blockType": 134,
        "sourceId": 4,
        "sourceType": 3,
        "ipRanges": ranges_fields,
        "port": 22,
        "protocol": 6,
        "dropUserProduct": 0,
        "vendor": "OpenBSD",
        "product": "OpenSSH",
        "version": "8.2",
        "softwareId": 11,
        "serverId": 12,
        "vendorId": 13,
        "productId": 14,
    }
    fields.update({name: f"s{index}" for index, name in enumerate(_PRODUCT_STRINGS)})
    fields.update(
        osUuid="ffeeddcc-bbaa-9988-7766-554433221100",
        device="router",
        mobile=1,
        jailbroken=0,
        fixes=fixes_fields,
    )
    return data, fields


def fix(number: int) -> Part:
    return blk(67, u32(number)), {"blockType": 67, "id": number}


def generic_scan_result() -> Part:
    data = blk(108, u16(80, 6) + sblock("http") + sblock("Apache") + sblock("HTTP") + sblock("apache"))
    return data, {
        "blockType": 108,
        "port": 80,
        "protocol": 6,
        "subServer": "http",
        "value": "Apache",
        "subServerUnformatted": "HTTP",
        "valueUnformatted": "apache",
    }


def scan_vulnerability() -> Part:
    bugtraq, bugtraq_fields = lst((blk(7, u32(1234)), {"blockType": 7, "value": 1234}))
    cves, cves_fields = lst(
        (blk(35, sblock("CVE-2021-44228")), {"blockType": 35, "value": "CVE-2021-44228"})
    )
    data = blk(
        109,
        u16(443, 6) + sblock("V-1") + sblock("Log4Shell") + sblock("JNDI lookup")
        + sblock("log4shell") + sblock("jndi lookup") + bugtraq + cves,
    )  # fmt: skip
    return data, {
        "blockType": 109,
        "port": 443,
        "protocol": 6,
        "id": "V-1",
        "name": "Log4Shell",
        "description": "JNDI lookup",
        "nameClean": "log4shell",
        "descriptionClean": "jndi lookup",
        "bugtraqIds": bugtraq_fields,
        "cveIds": cves_fields,
    }


def scan_result() -> Part:
    vulns, vulns_fields = lst(scan_vulnerability())
    results, results_fields = lst(generic_scan_result())
    products, products_fields = lst(user_product())
    data = blk(142, u32(4242, 2) + V6_A + u16(443, 6, 1) + vulns + results + products)
    return data, {
        "blockType": 142,
        "userId": 4242,
        "scanType": 2,
        "ipAddress": "2001:db8::1",
        "port": 443,
        "protocol": 6,
        "flag": 1,
        "vulnerabilities": vulns_fields,
        "scanResults": results_fields,
        "userProducts": products_fields,
    }


# --- §5.10 user blocks -----------------------------------------------------------------------


def user_information() -> Part:
    data = blk(
        120,
        u32(4242) + sblock("alice") + u32(710) + sblock("Alice") + sblock("Liddell")
        + sblock("alice@example.com") + sblock("Wonderland") + sblock("+1 555 0100"),
    )  # fmt: skip
    return data, {
        "blockType": 120,
        "userId": 4242,
        "username": "alice",
        "protocol": 710,
        "firstName": "Alice",
        "lastName": "Liddell",
        "email": "alice@example.com",
        "department": "Wonderland",
        "phone": "+1 555 0100",
    }


def user_login_5(ipv6: bytes, ipv6_text: str) -> Part:
    data = blk(
        127,
        u32(1591210008) + bytes((10, 0, 0, 5)) + sblock("alice") + u32(4242, 710)
        + sblock("alice@example.com") + ipv6 + bytes([1]) + sblock("ISE"),
    )  # fmt: skip
    return data, {
        "blockType": 127,
        "timestamp": 1591210008,
        "ipv4Address": "10.0.0.5",
        "username": "alice",
        "userId": 4242,
        "applicationId": 710,
        "email": "alice@example.com",
        "ipv6Address": ipv6_text,
        "loginType": 1,
        "reportedBy": "ISE",
    }


VPN_LIST = blk(11, u32(1) + bytes([2]) + sblock("DfltGrpPolicy"))


def user_login_6_2(ipv6: bytes, ipv6_text: str, vpn: bytes = VPN_LIST) -> Part:
    data = blk(
        167,
        u32(1591210009) + bytes((10, 0, 0, 5)) + sblock("alice") + sblock("EXAMPLE")
        + u32(4242, 3, 9, 17, 6) + u16(443, 1, 1024, 2048)
        + sblock("alice@example.com") + ipv6 + V6_B + bytes([2, 3])
        + sblock("Firepower") + sblock("VPN login") + vpn,
    )  # fmt: skip
    return data, {
        "blockType": 167,
        "timestamp": 1591210009,
        "ipv4Address": "10.0.0.5",
        "username": "alice",
        "domain": "EXAMPLE",
        "userId": 4242,
        "realmId": 3,
        "endpointProfileId": 9,
        "securityGroupId": 17,
        "protocol": 6,
        "port": 443,
        "rangeStart": 1,
        "startPort": 1024,
        "endPort": 2048,
        "email": "alice@example.com",
        "ipv6Address": ipv6_text,
        "locationIpv6Address": "2001:db8::ff",
        "loginType": 2,
        "authType": 3,
        "reportedBy": "Firepower",
        "description": "VPN login",
        "vpnSessions": vpn,
    }


# --- record bodies ---------------------------------------------------------------------------

#: §4.6 table: (eventType, eventSubtype) per record, transcribed independently of the module.
SECTION_4_6: dict[int, tuple[int, int]] = {
    10: (1000, 1), 11: (1000, 2), 13: (1000, 3), 14: (1000, 4), 12: (1000, 6), 15: (1000, 7),
    101: (1000, 8), 29: (1001, 1), 18: (1001, 2), 20: (1001, 3), 22: (1001, 5),
    16: (1001, 6), 19: (1001, 7), 23: (1001, 8), 24: (1001, 9), 17: (1001, 10),
    25: (1001, 11), 26: (1001, 12), 27: (1001, 13), 28: (1001, 14), 31: (1001, 16),
    34: (1001, 18), 21: (1001, 19), 35: (1001, 20), 42: (1001, 21), 44: (1001, 23),
    45: (1001, 24), 51: (1001, 25), 52: (1001, 26), 53: (1001, 27), 102: (1001, 29),
    103: (1001, 30), 107: (1001, 32), 71: (1003, 1), 73: (1003, 2), 94: (1004, 1),
    95: (1004, 2), 93: (1004, 3), 92: (1004, 4), 160: (1008, 1),
}  # fmt: skip
#: §4.6: user input, eventType 1002, subtypes not paired with records.
USER_INPUT = (46, 47, 48, *range(74, 90))


def event_pair(record_type: int) -> tuple[int, int]:
    """The header pair a case uses: §4.6's, or (1002, 1) / (1004, 9) where it gives none."""
    if record_type in SECTION_4_6:
        return SECTION_4_6[record_type]
    return (1002, 1) if record_type in USER_INPUT else (1004, 9)


def fixed(wire: bytes, /, **fields: Any) -> Part:
    return wire, fields


def bodies(ipv6: bytes | None, ipv6_text: str | None) -> list[tuple[int, Part]]:
    """(record type, event-specific part) for every record, some types several times.

    ``ipv6`` is the header's address; blocks carrying their own ``ipv6Address`` use the
    same one (when present) so that flattening loses nothing in the exact-bytes cases.
    """
    login_v6 = ipv6 if ipv6 is not None else V6_A
    login_v6_text = ipv6_text if ipv6_text is not None else "2001:db8::1"
    header_only = fixed(b"")
    items: list[tuple[int, Part]] = [
        (10, host_profile()),
        *((rt, host_server(443)) for rt in (11, 12, 16, 17, 51, 52)),
        (13, fixed(u16(0x86DD), networkProtocol=0x86DD)),
        (14, fixed(bytes([17]), transportProtocol=17)),
        *((rt, host_client_application()) for rt in (15, 35, 107)),
        *(
            (rt, fixed(blk(53, b"\x00\x01opaque\xff"), blockType=53, data=b"\x00\x01opaque\xff"))
            for rt in (18, 53)
        ),
        *((rt, header_only) for rt in (19, 20, 21, 44)),
        (22, fixed(bytes([4]), hops=4)),
        *((rt, fixed(u16(8443), port=8443)) for rt in (23, 24, 25, 26)),
        *((rt, host_mac(MAC_A, "00:50:56:a1:b2:c3", 0)) for rt in (27, 28)),
        (29, fixed(mapped(10, 0, 0, 6), ipAddress="10.0.0.6")),
        (31, fixed(u32(2), hostType=2)),
        (34, fixed(blk(14, u16(100) + bytes([1, 5])), blockType=14, id=100, type=1, priority=5)),
        (42, fixed(blk(35, sblock("FILESERVER")), blockType=35, value="FILESERVER")),
        (
            45,
            fixed(
                blk(37, u16(22) + bytes([6]) + blob(b"SSH-2.0-OpenSSH_8.2\r\n")),
                blockType=37, port=22, protocol=6, data=b"SSH-2.0-OpenSSH_8.2\r\n",
            ),
        ),
        *(
            (rt, fixed(blk(55, u32(12) + sblock("owner")), blockType=55, data=u32(12) + sblock("owner")))
            for rt in (46, 47, 48)
        ),
        *((rt, user_product()) for rt in (74, 75, 86)),
        *((rt, user_protocol_list()) for rt in (76, 88)),
        *((rt, user_client_application_list()) for rt in (77, 87)),
        *((rt, user_hosts()) for rt in (78, 85)),
        (79, user_server_list()),
        *((rt, user_vulnerability_change()) for rt in (80, 81)),
        (82, user_criticality_change()),
        *((rt, user_attribute_value()) for rt in (83, 84)),
        (89, scan_result()),
        (92, user_information()),
        (93, user_information()),
        (94, user_information()),
        (93, user_login_6_2(login_v6, login_v6_text)),
        (94, user_login_6_2(login_v6, login_v6_text, vpn=b"")),
        (95, user_login_5(login_v6, login_v6_text)),
        (95, user_login_6_2(login_v6, login_v6_text)),
        (101, os_fingerprint(True)),
        *((rt, identity()) for rt in (102, 103)),
        (160, fixed(blk(7, u32(31337)), blockType=7, value=31337)),
        (
            160,
            fixed(
                blk(
                    150,
                    u32(31337) + bytes([1]) + u32(1591210010, 11, 7) + u16(2) + u32(1591210011)
                    + u16(3) + u32(1591210012, 12) + u16(4) + u32(1591210013) + u16(5),
                ),
                blockType=150, iocId=31337, disabled=1, firstSeen=1591210010, firstEventId=11,
                firstDeviceId=7, firstInstanceId=2, firstConnectionTime=1591210011,
                firstCounter=3, lastSeen=1591210012, lastEventId=12, lastInstanceId=4,
                lastConnectionTime=1591210013, lastCounter=5,
            ),
        ),
        *((rt, user_login_6_2(login_v6, login_v6_text)) for rt in (170, 171)),
    ]  # fmt: skip
    return items


def build_cases() -> list[Case]:
    cases: list[Case] = []
    for ipv6, ipv6_text in ((None, None), (HOST_V6, "10.0.0.5")):
        for record_type, (body, body_fields) in bodies(ipv6, ipv6_text):
            event_type, subtype = event_pair(record_type)
            data = header(event_type, subtype, ipv6=ipv6) + body
            fields = header_fields(event_type, subtype, ipv6=ipv6_text)
            fields.update(body_fields)  # flattening: the block's fields win (§4.6)
            cases.append((record_type, data, fields))
    return cases


#: Every discovery, user and IOC record type, with and without the header's IPv6 address.
DISCOVERY_CASES: list[Case] = build_cases()
DISCOVERY_CASE_IDS = [
    f"record{rt}-{fields.get('blockType', 'fields')}-{'v6' if fields['hasIpv6'] else 'v4'}-{i}"
    for i, (rt, _, fields) in enumerate(DISCOVERY_CASES)
]
