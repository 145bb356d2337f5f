"""The full mix: every event record type the decoder supports, tied together as on an FMC.

``FullMix(generator)`` extends a ``TrafficGenerator`` (its random source, timeline,
catalog, connection counters and connection builder) with a ``full_catalog.FullCatalog``
and produces *incidents*: groups of records one network happening causes, in timeline
order.  ``INCIDENT_WEIGHTS`` gives the probability of each incident kind; inside the
discovery, user and user-input kinds the record type is chosen by a deterministic
largest-deficit schedule over ``DISCOVERY_WEIGHTS``, ``USER_WEIGHTS`` and
``USER_INPUT_RECORDS``, so every record type appears once its kind has had enough
incidents (about 220 discovery, 30 user and 19 user-input incidents).

=====================  ==========================================================================
incident               records (in order)
=====================  ==========================================================================
connection             71: the classic connection (external web, DNS, mail, SSH), or an internal
                       service (SMB, RDP, LDAP, Kerberos, NTP) or ICMP/ICMPv6 echo; SSL, DNS,
                       ISE, NAP and security-context fields filled
intrusion              400, 2, 110 (HTTP URI, hostname, sometimes the original client IP), 9 when
                       the impact is 1 or 2, 71, then 112 (priority 1 against a critical host or
                       an attacker on an SI list) and 160 (CnC beacon) sometimes
security intelligence  71 blocked by an SI IP list (CnC outbound, attackers inbound) or a DNS query
                       sinkholed; 160 for some CnC connections
file                   500 (HTTP/HTTPS download or SMB transfer, SHA-256, type, dispositions;
                       archive members after their archive), 71 with ``fileEventCount``
malware                502 and 125 for the same file and connection, 71 (reason File Block),
                       then 160 and 112 sometimes
endpoint malware       125 from AMP for Endpoints (threat detected, then quarantined), 160 sometimes
connection chunk       73
discovery              one of 10–107 about a host of the catalog (new host, services, client
                       applications, OS, MAC/IP/VLAN/NetBIOS changes, timeouts, banners,
                       identity conflicts); a new server host may trigger 112
user                   95 (login), 94, 93, 92, and VPN login/logoff 170/171 of users the
                       connections carry
user input             one of 74–89 and 46–48, made on the FMC (device 0)
=====================  ==========================================================================

Values chosen here where the protocol doc has none (all documented at their constants):

* user-input records carry eventType 1002 with the subtype of eNcore's description of the
  same name (``USER_INPUT_SUBTYPES``, e.g. 74 "User Set OS" → 16 "Set Operating System
  Definition");
* records 170/171 (VPN login/logoff, §9.2 #6) carry eventType 1004 with subtypes 5 and 6,
  the first free user-event subtypes; their ``vpnSessions`` follows the doc's unverified
  eNcore layout (a list header, then items without headers);
* record 530 and 700 name blocks carry block type 14 (the UUID-string block they match);
  records 132, 282, 600 and 601 are sent without a block header (eNcore's layout);
* the undocumented block bodies of 18/53 (block 53) and 46–48 (block 55) are opaque bytes:
  the fingerprint UUID and a confidence; the attribute id and its name as a string block;
* correlation ``eventDefinedMask`` is 0xFFFF when every field is valid (intrusion) and
  0x00FF when only the host fields are (discovery, malware).
"""

from __future__ import annotations

import ipaddress
import re
import struct
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cef_connector.estreamer import RecordType
from cef_connector.estreamer.discovery_layouts import DISCOVERY_EVENT_TYPES, USER_INPUT_SUBTYPES
from cef_connector.simulator.catalog import (
    APP_PROTOCOLS,
    CLIENT_APPS,
    CLASSIFICATIONS,
    SIGNATURES,
    URL_CATEGORIES,
    USER_PROTOCOL_LDAP,
    WEB_APPS,
    Device,
    Host,
    IpProtocol,
    Rule,
    RuleAction,
)
from cef_connector.simulator.full_catalog import (
    ACTION_CLOUD_LOOKUP,
    ACTION_DETECT,
    ACTION_MALWARE_BLOCK,
    AMP_DETECTORS,
    AMP_EVENT_SUBTYPES,
    AMP_EVENT_TYPES,
    ATTRIBUTES,
    CLIENT_FOR_APP_PROTOCOL,
    CORRELATION_DISCOVERY,
    CORRELATION_INTRUSION,
    CORRELATION_MALWARE,
    CRITICALITIES,
    DECRYPT_RESIGN,
    DEPARTMENTS,
    DNS_RECORD_TYPES,
    DNS_RESPONSE_TYPES,
    DO_NOT_DECRYPT,
    ENDPOINT_PROFILES,
    EXTRA_APP_PROTOCOLS,
    EXTRA_CLIENT_APPS,
    EXTRA_DATA_TYPES,
    EXTRA_HTTP_HOSTNAME,
    EXTRA_HTTP_URI,
    EXTRA_RULE_ACTION_NAMES,
    EXTRA_RULE_REASON_NAMES,
    EXTRA_WEB_APPS,
    EXTRA_XFF_IPV4,
    FILE_ARCHIVE_STATUSES,
    FILE_DISPOSITIONS,
    FILE_SANDBOX_STATUSES,
    FILE_STATIC_ANALYSIS_STATUSES,
    FILE_STORAGE_STATUSES,
    FILE_TYPES,
    ICMP_CODES,
    ICMP_TYPES,
    IOC_CNC_INTRUSION,
    IOC_CNC_SI,
    IOC_MALWARE_EXECUTED,
    IOC_MALWARE_TRANSFER,
    IOC_NAMES,
    MALWARE,
    NETWORK_PROTOCOLS,
    REALMS,
    REASON_DNS_BLOCK,
    REASON_FILE_BLOCK,
    SCAN_TYPES,
    SECURITY_GROUPS,
    SI_ATTACKERS,
    SI_CATEGORIES,
    SI_CNC,
    SI_MALWARE,
    SI_PHISHING,
    SI_SOURCE_DESTINATION,
    SOURCE_APPLICATIONS,
    SOURCE_DETECTORS,
    SOURCE_RNA,
    SOURCE_SCANNER,
    SOURCE_TYPES,
    SOURCE_USER,
    SSL_ACTIONS,
    SSL_CERTIFICATE_STATUSES,
    SSL_CIPHER_SUITES,
    SSL_FLOW_STATUSES,
    SSL_RULES,
    SSL_SUCCESS,
    SSL_VERSIONS,
    SYSTEM_USERS,
    ZERO_UUID,
    CorrelationRule,
    FileSample,
    FullCatalog,
    HostProfile,
    Service,
)
from cef_connector.simulator.records import SimRecord, event_identity

if TYPE_CHECKING:
    from cef_connector.simulator.generator import TrafficGenerator

__all__ = [
    "DISCOVERY_WEIGHTS",
    "INCIDENT_WEIGHTS",
    "USER_INPUT_RECORDS",
    "USER_INPUT_SUBTYPES",
    "USER_WEIGHTS",
    "VPN_EVENT_TYPES",
    "FullMix",
]

_R = RecordType

#: Incident kind → probability of an incident being of that kind.
INCIDENT_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("connection", 0.620),
    ("intrusion", 0.030),
    ("security-intelligence", 0.020),
    ("file", 0.035),
    ("malware", 0.006),
    ("endpoint-malware", 0.004),
    ("connection-chunk", 0.030),
    ("discovery", 0.170),
    ("user", 0.079),
    ("user-input", 0.006),
)

#: Discovery record type → weight inside discovery incidents (frequent updates, rare
#: host-limit and router events).
DISCOVERY_WEIGHTS: tuple[tuple[int, float], ...] = (
    (16, 14), (15, 10), (107, 8), (11, 6), (10, 6), (17, 6), (51, 4), (35, 4), (19, 4),
    (12, 3), (101, 3), (18, 3), (25, 3), (52, 2), (53, 2), (22, 2), (23, 2), (26, 2),
    (29, 2), (42, 2), (45, 2), (13, 1), (14, 1), (24, 1), (27, 1), (28, 1), (20, 1), (34, 1),
    (102, 1), (103, 1), (21, 0.5), (44, 0.5), (31, 0.5),
)  # fmt: skip

#: User (RUA) record type → weight inside user incidents.
USER_WEIGHTS: tuple[tuple[int, float], ...] = (
    (95, 20), (94, 3), (170, 2), (171, 2), (93, 1), (92, 0.5),
)

#: User-input records (eventType 1002), equally likely.
USER_INPUT_RECORDS: tuple[int, ...] = (*range(74, 90), 46, 47, 48)

_USER_INPUT = 1002

#: (eventType, eventSubtype) of records 170/171: user events (1004), the first subtypes
#: §4.6 does not use (§9.2 #6: how these records are requested and typed is unconfirmed).
VPN_EVENT_TYPES: Mapping[int, tuple[int, int]] = {170: (1004, 5), 171: (1004, 6)}

_EVENT_TYPES: Mapping[int, tuple[int, int]] = {
    **DISCOVERY_EVENT_TYPES,
    **{rt: (_USER_INPUT, subtype) for rt, subtype in USER_INPUT_SUBTYPES.items()},
    **VPN_EVENT_TYPES,
}

_ZERO_MAC = "00:00:00:00:00:00"
_NO_ADDRESS = "::"
_ZERO_HEX16 = "00" * 16
_ZERO_HEX20 = "00" * 20
_IPV4, _IPV6 = 2048, 34525  # EtherTypes (network protocol, record 59)
_DOWNLOAD, _UPLOAD = 1, 2
_FLAGS_ALL_VALID, _FLAGS_HOSTS_VALID = 0xFFFF, 0x00FF
_HTTP_REQUEST = re.compile(rb"(?:GET|POST|PROPFIND) (\S+) HTTP/1\.1\r\nHost: ([^\r]+)\r\n")
_LIST_BLOCK_SERIES_1 = 11


def _app(name: str) -> int:
    return APP_PROTOCOLS.get(name) or EXTRA_APP_PROTOCOLS[name]


