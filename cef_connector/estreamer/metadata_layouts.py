"""Metadata record layouts and their blocks (§5.1 "metadata" rows, §6), written as data.

Metadata records name the IDs that events carry (§6.1).  ``METADATA_RECORD_LAYOUTS`` has
one entry for every record type whose §5.1 "Kind" is *metadata* and is merged into
``layouts.RECORD_LAYOUTS``; ``METADATA_SERIES2_BLOCKS`` is merged into
``layouts.SERIES2_BLOCKS``.

Field names are the protocol doc's lowerCamelCase names exactly: the metadata cache keys
its tables on them (§6.1).  Where the doc gives no field table (records 57 and 106, blocks
27 and 58) the names and order are eNcore 3.8's definitions, with its slips in record 106
corrected (see there).
"""

from __future__ import annotations

from collections.abc import Mapping

from .constants import RecordType, Series2Block
from .layout_types import (
    BlockLayout,
    FieldSpec,
    RecordLayout,
    hexbytes,
    inline,
    rest_text,
    string_block,
    u8,
    u16,
    u32,
    uuid,
    var_text,
)

__all__ = ["METADATA_RECORD_LAYOUTS", "METADATA_SERIES2_BLOCKS"]

_R = RecordType
_B = Series2Block


def _s2(block_type: _B, title: str, *fields: FieldSpec) -> BlockLayout:
    return BlockLayout(2, block_type, f"{title} (series 2, block {int(block_type)})", fields)


# --- series-2 blocks (§5.5, §5.10, §6.2) -------------------------------------------------

S2_EXTRA_DATA_METADATA = _s2(
    _B.EXTRA_DATA_METADATA, "extra data type metadata",
    u32("type"), string_block("name"), string_block("encoding"),
)  # fmt: skip
S2_UUID_STRING = _s2(_B.UUID_STRING, "UUID string mapping", uuid("uuid"), string_block("name"))
S2_ACCESS_CONTROL_RULE = _s2(
    _B.ACCESS_CONTROL_RULE, "access control rule",
    uuid("revisionUuid"), u32("ruleId"), string_block("name"),
)  # fmt: skip
# S2-19: the type comes before the protocol on the wire, although the key is (protocol, type).
S2_ICMP_TYPE = _s2(
    _B.ICMP_TYPE, "ICMP type", u16("type"), u16("protocol"), string_block("description")
)
S2_ICMP_CODE = _s2(
    _B.ICMP_CODE, "ICMP code",
    u16("code"), u16("type"), u16("protocol"), string_block("description"),
)  # fmt: skip
S2_SECURITY_INTELLIGENCE_CATEGORY = _s2(
    _B.SECURITY_INTELLIGENCE_CATEGORY, "SI category",
    u32("id"), uuid("accessControlPolicyUuid"), string_block("name"),
)  # fmt: skip
# Block 27 has no field table in the protocol doc (§6.1 names its key, signatureId and
# generatorId, and "summary etc."); fields and order are eNcore 3.8's.
S2_RULE_DOCUMENTATION = _s2(
    _B.RULE_DOCUMENTATION, "rule documentation",
    u32("signatureId"), u32("generatorId"), u32("revision"),
    string_block("summary"), string_block("impact"), string_block("detail"),
    string_block("affectedSystems"), string_block("attackScenarios"),
    string_block("easeOfAttack"), string_block("falsePositives"),
    string_block("falseNegatives"), string_block("correctiveAction"),
    string_block("contributors"), string_block("additionalReferences"),
)  # fmt: skip
S2_GEOLOCATION = _s2(_B.GEOLOCATION, "geolocation", u16("countryCode"), string_block("country"))
S2_IOC_NAME = _s2(
    _B.IOC_NAME, "IOC name", u32("id"), string_block("category"), string_block("eventType")
)
S2_FILE_SHA = _s2(
    _B.FILE_SHA, "file SHA",
    hexbytes("shaHash", 32), string_block("fileName"), u8("disposition"), u8("userDefined"),
)  # fmt: skip
S2_SSL_CERTIFICATE_DETAILS = _s2(
    _B.SSL_CERTIFICATE_DETAILS, "SSL certificate details",
    hexbytes("fingerprintSha", 20), hexbytes("publicKeySha", 20), hexbytes("serialNumber", 20),
    u32("serialNumberLength"),
    string_block("subjectCn"), string_block("subjectOrganization"), string_block("subjectOu"),
    string_block("subjectCountry"), string_block("issuerCn"),
    string_block("issuerOrganization"), string_block("issuerOu"),
    string_block("issuerCountry"),
    u32("validStartDate"), u32("validFinishDate"),
)  # fmt: skip
S2_USER = _s2(_B.USER, "user", u32("id"), u32("protocol"), string_block("name"))
# Block 58 has no field table in the protocol doc (§6.1 names id, profileName, fullName);
# the order is eNcore 3.8's.
S2_ENDPOINT_PROFILE = _s2(
    _B.ENDPOINT_PROFILE, "endpoint profile",
    u32("id"), string_block("profileName"), string_block("fullName"),
)  # fmt: skip
S2_RULE_REASON = _s2(_B.RULE_REASON, "rule reason", u32("id"), string_block("description"))
S2_ID_NAME_DESCRIPTION = _s2(
    _B.ID_NAME_DESCRIPTION, "id, name, description",
    u32("id"), string_block("name"), string_block("description"),
)  # fmt: skip
S2_ACCESS_CONTROL_POLICY = _s2(
    _B.ACCESS_CONTROL_POLICY, "access control policy",
    uuid("uuid"), u32("sensorId"), string_block("name"),
)  # fmt: skip

