"""The ``names`` decoration handed to mappings: metadata names for the IDs in an event.

:data:`NAME_TABLE` declares, per event record type, each name key and where its name
comes from (architecture "Naming scheme exposed to mappings"):

* :class:`NameSource`: cache lookups tried in order (145 then 117, 98 then 62, 118 then
  700, classification description then name), then optional defaults for one key value
  (device 0 is the FMC itself, "Defense Center", as in eNcore).  A :class:`Lookup` reads
  one metadata table with a key built from event fields (normalised where the event
  carries the ID in another wire form than the metadata record, e.g. a raw uint8[16]
  where the table is keyed by UUID text), and returns the table's name, another stored
  field, several stored fields joined, or a format (``renderedSignatureId`` =
  ``"<generatorId>:<signatureId>"``).
* :class:`ProtocolName`: the built-in IANA protocol keyword of a number field.
* :class:`EachName`: the same for every item of nested lists (discovery records carry
  servers, applications and fingerprints as lists of blocks); the distinct names are
  joined with ``", "`` in list order.

Only names that resolved to a non-empty string are returned; templates use
``names.x | default(...)``.  Record types without an entry get ``device`` when they carry
a ``deviceId``.

:func:`names_for` is on the per-event hot path.  Each record type's sources are compiled
once, at import, into one generated function that does plain dict hits on the cache's
tables (no call per name for the common lookups); :func:`names_for_reference` resolves
the declarative sources one by one and is the specification the compiled form is tested
against.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Union

from cef_connector.metadata.cache import KEY_FORMS, TABLE_SPECS, MetadataCache
from cef_connector.metadata.protocols import protocol_name

if TYPE_CHECKING:
    from cef_connector.estreamer import Record

__all__ = [
    "DEFENSE_CENTER",
    "LIST_SEPARATOR",
    "NAME_KEYS",
    "NAME_TABLE",
    "EachName",
    "Lookup",
    "NameSource",
    "ProtocolName",
    "fields_read",
    "names_for",
    "names_for_reference",
]

#: eNcore's name for device 0, the FMC itself.
DEFENSE_CENTER = "Defense Center"

#: Joins the names of a list-valued source (:class:`EachName`).
LIST_SEPARATOR = ", "


@dataclass(frozen=True)
class Lookup:
    """One cache lookup.

    Attributes:
        table: metadata record type to look in.
        key_fields: event fields forming the key, in the table's key order.
        value: what to return: None for the table's name, a stored field's name
            (``"description"``), or several stored fields joined by ``sep`` (empty ones
            skipped).
        template: ``str.format`` pattern applied to the event's fields and the entry's
            stored fields (stored fields win), e.g. ``"{generatorId}:{signatureId}"``;
            used only when ``value`` resolved.
        key_forms: per key field, a :data:`cache.KEY_FORMS` normalisation (``"uuid"``,
            ``"lower"``) or None; empty means none.
        sep: separator for a tuple ``value``.
    """

    table: int
    key_fields: tuple[str, ...]
    value: str | tuple[str, ...] | None = None
    template: str | None = None
    key_forms: tuple[str | None, ...] = ()
    sep: str = " "

    def __post_init__(self) -> None:
        spec = TABLE_SPECS.get(self.table)
        if spec is None:
            raise ValueError(f"no metadata table {self.table}")
        if len(self.key_fields) != len(spec.key_fields):
            raise ValueError(
                f"table {self.table} is keyed by {spec.key_fields}, not {self.key_fields}"
            )
        wanted = self.value if isinstance(self.value, tuple) else (self.value,)
        for name in wanted:
            if name is not None and name not in spec.value_fields:
                raise ValueError(f"table {self.table} does not store {name!r}")
        for form in self.key_forms:
            if form is not None and form not in KEY_FORMS:
                raise ValueError(f"unknown key form {form!r}")

    def key(self, fields: Mapping[str, Any]) -> Hashable | None:
        """Build the cache key from an event's fields.

        Args:
            fields: the event's fields.

        Returns:
            A scalar for a one-field key, a tuple otherwise; None when a key field is
            missing or cannot be normalised.
        """
        parts: list[Any] = []
        forms = self.key_forms
        for index, name in enumerate(self.key_fields):
            value = fields.get(name)
            if value is None:
                return None
            form = forms[index] if index < len(forms) else None
            if form is not None:
                value = KEY_FORMS[form](value)
                if value is None:
                    return None
            parts.append(value)
        return parts[0] if len(parts) == 1 else tuple(parts)

    def resolve(self, fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
        """Look the event's key up.

        Args:
            fields: the event's fields.
            cache: the metadata cache.

        Returns:
            The name, or None when a key field is missing or nothing non-empty is stored.
        """
        key = self.key(fields)
        if key is None:
            return None
        entry = cache.lookup_entry(self.table, key)
        if entry is None:
            return None
        if isinstance(self.value, tuple):
            parts = [str(entry[name]) for name in self.value if entry[name] not in (None, "")]
            return self.sep.join(parts) or None
        name_field = self.value or TABLE_SPECS[self.table].value_fields[0]
        found = entry[name_field]
        if found is None or found == "" or (self.value is None and not isinstance(found, str)):
            return None
        if self.template is None:
            return str(found)
        return self.template.format_map({**fields, **entry})


@dataclass(frozen=True)
class NameSource:
    """A name from metadata: lookups tried in order, then a default.

    Attributes:
        lookups: the lookups, first match wins.
        defaults: (key value, name) pairs used when no lookup matched and the first
            lookup's first key field has that value.
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


