"""What the full mix adds to the simulated network: host profiles, files, policies and names.

``FullCatalog.build(rng, catalog)`` extends a ``catalog.Catalog`` with everything the
record types beyond connections, intrusions and packets refer to: the profile of every
internal host (operating system, services, client applications, NetBIOS name, VLAN,
criticality, ISE endpoint profile, AMP for Endpoints connector), the files that cross the
network (with SHA-256 hashes and dispositions), SSL decryption policy and server
certificates, security intelligence, correlation policies and rules, IOC names, the
network analysis and file policies, and the fixed name tables of every other metadata
record.  Like ``catalog.py``, the numeric IDs are the simulator's own (a real FMC sends
its own numbers and names in the same records); where a real number exists it is used
(IANA cipher suites and EtherTypes, ICMP types and codes, DNS record and response codes,
Snort extra-data types, the EICAR test file's SHA-256).

The classic mix never builds a ``FullCatalog``, so its stream does not change.
"""

from __future__ import annotations

import ipaddress
import random
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass

from cef_connector.simulator.catalog import (
    RULE_ID_BASE,
    SITES,
    Catalog,
    Device,
    Host,
    IpProtocol,
    Rule,
    RuleAction,
)

__all__ = [
    "AMP_DETECTORS",
    "AMP_EVENT_SUBTYPES",
    "AMP_EVENT_TYPES",
    "ATTRIBUTES",
    "CRITICALITIES",
    "DNS_RECORD_TYPES",
    "DNS_RESPONSE_TYPES",
    "EXTRA_APP_PROTOCOLS",
    "EXTRA_CLIENT_APPS",
    "EXTRA_DATA_TYPES",
    "EXTRA_RULE_ACTION_NAMES",
    "EXTRA_RULE_REASON_NAMES",
    "EXTRA_WEB_APPS",
    "FILE_ACTIONS",
    "FILE_ARCHIVE_STATUSES",
    "FILE_DISPOSITIONS",
    "FILE_SANDBOX_STATUSES",
    "FILE_STATIC_ANALYSIS_STATUSES",
    "FILE_STORAGE_STATUSES",
    "FILE_TYPES",
    "ICMP_CODES",
    "ICMP_TYPES",
    "IOC_NAMES",
    "NETWORK_PROTOCOLS",
    "REALMS",
    "SCAN_TYPES",
    "SECURITY_GROUPS",
    "SI_CATEGORIES",
    "SI_SOURCE_DESTINATION",
    "SOURCE_APPLICATIONS",
    "SOURCE_DETECTORS",
    "SOURCE_TYPES",
    "SSL_ACTIONS",
    "SSL_CERTIFICATE_STATUSES",
    "SSL_CIPHER_SUITES",
    "SSL_FLOW_STATUSES",
    "SSL_VERSIONS",
    "SYSTEM_USERS",
    "Certificate",
    "CorrelationRule",
    "FileSample",
    "FullCatalog",
    "HostProfile",
    "OsFingerprint",
    "Service",
    "Vulnerability",
    "ZERO_UUID",
]

ZERO_UUID = "00000000-0000-0000-0000-000000000000"

# --- fixed name tables --------------------------------------------------------------------

#: Application protocols (63) beyond the classic ones, for the extra rules and services.
EXTRA_APP_PROTOCOLS = {"LDAP": 710, "SMB": 1079, "RDP": 1103, "NTP": 1118, "Kerberos": 1026,
                       "NetBIOS-ns": 1090}  # fmt: skip
#: Client applications (55) beyond the classic ones.
EXTRA_CLIENT_APPS = {"SMB client": 1512, "Remote Desktop Connection": 1620,
                     "LDAP client": 1590, "NTP client": 1633, "Kerberos client": 1588,
                     "ping": 1650, "Safari": 2071}  # fmt: skip
#: Web applications (109) beyond the classic ones (served by internal servers).
EXTRA_WEB_APPS = {"Jira": 3310, "Confluence": 3311, "Grafana": 3402}
#: Rule actions (120) beyond the classic five: the DNS policy's sinkhole action.
EXTRA_RULE_ACTION_NAMES = {6: "DNS Sinkhole"}
#: Rule reasons (124) beyond the classic four.
EXTRA_RULE_REASON_NAMES = {8: "DNS Block", 16: "File Block", 128: "File Monitor",
                           256: "IP Monitor"}  # fmt: skip
