"""The simulated network: the devices, policies, rules, applications, users and names.

Everything an event can refer to lives in a ``Catalog`` built from a seeded
``random.Random`` (UUIDs, addresses, which policy each device runs), plus the fixed name
tables below.  The metadata records the simulator sends are made from these tables, so
every ID an event uses has a name.  The numeric values are the simulator's own; a real FMC
sends its own numbers and names in the same records.
"""

from __future__ import annotations

import ipaddress
import random
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "APP_PROTOCOLS",
    "CLASSIFICATIONS",
    "CLIENT_APPS",
    "CLIENT_FOR_AGENT",
    "COUNTRIES",
    "Catalog",
    "Device",
    "Host",
    "IpProtocol",
    "PRIORITIES",
    "RULE_ACTION_NAMES",
    "RULE_REASON_NAMES",
    "Rule",
    "RuleAction",
    "RuleReason",
    "SIGNATURES",
    "SITES",
    "URL_CATEGORIES",
    "URL_REPUTATIONS",
    "USER_AGENTS",
    "USER_PROTOCOL_LDAP",
    "WEB_APPS",
]


class IpProtocol(IntEnum):
    """IANA protocol numbers the generator uses."""

    ICMP = 1
    TCP = 6
    UDP = 17
    ICMPV6 = 58


class RuleAction(IntEnum):
    """Rule action ids the simulator uses; their names travel in record 120."""

    ALLOW = 1
    BLOCK = 2
    BLOCK_WITH_RESET = 3
    TRUST = 4
    MONITOR = 5


RULE_ACTION_NAMES: Mapping[int, str] = {
    RuleAction.ALLOW: "Allow",
    RuleAction.BLOCK: "Block",
    RuleAction.BLOCK_WITH_RESET: "Block with reset",
    RuleAction.TRUST: "Trust",
    RuleAction.MONITOR: "Monitor",
}


class RuleReason(IntEnum):
    """Rule reason ids the simulator uses; their descriptions travel in record 124."""

    IP_BLOCK = 1
    URL_BLOCK = 2
    INTRUSION_BLOCK = 64
    INTRUSION_MONITOR = 32


RULE_REASON_NAMES: Mapping[int, str] = {
    RuleReason.IP_BLOCK: "IP Block",
    RuleReason.URL_BLOCK: "URL Block",
    RuleReason.INTRUSION_MONITOR: "Intrusion Monitor",
    RuleReason.INTRUSION_BLOCK: "Intrusion Block",
}

DEVICE_NAMES = ("ftd-hq-edge-01", "ftd-branch-02", "ftd-dc-core-03")
ZONES = ("INSIDE", "OUTSIDE", "DMZ", "GUEST")
INTERFACE_NAMES = {
    "OUTSIDE": "GigabitEthernet0/0",
    "INSIDE": "GigabitEthernet0/1",
    "DMZ": "GigabitEthernet0/2",
    "GUEST": "GigabitEthernet0/3",
}
POLICIES = ("Corporate Edge Policy", "Data Center Policy")
#: (name, action, reason when blocking, application protocol, port, protocol)
RULES: tuple[tuple[str, RuleAction, int, str, int, IpProtocol], ...] = (
    ("Allow-Web", RuleAction.ALLOW, 0, "HTTP", 80, IpProtocol.TCP),
    ("Allow-Outbound-HTTPS", RuleAction.ALLOW, 0, "HTTPS", 443, IpProtocol.TCP),
    ("Allow-DNS", RuleAction.TRUST, 0, "DNS", 53, IpProtocol.UDP),
    ("Allow-Mail-Relay", RuleAction.ALLOW, 0, "SMTP", 25, IpProtocol.TCP),
    ("Monitor-SSH-Admin", RuleAction.MONITOR, 0, "SSH", 22, IpProtocol.TCP),
    ("Block-Social-Media", RuleAction.BLOCK, RuleReason.URL_BLOCK, "HTTPS", 443, IpProtocol.TCP),
    ("Block-High-Risk-URLs", RuleAction.BLOCK_WITH_RESET, RuleReason.URL_BLOCK, "HTTP", 80,
     IpProtocol.TCP),
    ("Block-Known-Bad-IPs", RuleAction.BLOCK, RuleReason.IP_BLOCK, "HTTPS", 443, IpProtocol.TCP),
)  # fmt: skip
RULE_ID_BASE = 268435457
APP_PROTOCOLS = {"HTTP": 676, "HTTPS": 1122, "DNS": 617, "SMTP": 847, "SSH": 1001}
CLIENT_APPS = {"Firefox": 638, "Chrome": 2002, "Edge": 3047, "curl": 1296, "Outlook": 1400,
                "DNS client": 1580, "OpenSSH": 1002}  # fmt: skip
