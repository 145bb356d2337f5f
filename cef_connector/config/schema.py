"""The typed, validated settings the rest of cef-connector runs on.

Everything here is a frozen dataclass built by :func:`cef_connector.config.loader.load_settings`
from eNcore's ``estreamer.conf`` (JSON).  Attribute names are ours (snake_case, units in
the name); the JSON keys are eNcore's.  Nothing in this module does I/O.

The module also holds, as data, the two protocol facts the configuration needs:

* :data:`SUBSCRIPTION_FLAG_BITS` -- eNcore's ``subscription.records`` keys and the
  EventStreamRequest flag bit each one sets (protocol doc §3.3).  They are written out
  here rather than imported from :mod:`cef_connector.estreamer` so that the
  configuration does not depend on the protocol core.
* :data:`RECORD_CATEGORIES` -- which record types belong to each of eNcore's
  ``handler.records`` categories (protocol doc §5.1), used by :class:`RecordFilter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "ADAPTERS",
    "DEFAULT_DEAD_CONNECTION_SECONDS",
    "DEFAULT_DEVICE_VERSION",
    "DEFAULT_EVENT_TYPES",
    "DEFAULT_LOG_FORMAT",
    "DEFAULT_MAX_LINES",
    "DEFAULT_PORT",
    "MAPPING_SETS",
    "OUTPUT_PREFIXES",
    "RECORD_CATEGORIES",
    "START_BOOKMARK",
    "START_GENESIS",
    "START_NOW",
    "SUBSCRIPTION_FLAG_BITS",
    "UNKNOWN_RECORD_MODES",
    "DedupeSettings",
    "LimitSettings",
    "LoggingSettings",
    "MonitorSettings",
    "OutputterSettings",
    "ReconnectSettings",
    "RecordFilter",
    "ServerSettings",
    "Settings",
    "SyslogSettings",
]

#: ``start`` values (eNcore): 0 = from the oldest data, 1 = from now, 2 = from the bookmark.
START_GENESIS = 0
START_NOW = 1
START_BOOKMARK = 2

#: The FMC's eStreamer port (protocol doc §1.1).
DEFAULT_PORT = 8302

#: Shortest default for "deadConnectionTimeout": silence this long ends a session.  The
#: FMC sends Null keep-alives when idle, at an interval nobody documented (protocol doc
#: §1.5), so the default is generous: the larger of this and 15 × responseTimeout.
DEFAULT_DEAD_CONNECTION_SECONDS = 60.0

#: eNcore's log line format (``logging.format`` in its default configuration).
DEFAULT_LOG_FORMAT = "%(asctime)s %(name)-12s %(levelname)-8s %(message)s"

#: eNcore's default line count per output file (``stream.options.maxLogs``).
DEFAULT_MAX_LINES = 10000

#: CEF "Device Version" header when ``handler.deviceVersion`` is not set.  eNcore
#: hard-codes ``6.0`` (CEF doc §5.11 D6); we keep it as the default for compatibility
#: with parsers tuned to eNcore, and let the operator set the real FMC version.
DEFAULT_DEVICE_VERSION = "6.0"

#: Mapping sets shipped with the package (``handler.mappingSet``).
MAPPING_SETS: tuple[str, ...] = ("default", "encore-compat")

#: Line prefixes a file output can write (``stream.options.prefix``).
OUTPUT_PREFIXES: tuple[str, ...] = ("none", "encore")

#: Line formats an outputter can write (``handler.outputters[].adapter``): CEF through the
#: mapping set, JSON lines and Splunk key-value as eNcore's ``json`` and ``splunk``
#: adapters wrote them (``cef_connector.formats``).
ADAPTERS: tuple[str, ...] = ("cef", "json", "splunk")

#: What happens to records we cannot decode (``handler.unknownRecords``): "skip" counts
#: and logs them; "raw" also writes them as hex (``cef_connector.formats.unknown``).
UNKNOWN_RECORD_MODES: tuple[str, ...] = ("skip", "raw")

#: eNcore's ``subscription.records`` keys → EventStreamRequest flag bit (protocol doc
#: §3.3).  All seven set gives ``0x48900061``.
SUBSCRIPTION_FLAG_BITS: Mapping[str, int] = MappingProxyType(
    {
        "packetData": 1 << 0,  # record 2 for intrusion events
        "impactEventAlerts": 1 << 5,  # record 9
        "intrusion": 1 << 6,  # intrusion events with impact flags
        "metadata": 1 << 20,  # metadata version 4
        "archiveTimestamps": 1 << 23,  # 16-byte record header with archive timestamp
        "eventExtraData": 1 << 27,  # record 110 (and 111 with metadata)
        "extended": 1 << 30,  # extended request (Streaming Information handshake)
    }
)

#: Extended-request (eventType, version) pairs in eNcore's order (protocol doc §3.7);
#: the same value as ``cef_connector.estreamer.DEFAULT_EVENT_TYPES``.
DEFAULT_EVENT_TYPES: tuple[tuple[int, int], ...] = (
    (12, 9),
    (21, 4),
    (31, 9),
    (61, 11),
    (71, 14),
    (91, 4),
    (101, 7),
    (111, 6),
    (131, 2),
)

_DISCOVERY_EVENTS = frozenset(
    {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31, 34, 35}
    | {42, 44, 45, 46, 47, 48, 51, 52, 53}
    | set(range(74, 90))
    | {101, 102, 103, 107, 160}
)

_METADATA_RECORDS = frozenset(
    {4, 54, 55, 57, 58, 59, 60, 61, 62, 63, 66, 67, 69, 70, 90, 91, 96, 98, 106, 109, 111}
    | {115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 127, 128, 129, 130, 131, 132}
    | {140, 145, 146, 147, 161, 260, 270, 280, 281, 282, 300, 301, 302, 320, 321, 322, 350}
    | {510, 511, 515, 516, 517, 518, 519, 520, 530}
    | {600, 601, 602, 604, 605, 606, 607, 608, 613, 614, 700}
)

#: eNcore's ``handler.records`` categories → record types (protocol doc §5.1 "Kind" and
#: "Requested via").  Differences from eNcore 3.x's own table, on purpose: every
#: discovery event of §5.1 is ``rna`` (eNcore left 18, 23, 24, 29, 34, 42, 44–53, 74–89
#: and 102 in no category, so they could only be written through ``include``);
#: connection chunks (73) are ``connections``; VPN login/logoff (170, 171, user block
#: 167) are ``rua``; 131, 145, 146 and 322 are ``metadata`` (§5.1) rather than ``core``.
#: 104, 105, 207 and 208 are legacy intrusion records (§5.2), kept for ``include`` parity.
RECORD_CATEGORIES: Mapping[str, frozenset[int]] = MappingProxyType(
    {
        "core": frozenset({9, 110, 112, 125, 500, 502}),
        "metadata": _METADATA_RECORDS,
        "connections": frozenset({71, 73}),
        "intrusion": frozenset({400, 104, 105, 207, 208}),
        "packets": frozenset({2}),
        "rna": _DISCOVERY_EVENTS,
        "rua": frozenset({92, 93, 94, 95, 170, 171}),
    }
)


@dataclass(frozen=True)
class RecordFilter:
    """Which record types are handed to the outputs (eNcore's ``handler.records``).

    Metadata records are always learned by the metadata cache; ``metadata`` here only
    decides whether they are also written out.  ``include`` wins over the categories and
    ``exclude`` wins over everything (eNcore's rule).

    Attributes:
        core: intrusion impact alerts, extra data, correlation, malware and file events.
        metadata: metadata records (IDs to names).
        connections: connection statistics and chunks.
        intrusion: intrusion events.
        packets: packet records.
        rna: discovery (host) events.
        rua: user events.
        include: record types written regardless of the categories.
        exclude: record types never written (overrides ``include``).
    """

    core: bool = True
    metadata: bool = True
    connections: bool = True
    intrusion: bool = True
    packets: bool = True
    rna: bool = True
    rua: bool = True
    include: frozenset[int] = frozenset()
    exclude: frozenset[int] = frozenset()

    def wants(self, record_type: int) -> bool:
        """Tell whether records of this type are to be mapped and written.

        Args:
            record_type: the eStreamer record type number.

        Returns:
            True when the type's category is enabled or the type is in ``include``,
            and the type is not in ``exclude``.
        """
        if record_type in self.exclude:
            return False
        if record_type in self.include:
            return True
        for category, members in RECORD_CATEGORIES.items():
            if record_type in members:
                return bool(getattr(self, category))
        return False

    def wants_unknown(self, record_type: int) -> bool:
        """Tell whether a record we cannot decode is written raw (``unknownRecords: "raw"``).

        The same rules as :meth:`wants`, except that a record type in no category (one
        the protocol doc does not list) is written: an operator who asks for raw
        records wants to see exactly those.

        Args:
            record_type: the eStreamer record type number.

        Returns:
            False when the type is excluded or its category is off, else True.
        """
        if record_type in self.exclude:
            return False
        if record_type in self.include:
            return True
        for category, members in RECORD_CATEGORIES.items():
            if record_type in members:
                return bool(getattr(self, category))
        return True


@dataclass(frozen=True)
class ServerSettings:
    """One FMC to stream from (an entry of eNcore's ``subscription.servers``).

    Attributes:
        host: FMC address or name ("host").
        port: eStreamer port, 1-65535 ("port", default 8302).
        pkcs12_path: the client PKCS#12 file issued by the FMC ("pkcs12Filepath"),
            resolved against the configuration file's directory.
        pkcs12_password: password of that file, or None when none is configured; taken
            from the environment variable ``CEF_CONNECTOR_PKCS12_PASSWORD``, else the
            file named by "pkcs12PasswordFile", else "pkcs12Password", else the
            top-level "password" (eNcore fork).  Never shown by ``repr``.
        tls_version: "1.2" ("tlsVersion"; eNcore's 1.0 is refused).
        verify_server: verify the FMC's certificate against the CA in the PKCS#12 file
            ("verifyServer", default True; eNcore never verified).
        server_name: name to check in the FMC's certificate ("serverName"); None checks
            the chain only.
    """

    host: str
    port: int
    pkcs12_path: Path
    pkcs12_password: str | None = field(default=None, repr=False)
    tls_version: str = "1.2"
    verify_server: bool = True
    server_name: str | None = None


@dataclass(frozen=True)
class SyslogSettings:
    """The options of a syslog outputter (``udp://``, ``tcp://``, ``tls://``).

    JSON keys are in ``handler.outputters[i].stream.options`` unless said otherwise.

    Attributes:
        uris: every destination in order, all of one scheme: ``stream.uri``, or the
            ``stream.uris`` list.
        mode: "failover" (one destination at a time, the next on failure) or
            "roundrobin" (batches in turn) ("mode").
        format: "rfc3164" (``<PRI>Mmm dd hh:mm:ss host CEF:...``, eNcore's form) or
            "rfc5424" (``<PRI>1 TIMESTAMP host app - - - CEF:...``) ("format").
        facility: syslog facility code 0..23 ("facility": number or name; default 1,
            user, as eNcore).
        severity: syslog severity code 0..7 ("severity": number or name; default 5,
            notice, as eNcore).
        app_name: RFC 5424 APP-NAME ("appName").
        hostname: HOSTNAME in the header, or None for this machine's short name
            ("hostname").
        use_event_time: stamp messages with the record's time rather than the send time
            ("useEventTime").
        framing: "lf" or "octet" for tcp/tls (RFC 6587; default "lf" for tcp and "octet"
            for tls, RFC 5425); None for udp ("framing").
        max_message_bytes: udp only: longest datagram; longer messages are cut at a UTF-8
            character boundary and counted ("maxMessageBytes", default 65507: the largest
            IPv4 UDP payload; RFC 5426: receivers must take 480 (IPv4) / 1180 (IPv6)
            bytes and should take 2048; rsyslog's default limit is 8096).
        ca_file: tls: PEM CA certificates that verify the receiver; None uses the
            system's trusted CAs ("caFile").
        cert_file: tls: PEM client certificate, or None ("certFile").
        key_file: tls: PEM key of the client certificate, or None when it is in
            ``cert_file`` ("keyFile").
        server_name: tls: name checked in the receiver's certificate and sent as SNI;
            None uses each URI's host ("serverName").
        verify_server: tls: verify the receiver's certificate ("verifyServer").
        replay_messages: tcp/tls: messages kept per connection and sent again after it
            breaks ("replayWindow.messages"; 0 disables).
        replay_seconds: tcp/tls: ... only those sent within this many seconds
            ("replayWindow.seconds").
        spool_directory: directory of the on-disk spool used while no destination
            accepts, or None for none (back-pressure only) ("spool.directory").
        spool_max_bytes: the spool's size limit ("spool.maxBytes").
        reconnect_initial_seconds: backoff after the first failure ("reconnect.initialSeconds").
        reconnect_max_seconds: the longest backoff ("reconnect.maxSeconds").
        connect_timeout_seconds: TCP connect plus TLS handshake ("connectTimeout").
        send_timeout_seconds: a send without progress for this long breaks the
            connection ("sendTimeout").
    """

    uris: tuple[str, ...] = ()
    mode: str = "failover"
    format: str = "rfc3164"
    facility: int = 1
    severity: int = 5
    app_name: str = "cef-connector"
    hostname: str | None = None
    use_event_time: bool = False
    framing: str | None = None
    max_message_bytes: int = 65507
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    server_name: str | None = None
    verify_server: bool = True
    replay_messages: int = 10000
    replay_seconds: float = 10.0
    spool_directory: Path | None = None
    spool_max_bytes: int = 1 << 30
    reconnect_initial_seconds: float = 0.5
    reconnect_max_seconds: float = 30.0
    connect_timeout_seconds: float = 5.0
    send_timeout_seconds: float = 30.0


@dataclass(frozen=True)
class OutputterSettings:
    """One enabled outputter (an entry of eNcore's ``handler.outputters``).

    Attributes:
        adapter: line format: "cef", "json" or "splunk" (:data:`ADAPTERS`).
        uri: eNcore stream URI, ``relfile:///dir/name.{0}.cef`` or
            ``file:///abs/dir/name.{0}.cef``; for syslog the first destination,
            ``udp://host:port``, ``tcp://host:port`` or ``tls://host:port``.
        rotate: start a new file after ``max_lines`` lines ("options.rotate").
        max_lines: lines per file ("options.maxLogs", default 10000).
        max_bytes: bytes per file, or None for no size limit ("options.maxBytes").
        prefix: "none" (bare lines) or "encore" (eNcore's ``<13>MMM dd HH:MM:SS
            host `` syslog prefix) ("options.prefix"); json and splunk outputters
            default to "none" (eNcore wrote the prefix with its CEF adapter only), and
            json refuses "encore" (the lines would no longer be JSON).
        name: optional label ("name", eNcore fork).
        syslog: the syslog options when the URI is udp/tcp/tls, else None.
    """

    adapter: str
    uri: str
    rotate: bool = True
    max_lines: int = DEFAULT_MAX_LINES
    max_bytes: int | None = None
    prefix: str = "none"
    name: str | None = None
    syslog: SyslogSettings | None = None


@dataclass(frozen=True)
class LoggingSettings:
    """Where and how the program logs (eNcore's ``logging``).

    Attributes:
        filepath: log file, resolved against the configuration directory; None when
            empty or absent (no file).
        format: :mod:`logging` format string (eNcore's by default).
        level: TRACE, VERBOSE, DEBUG, INFO, WARNING, ERROR or FATAL (upper case).
        stdout: also log to standard output ("stdOut").
        stderr: also log to standard error ("stdErr").
    """

    filepath: Path | None = None
    format: str = DEFAULT_LOG_FORMAT
    level: str = "INFO"
    stdout: bool = True
    stderr: bool = False


@dataclass(frozen=True)
class MonitorSettings:
    """The periodic status line (eNcore's ``monitor``).

    Attributes:
        period_seconds: seconds between status lines ("period").
        bookmark: include the bookmark time.
        handled: include the number of records written.
        subscribed: include the number of records received.
        velocity: include the catch-up rate.
        details: include the counts by record type (eNcore's optional "details").
        status_file: where the service writes its figures every period for
            ``cef-connector status`` ("statusFile"; resolved against the configuration
            directory); None means ``<stateDirectory>/cef-connector.status.json``.
        status_enabled: False when "statusFile" is false (no status file).
        prometheus_port: serve Prometheus metrics on ``127.0.0.1:<port>/metrics``
            ("prometheusPort"); None (the default) serves none.
    """

    period_seconds: float = 120.0
    bookmark: bool = False
    handled: bool = True
    subscribed: bool = True
    velocity: bool = False
    details: bool = False
    status_file: Path | None = None
    status_enabled: bool = True
    prometheus_port: int | None = None


@dataclass(frozen=True)
class LimitSettings:
    """Bounds on what the FMC may send ("limits"); anything larger is a protocol error.

    The defaults are those of the protocol core (``estreamer.Limits``); they bound the
    memory one connection can take, whatever the peer sends.

    Attributes:
        max_message_bytes: longest message, header excluded ("maxMessageBytes").
        max_bundle_records: most records in one bundle ("maxBundleRecords").
        max_block_depth: deepest nesting of blocks in a record ("maxBlockDepth").
    """

    max_message_bytes: int = 64 * 1024 * 1024
    max_bundle_records: int = 100_000
    max_block_depth: int = 16


@dataclass(frozen=True)
class ReconnectSettings:
    """Capped exponential backoff with jitter ("reconnect").

    Used between reconnects to the FMC and between retries of an output that failed
    (disk full).

    Attributes:
        initial_delay_seconds: delay after the first failure ("initialDelay").
        max_delay_seconds: the longest delay ("maxDelay").
    """

    initial_delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0


@dataclass(frozen=True)
class DedupeSettings:
    """Recognising records the FMC resends after a resume ("dedupe").

    Attributes:
        enabled: skip resent lines that are already written ("enabled").
        max_identities: line identities kept for the bookmark's second
            ("maxIdentities"); beyond it lines of that second may be written twice.
        skip_older: during the resend after a resume, skip records older than the
            bookmark's second ("skipOlderThanBookmark"); right only when the FMC sends
            records in archive-time order, so off by default.
    """

    enabled: bool = True
    max_identities: int = 50_000
    skip_older: bool = False


@dataclass(frozen=True)
class Settings:
    """The whole validated configuration.

    JSON keys we add to eNcore's format (all optional):

    ==========================================  ==============================================
    key                                         meaning
    ==========================================  ==============================================
    ``servers[i].pkcs12Password``               password of the PKCS#12 file
    ``servers[i].pkcs12PasswordFile``           file holding that password (first line)
    ``servers[i].verifyServer``                 verify the FMC certificate (default true)
    ``servers[i].serverName``                   name expected in the FMC certificate
    ``handler.mappingSet``                      "default" or "encore-compat"
    ``handler.deviceVersion``                   CEF Device Version header (default "6.0")
    ``handler.mappingsDirectory``               mapping overrides merged onto the set's files
                                                (relative to the configuration's directory)
    ``handler.templatesDirectory``              Jinja templates read after the packaged ones
    ``handler.unknownRecords``                  "skip" (default) or "raw": records we
                                                cannot decode are counted and logged, and
                                                with "raw" also written as hex
    ``handler.outputters[i].stream.options``    ``maxBytes`` (bytes per file) and
                                                ``prefix`` ("none" or "encore")
    ``stateDirectory``                          bookmarks and metadata cache (default: the
                                                configuration file's directory)
    ``deadConnectionTimeout``                   seconds without a byte from the FMC before
                                                the session is ended and resumed (default:
                                                max(60, 15 × responseTimeout))
    ``limits``                                  ``maxMessageBytes``, ``maxBundleRecords``,
                                                ``maxBlockDepth``
    ``reconnect``                               ``initialDelay``, ``maxDelay`` (seconds)
    ``dedupe``                                  ``enabled``, ``maxIdentities``,
                                                ``skipOlderThanBookmark``
    ``servers`` (top level)                     same as ``subscription.servers``
    ==========================================  ==============================================

    The environment variable ``CEF_CONNECTOR_PKCS12_PASSWORD`` overrides every password.
    ``workerProcesses`` is honoured (see ``worker_processes``).
    eNcore keys accepted for compatibility but not used:
    ``queueSize``, ``batchSize``, ``conditions``, ``alwaysAttemptToContinue`` (we always
    reconnect), ``enabled``, ``subscription.records.connection`` (seen in real eNcore
    files, never read by eNcore), the scp/http stream options
    (``scpKeyFilepath``, ``path``, ``headers``, ``extraData``, ``httpMethod``,
    ``Loglevel``), and every ``*@comment`` key.  Used as in eNcore: ``logging.stdErr``,
    outputter ``passthru`` (only false) and, from the eNcore fork, outputter ``name`` and
    the top-level ``password`` (the PKCS#12 password of every server that has none of
    its own).

    Attributes:
        config_path: the configuration file.
        config_dir: its directory; relative paths in the file resolve against it, and
            so do ``relfile://`` outputs.
        servers: FMCs to stream from (at least one).
        start: 0 genesis, 1 now, 2 bookmark ("start").
        connect_timeout_seconds: TCP connect plus TLS handshake ("connectTimeout").
        response_timeout_seconds: socket read timeout ("responseTimeout").
        request_flags: EventStreamRequest flags from "subscription.records".
        event_types: extended request (eventType, version) pairs.
        record_filter: which record types are written ("handler.records").
        outputters: enabled outputters only (may be empty: a sink, as in eNcore).
        mapping_set: "default" or "encore-compat" ("handler.mappingSet").
        mappings_dir: override directory merged onto the mapping set's files, or None
            ("handler.mappingsDirectory"; mappings/README.md gives the merge rules).
        templates_dir: directory of ``*.j2`` templates read after the packaged ones, or
            None ("handler.templatesDirectory").
        device_version: CEF Device Version header ("handler.deviceVersion").
        unknown_records: "skip" or "raw" ("handler.unknownRecords").
        logging: logging settings.
        monitor: status line settings.
        state_dir: bookmarks and metadata cache ("stateDirectory").
        worker_processes: eNcore's "workerProcesses", honoured: with more than 1, records
            are decoded, named and rendered in that many worker processes (capped at the
            machine's CPU count), with the same output, order and bookmark as with 1.
            Default 1 when the key is absent (eNcore's files carry 4).
        enabled: eNcore's "enabled"; accepted, not used.
        always_attempt_to_continue: eNcore's "alwaysAttemptToContinue"; accepted, not
            used (we always reconnect with backoff).
        queue_size: eNcore's "queueSize"; accepted, not used.
        batch_size: eNcore's "batchSize"; accepted, not used.
        dead_connection_timeout_seconds: silence from the FMC that ends a session
            ("deadConnectionTimeout").
        limits: bounds on what the FMC may send ("limits").
        reconnect: backoff between reconnects and output retries ("reconnect").
        dedupe: recognising resent records after a resume ("dedupe").
    """

    config_path: Path
    config_dir: Path
    servers: tuple[ServerSettings, ...]
    start: int = START_BOOKMARK
    connect_timeout_seconds: float = 10.0
    response_timeout_seconds: float = 2.0
    request_flags: int = 0x48900061
    event_types: tuple[tuple[int, int], ...] = DEFAULT_EVENT_TYPES
    record_filter: RecordFilter = RecordFilter()
    outputters: tuple[OutputterSettings, ...] = ()
    mapping_set: str = "default"
    mappings_dir: Path | None = None
    templates_dir: Path | None = None
    device_version: str = DEFAULT_DEVICE_VERSION
    unknown_records: str = "skip"
    logging: LoggingSettings = LoggingSettings()
    monitor: MonitorSettings = MonitorSettings()
    state_dir: Path = Path(".")
    worker_processes: int = 1
    enabled: bool = True
    always_attempt_to_continue: bool = False
    queue_size: int = 200
    batch_size: int = 100
    dead_connection_timeout_seconds: float = DEFAULT_DEAD_CONNECTION_SECONDS
    limits: LimitSettings = LimitSettings()
    reconnect: ReconnectSettings = ReconnectSettings()
    dedupe: DedupeSettings = DedupeSettings()
