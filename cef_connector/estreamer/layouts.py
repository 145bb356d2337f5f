"""Record and block layouts of the eStreamer wire format, written as data (§4.4-§6).

One table entry per record type (``RECORD_LAYOUTS``) and per block (``SERIES1_BLOCKS``,
``SERIES2_BLOCKS``).  A layout is a tuple of ``FieldSpec`` in wire order; nothing here
executes.  ``records.py`` compiles each layout once into a decoder and ``encode.py`` into
an encoder, so adding a record type is a matter of adding data to this module.

Field kinds (``Wire``):

========================  =====================================================  ==============
kind                      wire form                                              decoded value
========================  =====================================================  ==============
U8 U16 U32 U64 I32        big-endian integer                                     int
IPV4 / IPV6               4 / 16 bytes (IPv4 carried IPv4-mapped in IPV6)         str
MAC / UUID                6 / 16 bytes                                           str
BYTES (size n)            n raw bytes (hashes, fingerprints, ids)                str, hex
STRING_BLOCK              block header + UTF-8 (series-agnostic type 0)          str
BLOB_BLOCK                block header + raw bytes                               bytes
VAR_TEXT / VAR_BYTES      n bytes, n taken from an earlier integer field         str / bytes
REST_TEXT                 every byte up to the end of the container              str
BLOCK (blocks)            one nested block, type read from the wire              dict (+blockType)
LIST (blocks)             list header + complete blocks                          list[dict]
INLINE_BLOCK (blocks)     one block whose fields are merged into the container   (flattened)
========================  =====================================================  ==============

``present_if`` makes a field conditional on an earlier field being non-zero (the discovery
header's ``ipv6Address``, §4.6).  ``RecordLayout.fallback`` is an alternative field list for
records whose real-world layout is disputed (record 62, §6.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from .constants import RecordType, Series1Block, Series2Block

__all__ = [
    "Wire",
    "FIXED_SIZES",
    "FieldSpec",
    "BlockLayout",
    "RecordLayout",
    "u8",
    "u16",
    "u32",
    "u64",
    "i32",
    "ipv4",
    "ipv6",
    "mac",
    "uuid",
    "hexbytes",
    "string_block",
    "blob_block",
    "var_text",
    "var_bytes",
    "rest_text",
    "block",
    "list_of",
    "inline",
    "DISCOVERY_HEADER",
    "SERIES1_BLOCKS",
    "SERIES2_BLOCKS",
    "RECORD_LAYOUTS",
]


class Wire(Enum):
    """How a field is laid out on the wire (see the module docstring)."""

    U8 = "u8"
    U16 = "u16"
    U32 = "u32"
    U64 = "u64"
    I32 = "i32"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    MAC = "mac"
    UUID = "uuid"
    BYTES = "bytes"
    STRING_BLOCK = "string_block"
    BLOB_BLOCK = "blob_block"
    VAR_TEXT = "var_text"
    VAR_BYTES = "var_bytes"
    REST_TEXT = "rest_text"
    BLOCK = "block"
    LIST = "list"
    INLINE_BLOCK = "inline_block"


#: Sizes of the fixed-size kinds (BYTES takes its size from the field).
FIXED_SIZES: Mapping[Wire, int] = {
    Wire.U8: 1,
    Wire.U16: 2,
    Wire.U32: 4,
    Wire.U64: 8,
    Wire.I32: 4,
    Wire.IPV4: 4,
    Wire.IPV6: 16,
    Wire.MAC: 6,
    Wire.UUID: 16,
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of a layout.

    Attributes:
        name: The protocol doc's lowerCamelCase name ("" for INLINE_BLOCK).
        wire: The wire kind.
        size: Byte count of a BYTES field.
        length_field: For VAR_TEXT/VAR_BYTES, the earlier integer field holding the length.
        blocks: For BLOCK/LIST/INLINE_BLOCK, the layouts allowed here, chosen by the block
            type read from the wire.
        present_if: Name of an earlier field; this field is present only when that one is
            non-zero.
    """

    name: str
    wire: Wire
    size: int = 0
    length_field: str | None = None
    blocks: tuple[BlockLayout, ...] = ()
    present_if: str | None = None


