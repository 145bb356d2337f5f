"""Numeric codes of the eStreamer protocol: message, record, block and flag numbers, and limits.

Every number the protocol core compares against lives here as an ``IntEnum``/``IntFlag``
member or a named constant, each citing the section of the protocol reference
(``shared/docs/estreamer-protocol.md``) it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag

from cef_connector.errors import LocalProtocolError

__all__ = [
    "HEADER_VERSION",
    "MESSAGE_HEADER_SIZE",
    "MessageType",
    "RequestFlag",
    "EventTypeCode",
    "RecordType",
    "METADATA_RECORD_TYPES",
    "Series1Block",
    "Series2Block",
    "START_GENESIS",
    "START_NOW",
    "STREAMING_SERVICE_ID",
    "DEFAULT_EVENT_TYPES",
    "BUNDLE_INNER_TYPES",
    "RECORD_TYPE_MASK",
    "CLIENT_ERROR_CODE",
    "Limits",
]

#: §2.1: every message header starts with headerVersion 1.
HEADER_VERSION = 1
#: §2.1: headerVersion uint16, messageType uint16, messageLength uint32.
MESSAGE_HEADER_SIZE = 8


class MessageType(IntEnum):
    """Message types of the 8-byte message header (§2.2)."""

    #: Keep-alive from the server; "ready for more" / bundle acknowledgement from the client.
    NULL = 0
    #: Error code + text (§2.4), either direction.
    ERROR = 1
    #: Client request that starts streaming (§3.1).
    EVENT_STREAM_REQUEST = 2
    #: One record (§4.1).
    EVENT_DATA = 4
    #: Host profile query (§2.7); not used for event forwarding.
    HOST_DATA_REQUEST = 5
    #: Host profile reply; not handled.
    SINGLE_HOST_DATA = 6
    #: Host profiles reply; not handled.
    MULTIPLE_HOST_DATA = 7
    #: Extended request: service 6667 + (version, type) pairs (§3.6).
    STREAMING_REQUEST = 2049
    #: Extended request: the services the server offers (§3.5).
    STREAMING_INFORMATION = 2051
    #: Several EventData payloads acknowledged with one Null (§3.8).
    MESSAGE_BUNDLE = 4002


class RequestFlag(IntFlag):
    """Bits of the EventStreamRequest ``requestFlags`` word (§3.3; bit 0 = least significant)."""

    PACKET_DATA = 1 << 0  #: record 2 for intrusion events (eNcore ``packetData``)
    METADATA_V1 = 1 << 1
    INTRUSION_LEGACY = 1 << 2  #: intrusion events, legacy format
    DISCOVERY_V1 = 1 << 3
    CORRELATION_V1 = 1 << 4
    IMPACT_ALERTS = 1 << 5  #: record 9 (eNcore ``impactEventAlerts``)
    INTRUSION = 1 << 6  #: intrusion events with impact flags (eNcore ``intrusion``)
    DISCOVERY_V2 = 1 << 7
    CONNECTION_V1 = 1 << 8
    CORRELATION_V2 = 1 << 9
    DISCOVERY_V3 = 1 << 10
    HOST_ONLY = 1 << 11  #: suppress default streaming before a host request (legacy)
    CONNECTION_V3 = 1 << 12
    CORRELATION_V3 = 1 << 13
    METADATA_V2 = 1 << 14
    METADATA_V3 = 1 << 15
    WAIT_FOR_CONFIG = 1 << 16  #: legacy, meaning unconfirmed
    DISCOVERY_V4 = 1 << 17
    CONNECTION_V4 = 1 << 18
    CORRELATION_V4 = 1 << 19
    METADATA_V4 = 1 << 20  #: current metadata (eNcore ``metadata``)
    USER_ACTIVITY_LEGACY = 1 << 21
    CORRELATION_V5 = 1 << 22
    ARCHIVE_TIMESTAMPS = 1 << 23  #: 16-byte record header (eNcore ``archiveTimestamps``)
    DISCOVERY_V5 = 1 << 24
    UNIDENTIFIED_25 = 1 << 25
    UNIDENTIFIED_26 = 1 << 26
    EXTRA_DATA = 1 << 27  #: record 110 (+111 with bit 20) (eNcore ``eventExtraData``)
    UNIDENTIFIED_28 = 1 << 28
    POLICY = 1 << 29  #: named by eNcore, never set; meaning unconfirmed
    EXTENDED = 1 << 30  #: extended request: Streaming Information handshake follows


class EventTypeCode(IntEnum):
    """Event type codes of the extended request's (version, type) pairs (§3.7)."""

    INTRUSION = 12
    METADATA = 21
    CORRELATION = 31
    DISCOVERY = 61
    CONNECTION = 71
    USER = 91
    MALWARE = 101
    FILE = 111
    IMPACT = 131


