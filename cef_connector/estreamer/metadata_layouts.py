"""Metadata record layouts and their blocks (§6), written as data.

Metadata records name the IDs that events carry (§6.1).  ``METADATA_RECORD_LAYOUTS`` is
merged into ``layouts.RECORD_LAYOUTS`` and ``METADATA_SERIES2_BLOCKS`` into
``layouts.SERIES2_BLOCKS``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .constants import RecordType, Series2Block
from .layout_types import (
    BlockLayout,
    FieldSpec,
    RecordLayout,
    inline,
    rest_text,
    string_block,
    u16,
    u32,
    uuid,
    var_text,
)

__all__ = ["METADATA_RECORD_LAYOUTS", "METADATA_SERIES2_BLOCKS"]

_R = RecordType

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

#: Series-2 blocks that metadata records use, by type.
METADATA_SERIES2_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (
        S2_EXTRA_DATA_METADATA, S2_UUID_STRING, S2_ACCESS_CONTROL_RULE,
        S2_SECURITY_INTELLIGENCE_CATEGORY, S2_GEOLOCATION, S2_USER, S2_RULE_REASON,
        S2_ACCESS_CONTROL_POLICY,
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


#: Metadata record types we decode, by number.
METADATA_RECORD_LAYOUTS: Mapping[int, RecordLayout] = {
    int(layout.record_type): layout
    for layout in (
    RecordLayout(_R.PRIORITY, R4),
    RecordLayout(_R.CLIENT_APPLICATION, IDLEN),
    # §6.3: decode block 57 when the data is exactly one block 57, else id + raw name.
    RecordLayout(_R.SYSTEM_USER, (inline(S2_USER),), fallback=(u32("id"), rest_text("name"))),
    RecordLayout(_R.SERVER, IDLEN),
    RecordLayout(_R.RULE_MESSAGE, R66),
    RecordLayout(_R.CLASSIFICATION, R67),
    RecordLayout(_R.RUA_USER, (inline(S2_USER),)),
    RecordLayout(_R.WEB_APPLICATION, IDLEN),
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
    RecordLayout(_R.GEOLOCATION, (inline(S2_GEOLOCATION),)),
    RecordLayout(_R.NETWORK_ANALYSIS_POLICY, (inline(S2_ANY_UUID_STRING),)),
    )
}  # fmt: skip