WEB_APPS = {"Facebook": 629, "YouTube": 1142, "Office 365": 3214, "GitHub": 2145,
             "Wikipedia": 1203, "Google": 1053}  # fmt: skip
USERS = ("alice.martin", "bob.nguyen", "carol.schmidt", "dave.okafor", "erin.rossi",
          "frank.tanaka", "grace.dubois", "heidi.kowalski")  # fmt: skip
USER_PROTOCOL_LDAP = 710
URL_CATEGORIES = {1: "Computers and Internet", 2: "Social Networking", 3: "News and Media",
                   4: "Malware Sites", 5: "Streaming Media", 6: "Search Engines",
                   7: "Business and Economy"}  # fmt: skip
URL_REPUTATIONS = {1: "High risk", 2: "Suspicious sites", 3: "Benign sites with security risks",
                    4: "Benign sites", 5: "Well known"}  # fmt: skip
PRIORITIES = {1: "high", 2: "medium", 3: "low", 4: "very low"}
#: (id, name, description) of record 67.
CLASSIFICATIONS = (
    (1, "attempted-admin", "Attempted Administrator Privilege Gain"),
    (2, "web-application-attack", "Web Application Attack"),
    (3, "trojan-activity", "A Network Trojan was Detected"),
    (4, "policy-violation", "Potential Corporate Privacy Violation"),
    (5, "attempted-recon", "Attempted Information Leak"),
)
#: (generatorId, ruleId, revision, classificationId, priority, message, HTTP request line)
SIGNATURES = (
    (1, 1000101, 4, 1, 1, "SERVER-APACHE Apache Struts OGNL remote code execution attempt",
     "GET /struts2-showcase/%25%7B%28%23_memberAccess%29%7D.action HTTP/1.1"),
    (1, 1000102, 2, 2, 1, "SQL union select injection attempt in URI",
     "GET /catalog/item.php?id=1%20UNION%20SELECT%20username,password%20FROM%20users HTTP/1.1"),
    (1, 1000103, 7, 3, 1, "MALWARE-CNC Win.Trojan.Agent outbound beacon",
     "POST /gate.php?bot=7f3a9c HTTP/1.1"),
    (1, 1000104, 3, 2, 2, "SERVER-WEBAPP directory traversal attempt",
     "GET /cgi-bin/../../../../etc/passwd HTTP/1.1"),
    (1, 1000105, 1, 4, 2, "POLICY-OTHER cleartext password in HTTP request",
     "POST /login?user=admin&password=Winter2024 HTTP/1.1"),
    (1, 1000106, 5, 5, 3, "SERVER-WEBAPP phpinfo access attempt",
     "GET /phpinfo.php HTTP/1.1"),
    (1, 1000107, 2, 5, 4, "INDICATOR-SCAN HTTP scanner user-agent detected",
     "GET /robots.txt HTTP/1.1"),
    (129, 12, 1, 5, 3, "HTTP_INSPECT unknown HTTP method",
     "PROPFIND / HTTP/1.1"),
)  # fmt: skip
INTRUSION_POLICIES = ("Balanced Security and Connectivity", "Security Over Connectivity")
COUNTRIES = {840: "United States", 276: "Germany", 250: "France", 826: "United Kingdom",
              392: "Japan", 124: "Canada", 76: "Brazil", 356: "India", 36: "Australia",
              752: "Sweden"}  # fmt: skip
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "curl/8.4.0",
)
CLIENT_FOR_AGENT = ("Firefox", "Chrome", "Edge", "curl")
#: (host name, web application, URL category, URL reputation)
SITES = (
    ("www.example.com", "Google", 6, 5),
    ("social.example.net", "Facebook", 2, 4),
    ("video.example.org", "YouTube", 5, 4),
    ("outlook.example.com", "Office 365", 7, 5),
    ("code.example.com", "GitHub", 1, 5),
    ("wiki.example.org", "Wikipedia", 3, 5),
    ("update.example-bad.test", "Google", 4, 1),
    ("free-prizes.example.test", "Google", 4, 2),
)


@dataclass(frozen=True)
class Device:
    """A managed device (record 123) with its interfaces per zone and its AC policy."""

    device_id: int
    name: str
    interfaces: Mapping[str, str]  # zone name -> interface uuid
    policy_revision: str
    instances: int