def _items(fields: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[Mapping[str, Any]]:
    """The dicts reached from ``fields`` along ``path`` (lists are walked item by item)."""
    level: list[Mapping[str, Any]] = [fields]
    for step in path:
        following: list[Mapping[str, Any]] = []
        for container in level:
            value = container.get(step)
            if isinstance(value, dict):
                following.append(value)
            elif isinstance(value, list):
                following.extend(item for item in value if isinstance(item, dict))
        level = following
    return iter(level)


@dataclass(frozen=True)
class EachName:
    """Names of the items of nested lists, distinct, in list order, joined.

    Attributes:
        paths: field paths to the items, e.g. ``(("serverInformation",),)`` or
            ``(("tcpServers", "serverInformation"),)``; each step is a list of blocks
            (walked item by item) or a nested block.
        source: resolved against each item's fields.
    """

    paths: tuple[tuple[str, ...], ...]
    source: NameSource | ProtocolName

    def resolve(self, fields: Mapping[str, Any], cache: MetadataCache) -> str | None:
        """Resolve and join the names of every item.

        Args:
            fields: the event's fields.
            cache: the metadata cache.

        Returns:
            ``"HTTP, SSL"``, or None when no item has a name.
        """
        names: list[str] = []
        for path in self.paths:
            for item in _items(fields, path):
                name = self.source.resolve(item, cache)
                if name and name not in names:
                    names.append(name)
        return LIST_SEPARATOR.join(names) or None


Source = Union[NameSource, ProtocolName, EachName]


def fields_read(source: Source) -> frozenset[tuple[str, ...]]:
    """The event field paths a source reads (for layout checks and documentation).

    Args:
        source: a name source.

    Returns:
        Paths such as ``("deviceId",)`` or ``("tcpServers", "serverInformation",
        "applicationId")``.
    """
    if isinstance(source, ProtocolName):
        return frozenset({(source.field,)})
    if isinstance(source, EachName):
        inner = fields_read(source.source)
        return frozenset(path + tail for path in source.paths for tail in inner)
    return frozenset((name,) for lookup in source.lookups for name in lookup.key_fields)


# --- building blocks ---------------------------------------------------------------------


def _one(table: int, *key_fields: str, value: str | None = None) -> NameSource:
    return NameSource((Lookup(table, key_fields, value),))


def _chain(*lookups: Lookup) -> NameSource:
    return NameSource(lookups)


def _device(field: str = "deviceId") -> NameSource:
    return NameSource((Lookup(123, (field,)),), defaults=((0, DEFENSE_CENTER),))


_DEVICE = _device()


def _user(field: str) -> NameSource:
    return _chain(Lookup(98, (field,)), Lookup(62, (field,)))


def _policy(policy_field: str) -> NameSource:
    """145 by (deviceId, policy revision uuid), else the older 117 by uuid."""
    return _chain(Lookup(145, ("deviceId", policy_field)), Lookup(117, (policy_field,)))


def _uuid_name(table: int, field: str) -> NameSource:
    """A uuid-keyed name for an ID the event carries as uint8[16] (32 hex digits)."""
    return NameSource((Lookup(table, (field,), key_forms=("uuid",)),))


def _icmp(protocol: str, icmp_type: str, icmp_code: str) -> dict[str, Source]:
    """``icmpType`` (260) and ``icmpCode`` (270); keys include the protocol, so TCP/UDP
    ports never match an ICMP entry."""
    return {
        "icmpType": _one(260, protocol, icmp_type),
        "icmpCode": _one(270, protocol, icmp_type, icmp_code),
    }


def _ioc(*fields: str) -> dict[str, Source]:
    """IOC names (161) by the first of ``fields`` present."""

    def chain(value: str | tuple[str, ...] | None, sep: str = " ") -> NameSource:
        return NameSource(tuple(Lookup(161, (field,), value, sep=sep) for field in fields))

    return {
        "iocCategory": chain(None),
        "iocEventType": chain("eventType"),
        "iocName": chain(("category", "eventType"), ": "),
    }


def _ssl_certificate(field: str) -> dict[str, Source]:
    return {
        "sslCertificateSubject": _one(614, field),
        "sslCertificateIssuer": _one(614, field, value="issuerCn"),
    }


def _operating_system(field: str) -> NameSource:
    """54 by fingerprint uuid: vendor, name and version joined ("Microsoft Windows 10")."""
    return NameSource((Lookup(54, (field,), ("vendor", "name", "version")),))


def _source(prefix: tuple[str, ...] = ()) -> dict[str, Source]:
    """``sourceType`` (90), ``sourceApplication`` (91) and ``sourceDetector`` (96): §5.11
    says sourceId → 91/96; which applies depends on the source type, so both are offered."""
    fields: dict[str, NameSource] = {
        "sourceType": _one(90, "sourceType"),
        "sourceApplication": _one(91, "sourceId"),
        "sourceDetector": _one(96, "sourceId"),
    }
    if not prefix:
        return dict(fields)
    return {key: EachName((prefix,), source) for key, source in fields.items()}


def _each(source: NameSource | ProtocolName, *paths: tuple[str, ...]) -> EachName:
    return EachName(paths, source)


# --- per record type ---------------------------------------------------------------------

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
    # keys added after the first slice
    "securityIntelligenceList2": _one(280, "securityIntelligenceList2", "policyRevision"),
    "securityIntelligenceSourceDestination": _one(281, "securityIntelligenceSourceDestination"),
    "originalClientCountry": _one(520, "originalClientCountry"),
    "qosAppliedInterface": _one(116, "qosAppliedInterface"),
    **{f"monitorRule{n}": _one(119, "policyRevision", f"monitorRule{n}") for n in range(1, 9)},
    **_ioc("iocNumber"),
    "securityContext": _one(132, "securityContext"),
    "sslPolicy": _one(600, "sslPolicyId"),
    "sslRule": _one(601, "sslPolicyId", "sslRuleId"),
    "sslCipherSuite": _one(602, "sslCipherSuite"),
    "sslVersion": _one(604, "sslVersion"),
    "sslServerCertificateStatus": _one(605, "sslServerCertificateStatus"),
    "sslActualAction": _one(606, "sslActualAction"),
    "sslExpectedAction": _one(607, "sslExpectedAction"),
    "sslFlowStatus": _one(608, "sslFlowStatus"),
    "sslUrlCategory": _one(613, "sslUrlCategory"),
    **_ssl_certificate("sslCertificateFingerprint"),
    "networkAnalysisPolicy": _one(700, "networkAnalysisPolicyRevision"),
    "endpointProfile": _chain(
        Lookup(301, ("endpointProfileId",)), Lookup(301, ("endpointProfileId",), "fullName")
    ),
    "securityGroup": _one(302, "securityGroupId"),
    "dnsRecordType": _one(320, "dnsRecordType"),
    "dnsRecordTypeDescription": _one(320, "dnsRecordType", value="description"),
    "dnsResponseType": _one(321, "dnsResponseType"),
    "dnsResponseTypeDescription": _one(321, "dnsResponseType", value="description"),
    "sinkhole": _one(322, "sinkholeUuid"),
    # the guides title these fields "Initiator Port / ICMP Type", "Responder Port / ICMP Code"
    **_icmp("protocol", "initiatorPort", "responderPort"),
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
    "ruleMessage": _one(66, "generatorId", "ruleId", value="message"),
    "renderedSignatureId": NameSource(
        (Lookup(66, ("generatorId", "ruleId"), "signatureId", "{generatorId}:{signatureId}"),)
    ),
    "classification": _chain(
        Lookup(67, ("classificationId",), "description"), Lookup(67, ("classificationId",))
    ),
    "priority": _one(4, "priorityId"),
    "intrusionPolicy": _chain(
        Lookup(118, ("intrusionPolicyUuid",)), Lookup(700, ("intrusionPolicyUuid",))
    ),
    "protocol": ProtocolName("ipProtocolId"),
    # keys added after the first slice
    "classificationName": _one(67, "classificationId"),
    "ruleSummary": _one(140, "ruleId", "generatorId"),
    **_icmp("ipProtocolId", "sourcePortOrIcmpType", "destinationPortOrIcmpCode"),
    **_ioc("iocNumber"),
    "securityContext": _uuid_name(132, "securityContext"),
    **_ssl_certificate("sslCertificateFingerprint"),
    "sslActualAction": _one(606, "sslActualAction"),
    "sslFlowStatus": _one(608, "sslFlowStatus"),
    "networkAnalysisPolicy": _one(700, "networkAnalysisPolicyUuid"),
}

