"""Sample discovery (RNA), user (RUA) and IOC records for test-rendering their mappings.

Every event record type of ``estreamer.discovery_layouts`` (records 10-107, the user-input
records 46-48 and 74-89, the user records 92-95 and 170/171, the IOC record 160) has
samples here, registered in :data:`cef_connector.mapping.samples.SAMPLES`.  Each sample's
fields are exactly what ``estreamer.decode_record`` returns for the record (discovery
header of §4.6, then the event-specific part of §5.10-§5.12 flattened into it;
tests/mapping/test_default_discovery_mappings.py checks ``decode_record(encode_record_data(
…))`` gives them back unchanged), and its names carry every key ``metadata.NAME_KEYS``
gives for the type, with values such as complete metadata would resolve -- except the
realm, endpoint profile and security group of records 93-95 when they carry block 120 or
127, which have no IDs for them (the names layer cannot resolve them there).

Two samples per record type, so every mapping is rendered with both address families:

* ``"<type> IPv4 host"``: the header has ``hasIpv6 = 1`` and an IPv4-mapped address, as an
  FMC 6.x/7.x sends it (the decoder shows it as a dotted quad; ``legacyIpAddress`` is
  0.0.0.0, "no longer populated");
* ``"<type> IPv6 host"``: a real IPv6 address, with an archive timestamp.

Blocks that carry their own host address (block 139 of record 10, block 142 of record 89,
the user login blocks 127/167) use the same family.  Where a record may carry two block
versions, the IPv4 sample uses the older one and the IPv6 sample the newer one: records 93
and 94 block 120 / block 167, record 95 block 127 / block 167, record 160 block 7 / the
FMC 6.0 IOC state block 150.

The header's (eventType, eventSubtype) are §4.6's pairs (``DISCOVERY_EVENT_TYPES``); for the
user-input records (eventType 1002) §4.6 gives no pairing, so the subtype is the one the
FireSIGHT eStreamer guide's table of event subtypes (and eNcore's event descriptions) gives
for the same action, e.g. 85 User Add Host → 27 "Add Host"; records 170/171 carry 1004/5
and 1004/6 as the simulator sends them (their real subtypes are unconfirmed, §9.2 #6).

This module is imported by ``samples`` after its ``Sample`` class is defined.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from cef_connector.estreamer.discovery_layouts import DISCOVERY_EVENT_TYPES, USER_INPUT_SUBTYPES
from cef_connector.mapping.samples import Sample

__all__ = ["DISCOVERY_SAMPLES", "SAMPLE_EVENT_TYPES", "USER_INPUT_SUBTYPES"]

#: (eventType, eventSubtype) of every sample's discovery header, by record type.
SAMPLE_EVENT_TYPES: Mapping[int, tuple[int, int]] = MappingProxyType({
    **{rt: pair for rt, pair in DISCOVERY_EVENT_TYPES.items() if rt not in (71, 73)},
    **{rt: (1002, subtype) for rt, subtype in USER_INPUT_SUBTYPES.items()},
    170: (1004, 5),
    171: (1004, 6),
})

_SECOND = 1700000000
_HOST_V4 = "10.1.20.31"
_HOST_V6 = "2001:db8:10:20::31"
_HOST_MAC = "00:50:56:8a:3c:11"
_SENSOR = "ftd-edge-01"
_FMC = "Defense Center"

Fields = dict[str, Any]


def _header(record_type: int, address: str, *, device_id: int = 1) -> Fields:
    """The §4.6 discovery header of a sample (hasIpv6 = 1, as FMC 6.x/7.x send it)."""
    event_type, subtype = SAMPLE_EVENT_TYPES[record_type]
    return {
        "deviceId": device_id,
        "legacyIpAddress": "0.0.0.0",
        "macAddress": _HOST_MAC,
        "hasIpv6": 1,
        "reserved": 0,
        "eventSecond": _SECOND + record_type,
        "eventMicrosecond": 250000 + record_type,
        "eventType": event_type,
        "eventSubtype": subtype,
        "fileNumber": "00000a1b",
        "filePosition": "0003c2d4",
        "ipv6Address": address,
    }


# --- blocks (§5.11, eNcore's user-input blocks) ---------------------------------------------


def _web_application(application_id: int) -> Fields:
    return {"blockType": 123, "applicationId": application_id}


def _server_information(application_id: int, vendor: str, version: str) -> Fields:
    return {
        "blockType": 117,
        "applicationId": application_id,
        "vendor": vendor,
        "version": version,
        "lastUsed": _SECOND - 60,
        "sourceType": 0,
        "sourceId": 0,
        "subServers": [],
    }


def _host_server(port: int, application_id: int, vendor: str, version: str, *, web: int = 0) -> Fields:
    return {
        "blockType": 103,
        "port": port,
        "hits": 37,
        "lastUsed": _SECOND - 60,
        "serverInformation": [_server_information(application_id, vendor, version)],
        "confidence": 90,
        "webApplications": [_web_application(web)] if web else [],
    }


def _fingerprint(uuid: str) -> Fields:
    return {
        "blockType": 130,
        "fingerprintUuid": uuid,
        "type": 0,
        "sourceType": 0,
        "sourceId": 0,
        "lastSeen": _SECOND - 30,
        "ttlDifference": 0,
        "mobileDevices": [],
    }


_WINDOWS_10 = "b4f1a5c6-2c1e-4d0b-9a51-6f0d3e7c8a10"


def _host_profile(address: str) -> Fields:
    return {
        "blockType": 139,
        "ipAddress": address,
        "hops": 0,
        "primarySecondary": 0,
        "serverFingerprints": [_fingerprint(_WINDOWS_10)],
        "clientFingerprints": [],
        "smbFingerprints": [],
        "dhcpFingerprints": [],
        "mobileDeviceFingerprints": [],
        "ipv6ServerFingerprints": [],
        "ipv6ClientFingerprints": [],
        "ipv6DhcpFingerprints": [],
        "userAgentFingerprints": [],
        "tcpServers": [_host_server(3389, 1131, "Microsoft", "10.0")],
        "udpServers": [_host_server(137, 1024, "Microsoft", "")],
        "networkProtocols": [{"blockType": 4, "protocol": 0x0800}],
        "transportProtocols": [{"blockType": 4, "protocol": 6}, {"blockType": 4, "protocol": 17}],
        "macAddresses": [
            {"blockType": 95, "ttl": 128, "macAddress": _HOST_MAC, "primary": 1, "lastSeen": _SECOND - 30}
        ],
        "hostLastSeen": _SECOND - 30,
        "hostType": 0,
        "mobile": 0,
        "jailbroken": 0,
        "vlanPresence": 1,
        "vlanId": 20,
        "vlanType": 0,
        "vlanPriority": 0,
        "clientApplications": [
            {
                "blockType": 112,
                "hits": 12,
                "lastUsed": _SECOND - 45,
                "applicationId": 1296,
                "version": "119.0",
                "webApplications": [_web_application(2410)],
                "vulnerabilities": [
                    {"blockType": 85, "vulnerabilityId": 89412, "invalidFlags": 0, "type": 0}
                ],
            }
        ],
        "netbiosName": "WS-FIN-042",
    }


def _host_client_application() -> Fields:
    return {
        "blockType": 122,
        "hits": 12,
        "lastUsed": _SECOND - 45,
        "id": 1296,
        "applicationProtocolId": 676,
        "version": "119.0",
        "webApplications": [_web_application(2410)],
    }


def _ip_range(start: str, finish: str) -> Fields:
    return {"blockType": 141, "start": start, "finish": finish}


def _ranges(v6: bool) -> list[Fields]:
    if v6:
        return [_ip_range(_HOST_V6, _HOST_V6)]
    return [_ip_range(_HOST_V4, _HOST_V4), _ip_range("10.1.30.0", "10.1.30.255")]


def _user_product(record_type: int, v6: bool) -> Fields:
    if record_type == 74:  # an operating system definition: no port, no protocol
        port, protocol, vendor, product, version = 0, 0, "Microsoft", "Windows", "10"
    else:
        port, protocol, vendor, product, version = 22, 6, "OpenBSD", "OpenSSH", "9.3p1"
    return {
        "blockType": 134,
        "sourceId": 3,
        "sourceType": 1,
        "ipRanges": _ranges(v6),
        "port": port,
        "protocol": protocol,
        "dropUserProduct": 0,
        "vendor": vendor,
        "product": product,
        "version": version,
        "softwareId": 0,
        "serverId": 0,
        "vendorId": 0,
        "productId": 0,
        "versionMajor": version.split(".")[0],
        "versionMinor": "",
        "revision": "",
        "toVersionMajor": "",
        "toVersionMinor": "",
        "toRevision": "",
        "build": "",
        "patch": "",
        "extension": "",
        "osUuid": "00000000-0000-0000-0000-000000000000",
        "device": "",
        "mobile": 0,
        "jailbroken": 0,
        "fixes": [],
    }


def _user_protocol_list(v6: bool) -> Fields:
    return {
        "blockType": 83,
        "sourceType": 1,
        "sourceId": 3,
        "list": [
            {
                "blockType": 57,
                "ipRanges": _ranges(v6),
                "macRanges": [{"blockType": 63, "macAddress": _HOST_MAC}],
                "protocolType": 1,
                "protocol": 47,
            }
        ],
    }


def _user_client_application_list(v6: bool) -> Fields:
    return {
        "blockType": 60,
        "sourceType": 1,
        "sourceId": 3,
        "list": [
            {
                "blockType": 138,
                "ipRanges": _ranges(v6),
                "applicationProtocolId": 676,
                "clientApplicationId": 1296,
                "version": "119.0",
                "payloadType": 0,
                "webApplicationId": 2410,
            }
        ],
    }


def _user_hosts(v6: bool) -> Fields:
    return {
        "blockType": 78,
        "ipRanges": _ranges(v6),
        "macRanges": [{"blockType": 63, "macAddress": _HOST_MAC}],
        "sourceId": 3,
        "sourceType": 1,
    }


def _user_server_list(v6: bool) -> Fields:
    return {
        "blockType": 77,
        "sourceId": 3,
        "sourceType": 1,
        "macRanges": [
            {"blockType": 76, "ipRanges": _ranges(v6), "port": 8080, "protocol": 6},
            {"blockType": 76, "ipRanges": [], "port": 161, "protocol": 17},
        ],
    }


def _user_vulnerability_change(v6: bool) -> Fields:
    return {
        "blockType": 80,
        "sourceType": 1,
        "sourceId": 3,
        "type": 0,
        "list": [
            {
                "blockType": 124,
                "ipRanges": _ranges(v6),
                "port": 0,
                "protocol": 0,
                "vulnerabilityId": 89412,
                "thirdPartyVulnerabilityUuid": "00000000-0000-0000-0000-000000000000",
                "description": "Firefox updated to 120.0 on 2023-11-21",
                "clientApplicationId": 1296,
                "applicationProtocolId": 676,
                "version": "119.0",
            }
        ],
    }


def _user_criticality_change(v6: bool) -> Fields:
    return {"blockType": 81, "ipRanges": _ranges(v6), "sourceId": 3, "sourceType": 1, "criticality": 3}


def _user_attribute_value(v6: bool) -> Fields:
    return {
        "blockType": 82,
        "ipRanges": _ranges(v6),
        "sourceId": 3,
        "sourceType": 1,
        "attributeId": 12,
        "value": b"Finance building 7\x00",
    }


def _scan_result(address: str) -> Fields:
    return {
        "blockType": 142,
        "userId": 4,
        "scanType": 1,
        "ipAddress": address,
        "port": 443,
        "protocol": 6,
        "flag": 0,
        "vulnerabilities": [
            {
                "blockType": 109,
                "port": 443,
                "protocol": 6,
                "id": "NMAP-ssl-heartbleed",
                "name": "OpenSSL Heartbleed",
                "description": "TLS heartbeat read overrun",
                "nameClean": "openssl heartbleed",
                "descriptionClean": "tls heartbeat read overrun",
                "bugtraqIds": [{"blockType": 7, "value": 66690}],
                "cveIds": [{"blockType": 35, "value": "CVE-2014-0160"}],
            }
        ],
        "scanResults": [
            {
                "blockType": 108,
                "port": 443,
                "protocol": 6,
                "subServer": "ssl",
                "value": "OpenSSL 1.0.1f",
                "subServerUnformatted": "ssl",
                "valueUnformatted": "OpenSSL 1.0.1f",
            }
        ],
        "userProducts": [],
    }


def _user_information() -> Fields:
    return {
        "blockType": 120,
        "userId": 5,
        "username": "jdoe",
        "protocol": 710,
        "firstName": "John",
        "lastName": "Doe",
        "email": "jdoe@example.com",
        "department": "Finance",
        "phone": "+1 555 0100",
    }


def _user_login_5() -> Fields:
    return {
        "blockType": 127,
        "timestamp": _SECOND - 5,
        "ipv4Address": _HOST_V4,
        "username": "jdoe",
        "userId": 5,
        "applicationId": 710,
        "email": "jdoe@example.com",
        "ipv6Address": "::",
        "loginType": 0,
        "reportedBy": "ise-01",
    }


def _user_login_6_2(record_type: int, v6: bool) -> Fields:
    return {
        "blockType": 167,
        "timestamp": _SECOND - 5,
        "ipv4Address": "0.0.0.0" if v6 else _HOST_V4,
        "username": "jdoe",
        "domain": "EXAMPLE",
        "userId": 5,
        "realmId": 2,
        "endpointProfileId": 9,
        "securityGroupId": 17,
        "protocol": 710,
        "port": 0,
        "rangeStart": 0,
        "startPort": 0,
        "endPort": 0,
        "email": "jdoe@example.com",
        "ipv6Address": _HOST_V6 if v6 else "::",
        "locationIpv6Address": "::",
        "loginType": 1 if record_type in (170, 171) else 0,
        "authType": 2 if record_type in (170, 171) else 0,
        "reportedBy": "Firepower" if record_type in (170, 171) else "ise-01",
        "description": {170: "VPN login", 171: "VPN logoff"}.get(record_type, "Identity from ISE"),
        "vpnSessions": b"",
    }


def _ioc_state() -> Fields:
    return {
        "blockType": 150,
        "iocId": 7,
        "disabled": 0,
        "firstSeen": _SECOND - 3600,
        "firstEventId": 195430,
        "firstDeviceId": 1,
        "firstInstanceId": 1,
        "firstConnectionTime": _SECOND - 3601,
        "firstCounter": 12,
        "lastSeen": _SECOND - 60,
        "lastEventId": 195611,
        "lastInstanceId": 1,
        "lastConnectionTime": _SECOND - 61,
        "lastCounter": 40,
    }


# --- event-specific parts by record type ----------------------------------------------------

_OPAQUE_OS = bytes.fromhex("b4f1a5c62c1e4d0b9a516f0d3e7c8a10") + (90).to_bytes(4, "big")
_OPAQUE_ATTRIBUTE = (12).to_bytes(4, "big") + bytes.fromhex("0000000000000010") + b"Location"


def _part(record_type: int, v6: bool, address: str) -> Fields:  # noqa: C901 - one branch per block
    """The event-specific part (flattened) of one record type."""
    if record_type == 10:
        return _host_profile(address)
    if record_type in (11, 16, 51):
        return _host_server(443, 1122, "Apache", "2.4.58", web=2410)
    if record_type in (12, 17, 52):
        return _host_server(443, 3211, "nginx", "1.25.3", web=2410)
    if record_type == 13:
        return {"networkProtocol": 0x86DD}
    if record_type == 14:
        return {"transportProtocol": 47}
    if record_type in (15, 35, 107):
        return _host_client_application()
    if record_type in (18, 53):
        return {"blockType": 53, "data": _OPAQUE_OS}
    if record_type in (19, 20, 21, 44):
        return {}
    if record_type == 22:
        return {"hops": 3}
    if record_type in (23, 24, 25, 26):
        return {"port": 8443 if record_type in (23, 25) else 161}
    if record_type in (27, 28):
        mac = _HOST_MAC if record_type == 27 else "00:50:56:8a:3c:12"
        return {"blockType": 95, "ttl": 64, "macAddress": mac, "primary": 1 if record_type == 27 else 0,
                "lastSeen": _SECOND - 20}
    if record_type == 29:
        return {"ipAddress": "2001:db8:10:20::32" if v6 else "10.1.20.32"}
    if record_type == 31:
        return {"hostType": 1}
    if record_type == 34:
        return {"blockType": 14, "id": 20, "type": 0, "priority": 3}
    if record_type == 42:
        return {"blockType": 35, "value": "WS-FIN-042"}
    if record_type == 45:
        return {"blockType": 37, "port": 22, "protocol": 6, "data": b"SSH-2.0-OpenSSH_9.3\r\n"}
    if record_type in (46, 47, 48):
        return {"blockType": 55, "data": _OPAQUE_ATTRIBUTE}
    if record_type in (74, 75, 86):
        return _user_product(record_type, v6)
    if record_type in (76, 88):
        return _user_protocol_list(v6)
    if record_type in (77, 87):
        return _user_client_application_list(v6)
    if record_type in (78, 85):
        return _user_hosts(v6)
    if record_type == 79:
        return _user_server_list(v6)
    if record_type in (80, 81):
        return _user_vulnerability_change(v6)
    if record_type == 82:
        return _user_criticality_change(v6)
    if record_type in (83, 84):
        return _user_attribute_value(v6)
    if record_type == 89:
        return _scan_result(address)
    if record_type == 92 or (record_type in (93, 94) and not v6):
        return _user_information()
    if record_type == 95 and not v6:
        return _user_login_5()
    if record_type in (93, 94, 95, 170, 171):
        return _user_login_6_2(record_type, v6)
    if record_type == 101:
        return _fingerprint(_WINDOWS_10)
    if record_type in (102, 103):
        return {"blockType": 94, "sourceType": 2, "sourceId": 4,
                "uuid": "5d8e2f40-7c1b-4a3e-9f26-0b1c2d3e4f50", "port": 22, "protocol": 6,
                "serverMapId": 3}
    if record_type == 160:
        return _ioc_state() if v6 else {"blockType": 7, "value": 7}
    raise KeyError(record_type)


# --- names (the NAME_KEYS keys of the type, as complete metadata resolves them) -------------

_SOURCE_NAMES = {"sourceType": "User", "sourceApplication": "Host Input API", "sourceDetector": "admin"}
_USER_NAMES = {
    "user": "jdoe",
    "applicationProtocol": "LDAP",
    "realm": "EXAMPLE-AD",
    "endpointProfile": "Windows10-Workstation",
    "securityGroup": "Employees",
}


def _names(record_type: int, v6: bool) -> dict[str, str]:  # noqa: C901 - one branch per name table
    names = {"device": _FMC if record_type in USER_INPUT_SUBTYPES else _SENSOR}
    if record_type == 10:
        names.update(
            operatingSystem="Microsoft Windows 10",
            tcpServers="RDP",
            udpServers="NetBIOS-ns",
            networkProtocols="IP",
            transportProtocols="TCP, UDP",
            clientApplications="Firefox",
            webApplications="Example Search",
            vulnerabilities="Mozilla Firefox < 120.0 Multiple Vulnerabilities",
        )
    elif record_type in (11, 16, 51):
        names.update(applicationProtocol="HTTPS", webApplication="Example Search",
                     sourceType="RNA", sourceApplication="RNA", sourceDetector="RNA")
    elif record_type in (12, 17, 52):
        names.update(applicationProtocol="QUIC", webApplication="Example Search", sourceType="RNA",
                     sourceApplication="RNA", sourceDetector="RNA")
    elif record_type == 13:
        names["networkProtocol"] = "IPv6"
    elif record_type == 14:
        names["transportProtocol"] = "GRE"
    elif record_type in (15, 35, 107):
        names.update(clientApplication="Firefox", applicationProtocol="HTTP",
                     webApplication="Example Search")
    elif record_type == 45:
        names["protocol"] = "TCP"
    elif record_type in (74, 75, 86):
        # Record 74 (an OS definition) has protocol 0, which the names layer, knowing only
        # the IANA table, names "HOPOPT"; the mapping omits proto for protocol 0.
        names.update(_SOURCE_NAMES, protocol="HOPOPT" if record_type == 74 else "TCP")
    elif record_type in (76, 78, 79, 85, 88):
        names.update(_SOURCE_NAMES)
    elif record_type in (77, 87):
        names.update(_SOURCE_NAMES, applicationProtocol="HTTP", clientApplication="Firefox",
                     webApplication="Example Search")
    elif record_type in (80, 81):
        names.update(_SOURCE_NAMES, vulnerability="Mozilla Firefox < 120.0 Multiple Vulnerabilities",
                     applicationProtocol="HTTP", clientApplication="Firefox")
    elif record_type == 82:
        names.update(_SOURCE_NAMES, criticality="High")
    elif record_type in (83, 84):
        names.update(_SOURCE_NAMES, attribute="Location")
    elif record_type == 89:
        names.update(user="admin", scanType="Nmap", protocol="TCP")
    elif record_type == 92:
        names.update(user="jdoe", applicationProtocol="LDAP")
    elif record_type in (93, 94, 95, 170, 171):
        names.update(_USER_NAMES)
        if record_type in (93, 94, 95) and not v6:
            # blocks 120 and 127 carry no realm, endpoint profile or security group ID
            for key in ("realm", "endpointProfile", "securityGroup"):
                del names[key]
    elif record_type == 101:
        names.update(operatingSystem="Microsoft Windows 10", sourceType="RNA",
                     sourceApplication="RNA", sourceDetector="RNA")
    elif record_type in (102, 103):
        names.update(protocol="TCP", sourceType="Scanner", sourceApplication="Nmap",
                     sourceDetector="Nmap")
    elif record_type == 160:
        names.update(iocCategory="Malware Executed", iocEventType="Threat Detected by AMP for Endpoints",
                     iocName="Malware Executed: Threat Detected by AMP for Endpoints")
    return names


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _sample(record_type: int, v6: bool, index: int) -> Sample:
    address = _HOST_V6 if v6 else _HOST_V4
    device_id = 0 if record_type in USER_INPUT_SUBTYPES else 1
    fields = _header(record_type, address, device_id=device_id)
    fields.update(_part(record_type, v6, address))
    names = _names(record_type, v6)
    label = f"{record_type} {'IPv6' if v6 else 'IPv4'} host"
    block = fields.get("blockType")
    if block is not None:
        label += f" (block {block})"
    return Sample(
        label,
        record_type,
        _frozen(fields),
        _frozen(names),
        archive_timestamp=fields["eventSecond"] + 1 if v6 else None,
        offset=1048576 + 4096 * index,
    )


#: Every discovery, user and IOC sample, IPv4 host then IPv6 host for each record type.
DISCOVERY_SAMPLES: tuple[Sample, ...] = tuple(
    _sample(record_type, v6, 2 * position + int(v6))
    for position, record_type in enumerate(sorted(SAMPLE_EVENT_TYPES))
    for v6 in (False, True)
)
