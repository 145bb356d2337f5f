"""Event record layouts and their blocks (§4.6, §5), written as data.

``RECORD_LAYOUTS`` holds one entry per record type we decode: the event records defined
here, the discovery (RNA), user (RUA) and IOC records of ``discovery_layouts.py`` and the
metadata records of ``metadata_layouts.py``.  ``SERIES1_BLOCKS`` and
``SERIES2_BLOCKS`` list the blocks by type number.  The field kinds and constructors are
in ``layout_types.py``; ``records.py`` compiles each layout once into a decoder and
``encode.py`` into an encoder.
"""

from __future__ import annotations

from collections.abc import Mapping

from .constants import RecordType, Series1Block, Series2Block
from .layout_types import (
    DISCOVERY_HEADER,
    FIXED_SIZES,
    BlockLayout,
    FieldSpec,
    RecordLayout,
    Wire,
    blob_block,
    hexbytes,
    inline,
    ipv4,
    ipv6,
    string_block,
    u8,
    u16,
    u32,
    u64,
    uuid,
    var_bytes,
)
from .discovery_layouts import DISCOVERY_RECORD_LAYOUTS, DISCOVERY_SERIES1_BLOCKS
from .metadata_layouts import METADATA_RECORD_LAYOUTS, METADATA_SERIES2_BLOCKS

__all__ = [
    "Wire",
    "FIXED_SIZES",
    "FieldSpec",
    "BlockLayout",
    "RecordLayout",
    "DISCOVERY_HEADER",
    "SERIES1_BLOCKS",
    "SERIES2_BLOCKS",
    "RECORD_LAYOUTS",
]

# --- series-1 blocks ---------------------------------------------------------------------

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

# §5.6 "Connection chunk": record 73 = discovery header + series-1 block 136.  The doc's
# field list adds up to 68 bytes although it says "block length 76"; we follow the field
# list (it is eNcore's definition) and, as for every block, skip whatever a longer block
# carries after the last known field (§4.3).
S1_CONNECTION_CHUNK = BlockLayout(
    1, Series1Block.CONNECTION_CHUNK, "connection chunk (series 1, block 136)",
    (
        ipv4("initiatorIpAddress"),
        ipv4("responderIpAddress"),
        u32("startTime"),
        u32("applicationProtocolId"),
        u16("responderPort"),
        u8("protocol"),
        u8("connectionType"),
        ipv4("netflowDetectorIpAddress"),
        u64("packetsSent"),
        u64("packetsReceived"),
        u64("bytesSent"),
        u64("bytesReceived"),
        u32("connections"),
    ),
)  # fmt: skip

# §5.14: the field order of the text (eNcore: the guide's diagram is wrong).
S1_INTRUSION_IMPACT_ALERT = BlockLayout(
    1, Series1Block.INTRUSION_IMPACT_ALERT, "intrusion impact alert (series 1, block 153)",
    (
        u32("eventId"),
        u32("deviceId"),
        u32("eventSecond"),
        u32("impact"),
        ipv6("sourceIpAddress"),
        ipv6("destinationIpAddress"),
        string_block("description"),
    ),
)  # fmt: skip