_EXTRA_DATA_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "extraDataType": _one(111, "type"),
    "extraDataEncoding": _one(111, "type", value="encoding"),
}

_IMPACT_ALERT_NAMES: dict[str, Source] = {"device": _DEVICE}

_CONNECTION_CHUNK_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "applicationProtocol": _one(63, "applicationProtocolId"),
    "protocol": ProtocolName("protocol"),
}

# §5.7; eNcore keeps the names of 517 in its file-disposition table and looks both
# ``disposition`` and ``speroDisposition`` up there.
_FILE_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "disposition": _one(517, "disposition"),
    "speroDisposition": _one(517, "speroDisposition"),
    "fileStorageStatus": _one(515, "fileStorageStatus"),
    "fileAnalysisStatus": _one(516, "fileAnalysisStatus"),
    "localMalwareAnalysisStatus": _one(519, "localMalwareAnalysisStatus"),
    "archiveFileStatus": _one(518, "archiveFileStatus"),
    "shaFileName": _one(511, "shaHash"),
    "fileType": _one(510, "fileTypeId"),
    "applicationProtocol": _one(63, "applicationProtocolId"),
    "user": _user("userId"),
    "protocol": ProtocolName("protocol"),
    "accessControlPolicy": _policy("accessControlPolicyUuid"),
    "filePolicy": _one(530, "accessControlPolicyUuid"),
    "sourceCountry": _one(520, "sourceCountry"),
    "destinationCountry": _one(520, "destinationCountry"),
    "webApplication": _one(109, "webApplicationId"),
    "clientApplication": _one(55, "clientApplicationId"),
    "securityContext": _uuid_name(132, "securityContext"),
    **_ssl_certificate("sslCertificateFingerprint"),
    "sslActualAction": _one(606, "sslActualAction"),
    "sslFlowStatus": _one(608, "sslFlowStatus"),
}