def _client(name: str) -> int:
    return CLIENT_APPS.get(name) or EXTRA_CLIENT_APPS[name]


def _web(name: str) -> int:
    return WEB_APPS.get(name) or EXTRA_WEB_APPS[name]


def _hex(uuid_text: str) -> str:
    """A UUID as the 32 hex digits of a uint8[16] field."""
    return uuid_text.replace("-", "")


def _length(text: str) -> int:
    return len(text.encode("utf-8"))


def _string_block(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">II", 0, 8 + len(data)) + data


def _ip_range(address: str) -> dict[str, Any]:
    return {"blockType": 141, "start": address, "finish": address}


class _Schedule:
    """Largest-deficit choice among weighted kinds: deterministic, proportional, and every
    kind with weight w comes up within about total/w choices."""

    def __init__(self, weights: Sequence[tuple[int, float]]) -> None:
        self._weights = tuple(weights)
        self._total = sum(weight for _kind, weight in weights)
        self._counts = {kind: 0 for kind, _weight in weights}
        self._chosen = 0

    def next(self) -> int:
        self._chosen += 1
        best, best_deficit = self._weights[0][0], float("-inf")
        for kind, weight in self._weights:
            deficit = self._chosen * weight / self._total - self._counts[kind]
            if deficit > best_deficit:
                best, best_deficit = kind, deficit
        self._counts[best] += 1
        return best