# §5.9: block 156.  Types as the doc's table gives them: sourceIpv4/destinationIpv4 are
# plain uint32 ("legacy, unused"), securityContext and sslPolicyId are uint8[16] (hex, not
# UUID text) and sslActualAction/sslFlowStatus are 32-bit here.  Its nested blocks are the
# four string blocks (eventDescription, netbiosName, url, clientApplicationVersion).
S1_CORRELATION_EVENT = BlockLayout(
    1, Series1Block.CORRELATION_EVENT, "correlation event (series 1, block 156)",
    (
        u32("deviceId"),
        u32("correlationEventSecond"),
        u32("eventId"),
        u32("policyId"),
        u32("ruleId"),
        u32("priority"),
        string_block("eventDescription"),
        u8("eventType"),
        u32("eventDeviceId"),
        u32("signatureId"),
        u32("signatureGeneratorId"),
        u32("triggerEventSecond"),
        u32("triggerEventMicrosecond"),
        u32("deviceEventId"),
        u32("eventDefinedMask"),
        u8("eventImpactFlags"),
        u8("ipProtocol"),
        u16("networkProtocol"),
        u32("sourceIpv4"),
        u8("sourceHostType"),
        u16("sourceVlanId"),
        uuid("sourceOsFingerprintUuid"),
        u16("sourceCriticality"),
        u32("sourceUserId"),
        u16("sourcePort"),
        u32("sourceServerId"),
        u32("destinationIpv4"),
        u8("destinationHostType"),
        u16("destinationVlanId"),
        uuid("destinationOsFingerprintUuid"),
        u16("destinationCriticality"),
        u32("destinationUserId"),
        u16("destinationPort"),
        u32("destinationServerId"),
        u8("impact"),
        u8("blocked"),
        uuid("intrusionPolicyUuid"),
        u32("ruleAction"),
        string_block("netbiosName"),
        u32("urlCategory"),
        u32("urlReputation"),
        string_block("url"),
        u32("clientApplicationId"),
        string_block("clientApplicationVersion"),
        uuid("accessControlPolicyRevision"),
        u32("accessControlRuleId"),
        uuid("ingressInterfaceUuid"),
        uuid("egressInterfaceUuid"),
        uuid("ingressZoneUuid"),
        uuid("egressZoneUuid"),
        ipv6("sourceIpv6Address"),
        ipv6("destinationIpv6Address"),
        u16("sourceCountry"),
        u16("destinationCountry"),
        uuid("securityIntelligenceUuid"),
        hexbytes("securityContext", 16),
        hexbytes("sslPolicyId", 16),
        u32("sslRuleId"),
        u32("sslActualAction"),
        u32("sslFlowStatus"),
        hexbytes("sslCertificateFingerprint", 20),
    ),
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

# §5.7: block 56, carried by both record 500 (file event) and 502 (file malware event).
S2_FILE_EVENT = BlockLayout(
    2, Series2Block.FILE_EVENT, "file event (series 2, block 56)",
    (
        u32("deviceId"),
        u16("connectionInstance"),
        u16("connectionCounter"),
        u32("connectionTimestamp"),
        u32("fileEventTimestamp"),
        ipv6("sourceIpAddress"),
        ipv6("destinationIpAddress"),
        u8("disposition"),
        u8("speroDisposition"),
        u8("fileStorageStatus"),
        u8("fileAnalysisStatus"),
        u8("localMalwareAnalysisStatus"),
        u8("archiveFileStatus"),
        u8("threatScore"),
        u8("action"),
        hexbytes("shaHash", 32),
        u32("fileTypeId"),
        string_block("fileName"),
        u64("fileSize"),
        u8("direction"),
        u32("applicationProtocolId"),
        u32("userId"),
        string_block("uri"),
        string_block("signature"),
        u16("sourcePort"),
        u16("destinationPort"),
        u8("protocol"),
        uuid("accessControlPolicyUuid"),
        u16("sourceCountry"),
        u16("destinationCountry"),
        u32("webApplicationId"),
        u32("clientApplicationId"),
        hexbytes("securityContext", 16),
        hexbytes("sslCertificateFingerprint", 20),
        u16("sslActualAction"),
        u16("sslFlowStatus"),
        string_block("archiveSha"),
        string_block("archiveName"),
        u8("archiveDepth"),
        u32("httpResponse"),
    ),
)  # fmt: skip

# §5.8: block 62.  fileShaHash and parentShaHash are text (string blocks), unlike the raw
# uint8[32] shaHash of block 56.
S2_MALWARE_EVENT = BlockLayout(
    2, Series2Block.MALWARE_EVENT, "malware event (series 2, block 62)",
    (
        uuid("agentUuid"),
        uuid("cloudUuid"),
        u32("malwareEventTimestamp"),
        u32("eventTypeId"),
        u32("eventSubtypeId"),
        u8("detectorId"),
        string_block("detectionName"),
        string_block("user"),
        string_block("fileName"),
        string_block("filePath"),
        string_block("fileShaHash"),
        u32("fileSize"),
        u32("fileType"),
        u32("fileTimestamp"),
        string_block("parentFileName"),
        string_block("parentShaHash"),
        string_block("eventDescription"),
        u32("deviceId"),
        u16("connectionInstance"),
        u16("connectionCounter"),
        u32("connectionEventTimestamp"),
        u8("direction"),
        ipv6("sourceIpAddress"),
        ipv6("destinationIpAddress"),
        u32("applicationProtocolId"),
        u32("userId"),
        uuid("accessControlPolicyUuid"),
        u8("disposition"),
        u8("retroDisposition"),
        string_block("uri"),
        u16("sourcePort"),
        u16("destinationPort"),
        u16("sourceCountry"),
        u16("destinationCountry"),
        u32("webApplicationId"),
        u32("clientApplicationId"),
        u8("action"),
        u8("protocol"),
        u8("threatScore"),
        u16("iocNumber"),
        hexbytes("securityContext", 16),
        hexbytes("sslCertificateFingerprint", 20),
        u16("sslActualAction"),
        u16("sslFlowStatus"),
        string_block("archiveSha"),
        string_block("archiveName"),
        u8("archiveDepth"),
        u32("httpResponse"),
    ),
)  # fmt: skip

#: Series-1 blocks by type (event blocks here, discovery blocks from discovery_layouts).
SERIES1_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (
        S1_CONNECTION_160, S1_CONNECTION_163, S1_CONNECTION_CHUNK, S1_INTRUSION_IMPACT_ALERT,
        S1_CORRELATION_EVENT,
    )
    if b.block_type is not None
} | dict(DISCOVERY_SERIES1_BLOCKS)  # fmt: skip

