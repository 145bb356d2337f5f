"""The ``names`` decoration handed to mappings: metadata names for the IDs in an event.

:data:`NAME_TABLE` declares, per event record type, each name key and where it comes
from (architecture "Naming scheme exposed to mappings"): a chain of cache lookups tried
in order (145 then 117, 98 then 62, 118 then 700, classification description then
name), an optional default for one key value (device 0 is the FMC itself, "Defense
Center", as in eNcore), an optional format (``renderedSignatureId`` =
``"<generatorId>:<signatureId>"``), or the built-in IANA protocol table.

Only names that resolved to a non-empty string are returned; templates use
``names.x | default(...)``.  Record types without an entry get ``device`` when they
carry a ``deviceId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Union

from cef_connector.metadata.cache import TABLE_SPECS, MetadataCache
from cef_connector.metadata.protocols import protocol_name

if TYPE_CHECKING:
    from cef_connector.estreamer import Record

__all__ = [
    "DEFENSE_CENTER",
    "NAME_TABLE",
    "Lookup",
    "NameSource",
    "ProtocolName",
    "names_for",
]

#: eNcore's name for device 0, the FMC itself.
DEFENSE_CENTER = "Defense Center"


@dataclass(frozen=True)
class Lookup:
    """One cache lookup.

    Attributes:
        table: metadata record type to look in.
        key_fields: event fields forming the key, in the table's key order.
        value: stored field to return; None returns the table's name.
        template: ``str.format`` pattern applied to the found value (``{value}``) and
            the event's fields, e.g. ``"{generatorId}:{value}"``.
    """

    table: int
    key_fields: tuple[str, ...]
    value: str | None = None
    template: str | None = None

    def resolve(self, fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
        """Look the event's key up.

        Args:
            fields: the event's fields.
            cache: the metadata cache.

        Returns:
            The name, or None when a key field is missing or nothing is stored.
        """
        parts = tuple(fields.get(name) for name in self.key_fields)
        if any(part is None for part in parts):
            return None
        key = parts[0] if len(parts) == 1 else parts
        found = (
            cache.lookup(self.table, key)
            if self.value is None
            else cache.lookup_field(self.table, key, self.value)
        )
        if found is None or found == "":
            return None
        if self.template is None:
            return str(found)
        return self.template.format_map({**fields, "value": found})


@dataclass(frozen=True)
class NameSource:
    """A name from metadata: lookups tried in order, then a default.

    Attributes:
        lookups: the lookups, first match wins.
        defaults: (key value, name) pairs used when no lookup matched and the first
            lookup's single key field has that value.
    """

    lookups: tuple[Lookup, ...]
    defaults: tuple[tuple[Any, str], ...] = ()

    def resolve(self, fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
        """Resolve the name for one event.

        Args:
            fields: the event's fields.
            cache: the metadata cache.

        Returns:
            The name, or None.
        """
        for lookup in self.lookups:
            name = lookup.resolve(fields, cache)
            if name is not None:
                return name
        if self.defaults:
            key = fields.get(self.lookups[0].key_fields[0])
            for value, name in self.defaults:
                if key == value and not isinstance(key, bool):
                    return name
        return None


@dataclass(frozen=True)
class ProtocolName:
    """The IANA keyword of an IP protocol number field.

    Attributes:
        field: the event field holding the number.
    """

    field: str

    def resolve(self, fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
        """Name the protocol number.

        Args:
            fields: the event's fields.
            cache: unused (the table is built in).

        Returns:
            ``"TCP"``, ``"UDP"``, ``"IPv6-ICMP"`` ..., or None.
        """
        return protocol_name(fields.get(self.field))


Source = Union[NameSource, ProtocolName]


def _one(table: int, *key_fields: str) -> NameSource:
    return NameSource((Lookup(table, key_fields),))


_DEVICE = NameSource((Lookup(123, ("deviceId",)),), defaults=((0, DEFENSE_CENTER),))


def _user(field: str) -> NameSource:
    return NameSource((Lookup(98, (field,)), Lookup(62, (field,))))


def _policy(policy_field: str) -> NameSource:
    return NameSource((Lookup(145, ("deviceId", policy_field)), Lookup(117, (policy_field,))))


_CONNECTION_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "ingressZone": _one(115, "ingressZone"),
    "egressZone": _one(115, "egressZone"),
    "ingressInterface": _one(116, "ingressInterface"),
    "egressInterface": _one(116, "egressInterface"),
    "accessControlPolicy": _policy("policyRevision"),
    "accessControlRule": _one(119, "policyRevision", "ruleId"),
    "ruleAction": _one(120, "ruleAction"),
    "ruleReason": _one(124, "ruleReason"),
    "applicationProtocol": _one(63, "applicationProtocolId"),
    "clientApplication": _one(55, "clientApplicationId"),
    "webApplication": _one(109, "webApplicationId"),
    "user": _user("userId"),
    "urlCategory": _one(121, "urlCategory"),
    "urlReputation": _one(122, "urlReputation"),
    "securityIntelligenceList1": _one(280, "securityIntelligenceList1", "policyRevision"),
    "initiatorCountry": _one(520, "initiatorCountry"),
    "responderCountry": _one(520, "responderCountry"),
    "protocol": ProtocolName("protocol"),
}

_INTRUSION_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "ingressZone": _one(115, "securityZoneIngressUuid"),
    "egressZone": _one(115, "securityZoneEgressUuid"),
    "ingressInterface": _one(116, "interfaceIngressUuid"),
    "egressInterface": _one(116, "interfaceEgressUuid"),
    "accessControlPolicy": _policy("accessControlPolicyUuid"),
    "accessControlRule": _one(119, "accessControlPolicyUuid", "accessControlRuleId"),
    "applicationProtocol": _one(63, "applicationProtocolId"),
    "clientApplication": _one(55, "clientApplicationId"),
    "webApplication": _one(109, "webApplicationId"),
    "user": _user("userId"),
    "sourceCountry": _one(520, "sourceCountry"),
    "destinationCountry": _one(520, "destinationCountry"),
    "ruleMessage": NameSource((Lookup(66, ("generatorId", "ruleId"), "message"),)),
    "renderedSignatureId": NameSource(
        (Lookup(66, ("generatorId", "ruleId"), "signatureId", "{generatorId}:{value}"),)
    ),
    "classification": NameSource(
        (
            Lookup(67, ("classificationId",), "description"),
            Lookup(67, ("classificationId",), "name"),
        )
    ),
    "priority": _one(4, "priorityId"),
    "intrusionPolicy": NameSource(
        (Lookup(118, ("intrusionPolicyUuid",)), Lookup(700, ("intrusionPolicyUuid",)))
    ),
    "protocol": ProtocolName("ipProtocolId"),
}

#: Event record type → name key → source.
NAME_TABLE: Mapping[int, Mapping[str, Source]] = MappingProxyType(
    {
        2: MappingProxyType({"device": _DEVICE}),
        71: MappingProxyType(_CONNECTION_NAMES),
        400: MappingProxyType(_INTRUSION_NAMES),
    }
)

_GENERIC: Mapping[str, Source] = MappingProxyType({"device": _DEVICE})

Resolver = Callable[[Mapping[str, Any], MetadataCache], Union[str, None]]


def _compile_lookup(lookup: Lookup) -> Resolver:
    """Turn one declarative lookup into a closure doing plain dict hits.

    This is the per-event hot path (one call per name per event), so it reads the
    cache's tables directly instead of going through ``MetadataCache.lookup``.
    Semantics are those of :meth:`Lookup.resolve` (a test checks both agree).
    """
    if lookup.template is not None or len(lookup.key_fields) != 1:
        return lookup.resolve
    spec = TABLE_SPECS.get(lookup.table)
    if spec is None:
        return lookup.resolve
    index = 0 if lookup.value is None else spec.value_fields.index(lookup.value)
    names_only = lookup.value is None
    table_id = lookup.table
    key_field = lookup.key_fields[0]

    def resolve(fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
        table = cache._tables.get(table_id)
        if table is None:
            return None
        key = fields.get(key_field)
        if key is None:
            return None
        try:
            entry = table.get(key)
        except TypeError:  # an unhashable value from a malformed record
            return None
        if entry is None:
            return None
        table.move_to_end(key)  # keep the least-recently-used eviction order
        found = entry[index]
        if found is None or found == "":
            return None
        if names_only:
            return found if isinstance(found, str) else None
        return str(found)

    return resolve


def _compile_source(source: Source) -> Resolver:
    if isinstance(source, ProtocolName):
        field_name = source.field

        def protocol(fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
            return protocol_name(fields.get(field_name))

        return protocol
    if source.defaults or len(source.lookups) != 1:
        compiled = tuple(_compile_lookup(lookup) for lookup in source.lookups)
        if source.defaults:
            return source.resolve

        def first(fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
            for resolve in compiled:
                name = resolve(fields, cache)
                if name is not None:
                    return name
            return None

        return first
    return _compile_lookup(source.lookups[0])


def _compile_table(sources: Mapping[str, Source]) -> tuple[tuple[str, Resolver], ...]:
    return tuple((key, _compile_source(source)) for key, source in sources.items())


_COMPILED: dict[int, tuple[tuple[str, Resolver], ...]] = {
    record_type: _compile_table(sources) for record_type, sources in NAME_TABLE.items()
}
_COMPILED_GENERIC = _compile_table(_GENERIC)


def names_for(record: Record, cache: MetadataCache) -> dict[str, str]:
    """Resolve the metadata names of one event.

    Args:
        record: a decoded record (``record_type`` and ``fields`` are used).
        cache: the metadata learned so far.

    Returns:
        Name key → name, only for names that resolved (e.g. ``{"device": "ftd-1",
        "protocol": "TCP"}``).
    """
    resolvers = _COMPILED.get(record.record_type)
    fields = record.fields
    if resolvers is None:
        if "deviceId" not in fields:
            return {}
        resolvers = _COMPILED_GENERIC
    names: dict[str, str] = {}
    for key, resolve in resolvers:
        name = resolve(fields, cache)
        if name:
            names[key] = name
    return names


def names_for_reference(record: Record, cache: MetadataCache) -> dict[str, str]:
    """:func:`names_for` through the declarative sources, without compilation (for tests)."""
    sources = NAME_TABLE.get(record.record_type)
    fields = record.fields
    if sources is None:
        if "deviceId" not in fields:
            return {}
        sources = _GENERIC
    names: dict[str, str] = {}
    for key, source in sources.items():
        name = source.resolve(fields, cache)
        if name:
            names[key] = name
    return names