#: Series-2 blocks that metadata records use, by type.
METADATA_SERIES2_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (
        S2_EXTRA_DATA_METADATA, S2_UUID_STRING, S2_ACCESS_CONTROL_RULE, S2_ICMP_TYPE,
        S2_ICMP_CODE, S2_SECURITY_INTELLIGENCE_CATEGORY, S2_RULE_DOCUMENTATION,
        S2_GEOLOCATION, S2_IOC_NAME, S2_FILE_SHA, S2_SSL_CERTIFICATE_DETAILS, S2_USER,
        S2_ENDPOINT_PROFILE, S2_RULE_REASON, S2_ID_NAME_DESCRIPTION, S2_ACCESS_CONTROL_POLICY,
    )
    if b.block_type is not None
}  # fmt: skip

# --- §6.2 generic metadata layouts -------------------------------------------------------

#: IDLEN: id, uint32 length, name.
IDLEN: tuple[FieldSpec, ...] = (u32("id"), u32("nameLength"), var_text("name", "nameLength"))
#: R4: id, uint16 length, name.
R4: tuple[FieldSpec, ...] = (u32("id"), u16("nameLength"), var_text("name", "nameLength"))
#: FP (record 54): uuid, then name, vendor and version, each after a uint32 length.
FP: tuple[FieldSpec, ...] = (
    uuid("uuid"),
    u32("nameLength"),
    var_text("name", "nameLength"),
    u32("vendorLength"),
    var_text("vendor", "vendorLength"),
    u32("versionLength"),
    var_text("version", "versionLength"),
)
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
#: R67: classification; R69 (correlation policy) has the same layout (§6.2).
R67: tuple[FieldSpec, ...] = (
    u32("id"),
    u16("nameLength"),
    var_text("name", "nameLength"),
    u16("descriptionLength"),
    var_text("description", "descriptionLength"),
    uuid("uuid"),
    uuid("revisionUuid"),
)
#: R70: correlation rule (§6.2, under R67).
R70: tuple[FieldSpec, ...] = (
    u32("id"),
    u16("nameLength"),
    var_text("name", "nameLength"),
    u16("descriptionLength"),
    var_text("description", "descriptionLength"),
    u16("eventTypeLength"),
    var_text("eventType", "eventTypeLength"),
    uuid("correlationRuleUuid"),
    uuid("correlationRevisionUuid"),
    uuid("whitelistUuid"),
)
#: Record 57 (vulnerability): §5.1 says only "fields"; the layout is eNcore 3.8's, whose
#: text fields (all uint32-length) match the Cisco guide's vulnerability record table.
VULNERABILITY: tuple[FieldSpec, ...] = (
    u32("id"),
    u32("impact"),
    u8("exploits"),
    u8("remote"),
    u32("entryDateLength"),
    var_text("entryDate", "entryDateLength"),
    u32("publishedDateLength"),
    var_text("publishedDate", "publishedDateLength"),
    u32("modifiedDateLength"),
    var_text("modifiedDate", "modifiedDateLength"),
    u32("titleLength"),
    var_text("title", "titleLength"),
    u32("shortDescriptionLength"),
    var_text("shortDescription", "shortDescriptionLength"),
    u32("descriptionLength"),
    var_text("description", "descriptionLength"),
    u32("technicalDescriptionLength"),
    var_text("technicalDescription", "technicalDescriptionLength"),
    u32("solutionLength"),
    var_text("solution", "solutionLength"),
)
#: Record 106 (third-party scanner vulnerability): eNcore 3.8's field order.  §5.1 notes
#: its naming slip (the description is not stored); eNcore also reads bugtraqId with a
#: length field that does not exist.  Both are corrected here: ``description`` and
#: ``bugtraqId`` use their own preceding uint32 lengths, as in the Cisco guide's table.
THIRD_PARTY_SCANNER_VULNERABILITY: tuple[FieldSpec, ...] = (
    u32("id"),
    u32("scannerType"),
    u32("titleLength"),
    var_text("title", "titleLength"),
    u32("descriptionLength"),
    var_text("description", "descriptionLength"),
    u32("cveIdLength"),
    var_text("cveId", "cveIdLength"),
    u32("bugtraqIdLength"),
    var_text("bugtraqId", "bugtraqIdLength"),
)
#: UUID+STR (records 132, 282, 600): uuid, then one string block, no block header.
UUID_STR: tuple[FieldSpec, ...] = (uuid("uuid"), string_block("name"))
#: SSLRULE (record 601): revision uint8[16] (rendered as hex, §4.5), id, string block.
SSL_RULE: tuple[FieldSpec, ...] = (hexbytes("revision", 16), u32("id"), string_block("name"))