class RecordType(IntEnum):
    """Every record type of §5.1 (the records eNcore 3.8 decodes).

    Names follow the catalogue; a trailing "Metadata" is dropped except where that
    would collide (110/111).  62 and 98 are both "user" records: SYSTEM_USER and RUA_USER.
    """

    PACKET = 2
    PRIORITY = 4
    INTRUSION_IMPACT_ALERT = 9
    NEW_HOST = 10
    NEW_TCP_SERVER = 11
    NEW_UDP_SERVER = 12
    NEW_NETWORK_PROTOCOL = 13
    NEW_TRANSPORT_PROTOCOL = 14
    NEW_CLIENT_APPLICATION = 15
    TCP_SERVER_INFORMATION_UPDATE = 16
    UDP_SERVER_INFORMATION_UPDATE = 17
    OS_INFORMATION_UPDATE = 18
    HOST_TIMEOUT = 19
    HOST_IP_ADDRESS_REUSED = 20
    HOST_DELETED_HOST_LIMIT_REACHED = 21
    HOPS_CHANGE = 22
    TCP_PORT_CLOSED = 23
    UDP_PORT_CLOSED = 24
    TCP_PORT_TIMEOUT = 25
    UDP_PORT_TIMEOUT = 26
    MAC_INFORMATION_CHANGE = 27
    ADDITIONAL_MAC_DETECTED = 28
    HOST_IP_ADDRESS_CHANGED = 29
    HOST_IDENTIFIED_AS_ROUTER_BRIDGE = 31
    VLAN_TAG_INFORMATION_UPDATE = 34
    CLIENT_APPLICATION_TIMEOUT = 35
    NETBIOS_NAME_CHANGE = 42
    HOST_DROPPED_HOST_LIMIT_REACHED = 44
    UPDATE_BANNER = 45
    ADD_HOST_ATTRIBUTE = 46
    UPDATE_HOST_ATTRIBUTE = 47
    DELETE_HOST_ATTRIBUTE = 48
    TCP_SERVER_CONFIDENCE_UPDATE = 51
    UDP_SERVER_CONFIDENCE_UPDATE = 52
    OS_CONFIDENCE_UPDATE = 53
    FINGERPRINT = 54
    CLIENT_APPLICATION = 55
    VULNERABILITY = 57
    CRITICALITY = 58
    NETWORK_PROTOCOL = 59
    ATTRIBUTE = 60
    SCAN_TYPE = 61
    SYSTEM_USER = 62
    SERVER = 63
    RULE_MESSAGE = 66
    CLASSIFICATION = 67
    CORRELATION_POLICY = 69
    CORRELATION_RULE = 70
    CONNECTION_STATISTICS = 71
    CONNECTION_CHUNK = 73
    USER_SET_OS = 74
    USER_SET_SERVER = 75
    USER_DELETE_PROTOCOL = 76
    USER_DELETE_CLIENT_APPLICATION = 77
    USER_DELETE_ADDRESS = 78
    USER_DELETE_SERVER = 79
    USER_SET_VALID_VULNERABILITIES = 80
    USER_SET_INVALID_VULNERABILITIES = 81
    USER_SET_HOST_CRITICALITY = 82
    USER_SET_ATTRIBUTE_VALUE = 83
    USER_DELETE_ATTRIBUTE_VALUE = 84
    USER_ADD_HOST = 85
    USER_ADD_SERVER = 86
    USER_ADD_CLIENT_APPLICATION = 87
    USER_ADD_PROTOCOL = 88
    USER_ADD_SCAN_RESULT = 89
    SOURCE_TYPE = 90
    SOURCE_APPLICATION = 91
    USER_DROPPED_CHANGE_EVENT = 92
    USER_REMOVED_CHANGE_EVENT = 93
    NEW_USER_IDENTIFICATION_EVENT = 94
    USER_LOGIN_CHANGE_EVENT = 95
    SOURCE_DETECTOR = 96
    RUA_USER = 98
    NEW_OS = 101
    IDENTITY_CONFLICT = 102
    IDENTITY_TIMEOUT = 103
    THIRD_PARTY_SCANNER_VULNERABILITY = 106
    CLIENT_APPLICATION_UPDATE = 107
    WEB_APPLICATION = 109
    INTRUSION_EVENT_EXTRA_DATA = 110
    INTRUSION_EVENT_EXTRA_DATA_METADATA = 111
    CORRELATION_EVENT = 112
    SECURITY_ZONE_NAME = 115
    INTERFACE_NAME = 116
    ACCESS_CONTROL_POLICY_NAME = 117
    INTRUSION_POLICY_NAME = 118
    ACCESS_CONTROL_RULE_ID = 119
    ACCESS_CONTROL_RULE_ACTION = 120
    URL_CATEGORY = 121
    URL_REPUTATION = 122
    MANAGED_DEVICE = 123
    ACCESS_CONTROL_POLICY_RULE_REASON = 124
    MALWARE_EVENT = 125
    CISCO_AMP_CLOUD_NAME = 127
    MALWARE_EVENT_TYPE = 128
    MALWARE_EVENT_SUBTYPE = 129
    AMP_FOR_ENDPOINTS_DETECTOR_TYPE = 130
    AMP_FOR_ENDPOINTS_FILE_TYPE = 131
    SECURITY_CONTEXT_NAME = 132
    RULE_DOCUMENTATION = 140
    ACCESS_CONTROL_POLICY = 145
    PREFILTER_POLICY = 146
    TUNNEL_OR_PREFILTER_RULE = 147
    HOST_IOC_SET = 160
    IOC_NAME = 161
    NEW_VPN_DEVICE_LOGIN = 170
    NEW_VPN_DEVICE_LOGOFF = 171
    ICMP_TYPE = 260
    ICMP_CODE = 270
    SECURITY_INTELLIGENCE_CATEGORY_DISCOVERY = 280
    SECURITY_INTELLIGENCE_SOURCE_DESTINATION = 281
    SECURITY_INTELLIGENCE_CATEGORY = 282
    REALM = 300
    ENDPOINT_PROFILE = 301
    SECURITY_GROUP = 302
    DNS_RECORD_TYPE = 320
    DNS_RESPONSE_TYPE = 321
    SINKHOLE = 322
    NETMAP_DOMAIN = 350
    INTRUSION_EVENT = 400
    FILE_EVENT = 500
    FILE_MALWARE_EVENT = 502
    FILE_TYPE_ID = 510
    FILE_EVENT_SHA_HASH = 511
    FILELOG_STORAGE = 515
    FILELOG_SANDBOX = 516
    FILELOG_SPERO = 517
    FILELOG_ARCHIVE = 518
    FILELOG_STATIC_ANALYSIS = 519
    GEOLOCATION = 520
    FILE_POLICY_NAME = 530
    SSL_POLICY_NAME = 600
    SSL_RULE_ID = 601
    SSL_CIPHER_SUITE = 602
    SSL_VERSION = 604
    SSL_SERVER_CERTIFICATE_STATUS = 605
    SSL_ACTUAL_ACTION = 606
    SSL_EXPECTED_ACTION = 607
    SSL_FLOW_STATUS = 608
    SSL_URL_CATEGORY = 613
    SSL_CERTIFICATE_DETAILS = 614
    NETWORK_ANALYSIS_POLICY = 700