class FullMix:
    """Incidents of every event record type, on the generator's timeline.

    Args:
        generator: the ``TrafficGenerator`` whose random source, clock, catalog and
            connection builder are used (its ``mix`` is ``"full"``).
    """

    def __init__(self, generator: TrafficGenerator) -> None:
        self._g = generator
        self._rng = generator._rng
        self.catalog = FullCatalog.build(self._rng, generator.catalog)
        self._kinds = tuple(kind for kind, _weight in INCIDENT_WEIGHTS)
        self._cumulative = tuple(
            sum(weight for _kind, weight in INCIDENT_WEIGHTS[: index + 1])
            for index in range(len(INCIDENT_WEIGHTS))
        )
        self._discovery = _Schedule(DISCOVERY_WEIGHTS)
        self._users = _Schedule(USER_WEIGHTS)
        self._user_input = _Schedule([(rt, 1.0) for rt in USER_INPUT_RECORDS])
        self._correlation_id = self._rng.randrange(1000, 5000)
        self._vpn_sessions: list[tuple[HostProfile, int, str]] = []
        self._iocs_set: set[tuple[str, int]] = set()
        self._endpoint_seen: tuple[int, set[tuple[str, str]]] = (0, set())
        self._v4_workstations = tuple(p for p in self.catalog.workstations
                                      if ":" not in p.host.address)  # fmt: skip
        rules = list(generator.catalog.rules) + list(self.catalog.extra_rules)
        self._rules = {(rule.policy_revision, rule.name): rule for rule in rules}
        self._builders = {
            "connection": self._connection,
            "intrusion": self._intrusion,
            "security-intelligence": self._security_intelligence,
            "file": self._file,
            "malware": self._malware,
            "endpoint-malware": self._endpoint_malware,
            "connection-chunk": self._connection_chunk,
            "discovery": self._discovery_incident,
            "user": self._user_incident,
            "user-input": self._user_input_incident,
        }

    # ------------------------------------------------------------------ public

    def incident(self) -> list[SimRecord]:
        """The records of the next incident, in timeline order."""
        draw = self._rng.random() * self._cumulative[-1]
        for kind, limit in zip(self._kinds, self._cumulative):
            if draw < limit:
                return self._builders[kind]()
        return self._builders[self._kinds[-1]]()  # pragma: no cover - rounding

    def metadata_records(self) -> tuple[SimRecord, ...]:
        """The metadata the full mix adds to the classic metadata (every other type)."""
        return tuple(SimRecord(rt, fields, 0, True, None) for rt, fields in self._metadata())

    # ------------------------------------------------------------------ helpers

    def _rule(self, device: Device, name: str) -> Rule:
        return self._rules[(device.policy_revision, name)]

    def _event(self, record_type: int, fields: dict[str, Any], archive_second: int) -> SimRecord:
        return SimRecord(record_type, fields, archive_second, False,
                         event_identity(record_type, fields))  # fmt: skip

    def _header(self, record_type: int, device_id: int, second: int, micro: int, *,
                mac: str = _ZERO_MAC, address: str | None = None) -> dict[str, Any]:
        """The discovery header (§4.6); ``address`` (IPv4 or IPv6) sets ipv6Address."""
        rng = self._rng
        event_type, subtype = _EVENT_TYPES[record_type]
        fields: dict[str, Any] = {
            "deviceId": device_id,
            "legacyIpAddress": "0.0.0.0",
            "macAddress": mac,
            "hasIpv6": 0 if address is None else 1,
            "reserved": 0,
            "eventSecond": second,
            "eventMicrosecond": micro,
            "eventType": event_type,
            "eventSubtype": subtype,
            "fileNumber": f"{rng.getrandbits(32):08x}",
            "filePosition": f"{rng.getrandbits(32):08x}",
        }
        if address is not None:
            fields["ipv6Address"] = address
        return fields

    def _host_event(self, record_type: int, profile: HostProfile,
                    part: Mapping[str, Any] | None = None, *,
                    device_id: int | None = None) -> SimRecord:
        """A discovery record about ``profile``'s host, at its own tick."""
        second, micro = self._g._tick()
        fields = self._header(
            record_type, profile.device.device_id if device_id is None else device_id,
            second, micro, mac=profile.host.mac, address=profile.host.address,
        )
        fields.update(part or {})
        return self._event(record_type, fields, second)

    def _any_profile(self) -> HostProfile:
        return self._rng.choice(list(self.catalog.profiles.values()))

    def _username(self, profile: HostProfile) -> str:
        return self._g.catalog.users[profile.host.user_id]

    def _security_context(self, device_id: int) -> str:
        return self.catalog.context_for_device[device_id]

    def _ioc_set(self, profile: HostProfile, ioc: int) -> list[SimRecord]:
        """Record 160 when ``ioc`` becomes set on the host; nothing when it already is (an
        IOC is a host state: later events that match it do not set it again)."""
        key = (profile.host.address, ioc)
        if key in self._iocs_set:
            return []
        self._iocs_set.add(key)
        return [self._host_event(160, profile, {"blockType": 7, "value": ioc})]

    def _next_correlation_id(self) -> int:
        self._correlation_id = (self._correlation_id + 1) % (1 << 32)
        return self._correlation_id

    # ------------------------------------------------------------------ connections

    def _enrich(self, record: SimRecord, **updates: Any) -> SimRecord:
        """Fill the connection fields the classic mix leaves at zero (SSL, DNS, ISE, NAP)."""
        rng = self._rng
        fc = self.catalog
        f = dict(record.fields)
        f.update(updates)  # first, so that what follows sees them (SNI cleared …)
        device_id = f["deviceId"]
        f["networkAnalysisPolicyRevision"] = fc.nap_for_device[device_id]
        f["securityContext"] = self._security_context(device_id)
        profile = fc.profiles.get(f["initiatorIpAddress"])
        if profile is not None:
            f["endpointProfileId"] = profile.endpoint_profile
            f["securityGroupId"] = profile.security_group
        site = f["sslServerName"]
        if site:
            certificate = fc.certificates[site]
            trusted = bool(certificate.issuer_organization)
            if not trusted:
                rule, action = 3, 3  # Block-Untrusted-Certificates, Block
            elif f["urlCategory"] == 7:
                rule, action = 2, DO_NOT_DECRYPT
            else:
                rule, action = 1, DECRYPT_RESIGN
            f.update(
                sslPolicyId=fc.ssl_policy,
                sslRuleId=rule,
                sslCipherSuite=rng.choice(sorted(SSL_CIPHER_SUITES)),
                sslVersion=rng.choice((5, 6, 6)),
                sslServerCertificateStatus=1 if trusted else 3,
                sslActualAction=action,
                sslExpectedAction=action,
                sslFlowStatus=SSL_SUCCESS,
                sslUrlCategory=f["urlCategory"],
                sslCertificateFingerprint=certificate.fingerprint,
                sslSessionId=f"{rng.getrandbits(256):064x}",
                sslSessionIdLength=32,
            )
        if f["applicationProtocolId"] == APP_PROTOCOLS["DNS"]:
            f["dnsRecordType"] = rng.choice((1, 1, 1, 28, 28, 5, 15, 16))
            f["dnsResponseType"] = 3 if rng.random() < 0.1 else 0
        if f["applicationProtocolId"] == APP_PROTOCOLS["SSH"]:
            f["monitorRule1"] = f["ruleId"]
        if f["webApplicationId"] == WEB_APPS["YouTube"] and f["ruleAction"] == RuleAction.ALLOW:
            # The QoS policy rate-limits streaming video on the egress interface.
            f["qosAppliedInterface"] = f["egressInterface"]
            f["qosRuleId"] = 1
        f.update(updates)
        return replace(record, fields=f, identity=event_identity(record.record_type, f))

    def _connection(self) -> list[SimRecord]:
        rng = self._rng
        draw = rng.random()
        if draw < 0.86:
            return [self._enrich(self._g._connection_incident())]
        if draw < 0.95:
            return [self._internal_service()]
        return [self._icmp()]

    def _internal_service(self) -> SimRecord:
        rng = self._rng
        fc = self.catalog
        service_names = ("SMB", "RDP", "LDAP", "Kerberos", "NTP")
        app = rng.choice(service_names)
        servers = [p for p in fc.servers if any(s.application == app for s in p.services)]
        server = rng.choice(servers or list(fc.servers))
        client = rng.choice(self._v4_workstations)
        device = client.device
        rule = self._rule(device, {"SMB": "Allow-Internal-SMB", "RDP": "Allow-RDP-Admin",
                                   "LDAP": "Allow-LDAP", "Kerberos": "Allow-Kerberos",
                                   "NTP": "Allow-NTP"}[app])  # fmt: skip
        second, micro = self._g._tick()
        record = self._g._connection_record(
            device, rule, client.host, server.host, second, micro, intrusion_count=0,
            apps=(_app(app), _client(CLIENT_FOR_APP_PROTOCOL[app])),
        )
        return self._enrich(record, egressZone=self._g.catalog.zones["DMZ"],
                            egressInterface=device.interfaces["DMZ"])

    def _icmp(self) -> SimRecord:
        rng = self._rng
        c = self._g.catalog
        ipv6 = rng.random() < 0.25
        inside = rng.choice(c.internal_v6 if ipv6 else c.internal_v4)
        outside = rng.choice(c.external_v6 if ipv6 else c.external_v4)
        device = self.catalog.profiles[inside.address].device
        rule = self._rule(device, "Allow-ICMPv6" if ipv6 else "Allow-ICMP")
        protocol = 58 if ipv6 else 1
        icmp_type, code = rng.choice([key[1:] for key in ICMP_CODES if key[0] == protocol])
        second, micro = self._g._tick()
        record = self._g._connection_record(
            device, rule, inside, outside, second, micro, intrusion_count=0,
            ports=(icmp_type, code), apps=(0, _client("ping")),
        )
        return self._enrich(record)

    def _security_intelligence(self) -> list[SimRecord]:
        rng = self._rng
        g = self._g
        fc = self.catalog
        inside = rng.choice(self._v4_workstations)
        device = inside.device
        second, micro = g._tick()
        cleared = {"clientUrl": "", "referencedHost": "", "userAgent": "", "httpReferrer": "",
                   "sslServerName": "", "urlCategory": 0, "urlReputation": 0,
                   "webApplicationId": 0, "clientApplicationVersion": "", "httpResponse": 0}
        out: list[SimRecord] = []
        ioc = 0
        if rng.random() < 0.35:
            resolver = rng.choice(g.catalog.external_v4)
            rule = self._rule(device, "Allow-DNS")
            record = g._connection_record(
                device, rule, inside.host, resolver, second, micro, intrusion_count=0,
                forced_action=(6, REASON_DNS_BLOCK),  # type: ignore[arg-type]
            )
            category = rng.choice((SI_CNC, SI_PHISHING, SI_MALWARE))
            record = self._enrich(
                record, dnsQuery=rng.choice(fc.bad_domains), dnsRecordType=1,
                dnsResponseType=0, sinkholeUuid=fc.sinkhole[0],
                securityIntelligenceSourceDestination=2, securityIntelligenceLayer=2,
                securityIntelligenceList1=category,
            )
        else:
            bad = rng.choice(fc.bad_hosts)
            rule = self._rule(device, "Block-Known-Bad-IPs")
            inbound = rng.random() < 0.4
            if inbound:
                server = rng.choice(fc.servers)
                record = g._connection_record(
                    server.device, self._rule(server.device, "Block-Known-Bad-IPs"), bad,
                    server.host, second, micro, intrusion_count=0,
                    inbound=True, user_id=0,
                )
                category, side = SI_ATTACKERS, 1
            else:
                record = g._connection_record(device, rule, inside.host, bad, second, micro,
                                              intrusion_count=0)  # fmt: skip
                category, side = SI_CNC, 2
                if rng.random() < 0.3:
                    ioc = IOC_CNC_SI
            second_list = SI_MALWARE if category == SI_CNC and rng.random() < 0.3 else 0
            record = self._enrich(
                record, **cleared, securityIntelligenceSourceDestination=side,
                securityIntelligenceLayer=1, securityIntelligenceList1=category,
                securityIntelligenceList2=second_list, iocNumber=ioc,
            )
        out.append(record)
        if ioc:
            out.extend(self._ioc_set(inside, ioc))
        return out

    def _connection_chunk(self) -> list[SimRecord]:
        rng = self._rng
        c = self._g.catalog
        device = rng.choice(c.devices)
        inside, outside = rng.choice(c.internal_v4), rng.choice(c.external_v4)
        app, port, protocol = rng.choice((("HTTP", 80, 6), ("HTTPS", 443, 6), ("HTTPS", 443, 6),
                                          ("DNS", 53, 17), ("SMTP", 25, 6)))  # fmt: skip
        second, micro = self._g._tick()
        connections = rng.randrange(1, 60)
        packets_sent = connections * rng.randrange(4, 300)
        packets_received = connections * rng.randrange(4, 900)
        fields = self._header(73, device.device_id, second, micro)
        fields.update({
            "blockType": 136,
            "initiatorIpAddress": inside.address,
            "responderIpAddress": outside.address,
            "startTime": second - second % 300 - 300,
            "applicationProtocolId": APP_PROTOCOLS[app],
            "responderPort": port,
            "protocol": protocol,
            "connectionType": 0,
            "netflowDetectorIpAddress": "0.0.0.0",
            "packetsSent": packets_sent,
            "packetsReceived": packets_received,
            "bytesSent": packets_sent * rng.randrange(60, 900),
            "bytesReceived": packets_received * rng.randrange(200, 1460),
            "connections": connections,
        })
        return [self._event(73, fields, second)]

    # ------------------------------------------------------------------ intrusions

    def _intrusion(self) -> list[SimRecord]:
        rng = self._rng
        fc = self.catalog
        intrusion, packet, connection = self._g._intrusion_incident()
        i = dict(intrusion.fields)
        device_id = i["deviceId"]
        trojan = i["ruleId"] == 1000103
        ioc = IOC_CNC_INTRUSION if trojan and rng.random() < 0.5 else 0
        i.update(networkAnalysisPolicyUuid=fc.nap_for_device[device_id],
                 securityContext=_hex(self._security_context(device_id)), iocNumber=ioc)
        intrusion = replace(intrusion, fields=i)
        out = [intrusion, packet]
        found = _HTTP_REQUEST.search(packet.fields["packetData"])
        uri, host = (found.group(1), found.group(2)) if found else (b"/", b"")
        extra = [(EXTRA_HTTP_URI, uri)]
        if rng.random() < 0.6:
            extra.append((EXTRA_HTTP_HOSTNAME, host))
        original: Host | None = None
        inbound = i["sourceIpAddress"] not in fc.profiles
        if inbound and ":" not in i["sourceIpAddress"] and rng.random() < 0.2:
            # The attack came through a CDN: X-Forwarded-For names the real client.
            original = rng.choice(self._g.catalog.external_v4)
            extra.append((EXTRA_XFF_IPV4, ipaddress.IPv4Address(original.address).packed))
        for data_type, blob in extra:
            fields = {"blockType": 4, "deviceId": device_id, "eventId": i["eventId"],
                      "eventSecond": i["eventSecond"], "type": data_type, "blob": blob}
            out.append(self._event(110, fields, intrusion.archive_timestamp))
        if i["impact"] in (1, 2):
            description = ("Impact Level 1: the destination host is vulnerable"
                           if i["impact"] == 1 else
                           "Impact Level 2: the destination host runs the targeted service")
            fields = {"blockType": 153, "eventId": i["eventId"], "deviceId": device_id,
                      "eventSecond": i["eventSecond"], "impact": i["impactFlags"],
                      "sourceIpAddress": i["sourceIpAddress"],
                      "destinationIpAddress": i["destinationIpAddress"],
                      "description": description}  # fmt: skip
            out.append(self._event(9, fields, intrusion.archive_timestamp))
        proxied = ({"originalClientIpAddress": original.address,
                    "originalClientCountry": original.country} if original else {})
        out.append(self._enrich(connection, iocNumber=ioc, **proxied))
        source = fc.profiles.get(i["sourceIpAddress"])
        destination = fc.profiles.get(i["destinationIpAddress"])
        attacker = source is None and rng.random() < 0.3
        if i["priorityId"] == 1 and (attacker or rng.random() < 0.5):
            out.append(self._intrusion_correlation(i, connection.fields, attacker))
        if ioc:
            inside = source if source is not None else destination
            assert inside is not None  # one end of every intrusion is internal
            out.extend(self._ioc_set(inside, ioc))
        return out

    # ------------------------------------------------------------------ correlation

    def _correlation(self, rule: CorrelationRule, priority: int, description: str,
                     event_type: int, **fields: Any) -> SimRecord:
        second, _micro = self._g._tick()
        record: dict[str, Any] = {
            "blockType": 156, "deviceId": 0, "correlationEventSecond": second,
            "eventId": self._next_correlation_id(), "policyId": rule.policy_id,
            "ruleId": rule.rule_id, "priority": priority, "eventDescription": description,
            "eventType": event_type, "eventDeviceId": 0, "signatureId": 0,
            "signatureGeneratorId": 0, "triggerEventSecond": 0, "triggerEventMicrosecond": 0,
            "deviceEventId": 0, "eventDefinedMask": _FLAGS_HOSTS_VALID, "eventImpactFlags": 0,
            "ipProtocol": 0, "networkProtocol": _IPV4, "sourceIpv4": 0, "sourceHostType": 0,
            "sourceVlanId": 0, "sourceOsFingerprintUuid": ZERO_UUID, "sourceCriticality": 0,
            "sourceUserId": 0, "sourcePort": 0, "sourceServerId": 0, "destinationIpv4": 0,
            "destinationHostType": 0, "destinationVlanId": 0,
            "destinationOsFingerprintUuid": ZERO_UUID, "destinationCriticality": 0,
            "destinationUserId": 0, "destinationPort": 0, "destinationServerId": 0,
            "impact": 0, "blocked": 0, "intrusionPolicyUuid": ZERO_UUID, "ruleAction": 0,
            "netbiosName": "", "urlCategory": 0, "urlReputation": 0, "url": "",
            "clientApplicationId": 0, "clientApplicationVersion": "",
            "accessControlPolicyRevision": ZERO_UUID, "accessControlRuleId": 0,
            "ingressInterfaceUuid": ZERO_UUID, "egressInterfaceUuid": ZERO_UUID,
            "ingressZoneUuid": ZERO_UUID, "egressZoneUuid": ZERO_UUID,
            "sourceIpv6Address": _NO_ADDRESS, "destinationIpv6Address": _NO_ADDRESS,
            "sourceCountry": 0, "destinationCountry": 0,
            "securityIntelligenceUuid": ZERO_UUID, "securityContext": _ZERO_HEX16,
            "sslPolicyId": _ZERO_HEX16, "sslRuleId": 0, "sslActualAction": 0,
            "sslFlowStatus": 0, "sslCertificateFingerprint": _ZERO_HEX20,
        }  # fmt: skip
        record.update(fields)
        return self._event(112, record, second)

    def _host_fields(self, side: str, profile: HostProfile | None) -> dict[str, Any]:
        if profile is None:
            return {}
        return {
            f"{side}OsFingerprintUuid": profile.os.uuid,
            f"{side}Criticality": profile.criticality,
            f"{side}UserId": profile.host.user_id,
            f"{side}VlanId": profile.vlan,
            f"{side}HostType": 0,
        }

    def _intrusion_correlation(self, i: Mapping[str, Any], c: Mapping[str, Any],
                               attacker: bool) -> SimRecord:
        rng = self._rng
        fc = self.catalog
        rule = fc.correlation_rules[1 if attacker else 0]
        source = fc.profiles.get(i["sourceIpAddress"])
        destination = fc.profiles.get(i["destinationIpAddress"])
        inside = destination or source
        ipv6 = ":" in i["sourceIpAddress"]
        message = next(sig[5] for sig in SIGNATURES if sig[1] == i["ruleId"])
        site = c["referencedHost"] or c["sslServerName"]
        fields = {
            "eventDeviceId": i["deviceId"], "signatureId": i["ruleId"],
            "signatureGeneratorId": i["generatorId"], "triggerEventSecond": i["eventSecond"],
            "triggerEventMicrosecond": i["eventMicrosecond"], "deviceEventId": i["eventId"],
            "eventDefinedMask": _FLAGS_ALL_VALID, "eventImpactFlags": i["impactFlags"],
            "ipProtocol": i["ipProtocolId"], "networkProtocol": _IPV6 if ipv6 else _IPV4,
            "sourcePort": i["sourcePortOrIcmpType"],
            "destinationPort": i["destinationPortOrIcmpCode"],
            "destinationServerId": i["applicationProtocolId"], "impact": i["impact"],
            "blocked": i["blocked"], "intrusionPolicyUuid": i["intrusionPolicyUuid"],
            "ruleAction": c["ruleAction"],
            "netbiosName": inside.netbios if inside is not None else "",
            "urlCategory": c["urlCategory"], "urlReputation": c["urlReputation"],
            "url": c["clientUrl"] or (f"http://{site}/" if site else ""),
            "clientApplicationId": i["clientApplicationId"],
            "clientApplicationVersion": c["clientApplicationVersion"],
            "accessControlPolicyRevision": i["accessControlPolicyUuid"],
            "accessControlRuleId": i["accessControlRuleId"],
            "ingressInterfaceUuid": i["interfaceIngressUuid"],
            "egressInterfaceUuid": i["interfaceEgressUuid"],
            "ingressZoneUuid": i["securityZoneIngressUuid"],
            "egressZoneUuid": i["securityZoneEgressUuid"],
            "sourceIpv6Address": i["sourceIpAddress"],
            "destinationIpv6Address": i["destinationIpAddress"],
            "sourceCountry": i["sourceCountry"], "destinationCountry": i["destinationCountry"],
            "securityIntelligenceUuid": fc.si_uuids[SI_ATTACKERS] if attacker else ZERO_UUID,
            "securityContext": i["securityContext"],
            **self._host_fields("source", source),
            **self._host_fields("destination", destination),
        }  # fmt: skip
        target = i["destinationIpAddress"]
        description = (f"{message} from a known attacker against {target}" if attacker
                       else f"{message} against critical asset {target}")  # fmt: skip
        return self._correlation(rule, 1 if not attacker else rng.choice((1, 2)), description,
                                 CORRELATION_INTRUSION, **fields)

    # ------------------------------------------------------------------ files and malware

    def _transfer(self, sample: FileSample, *, malware: bool) -> tuple[
            list[SimRecord], dict[str, Any], HostProfile]:
        """A file crossing the network: (file event records, the file event's fields of the
        first one, the client)."""
        rng = self._rng
        g = self._g
        fc = self.catalog
        client = rng.choice(fc.workstations)
        device = client.device
        ipv6 = ":" in client.host.address
        smb = not malware and not ipv6 and rng.random() < 0.2
        if smb:
            server = rng.choice([p for p in fc.servers
                                 if any(s.application == "SMB" for s in p.services)])
            peer = server.host
            rule = self._rule(device, "Allow-Internal-SMB")
            apps = (_app("SMB"), _client("SMB client"))
            direction = rng.choice((_DOWNLOAD, _UPLOAD))
        else:
            peer = rng.choice(g.catalog.external_v6 if ipv6 else g.catalog.external_v4)
            rule = self._rule(device, rng.choice(("Allow-Web", "Allow-Outbound-HTTPS")))
            apps = None
            direction = _UPLOAD if not malware and rng.random() < 0.15 else _DOWNLOAD
        file_second, _micro = g._tick()
        instance = rng.randrange(1, device.instances + 1)
        counter = g._next_counter(device, instance)
        first = file_second - rng.randrange(0, 20)
        client_port = rng.randrange(49152, 65535)
        end_second, end_micro = g._tick()
        reason = REASON_FILE_BLOCK if malware else 0
        connection = g._connection_record(
            device, rule, client.host, peer, end_second, end_micro, intrusion_count=0,
            forced_counter=(first, instance, counter), ports=(client_port, rule.port),
            forced_action=(rule.action, reason) if malware else None, apps=apps,
        )
        c = dict(connection.fields)
        if smb:
            uri = f"\\\\{self._netbios(peer)}\\shared\\{sample.name}"
        else:
            scheme = "https" if rule.app_protocol == "HTTPS" else "http"
            site = c["referencedHost"] or c["sslServerName"]
            folder = "downloads" if direction == _DOWNLOAD else "upload"
            uri = f"{scheme}://{site}/{folder}/{sample.name}"
        members: list[FileSample] = []
        if sample.file_type == "ZIP":
            members = [rng.choice([s for s in fc.clean_files if s.file_type != "ZIP"])]
        connection = self._enrich(connection, clientUrl="" if smb else uri,
                                  fileEventCount=1 + len(members))
        c = dict(connection.fields)
        sender, receiver = (peer, client.host) if direction == _DOWNLOAD else (client.host, peer)
        sender_port, receiver_port = ((rule.port, client_port) if direction == _DOWNLOAD
                                      else (client_port, rule.port))  # fmt: skip
        record_type = 502 if malware else 500
        files: list[SimRecord] = []
        for depth, item in enumerate([sample, *members]):
            executable = item.file_type in ("MSEXE", "MSI", "JAR", "MSOLE2", "PDF")
            fields = {
                "blockType": 56, "deviceId": device.device_id, "connectionInstance": instance,
                "connectionCounter": counter, "connectionTimestamp": first,
                "fileEventTimestamp": file_second, "sourceIpAddress": sender.address,
                "destinationIpAddress": receiver.address, "disposition": item.disposition,
                "speroDisposition": item.disposition if item.file_type == "MSEXE" else 0,
                "fileStorageStatus": 1 if executable else 0,
                "fileAnalysisStatus": 2 if malware else (1 if executable else 0),
                "localMalwareAnalysisStatus": 2 if executable else 0,
                "archiveFileStatus": 2 if item.file_type == "ZIP" else 0,
                "threatScore": item.threat_score,
                "action": ACTION_MALWARE_BLOCK if malware
                else ACTION_CLOUD_LOOKUP if executable else ACTION_DETECT,
                "shaHash": item.sha256, "fileTypeId": FILE_TYPES[item.file_type],
                "fileName": item.name, "fileSize": item.size, "direction": direction,
                "applicationProtocolId": c["applicationProtocolId"],
                "userId": client.host.user_id, "uri": uri, "signature": "",
                "sourcePort": sender_port, "destinationPort": receiver_port,
                "protocol": int(rule.protocol), "accessControlPolicyUuid": device.policy_revision,
                "sourceCountry": sender.country, "destinationCountry": receiver.country,
                "webApplicationId": c["webApplicationId"],
                "clientApplicationId": c["clientApplicationId"],
                "securityContext": _hex(c["securityContext"]),
                "sslCertificateFingerprint": c["sslCertificateFingerprint"],
                "sslActualAction": c["sslActualAction"], "sslFlowStatus": c["sslFlowStatus"],
                "archiveSha": sample.sha256 if depth else "",
                "archiveName": sample.name if depth else "", "archiveDepth": depth,
                "httpResponse": 0 if smb else 200,
            }  # fmt: skip
            files.append(self._event(record_type, fields, file_second))
        return [*files, connection], dict(files[0].fields), client

    def _netbios(self, host: Host) -> str:
        profile = self.catalog.profiles.get(host.address)
        return profile.netbios if profile is not None and profile.netbios else host.address

    def _file(self) -> list[SimRecord]:
        return self._transfer(self._rng.choice(self.catalog.clean_files), malware=False)[0]

    def _malware(self) -> list[SimRecord]:
        rng = self._rng
        fc = self.catalog
        sample = rng.choice(fc.malware_files)
        records, f, client = self._transfer(sample, malware=True)
        *files, connection = records
        ioc = IOC_MALWARE_TRANSFER if rng.random() < 0.5 else 0
        detector = 1 if sample.name == "eicar.com" else rng.choice((2, 3, 4))
        malware = {
            "blockType": 62, "agentUuid": ZERO_UUID, "cloudUuid": fc.amp_cloud[0],
            "malwareEventTimestamp": f["fileEventTimestamp"], "eventTypeId": 1,
            "eventSubtypeId": 1, "detectorId": detector, "detectionName": sample.detection,
            "user": "", "fileName": sample.name, "filePath": "", "fileShaHash": sample.sha256,
            "fileSize": sample.size, "fileType": FILE_TYPES[sample.file_type],
            "fileTimestamp": f["fileEventTimestamp"], "parentFileName": "",
            "parentShaHash": "", "eventDescription": "", "deviceId": f["deviceId"],
            "connectionInstance": f["connectionInstance"],
            "connectionCounter": f["connectionCounter"],
            "connectionEventTimestamp": f["connectionTimestamp"], "direction": f["direction"],
            "sourceIpAddress": f["sourceIpAddress"],
            "destinationIpAddress": f["destinationIpAddress"],
            "applicationProtocolId": f["applicationProtocolId"], "userId": f["userId"],
            "accessControlPolicyUuid": f["accessControlPolicyUuid"], "disposition": MALWARE,
            "retroDisposition": 0, "uri": f["uri"], "sourcePort": f["sourcePort"],
            "destinationPort": f["destinationPort"], "sourceCountry": f["sourceCountry"],
            "destinationCountry": f["destinationCountry"],
            "webApplicationId": f["webApplicationId"],
            "clientApplicationId": f["clientApplicationId"], "action": ACTION_MALWARE_BLOCK,
            "protocol": f["protocol"], "threatScore": sample.threat_score, "iocNumber": ioc,
            "securityContext": f["securityContext"],
            "sslCertificateFingerprint": f["sslCertificateFingerprint"],
            "sslActualAction": f["sslActualAction"], "sslFlowStatus": f["sslFlowStatus"],
            "archiveSha": "", "archiveName": "", "archiveDepth": 0, "httpResponse": 200,
        }  # fmt: skip
        out = [*files, self._event(125, malware, files[0].archive_timestamp), connection]
        if rng.random() < 0.2:
            # The cloud revises the disposition later: a retrospective malware event.
            second, _micro = self._g._tick()
            retro = {**malware, "eventTypeId": 4, "malwareEventTimestamp": second,
                     "retroDisposition": MALWARE, "action": 0,
                     "eventDescription": "Retrospective disposition: Malware"}
            out.append(self._event(125, retro, second))
        if ioc:
            out.extend(self._ioc_set(client, ioc))
        if rng.random() < 0.5:
            out.append(self._malware_correlation(malware, client))
        return out

    def _malware_correlation(self, m: Mapping[str, Any], client: HostProfile) -> SimRecord:
        rule = self.catalog.correlation_rules[3]
        ipv6 = ":" in client.host.address
        fields = {
            "eventDeviceId": m["deviceId"], "triggerEventSecond": m["malwareEventTimestamp"],
            "networkProtocol": _IPV6 if ipv6 else _IPV4, "ipProtocol": m["protocol"],
            "sourceIpv6Address": m["sourceIpAddress"],
            "destinationIpv6Address": m["destinationIpAddress"],
            "sourcePort": m["sourcePort"], "destinationPort": m["destinationPort"],
            "sourceCountry": m["sourceCountry"], "destinationCountry": m["destinationCountry"],
            "netbiosName": client.netbios, "url": m["uri"],
            "clientApplicationId": m["clientApplicationId"],
            "accessControlPolicyRevision": m["accessControlPolicyUuid"],
            "securityContext": m["securityContext"],
            **self._host_fields("destination" if m["deviceId"] else "source", client),
        }  # fmt: skip
        return self._correlation(rule, 1, f"Malware {m['detectionName']} ({m['fileName']}) "
                                 f"on {client.host.address}", CORRELATION_MALWARE, **fields)

    def _endpoint_malware(self) -> list[SimRecord]:
        rng = self._rng
        fc = self.catalog
        second, _micro = self._g._tick()
        seen_second, seen = self._endpoint_seen
        if seen_second != second:
            seen = set()
            self._endpoint_seen = (second, seen)
        while True:
            profile = rng.choice(fc.workstations)
            sample = rng.choice(fc.malware_files)
            if (profile.agent_uuid, sample.sha256) not in seen:
                seen.add((profile.agent_uuid, sample.sha256))
                break
        parent = rng.choice(fc.parents)
        user = self._username(profile)
        if profile.os.vendor == "Microsoft":
            path, account = f"C:\\Users\\{user}\\Downloads\\", f"CORP\\{user}"
        else:
            path, account = f"/Users/{user}/Downloads/", user
        ioc = IOC_MALWARE_EXECUTED if rng.random() < 0.5 else 0
        out: list[SimRecord] = []
        for event_type, subtype, description in (
            (2, rng.choice((3, 4)), "Detected by AMP for Endpoints"),
            (3, 4, "Quarantine: Successfully quarantined"),
        ):
            fields = {
                "blockType": 62, "agentUuid": profile.agent_uuid, "cloudUuid": fc.amp_cloud[0],
                "malwareEventTimestamp": second, "eventTypeId": event_type,
                "eventSubtypeId": subtype, "detectorId": rng.choice((3, 4)),
                "detectionName": sample.detection, "user": account, "fileName": sample.name,
                "filePath": path, "fileShaHash": sample.sha256, "fileSize": sample.size,
                "fileType": FILE_TYPES[sample.file_type],
                "fileTimestamp": second - rng.randrange(60, 86_400),
                "parentFileName": parent.name, "parentShaHash": parent.sha256,
                "eventDescription": description, "deviceId": 0, "connectionInstance": 0,
                "connectionCounter": 0, "connectionEventTimestamp": 0, "direction": 0,
                "sourceIpAddress": profile.host.address, "destinationIpAddress": _NO_ADDRESS,
                "applicationProtocolId": 0, "userId": profile.host.user_id,
                "accessControlPolicyUuid": ZERO_UUID, "disposition": MALWARE,
                "retroDisposition": 0, "uri": "", "sourcePort": 0, "destinationPort": 0,
                "sourceCountry": 0, "destinationCountry": 0, "webApplicationId": 0,
                "clientApplicationId": 0, "action": 0, "protocol": 0, "threatScore": 0,
                "iocNumber": ioc, "securityContext": _ZERO_HEX16,
                "sslCertificateFingerprint": _ZERO_HEX20, "sslActualAction": 0,
                "sslFlowStatus": 0, "archiveSha": "", "archiveName": "", "archiveDepth": 0,
                "httpResponse": 0,
            }  # fmt: skip
            out.append(self._event(125, fields, second))
        if ioc:
            out.extend(self._ioc_set(profile, ioc))
        return out

    # ------------------------------------------------------------------ discovery blocks

    def _fingerprint(self, profile: HostProfile, second: int, fingerprint_type: int,
                     source: tuple[int, int] = (SOURCE_RNA, 1)) -> dict[str, Any]:
        os = profile.os
        devices = ([{"blockType": 131, "string": os.mobile_device, "lastSeen": second,
                     "mobile": 1, "jailbroken": 0}] if os.mobile_device else [])  # fmt: skip
        return {"blockType": 130, "fingerprintUuid": os.uuid, "type": fingerprint_type,
                "sourceType": source[0], "sourceId": source[1], "lastSeen": second,
                "ttlDifference": 0, "mobileDevices": devices}  # fmt: skip

    def _host_server(self, service: Service, second: int, confidence: int = 100) -> dict[str, Any]:
        rng = self._rng
        subs = [{"blockType": 1, "name": name, "vendor": service.vendor,
                 "version": service.version} for name in service.sub_servers]  # fmt: skip
        # Most services are seen passively; some come from the Nmap scans (§5.11 block 117).
        source_type, source_id = (SOURCE_SCANNER, 2) if rng.random() < 0.2 else (SOURCE_RNA, 1)
        information = {"blockType": 117, "applicationId": _app(service.application),
                       "vendor": service.vendor, "version": service.version,
                       "lastUsed": second, "sourceType": source_type, "sourceId": source_id,
                       "subServers": subs}  # fmt: skip
        return {"blockType": 103, "port": service.port, "hits": rng.randrange(1, 5000),
                "lastUsed": second, "serverInformation": [information],
                "confidence": confidence,
                "webApplications": [{"blockType": 123, "applicationId": _web(name)}
                                    for name in service.web_applications]}  # fmt: skip

    def _web_apps_of(self, client: str) -> list[dict[str, Any]]:
        if client not in ("Chrome", "Firefox", "Edge", "Safari"):
            return []
        names = self._rng.sample(sorted(WEB_APPS), 2)
        return [{"blockType": 123, "applicationId": WEB_APPS[name]} for name in names]

    def _host_client(self, profile: HostProfile, second: int) -> dict[str, Any]:
        client, app, version = self._rng.choice(profile.clients)
        return {"blockType": 122, "hits": self._rng.randrange(1, 900), "lastUsed": second,
                "id": _client(client), "applicationProtocolId": _app(app), "version": version,
                "webApplications": self._web_apps_of(client)}  # fmt: skip

    def _new_host(self, profile: HostProfile, second: int) -> dict[str, Any]:
        rng = self._rng
        os = profile.os
        windows = os.vendor == "Microsoft"
        ipv6 = ":" in profile.host.address
        vulnerabilities = self.catalog.vulnerabilities
        clients = []
        for client, _app_name, version in profile.clients:
            vulnerable = [v for v in vulnerabilities
                          if client.split()[0].lower() in v.title.lower()]  # fmt: skip
            clients.append({
                "blockType": 112, "hits": rng.randrange(1, 400), "lastUsed": second,
                "applicationId": _client(client), "version": version,
                "webApplications": self._web_apps_of(client),
                "vulnerabilities": [{"blockType": 85, "vulnerabilityId": v.vulnerability_id,
                                     "invalidFlags": 0, "type": 0} for v in vulnerable],
            })  # fmt: skip
        tcp = [self._host_server(s, second) for s in profile.services
               if s.protocol == IpProtocol.TCP]  # fmt: skip
        udp = [self._host_server(s, second) for s in profile.services
               if s.protocol == IpProtocol.UDP]  # fmt: skip
        server_fp = [self._fingerprint(profile, second, 2)] if profile.services else []
        client_fp = [self._fingerprint(profile, second, 1)] if not profile.services else []
        return {
            "blockType": 139, "ipAddress": profile.host.address, "hops": profile.hops,
            "primarySecondary": 0,
            "serverFingerprints": [] if ipv6 else server_fp,
            "clientFingerprints": [] if ipv6 else client_fp,
            "smbFingerprints": [self._fingerprint(profile, second, 3)] if windows else [],
            "dhcpFingerprints": [self._fingerprint(profile, second, 4)]
            if profile.role == "mobile" else [],
            "mobileDeviceFingerprints": [self._fingerprint(profile, second, 5)]
            if os.mobile_device else [],
            "ipv6ServerFingerprints": server_fp if ipv6 else [],
            "ipv6ClientFingerprints": client_fp if ipv6 else [],
            "ipv6DhcpFingerprints": [],
            "userAgentFingerprints": [self._fingerprint(profile, second, 6)]
            if profile.role != "server" else [],
            "tcpServers": tcp, "udpServers": udp,
            "networkProtocols": [{"blockType": 4, "protocol": _IPV6 if ipv6 else _IPV4}],
            "transportProtocols": [{"blockType": 4, "protocol": 6},
                                   {"blockType": 4, "protocol": 17}],
            "macAddresses": [{"blockType": 95, "ttl": profile.ttl,
                              "macAddress": profile.host.mac, "primary": 1,
                              "lastSeen": second}],
            "hostLastSeen": second, "hostType": 0,
            "mobile": 1 if os.mobile_device else 0, "jailbroken": 0,
            "vlanPresence": 1 if profile.vlan else 0, "vlanId": profile.vlan,
            "vlanType": 0, "vlanPriority": 0, "clientApplications": clients,
            "netbiosName": profile.netbios,
        }  # fmt: skip

    # ------------------------------------------------------------------ discovery incidents

    def _discovery_incident(self) -> list[SimRecord]:
        record_type = self._discovery.next()
        return self._discovery_record(record_type)

    def _server_with(self, protocol: IpProtocol) -> tuple[HostProfile, Service]:
        rng = self._rng
        candidates = [(p, s) for p in self.catalog.servers for s in p.services
                      if s.protocol == protocol]  # fmt: skip
        return rng.choice(candidates)

    def _discovery_record(self, record_type: int) -> list[SimRecord]:
        rng = self._rng
        fc = self.catalog
        second = self._g.current_second
        tcp, udp = IpProtocol.TCP, IpProtocol.UDP
        if record_type in (11, 16, 51, 23, 25, 45):
            profile, service = self._server_with(tcp)
        elif record_type in (12, 17, 52, 24, 26):
            profile, service = self._server_with(udp)
        elif record_type == 31:
            profile, service = rng.choice(fc.routers), None
        elif record_type == 42:
            profile, service = rng.choice([p for p in fc.profiles.values() if p.netbios]), None
        else:
            profile, service = self._any_profile(), None
        part: dict[str, Any] = {}
        if record_type == 10:
            part = self._new_host(profile, second)
        elif record_type in (11, 12, 16, 17):
            part = self._host_server(service, second)  # type: ignore[arg-type]
        elif record_type in (51, 52):
            part = self._host_server(service, second,  # type: ignore[arg-type]
                                     confidence=rng.choice((60, 75, 90)))
        elif record_type == 13:
            part = {"networkProtocol": rng.choice((_IPV6, 2054, 34958, 35020))}
        elif record_type == 14:
            part = {"transportProtocol": rng.choice((6, 17, 1, 58))}
        elif record_type in (15, 35, 107):
            part = self._host_client(profile, second)
        elif record_type in (18, 53):
            confidence = rng.choice((70, 85, 99))
            data = uuidlib.UUID(profile.os.uuid).bytes + struct.pack(">I", confidence)
            part = {"blockType": 53, "data": data}
        elif record_type == 22:
            part = {"hops": min(255, profile.hops + rng.choice((1, 2)))}
        elif record_type in (23, 24, 25, 26):
            part = {"port": service.port}  # type: ignore[union-attr]
        elif record_type in (27, 28):
            mac = "00:50:56:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))
            part = {"blockType": 95, "ttl": profile.ttl, "macAddress": mac,
                    "primary": 1 if record_type == 27 else 0, "lastSeen": second}
        elif record_type == 29:
            part = {"ipAddress": self._renumbered(profile.host.address)}
        elif record_type == 31:
            part = {"hostType": 1}
        elif record_type == 34:
            part = {"blockType": 14, "id": profile.vlan or 100, "type": 0, "priority": 0}
        elif record_type == 42:
            part = {"blockType": 35, "value": profile.netbios}
        elif record_type == 45:
            banner = self._banner(service)  # type: ignore[arg-type]
            part = {"blockType": 37, "port": service.port,  # type: ignore[union-attr]
                    "protocol": 6, "data": banner}
        elif record_type == 101:
            scanned = rng.random() < 0.25
            part = self._fingerprint(profile, second, 1,
                                     (SOURCE_SCANNER, 2) if scanned else (SOURCE_RNA, 1))
        elif record_type in (102, 103):
            part = {"blockType": 94, "sourceType": SOURCE_SCANNER, "sourceId": 2,
                    "uuid": profile.os.uuid, "port": 0, "protocol": 6,
                    "serverMapId": rng.randrange(1, 10_000)}
        out = [self._host_event(record_type, profile, part)]
        if record_type == 10 and profile.role == "server" and rng.random() < 0.3:
            out.append(self._new_host_correlation(profile, out[0].fields))
        return out

    def _renumbered(self, address: str) -> str:
        ip = ipaddress.ip_address(address)
        if ip.version == 4:
            octets = address.split(".")
            return ".".join(octets[:3] + [str(self._rng.randrange(2, 254))])
        return str(ipaddress.IPv6Address(int(ip) ^ self._rng.randrange(1, 1 << 16)))

    def _banner(self, service: Service) -> bytes:
        if service.application == "SSH":
            return f"SSH-2.0-OpenSSH_{service.version} Ubuntu-3ubuntu0.6\r\n".encode()
        if service.application in ("HTTP", "HTTPS"):
            return f"HTTP/1.1 200 OK\r\nServer: {service.vendor}/{service.version}\r\n".encode()
        return f"{service.vendor} {service.application} {service.version}\r\n".encode()

    def _new_host_correlation(self, profile: HostProfile, f: Mapping[str, Any]) -> SimRecord:
        rule = self.catalog.correlation_rules[2]
        fields = {
            "eventDeviceId": f["deviceId"], "triggerEventSecond": f["eventSecond"],
            "triggerEventMicrosecond": f["eventMicrosecond"],
            "sourceIpv6Address": profile.host.address, "netbiosName": profile.netbios,
            **self._host_fields("source", profile),
        }
        return self._correlation(rule, 3, f"New host {profile.host.address} discovered",
                                 CORRELATION_DISCOVERY, **fields)

    # ------------------------------------------------------------------ users

    def _user_incident(self) -> list[SimRecord]:
        record_type = self._users.next()
        rng = self._rng
        fc = self.catalog
        profile = rng.choice(fc.workstations)
        if record_type == 171 and self._vpn_sessions:
            profile, login_second, public = self._vpn_sessions.pop(0)
            return [self._vpn_event(171, profile, public, login_second)]
        if record_type in (170, 171):
            public = rng.choice(self._g.catalog.external_v4).address
            second = self._g.current_second
            self._vpn_sessions.append((profile, second, public))
            return [self._vpn_event(170, profile, public, second)]
        if record_type == 95:
            return [self._login(profile)]
        return [self._user_information(record_type, profile)]

    def _user_header(self, record_type: int, profile: HostProfile) -> tuple[dict[str, Any], int]:
        second, micro = self._g._tick()
        address = profile.host.address
        fields = self._header(record_type, profile.device.device_id, second, micro,
                              address=address if ":" in address else None)  # fmt: skip
        return fields, second

    def _login(self, profile: HostProfile) -> SimRecord:
        fields, second = self._user_header(95, profile)
        address = profile.host.address
        user = self._username(profile)
        fields.update({
            "blockType": 127, "timestamp": second - self._rng.randrange(0, 5),
            "ipv4Address": "0.0.0.0" if ":" in address else address, "username": user,
            "userId": profile.host.user_id, "applicationId": USER_PROTOCOL_LDAP,
            "email": f"{user}@example.com",
            "ipv6Address": address if ":" in address else _NO_ADDRESS,
            "loginType": 0, "reportedBy": "corp-dc01.corp.example.com",
        })  # fmt: skip
        return self._event(95, fields, second)

    def _user_information(self, record_type: int, profile: HostProfile) -> SimRecord:
        second, micro = self._g._tick()
        fields = self._header(record_type, profile.device.device_id, second, micro)
        user = self._username(profile)
        first, _dot, last = user.partition(".")
        fields.update({
            "blockType": 120, "userId": profile.host.user_id, "username": user,
            "protocol": USER_PROTOCOL_LDAP, "firstName": first.title(),
            "lastName": last.title(), "email": f"{user}@example.com",
            "department": DEPARTMENTS[profile.host.user_id % len(DEPARTMENTS)],
            "phone": f"+1 555 01{profile.host.user_id:02d}",
        })  # fmt: skip
        return self._event(record_type, fields, second)

    def _vpn_event(self, record_type: int, profile: HostProfile, public: str,
                   login_second: int) -> SimRecord:
        rng = self._rng
        fields, second = self._user_header(record_type, profile)
        address = profile.host.address
        user = self._username(profile)
        duration = 0 if record_type == 170 else max(1, second - login_second)
        country = next(h.country for h in self._g.catalog.external_v4 if h.address == public)
        session = (struct.pack(">IB", 1, 1) + _string_block("DfltGrpPolicy")
                   + _string_block("Corp-RA-VPN") + ipaddress.IPv6Address(
                       f"::ffff:{public}").packed + struct.pack(">H", country)
                   + _string_block(rng.choice(("Windows 10", "macOS 14")))
                   + _string_block("AnyConnect 4.10.07073")
                   + struct.pack(">IQQ", duration, duration * rng.randrange(2_000, 90_000),
                                 duration * rng.randrange(10_000, 400_000)))  # fmt: skip
        sessions = struct.pack(">II", _LIST_BLOCK_SERIES_1, 8 + len(session)) + session
        fields.update({
            "blockType": 167, "timestamp": second,
            "ipv4Address": "0.0.0.0" if ":" in address else address, "username": user,
            "domain": "CORP", "userId": profile.host.user_id, "realmId": 2,
            "endpointProfileId": profile.endpoint_profile,
            "securityGroupId": profile.security_group, "protocol": USER_PROTOCOL_LDAP,
            "port": 0, "rangeStart": 0, "startPort": 0, "endPort": 0,
            "email": f"{user}@example.com",
            "ipv6Address": address if ":" in address else _NO_ADDRESS,
            "locationIpv6Address": public, "loginType": 2, "authType": 1,
            "reportedBy": profile.device.name,
            "description": "VPN login" if record_type == 170 else "VPN logoff",
            "vpnSessions": sessions,
        })  # fmt: skip
        return self._event(record_type, fields, second)

    # ------------------------------------------------------------------ user input

    def _user_input_incident(self) -> list[SimRecord]:
        rng = self._rng
        fc = self.catalog
        record_type = self._user_input.next()
        profile = self._any_profile()
        address, mac = profile.host.address, profile.host.mac
        ranges = [_ip_range(address)]
        macs = [{"blockType": 63, "macAddress": mac}]
        source = {"sourceType": SOURCE_USER, "sourceId": 3}
        server, service = rng.choice([(p, s) for p in fc.servers for s in p.services])
        part: dict[str, Any]
        if record_type == 74:
            os = profile.os
            major, _dot, minor = os.version.partition(".")
            part = self._user_product(ranges, vendor=os.vendor, product=os.name,
                                      version=os.version, os_uuid=os.uuid,
                                      major=major, minor=minor)  # fmt: skip
        elif record_type in (75, 86):
            ranges = [_ip_range(server.host.address)]
            major, _dot, minor = service.version.partition(".")
            part = self._user_product(ranges, vendor=service.vendor,
                                      product=service.application, version=service.version,
                                      port=service.port, protocol=int(service.protocol),
                                      server_id=_app(service.application), major=major,
                                      minor=minor)  # fmt: skip
        elif record_type in (76, 88):
            network = rng.random() < 0.5
            part = {"blockType": 83, **source, "list": [{
                "blockType": 57, "ipRanges": ranges, "macRanges": macs,
                "protocolType": 1 if network else 0,
                "protocol": rng.choice((_IPV6, 2054)) if network else rng.choice((6, 17)),
            }]}  # fmt: skip
        elif record_type in (77, 87):
            client, app, version = rng.choice(profile.clients or (("curl", "HTTP", "8.4.0"),))
            part = {"blockType": 60, **source, "list": [{
                "blockType": 138, "ipRanges": ranges, "applicationProtocolId": _app(app),
                "clientApplicationId": _client(client), "version": version,
                "payloadType": 0, "webApplicationId": WEB_APPS["Office 365"],
            }]}  # fmt: skip
        elif record_type in (78, 85):
            part = {"blockType": 78, "ipRanges": ranges, "macRanges": macs,
                    "sourceId": 3, "sourceType": SOURCE_USER}  # fmt: skip
        elif record_type == 79:
            part = {"blockType": 77, "sourceId": 3, "sourceType": SOURCE_USER,
                    "macRanges": [{"blockType": 76,
                                   "ipRanges": [_ip_range(server.host.address)],
                                   "port": service.port,
                                   "protocol": int(service.protocol)}]}  # fmt: skip
        elif record_type in (80, 81):
            browsers = [(v, name) for v in fc.vulnerabilities for name in ("Chrome", "Firefox")
                        if name in v.title]  # fmt: skip
            if rng.random() < 0.5:  # a browser vulnerability on a workstation
                vulnerability, browser = rng.choice(browsers)
                item = {"ipRanges": ranges, "port": 0, "protocol": 0,
                        "clientApplicationId": _client(browser),
                        "applicationProtocolId": _app("HTTPS"), "version": ""}
            else:  # a service vulnerability on a server
                vulnerability = rng.choice(fc.vulnerabilities)
                item = {"ipRanges": [_ip_range(server.host.address)], "port": service.port,
                        "protocol": int(service.protocol), "clientApplicationId": 0,
                        "applicationProtocolId": _app(service.application),
                        "version": service.version}
                profile = server
            part = {"blockType": 80, **source, "type": 1, "list": [{
                "blockType": 124, "vulnerabilityId": vulnerability.vulnerability_id,
                "thirdPartyVulnerabilityUuid": ZERO_UUID, "description": vulnerability.title,
                **item,
            }]}  # fmt: skip
        elif record_type == 82:
            part = {"blockType": 81, "ipRanges": ranges, "sourceId": 3,
                    "sourceType": SOURCE_USER, "criticality": rng.choice((1, 2, 3))}
        elif record_type in (83, 84):
            attribute = rng.choice(sorted(ATTRIBUTES))
            value = {1: b"Finance", 2: b"Confidential", 3: b"IT Operations"}[attribute]
            part = {"blockType": 82, "ipRanges": ranges, "sourceId": 3,
                    "sourceType": SOURCE_USER, "attributeId": attribute,
                    "value": value if record_type == 83 else b""}  # fmt: skip
        elif record_type == 89:
            part = self._scan_result(server, service)
            profile = server
        else:  # 46, 47, 48: block 55, layout undocumented: attribute id + its name
            attribute = rng.choice(sorted(ATTRIBUTES))
            part = {"blockType": 55,
                    "data": struct.pack(">I", attribute) + _string_block(ATTRIBUTES[attribute])}
        if record_type in (75, 79, 86):
            profile = server
        return [self._host_event(record_type, profile, part, device_id=0)]

    def _user_product(self, ranges: list[dict[str, Any]], *, vendor: str, product: str,
                      version: str, major: str, minor: str, port: int = 0, protocol: int = 0,
                      server_id: int = 0, os_uuid: str = ZERO_UUID) -> dict[str, Any]:
        return {
            "blockType": 134, "sourceId": 3, "sourceType": SOURCE_USER, "ipRanges": ranges,
            "port": port, "protocol": protocol, "dropUserProduct": 0, "vendor": vendor,
            "product": product, "version": version, "softwareId": 0, "serverId": server_id,
            "vendorId": 0, "productId": 0, "versionMajor": major, "versionMinor": minor,
            "revision": "", "toVersionMajor": "", "toVersionMinor": "", "toRevision": "",
            "build": "", "patch": "", "extension": "", "osUuid": os_uuid, "device": "",
            "mobile": 0, "jailbroken": 0,
            "fixes": [{"blockType": 67, "id": self._rng.randrange(5_000_000, 5_040_000)}],
        }  # fmt: skip

    def _scan_result(self, server: HostProfile, service: Service) -> dict[str, Any]:
        rng = self._rng
        vulnerability = rng.choice(self.catalog.vulnerabilities)
        protocol = int(service.protocol)
        major, _dot, minor = service.version.partition(".")
        return {
            "blockType": 142, "userId": rng.choice(sorted(SYSTEM_USERS)), "scanType": 1,
            "ipAddress": server.host.address, "port": service.port, "protocol": protocol,
            "flag": 0,
            "vulnerabilities": [{
                "blockType": 109, "port": service.port, "protocol": protocol,
                "id": vulnerability.cve, "name": vulnerability.title,
                "description": f"{vulnerability.title}: update {service.vendor}.",
                "nameClean": vulnerability.title, "descriptionClean": vulnerability.title,
                "bugtraqIds": [{"blockType": 7, "value": rng.randrange(100_000, 110_000)}],
                "cveIds": [{"blockType": 35, "value": vulnerability.cve}],
            }],
            "scanResults": [{
                "blockType": 108, "port": service.port, "protocol": protocol,
                "subServer": service.application, "value": f"{service.vendor} {service.version}",
                "subServerUnformatted": service.application.lower(),
                "valueUnformatted": f"{service.vendor.lower()} {service.version}",
            }],
            "userProducts": [self._user_product(
                [_ip_range(server.host.address)], vendor=service.vendor,
                product=service.application, version=service.version, port=service.port,
                protocol=protocol, server_id=_app(service.application), major=major,
                minor=minor)],
        }  # fmt: skip

    # ------------------------------------------------------------------ metadata

    def _metadata(self) -> list[tuple[int, dict[str, Any]]]:
        """(record type, fields) of every metadata record the classic mix does not send."""
        fc = self.catalog
        base = self._g.catalog
        out: list[tuple[int, dict[str, Any]]] = []

        def add(record_type: int, fields: dict[str, Any]) -> None:
            out.append((int(record_type), fields))

        def idlen(record_type: int, names: Mapping[int, str]) -> None:
            for ident, name in names.items():
                add(record_type, {"id": ident, "nameLength": _length(name), "name": name})

        def uuid_name(record_type: int, names: Mapping[str, str], block: bool = True) -> None:
            for ident, name in names.items():
                fields = {"uuid": ident, "name": name}
                add(record_type, {"blockType": 14, **fields} if block else fields)

        idlen(_R.SERVER, {v: k for k, v in EXTRA_APP_PROTOCOLS.items()})
        idlen(_R.CLIENT_APPLICATION, {v: k for k, v in EXTRA_CLIENT_APPS.items()})
        idlen(_R.WEB_APPLICATION, {v: k for k, v in EXTRA_WEB_APPS.items()})
        for rule in fc.extra_rules:
            add(_R.ACCESS_CONTROL_RULE_ID, {"blockType": 15, "revisionUuid": rule.policy_revision,
                                            "ruleId": rule.rule_id, "name": rule.name})
        idlen(_R.ACCESS_CONTROL_RULE_ACTION, EXTRA_RULE_ACTION_NAMES)
        for ident, description in EXTRA_RULE_REASON_NAMES.items():
            add(_R.ACCESS_CONTROL_POLICY_RULE_REASON,
                {"blockType": 59, "id": ident, "description": description})
        uuid_name(_R.ACCESS_CONTROL_POLICY_NAME, base.policies)
        for ident, name in SYSTEM_USERS.items():
            add(_R.SYSTEM_USER, {"blockType": 57, "id": ident, "protocol": 0, "name": name})
        for fp in fc.os_fingerprints:
            add(_R.FINGERPRINT, {
                "uuid": fp.uuid, "nameLength": _length(fp.name), "name": fp.name,
                "vendorLength": _length(fp.vendor), "vendor": fp.vendor,
                "versionLength": _length(fp.version), "version": fp.version,
            })  # fmt: skip
        for v in fc.vulnerabilities:
            texts = {
                "entryDate": "2023-08-01", "publishedDate": "2023-07-19",
                "modifiedDate": "2024-01-10", "title": v.title,
                "shortDescription": v.title.split(" (")[0],
                "description": f"{v.title}. See {v.cve}.",
                "technicalDescription": f"Tracked as {v.cve}.",
                "solution": "Apply the vendor's update.",
            }  # fmt: skip
            fields: dict[str, Any] = {"id": v.vulnerability_id, "impact": v.impact,
                                      "exploits": 1, "remote": 1}
            for name, text in texts.items():
                fields[f"{name}Length"] = _length(text)
                fields[name] = text
            add(_R.VULNERABILITY, fields)
        for ident, scanner, title, description, cve, bugtraq in fc.third_party_vulnerabilities:
            add(_R.THIRD_PARTY_SCANNER_VULNERABILITY, {
                "id": ident, "scannerType": scanner, "titleLength": _length(title),
                "title": title, "descriptionLength": _length(description),
                "description": description, "cveIdLength": _length(cve), "cveId": cve,
                "bugtraqIdLength": _length(bugtraq), "bugtraqId": bugtraq,
            })  # fmt: skip
        idlen(_R.CRITICALITY, CRITICALITIES)
        idlen(_R.NETWORK_PROTOCOL, NETWORK_PROTOCOLS)
        idlen(_R.ATTRIBUTE, ATTRIBUTES)
        idlen(_R.SCAN_TYPE, SCAN_TYPES)
        idlen(_R.SOURCE_TYPE, SOURCE_TYPES)
        idlen(_R.SOURCE_APPLICATION, SOURCE_APPLICATIONS)
        idlen(_R.SOURCE_DETECTOR, SOURCE_DETECTORS)
        for ident, (name, description, policy_uuid, revision) in fc.correlation_policies.items():
            add(_R.CORRELATION_POLICY, {
                "id": ident, "nameLength": _length(name), "name": name,
                "descriptionLength": _length(description), "description": description,
                "uuid": policy_uuid, "revisionUuid": revision,
            })  # fmt: skip
        for rule in fc.correlation_rules:
            add(_R.CORRELATION_RULE, {
                "id": rule.rule_id, "nameLength": _length(rule.name), "name": rule.name,
                "descriptionLength": _length(rule.description), "description": rule.description,
                "eventTypeLength": _length(rule.event_type), "eventType": rule.event_type,
                "correlationRuleUuid": rule.uuid, "correlationRevisionUuid": rule.revision,
                "whitelistUuid": rule.whitelist,
            })  # fmt: skip
        for data_type, (name, encoding) in EXTRA_DATA_TYPES.items():
            add(_R.INTRUSION_EVENT_EXTRA_DATA_METADATA,
                {"blockType": 5, "type": data_type, "name": name, "encoding": encoding})
        uuid_name(_R.CISCO_AMP_CLOUD_NAME, dict([fc.amp_cloud]))
        idlen(_R.MALWARE_EVENT_TYPE, AMP_EVENT_TYPES)
        idlen(_R.MALWARE_EVENT_SUBTYPE, AMP_EVENT_SUBTYPES)
        idlen(_R.AMP_FOR_ENDPOINTS_DETECTOR_TYPE, AMP_DETECTORS)
        idlen(_R.AMP_FOR_ENDPOINTS_FILE_TYPE, {v: k for k, v in FILE_TYPES.items()})
        uuid_name(_R.SECURITY_CONTEXT_NAME, fc.security_contexts, block=False)
        for gid, sid, revision, classification, _priority, message, _request in SIGNATURES:
            class_name = next(c[2] for c in CLASSIFICATIONS if c[0] == classification)
            add(_R.RULE_DOCUMENTATION, {
                "blockType": 27, "signatureId": sid, "generatorId": gid, "revision": revision,
                "summary": message, "impact": class_name,
                "detail": f"This event is generated when {message.lower()} is detected.",
                "affectedSystems": "Web servers and the hosts behind them",
                "attackScenarios": "An attacker sends a crafted request.",
                "easeOfAttack": "Simple", "falsePositives": "None known",
                "falseNegatives": "None known", "correctiveAction": "Apply vendor patches.",
                "contributors": "Cisco Talos", "additionalReferences": "",
            })  # fmt: skip
        for device in base.devices:
            policy_uuid, name = fc.prefilter_policies[device.device_id]
            add(_R.PREFILTER_POLICY, {"blockType": 64, "uuid": policy_uuid,
                                      "sensorId": device.device_id, "name": name})
            rule_uuid, rule_name = fc.tunnel_rules[device.device_id]
            add(_R.TUNNEL_OR_PREFILTER_RULE, {"blockType": 64, "uuid": rule_uuid,
                                              "sensorId": device.device_id, "name": rule_name})
        for ident, (category, event_type) in IOC_NAMES.items():
            add(_R.IOC_NAME, {"blockType": 39, "id": ident, "category": category,
                              "eventType": event_type})
        for (protocol, icmp_type), description in ICMP_TYPES.items():
            add(_R.ICMP_TYPE, {"blockType": 19, "type": icmp_type, "protocol": protocol,
                               "description": description})
        for (protocol, icmp_type, code), description in ICMP_CODES.items():
            add(_R.ICMP_CODE, {"blockType": 20, "code": code, "type": icmp_type,
                               "protocol": protocol, "description": description})
        for revision in sorted(base.policies, key=base.policies.__getitem__):
            for ident, name in SI_CATEGORIES.items():
                add(_R.SECURITY_INTELLIGENCE_CATEGORY_DISCOVERY,
                    {"blockType": 22, "id": ident, "accessControlPolicyUuid": revision,
                     "name": name})
        idlen(_R.SECURITY_INTELLIGENCE_SOURCE_DESTINATION, SI_SOURCE_DESTINATION)
        uuid_name(_R.SECURITY_INTELLIGENCE_CATEGORY,
                  {fc.si_uuids[ident]: name for ident, name in SI_CATEGORIES.items()},
                  block=False)
        idlen(_R.REALM, REALMS)
        for ident, (profile, full) in ENDPOINT_PROFILES.items():
            add(_R.ENDPOINT_PROFILE, {"blockType": 58, "id": ident, "profileName": profile,
                                      "fullName": full})
        idlen(_R.SECURITY_GROUP, SECURITY_GROUPS)
        for record_type, table in ((_R.DNS_RECORD_TYPE, DNS_RECORD_TYPES),
                                   (_R.DNS_RESPONSE_TYPE, DNS_RESPONSE_TYPES)):
            for ident, (name, description) in table.items():
                add(record_type, {"blockType": 61, "id": ident, "name": name,
                                  "description": description})
        uuid_name(_R.SINKHOLE, dict([fc.sinkhole]))
        idlen(_R.NETMAP_DOMAIN, fc.netmap_domains)
        idlen(_R.FILE_TYPE_ID, {v: k for k, v in FILE_TYPES.items()})
        for sample in (*fc.clean_files, *fc.malware_files, *fc.parents):
            add(_R.FILE_EVENT_SHA_HASH, {"blockType": 40, "shaHash": sample.sha256,
                                         "fileName": sample.name,
                                         "disposition": sample.disposition, "userDefined": 0})
        idlen(_R.FILELOG_STORAGE, FILE_STORAGE_STATUSES)
        idlen(_R.FILELOG_SANDBOX, FILE_SANDBOX_STATUSES)
        idlen(_R.FILELOG_SPERO, FILE_DISPOSITIONS)
        idlen(_R.FILELOG_ARCHIVE, FILE_ARCHIVE_STATUSES)
        idlen(_R.FILELOG_STATIC_ANALYSIS, FILE_STATIC_ANALYSIS_STATUSES)
        uuid_name(_R.FILE_POLICY_NAME, fc.file_policies)
        add(_R.SSL_POLICY_NAME, {"uuid": fc.ssl_policy, "name": "Corporate Decryption Policy"})
        for ident, name in SSL_RULES.items():
            add(_R.SSL_RULE_ID, {"revision": _hex(fc.ssl_policy), "id": ident, "name": name})
        idlen(_R.SSL_CIPHER_SUITE, SSL_CIPHER_SUITES)
        idlen(_R.SSL_VERSION, SSL_VERSIONS)
        idlen(_R.SSL_SERVER_CERTIFICATE_STATUS, SSL_CERTIFICATE_STATUSES)
        idlen(_R.SSL_ACTUAL_ACTION, SSL_ACTIONS)
        idlen(_R.SSL_EXPECTED_ACTION, SSL_ACTIONS)
        idlen(_R.SSL_FLOW_STATUS, SSL_FLOW_STATUSES)
        idlen(_R.SSL_URL_CATEGORY, URL_CATEGORIES)
        for certificate in fc.certificates.values():
            add(_R.SSL_CERTIFICATE_DETAILS, {
                "blockType": 50, "fingerprintSha": certificate.fingerprint,
                "publicKeySha": certificate.public_key_sha, "serialNumber": certificate.serial,
                "serialNumberLength": 16, "subjectCn": certificate.subject_cn,
                "subjectOrganization": certificate.subject_organization, "subjectOu": "",
                "subjectCountry": "US" if certificate.subject_organization else "",
                "issuerCn": certificate.issuer_cn,
                "issuerOrganization": certificate.issuer_organization, "issuerOu": "",
                "issuerCountry": "US" if certificate.issuer_organization else "",
                "validStartDate": certificate.valid_from,
                "validFinishDate": certificate.valid_until,
            })  # fmt: skip
        uuid_name(_R.NETWORK_ANALYSIS_POLICY, fc.nap_policies)
        return out
