"""Seeded, realistic Firepower traffic for the simulator: metadata records and events.

``TrafficGenerator(seed, mix=...)`` builds a small network (``catalog.Catalog``) from a
``random.Random(seed)`` (managed devices, zones, interfaces, access-control policies and
rules, applications, users, URL categories, intrusion rules) and then produces, on demand,
a timeline of events, plus the metadata records (§6) that name every ID those events use.
The value 0 means "none" (no user, no URL category, no rule reason, no country for private
addresses …) and is not named, as on a real FMC.

Two mixes (``MIXES``):

* ``"classic"`` (the default; unchanged since the first simulator, byte for byte):
  connection events (record 71, block 163), allowed and blocked, IPv4 and some IPv6; and
  intrusion incidents: an intrusion event (record 400, block 60) of any priority with
  impact flags, its packet (record 2: an Ethernet/IPv4-or-IPv6/TCP frame carrying an HTTP
  request) and the connection event of the connection it happened in (record 71 with
  ``intrusionEventCount`` 1, blocked when the intrusion was blocked).
* ``"full"``: every event record type the decoder supports (69 types) and every metadata
  record type (74 types, 408 records), built by ``full_mix.FullMix`` on the same network
  extended by ``full_catalog.FullCatalog`` (host profiles, files and SHA-256 hashes,
  SSL, security intelligence, correlation policies, IOCs …).  The classic metadata comes
  first, unchanged.

The default full mix, seed 1, 10,000 events (``full_mix.INCIDENT_WEIGHTS`` and the
schedules there decide it; connections dominate as on a real FMC):

===========================================  =======  ======================================
record types                                 share    count at 10,000 events (seed 1)
===========================================  =======  ======================================
71 connection                                60.4 %   6044
400 intrusion / 2 packet                     5.4 %    268 / 268
110 intrusion extra data                     4.5 %    446
9 impact alert                               1.1 %    105
112 correlation                              0.8 %    77
500 file / 502 file malware                  3.6 %    318 / 39
125 malware (network and AMP for Endpoints)  1.1 %    108
73 connection chunk                          2.5 %    252
95 / 94 / 93 / 92 user (RUA)                 5.3 %    429 / 64 / 21 / 11
170 / 171 VPN login / logoff                 0.9 %    43 / 43
160 IOC set                                  0.5 %    50
16 / 15 / 107 / 11 / 10 / 17 discovery       6.8 %    189 / 135 / 108 / 81 / 81 / 81
51 / 35 / 19 / 12 / 101 / 18 / 25            3.3 %    54 / 54 / 54 / 41 / 41 / 41 / 40
52 / 53 / 22 / 23 / 26 / 29 / 42 / 45        2.2 %    27 each
13 / 14 / 24 / 27 / 28 / 20 / 34             1.0 %    14 / 14 / 14 / 14 / 14 / 13 / 13
102 / 103 / 21 / 44 / 31                     0.5 %    13 / 13 / 7 / 7 / 7
74–89, 46–48 user input (19 types)           0.6 %    3 each (47, 48: 2)
===========================================  =======  ======================================

Same seed, same mix and same ``start_time`` → the same records, field for field and byte
for byte.  Event identities (for counting loss and duplicates) are documented in
``records.py`` (``event_identity``); they are unique within a stream.

Archive timestamps never decrease along the timeline and advance by about one second per
``events_per_second`` events (exponential gaps), so several events share each second —
exactly what a resume from a bookmark second has to cope with.  Metadata records carry
archive timestamp 0.
"""

from __future__ import annotations

import ipaddress
import random
from collections import deque
from typing import TYPE_CHECKING, Any

from cef_connector.estreamer import RecordType
from cef_connector.simulator.catalog import (
    APP_PROTOCOLS,
    CLASSIFICATIONS,
    CLIENT_APPS,
    CLIENT_FOR_AGENT,
    COUNTRIES,
    PRIORITIES,
    RULE_ACTION_NAMES,
    RULE_REASON_NAMES,
    SIGNATURES,
    SITES,
    URL_CATEGORIES,
    URL_REPUTATIONS,
    USER_AGENTS,
    USER_PROTOCOL_LDAP,
    WEB_APPS,
    Catalog,
    Device,
    Host,
    IpProtocol,
    Rule,
    RuleAction,
    RuleReason,
)
from cef_connector.simulator.frames import TcpFlag, build_frame
from cef_connector.simulator.records import EventIdentity, SimRecord, event_identity