@dataclass(frozen=True)
class Rule:
    """An access-control rule (record 119) of one policy revision."""

    policy_revision: str
    rule_id: int
    name: str
    action: RuleAction
    reason: int
    app_protocol: str
    port: int
    protocol: IpProtocol


@dataclass(frozen=True)
class Host:
    """An endpoint: internal hosts have a user and a MAC, external ones a country."""

    address: str
    mac: str
    user_id: int
    country: int
    asn: int


@dataclass(frozen=True)
class Catalog:
    """Every entity the events refer to; each one is named by a metadata record."""

    devices: tuple[Device, ...]
    zones: Mapping[str, str]  # zone name -> uuid
    interfaces: Mapping[str, str]  # interface uuid -> name
    policies: Mapping[str, str]  # policy revision uuid -> name
    rules: tuple[Rule, ...]
    intrusion_policies: Mapping[str, str]  # uuid -> name
    users: Mapping[int, str]
    internal_v4: tuple[Host, ...]
    internal_v6: tuple[Host, ...]
    external_v4: tuple[Host, ...]
    external_v6: tuple[Host, ...]
    rule_uuids: Mapping[tuple[int, int], tuple[str, str]]  # (gid, sid) -> (uuid, revision)
    classification_uuids: Mapping[int, tuple[str, str]]

    @classmethod
    def build(cls, rng: random.Random) -> Catalog:
        """Create the network from ``rng`` (deterministic for a given state)."""

        def new_uuid() -> str:
            return str(uuidlib.UUID(int=rng.getrandbits(128), version=4))

        zones = {name: new_uuid() for name in ZONES}
        policy_revisions = {name: new_uuid() for name in POLICIES}
        devices: list[Device] = []
        interfaces: dict[str, str] = {}
        for index, name in enumerate(DEVICE_NAMES, start=1):
            per_zone = {}
            for zone in ZONES:
                interface_uuid = new_uuid()
                per_zone[zone] = interface_uuid
                interfaces[interface_uuid] = f"{name}:{INTERFACE_NAMES[zone]}"
            policy = POLICIES[1] if name.startswith("ftd-dc") else POLICIES[0]
            devices.append(
                Device(index, name, per_zone, policy_revisions[policy], rng.choice((2, 4, 8)))
            )
        rules = tuple(
            Rule(revision, RULE_ID_BASE + number, rule_name, action, reason, app, port, proto)
            for revision in policy_revisions.values()
            for number, (rule_name, action, reason, app, port, proto) in enumerate(RULES)
        )
        users = {number: name for number, name in enumerate(USERS, start=1)}
        countries = sorted(COUNTRIES)

        def mac() -> str:
            octets = [0x00, 0x50, 0x56] + [rng.randrange(256) for _ in range(3)]
            return ":".join(f"{octet:02x}" for octet in octets)

        internal_v4 = tuple(
            Host(f"10.{rng.randrange(1, 4)}.{rng.randrange(0, 32)}.{rng.randrange(2, 254)}",
                 mac(), rng.choice(list(users)), 0, 0)
            for _ in range(24)
        )  # fmt: skip
        internal_v6 = tuple(
            Host(str(ipaddress.IPv6Address((0xFD00 << 112) | rng.getrandbits(64))),
                 mac(), rng.choice(list(users)), 0, 0)
            for _ in range(6)
        )  # fmt: skip
        external_nets = ("192.0.2.", "198.51.100.", "203.0.113.")
        external_v4 = tuple(
            Host(rng.choice(external_nets) + str(rng.randrange(1, 255)), mac(), 0,
                 rng.choice(countries), rng.randrange(64496, 64512))
            for _ in range(30)
        )  # fmt: skip
        external_v6 = tuple(
            Host(str(ipaddress.IPv6Address((0x20010DB8 << 96) | rng.getrandbits(64))), mac(), 0,
                 rng.choice(countries), rng.randrange(64496, 64512))
            for _ in range(8)
        )  # fmt: skip
        return cls(
            devices=tuple(devices),
            zones=zones,
            interfaces=interfaces,
            policies={revision: name for name, revision in policy_revisions.items()},
            rules=rules,
            intrusion_policies={new_uuid(): name for name in INTRUSION_POLICIES},
            users=users,
            internal_v4=internal_v4,
            internal_v6=internal_v6,
            external_v4=external_v4,
            external_v6=external_v6,
            rule_uuids={(sig[0], sig[1]): (new_uuid(), new_uuid()) for sig in SIGNATURES},
            classification_uuids={c[0]: (new_uuid(), new_uuid()) for c in CLASSIFICATIONS},
        )