REASON_DNS_BLOCK, REASON_FILE_BLOCK, REASON_FILE_MONITOR = 8, 16, 128

#: (name, action, reason, application protocol, port, protocol) of the rules the full mix
#: adds to both access-control policies, numbered after the classic rules.
EXTRA_RULES: tuple[tuple[str, RuleAction, int, str, int, IpProtocol], ...] = (
    ("Allow-ICMP", RuleAction.ALLOW, 0, "", 0, IpProtocol.ICMP),
    ("Allow-ICMPv6", RuleAction.ALLOW, 0, "", 0, IpProtocol.ICMPV6),
    ("Allow-Internal-SMB", RuleAction.ALLOW, 0, "SMB", 445, IpProtocol.TCP),
    ("Allow-RDP-Admin", RuleAction.ALLOW, 0, "RDP", 3389, IpProtocol.TCP),
    ("Allow-LDAP", RuleAction.TRUST, 0, "LDAP", 389, IpProtocol.TCP),
    ("Allow-Kerberos", RuleAction.TRUST, 0, "Kerberos", 88, IpProtocol.UDP),
    ("Allow-NTP", RuleAction.ALLOW, 0, "NTP", 123, IpProtocol.UDP),
)
EXTRA_RULE_ID_BASE = RULE_ID_BASE + 100
#: The client application of each extra rule's traffic.
CLIENT_FOR_APP_PROTOCOL = {"SMB": "SMB client", "RDP": "Remote Desktop Connection",
                           "LDAP": "LDAP client", "Kerberos": "Kerberos client",
                           "NTP": "NTP client", "": "ping"}  # fmt: skip

#: ICMP types (260): (protocol, type) → description (RFC 792, RFC 4443).
ICMP_TYPES = {(1, 0): "Echo Reply", (1, 3): "Destination Unreachable", (1, 8): "Echo Request",
              (1, 11): "Time Exceeded", (58, 1): "Destination Unreachable",
              (58, 128): "Echo Request", (58, 129): "Echo Reply"}  # fmt: skip
#: ICMP codes (270): (protocol, type, code) → description.
ICMP_CODES = {(1, 0, 0): "Echo reply", (1, 8, 0): "Echo request",
              (1, 3, 1): "Host unreachable", (1, 3, 3): "Port unreachable",
              (1, 11, 0): "TTL expired in transit", (58, 1, 4): "Port unreachable",
              (58, 128, 0): "Echo request", (58, 129, 0): "Echo reply"}  # fmt: skip

#: DNS record types (320): id → (name, description), the IANA RR type numbers.
DNS_RECORD_TYPES = {1: ("A", "a host address"), 5: ("CNAME", "the canonical name for an alias"),
                    15: ("MX", "mail exchange"), 16: ("TXT", "text strings"),
                    28: ("AAAA", "IPv6 host address")}  # fmt: skip
#: DNS response codes (321): id → (name, description), the IANA RCODEs.
DNS_RESPONSE_TYPES = {0: ("NOERROR", "No Error"), 2: ("SERVFAIL", "Server Failure"),
                      3: ("NXDOMAIN", "Non-Existent Domain"), 5: ("REFUSED", "Query Refused")}

#: Security intelligence categories (280 per policy revision, 282 by uuid): id → name.
SI_CATEGORIES = {1: "Malware", 2: "Phishing", 3: "CnC", 4: "Tor_exit_node", 5: "Spam",
                 6: "Attackers"}  # fmt: skip
SI_CNC, SI_ATTACKERS, SI_PHISHING, SI_MALWARE = 3, 6, 2, 1
#: Which side of a connection matched an SI list (281).
SI_SOURCE_DESTINATION = {1: "Source", 2: "Destination"}

