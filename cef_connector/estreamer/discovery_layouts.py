"""Discovery (RNA host), user (RUA) and IOC event layouts and their blocks (§4.6, §5.10-§5.12).

Every record here starts with the discovery event header (``DISCOVERY_HEADER``, §4.6),
followed by the event-specific part of §5.11's table: a few plain fields, nothing, or one
series-1 block that is flattened into the record (see docs/architecture.md "Flattening";
on a name clash the block's field wins, e.g. ``macAddress`` of block 95 in records 27/28
and ``ipv6Address`` of blocks 127/167 in the user records).

``DISCOVERY_RECORD_LAYOUTS`` is merged into ``layouts.RECORD_LAYOUTS`` and
``DISCOVERY_SERIES1_BLOCKS`` into ``layouts.SERIES1_BLOCKS``.  ``DISCOVERY_EVENT_TYPES``
gives, per record type, the (eventType, eventSubtype) pair of its header (§4.6), for
simulators and consistency checks.

Sources of the block layouts: the protocol doc's tables where it has them (blocks 1, 4,
7, 14, 35, 37, 85, 94, 95, 103, 112, 117, 120, 122, 123, 127, 130, 131, 139, 150, 167) and
field names; for the user-input blocks (134, 83, 60, 78, 77, 80, 81, 82, 142 and the
blocks nested in them: 57, 63, 67, 76, 108, 109, 124, 138, 141) §5.11 refers to eNcore's
series-1 block definitions, whose field names and order are used unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from .constants import RecordType, Series1Block
from .layout_types import (
    DISCOVERY_HEADER,
    BlockLayout,
    FieldSpec,
    RecordLayout,
    blob_block,
    inline,
    ipv4,
    ipv6,
    list_of,
    mac,
    rest_bytes,
    string_block,
    u8,
    u16,
    u32,
    uuid,
)

__all__ = [
    "DISCOVERY_RECORD_LAYOUTS",
    "DISCOVERY_SERIES1_BLOCKS",
    "DISCOVERY_EVENT_TYPES",
    "DISCOVERY_EVENT_TYPE_ONLY",
    "USER_INPUT_SUBTYPES",
]

_R = RecordType
_B = Series1Block


def _block(block_type: _B, title: str, *fields: FieldSpec) -> BlockLayout:
    return BlockLayout(1, block_type, f"{title} (series 1, block {int(block_type)})", fields)


# --- generic and small blocks (§4.4, §5.11) ----------------------------------------------

S1_SUB_SERVER = _block(
    _B.SUB_SERVER, "sub-server",
    string_block("name"), string_block("vendor"), string_block("version"),
)  # fmt: skip

S1_PROTOCOL = _block(_B.PROTOCOL, "protocol", u16("protocol"))

#: §5.12: record 160 carries the IOC id as the integer block's value.
S1_INTEGER = _block(_B.INTEGER, "integer", u32("value"))

S1_VLAN = _block(_B.VLAN, "VLAN", u16("id"), u8("type"), u8("priority"))

# §5.11 says "one string block"; the name is eNcore's.
S1_STRING_INFORMATION = _block(_B.STRING_INFORMATION, "string information", string_block("value"))

# §5.11: port, protocol, BLOB block; the BLOB's name is eNcore's.
S1_SERVER_BANNER = _block(
    _B.SERVER_BANNER, "server banner", u16("port"), u8("protocol"), blob_block("data")
)

S1_WEB_APPLICATION = _block(_B.WEB_APPLICATION, "web application", u32("applicationId"))

S1_HOST_VULNERABILITY = _block(
    _B.HOST_VULNERABILITY, "host vulnerability",
    u32("vulnerabilityId"), u8("invalidFlags"), u32("type"),
)  # fmt: skip

S1_IDENTITY = _block(
    _B.IDENTITY, "identity",
    u32("sourceType"), u32("sourceId"), uuid("uuid"), u16("port"), u16("protocol"),
    u32("serverMapId"),
)  # fmt: skip

S1_HOST_MAC_ADDRESS = _block(
    _B.HOST_MAC_ADDRESS, "host MAC address",
    u8("ttl"), mac("macAddress"), u8("primary"), u32("lastSeen"),
)  # fmt: skip

# §5.1 "Gaps": records 18/53 carry block 53 and records 46-48 block 55, but neither the
# doc nor eNcore defines those blocks.  The block's type is checked and its body kept
# undecoded as ``data`` (bytes), so the header fields are still decoded and nothing is
# lost; any other block type makes the record an UnknownRecord.
S1_OPERATING_SYSTEM = _block(
    _B.OPERATING_SYSTEM, "operating system, layout undocumented", rest_bytes("data")
)
S1_ATTRIBUTE_DEFINITION = _block(
    _B.ATTRIBUTE_DEFINITION, "attribute definition, layout undocumented", rest_bytes("data")
)

# --- host servers and client applications (§5.11) ----------------------------------------

S1_SERVER_INFORMATION = _block(
    _B.SERVER_INFORMATION, "server information",
    u32("applicationId"),
    string_block("vendor"),
    string_block("version"),
    u32("lastUsed"),
    u32("sourceType"),
    u32("sourceId"),
    list_of("subServers", S1_SUB_SERVER),
)  # fmt: skip

S1_HOST_SERVER = _block(
    _B.HOST_SERVER, "host server",
    u16("port"),
    u32("hits"),
    u32("lastUsed"),
    list_of("serverInformation", S1_SERVER_INFORMATION),
    u32("confidence"),
    list_of("webApplications", S1_WEB_APPLICATION),
)  # fmt: skip

S1_HOST_CLIENT_APPLICATION = _block(
    _B.HOST_CLIENT_APPLICATION, "host client application",
    u32("hits"),
    u32("lastUsed"),
    u32("id"),
    u32("applicationProtocolId"),
    string_block("version"),
    list_of("webApplications", S1_WEB_APPLICATION),
)  # fmt: skip

# §5.11 names the scalar fields of block 112 but not its two lists; they are named like
# the doc's lists of block 123 in blocks 103/122 (eNcore: webApplication, vulnerability).
S1_FULL_HOST_CLIENT_APPLICATION = _block(
    _B.FULL_HOST_CLIENT_APPLICATION, "full host client application",
    u32("hits"),
    u32("lastUsed"),
    u32("applicationId"),
    string_block("version"),
    list_of("webApplications", S1_WEB_APPLICATION),
    list_of("vulnerabilities", S1_HOST_VULNERABILITY),
)  # fmt: skip

# --- operating systems and host profile (§5.11) ------------------------------------------

# §5.11 gives "header, string block, lastSeen, mobile, jailbroken"; the string's name is
# eNcore's.
S1_MOBILE_DEVICE_INFORMATION = _block(
    _B.MOBILE_DEVICE_INFORMATION, "mobile device information",
    string_block("string"), u32("lastSeen"), u32("mobile"), u32("jailbroken"),
)  # fmt: skip

S1_OPERATING_SYSTEM_FINGERPRINT = _block(
    _B.OPERATING_SYSTEM_FINGERPRINT, "operating system fingerprint",
    uuid("fingerprintUuid"),
    u32("type"),
    u32("sourceType"),
    u32("sourceId"),
    u32("lastSeen"),
    u8("ttlDifference"),
    list_of("mobileDevices", S1_MOBILE_DEVICE_INFORMATION),
)  # fmt: skip

_FINGERPRINTS = (
    "serverFingerprints", "clientFingerprints", "smbFingerprints", "dhcpFingerprints",
    "mobileDeviceFingerprints", "ipv6ServerFingerprints", "ipv6ClientFingerprints",
    "ipv6DhcpFingerprints", "userAgentFingerprints",
)  # fmt: skip

S1_HOST_PROFILE = _block(
    _B.HOST_PROFILE, "host profile",
    ipv6("ipAddress"),
    u8("hops"),
    u8("primarySecondary"),
    *(list_of(name, S1_OPERATING_SYSTEM_FINGERPRINT) for name in _FINGERPRINTS),
    list_of("tcpServers", S1_HOST_SERVER),
    list_of("udpServers", S1_HOST_SERVER),
    list_of("networkProtocols", S1_PROTOCOL),
    list_of("transportProtocols", S1_PROTOCOL),
    list_of("macAddresses", S1_HOST_MAC_ADDRESS),
    u32("hostLastSeen"),
    u32("hostType"),
    u8("mobile"),
    u8("jailbroken"),
    u8("vlanPresence"),
    u16("vlanId"),
    u8("vlanType"),
    u8("vlanPriority"),
    list_of("clientApplications", S1_FULL_HOST_CLIENT_APPLICATION),
    string_block("netbiosName"),
)  # fmt: skip

# --- user input (records 74-89; eNcore's definitions, per §5.11) -------------------------

S1_IP_ADDRESS_RANGE = _block(
    _B.IP_ADDRESS_RANGE, "IP address range", ipv6("start"), ipv6("finish")
)

S1_MAC_ADDRESS_SPECIFICATION = _block(
    _B.MAC_ADDRESS_SPECIFICATION, "MAC address specification", mac("macAddress")
)

S1_FIX = _block(_B.FIX, "fix", u32("id"))

S1_USER_PROTOCOL = _block(
    _B.USER_PROTOCOL, "user protocol",
    list_of("ipRanges", S1_IP_ADDRESS_RANGE),
    list_of("macRanges", S1_MAC_ADDRESS_SPECIFICATION),
    u8("protocolType"),
    u16("protocol"),
)  # fmt: skip

S1_USER_PROTOCOL_LIST = _block(
    _B.USER_PROTOCOL_LIST, "user protocol list",
    u32("sourceType"), u32("sourceId"), list_of("list", S1_USER_PROTOCOL),
)  # fmt: skip

S1_USER_CLIENT_APPLICATION = _block(
    _B.USER_CLIENT_APPLICATION, "user client application",
    list_of("ipRanges", S1_IP_ADDRESS_RANGE),
    u32("applicationProtocolId"),
    u32("clientApplicationId"),
    string_block("version"),
    u32("payloadType"),
    u32("webApplicationId"),
)  # fmt: skip

S1_USER_CLIENT_APPLICATION_LIST = _block(
    _B.USER_CLIENT_APPLICATION_LIST, "user client application list",
    u32("sourceType"), u32("sourceId"), list_of("list", S1_USER_CLIENT_APPLICATION),
)  # fmt: skip

S1_USER_HOSTS = _block(
    _B.USER_HOSTS, "user hosts",
    list_of("ipRanges", S1_IP_ADDRESS_RANGE),
    list_of("macRanges", S1_MAC_ADDRESS_SPECIFICATION),
    u32("sourceId"),
    u32("sourceType"),
)  # fmt: skip

S1_USER_SERVER = _block(
    _B.USER_SERVER, "user server",
    list_of("ipRanges", S1_IP_ADDRESS_RANGE), u16("port"), u16("protocol"),
)  # fmt: skip

# eNcore names this list of user-server blocks (76) "macRanges"; kept so that field names
# match eNcore's output, although the items are servers, not MAC ranges.
S1_USER_SERVER_LIST = _block(
    _B.USER_SERVER_LIST, "user server list",
    u32("sourceId"), u32("sourceType"), list_of("macRanges", S1_USER_SERVER),
)  # fmt: skip

S1_USER_VULNERABILITY = _block(
    _B.USER_VULNERABILITY, "user vulnerability",
    list_of("ipRanges", S1_IP_ADDRESS_RANGE),
    u16("port"),
    u16("protocol"),
    u32("vulnerabilityId"),
    uuid("thirdPartyVulnerabilityUuid"),
    string_block("description"),
    u32("clientApplicationId"),
    u32("applicationProtocolId"),
    string_block("version"),
)  # fmt: skip

# eNcore notes that the guide's diagram and table disagree about this block; it reads a
# uint32 ``type`` before the list, and so do we.
S1_USER_VULNERABILITY_CHANGE = _block(
    _B.USER_VULNERABILITY_CHANGE, "user vulnerability change",
    u32("sourceType"), u32("sourceId"), u32("type"), list_of("list", S1_USER_VULNERABILITY),
)  # fmt: skip

S1_USER_CRITICALITY_CHANGE = _block(
    _B.USER_CRITICALITY_CHANGE, "user criticality change",
    list_of("ipRanges", S1_IP_ADDRESS_RANGE),
    u32("sourceId"),
    u32("sourceType"),
    u32("criticality"),
)  # fmt: skip

S1_USER_ATTRIBUTE_VALUE = _block(
    _B.USER_ATTRIBUTE_VALUE, "user attribute value",
    list_of("ipRanges", S1_IP_ADDRESS_RANGE),
    u32("sourceId"),
    u32("sourceType"),
    u32("attributeId"),
    blob_block("value"),
)  # fmt: skip

S1_USER_PRODUCT = _block(
    _B.USER_PRODUCT, "user product",
    u32("sourceId"),
    u32("sourceType"),
    list_of("ipRanges", S1_IP_ADDRESS_RANGE),
    u16("port"),
    u16("protocol"),
    u32("dropUserProduct"),
    string_block("vendor"),
    string_block("product"),
    string_block("version"),
    u32("softwareId"),
    u32("serverId"),
    u32("vendorId"),
    u32("productId"),
    string_block("versionMajor"),
    string_block("versionMinor"),
    string_block("revision"),
    string_block("toVersionMajor"),
    string_block("toVersionMinor"),
    string_block("toRevision"),
    string_block("build"),
    string_block("patch"),
    string_block("extension"),
    uuid("osUuid"),
    string_block("device"),
    u8("mobile"),
    u8("jailbroken"),
    list_of("fixes", S1_FIX),
)  # fmt: skip

S1_GENERIC_SCAN_RESULTS = _block(
    _B.GENERIC_SCAN_RESULTS, "generic scan results",
    u16("port"),
    u16("protocol"),
    string_block("subServer"),
    string_block("value"),
    string_block("subServerUnformatted"),
    string_block("valueUnformatted"),
)  # fmt: skip

S1_SCAN_VULNERABILITY = _block(
    _B.SCAN_VULNERABILITY, "scan vulnerability",
    u16("port"),
    u16("protocol"),
    string_block("id"),
    string_block("name"),
    string_block("description"),
    string_block("nameClean"),
    string_block("descriptionClean"),
    list_of("bugtraqIds", S1_INTEGER),
    list_of("cveIds", S1_STRING_INFORMATION),
)  # fmt: skip

S1_SCAN_RESULT = _block(
    _B.SCAN_RESULT, "scan result",
    u32("userId"),
    u32("scanType"),
    ipv6("ipAddress"),
    u16("port"),
    u16("protocol"),
    u16("flag"),
    list_of("vulnerabilities", S1_SCAN_VULNERABILITY),
    list_of("scanResults", S1_GENERIC_SCAN_RESULTS),
    list_of("userProducts", S1_USER_PRODUCT),
)  # fmt: skip

# --- user (RUA) events (§5.10) -----------------------------------------------------------

S1_USER_INFORMATION = _block(
    _B.USER_INFORMATION, "user information",
    u32("userId"),
    string_block("username"),
    u32("protocol"),
    string_block("firstName"),
    string_block("lastName"),
    string_block("email"),
    string_block("department"),
    string_block("phone"),
)  # fmt: skip

S1_USER_LOGIN_INFORMATION_5 = _block(
    _B.USER_LOGIN_INFORMATION_5, "user login information 5.x",
    u32("timestamp"),
    ipv4("ipv4Address"),
    string_block("username"),
    u32("userId"),
    u32("applicationId"),
    string_block("email"),
    ipv6("ipv6Address"),
    u8("loginType"),
    string_block("reportedBy"),
)  # fmt: skip

# §5.10 note, §9.2 #6: the layout of the VPN session list is unverified (eNcore reads its
# items without block headers), so everything after ``description`` — the list block,
# header included — is kept undecoded as ``vpnSessions`` (bytes; b"" when absent).
S1_USER_LOGIN_INFORMATION_6_2 = _block(
    _B.USER_LOGIN_INFORMATION_6_2, "user login information 6.2+",
    u32("timestamp"),
    ipv4("ipv4Address"),
    string_block("username"),
    string_block("domain"),
    u32("userId"),
    u32("realmId"),
    u32("endpointProfileId"),
    u32("securityGroupId"),
    u32("protocol"),
    u16("port"),
    u16("rangeStart"),
    u16("startPort"),
    u16("endPort"),
    string_block("email"),
    ipv6("ipv6Address"),
    ipv6("locationIpv6Address"),
    u8("loginType"),
    u8("authType"),
    string_block("reportedBy"),
    string_block("description"),
    rest_bytes("vpnSessions"),
)  # fmt: skip

# --- IOC (§5.12) -------------------------------------------------------------------------

S1_IOC_STATE = _block(
    _B.IOC_STATE, "IOC state",
    u32("iocId"),
    u8("disabled"),
    u32("firstSeen"),
    u32("firstEventId"),
    u32("firstDeviceId"),
    u16("firstInstanceId"),
    u32("firstConnectionTime"),
    u16("firstCounter"),
    u32("lastSeen"),
    u32("lastEventId"),
    u16("lastInstanceId"),
    u32("lastConnectionTime"),
    u16("lastCounter"),
)  # fmt: skip

#: Series-1 blocks that discovery, user and IOC records use, by type.
DISCOVERY_SERIES1_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (
        S1_SUB_SERVER, S1_PROTOCOL, S1_INTEGER, S1_VLAN, S1_STRING_INFORMATION,
        S1_SERVER_BANNER, S1_OPERATING_SYSTEM, S1_ATTRIBUTE_DEFINITION, S1_USER_PROTOCOL,
        S1_USER_CLIENT_APPLICATION_LIST, S1_MAC_ADDRESS_SPECIFICATION, S1_FIX,
        S1_USER_SERVER, S1_USER_SERVER_LIST, S1_USER_HOSTS, S1_USER_VULNERABILITY_CHANGE,
        S1_USER_CRITICALITY_CHANGE, S1_USER_ATTRIBUTE_VALUE, S1_USER_PROTOCOL_LIST,
        S1_HOST_VULNERABILITY, S1_IDENTITY, S1_HOST_MAC_ADDRESS, S1_HOST_SERVER,
        S1_GENERIC_SCAN_RESULTS, S1_SCAN_VULNERABILITY, S1_FULL_HOST_CLIENT_APPLICATION,
        S1_SERVER_INFORMATION, S1_USER_INFORMATION, S1_HOST_CLIENT_APPLICATION,
        S1_WEB_APPLICATION, S1_USER_VULNERABILITY, S1_USER_LOGIN_INFORMATION_5,
        S1_OPERATING_SYSTEM_FINGERPRINT, S1_MOBILE_DEVICE_INFORMATION, S1_USER_PRODUCT,
        S1_USER_CLIENT_APPLICATION, S1_HOST_PROFILE, S1_IP_ADDRESS_RANGE, S1_SCAN_RESULT,
        S1_IOC_STATE, S1_USER_LOGIN_INFORMATION_6_2,
    )
    if b.block_type is not None
}  # fmt: skip


# --- records -----------------------------------------------------------------------------


def _with(records: tuple[RecordType, ...], *fields: FieldSpec) -> tuple[RecordLayout, ...]:
    """Layouts of records that share one event-specific part after the header."""
    return tuple(RecordLayout(rt, (*DISCOVERY_HEADER, *fields)) for rt in records)


#: Discovery, user and IOC record types we decode, by number.
DISCOVERY_RECORD_LAYOUTS: Mapping[int, RecordLayout] = {
    int(layout.record_type): layout
    for layout in (
        # §5.11, in the order of its table.
        *_with((_R.NEW_HOST,), inline(S1_HOST_PROFILE)),
        *_with(
            (
                _R.NEW_TCP_SERVER, _R.NEW_UDP_SERVER, _R.TCP_SERVER_INFORMATION_UPDATE,
                _R.UDP_SERVER_INFORMATION_UPDATE, _R.TCP_SERVER_CONFIDENCE_UPDATE,
                _R.UDP_SERVER_CONFIDENCE_UPDATE,
            ),
            inline(S1_HOST_SERVER),
        ),
        *_with((_R.NEW_NETWORK_PROTOCOL,), u16("networkProtocol")),
        *_with((_R.NEW_TRANSPORT_PROTOCOL,), u8("transportProtocol")),
        *_with(
            (_R.NEW_CLIENT_APPLICATION, _R.CLIENT_APPLICATION_TIMEOUT,
             _R.CLIENT_APPLICATION_UPDATE),
            inline(S1_HOST_CLIENT_APPLICATION),
        ),
        *_with((_R.OS_INFORMATION_UPDATE, _R.OS_CONFIDENCE_UPDATE), inline(S1_OPERATING_SYSTEM)),
        *_with(
            (_R.HOST_TIMEOUT, _R.HOST_IP_ADDRESS_REUSED, _R.HOST_DELETED_HOST_LIMIT_REACHED,
             _R.HOST_DROPPED_HOST_LIMIT_REACHED),
        ),
        *_with((_R.HOPS_CHANGE,), u8("hops")),
        *_with(
            (_R.TCP_PORT_CLOSED, _R.UDP_PORT_CLOSED, _R.TCP_PORT_TIMEOUT, _R.UDP_PORT_TIMEOUT),
            u16("port"),
        ),
        *_with(
            (_R.MAC_INFORMATION_CHANGE, _R.ADDITIONAL_MAC_DETECTED), inline(S1_HOST_MAC_ADDRESS)
        ),
        *_with((_R.HOST_IP_ADDRESS_CHANGED,), ipv6("ipAddress")),
        *_with((_R.HOST_IDENTIFIED_AS_ROUTER_BRIDGE,), u32("hostType")),
        *_with((_R.VLAN_TAG_INFORMATION_UPDATE,), inline(S1_VLAN)),
        *_with((_R.NETBIOS_NAME_CHANGE,), inline(S1_STRING_INFORMATION)),
        *_with((_R.UPDATE_BANNER,), inline(S1_SERVER_BANNER)),
        *_with(
            (_R.ADD_HOST_ATTRIBUTE, _R.UPDATE_HOST_ATTRIBUTE, _R.DELETE_HOST_ATTRIBUTE),
            inline(S1_ATTRIBUTE_DEFINITION),
        ),
        *_with((_R.NEW_OS,), inline(S1_OPERATING_SYSTEM_FINGERPRINT)),
        *_with((_R.IDENTITY_CONFLICT, _R.IDENTITY_TIMEOUT), inline(S1_IDENTITY)),
        # §5.1: user input, records 74-89.
        *_with(
            (_R.USER_SET_OS, _R.USER_SET_SERVER, _R.USER_ADD_SERVER), inline(S1_USER_PRODUCT)
        ),
        *_with(
            (_R.USER_DELETE_PROTOCOL, _R.USER_ADD_PROTOCOL), inline(S1_USER_PROTOCOL_LIST)
        ),
        *_with(
            (_R.USER_DELETE_CLIENT_APPLICATION, _R.USER_ADD_CLIENT_APPLICATION),
            inline(S1_USER_CLIENT_APPLICATION_LIST),
        ),
        *_with((_R.USER_DELETE_ADDRESS, _R.USER_ADD_HOST), inline(S1_USER_HOSTS)),
        *_with((_R.USER_DELETE_SERVER,), inline(S1_USER_SERVER_LIST)),
        *_with(
            (_R.USER_SET_VALID_VULNERABILITIES, _R.USER_SET_INVALID_VULNERABILITIES),
            inline(S1_USER_VULNERABILITY_CHANGE),
        ),
        *_with((_R.USER_SET_HOST_CRITICALITY,), inline(S1_USER_CRITICALITY_CHANGE)),
        *_with(
            (_R.USER_SET_ATTRIBUTE_VALUE, _R.USER_DELETE_ATTRIBUTE_VALUE),
            inline(S1_USER_ATTRIBUTE_VALUE),
        ),
        *_with((_R.USER_ADD_SCAN_RESULT,), inline(S1_SCAN_RESULT)),
        # §5.10: the block depends on the version requested for event type 91 (v4: 120/127,
        # v7: 167); the type on the wire decides.  The v4 block comes first because v4 is
        # what we request (§9.1 #9), so the encoder uses it when blockType is not given.
        *_with((_R.USER_DROPPED_CHANGE_EVENT,), inline(S1_USER_INFORMATION)),
        *_with(
            (_R.USER_REMOVED_CHANGE_EVENT, _R.NEW_USER_IDENTIFICATION_EVENT),
            inline(S1_USER_INFORMATION, S1_USER_LOGIN_INFORMATION_6_2),
        ),
        *_with(
            (_R.USER_LOGIN_CHANGE_EVENT,),
            inline(S1_USER_LOGIN_INFORMATION_5, S1_USER_LOGIN_INFORMATION_6_2),
        ),
        *_with(
            (_R.NEW_VPN_DEVICE_LOGIN, _R.NEW_VPN_DEVICE_LOGOFF),
            inline(S1_USER_LOGIN_INFORMATION_6_2),
        ),
        # §5.12: the IOC id in an integer block; FMC 6.0 sent block 150 instead.
        *_with((_R.HOST_IOC_SET,), inline(S1_INTEGER, S1_IOC_STATE)),
    )
}  # fmt: skip


# --- header event type / subtype (§4.6) --------------------------------------------------

_NEW, _CHANGE, _USER_INPUT, _CONNECTION, _USER, _IOC = 1000, 1001, 1002, 1003, 1004, 1008

#: (eventType, eventSubtype) of the discovery header for each record type whose pair
#: §4.6's table gives (the record/subtype pairing is inferred from names, §9.2 #9).
#: Connection records 71 and 73 are included for completeness.
_EVENT_TYPES: dict[RecordType, tuple[int, int]] = {
    _R.NEW_HOST: (_NEW, 1),
    _R.NEW_TCP_SERVER: (_NEW, 2),
    _R.NEW_NETWORK_PROTOCOL: (_NEW, 3),
    _R.NEW_TRANSPORT_PROTOCOL: (_NEW, 4),
    _R.NEW_UDP_SERVER: (_NEW, 6),
    _R.NEW_CLIENT_APPLICATION: (_NEW, 7),
    _R.NEW_OS: (_NEW, 8),
    _R.HOST_IP_ADDRESS_CHANGED: (_CHANGE, 1),
    _R.OS_INFORMATION_UPDATE: (_CHANGE, 2),
    _R.HOST_IP_ADDRESS_REUSED: (_CHANGE, 3),
    _R.HOPS_CHANGE: (_CHANGE, 5),
    _R.TCP_SERVER_INFORMATION_UPDATE: (_CHANGE, 6),
    _R.HOST_TIMEOUT: (_CHANGE, 7),
    _R.TCP_PORT_CLOSED: (_CHANGE, 8),
    _R.UDP_PORT_CLOSED: (_CHANGE, 9),
    _R.UDP_SERVER_INFORMATION_UPDATE: (_CHANGE, 10),
    _R.TCP_PORT_TIMEOUT: (_CHANGE, 11),
    _R.UDP_PORT_TIMEOUT: (_CHANGE, 12),
    _R.MAC_INFORMATION_CHANGE: (_CHANGE, 13),
    _R.ADDITIONAL_MAC_DETECTED: (_CHANGE, 14),
    _R.HOST_IDENTIFIED_AS_ROUTER_BRIDGE: (_CHANGE, 16),
    _R.VLAN_TAG_INFORMATION_UPDATE: (_CHANGE, 18),
    _R.HOST_DELETED_HOST_LIMIT_REACHED: (_CHANGE, 19),
    _R.CLIENT_APPLICATION_TIMEOUT: (_CHANGE, 20),
    _R.NETBIOS_NAME_CHANGE: (_CHANGE, 21),
    _R.HOST_DROPPED_HOST_LIMIT_REACHED: (_CHANGE, 23),
    _R.UPDATE_BANNER: (_CHANGE, 24),
    _R.TCP_SERVER_CONFIDENCE_UPDATE: (_CHANGE, 25),
    _R.UDP_SERVER_CONFIDENCE_UPDATE: (_CHANGE, 26),
    _R.OS_CONFIDENCE_UPDATE: (_CHANGE, 27),
    _R.IDENTITY_CONFLICT: (_CHANGE, 29),
    _R.IDENTITY_TIMEOUT: (_CHANGE, 30),
    _R.CLIENT_APPLICATION_UPDATE: (_CHANGE, 32),
    _R.CONNECTION_STATISTICS: (_CONNECTION, 1),
    _R.CONNECTION_CHUNK: (_CONNECTION, 2),
    _R.NEW_USER_IDENTIFICATION_EVENT: (_USER, 1),
    _R.USER_LOGIN_CHANGE_EVENT: (_USER, 2),
    _R.USER_REMOVED_CHANGE_EVENT: (_USER, 3),
    _R.USER_DROPPED_CHANGE_EVENT: (_USER, 4),
    _R.HOST_IOC_SET: (_IOC, 1),
}
DISCOVERY_EVENT_TYPES: Mapping[int, tuple[int, int]] = {int(k): v for k, v in _EVENT_TYPES.items()}

#: Record types whose header eventType §4.6 gives without a per-record subtype: the
#: user-input records (eventType 1002, subtypes "1-32, 45, 46" not paired with records).
#: Records 170/171 appear in neither table (§9.2 #6).
DISCOVERY_EVENT_TYPE_ONLY: Mapping[int, int] = {
    int(rt): _USER_INPUT
    for rt in (
        _R.ADD_HOST_ATTRIBUTE, _R.UPDATE_HOST_ATTRIBUTE, _R.DELETE_HOST_ATTRIBUTE,
        *(RecordType(n) for n in range(_R.USER_SET_OS, _R.USER_ADD_SCAN_RESULT + 1)),
    )
}  # fmt: skip

#: eventSubtype we pair with each user-input record (eventType 1002): the subtype whose
#: eNcore description names the same action (``formats.encore_tables.RNA_EVENT_NAMES``
#: (1002, n)); §4.6 gives only "1-32, 45, 46" without a pairing (§9.2 #9).  Used by the
#: simulator and the mapping samples; the decoder reads whatever subtype arrives.
USER_INPUT_SUBTYPES: Mapping[int, int] = {
    74: 16,  # User Set OS → Set Operating System Definition
    75: 19,  # User Set Server → Set Service Definition
    76: 14,  # User Delete Protocol → Delete Protocol
    77: 15,  # User Delete Client Application → Delete Client Application
    78: 20,  # User Delete Address → Delete Host/Network
    79: 21,  # User Delete Server → Delete Service
    80: 22,  # User Set Valid Vulnerabilities → Vulnerability Set Valid
    81: 23,  # User Set Invalid Vulnerabilities → Vulnerability Set Invalid
    82: 24,  # User Set Host Criticality → Set Host Criticality
    83: 25,  # User Set Attribute Value → Host Attribute Set Value
    84: 26,  # User Delete Attribute Value → Host Attribute Delete Value
    85: 27,  # User Add Host → Add Host
    86: 28,  # User Add Server → Add Service
    87: 29,  # User Add Client Application → Add Client Application
    88: 30,  # User Add Protocol → Add Protocol
    89: 11,  # User Add Scan Result → Add Scan Result
    46: 6,  # Add Host Attribute → Host Attribute Add
    47: 7,  # Update Host Attribute → Host Attribute Update
    48: 8,  # Delete Host Attribute → Host Attribute Delete
}