#: Series-2 blocks by type (event blocks here, metadata blocks from metadata_layouts).
SERIES2_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (
        S2_INTRUSION_EVENT, S2_INTRUSION_EVENT_5_3, S2_EXTRA_DATA, S2_FILE_EVENT,
        S2_MALWARE_EVENT,
    )
    if b.block_type is not None
} | dict(METADATA_SERIES2_BLOCKS)  # fmt: skip

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
    # §5.6: the block type is read from the wire (163 on FMC 6.1+, 160 on 6.0).
    RecordLayout(
        _R.CONNECTION_STATISTICS,
        (*DISCOVERY_HEADER, inline(S1_CONNECTION_163, S1_CONNECTION_160)),
    ),
    RecordLayout(_R.INTRUSION_EVENT_EXTRA_DATA, (inline(S2_EXTRA_DATA),)),
    # §5.3: block 60 (type 12 v9), or block 41 (5.3+, §8.13) on the same record number.
    # Block 34 (5.2.x, type 12 v5) is named by the guides but has no layout in the doc or
    # in eNcore: it arrives as UnknownRecord(version=34).
    RecordLayout(_R.INTRUSION_EVENT, (inline(S2_INTRUSION_EVENT, S2_INTRUSION_EVENT_5_3),)),
    # §5.14 (type 131 v2 / bit 5).
    RecordLayout(_R.INTRUSION_IMPACT_ALERT, (inline(S1_INTRUSION_IMPACT_ALERT),)),
    # §5.6 / §5.1: discovery header + block 136.
    RecordLayout(_R.CONNECTION_CHUNK, (*DISCOVERY_HEADER, inline(S1_CONNECTION_CHUNK))),
    # §5.9 (type 31 v9): no discovery header; record data = block 156.
    RecordLayout(_R.CORRELATION_EVENT, (inline(S1_CORRELATION_EVENT),)),
    # §5.8 (type 101 v7).
    RecordLayout(_R.MALWARE_EVENT, (inline(S2_MALWARE_EVENT),)),
    # §5.7 (type 111 v6): both records carry block 56.
    RecordLayout(_R.FILE_EVENT, (inline(S2_FILE_EVENT),)),
    RecordLayout(_R.FILE_MALWARE_EVENT, (inline(S2_FILE_EVENT),)),
    # §5.13: Security Intelligence has no record of its own in FMC 6.x/7.x; SI events are
    # record 71 with securityIntelligenceSourceDestination != 0 (fields of block 160/163).
)  # fmt: skip
RECORD_LAYOUTS = {**RECORD_LAYOUTS, **DISCOVERY_RECORD_LAYOUTS, **METADATA_RECORD_LAYOUTS}