#: Operating systems (54): (vendor, product, version, mobile device string or "").
OPERATING_SYSTEMS = (
    ("Microsoft", "Windows", "10", ""),
    ("Microsoft", "Windows", "11", ""),
    ("Microsoft", "Windows Server", "2019", ""),
    ("Canonical", "Ubuntu Linux", "22.04", ""),
    ("Apple", "macOS", "14", ""),
    ("Apple", "iOS", "17", "iPhone14,2"),
    ("Google", "Android", "14", "Pixel 8"),
    ("Cisco", "IOS", "15.2", ""),
)
#: Host criticality (58); 0 is "None" (§5.9 notes: 0 none … 3 high).
CRITICALITIES = {0: "None", 1: "Low", 2: "Medium", 3: "High"}
#: Network protocols (59): EtherType → name.
NETWORK_PROTOCOLS = {2048: "IPv4", 2054: "ARP", 34525: "IPv6", 34958: "EAPOL", 35020: "LLDP"}
#: Host attributes (60).
ATTRIBUTES = {1: "Business Unit", 2: "Data Classification", 3: "Asset Owner"}
#: Scan types (61).
SCAN_TYPES = {1: "Nmap", 2: "Qualys", 3: "Rapid7 Nexpose"}
#: Source types (90): who reported a host's data.
SOURCE_TYPES = {0: "RNA", 1: "User", 2: "Scanner", 3: "Application"}
SOURCE_RNA, SOURCE_USER, SOURCE_SCANNER, SOURCE_APPLICATION = 0, 1, 2, 3
#: Source applications (91) and source detectors (96), by the same source ids.
SOURCE_APPLICATIONS = {1: "Firepower RNA", 2: "Nmap 7.94", 3: "Host Input API", 4: "Qualys VM"}
SOURCE_DETECTORS = {1: "Passive fingerprint", 2: "Active scan", 3: "User input",
                    4: "Third-party import"}  # fmt: skip
#: FMC users (62) who act on the FMC (scan results, host input).
SYSTEM_USERS = {100: "admin", 101: "secops.analyst"}
#: Identity realms (300), ISE security group tags (302).
REALMS = {1: "corp.example.com", 2: "vpn-users"}
SECURITY_GROUPS = {4: "Employees", 5: "Contractors", 8: "IT_Admins", 10: "PCI_Servers"}

#: Snort extra-data types (111): type → (name, encoding).
EXTRA_DATA_TYPES = {1: ("Original Client IPv4 Address", "ipv4"),
                    2: ("Original Client IPv6 Address", "ipv6"),
                    9: ("HTTP URI", "string"), 10: ("HTTP Hostname", "string"),
                    5: ("SMTP Attachment Filename", "string"),
                    6: ("SMTP Mail From", "string")}  # fmt: skip
EXTRA_XFF_IPV4, EXTRA_HTTP_URI, EXTRA_HTTP_HOSTNAME = 1, 9, 10

#: File types (510, and 131 with the same ids for AMP for Endpoints).
FILE_TYPES = {"PDF": 285, "MSEXE": 21, "MSOLE2": 16, "NEW_OFFICE": 304, "ZIP": 3, "RTF": 9,
              "JAR": 10, "MSI": 19, "PNG": 290}  # fmt: skip
#: Dispositions (517; eNcore keeps them in the SPERO table).
FILE_DISPOSITIONS = {1: "Clean", 2: "Unknown", 3: "Malware", 4: "Unavailable",
                     5: "Custom Detection"}  # fmt: skip
CLEAN, UNKNOWN, MALWARE, UNAVAILABLE = 1, 2, 3, 4
FILE_STORAGE_STATUSES = {1: "File Stored", 2: "File Not Stored (Disposition Unavailable)",
                         3: "File Size Is Too Large"}  # fmt: skip
FILE_SANDBOX_STATUSES = {1: "Sent for Analysis", 2: "Analysis Complete",
                         3: "Not Sent: File Type Not Supported"}  # fmt: skip
FILE_ARCHIVE_STATUSES = {1: "Pending", 2: "Inspected", 3: "Not Inspected: Encrypted"}
FILE_STATIC_ANALYSIS_STATUSES = {1: "Sent for Analysis", 2: "Analysis Complete",
                                 3: "File Type Not Supported"}  # fmt: skip
#: File rule actions (no metadata record names them).
FILE_ACTIONS = {1: "Detect", 2: "Block", 3: "Malware Cloud Lookup", 4: "Malware Block"}
ACTION_DETECT, ACTION_CLOUD_LOOKUP, ACTION_MALWARE_BLOCK = 1, 3, 4

#: AMP event types (128), subtypes (129) and detector types (130).
AMP_EVENT_TYPES = {1: "Threat Detected in Network Transfer", 2: "Threat Detected",
                   3: "Threat Quarantined", 4: "Retrospective Event, Malware"}  # fmt: skip
AMP_EVENT_SUBTYPES = {1: "File Download", 2: "File Upload", 3: "Executed", 4: "Created",
                      5: "Scanned"}  # fmt: skip
