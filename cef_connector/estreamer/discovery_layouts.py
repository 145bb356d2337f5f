"""Discovery (RNA host), user (RUA) and IOC event layouts and their blocks (§4.6, §5.10-§5.12).

Every record here starts with the discovery event header (``DISCOVERY_HEADER``, §4.6).
``DISCOVERY_RECORD_LAYOUTS`` is merged into ``layouts.RECORD_LAYOUTS`` and
``DISCOVERY_SERIES1_BLOCKS`` into ``layouts.SERIES1_BLOCKS``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .constants import RecordType, Series1Block
from .layout_types import (
    DISCOVERY_HEADER,
    BlockLayout,
    RecordLayout,
    inline,
    ipv6,
    list_of,
    string_block,
    u16,
    u32,
)

__all__ = ["DISCOVERY_RECORD_LAYOUTS", "DISCOVERY_SERIES1_BLOCKS"]

_R = RecordType

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

#: Series-1 blocks that discovery, user and IOC records use, by type.
DISCOVERY_SERIES1_BLOCKS: Mapping[int, BlockLayout] = {
    int(b.block_type): b
    for b in (S1_SUB_SERVER, S1_WEB_APPLICATION, S1_SERVER_INFORMATION, S1_HOST_SERVER)
    if b.block_type is not None
}  # fmt: skip

#: Discovery, user and IOC record types we decode, by number.
DISCOVERY_RECORD_LAYOUTS: Mapping[int, RecordLayout] = {
    int(layout.record_type): layout
    for layout in (
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
    )
}  # fmt: skip