_MALWARE_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "ampCloud": _one(127, "cloudUuid"),
    "malwareEventType": _one(128, "eventTypeId"),
    "malwareEventSubtype": _one(129, "eventSubtypeId"),
    "malwareDetector": _one(130, "detectorId"),
    "fileType": _chain(Lookup(131, ("fileType",)), Lookup(510, ("fileType",))),
    "shaFileName": NameSource((Lookup(511, ("fileShaHash",), key_forms=("lower",)),)),
    "parentShaFileName": NameSource((Lookup(511, ("parentShaHash",), key_forms=("lower",)),)),
    "applicationProtocol": _one(63, "applicationProtocolId"),
    "user": _user("userId"),
    "accessControlPolicy": _policy("accessControlPolicyUuid"),
    "disposition": _one(517, "disposition"),
    "retroDisposition": _one(517, "retroDisposition"),
    "sourceCountry": _one(520, "sourceCountry"),
    "destinationCountry": _one(520, "destinationCountry"),
    "webApplication": _one(109, "webApplicationId"),
    "clientApplication": _one(55, "clientApplicationId"),
    "protocol": ProtocolName("protocol"),
    **_ioc("iocNumber"),
    "securityContext": _uuid_name(132, "securityContext"),
    **_ssl_certificate("sslCertificateFingerprint"),
    "sslActualAction": _one(606, "sslActualAction"),
    "sslFlowStatus": _one(608, "sslFlowStatus"),
}