AMP_DETECTORS = {1: "ClamAV", 2: "SPERO", 3: "ETHOS", 4: "Cloud (AMP)", 5: "Custom Detection"}

#: IOC names (161): id → (category, event type).
IOC_NAMES = {1: ("CnC Connected", "Intrusion Event - malware-cnc"),
             2: ("CnC Connected", "Security Intelligence Event - CnC"),
             3: ("Malware Detected", "Threat Detected in File Transfer"),
             4: ("Malware Executed", "Threat Detected"),
             5: ("Impact 1 Attack", "Intrusion Event - attempted-admin")}  # fmt: skip
IOC_CNC_INTRUSION, IOC_CNC_SI, IOC_MALWARE_TRANSFER, IOC_MALWARE_EXECUTED = 1, 2, 3, 4

#: SSL (602 cipher suites: IANA numbers; 604 versions: the simulator's numbers, since
#: record 71 carries the version in one byte).
SSL_CIPHER_SUITES = {4865: "TLS_AES_128_GCM_SHA256", 4866: "TLS_AES_256_GCM_SHA384",
                     49199: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                     49200: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}  # fmt: skip
SSL_VERSIONS = {3: "TLSv1.0", 5: "TLSv1.2", 6: "TLSv1.3"}
SSL_CERTIFICATE_STATUSES = {1: "Valid", 2: "Expired", 3: "Self-Signed", 4: "Invalid Issuer"}
#: Actual (606) and expected (607) actions share the ids.
SSL_ACTIONS = {1: "Unknown", 2: "Do Not Decrypt", 3: "Block", 4: "Block With Reset",
               5: "Decrypt (Known Key)", 6: "Decrypt (Resign)"}  # fmt: skip
DO_NOT_DECRYPT, DECRYPT_RESIGN = 2, 6
SSL_FLOW_STATUSES = {1: "Unknown", 2: "No Match", 3: "Success", 4: "Uncached Session"}
SSL_SUCCESS = 3
#: (id, name) of the SSL rules (601) of the SSL policy.
SSL_RULES = {1: "Decrypt-Outbound-Web", 2: "Do-Not-Decrypt-Finance-Health",
             3: "Block-Untrusted-Certificates"}  # fmt: skip

#: (name, description, event type text) of the correlation rules (70), policy id 1 and 2.
CORRELATION_RULES = (
    (1, "High priority intrusion on a critical asset",
     "triggers on intrusion events of priority 1 against hosts of high criticality",
     "intrusion event"),
    (1, "Known attacker targeting the network",
     "triggers on intrusion events whose source is on a security intelligence list",
     "intrusion event"),
    (2, "New host in the DMZ", "triggers when discovery reports a new host", "discovery event"),
    (2, "Malware detected", "triggers on malware events with disposition Malware",
     "malware event"),
)  # fmt: skip
CORRELATION_POLICIES = ((1, "Critical Asset Monitoring",
                         "Watches attacks against the servers of the data center"),
                        (2, "Network Hygiene", "New hosts and malware anywhere"))  # fmt: skip
#: eNcore's correlation ``eventType`` values (§5.9 notes).
CORRELATION_INTRUSION, CORRELATION_DISCOVERY, CORRELATION_MALWARE = 1, 2, 5

#: Person details of the RUA users (block 120), by user name.
DEPARTMENTS = ("Finance", "Engineering", "Sales", "IT", "Legal", "Marketing", "HR", "Support")