# §6.2 HDR+UUID+STR (records 530, 700): a block header is present but its type number is
# undocumented, so any type is accepted and kept in ``blockType``.
S2_ANY_UUID_STRING = BlockLayout(
    2, None, "uuid + name block (HDR+UUID+STR)", (uuid("uuid"), string_block("name"))
)
# §9.2 #7: for records 132, 282, 600 and 601 it is unconfirmed whether a block header
# precedes the uuid (eNcore says no; 530/700 turned out to have one).  The doc's layout
# (no header) is the fallback; a record whose data is exactly one block (bytes 4-7 equal
# the record length) is decoded as that block, as for record 62 (§6.3).
_ANY_UUID_STRING_BLOCK = (inline(S2_ANY_UUID_STRING),)
_ANY_SSL_RULE_BLOCK = (inline(BlockLayout(2, None, "SSL rule block (SSLRULE)", SSL_RULE)),)


def _uuid_str(record_type: RecordType) -> RecordLayout:
    return RecordLayout(record_type, _ANY_UUID_STRING_BLOCK, fallback=UUID_STR)


def _one_block(record_type: RecordType, layout: BlockLayout) -> RecordLayout:
    return RecordLayout(record_type, (inline(layout),))


_IDLEN_RECORDS = (
    _R.CLIENT_APPLICATION, _R.CRITICALITY, _R.NETWORK_PROTOCOL, _R.ATTRIBUTE, _R.SCAN_TYPE,
    _R.SERVER, _R.SOURCE_TYPE, _R.SOURCE_APPLICATION, _R.SOURCE_DETECTOR,
    _R.WEB_APPLICATION, _R.ACCESS_CONTROL_RULE_ACTION, _R.URL_CATEGORY, _R.URL_REPUTATION,
    _R.MANAGED_DEVICE, _R.MALWARE_EVENT_TYPE, _R.MALWARE_EVENT_SUBTYPE,
    _R.AMP_FOR_ENDPOINTS_DETECTOR_TYPE, _R.AMP_FOR_ENDPOINTS_FILE_TYPE,
    _R.SECURITY_INTELLIGENCE_SOURCE_DESTINATION, _R.REALM, _R.SECURITY_GROUP,
    # §6.3: 350 is treated as IDLEN (eNcore's layout; its cache's "uuid" key is a slip).
    _R.NETMAP_DOMAIN,
    _R.FILE_TYPE_ID, _R.FILELOG_STORAGE, _R.FILELOG_SANDBOX, _R.FILELOG_SPERO,
    _R.FILELOG_ARCHIVE, _R.FILELOG_STATIC_ANALYSIS,
    _R.SSL_CIPHER_SUITE, _R.SSL_VERSION, _R.SSL_SERVER_CERTIFICATE_STATUS,
    _R.SSL_ACTUAL_ACTION, _R.SSL_EXPECTED_ACTION, _R.SSL_FLOW_STATUS, _R.SSL_URL_CATEGORY,
)  # fmt: skip