_METADATA_NUMBERS = (
    4, 54, 55, 57, 58, 59, 60, 61, 62, 63, 66, 67, 69, 70, 90, 91, 96, 98, 106, 109, 111,
    115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 127, 128, 129, 130, 131, 132, 140,
    145, 146, 147, 161, 260, 270, 280, 281, 282, 300, 301, 302, 320, 321, 322, 350, 510,
    511, 515, 516, 517, 518, 519, 520, 530, 600, 601, 602, 604, 605, 606, 607, 608, 613,
    614, 700,
)  # fmt: skip

#: Records whose §5.1 "Kind" is *metadata* (lookup data, zero/absent archive timestamp).
METADATA_RECORD_TYPES: frozenset[int] = frozenset(RecordType(n) for n in _METADATA_NUMBERS)


class Series1Block(IntEnum):
    """Series-1 block types used by our layouts (§4.4, §5.6, §5.9-§5.11, §5.14)."""

    STRING = 0
    SUB_SERVER = 1
    PROTOCOL = 4
    INTEGER = 7
    BLOB = 10
    LIST = 11
    GENERIC_LIST = 31
    HOST_SERVER = 103
    SERVER_INFORMATION = 117
    WEB_APPLICATION = 123
    CONNECTION_CHUNK = 136  #: record 73 (§5.6)
    INTRUSION_IMPACT_ALERT = 153  #: record 9 (§5.14)
    CORRELATION_EVENT = 156  #: record 112, requested as type 31 version 9 (§5.9)
    CONNECTION_STATISTICS_6_0 = 160  #: record 71 on FMC 6.0
    CONNECTION_STATISTICS_6_1 = 163  #: record 71 on FMC 6.1+
    # Discovery (RNA), user (RUA) and IOC blocks (§5.10-§5.12, discovery_layouts.py).
    VLAN = 14
    STRING_INFORMATION = 35
    SERVER_BANNER = 37
    OPERATING_SYSTEM = 53  #: records 18 and 53; layout undocumented (§5.1 "Gaps")
    ATTRIBUTE_DEFINITION = 55  #: records 46-48; layout undocumented (§5.1 "Gaps")
    USER_PROTOCOL = 57
    USER_CLIENT_APPLICATION_LIST = 60
    MAC_ADDRESS_SPECIFICATION = 63
    FIX = 67
    USER_SERVER = 76
    USER_SERVER_LIST = 77
    USER_HOSTS = 78
    USER_VULNERABILITY_CHANGE = 80
    USER_CRITICALITY_CHANGE = 81
    USER_ATTRIBUTE_VALUE = 82
    USER_PROTOCOL_LIST = 83
    HOST_VULNERABILITY = 85
    IDENTITY = 94
    HOST_MAC_ADDRESS = 95
    GENERIC_SCAN_RESULTS = 108
    SCAN_VULNERABILITY = 109
    FULL_HOST_CLIENT_APPLICATION = 112
    USER_INFORMATION = 120
    HOST_CLIENT_APPLICATION = 122
    USER_VULNERABILITY = 124
    USER_LOGIN_INFORMATION_5 = 127  #: record 95, type 91 version 4
    OPERATING_SYSTEM_FINGERPRINT = 130
    MOBILE_DEVICE_INFORMATION = 131
    USER_PRODUCT = 134
    USER_CLIENT_APPLICATION = 138
    HOST_PROFILE = 139
    IP_ADDRESS_RANGE = 141
    SCAN_RESULT = 142
    IOC_STATE = 150  #: record 160 on FMC 6.0 (§5.12)
    USER_LOGIN_INFORMATION_6_2 = 167  #: records 93-95, 170, 171, type 91 version 7