#: (port, protocol, application, vendor, version, sub-servers, web applications) of the
#: services internal servers run.
SERVICES: tuple[tuple[int, IpProtocol, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (22, IpProtocol.TCP, "SSH", "OpenSSH", "8.9p1", (), ()),
    (80, IpProtocol.TCP, "HTTP", "Apache", "2.4.57", ("mod_ssl",), ("Jira",)),
    (443, IpProtocol.TCP, "HTTPS", "nginx", "1.24.0", (), ("Confluence", "Grafana")),
    (445, IpProtocol.TCP, "SMB", "Microsoft", "3.1.1", (), ()),
    (3389, IpProtocol.TCP, "RDP", "Microsoft", "10.0", (), ()),
    (389, IpProtocol.TCP, "LDAP", "Microsoft", "Active Directory 2019", (), ()),
    (53, IpProtocol.UDP, "DNS", "ISC", "BIND 9.18.19", (), ()),
    (123, IpProtocol.UDP, "NTP", "ntp.org", "4.2.8p15", (), ()),
)  # fmt: skip
#: Services (indexes into SERVICES) per kind of server.
SERVER_KINDS = ((0, 1, 2), (3, 5, 6, 7), (0, 2, 4), (1, 2, 3, 4))

#: (vulnerability id, impact, title, CVE) of the vulnerabilities (57) hosts carry.
VULNERABILITIES = (
    (160023, 7, "OpenSSH ssh-agent remote code execution (CVE-2023-38408)", "CVE-2023-38408"),
    (160871, 9, "Apache HTTP Server mod_proxy request smuggling (CVE-2023-25690)",
     "CVE-2023-25690"),
    (158801, 8, "Microsoft SMBv3 compression remote code execution (CVE-2020-0796)",
     "CVE-2020-0796"),
    (161230, 6, "Mozilla Firefox use-after-free in the DOM (CVE-2023-6856)", "CVE-2023-6856"),
    (159912, 5, "Google Chrome heap overflow in WebP (CVE-2023-4863)", "CVE-2023-4863"),
)  # fmt: skip

#: (file name, file type, size) of files that are clean, unknown or unavailable.
CLEAN_FILES = (
    ("Q3-financial-report.pdf", "PDF", 482_133, CLEAN),
    ("quarterly-review.pptx", "NEW_OFFICE", 2_204_117, CLEAN),
    ("ChromeSetup.exe", "MSEXE", 1_371_368, CLEAN),
    ("vendor-contract.docx", "NEW_OFFICE", 88_412, CLEAN),
    ("logo.png", "PNG", 23_552, CLEAN),
    ("site-backup.zip", "ZIP", 14_680_064, UNKNOWN),
    ("npp.8.6.Installer.x64.exe", "MSEXE", 4_512_160, CLEAN),
    ("invoice_88213.pdf", "PDF", 103_284, UNKNOWN),
    ("budget-2024.xlsx", "NEW_OFFICE", 56_190, CLEAN),
    ("AcroRdrDC_2300820470_en_US.msi", "MSI", 246_812_672, UNAVAILABLE),
    ("meeting-notes.rtf", "RTF", 41_870, CLEAN),
)  # fmt: skip
#: (file name, file type, size, detection name, threat score) of malware.
MALWARE_FILES = (
    ("eicar.com", "MSEXE", 68, "EICAR-Test-File (not a virus)", 100),
    ("invoice_4471.pdf.exe", "MSEXE", 391_680, "W32.Emotet:Trojan.22fg.1201", 95),
    ("Payment_Advice.doc", "MSOLE2", 172_544, "W97M.Downloader:Agent.24b9", 88),
    ("update-helper.jar", "JAR", 28_731, "Java.Exploit.CVE-2012-1723", 76),
)  # fmt: skip
#: SHA-256 of the EICAR anti-virus test file (a public, harmless sample).
EICAR_SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
#: Parent processes of AMP for Endpoints detections (file name; their SHAs are in 511).
PARENT_PROCESSES = ("explorer.exe", "OUTLOOK.EXE", "chrome.exe", "WINWORD.EXE",
                    "powershell.exe")  # fmt: skip


# --- entities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OsFingerprint:
    """An operating system fingerprint (record 54)."""

    uuid: str
    vendor: str
    name: str
    version: str
    mobile_device: str


@dataclass(frozen=True)
class Service:
    """A service a server runs (block 103 / 117)."""

    port: int
    protocol: IpProtocol
    application: str
    vendor: str
    version: str
    sub_servers: tuple[str, ...]
    web_applications: tuple[str, ...]


@dataclass(frozen=True)
class HostProfile:
    """What discovery knows about one internal host.

    Attributes:
        host: the host as connections use it.
        device: the managed device that sees the host.
        role: ``"workstation"``, ``"server"`` or ``"mobile"``.
        os: its operating system fingerprint.
        netbios: the NetBIOS name (the one connections carry).
        hops: hops from the device.
        ttl: the TTL its packets start with.
        vlan: its VLAN id (0 = untagged).
        criticality: host criticality (58).
        clients: (client application, application protocol, version) it uses.
        services: the services it runs (servers only).
        endpoint_profile: ISE endpoint profile (301).
        security_group: ISE security group tag (302) of its user.
        agent_uuid: its AMP for Endpoints connector.
    """

    host: Host
    device: Device
    role: str
    os: OsFingerprint
    netbios: str
    hops: int
    ttl: int
    vlan: int
    criticality: int
    clients: tuple[tuple[str, str, str], ...]
    services: tuple[Service, ...]
    endpoint_profile: int
    security_group: int
    agent_uuid: str


@dataclass(frozen=True)
class FileSample:
    """A file that crosses the network (file events, record 511)."""

    name: str
    file_type: str
    size: int
    sha256: str
    disposition: int
    detection: str
    threat_score: int


@dataclass(frozen=True)
class Certificate:
    """A server certificate (record 614), by site."""

    fingerprint: str
    public_key_sha: str
    serial: str
    subject_cn: str
    subject_organization: str
    issuer_cn: str
    issuer_organization: str
    valid_from: int
    valid_until: int


@dataclass(frozen=True)
class CorrelationRule:
    """A correlation rule (record 70) of a correlation policy (69)."""

    rule_id: int
    policy_id: int
    name: str
    description: str
    event_type: str
    uuid: str
    revision: str
    whitelist: str


@dataclass(frozen=True)
class Vulnerability:
    """A vulnerability (record 57)."""

    vulnerability_id: int
    impact: int
    title: str
    cve: str


#: ISE endpoint profiles (301): id → (profile name, full name), by OS product.
ENDPOINT_PROFILES = {
    1: ("Windows10-Workstation", "Microsoft-Workstation:Windows10-Workstation"),
    2: ("Windows11-Workstation", "Microsoft-Workstation:Windows11-Workstation"),
    3: ("Windows-Server", "Microsoft-Server:Windows-Server"),
    4: ("Linux-Server", "Linux-Workstation:Linux-Server"),
    5: ("Apple-MacBook", "Apple-Device:Apple-MacBook"),
    6: ("Apple-iPhone", "Apple-Device:Apple-iPhone"),
    7: ("Android", "Android"),
    8: ("Cisco-Router", "Cisco-Device:Cisco-Router"),
}
_PROFILE_FOR_OS = {"10": 1, "11": 2, "2019": 3, "22.04": 4, "14": 5, "17": 6, "15.2": 8}


@dataclass(frozen=True)
class FullCatalog:
    """Everything the full mix refers to besides the classic ``Catalog``."""

    base: Catalog
    extra_rules: tuple[Rule, ...]
    os_fingerprints: tuple[OsFingerprint, ...]
    profiles: Mapping[str, HostProfile]  # host address -> profile
    workstations: tuple[HostProfile, ...]
    servers: tuple[HostProfile, ...]
    routers: tuple[HostProfile, ...]
    vulnerabilities: tuple[Vulnerability, ...]
    clean_files: tuple[FileSample, ...]
    malware_files: tuple[FileSample, ...]
    parents: tuple[FileSample, ...]
    certificates: Mapping[str, Certificate]  # site -> certificate
    ssl_policy: str
    nap_policies: Mapping[str, str]  # uuid -> name (700)
    nap_for_device: Mapping[int, str]
    file_policies: Mapping[str, str]  # access-control policy revision -> name (530)
    prefilter_policies: Mapping[int, tuple[str, str]]  # device -> (uuid, name) (146)
    tunnel_rules: Mapping[int, tuple[str, str]]  # device -> (uuid, name) (147)
    security_contexts: Mapping[str, str]  # uuid -> name (132)
    context_for_device: Mapping[int, str]
    amp_cloud: tuple[str, str]  # (uuid, name) (127)
    si_uuids: Mapping[int, str]  # SI category id -> uuid (282)
    sinkhole: tuple[str, str]  # (uuid, name) (322)
    correlation_policies: Mapping[int, tuple[str, str, str, str]]  # id -> name, desc, uuids
    correlation_rules: tuple[CorrelationRule, ...]
    netmap_domains: Mapping[int, str]
    third_party_vulnerabilities: tuple[tuple[int, int, str, str, str, str], ...]
    bad_hosts: tuple[Host, ...]  # external hosts on SI lists
    bad_domains: tuple[str, ...]

    @classmethod
    def build(cls, rng: random.Random, base: Catalog) -> FullCatalog:
        """Extend ``base`` from ``rng`` (deterministic for a given state).

        Args:
            rng: the generator's random source.
            base: the classic catalog (devices, hosts, policies, rules).

        Returns:
            The full catalog.
        """

        def new_uuid() -> str:
            return str(uuidlib.UUID(int=rng.getrandbits(128), version=4))

        def digest(size: int) -> str:
            return f"{rng.getrandbits(size * 8):0{size * 2}x}"

        revisions = sorted({rule.policy_revision for rule in base.rules},
                           key=lambda r: base.policies[r])  # fmt: skip
        extra_rules = tuple(
            Rule(revision, EXTRA_RULE_ID_BASE + number, name, action, reason, app, port, proto)
            for revision in revisions
            for number, (name, action, reason, app, port, proto) in enumerate(EXTRA_RULES)
        )
        fingerprints = tuple(OsFingerprint(new_uuid(), vendor, name, version, device)
                             for vendor, name, version, device in OPERATING_SYSTEMS)  # fmt: skip
        by_product = {fp.name: fp for fp in fingerprints}
        services = tuple(Service(*entry) for entry in SERVICES)

        profiles: dict[str, HostProfile] = {}
        hosts = list(base.internal_v4) + list(base.internal_v6)
        for index, host in enumerate(hosts):
            if index < 6 and ":" not in host.address:
                role = "server"
                os = by_product["Windows Server" if index % 2 else "Ubuntu Linux"]
                kind = SERVER_KINDS[index % len(SERVER_KINDS)]
                host_services = tuple(services[i] for i in kind)
                clients: tuple[tuple[str, str, str], ...] = (("curl", "HTTP", "8.4.0"),)
            elif index % 7 == 3:
                role = "mobile"
                os = rng.choice((by_product["iOS"], by_product["Android"]))
                host_services = ()
                clients = (("Safari" if os.name == "iOS" else "Chrome", "HTTPS",
                            "17.2" if os.name == "iOS" else "120.0"),)  # fmt: skip
            else:
                role = "workstation"
                os = rng.choice((by_product["Windows"], by_product["Windows"],
                                 by_product["macOS"]))  # fmt: skip
                if os.name == "Windows":
                    os = rng.choice([fp for fp in fingerprints if fp.name == "Windows"])
                host_services = ()
                browser = rng.choice(("Chrome", "Firefox", "Edge"))
                clients = ((browser, "HTTPS", {"Chrome": "120.0", "Firefox": "121.0",
                                               "Edge": "120.0"}[browser]),
                           ("Outlook", "SMTP", "16.0"), ("SMB client", "SMB", "3.1.1"))
            ipv6 = ":" in host.address
            profiles[host.address] = HostProfile(
                host=host,
                device=rng.choice(base.devices),
                role=role,
                os=os,
                netbios="" if ipv6 else
                f"WS-{int(ipaddress.ip_address(host.address)) % 10000:04d}",
                hops=rng.choice((0, 0, 1, 2)),
                ttl=128 if os.vendor == "Microsoft" else 64,
                vlan=rng.choice((0, 100, 210)),
                criticality=3 if role == "server" else rng.choice((0, 1, 1, 2)),
                clients=clients,
                services=host_services,
                endpoint_profile=_PROFILE_FOR_OS[os.version],
                security_group=10 if role == "server" else rng.choice((4, 4, 5, 8)),
                agent_uuid=new_uuid(),
            )  # fmt: skip
        router_fp = by_product["IOS"]
        routers = tuple(
            HostProfile(
                host=Host(f"10.{n}.0.1", "00:1b:54:" + ":".join(f"{rng.randrange(256):02x}"
                                                                for _ in range(3)),
                          0, 0, 0),
                device=base.devices[(n - 1) % len(base.devices)], role="router", os=router_fp,
                netbios="", hops=0, ttl=255, vlan=0, criticality=2, clients=(), services=(),
                endpoint_profile=8, security_group=0, agent_uuid=ZERO_UUID,
            )
            for n in (1, 2, 3)
        )  # fmt: skip

        def sample(name: str, file_type: str, size: int, disposition: int, detection: str = "",
                   score: int = 0, sha: str | None = None) -> FileSample:
            return FileSample(name, file_type, size, sha or digest(32), disposition,
                              detection, score)

        clean = tuple(sample(n, t, s, d) for n, t, s, d in CLEAN_FILES)
        malware = tuple(
            sample(n, t, s, MALWARE, detection, score,
                   EICAR_SHA256 if n == "eicar.com" else None)
            for n, t, s, detection, score in MALWARE_FILES
        )  # fmt: skip
        parents = tuple(sample(name, "MSEXE", rng.randrange(200_000, 5_000_000), CLEAN)
                        for name in PARENT_PROCESSES)  # fmt: skip

        certificates: dict[str, Certificate] = {}
        for site, _app, _category, reputation in SITES:
            trusted = reputation >= 4
            start = 1_690_000_000 + rng.randrange(0, 8_000_000)
            certificates[site] = Certificate(
                fingerprint=digest(20), public_key_sha=digest(20), serial=digest(20),
                subject_cn=site, subject_organization="Example Inc" if trusted else "",
                issuer_cn=rng.choice(("R3", "GTS CA 1C3", "DigiCert TLS RSA SHA256 2020 CA1"))
                if trusted else site,
                issuer_organization=rng.choice(("Let's Encrypt", "Google Trust Services",
                                                "DigiCert Inc")) if trusted else "",
                valid_from=start, valid_until=start + 90 * 86_400,
            )  # fmt: skip

        naps = {new_uuid(): "Balanced Security and Connectivity",
                new_uuid(): "Connectivity Over Security"}  # fmt: skip
        nap_ids = list(naps)
        contexts = {new_uuid(): "ctx-datacenter"}
        context_id = next(iter(contexts))
        correlation_policies = {
            number: (name, description, new_uuid(), new_uuid())
            for number, name, description in CORRELATION_POLICIES
        }
        correlation_rules = tuple(
            CorrelationRule(number, policy, name, description, event_type, new_uuid(),
                            new_uuid(), ZERO_UUID)
            for number, (policy, name, description, event_type)
            in enumerate(CORRELATION_RULES, start=1)
        )  # fmt: skip
        external_nets = ("192.0.2.", "198.51.100.", "203.0.113.")
        countries = sorted({h.country for h in base.external_v4})
        bad_hosts = tuple(
            Host(rng.choice(external_nets) + str(rng.randrange(1, 255)),
                 "00:00:0c:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3)), 0,
                 rng.choice(countries), rng.randrange(64496, 64512))
            for _ in range(6)
        )  # fmt: skip
        return cls(
            base=base,
            extra_rules=extra_rules,
            os_fingerprints=fingerprints,
            profiles=profiles,
            workstations=tuple(p for p in profiles.values() if p.role == "workstation"),
            servers=tuple(p for p in profiles.values() if p.role == "server"),
            routers=routers,
            vulnerabilities=tuple(Vulnerability(*entry) for entry in VULNERABILITIES),
            clean_files=clean,
            malware_files=malware,
            parents=parents,
            certificates=certificates,
            ssl_policy=new_uuid(),
            nap_policies=naps,
            nap_for_device={d.device_id: nap_ids[0 if d.name.startswith("ftd-dc") else 1]
                            for d in base.devices},  # fmt: skip
            file_policies={revision: f"{base.policies[revision].replace(' Policy', '')} "
                           "File Policy" for revision in revisions},  # fmt: skip
            prefilter_policies={d.device_id: (new_uuid(), "Default Prefilter Policy")
                                for d in base.devices},  # fmt: skip
            tunnel_rules={d.device_id: (new_uuid(), "Fastpath-GRE-Tunnels")
                          for d in base.devices},  # fmt: skip
            security_contexts=contexts,
            context_for_device={d.device_id: context_id if d.name.startswith("ftd-dc")
                                else ZERO_UUID for d in base.devices},  # fmt: skip
            amp_cloud=(new_uuid(), "Americas Cloud"),
            si_uuids={ident: new_uuid() for ident in SI_CATEGORIES},
            sinkhole=(new_uuid(), "Corporate DNS Sinkhole"),
            correlation_policies=correlation_policies,
            correlation_rules=correlation_rules,
            netmap_domains={1: "Global", 2: "Global \\ Branch Offices"},
            third_party_vulnerabilities=(
                (900101, 2, "Qualys QID 38794: TLS 1.0 protocol enabled",
                 "The server accepts TLS 1.0 connections.", "CVE-2011-3389", "49778"),
                (900102, 2, "Qualys QID 11827: HTTP security headers missing",
                 "The web server omits HSTS and X-Frame-Options.", "", ""),
            ),  # fmt: skip
            bad_hosts=bad_hosts,
            bad_domains=("login-microsoft.example-phish.test", "cdn.c2-relay.example.test",
                         "tracker.malvertising.example.test"),  # fmt: skip
        )