@dataclass(frozen=True)
class BlockLayout:
    """The fields of one block type after its 8-byte header (§4.4).

    Attributes:
        series: 1 or 2 (the series is not on the wire; it decides generic block numbers
            such as BLOB 10 vs 1 when encoding).
        block_type: The block type number, or None when the type on the wire is not
            checked (records 530/700, whose block number is undocumented).
        title: Human name used in error messages.
        fields: The fields after blockType and blockLength.
    """

    series: int
    block_type: int | None
    title: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class RecordLayout:
    """How the record data of one record type is laid out.

    Attributes:
        record_type: The record type number.
        fields: Fields in wire order.  An INLINE_BLOCK item merges the block's fields
            into the record's top level ("flattening").
        fallback: Used instead of ``fields`` when ``fields`` is a single inline block and
            the data does not start with a block of that type spanning the whole record
            (record 62, §6.3); also chosen by the encoder when ``blockType`` is absent.
    """

    record_type: int
    fields: tuple[FieldSpec, ...]
    fallback: tuple[FieldSpec, ...] | None = None


# --- field constructors ----------------------------------------------------------------


def u8(name: str, *, present_if: str | None = None) -> FieldSpec:
    """An unsigned 8-bit integer field."""
    return FieldSpec(name, Wire.U8, present_if=present_if)