_UUID_STRING_RECORDS = (
    _R.SECURITY_ZONE_NAME, _R.INTERFACE_NAME, _R.ACCESS_CONTROL_POLICY_NAME,
    _R.INTRUSION_POLICY_NAME, _R.CISCO_AMP_CLOUD_NAME, _R.SINKHOLE,
)  # fmt: skip

#: Every metadata record type of §5.1, by number.
METADATA_RECORD_LAYOUTS: Mapping[int, RecordLayout] = {
    int(layout.record_type): layout
    for layout in (
        *(RecordLayout(rt, IDLEN) for rt in _IDLEN_RECORDS),
        RecordLayout(_R.PRIORITY, R4),
        RecordLayout(_R.FINGERPRINT, FP),
        RecordLayout(_R.VULNERABILITY, VULNERABILITY),
        # §6.3: decode block 57 when the data is exactly one block 57, else id + raw name.
        RecordLayout(_R.SYSTEM_USER, (inline(S2_USER),), fallback=(u32("id"), rest_text("name"))),
        RecordLayout(_R.RULE_MESSAGE, R66),
        RecordLayout(_R.CLASSIFICATION, R67),
        RecordLayout(_R.CORRELATION_POLICY, R67),
        RecordLayout(_R.CORRELATION_RULE, R70),
        # §6.3: block 57 decoded by its own lengths; the name's trailing NUL is dropped by
        # the text rule (§4.5), so no offsets are hard-coded.
        _one_block(_R.RUA_USER, S2_USER),
        RecordLayout(_R.THIRD_PARTY_SCANNER_VULNERABILITY, THIRD_PARTY_SCANNER_VULNERABILITY),
        _one_block(_R.INTRUSION_EVENT_EXTRA_DATA_METADATA, S2_EXTRA_DATA_METADATA),
        *(_one_block(rt, S2_UUID_STRING) for rt in _UUID_STRING_RECORDS),
        _one_block(_R.ACCESS_CONTROL_RULE_ID, S2_ACCESS_CONTROL_RULE),
        _one_block(_R.ACCESS_CONTROL_POLICY_RULE_REASON, S2_RULE_REASON),
        _uuid_str(_R.SECURITY_CONTEXT_NAME),
        _one_block(_R.RULE_DOCUMENTATION, S2_RULE_DOCUMENTATION),
        _one_block(_R.ACCESS_CONTROL_POLICY, S2_ACCESS_CONTROL_POLICY),
        _one_block(_R.PREFILTER_POLICY, S2_ACCESS_CONTROL_POLICY),
        _one_block(_R.TUNNEL_OR_PREFILTER_RULE, S2_ACCESS_CONTROL_POLICY),
        _one_block(_R.IOC_NAME, S2_IOC_NAME),
        _one_block(_R.ICMP_TYPE, S2_ICMP_TYPE),
        _one_block(_R.ICMP_CODE, S2_ICMP_CODE),
        _one_block(_R.SECURITY_INTELLIGENCE_CATEGORY_DISCOVERY, S2_SECURITY_INTELLIGENCE_CATEGORY),
        _uuid_str(_R.SECURITY_INTELLIGENCE_CATEGORY),
        _one_block(_R.ENDPOINT_PROFILE, S2_ENDPOINT_PROFILE),
        _one_block(_R.DNS_RECORD_TYPE, S2_ID_NAME_DESCRIPTION),
        _one_block(_R.DNS_RESPONSE_TYPE, S2_ID_NAME_DESCRIPTION),
        _one_block(_R.FILE_EVENT_SHA_HASH, S2_FILE_SHA),
        _one_block(_R.GEOLOCATION, S2_GEOLOCATION),
        RecordLayout(_R.FILE_POLICY_NAME, _ANY_UUID_STRING_BLOCK),
        _uuid_str(_R.SSL_POLICY_NAME),
        RecordLayout(_R.SSL_RULE_ID, _ANY_SSL_RULE_BLOCK, fallback=SSL_RULE),
        _one_block(_R.SSL_CERTIFICATE_DETAILS, S2_SSL_CERTIFICATE_DETAILS),
        RecordLayout(_R.NETWORK_ANALYSIS_POLICY, _ANY_UUID_STRING_BLOCK),
    )
}  # fmt: skip
