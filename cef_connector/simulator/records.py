"""The simulator's record: fields plus its bytes, and the identity of every event record.

Event identity (for counting loss and duplicates; ``event_identity``).  Each identity is
unique within one generated stream and is computed from fields alone, so it is the same
for the generator's fields and for ``Record.fields`` decoded by a client:

=============================  ==================================================================
record                         identity
=============================  ==================================================================
400 intrusion event            ``("intrusion", deviceId, eventId, eventSecond)``; ``eventId`` is
                               one counter across all devices
2 packet                       ``("packet", deviceId, eventId, eventSecond)`` (its intrusion's)
110 intrusion extra data       ``("extra-data", deviceId, eventId, eventSecond, type)``
9 impact alert                 ``("impact-alert", deviceId, eventId, eventSecond)``
71 connection                  ``("connection", deviceId, firstPacketTimestamp, instanceId,
                               connectionCounter)``; the counter increases by 1 per connection
                               of a (device, snort instance) pair, modulo 65536
112 correlation event          ``("correlation", deviceId, eventId, correlationEventSecond)``
500 / 502 file events          ``("file" / "file-malware", deviceId, connectionInstance,
                               connectionCounter, connectionTimestamp, fileEventTimestamp,
                               shaHash)``
125 malware event              ``("malware", deviceId, agentUuid, malwareEventTimestamp,
                               eventTypeId, fileShaHash, connectionInstance,
                               connectionCounter, connectionEventTimestamp)``
every other record with the    ``("discovery", recordType, deviceId, eventSecond,
discovery header (10–107,      eventMicrosecond)``: the generator gives each such record its
73, 92–95, 160, 170, 171)      own microsecond of the timeline
=============================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cef_connector.estreamer import RecordType, encode_record
from cef_connector.estreamer.discovery_layouts import (
    DISCOVERY_EVENT_TYPE_ONLY,
    DISCOVERY_EVENT_TYPES,
)

__all__ = ["DISCOVERY_HEADER_RECORDS", "EventIdentity", "SimRecord", "event_identity"]

EventIdentity = tuple[Any, ...]

_R = RecordType

#: Event records that start with the discovery header (§4.6), 71 (own identity) included.
DISCOVERY_HEADER_RECORDS: frozenset[int] = frozenset(
    {*DISCOVERY_EVENT_TYPES, *DISCOVERY_EVENT_TYPE_ONLY,
     int(_R.NEW_VPN_DEVICE_LOGIN), int(_R.NEW_VPN_DEVICE_LOGOFF)}
)  # fmt: skip


@dataclass(frozen=True)
class SimRecord:
    """One record the simulator can stream.

    Attributes:
        record_type: record number (§5.1).
        fields: field values under the decoder's names, as ``encode_record`` takes them.
        archive_timestamp: the archive second (0 for metadata).
        is_metadata: metadata records go first and carry archive timestamp 0.
        identity: ``event_identity`` of an event record, None for metadata.
    """

    record_type: int
    fields: Mapping[str, Any] = field(repr=False)
    archive_timestamp: int
    is_metadata: bool
    identity: EventIdentity | None

    @cached_property
    def _extended(self) -> bytes:
        return encode_record(self.record_type, self.fields, self.archive_timestamp)

    @cached_property
    def _short(self) -> bytes:
        return encode_record(self.record_type, self.fields, None)

    def encode(self, archive_header: bool) -> bytes:
        """The record header + record data.

        Args:
            archive_header: 16-byte header with archiveTimestamp (request flag bit 23), else
                the 8-byte header (§4.1).

        Returns:
            Bytes for ``encode_bundle`` / ``encode_event_data``.
        """
        return self._extended if archive_header else self._short


def _file(kind: str, f: Mapping[str, Any]) -> EventIdentity:
    return (kind, f["deviceId"], f["connectionInstance"], f["connectionCounter"],
            f["connectionTimestamp"], f["fileEventTimestamp"], f["shaHash"])  # fmt: skip


_IDENTITIES: dict[int, Any] = {
    _R.INTRUSION_EVENT: lambda f: ("intrusion", f["deviceId"], f["eventId"], f["eventSecond"]),
    _R.PACKET: lambda f: ("packet", f["deviceId"], f["eventId"], f["eventSecond"]),
    _R.INTRUSION_EVENT_EXTRA_DATA: lambda f: (
        "extra-data", f["deviceId"], f["eventId"], f["eventSecond"], f["type"]),
    _R.INTRUSION_IMPACT_ALERT: lambda f: (
        "impact-alert", f["deviceId"], f["eventId"], f["eventSecond"]),
    _R.CONNECTION_STATISTICS: lambda f: (
        "connection", f["deviceId"], f["firstPacketTimestamp"], f["instanceId"],
        f["connectionCounter"]),
    _R.CORRELATION_EVENT: lambda f: (
        "correlation", f["deviceId"], f["eventId"], f["correlationEventSecond"]),
    _R.FILE_EVENT: lambda f: _file("file", f),
    _R.FILE_MALWARE_EVENT: lambda f: _file("file-malware", f),
    _R.MALWARE_EVENT: lambda f: (
        "malware", f["deviceId"], f["agentUuid"], f["malwareEventTimestamp"], f["eventTypeId"],
        f["fileShaHash"], f["connectionInstance"], f["connectionCounter"],
        f["connectionEventTimestamp"]),
}  # fmt: skip


def event_identity(record_type: int, fields: Mapping[str, Any]) -> EventIdentity | None:
    """The identity of an event record (see the module docstring), from its fields.

    Works on generated fields and on ``Record.fields`` decoded by the client alike.

    Args:
        record_type: an event record type.
        fields: the record's fields.

    Returns:
        A hashable tuple, or None for metadata and unknown record types.
    """
    build = _IDENTITIES.get(record_type)
    if build is not None:
        return build(fields)  # type: ignore[no-any-return]
    if record_type in DISCOVERY_HEADER_RECORDS:
        return ("discovery", record_type, fields["deviceId"], fields["eventSecond"],
                fields["eventMicrosecond"])  # fmt: skip
    return None