_CORRELATION_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "eventDevice": _device("eventDeviceId"),
    "correlationPolicy": _one(69, "policyId"),
    "correlationRule": _one(70, "ruleId"),
    "priority": _one(4, "priority"),
    "ruleMessage": _one(66, "signatureGeneratorId", "signatureId", value="message"),
    "renderedSignatureId": NameSource(
        (
            Lookup(
                66, ("signatureGeneratorId", "signatureId"), "signatureId",
                "{signatureGeneratorId}:{signatureId}",
            ),
        )
    ),  # fmt: skip
    "protocol": ProtocolName("ipProtocol"),
    "networkProtocol": _one(59, "networkProtocol"),
    "sourceOperatingSystem": _operating_system("sourceOsFingerprintUuid"),
    "destinationOperatingSystem": _operating_system("destinationOsFingerprintUuid"),
    "sourceCriticality": _one(58, "sourceCriticality"),
    "destinationCriticality": _one(58, "destinationCriticality"),
    "sourceUser": _user("sourceUserId"),
    "destinationUser": _user("destinationUserId"),
    "sourceApplicationProtocol": _one(63, "sourceServerId"),
    "destinationApplicationProtocol": _one(63, "destinationServerId"),
    "intrusionPolicy": _chain(
        Lookup(118, ("intrusionPolicyUuid",)), Lookup(700, ("intrusionPolicyUuid",))
    ),
    "ruleAction": _one(120, "ruleAction"),
    "urlCategory": _one(121, "urlCategory"),
    "urlReputation": _one(122, "urlReputation"),
    "clientApplication": _one(55, "clientApplicationId"),
    "accessControlPolicy": _policy("accessControlPolicyRevision"),
    "accessControlRule": _one(119, "accessControlPolicyRevision", "accessControlRuleId"),
    "ingressInterface": _one(116, "ingressInterfaceUuid"),
    "egressInterface": _one(116, "egressInterfaceUuid"),
    "ingressZone": _one(115, "ingressZoneUuid"),
    "egressZone": _one(115, "egressZoneUuid"),
    "sourceCountry": _one(520, "sourceCountry"),
    "destinationCountry": _one(520, "destinationCountry"),
    "securityIntelligenceCategory": _one(282, "securityIntelligenceUuid"),
    "securityContext": _uuid_name(132, "securityContext"),
    "sslPolicy": _uuid_name(600, "sslPolicyId"),
    "sslRule": NameSource((Lookup(601, ("sslPolicyId", "sslRuleId"), key_forms=("uuid", None)),)),
    "sslActualAction": _one(606, "sslActualAction"),
    "sslFlowStatus": _one(608, "sslFlowStatus"),
    **_ssl_certificate("sslCertificateFingerprint"),
    **_icmp("ipProtocol", "sourcePort", "destinationPort"),
}

# §5.10: block 120 (92-94, v4) and block 167 (93-95 v7, 170/171) carry the reporting
# protocol as ``protocol``, block 127 (95, v4) as ``applicationId``; both are application
# ids (63).  Only block 167 carries realm, endpoint profile and security group.
_USER_INFORMATION_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "user": _user("userId"),
    "applicationProtocol": _one(63, "protocol"),
}

_USER_LOGIN_NAMES: dict[str, Source] = {
    **_USER_INFORMATION_NAMES,
    "realm": _one(300, "realmId"),
    "endpointProfile": _chain(
        Lookup(301, ("endpointProfileId",)), Lookup(301, ("endpointProfileId",), "fullName")
    ),
    "securityGroup": _one(302, "securityGroupId"),
}

_USER_LOGIN_5_NAMES: dict[str, Source] = {
    **_USER_LOGIN_NAMES,
    "applicationProtocol": _chain(Lookup(63, ("protocol",)), Lookup(63, ("applicationId",))),
}

_DEVICE_ONLY: dict[str, Source] = {"device": _DEVICE}

# §5.11 block 103 (records 11, 12, 16, 17, 51, 52).
_HOST_SERVER_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "applicationProtocol": _each(_one(63, "applicationId"), ("serverInformation",)),
    **_source(("serverInformation",)),
    "webApplication": _each(_one(109, "applicationId"), ("webApplications",)),
}

# §5.11 block 122 (records 15, 35, 107).
_HOST_CLIENT_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "clientApplication": _one(55, "id"),
    "applicationProtocol": _one(63, "applicationProtocolId"),
    "webApplication": _each(_one(109, "applicationId"), ("webApplications",)),
}

_FINGERPRINT_LISTS = (
    "serverFingerprints", "clientFingerprints", "smbFingerprints", "dhcpFingerprints",
    "mobileDeviceFingerprints", "ipv6ServerFingerprints", "ipv6ClientFingerprints",
    "ipv6DhcpFingerprints", "userAgentFingerprints",
)  # fmt: skip

# §5.11 block 139 (record 10).
_NEW_HOST_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "operatingSystem": _each(
        _operating_system("fingerprintUuid"), *((name,) for name in _FINGERPRINT_LISTS)
    ),
    "tcpServers": _each(_one(63, "applicationId"), ("tcpServers", "serverInformation")),
    "udpServers": _each(_one(63, "applicationId"), ("udpServers", "serverInformation")),
    "networkProtocols": _each(_one(59, "protocol"), ("networkProtocols",)),
    "transportProtocols": _each(ProtocolName("protocol"), ("transportProtocols",)),
    "clientApplications": _each(_one(55, "applicationId"), ("clientApplications",)),
    "webApplications": _each(
        _one(109, "applicationId"),
        ("clientApplications", "webApplications"),
        ("tcpServers", "webApplications"),
        ("udpServers", "webApplications"),
    ),
    "vulnerabilities": _each(
        _one(57, "vulnerabilityId"), ("clientApplications", "vulnerabilities")
    ),
}

# §5.11 block 130 (record 101).
_NEW_OS_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "operatingSystem": _operating_system("fingerprintUuid"),
    **_source(),
}

# §5.11 block 94 (records 102, 103).
_IDENTITY_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    **_source(),
    "protocol": ProtocolName("protocol"),
}