class Series2Block(IntEnum):
    """Series-2 block types used by our layouts (§4.4, §5.3, §5.5, §5.7, §5.8, §6.2)."""

    STRING = 0
    BLOB = 1
    LIST = 2
    GENERIC_LIST = 3
    EXTRA_DATA = 4
    EXTRA_DATA_METADATA = 5
    UUID_STRING = 14
    ACCESS_CONTROL_RULE = 15
    ICMP_TYPE = 19  #: record 260 (§6.2 S2-19)
    ICMP_CODE = 20  #: record 270 (§6.2 S2-20)
    SECURITY_INTELLIGENCE_CATEGORY = 22
    RULE_DOCUMENTATION = 27  #: record 140 (§6.1)
    GEOLOCATION = 28
    IOC_NAME = 39  #: record 161 (§6.2 S2-39)
    FILE_SHA = 40  #: record 511 (§6.2 S2-40)
    INTRUSION_EVENT_5_3 = 41  #: record 400, 5.3+ layout (block 60 minus its last six fields)
    SSL_CERTIFICATE_DETAILS = 50  #: record 614 (§6.2 S2-50)
    FILE_EVENT = 56  #: records 500 and 502, requested as type 111 version 6 (§5.7)
    USER = 57
    ENDPOINT_PROFILE = 58  #: record 301 (§6.1)
    RULE_REASON = 59
    INTRUSION_EVENT = 60  #: record 400, requested as type 12 version 9
    MALWARE_EVENT = 62  #: record 125, requested as type 101 version 7 (§5.8)
    ID_NAME_DESCRIPTION = 61  #: records 320, 321 (§6.2 S2-61)
    ACCESS_CONTROL_POLICY = 64


