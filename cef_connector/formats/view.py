"""The computed names of a record in eNcore's vocabulary (its "@computed" view).

JSON lines carry this dict as ``"@computed"`` and Splunk lines write it under eNcore's
Splunk keys, so both formats read the same decoration the CEF mappings get
(``metadata.names_for``), renamed to eNcore's view names where eNcore had one
(:data:`NAME_VIEW_KEYS`; a name eNcore never had keeps its own key), plus the few values
eNcore's view derived itself: the record's name and category, the discovery event
description, the event time, and for intrusion events the impact level, the ``blocked``
text, the classification name and description and the rendered signature id.

What is deliberately not reproduced: ``eventDateTime`` (eNcore wrote the collector's
local time without a zone, which is ambiguous), eNcore's default names for unresolved IDs
(such as country 0 → ``unknown``), and names for which eNcore needed tables it built in
(file dispositions, SSL statuses …) that no metadata record carries: a name is present
only when it resolved.

Everything a record type needs is compiled once, on its first record
(:class:`ComputedView`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from cef_connector.formats.encore_tables import (
    BLOCKED_NAMES,
    IMPACT_NAMES,
    RECORD_DESCRIPTIONS,
    RNA_EVENT_NAMES,
    impact_from_flags,
)

if TYPE_CHECKING:
    from cef_connector.estreamer import Record
    from cef_connector.metadata import MetadataCache

__all__ = ["NAME_VIEW_KEYS", "ComputedView", "record_description"]

#: Our name keys (architecture "Naming scheme exposed to mappings") → eNcore's view name.
#: None drops a name that an eNcore value below replaces (eNcore's ``renderedId`` is the
#: bare signature id, its classification comes as name and description).  Keys not listed
#: are kept as they are.
NAME_VIEW_KEYS: Mapping[str, str | None] = MappingProxyType(
    {
        "device": "sensor",
        "ingressZone": "ingressSecurityZone",
        "egressZone": "egressSecurityZone",
        "accessControlPolicy": "firewallPolicy",
        "accessControlRule": "firewallRule",
        "ruleAction": "firewallRuleAction",
        "ruleReason": "firewallRuleReason",
        "initiatorCountry": "sourceIpCountry",
        "responderCountry": "destinationIpCountry",
        "sourceCountry": "sourceIpCountry",
        "destinationCountry": "destinationIpCountry",
        "ruleMessage": "message",
        "intrusionPolicy": "idsPolicy",
        "protocol": "transportProtocol",
        "renderedSignatureId": None,
        "classification": None,
    }
)

#: Fields holding the event's second, in eNcore's order of preference (then the archive
#: timestamp).
_TIME_FIELDS = ("eventSecond", "fileEventTimestamp", "triggerEventSecond", "timestamp")
_MICROSECOND_FIELDS = {"eventSecond": "eventMicrosecond",
                       "triggerEventSecond": "triggerEventMicrosecond"}

#: (fields, cache) → value or None.
Extra = Callable[[Mapping[str, Any], "MetadataCache"], Any]


def record_description(record_type: int) -> tuple[str, str] | None:
    """Return eNcore's name and category of a record type.

    Args:
        record_type: the eStreamer record type.

    Returns:
        ``("Connection Statistics", "RNA")``, or None for a type eNcore did not know.
    """
    return RECORD_DESCRIPTIONS.get(record_type)


def _security_intelligence_event(fields: Mapping[str, Any], cache: MetadataCache) -> Any:
    value = fields.get("securityIntelligenceSourceDestination")
    if value is None:
        return None
    return "No" if value == 0 else "Yes"


def _impact_of(field: str) -> Extra:
    def impact(fields: Mapping[str, Any], cache: MetadataCache) -> Any:
        flags = fields.get(field)
        return impact_from_flags(flags) if type(flags) is int else None

    return impact


def _table_of(field: str, table: Mapping[int, str]) -> Extra:
    def name(fields: Mapping[str, Any], cache: MetadataCache) -> Any:
        return table.get(fields.get(field))  # type: ignore[arg-type]

    return name


def _cached(table: int, key_fields: tuple[str, ...], value: str) -> Extra:
    single = key_fields[0] if len(key_fields) == 1 else None

    def lookup(fields: Mapping[str, Any], cache: MetadataCache) -> Any:
        if single is not None:
            key: Any = fields.get(single)
            if key is None:
                return None
        else:
            key = tuple(fields.get(name) for name in key_fields)
            if None in key:
                return None
        try:
            found = cache.lookup_field(table, key, value)
        except TypeError:  # an unhashable key from a malformed record
            return None
        return None if found is None or found == "" else found

    return lookup


#: Record type → (view name, how eNcore derived it).
_EXTRAS: Mapping[int, tuple[tuple[str, Extra], ...]] = MappingProxyType(
    {
        9: (("impact", _impact_of("impact")),),
        71: (("securityIntelligenceEvent", _security_intelligence_event),),
        112: (("impact", _impact_of("eventImpactFlags")),),
        400: (
            ("renderedId", _cached(66, ("generatorId", "ruleId"), "signatureId")),
            ("classificationName", _cached(67, ("classificationId",), "name")),
            ("classificationDescription", _cached(67, ("classificationId",), "description")),
            ("blocked", _table_of("blocked", BLOCKED_NAMES)),
            ("impact", _impact_of("impactFlags")),
            ("impactDescription", _table_of("impact", IMPACT_NAMES)),
        ),
    }
)


#: Name-key shapes remembered per view (see :meth:`ComputedView._targets_of`); the cache is
#: emptied when it grows past this.
_MAX_NAME_SHAPES = 4096


class ComputedView:
    """Builds the eNcore-style computed dict of records, compiled per record type."""

    def __init__(self) -> None:
        self._heads: dict[int, tuple[tuple[str, Any], ...]] = {}
        #: the keys of a names dict → their view keys (None: dropped)
        self._targets: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def _head(self, record_type: int) -> tuple[tuple[str, Any], ...]:
        head = self._heads.get(record_type)
        if head is None:
            described = RECORD_DESCRIPTIONS.get(record_type)
            head = (
                (("recordTypeCategory", described[1]), ("recordTypeDescription", described[0]))
                if described is not None
                else ()
            )
            self._heads[record_type] = head
        return head

    def _targets_of(self, keys: tuple[Any, ...]) -> tuple[Any, ...]:
        """The view keys of a shape of names (the same tuple when nothing is renamed)."""
        rename = NAME_VIEW_KEYS.get
        targets = tuple(rename(key, key) for key in keys)
        if targets == keys:
            targets = keys
        if len(self._targets) >= _MAX_NAME_SHAPES:
            self._targets.clear()
        self._targets[keys] = targets
        return targets

    def view(self, record: Record, names: Mapping[str, str], cache: MetadataCache
             ) -> dict[str, Any]:
        """Compute the view of one record.

        Args:
            record: the decoded record.
            names: what ``metadata.names_for`` returned for it.
            cache: the metadata cache (for the classification and signature extras).

        Returns:
            eNcore view name → value, in this order: category, description, the names,
            the derived values, the event description and the event time.
        """
        rtype = record.record_type
        fields = record.fields
        head = self._heads.get(rtype)
        computed: dict[str, Any] = dict(self._head(rtype) if head is None else head)
        if names:
            # The renamed names in one update: a key renamed onto one already present
            # keeps the first place and takes the later value, as assignments would; the
            # names eNcore's view replaces go to the key None and are removed.
            keys = tuple(names)
            targets = self._targets.get(keys)
            if targets is None:
                targets = self._targets_of(keys)
            if targets is keys:
                computed.update(names)
            else:
                computed.update(zip(targets, names.values()))
                computed.pop(None, None)  # type: ignore[call-overload]
        extras = _EXTRAS.get(rtype)
        if extras is not None:
            for key, derive in extras:
                value = derive(fields, cache)
                if value is not None:
                    computed[key] = value
        get = fields.get
        event_type = get("eventType")
        if event_type is not None:
            subtype = get("eventSubtype")
            described = (RNA_EVENT_NAMES.get((event_type, subtype))
                         if type(event_type) is int and type(subtype) is int else None)
            if described is not None:
                computed["eventDescription"] = described
        second = 0
        microsecond = 0
        for name in _TIME_FIELDS:
            value = get(name)
            if value:
                second = value
                micro_field = _MICROSECOND_FIELDS.get(name)
                if micro_field is not None:
                    microsecond = get(micro_field) or 0
                break
        if not second:
            second = record.archive_timestamp or 0
        if type(second) is int and second > 0:
            computed["eventSecond"] = second
            if type(microsecond) is int and microsecond > 0:
                computed["eventMicrosecond"] = microsecond
        return computed