# User input (records 74-89), eNcore's blocks: the source of the change (90/91/96) and
# the IDs each block carries.
_USER_INPUT_SOURCE: dict[str, Source] = {"device": _DEVICE, **_source()}

_USER_PRODUCT_NAMES: dict[str, Source] = {
    **_USER_INPUT_SOURCE,
    "protocol": ProtocolName("protocol"),
}

_USER_CLIENT_APPLICATION_NAMES: dict[str, Source] = {
    **_USER_INPUT_SOURCE,
    "applicationProtocol": _each(_one(63, "applicationProtocolId"), ("list",)),
    "clientApplication": _each(_one(55, "clientApplicationId"), ("list",)),
    "webApplication": _each(_one(109, "webApplicationId"), ("list",)),
}

_USER_VULNERABILITY_NAMES: dict[str, Source] = {
    **_USER_INPUT_SOURCE,
    "vulnerability": _each(_one(57, "vulnerabilityId"), ("list",)),
    "applicationProtocol": _each(_one(63, "applicationProtocolId"), ("list",)),
    "clientApplication": _each(_one(55, "clientApplicationId"), ("list",)),
}

_USER_CRITICALITY_NAMES: dict[str, Source] = {
    **_USER_INPUT_SOURCE,
    "criticality": _one(58, "criticality"),
}

_USER_ATTRIBUTE_NAMES: dict[str, Source] = {
    **_USER_INPUT_SOURCE,
    "attribute": _one(60, "attributeId"),
}

# Record 89 (block 142): the FMC user who added the scan result is a system user (62).
_SCAN_RESULT_NAMES: dict[str, Source] = {
    "device": _DEVICE,
    "user": _chain(Lookup(62, ("userId",)), Lookup(98, ("userId",))),
    "scanType": _one(61, "scanType"),
    "protocol": ProtocolName("protocol"),
}

# §5.12: the IOC id is block 7's value (FMC 6.1+) or block 150's iocId (FMC 6.0).
_IOC_SET_NAMES: dict[str, Source] = {"device": _DEVICE, **_ioc("value", "iocId")}


def _table(*groups: tuple[tuple[int, ...], dict[str, Source]]) -> dict[int, Mapping[str, Source]]:
    result: dict[int, Mapping[str, Source]] = {}
    for record_types, sources in groups:
        for record_type in record_types:
            if record_type in result:
                raise ValueError(f"record type {record_type} has two name tables")
            result[record_type] = MappingProxyType(sources)
    return result


#: Event record type → name key → source.
NAME_TABLE: Mapping[int, Mapping[str, Source]] = MappingProxyType(
    _table(
        ((2,), _DEVICE_ONLY),
        ((9,), _IMPACT_ALERT_NAMES),
        ((71,), _CONNECTION_NAMES),
        ((73,), _CONNECTION_CHUNK_NAMES),
        ((110,), _EXTRA_DATA_NAMES),
        ((112,), _CORRELATION_NAMES),
        ((125,), _MALWARE_NAMES),
        ((400,), _INTRUSION_NAMES),
        ((500, 502), _FILE_NAMES),
        ((92,), _USER_INFORMATION_NAMES),
        ((93, 94, 170, 171), _USER_LOGIN_NAMES),
        ((95,), _USER_LOGIN_5_NAMES),
        ((10,), _NEW_HOST_NAMES),
        ((11, 12, 16, 17, 51, 52), _HOST_SERVER_NAMES),
        ((13,), {"device": _DEVICE, "networkProtocol": _one(59, "networkProtocol")}),
        ((14,), {"device": _DEVICE, "transportProtocol": ProtocolName("transportProtocol")}),
        ((15, 35, 107), _HOST_CLIENT_NAMES),
        # header-only records and records whose part carries no metadata ID
        (
            (18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31, 34, 42, 44, 46, 47, 48, 53),
            _DEVICE_ONLY,
        ),
        ((45,), {"device": _DEVICE, "protocol": ProtocolName("protocol")}),
        ((101,), _NEW_OS_NAMES),
        ((102, 103), _IDENTITY_NAMES),
        ((74, 75, 86), _USER_PRODUCT_NAMES),
        ((76, 88, 78, 85, 79), _USER_INPUT_SOURCE),
        ((77, 87), _USER_CLIENT_APPLICATION_NAMES),
        ((80, 81), _USER_VULNERABILITY_NAMES),
        ((82,), _USER_CRITICALITY_NAMES),
        ((83, 84), _USER_ATTRIBUTE_NAMES),
        ((89,), _SCAN_RESULT_NAMES),
        ((160,), _IOC_SET_NAMES),
    )
)