if TYPE_CHECKING:
    from cef_connector.simulator.full_catalog import FullCatalog

__all__ = [
    "MIXES",
    "EventIdentity",
    "SimRecord",
    "TrafficGenerator",
    "event_identity",
]

#: The traffic mixes ``TrafficGenerator`` produces (see the module docstring).
MIXES = ("classic", "full")

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
#: Discovery header event type / subtype of a connection event (§4.6).
CONNECTION_EVENT_TYPE = 1003
CONNECTION_EVENT_SUBTYPE = 1
#: Block numbers written in ``blockType`` (record 71: series 1; record 400: series 2).
CONNECTION_BLOCK = 163
INTRUSION_BLOCK = 60
#: libpcap link type of Ethernet (§5.4).
LINKTYPE_ETHERNET = 1


class TrafficGenerator:
    """Deterministic source of metadata and event records.

    Args:
        seed: seeds the ``random.Random`` that decides everything.
        start_time: UNIX second of the first event's archive timestamp.
        events_per_second: mean event rate of the timeline (archive timestamps).
        ipv6_share: fraction of connections between IPv6 hosts.
        intrusion_share: fraction of incidents that are intrusion incidents (classic mix;
            the full mix has its own table, ``full_mix.INCIDENT_WEIGHTS``).
        blocked_share: fraction of plain connections hitting a blocking rule.
        mix: ``"classic"`` (records 71, 400 and 2 only; the default, unchanged since the
            first simulator) or ``"full"`` (every event record type, in the proportions of
            the module docstring, and every metadata record type).

    Raises:
        ValueError: ``events_per_second`` is not positive or ``mix`` is not in ``MIXES``.
    """

    def __init__(
        self,
        seed: int,
        start_time: int = 1_700_000_000,
        events_per_second: float = 5.0,
        ipv6_share: float = 0.15,
        intrusion_share: float = 0.3,
        blocked_share: float = 0.25,
        mix: str = "classic",
    ) -> None:
        if events_per_second <= 0:
            raise ValueError("events_per_second must be positive")
        if mix not in MIXES:
            raise ValueError(f"mix must be one of {', '.join(MIXES)}, not {mix!r}")
        self._rng = random.Random(seed)
        self.catalog = Catalog.build(self._rng)
        self._rate = events_per_second
        self._ipv6_share = ipv6_share
        self._intrusion_share = intrusion_share
        self._blocked_share = blocked_share
        self._clock_us = start_time * 1_000_000
        self._event_id = self._rng.randrange(10_000, 20_000)
        self._counters: dict[tuple[int, int], int] = {}
        self._metadata = tuple(self._build_metadata())
        self.mix = mix
        #: What the full mix adds to ``catalog`` (None in the classic mix).
        self.full_catalog: FullCatalog | None = None
        # Records of an incident not yet handed out by ``events`` (full mix only).
        self._pending: deque[SimRecord] = deque()
        if mix == "full":
            from cef_connector.simulator.full_mix import FullMix

            self._full = FullMix(self)
            self.full_catalog = self._full.catalog
            self._metadata = self._metadata + self._full.metadata_records()

    # ------------------------------------------------------------------ public

    @property
    def current_second(self) -> int:
        """The archive second the next event will carry (at least)."""
        return self._clock_us // 1_000_000

    def advance_to(self, unix_second: int) -> None:
        """Move the timeline forward to ``unix_second`` (never backwards).

        In the full mix, the records of an incident already begun (left over by the last
        ``events`` call) keep their times and come first.

        Args:
            unix_second: the earliest archive second of the next event.
        """
        self._clock_us = max(self._clock_us, unix_second * 1_000_000)

    def metadata_records(self) -> tuple[SimRecord, ...]:
        """Every metadata record, naming all IDs the events use (same on every call)."""
        return self._metadata

    def events(self, count: int) -> list[SimRecord]:
        """The next ``count`` event records of the timeline.

        In the classic mix an intrusion incident (3 records: 400, 2, 71) is started only
        when all three fit.  In the full mix incidents are cut between calls: the records
        of an incident that do not fit come first in the next call, so ``events(a)`` then
        ``events(b)`` give the same records as ``events(a + b)``.

        Args:
            count: number of records.

        Returns:
            Records in timeline order; archive timestamps never decrease.
        """
        out: list[SimRecord] = []
        if self.mix == "full":
            pending = self._pending
            while len(out) < count:
                if not pending:
                    pending.extend(self._full.incident())
                out.append(pending.popleft())
            return out
        while len(out) < count:
            left = count - len(out)
            if left >= 3 and self._rng.random() < self._intrusion_share:
                out.extend(self._intrusion_incident())
            else:
                out.append(self._connection_incident())
        return out

    # ------------------------------------------------------------------ metadata

    def _build_metadata(self) -> list[SimRecord]:
        c = self.catalog
        R = RecordType
        records: list[SimRecord] = []

        def add(record_type: int, fields: dict[str, Any]) -> None:
            records.append(SimRecord(int(record_type), fields, 0, True, None))

        def idlen(record_type: int, ident: int, name: str) -> None:
            add(record_type, {"id": ident, "nameLength": _utf8_len(name), "name": name})

        for device in c.devices:
            idlen(R.MANAGED_DEVICE, device.device_id, device.name)
        for name, zone_uuid in c.zones.items():
            add(R.SECURITY_ZONE_NAME, {"blockType": 14, "uuid": zone_uuid, "name": name})
        for interface_uuid, name in c.interfaces.items():
            add(R.INTERFACE_NAME, {"blockType": 14, "uuid": interface_uuid, "name": name})
        for device in c.devices:
            add(
                R.ACCESS_CONTROL_POLICY,
                {
                    "blockType": 64,
                    "uuid": device.policy_revision,
                    "sensorId": device.device_id,
                    "name": c.policies[device.policy_revision],
                },
            )
        for rule in c.rules:
            add(
                R.ACCESS_CONTROL_RULE_ID,
                {
                    "blockType": 15,
                    "revisionUuid": rule.policy_revision,
                    "ruleId": rule.rule_id,
                    "name": rule.name,
                },
            )
        for action, name in RULE_ACTION_NAMES.items():
            idlen(R.ACCESS_CONTROL_RULE_ACTION, int(action), name)
        for reason, name in RULE_REASON_NAMES.items():
            add(
                R.ACCESS_CONTROL_POLICY_RULE_REASON,
                {"blockType": 59, "id": int(reason), "description": name},
            )
        for name, ident in APP_PROTOCOLS.items():
            idlen(R.SERVER, ident, name)
        for name, ident in CLIENT_APPS.items():
            idlen(R.CLIENT_APPLICATION, ident, name)
        for name, ident in WEB_APPS.items():
            idlen(R.WEB_APPLICATION, ident, name)
        for ident, name in c.users.items():
            add(
                R.RUA_USER,
                {"blockType": 57, "id": ident, "protocol": USER_PROTOCOL_LDAP, "name": name},
            )
        for gid, sid, revision, _cls, _prio, message, _request in SIGNATURES:
            rule_uuid, rule_revision_uuid = c.rule_uuids[(gid, sid)]
            add(
                R.RULE_MESSAGE,
                {
                    "generatorId": gid,
                    "ruleId": sid,
                    "ruleRevision": revision,
                    "signatureId": sid,
                    "messageLength": _utf8_len(message),
                    "ruleUuid": rule_uuid,
                    "ruleRevisionUuid": rule_revision_uuid,
                    "message": message,
                },
            )
        for ident, name, description in CLASSIFICATIONS:
            class_uuid, class_revision = c.classification_uuids[ident]
            add(
                R.CLASSIFICATION,
                {
                    "id": ident,
                    "nameLength": _utf8_len(name),
                    "name": name,
                    "descriptionLength": _utf8_len(description),
                    "description": description,
                    "uuid": class_uuid,
                    "revisionUuid": class_revision,
                },
            )
        for ident, name in PRIORITIES.items():
            add(R.PRIORITY, {"id": ident, "nameLength": _utf8_len(name), "name": name})
        for ident, name in URL_CATEGORIES.items():
            idlen(R.URL_CATEGORY, ident, name)
        for ident, name in URL_REPUTATIONS.items():
            idlen(R.URL_REPUTATION, ident, name)
        for policy_uuid, name in c.intrusion_policies.items():
            add(R.INTRUSION_POLICY_NAME, {"blockType": 14, "uuid": policy_uuid, "name": name})
        for code, name in COUNTRIES.items():
            add(R.GEOLOCATION, {"blockType": 28, "countryCode": code, "country": name})
        return records

    # ------------------------------------------------------------------ timeline

    def _tick(self) -> tuple[int, int]:
        """Advance the archive clock by one event gap; return (second, microsecond)."""
        gap = max(1, int(self._rng.expovariate(self._rate) * 1_000_000))
        self._clock_us += gap
        return divmod(self._clock_us, 1_000_000)

    def _next_counter(self, device: Device, instance: int) -> int:
        key = (device.device_id, instance)
        value = self._counters.get(key, self._rng.randrange(1, 5000))
        self._counters[key] = (value + 1) % 65536
        return value

    def _pick_endpoints(self, ipv6: bool) -> tuple[Host, Host]:
        rng = self._rng
        c = self.catalog
        if ipv6:
            return rng.choice(c.internal_v6), rng.choice(c.external_v6)
        return rng.choice(c.internal_v4), rng.choice(c.external_v4)

    def _connection_incident(self) -> SimRecord:
        rng = self._rng
        device = rng.choice(self.catalog.devices)
        rules = [r for r in self.catalog.rules if r.policy_revision == device.policy_revision]
        blocking = [r for r in rules if r.action in (RuleAction.BLOCK, RuleAction.BLOCK_WITH_RESET)]
        passing = [r for r in rules if r not in blocking]
        rule = rng.choice(blocking if rng.random() < self._blocked_share else passing)
        ipv6 = rng.random() < self._ipv6_share
        initiator, responder = self._pick_endpoints(ipv6)
        second, micro = self._tick()
        return self._connection_record(
            device, rule, initiator, responder, second, micro, intrusion_count=0
        )

    def _connection_record(
        self,
        device: Device,
        rule: Rule,
        initiator: Host,
        responder: Host,
        archive_second: int,
        micro: int,
        *,
        intrusion_count: int,
        forced_counter: tuple[int, int, int] | None = None,
        forced_action: tuple[RuleAction, int] | None = None,
        ports: tuple[int, int] | None = None,
        inbound: bool = False,
        user_id: int | None = None,
        apps: tuple[int, int] | None = None,
    ) -> SimRecord:
        rng = self._rng
        action, reason = forced_action or (rule.action, rule.reason)
        blocked = action in (RuleAction.BLOCK, RuleAction.BLOCK_WITH_RESET)
        site, web_app, category, reputation = rng.choice(SITES)
        if rule.reason == RuleReason.URL_BLOCK:
            site, web_app, category, reputation = rng.choice(
                [s for s in SITES if s[2] in (2, 4)]
            )
        agent_index = rng.randrange(len(USER_AGENTS))
        is_web = rule.app_protocol in ("HTTP", "HTTPS")
        is_dns = rule.app_protocol == "DNS"
        if forced_counter is not None:
            first, instance, counter = forced_counter
        else:
            instance = rng.randrange(1, device.instances + 1)
            counter = self._next_counter(device, instance)
            first = archive_second - rng.randrange(0, 3) - (0 if blocked else rng.randrange(0, 60))
        event_second = archive_second - rng.randrange(0, 2)
        last = max(first, event_second)
        if blocked:
            packets_out, packets_in = rng.randrange(1, 4), 0
            bytes_out, bytes_in = packets_out * rng.randrange(60, 600), 0
        else:
            packets_out, packets_in = rng.randrange(3, 400), rng.randrange(3, 900)
            bytes_out = packets_out * rng.randrange(60, 900)
            bytes_in = packets_in * rng.randrange(200, 1460)
        if rule.protocol == IpProtocol.TCP:
            tcp_flags = TcpFlag.SYN if blocked else (
                TcpFlag.SYN | TcpFlag.ACK | TcpFlag.PSH | TcpFlag.FIN
            )
            if action == RuleAction.BLOCK_WITH_RESET:
                tcp_flags |= TcpFlag.RST
        else:
            tcp_flags = 0
        ingress, egress = ("OUTSIDE", "INSIDE") if inbound else ("INSIDE", "OUTSIDE")
        initiator_port, responder_port = ports or (rng.randrange(32768, 61000), rule.port)
        scheme = "https" if rule.app_protocol == "HTTPS" else "http"
        path = rng.choice(("/", "/index.html", "/api/v2/items", "/login", "/search?q=report"))
        ipv6 = ":" in initiator.address
        fields: dict[str, Any] = {
            # discovery header (§4.6)
            "deviceId": device.device_id,
            "legacyIpAddress": "0.0.0.0",
            "macAddress": initiator.mac,
            "hasIpv6": 0 if rng.random() < 0.1 else 1,
            "reserved": 0,
            "eventSecond": event_second,
            "eventMicrosecond": micro,
            "eventType": CONNECTION_EVENT_TYPE,
            "eventSubtype": CONNECTION_EVENT_SUBTYPE,
            "fileNumber": f"{rng.getrandbits(32):08x}",
            "filePosition": f"{rng.getrandbits(32):08x}",
            # block 163 (§5.6)
            "blockType": CONNECTION_BLOCK,
            "ingressZone": self.catalog.zones[ingress],
            "egressZone": self.catalog.zones[egress],
            "ingressInterface": device.interfaces[ingress],
            "egressInterface": device.interfaces[egress],
            "initiatorIpAddress": initiator.address,
            "responderIpAddress": responder.address,
            "originalClientIpAddress": "::",
            "policyRevision": rule.policy_revision,
            "ruleId": rule.rule_id,
            "tunnelRuleId": 0,
            "ruleAction": int(action),
            "ruleReason": int(reason),
            "initiatorPort": initiator_port,
            "responderPort": responder_port,
            "tcpFlags": int(tcp_flags),
            "protocol": int(rule.protocol),
            "netflowSource": ZERO_UUID,
            "instanceId": instance,
            "connectionCounter": counter,
            "firstPacketTimestamp": first,
            "lastPacketTimestamp": last,
            "initiatorTransmittedPackets": packets_out,
            "responderTransmittedPackets": packets_in,
            "initiatorTransmittedBytes": bytes_out,
            "responderTransmittedBytes": bytes_in,
            "initiatorPacketsDropped": packets_out if blocked else 0,
            "responderPacketsDropped": 0,
            "initiatorBytesDropped": bytes_out if blocked else 0,
            "responderBytesDropped": 0,
            "qosAppliedInterface": ZERO_UUID,
            "qosRuleId": 0,
            "userId": initiator.user_id if user_id is None else user_id,
            "applicationProtocolId": APP_PROTOCOLS[rule.app_protocol] if apps is None
            else apps[0],
            "urlCategory": category if is_web else 0,
            "urlReputation": reputation if is_web else 0,
            "clientApplicationId": (
                apps[1] if apps is not None
                else CLIENT_APPS[CLIENT_FOR_AGENT[agent_index]] if is_web
                else CLIENT_APPS["DNS client"] if is_dns
                else CLIENT_APPS["Outlook"] if rule.app_protocol == "SMTP"
                else CLIENT_APPS["OpenSSH"]
            ),
            "webApplicationId": WEB_APPS[web_app] if is_web else 0,
            "clientUrl": f"{scheme}://{site}{path}" if is_web else "",
            "netbiosName": f"WS-{int(ipaddress.ip_address(initiator.address)) % 10000:04d}",
            "clientApplicationVersion": "121.0" if is_web else "",
            **{f"monitorRule{n}": 0 for n in range(1, 9)},
            "securityIntelligenceSourceDestination": 0,
            "securityIntelligenceLayer": 0,
            "fileEventCount": 0,
            "intrusionEventCount": intrusion_count,
            "initiatorCountry": initiator.country,
            "responderCountry": responder.country,
            "originalClientCountry": 0,
            "iocNumber": 0,
            "sourceAutonomousSystem": initiator.asn,
            "destinationAutonomousSystem": responder.asn,
            "snmpIn": 0,
            "snmpOut": 0,
            "sourceTos": 0,
            "destinationTos": 0,
            "sourceMask": 0,
            "destinationMask": 0,
            "securityContext": ZERO_UUID,
            "vlanId": rng.choice((0, 0, 100, 210)),
            "referencedHost": site if is_web else "",
            "userAgent": USER_AGENTS[agent_index] if is_web else "",
            "httpReferrer": f"https://{rng.choice(SITES)[0]}/" if is_web and rng.random() < 0.4
            else "",
            "sslCertificateFingerprint": "00" * 20,
            "sslPolicyId": ZERO_UUID,
            "sslRuleId": 0,
            "sslCipherSuite": 0,
            "sslVersion": 0,
            "sslServerCertificateStatus": 0,
            "sslActualAction": 0,
            "sslExpectedAction": 0,
            "sslFlowStatus": 0,
            "sslFlowError": 0,
            "sslFlowMessages": 0,
            "sslFlowFlags": 0,
            "sslServerName": site if rule.app_protocol == "HTTPS" else "",
            "sslUrlCategory": 0,
            "sslSessionId": "00" * 32,
            "sslSessionIdLength": 0,
            "sslTicketId": "00" * 20,
            "sslTicketIdLength": 0,
            "networkAnalysisPolicyRevision": ZERO_UUID,
            "endpointProfileId": 0,
            "securityGroupId": 0,
            "locationIpv6": "::",
            "httpResponse": 0 if blocked or not is_web else rng.choice((200, 200, 200, 301, 404)),
            "dnsQuery": site if is_dns else "",
            "dnsRecordType": 0,
            "dnsResponseType": 0,
            "dnsTtl": rng.choice((60, 300, 3600)) if is_dns else 0,
            "sinkholeUuid": ZERO_UUID,
            "securityIntelligenceList1": 0,
            "securityIntelligenceList2": 0,
        }
        if fields["hasIpv6"]:
            fields["ipv6Address"] = initiator.address
        if ipv6:
            fields["netbiosName"] = ""
        record_type = int(RecordType.CONNECTION_STATISTICS)
        return SimRecord(
            record_type, fields, archive_second, False, event_identity(record_type, fields)
        )

    def _intrusion_incident(self) -> list[SimRecord]:
        rng = self._rng
        c = self.catalog
        device = rng.choice(c.devices)
        web_rules = [
            r for r in c.rules
            if r.policy_revision == device.policy_revision and r.app_protocol == "HTTP"
            and r.action == RuleAction.ALLOW
        ]  # fmt: skip
        rule = web_rules[0]
        gid, sid, revision, classification, priority, _message, request = rng.choice(SIGNATURES)
        ipv6 = rng.random() < self._ipv6_share
        inbound = rng.random() < 0.5
        inside, outside = self._pick_endpoints(ipv6)
        source, destination = (outside, inside) if inbound else (inside, outside)
        second, micro = self._tick()
        event_second = second - rng.randrange(0, 3)
        impact_flags, impact = rng.choice(((0b00011000, 1), (0b00000111, 2), (0b00000011, 3),
                                           (0b00000001, 4), (0, 0)))  # fmt: skip
        blocked = 1 if priority == 1 and rng.random() < 0.6 else 0
        instance = rng.randrange(1, device.instances + 1)
        counter = self._next_counter(device, instance)
        connection_first = event_second - rng.randrange(0, 5)
        source_port = rng.randrange(32768, 61000)
        destination_port = rng.choice((80, 8080))
        self._event_id = (self._event_id + 1) % (1 << 32)
        event_id = self._event_id
        site = rng.choice(SITES)[0]
        payload = (
            f"{request}\r\nHost: {site}\r\nUser-Agent: {rng.choice(USER_AGENTS)}\r\n"
            "Accept: */*\r\nConnection: keep-alive\r\n\r\n"
        ).encode("ascii")
        intrusion_policy = rng.choice(sorted(c.intrusion_policies))
        ingress, egress = ("OUTSIDE", "INSIDE") if inbound else ("INSIDE", "OUTSIDE")
        intrusion_fields: dict[str, Any] = {
            "blockType": INTRUSION_BLOCK,
            "deviceId": device.device_id,
            "eventId": event_id,
            "eventSecond": event_second,
            "eventMicrosecond": micro,
            "ruleId": sid,
            "generatorId": gid,
            "ruleRevision": revision,
            "classificationId": classification,
            "priorityId": priority,
            "sourceIpAddress": source.address,
            "destinationIpAddress": destination.address,
            "sourcePortOrIcmpType": source_port,
            "destinationPortOrIcmpCode": destination_port,
            "ipProtocolId": int(IpProtocol.TCP),
            "impactFlags": impact_flags,
            "impact": impact,
            "blocked": blocked,
            "mplsLabel": 0,
            "vlanId": 0,
            "pad": 0,
            "intrusionPolicyUuid": intrusion_policy,
            "userId": inside.user_id,
            "webApplicationId": WEB_APPS[rng.choice(SITES)[1]],
            "clientApplicationId": CLIENT_APPS[rng.choice(CLIENT_FOR_AGENT)],
            "applicationProtocolId": APP_PROTOCOLS["HTTP"],
            "accessControlRuleId": rule.rule_id,
            "accessControlPolicyUuid": device.policy_revision,
            "interfaceIngressUuid": device.interfaces[ingress],
            "interfaceEgressUuid": device.interfaces[egress],
            "securityZoneIngressUuid": c.zones[ingress],
            "securityZoneEgressUuid": c.zones[egress],
            "connectionTimestamp": connection_first,
            "connectionInstanceId": instance,
            "connectionCounter": counter,
            "sourceCountry": source.country,
            "destinationCountry": destination.country,
            "iocNumber": 0,
            "securityContext": "00" * 16,
            "sslCertificateFingerprint": "00" * 20,
            "sslActualAction": 0,
            "sslFlowStatus": 0,
            "networkAnalysisPolicyUuid": ZERO_UUID,
            "httpResponse": 0 if blocked else rng.choice((200, 403, 404, 500)),
        }
        frame = build_frame(
            rng,
            source_mac=source.mac,
            destination_mac=destination.mac,
            source=source.address,
            destination=destination.address,
            source_port=source_port,
            destination_port=destination_port,
            payload=payload,
        )
        packet_fields: dict[str, Any] = {
            "deviceId": device.device_id,
            "eventId": event_id,
            "eventSecond": event_second,
            "packetSecond": event_second,
            "packetMicrosecond": micro,
            "linkType": LINKTYPE_ETHERNET,
            "packetLength": len(frame),
            "packetData": frame,
        }
        intrusion = SimRecord(
            int(RecordType.INTRUSION_EVENT),
            intrusion_fields,
            second,
            False,
            event_identity(RecordType.INTRUSION_EVENT, intrusion_fields),
        )
        packet = SimRecord(
            int(RecordType.PACKET),
            packet_fields,
            second,
            False,
            event_identity(RecordType.PACKET, packet_fields),
        )
        end_second, end_micro = self._tick()
        forced_action = (
            (RuleAction.BLOCK, int(RuleReason.INTRUSION_BLOCK)) if blocked
            else (rule.action, int(RuleReason.INTRUSION_MONITOR))
        )  # fmt: skip
        connection = self._connection_record(
            device,
            rule,
            source,
            destination,
            end_second,
            end_micro,
            intrusion_count=1,
            forced_counter=(connection_first, instance, counter),
            forced_action=forced_action,
            ports=(source_port, destination_port),
            inbound=inbound,
            user_id=inside.user_id,
        )
        return [intrusion, packet, connection]


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))