#: §3.2: initialTimestamp 0 = from the oldest data the FMC still has.
START_GENESIS = 0
#: §3.2: initialTimestamp 0xFFFFFFFF = only events archived after the request.
START_NOW = 0xFFFFFFFF
#: §3.4: the eStreamer service the client must pick from Streaming Information.
STREAMING_SERVICE_ID = 6667

#: §3.7 / §9.1 #9: (eventType, version) pairs in eNcore's order; user events at version 4,
#: the version a real FMC was seen to accept.
DEFAULT_EVENT_TYPES: tuple[tuple[int, int], ...] = (
    (12, 9), (21, 4), (31, 9), (61, 11), (71, 14), (91, 4), (101, 7), (111, 6), (131, 2),
)  # fmt: skip

#: §3.8 / §9.1 #2: first word of a bundle's inner message. Real FMCs send 0x00000004; the
#: guide's "full header" reading would give 0x00010004, which we tolerate.
BUNDLE_INNER_TYPES: frozenset[int] = frozenset({0x00000004, 0x00010004})

#: §4.1: the Perl client masked bit 31 ("extended header bit") of recordType; harmless.
RECORD_TYPE_MASK = 0x7FFFFFFF

#: §2.4: client-originated errors use code -1.
CLIENT_ERROR_CODE = -1


@dataclass(frozen=True)
class Limits:
    """Sanity limits that bound memory and recursion when the peer misbehaves.

    Exceeding one raises ``RemoteProtocolError``; the session then reconnects.
    """

    #: Largest accepted messageLength (§2.1: not documented; bundles of several kB are
    #: normal, so the cap is generous and exists only to stop a corrupt length from
    #: making us buffer gigabytes).
    max_message_bytes: int = 64 * 1024 * 1024
    #: Largest number of inner messages in one bundle.
    max_bundle_records: int = 100_000
    #: Deepest nesting of blocks inside a record (blocks inside lists inside blocks …).
    max_block_depth: int = 16

    def __post_init__(self) -> None:
        for name in ("max_message_bytes", "max_bundle_records", "max_block_depth"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise LocalProtocolError(
                    f"Limits.{name} must be a positive integer, got {value!r}"
                )