def u16(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian uint16 field."""
    return FieldSpec(name, Wire.U16, present_if=present_if)


def u32(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian uint32 field."""
    return FieldSpec(name, Wire.U32, present_if=present_if)


def u64(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian uint64 field."""
    return FieldSpec(name, Wire.U64, present_if=present_if)


def i32(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A big-endian signed int32 field."""
    return FieldSpec(name, Wire.I32, present_if=present_if)


def ipv4(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 4-byte IPv4 address."""
    return FieldSpec(name, Wire.IPV4, present_if=present_if)


def ipv6(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 16-byte IPv6 address (IPv4 addresses IPv4-mapped)."""
    return FieldSpec(name, Wire.IPV6, present_if=present_if)


def mac(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 6-byte MAC address."""
    return FieldSpec(name, Wire.MAC, present_if=present_if)


def uuid(name: str, *, present_if: str | None = None) -> FieldSpec:
    """A 16-byte UUID in RFC 4122 byte order."""
    return FieldSpec(name, Wire.UUID, present_if=present_if)


def hexbytes(name: str, size: int, *, present_if: str | None = None) -> FieldSpec:
    """A raw byte array of ``size`` bytes (uint8[n]), decoded as lowercase hex."""
    return FieldSpec(name, Wire.BYTES, size=size, present_if=present_if)


def string_block(name: str) -> FieldSpec:
    """A string block: header (type 0) + UTF-8 bytes."""
    return FieldSpec(name, Wire.STRING_BLOCK)


def blob_block(name: str) -> FieldSpec:
    """A BLOB block: header + raw bytes."""
    return FieldSpec(name, Wire.BLOB_BLOCK)


def var_text(name: str, length_field: str) -> FieldSpec:
    """Text whose byte length is the value of the earlier field ``length_field``."""
    return FieldSpec(name, Wire.VAR_TEXT, length_field=length_field)


def var_bytes(name: str, length_field: str) -> FieldSpec:
    """Raw bytes whose length is the value of the earlier field ``length_field``."""
    return FieldSpec(name, Wire.VAR_BYTES, length_field=length_field)


def rest_text(name: str) -> FieldSpec:
    """Text running to the end of the container (no length on the wire)."""
    return FieldSpec(name, Wire.REST_TEXT)


def block(name: str, *layouts: BlockLayout) -> FieldSpec:
    """One nested block, decoded as a dict; its type on the wire picks one of ``layouts``."""
    return FieldSpec(name, Wire.BLOCK, blocks=layouts)


def list_of(name: str, *layouts: BlockLayout) -> FieldSpec:
    """A list block of complete blocks, each one of ``layouts``; decoded as list[dict]."""
    return FieldSpec(name, Wire.LIST, blocks=layouts)


def inline(*layouts: BlockLayout) -> FieldSpec:
    """One block whose fields become fields of the container (flattening)."""
    return FieldSpec("", Wire.INLINE_BLOCK, blocks=layouts)


# --- §4.6 discovery event header --------------------------------------------------------

DISCOVERY_HEADER: tuple[FieldSpec, ...] = (
    u32("deviceId"),
    ipv4("legacyIpAddress"),
    mac("macAddress"),
    u8("hasIpv6"),
    u8("reserved"),
    u32("eventSecond"),
    u32("eventMicrosecond"),
    u32("eventType"),
    u32("eventSubtype"),
    hexbytes("fileNumber", 4),
    hexbytes("filePosition", 4),
    ipv6("ipv6Address", present_if="hasIpv6"),
)

# --- series-1 blocks ---------------------------------------------------------------------

S1_SUB_SERVER = BlockLayout(
    1, Series1Block.SUB_SERVER, "sub-server (series 1, block 1)",
    (string_block("name"), string_block("vendor"), string_block("version")),
)  # fmt: skip

S1_WEB_APPLICATION = BlockLayout(
    1, Series1Block.WEB_APPLICATION, "web application (series 1, block 123)",
    (u32("applicationId"),),
)  # fmt: skip

S1_SERVER_INFORMATION = BlockLayout(
    1, Series1Block.SERVER_INFORMATION, "server information (series 1, block 117)",
    (
        u32("applicationId"),
        string_block("vendor"),
        string_block("version"),
        u32("lastUsed"),
        u32("sourceType"),
        u32("sourceId"),
        list_of("subServers", S1_SUB_SERVER),
    ),
)  # fmt: skip

S1_HOST_SERVER = BlockLayout(
    1, Series1Block.HOST_SERVER, "host server (series 1, block 103)",
    (
        u16("port"),
        u32("hits"),
        u32("lastUsed"),
        list_of("serverInformation", S1_SERVER_INFORMATION),
        u32("confidence"),
        list_of("webApplications", S1_WEB_APPLICATION),
    ),
)  # fmt: skip

# §5.6: block 163 in wire order; block 160 is the same without the fields marked "163 only".
_CONNECTION_163_ONLY = frozenset({
    "originalClientIpAddress", "tunnelRuleId", "initiatorPacketsDropped",
    "responderPacketsDropped", "initiatorBytesDropped", "responderBytesDropped",
    "qosAppliedInterface", "qosRuleId", "originalClientCountry",
})  # fmt: skip

_CONNECTION_163_FIELDS: tuple[FieldSpec, ...] = (
    u32("deviceId"),
    uuid("ingressZone"),
    uuid("egressZone"),
    uuid("ingressInterface"),
    uuid("egressInterface"),
    ipv6("initiatorIpAddress"),
    ipv6("responderIpAddress"),
    ipv6("originalClientIpAddress"),
    uuid("policyRevision"),
    u32("ruleId"),
    u32("tunnelRuleId"),
    u16("ruleAction"),
    u32("ruleReason"),  # 32-bit per eNcore (§5.6 note, §9.1 #6)
    u16("initiatorPort"),
    u16("responderPort"),
    u16("tcpFlags"),
    u8("protocol"),
    uuid("netflowSource"),
    u16("instanceId"),
    u16("connectionCounter"),
    u32("firstPacketTimestamp"),
    u32("lastPacketTimestamp"),
    u64("initiatorTransmittedPackets"),
    u64("responderTransmittedPackets"),
    u64("initiatorTransmittedBytes"),
    u64("responderTransmittedBytes"),
    u64("initiatorPacketsDropped"),
    u64("responderPacketsDropped"),
    u64("initiatorBytesDropped"),
    u64("responderBytesDropped"),
    uuid("qosAppliedInterface"),
    u32("qosRuleId"),
    u32("userId"),
    u32("applicationProtocolId"),
    u32("urlCategory"),
    u32("urlReputation"),
    u32("clientApplicationId"),
    u32("webApplicationId"),
    string_block("clientUrl"),
    string_block("netbiosName"),
    string_block("clientApplicationVersion"),
    u32("monitorRule1"),
    u32("monitorRule2"),
    u32("monitorRule3"),
    u32("monitorRule4"),
    u32("monitorRule5"),
    u32("monitorRule6"),
    u32("monitorRule7"),
    u32("monitorRule8"),
    u8("securityIntelligenceSourceDestination"),
    u8("securityIntelligenceLayer"),
    u16("fileEventCount"),
    u16("intrusionEventCount"),
    u16("initiatorCountry"),
    u16("responderCountry"),
    u16("originalClientCountry"),
    u16("iocNumber"),
    u32("sourceAutonomousSystem"),
    u32("destinationAutonomousSystem"),
    u16("snmpIn"),
    u16("snmpOut"),
    u8("sourceTos"),
    u8("destinationTos"),
    u8("sourceMask"),
    u8("destinationMask"),
    uuid("securityContext"),
    u16("vlanId"),
    string_block("referencedHost"),
    string_block("userAgent"),
    string_block("httpReferrer"),
    hexbytes("sslCertificateFingerprint", 20),
    uuid("sslPolicyId"),
    u32("sslRuleId"),
    u16("sslCipherSuite"),
    u8("sslVersion"),
    u32("sslServerCertificateStatus"),
    u16("sslActualAction"),
    u16("sslExpectedAction"),
    u16("sslFlowStatus"),
    u32("sslFlowError"),
    u32("sslFlowMessages"),
    u64("sslFlowFlags"),
    string_block("sslServerName"),
    u32("sslUrlCategory"),
    hexbytes("sslSessionId", 32),
    u8("sslSessionIdLength"),
    hexbytes("sslTicketId", 20),
    u8("sslTicketIdLength"),
    uuid("networkAnalysisPolicyRevision"),
    u32("endpointProfileId"),
    u32("securityGroupId"),
    ipv6("locationIpv6"),
    u32("httpResponse"),
    string_block("dnsQuery"),
    u16("dnsRecordType"),
    u16("dnsResponseType"),
    u32("dnsTtl"),
    uuid("sinkholeUuid"),
    u32("securityIntelligenceList1"),
    u32("securityIntelligenceList2"),
)

S1_CONNECTION_163 = BlockLayout(
    1, Series1Block.CONNECTION_STATISTICS_6_1, "connection statistics (series 1, block 163)",
    _CONNECTION_163_FIELDS,
)  # fmt: skip

S1_CONNECTION_160 = BlockLayout(
    1, Series1Block.CONNECTION_STATISTICS_6_0, "connection statistics (series 1, block 160)",
    tuple(f for f in _CONNECTION_163_FIELDS if f.name not in _CONNECTION_163_ONLY),
)  # fmt: skip

# --- series-2 blocks ---------------------------------------------------------------------

_INTRUSION_60_FIELDS: tuple[FieldSpec, ...] = (
    u32("deviceId"),
    u32("eventId"),
    u32("eventSecond"),
    u32("eventMicrosecond"),
    u32("ruleId"),
    u32("generatorId"),
    u32("ruleRevision"),
    u32("classificationId"),
    u32("priorityId"),
    ipv6("sourceIpAddress"),
    ipv6("destinationIpAddress"),
    u16("sourcePortOrIcmpType"),
    u16("destinationPortOrIcmpCode"),
    u8("ipProtocolId"),
    u8("impactFlags"),
    u8("impact"),
    u8("blocked"),
    u32("mplsLabel"),
    u16("vlanId"),
    u16("pad"),
    uuid("intrusionPolicyUuid"),
    u32("userId"),
    u32("webApplicationId"),
    u32("clientApplicationId"),
    u32("applicationProtocolId"),
    u32("accessControlRuleId"),
    uuid("accessControlPolicyUuid"),
    uuid("interfaceIngressUuid"),
    uuid("interfaceEgressUuid"),
    uuid("securityZoneIngressUuid"),
    uuid("securityZoneEgressUuid"),
    u32("connectionTimestamp"),
    u16("connectionInstanceId"),
    u16("connectionCounter"),
    u16("sourceCountry"),
    u16("destinationCountry"),
    u16("iocNumber"),
    hexbytes("securityContext", 16),
    hexbytes("sslCertificateFingerprint", 20),
    u16("sslActualAction"),
    u16("sslFlowStatus"),
    uuid("networkAnalysisPolicyUuid"),
    u32("httpResponse"),
)

S2_INTRUSION_EVENT = BlockLayout(
    2, Series2Block.INTRUSION_EVENT, "intrusion event (series 2, block 60)", _INTRUSION_60_FIELDS
)
# §5.3: block 41 (5.3+) = block 60 without its last six fields (222 bytes).
S2_INTRUSION_EVENT_5_3 = BlockLayout(
    2, Series2Block.INTRUSION_EVENT_5_3, "intrusion event 5.3+ (series 2, block 41)",
    _INTRUSION_60_FIELDS[:-6],
)  # fmt: skip

S2_EXTRA_DATA = BlockLayout(
    2, Series2Block.EXTRA_DATA, "intrusion event extra data (series 2, block 4)",
    (u32("deviceId"), u32("eventId"), u32("eventSecond"), u32("type"), blob_block("blob")),
)  # fmt: skip

S2_EXTRA_DATA_METADATA = BlockLayout(
    2, Series2Block.EXTRA_DATA_METADATA, "extra data type metadata (series 2, block 5)",
    (u32("type"), string_block("name"), string_block("encoding")),
)  # fmt: skip

S2_UUID_STRING = BlockLayout(
    2, Series2Block.UUID_STRING, "UUID string mapping (series 2, block 14)",
    (uuid("uuid"), string_block("name")),
)  # fmt: skip

S2_ACCESS_CONTROL_RULE = BlockLayout(
    2, Series2Block.ACCESS_CONTROL_RULE, "access control rule (series 2, block 15)",
    (uuid("revisionUuid"), u32("ruleId"), string_block("name")),
)  # fmt: skip

S2_SECURITY_INTELLIGENCE_CATEGORY = BlockLayout(
    2, Series2Block.SECURITY_INTELLIGENCE_CATEGORY, "SI category (series 2, block 22)",
    (u32("id"), uuid("accessControlPolicyUuid"), string_block("name")),
)  # fmt: skip

S2_GEOLOCATION = BlockLayout(
    2, Series2Block.GEOLOCATION, "geolocation (series 2, block 28)",
    (u16("countryCode"), string_block("country")),
)  # fmt: skip

S2_USER = BlockLayout(
    2, Series2Block.USER, "user (series 2, block 57)",
    (u32("id"), u32("protocol"), string_block("name")),
)  # fmt: skip

S2_RULE_REASON = BlockLayout(
    2, Series2Block.RULE_REASON, "rule reason (series 2, block 59)",
    (u32("id"), string_block("description")),
)  # fmt: skip

S2_ACCESS_CONTROL_POLICY = BlockLayout(
    2, Series2Block.ACCESS_CONTROL_POLICY, "access control policy (series 2, block 64)",
    (uuid("uuid"), u32("sensorId"), string_block("name")),
)  # fmt: skip

# §6.2 HDR+UUID+STR (records 530, 700): a block header is present but its type number is
# undocumented, so any type is accepted and kept in ``blockType``.
S2_ANY_UUID_STRING = BlockLayout(
    2, None, "uuid + name block (HDR+UUID+STR)", (uuid("uuid"), string_block("name"))
)

#: Series-1 blocks by type (the blocks our record layouts use).
SERIES1_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (
        S1_SUB_SERVER, S1_WEB_APPLICATION, S1_SERVER_INFORMATION, S1_HOST_SERVER,
        S1_CONNECTION_160, S1_CONNECTION_163,
    )
    if b.block_type is not None
}  # fmt: skip

#: Series-2 blocks by type (the blocks our record layouts use).
SERIES2_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (
        S2_INTRUSION_EVENT, S2_INTRUSION_EVENT_5_3, S2_EXTRA_DATA, S2_EXTRA_DATA_METADATA,
        S2_UUID_STRING, S2_ACCESS_CONTROL_RULE, S2_SECURITY_INTELLIGENCE_CATEGORY,
        S2_GEOLOCATION, S2_USER, S2_RULE_REASON, S2_ACCESS_CONTROL_POLICY,
    )
    if b.block_type is not None
}  # fmt: skip

# --- §6.2 generic metadata layouts -------------------------------------------------------

#: IDLEN: id, uint32 length, name.
IDLEN: tuple[FieldSpec, ...] = (u32("id"), u32("nameLength"), var_text("name", "nameLength"))
#: R4: id, uint16 length, name.
R4: tuple[FieldSpec, ...] = (u32("id"), u16("nameLength"), var_text("name", "nameLength"))
#: R66: rule message.
R66: tuple[FieldSpec, ...] = (
    u32("generatorId"),
    u32("ruleId"),
    u32("ruleRevision"),
    u32("signatureId"),
    u16("messageLength"),
    uuid("ruleUuid"),
    uuid("ruleRevisionUuid"),
    var_text("message", "messageLength"),
)
#: R67: classification.
R67: tuple[FieldSpec, ...] = (
    u32("id"),
    u16("nameLength"),
    var_text("name", "nameLength"),
    u16("descriptionLength"),
    var_text("description", "descriptionLength"),
    uuid("uuid"),
    uuid("revisionUuid"),
)

# --- records -----------------------------------------------------------------------------

_R = RecordType


def _records(*layouts: RecordLayout) -> dict[int, RecordLayout]:
    return {int(layout.record_type): layout for layout in layouts}


#: Every record type we decode, by number.
RECORD_LAYOUTS: Mapping[int, RecordLayout] = _records(
    # §5.4 packet: fields directly after the record header.
    RecordLayout(_R.PACKET, (
        u32("deviceId"), u32("eventId"), u32("eventSecond"), u32("packetSecond"),
        u32("packetMicrosecond"), u32("linkType"), u32("packetLength"),
        var_bytes("packetData", "packetLength"),
    )),
    RecordLayout(_R.PRIORITY, R4),
    # §5.11 discovery events carried by block 103.
    *(
        RecordLayout(rt, (*DISCOVERY_HEADER, inline(S1_HOST_SERVER)))
        for rt in (
            _R.NEW_TCP_SERVER, _R.NEW_UDP_SERVER, _R.TCP_SERVER_INFORMATION_UPDATE,
            _R.UDP_SERVER_INFORMATION_UPDATE, _R.TCP_SERVER_CONFIDENCE_UPDATE,
            _R.UDP_SERVER_CONFIDENCE_UPDATE,
        )
    ),
    RecordLayout(_R.HOST_IP_ADDRESS_CHANGED, (*DISCOVERY_HEADER, ipv6("ipAddress"))),
    RecordLayout(_R.CLIENT_APPLICATION, IDLEN),
    # §6.3: decode block 57 when the data is exactly one block 57, else id + raw name.
    RecordLayout(_R.SYSTEM_USER, (inline(S2_USER),), fallback=(u32("id"), rest_text("name"))),
    RecordLayout(_R.SERVER, IDLEN),
    RecordLayout(_R.RULE_MESSAGE, R66),
    RecordLayout(_R.CLASSIFICATION, R67),
    # §5.6: the block type is read from the wire (163 on FMC 6.1+, 160 on 6.0).
    RecordLayout(
        _R.CONNECTION_STATISTICS,
        (*DISCOVERY_HEADER, inline(S1_CONNECTION_163, S1_CONNECTION_160)),
    ),
    RecordLayout(_R.RUA_USER, (inline(S2_USER),)),
    RecordLayout(_R.WEB_APPLICATION, IDLEN),
    RecordLayout(_R.INTRUSION_EVENT_EXTRA_DATA, (inline(S2_EXTRA_DATA),)),
    RecordLayout(_R.INTRUSION_EVENT_EXTRA_DATA_METADATA, (inline(S2_EXTRA_DATA_METADATA),)),
    RecordLayout(_R.SECURITY_ZONE_NAME, (inline(S2_UUID_STRING),)),
    RecordLayout(_R.INTERFACE_NAME, (inline(S2_UUID_STRING),)),
    RecordLayout(_R.ACCESS_CONTROL_POLICY_NAME, (inline(S2_UUID_STRING),)),
    RecordLayout(_R.INTRUSION_POLICY_NAME, (inline(S2_UUID_STRING),)),
    RecordLayout(_R.ACCESS_CONTROL_RULE_ID, (inline(S2_ACCESS_CONTROL_RULE),)),
    RecordLayout(_R.ACCESS_CONTROL_RULE_ACTION, IDLEN),
    RecordLayout(_R.URL_CATEGORY, IDLEN),
    RecordLayout(_R.URL_REPUTATION, IDLEN),
    RecordLayout(_R.MANAGED_DEVICE, IDLEN),
    RecordLayout(_R.ACCESS_CONTROL_POLICY_RULE_REASON, (inline(S2_RULE_REASON),)),
    RecordLayout(_R.ACCESS_CONTROL_POLICY, (inline(S2_ACCESS_CONTROL_POLICY),)),
    RecordLayout(
        _R.SECURITY_INTELLIGENCE_CATEGORY_DISCOVERY, (inline(S2_SECURITY_INTELLIGENCE_CATEGORY),)
    ),
    # §5.3: block 60 (type 12 v9), or block 41 (5.3+, §8.13) on the same record number.
    RecordLayout(_R.INTRUSION_EVENT, (inline(S2_INTRUSION_EVENT, S2_INTRUSION_EVENT_5_3),)),
    RecordLayout(_R.GEOLOCATION, (inline(S2_GEOLOCATION),)),
    RecordLayout(_R.NETWORK_ANALYSIS_POLICY, (inline(S2_ANY_UUID_STRING),)),
)  # fmt: skip