#: Name keys per event record type (what mappings may use as ``names.<key>``).
NAME_KEYS: Mapping[int, frozenset[str]] = MappingProxyType(
    {record_type: frozenset(sources) for record_type, sources in NAME_TABLE.items()}
)

_GENERIC: Mapping[str, Source] = MappingProxyType({"device": _DEVICE})


# --- compilation -------------------------------------------------------------------------

Compiled = Callable[[Mapping[str, Any], MetadataCache, Mapping[int, Any]], dict[str, str]]


def _inline(lookup: Lookup) -> bool:
    """Whether the generated code does the lookup itself (everything but templates)."""
    return lookup.template is None


def _same_hit(first: Lookup, second: Lookup) -> bool:
    """Whether two lookups read the same table entry (one dict hit serves both)."""
    return (first.table, first.key_fields, first.key_forms) == (
        second.table,
        second.key_fields,
        second.key_forms,
    )


def _runs(lookups: tuple[Lookup, ...]) -> list[list[Lookup]]:
    """Consecutive lookups grouped by the entry they read."""
    runs: list[list[Lookup]] = []
    for lookup in lookups:
        if runs and _same_hit(runs[-1][0], lookup):
            runs[-1].append(lookup)
        else:
            runs.append([lookup])
    return runs


class _Generator:
    """Writes one Python function resolving every name of one record type.

    The function is ``names(fields, cache, tables)`` with ``tables`` the cache's
    record type → OrderedDict map.  Lookups become inline dict hits (one hit serves
    consecutive names read from the same entry, e.g. an IOC's category and event type),
    each followed by the ``move_to_end`` that keeps the least-recently-used order; list
    sources and formats call the source's own ``resolve``.  Semantics are those of
    :func:`names_for_reference`; an unhashable key value raises TypeError, on which
    :func:`names_for` falls back.
    """

    def __init__(self) -> None:
        self.lines = [
            "def names(fields, cache, tables):",
            "    get = fields.get",
            "    table_get = tables.get",
            "    names = {}",
        ]
        self.namespace: dict[str, Any] = {"protocol_name": protocol_name}
        for form, function in KEY_FORMS.items():
            self.namespace[f"form_{form}"] = function

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def constant(self, value: Any) -> str:
        name = f"_constant{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def key(self, lookup: Lookup) -> str:
        parts = []
        for index, field in enumerate(lookup.key_fields):
            form = lookup.key_forms[index] if index < len(lookup.key_forms) else None
            part = f"get({field!r})"
            parts.append(part if form is None else f"form_{form}({part})")
        return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"

    def hit(self, lookup: Lookup, indent: int) -> int:
        """Code that finds the lookup's entry as ``e``; returns the indent of the body."""
        self.emit(indent, f"t = table_get({lookup.table})")
        self.emit(indent, "if t is not None:")
        self.emit(indent + 1, f"k = {self.key(lookup)}")
        self.emit(indent + 1, "e = t.get(k)")
        self.emit(indent + 1, "if e is not None:")
        self.emit(indent + 2, "t.move_to_end(k)")
        return indent + 2

    def assign(self, lookup: Lookup, indent: int, target: str) -> None:
        """Code that sets ``target`` from entry ``e`` when the value is non-empty."""
        fields = TABLE_SPECS[lookup.table].value_fields
        if isinstance(lookup.value, tuple):
            values = ", ".join(f"e[{fields.index(name)}]" for name in lookup.value)
            self.emit(indent, f'p = [str(x) for x in ({values},) if x is not None and x != ""]')
            self.emit(indent, f"if p: {target} = {lookup.sep!r}.join(p)")
        elif lookup.value is None:
            self.emit(indent, "f = e[0]")
            self.emit(indent, f"if f and isinstance(f, str): {target} = f")
        else:
            self.emit(indent, f"f = e[{fields.index(lookup.value)}]")
            self.emit(indent, 'if f is not None and f != "":')
            self.emit(indent + 1, f"{target} = f if isinstance(f, str) else str(f)")

    def chain(self, key: str, source: NameSource) -> None:
        """First non-empty of several lookups, then the defaults."""
        self.emit(1, "v = None")
        for position, run in enumerate(_runs(source.lookups)):
            indent = 1
            if position:
                self.emit(1, "if v is None:")
                indent = 2
            body = self.hit(run[0], indent)
            for index, lookup in enumerate(run):
                if index:
                    self.emit(body, "if v is None:")
                    self.assign(lookup, body + 1, "v")
                else:
                    self.assign(lookup, body, "v")
        if source.defaults:
            self.emit(1, "if v is None:")
            self.emit(2, f"d = get({source.lookups[0].key_fields[0]!r})")
            self.emit(2, "if not isinstance(d, bool):")
            for position, (value, name) in enumerate(source.defaults):
                keyword = "if" if position == 0 else "elif"
                self.emit(3, f"{keyword} d == {self.constant(value)}: v = {name!r}")
        self.emit(1, f"if v is not None: names[{key!r}] = v")

    def call(self, key: str, source: Source) -> None:
        name = self.constant(source.resolve)
        self.emit(1, f"v = {name}(fields, cache)")
        self.emit(1, f"if v: names[{key!r}] = v")

    def build(self, sources: Mapping[str, Source], label: str) -> Compiled:
        items = list(sources.items())
        position = 0
        while position < len(items):
            key, source = items[position]
            position += 1
            if isinstance(source, ProtocolName):
                self.emit(1, f"v = protocol_name(get({source.field!r}))")
                self.emit(1, f"if v: names[{key!r}] = v")
            elif isinstance(source, EachName) or not all(map(_inline, source.lookups)):
                self.call(key, source)
            elif len(source.lookups) > 1 or source.defaults:
                self.chain(key, source)
            else:
                # one hit for this name and the following single lookups of the same entry
                group = [(key, source.lookups[0])]
                while position < len(items):
                    next_key, following = items[position]
                    if not (
                        isinstance(following, NameSource)
                        and len(following.lookups) == 1
                        and not following.defaults
                        and _inline(following.lookups[0])
                        and _same_hit(group[0][1], following.lookups[0])
                    ):
                        break
                    group.append((next_key, following.lookups[0]))
                    position += 1
                body = self.hit(group[0][1], 1)
                for name_key, lookup in group:
                    self.assign(lookup, body, f"names[{name_key!r}]")
        self.emit(1, "return names")
        code = compile("\n".join(self.lines) + "\n", f"<names for {label}>", "exec")
        exec(code, self.namespace)  # noqa: S102 - our own generated source, built from NAME_TABLE
        function: Compiled = self.namespace["names"]
        return function


def _compile(sources: Mapping[str, Source], label: str) -> Compiled:
    return _Generator().build(sources, label)


_COMPILED: dict[int, Compiled] = {
    record_type: _compile(sources, f"record {record_type}")
    for record_type, sources in NAME_TABLE.items()
}
_COMPILED_GENERIC = _compile(_GENERIC, "other records")


#: (record type, keys) → the compiled resolver of only those names (see ``names_for``).
_COMPILED_SUBSETS: dict[tuple[int | None, frozenset[str]], Compiled] = {}


def _subset(record_type: int | None, sources: Mapping[str, Source],
            keys: frozenset[str]) -> Compiled:
    compiled = _COMPILED_SUBSETS.get((record_type, keys))
    if compiled is None:
        chosen = {key: source for key, source in sources.items() if key in keys}
        label = "other records" if record_type is None else f"record {record_type}"
        compiled = _compile(chosen, f"{label}, names {', '.join(sorted(chosen)) or '(none)'}")
        _COMPILED_SUBSETS[(record_type, keys)] = compiled
    return compiled


def names_for(record: Record, cache: MetadataCache,
              keys: frozenset[str] | None = None) -> dict[str, str]:
    """Resolve the metadata names of one event.

    Args:
        record: a decoded record (``record_type`` and ``fields`` are used).
        cache: the metadata learned so far.
        keys: resolve only these name keys (what a CEF mapping reads, from
            ``MappingTable.name_keys``); None resolves every name of the record type.
            A resolver per (record type, keys) is generated once and kept.

    Returns:
        Name key → name, only for names that resolved (e.g. ``{"device": "ftd-1",
        "protocol": "TCP"}``); with ``keys``, the same dict restricted to them.
    """
    fields = record.fields
    record_type = record.record_type
    if keys is None:
        resolve = _COMPILED.get(record_type)
        if resolve is None:
            if "deviceId" not in fields:
                return {}
            resolve = _COMPILED_GENERIC
    else:
        sources = NAME_TABLE.get(record_type)
        if sources is None:
            if "deviceId" not in fields:
                return {}
            resolve = _subset(None, _GENERIC, keys)
        else:
            resolve = _COMPILED_SUBSETS.get((record_type, keys)) or _subset(record_type, sources, keys)
    try:
        return resolve(fields, cache, cache._tables)
    except TypeError:  # an unhashable key value in a hand-made record: resolve name by name
        names = names_for_reference(record, cache)
        return names if keys is None else {key: names[key] for key in names if key in keys}


def names_for_reference(record: Record, cache: MetadataCache) -> dict[str, str]:
    """:func:`names_for` through the declarative sources, one by one (the specification).

    Args:
        record: a decoded record.
        cache: the metadata learned so far.

    Returns:
        The same dict :func:`names_for` returns.
    """
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
