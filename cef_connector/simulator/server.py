"""A simulated FMC eStreamer server on a local TLS port, for tests and demos.

``SimulatorServer`` implements the server side of protocol doc §7 with the standard
library's ``ssl`` (a different TLS binding from the client's pyOpenSSL) and one thread per
client, and speaks only through the protocol core's encoders (``estreamer.encode_*``), so
it cannot drift from the decoder:

1. TLS 1.2 only, server certificate from ``server.pem``/``server.key``; the client must
   present a certificate signed by ``ca.pem`` (else the handshake fails and nothing is sent).
2. CN check: the client certificate's CN must equal the peer's IP address or resolve to it
   (``cn_resolver`` map first, then DNS); on a mismatch the connection is closed without a
   message, as the FMC does (§1.3).
3. WAIT_REQUEST: Nulls are ignored; an EventStreamRequest (body of 8 bytes) gives the start
   timestamp T and the flags F; anything else gets an Error and the connection is closed.
4. With F bit 30: Streaming Information (§8.3 bytes), then the StreamingRequest (both
   serviceLength forms accepted, pairs logged).  Without bit 30: plain EventData messages.
5. Streaming: metadata first (if requested), then every stored event with archive
   timestamp ≥ T (T = 0: all; T = 0xFFFFFFFF: only events added after the request) whose
   record type the request asks for (extended: the event type codes of §3.7, e.g. 61 for
   discovery 10–107 and IOC 160, 91 for user events 92–95 and 170/171; plain: the flag
   bits of §3.3; packets 2 with bit 0 and extra data 110 with bit 27 when intrusion
   events are asked for); the events of second T are sent again, as the FMC resends them
   after a resume (§3.2).
   Records travel in bundles (connectionId fixed per connection, sequence 1, 2, 3 …,
   ``records_per_bundle`` records each); at most ``window`` bundles are unacknowledged;
   each client Null acknowledges the oldest one.  In plain mode every EventData message is
   acknowledged on its own (as eNcore does), and up to ``window × records_per_bundle`` may
   be unacknowledged; the counters then count messages as bundles.  The record header is
   16 bytes when F has
   bit 23 (metadata then carries archive timestamp 0 unless ``metadata_archive_header`` is
   False), else 8 bytes.
6. Idle: a Null keep-alive every ``keepalive_interval`` seconds without other traffic.
7. ``close_when_done``: close (with TLS close_notify) once every stored event was sent and
   acknowledged; otherwise stay idle with keep-alives until the client leaves or ``stop()``.

``record_stream``: every byte sent to the first client after its handshake is written to
that file unchanged (later clients: the same name with ``.2``, ``.3`` … appended).

Fault switches (``Faults``) inject the misbehaviours the client must survive; the
``sessions`` switch limits them to the first sessions, so that a fault-injection run ends
with every event delivered.  ``scenarios.parse_faults`` builds them from the names that
``cef-connector simulate --faults`` takes.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import dataclasses
import ipaddress
import itertools
import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, NoReturn

from cef_connector.errors import RemoteProtocolError
from cef_connector.estreamer import (
    START_GENESIS,
    START_NOW,
    STREAMING_SERVICE_ID,
    EventTypeCode,
    Framer,
    MessageType,
    RecordType,
    RequestFlag,
    build_error,
    build_null,
    encode_bundle,
    encode_event_data,
    encode_message,
    encode_streaming_information,
    parse_error,
    parse_event_stream_request,
    parse_streaming_request,
)
from cef_connector.simulator.certs import CA_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE
from cef_connector.simulator.generator import MIXES, SimRecord, TrafficGenerator
from cef_connector.simulator.records import DISCOVERY_HEADER_RECORDS

__all__ = [
    "Faults",
    "SimulatorCounters",
    "SimulatorOptions",
    "SimulatorServer",
]

logger = logging.getLogger(__name__)

#: Error code the simulator sends when the client breaks the protocol.  Real FMC codes
#: other than 19 ("No space") are unknown (§2.4), so this value is ours.
PROTOCOL_ERROR_CODE = 1
#: How often blocked waits wake up to look at the stop flag and the timers.
_TICK_SECONDS = 0.05
_READ_BYTES = 64 * 1024
#: Message length announced by the ``huge_length`` fault.
HUGE_LENGTH = 0xFFFFFFF0

_PLAIN_METADATA = (
    RequestFlag.METADATA_V1 | RequestFlag.METADATA_V2 | RequestFlag.METADATA_V3
    | RequestFlag.METADATA_V4
)  # fmt: skip
_R = RecordType
_USER_RECORDS = frozenset({92, 93, 94, 95, 170, 171})
_CONNECTION_RECORDS = frozenset({int(_R.CONNECTION_STATISTICS), int(_R.CONNECTION_CHUNK)})
#: Discovery (RNA) events 10-107 and IOC set events 160 (§3.7: type 61).
_DISCOVERY_RECORDS = DISCOVERY_HEADER_RECORDS - _USER_RECORDS - _CONNECTION_RECORDS
#: Extended request: event type code (§3.7) → the event records it brings.  How records
#: 170/171 are requested is unconfirmed (§9.2 #6); they come with the user events.
_RECORDS_BY_EVENT_TYPE: dict[int, frozenset[int]] = {
    EventTypeCode.INTRUSION: frozenset({int(_R.INTRUSION_EVENT)}),
    EventTypeCode.CORRELATION: frozenset({int(_R.CORRELATION_EVENT)}),
    EventTypeCode.DISCOVERY: _DISCOVERY_RECORDS,
    EventTypeCode.CONNECTION: _CONNECTION_RECORDS,
    EventTypeCode.USER: _USER_RECORDS,
    EventTypeCode.MALWARE: frozenset({int(_R.MALWARE_EVENT)}),
    EventTypeCode.FILE: frozenset({int(_R.FILE_EVENT), int(_R.FILE_MALWARE_EVENT)}),
    EventTypeCode.IMPACT: frozenset({int(_R.INTRUSION_IMPACT_ALERT)}),
}
#: Plain request: request flag bits (§3.3) → event records.  Malware and file events
#: exist only in the extended request (§3.7).
_RECORDS_BY_FLAG: tuple[tuple[int, frozenset[int]], ...] = (
    (RequestFlag.INTRUSION | RequestFlag.INTRUSION_LEGACY, frozenset({int(_R.INTRUSION_EVENT)})),
    (RequestFlag.IMPACT_ALERTS, frozenset({int(_R.INTRUSION_IMPACT_ALERT)})),
    (RequestFlag.DISCOVERY_V1 | RequestFlag.DISCOVERY_V2 | RequestFlag.DISCOVERY_V3
     | RequestFlag.DISCOVERY_V4 | RequestFlag.DISCOVERY_V5, _DISCOVERY_RECORDS),
    (RequestFlag.CORRELATION_V1 | RequestFlag.CORRELATION_V2 | RequestFlag.CORRELATION_V3
     | RequestFlag.CORRELATION_V4 | RequestFlag.CORRELATION_V5,
     frozenset({int(_R.CORRELATION_EVENT)})),
    (RequestFlag.CONNECTION_V1 | RequestFlag.CONNECTION_V3 | RequestFlag.CONNECTION_V4,
     _CONNECTION_RECORDS),
    (RequestFlag.USER_ACTIVITY_LEGACY, _USER_RECORDS),
)  # fmt: skip


@dataclass(frozen=True)
class Faults:
    """Misbehaviours to inject (all off by default).

    Attributes:
        error: (code, text): answer the EventStreamRequest with this Error, then close.
        error_trailing_nul: end the error text with a NUL, as the guide's example does.
        close_mid_message_after: after this many complete bundles, send the first half of
            the next bundle and close the connection.
        header_version: send the first bundle with this header version instead of 1.
        huge_length: instead of the first bundle, send a bundle header announcing
            ``HUGE_LENGTH`` bytes (and nothing after it).
        unknown_message_type: send a message of this type (4-byte body) before the first
            bundle.
        unknown_record_type: put a record of this type (12 zero bytes of data) first in the
            first bundle.
        truncated_block: put a security-zone record (115) whose blockLength runs past the
            record's end first in the first bundle.
        inner_type: first word of every inner bundle message (0x00010004 = the guide's form).
        reset_mid_message_after: after this many complete bundles, send the first half of
            the next bundle and reset the connection (TCP RST).
        stall_after: after this many complete bundles, send nothing more (no keep-alives
            either) and keep the connection open until the client leaves.
        error_after: after this many complete bundles, send ``error_after_message`` as an
            Error message and close.
        error_after_message: (code, text) of that Error.
        truncate_record_after: after this many complete bundles, send one bundle whose last
            record is cut short (its inner length runs past the end of the bundle).
        restart_after: after this many complete bundles the whole server restarts: every
            connection is reset and none is accepted for ``restart_downtime`` seconds.
        restart_downtime: seconds the restarting server refuses connections.
        sessions: apply the faults to the first this many sessions only (None: to all).
    """

    error: tuple[int, str] | None = None
    error_trailing_nul: bool = True
    close_mid_message_after: int | None = None
    header_version: int | None = None
    huge_length: bool = False
    unknown_message_type: int | None = None
    unknown_record_type: int | None = None
    truncated_block: bool = False
    inner_type: int = 0x00000004
    reset_mid_message_after: int | None = None
    stall_after: int | None = None
    error_after: int | None = None
    error_after_message: tuple[int, str] = (1, "simulated failure in the middle of the stream")
    truncate_record_after: int | None = None
    restart_after: int | None = None
    restart_downtime: float = 1.0
    sessions: int | None = None


@dataclass(frozen=True)
class SimulatorOptions:
    """Everything a ``SimulatorServer`` can be told.

    Attributes:
        listen_host: address to bind (``127.0.0.1``; ``::1`` for IPv6).
        listen_port: port to bind (0 = any free port; see ``SimulatorServer.port``).
        events: events generated at start-up (the backlog T = 0 gets).
        seed: seed of the traffic generator.
        start_time: archive second of the first backlog event (default: now minus the
            backlog's duration, so the backlog ends about now).
        events_per_second: event density of the archive timeline.
        rate: pacing in events per second on the wire (None = as fast as acks allow).
        records_per_bundle: records per bundle (metadata included).
        window: bundles sent before waiting for acknowledgements.
        keepalive_interval: seconds of silence before a Null keep-alive.
        ack_timeout: seconds to wait for an acknowledgement before closing.
        request_timeout: seconds to wait for the client's requests before closing.
        handshake_timeout: seconds allowed for the TLS handshake.
        close_when_done: close once every event is sent and acknowledged.
        record_stream: file receiving every byte sent after the handshake.
        check_cn: do the CN check of step 2.
        crl_file: PEM certificate revocation list; a revoked client certificate fails the
            handshake with a "certificate revoked" alert (a client deleted on the FMC).
        cn_resolver: CN (DNS name) → IP addresses, consulted before DNS.
        metadata_archive_header: with bit 23, send metadata with the 16-byte header
            (archive timestamp 0); False sends it with the 8-byte header (§4.1, §9.1 #3).
        faults: misbehaviours to inject.
        mix: the generator's traffic mix: ``"classic"`` (records 71, 400, 2; the library
            default, which the test suites count on) or ``"full"`` (every event and
            metadata record type; what ``cef-connector simulate`` serves by default).
    """

    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    events: int = 100
    seed: int = 1
    start_time: int | None = None
    events_per_second: float = 5.0
    rate: float | None = None
    records_per_bundle: int = 100
    window: int = 1
    keepalive_interval: float = 5.0
    ack_timeout: float = 60.0
    request_timeout: float = 30.0
    handshake_timeout: float = 10.0
    close_when_done: bool = False
    record_stream: Path | None = None
    check_cn: bool = True
    crl_file: Path | None = None
    cn_resolver: Mapping[str, Sequence[str]] = field(default_factory=dict)
    metadata_archive_header: bool = True
    faults: Faults = Faults()
    mix: str = "classic"

    def __post_init__(self) -> None:
        if self.records_per_bundle < 1:
            raise ValueError("records_per_bundle must be at least 1")
        if self.window < 1:
            raise ValueError("window must be at least 1")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive (or None for unpaced)")
        if self.events < 0:
            raise ValueError("events must not be negative")
        if self.mix not in MIXES:
            raise ValueError(f"mix must be one of {', '.join(MIXES)}, not {self.mix!r}")


@dataclass(frozen=True)
class SimulatorCounters:
    """A snapshot of what the simulator did (all clients together)."""

    connections_accepted: int = 0
    handshakes_failed: int = 0
    cn_rejected: int = 0
    sessions_started: int = 0
    sessions_finished: int = 0
    bundles_sent: int = 0
    bundles_acked: int = 0
    events_sent: int = 0
    events_acked: int = 0
    metadata_sent: int = 0
    keepalives_sent: int = 0
    errors_sent: int = 0
    faults_injected: int = 0
    restarts: int = 0


class _ClientGone(Exception):
    """Internal: the client closed, reset or timed out; end the session quietly."""


class _Phase(Enum):
    WAIT_REQUEST = "WAIT_REQUEST"
    WAIT_STREAMING_REQUEST = "WAIT_STREAMING_REQUEST"
    STREAMING = "STREAMING"


class _EventStore:
    """The archive: every event record in timeline order, shared by all sessions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[SimRecord] = []
        self._seconds: list[int] = []

    def extend(self, records: Sequence[SimRecord]) -> None:
        with self._lock:
            for record in records:
                if self._seconds and record.archive_timestamp < self._seconds[-1]:
                    raise ValueError("archive timestamps must not decrease")
                self._records.append(record)
                self._seconds.append(record.archive_timestamp)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def start_index(self, timestamp: int) -> int:
        """Where a session asking for ``timestamp`` starts (§3.2)."""
        with self._lock:
            if timestamp == START_GENESIS:
                return 0
            if timestamp == START_NOW:
                return len(self._records)
            return bisect.bisect_left(self._seconds, timestamp)

    def since(self, index: int) -> list[SimRecord]:
        with self._lock:
            return self._records[index:]


class SimulatorServer:
    """The simulated FMC.  ``with SimulatorServer(dir, events=10) as sim:`` starts and stops it.

    Args:
        cert_dir: directory with ``ca.pem``, ``server.pem`` and ``server.key``
            (``certs.write_pki`` writes them).
        options: the settings; keyword arguments override single fields.
        clock: wall-clock seconds (injected for tests); used for ``start_time`` and for
            the archive time of events added later.
        **overrides: ``SimulatorOptions`` fields.
    """

    def __init__(
        self,
        cert_dir: Path,
        options: SimulatorOptions | None = None,
        *,
        clock: Callable[[], float] = time.time,
        **overrides: object,
    ) -> None:
        options = options or SimulatorOptions()
        if overrides:
            options = dataclasses.replace(options, **overrides)  # type: ignore[arg-type]
        self.options = options
        self._cert_dir = Path(cert_dir)
        self._clock = clock
        start_time = options.start_time
        if start_time is None:
            start_time = int(clock()) - int(options.events / options.events_per_second) - 1
        self.generator = TrafficGenerator(
            options.seed, start_time=start_time, events_per_second=options.events_per_second,
            mix=options.mix,
        )
        self._store = _EventStore()
        self._store.extend(self.generator.events(options.events))
        self._generator_lock = threading.Lock()
        self._ssl_context = self._make_ssl_context()
        self._state = threading.Condition()
        self._counters = SimulatorCounters()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._connection_ids = itertools.count(1)
        self._session_numbers = itertools.count(1)
        self._sessions: set[_ClientSession] = set()
        self._sessions_lock = threading.Lock()
        self._address: tuple[str, int] | None = None

    # ------------------------------------------------------------------ lifecycle

    def _make_ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # §1.4: the FMC speaks TLS 1.2 (what it does with 1.3 is unknown).
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self._cert_dir / SERVER_CERT_FILE, self._cert_dir / SERVER_KEY_FILE)
        ctx.load_verify_locations(cafile=str(self._cert_dir / CA_FILE))
        if self.options.crl_file is not None:
            ctx.load_verify_locations(cafile=str(self.options.crl_file))
            ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
        ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def start(self) -> None:
        """Bind, listen and start accepting clients in a background thread."""
        if self._listener is not None:
            return
        self._listen(self.options.listen_port)
        logger.info(
            "simulated FMC listening on %s:%d (%d events stored)",
            self.address[0],
            self.address[1],
            len(self._store),
        )

    def _listen(self, port: int) -> None:
        host = self.options.listen_host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family)
        listener.settimeout(_TICK_SECONDS * 4)
        self._listener = listener
        bound = listener.getsockname()
        self._address = (str(bound[0]), int(bound[1]))
        thread = threading.Thread(target=self._accept_loop, args=(listener,),
                                  name="simulator-accept", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def restart(self, downtime: float = 1.0) -> None:
        """Behave like an FMC that restarts: reset every connection, refuse new ones for
        ``downtime`` seconds, then listen again on the same port with the same archive.

        Returns at once; the restart runs in a background thread.

        Args:
            downtime: seconds during which connections are refused.
        """
        listener = self._listener
        if listener is None or self._stop.is_set():
            return
        self._listener = None
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            listener.close()
        with self._sessions_lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.reset()
        self._count(restarts=1)
        logger.info("simulated FMC restarting: connections reset, back in %g s", downtime)
        port = self.port

        def come_back() -> None:
            if self._stop.wait(downtime):
                return
            self._listen(port)
            logger.info("simulated FMC listening again on port %d", port)

        thread = threading.Thread(target=come_back, name="simulator-restart", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, end every session and wait for the threads (at most ``timeout``)."""
        self._stop.set()
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept() at once (Linux); close() alone
            # would leave it waiting for its timeout.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self._listener.close()
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) actually bound; valid after ``start()``."""
        if self._address is None:
            raise RuntimeError("the simulator is not started")
        return self._address

    @property
    def port(self) -> int:
        """The bound port; valid after ``start()``."""
        return self.address[1]

    @property
    def counters(self) -> SimulatorCounters:
        """A snapshot of the counters."""
        with self._state:
            return self._counters

    @property
    def stored_events(self) -> list[SimRecord]:
        """Every event record in the archive, in timeline order."""
        return self._store.since(0)

    def add_events(self, count: int) -> list[SimRecord]:
        """Archive ``count`` new events now; sessions that are streaming send them too.

        Their archive timestamps continue the timeline, and are not older than now.

        Args:
            count: number of event records.

        Returns:
            The new records.
        """
        with self._generator_lock:
            self.generator.advance_to(int(self._clock()))
            records = self.generator.events(count)
            self._store.extend(records)
        return records

    def wait_for(
        self, predicate: Callable[[SimulatorCounters], bool], timeout: float
    ) -> bool:
        """Wait until ``predicate(counters)`` holds.

        Args:
            predicate: test on a counters snapshot.
            timeout: seconds.

        Returns:
            True if it held within ``timeout``.
        """
        with self._state:
            return self._state.wait_for(lambda: predicate(self._counters), timeout)

    def _count(self, **increments: int) -> None:
        with self._state:
            values = {
                name: getattr(self._counters, name) + value for name, value in increments.items()
            }
            self._counters = dataclasses.replace(self._counters, **values)
            self._state.notify_all()

    # ------------------------------------------------------------------ accepting

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                raw, peer = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                break  # listener closed by stop()
            # Bundles are written in several segments and the client answers each with a
            # tiny acknowledgement: without TCP_NODELAY, Nagle's algorithm holds the last
            # segment until the client's delayed ACK (~40 ms per bundle on Linux).
            with contextlib.suppress(OSError):
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._count(connections_accepted=1)
            logger.info("Accepted connection from %s:%s/tcp", peer[0], peer[1])
            thread = threading.Thread(
                target=self._serve_client,
                args=(raw, peer),
                name=f"simulator-client-{peer[1]}",
                daemon=True,
            )
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _serve_client(self, raw: socket.socket, peer: tuple[object, ...]) -> None:
        # Thread boundary: nothing may escape, or pytest reports an unhandled thread error.
        tls: ssl.SSLSocket | None = None
        try:
            raw.settimeout(self.options.handshake_timeout)
            try:
                tls = self._ssl_context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self._count(handshakes_failed=1)
                logger.warning("SSL_accept failed for %s: %s", peer[0], exc)
                return
            if self.options.check_cn and not self._cn_matches(tls, str(peer[0])):
                self._count(cn_rejected=1)
                return
            session = _ClientSession(self, tls, next(self._connection_ids))
            self._count(sessions_started=1)
            with self._sessions_lock:
                self._sessions.add(session)
            try:
                session.run()
            finally:
                with self._sessions_lock:
                    self._sessions.discard(session)
                self._count(sessions_finished=1)
        except Exception:  # noqa: BLE001 - thread boundary, see above
            logger.exception("simulator session with %s failed", peer[0])
        finally:
            with contextlib.suppress(OSError):
                (tls or raw).close()

    def _cn_matches(self, tls: ssl.SSLSocket, peer_ip: str) -> bool:
        """§1.3 step 3: the certificate CN must be the peer's address or resolve to it."""
        cert = tls.getpeercert() or {}
        cn = None
        subject: tuple[tuple[tuple[str, str], ...], ...] = cert.get("subject", ())  # type: ignore[assignment]
        for rdn in subject:
            for key, value in rdn:
                if key == "commonName":
                    cn = str(value)
        peer = _normalise_ip(peer_ip)
        if cn is not None:
            if _normalise_ip(cn) == peer:
                logger.info("Matched Certificate CN:%s to %s", cn, peer)
                return True
            addresses = self._resolve(cn)
            if peer in addresses:
                logger.info("Resolved CN %s to %s; matched", cn, peer)
                return True
        logger.warning(
            "Certificate Common Name %s does not match remote host: %s. It was issued to a "
            "different client.",
            cn,
            peer,
        )
        return False

    def _resolve(self, name: str) -> set[str]:
        mapped = self.options.cn_resolver.get(name)
        if mapped is not None:
            return {_normalise_ip(address) for address in mapped}
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError, OSError):
            return set()
        return {_normalise_ip(str(info[4][0])) for info in infos}

    def _record_stream_path(self) -> Path | None:
        base = self.options.record_stream
        if base is None:
            return None
        number = next(self._session_numbers)
        return base if number == 1 else base.with_name(f"{base.name}.{number}")


def _normalise_ip(text: str) -> str:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


@dataclass
class _Outstanding:
    """One sent, unacknowledged bundle (or plain-mode batch)."""

    events: int


class _ClientSession:
    """The conversation with one authenticated client (protocol doc §7)."""

    def __init__(self, server: SimulatorServer, tls: ssl.SSLSocket, connection_id: int) -> None:
        self.server = server
        self.options = server.options
        limit = server.options.faults.sessions
        # Sessions after the first ``sessions`` ones run without faults.
        self.faults = server.options.faults if limit is None or connection_id <= limit else Faults()
        self.tls = tls
        self.connection_id = connection_id
        self.framer = Framer()
        self.peer = str(tls.getpeername()[0])
        self.last_send = time.monotonic()
        self.record_file: BinaryIO | None = None
        self.sequence = 0
        self.outstanding: collections.deque[_Outstanding] = collections.deque()
        self.bundles_complete = 0
        self.last_progress = time.monotonic()

    # ------------------------------------------------------------------ I/O

    def send(self, data: bytes) -> None:
        try:
            self.tls.sendall(data)
        except OSError as exc:
            raise _ClientGone(f"send failed: {exc}") from None
        if self.record_file is not None:
            self.record_file.write(data)
            self.record_file.flush()
        self.last_send = time.monotonic()

    def frames(self, timeout: float) -> Iterator[tuple[int, bytes, int]]:
        """Wait up to ``timeout`` for client bytes; yield the complete messages."""
        if self.server._stop.is_set():
            raise _ClientGone("simulator stopping")
        self.tls.settimeout(max(timeout, 0.001))
        try:
            data = self.tls.recv(_READ_BYTES)
        except (TimeoutError, socket.timeout):
            data = None
        except (ssl.SSLError, OSError) as exc:
            raise _ClientGone(f"read failed: {exc}") from None
        if data is not None:
            if not data:
                raise _ClientGone("the client closed the connection")
            self.framer.receive_data(data)
        while True:
            frame = self.framer.next_frame()
            if frame is None:
                return
            yield frame.message_type, frame.body, frame.offset

    def fail(self, text: str) -> NoReturn:
        """Send an Error about the client's misbehaviour and end the session."""
        logger.warning("client %s: %s; sending an Error and closing", self.peer, text)
        with contextlib.suppress(_ClientGone):
            self.send(build_error(PROTOCOL_ERROR_CODE, text + "\0"))
        self.server._count(errors_sent=1)
        raise _ClientGone(text)

    def reset(self) -> None:
        """Abort the connection with a TCP reset (SO_LINGER 0), from any thread."""
        with contextlib.suppress(OSError):
            self.tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.tls.shutdown(socket.SHUT_RDWR)

    def close_gracefully(self) -> None:
        """Send a TLS close_notify (best effort) without waiting for the client's."""
        # Non-blocking: the first SSL_shutdown sends our close_notify; the second, which
        # would wait for the client's, fails at once with "want read".
        self.tls.settimeout(0.0)
        with contextlib.suppress(ssl.SSLError, OSError, ValueError):
            self.tls.unwrap()

    # ------------------------------------------------------------------ phases

    def run(self) -> None:
        path = self.server._record_stream_path()
        try:
            if path is not None:
                self.record_file = path.open("wb")
            self._converse()
        except _ClientGone as exc:
            logger.info("session %d with %s ended: %s", self.connection_id, self.peer, exc)
        except RemoteProtocolError as exc:
            with contextlib.suppress(_ClientGone):
                self.fail(f"bad message from client: {exc}")
        finally:
            if self.record_file is not None:
                self.record_file.close()

    def _converse(self) -> None:
        timestamp, flags = self._wait_request()
        logger.info("EventStream Request (0x%08x): Since %d", flags, timestamp)
        if self.faults.error is not None:
            code, text = self.faults.error
            self.send(build_error(code, text + ("\0" if self.faults.error_trailing_nul else "")))
            self.server._count(errors_sent=1)
            raise _ClientGone(f"fault: sent Error {code} {text!r}")
        extended = bool(flags & RequestFlag.EXTENDED)
        types: set[int] = set()
        if extended:
            self.send(encode_streaming_information())
            types = self._wait_streaming_request(timestamp, flags)
        self._stream(timestamp, flags, extended, types)

    def _wait_request(self) -> tuple[int, int]:
        deadline = time.monotonic() + self.options.request_timeout
        while time.monotonic() < deadline:
            for message_type, body, offset in self.frames(_TICK_SECONDS * 2):
                if message_type == MessageType.NULL:
                    continue
                if message_type == MessageType.ERROR:
                    self._client_error(body, offset)
                if message_type != MessageType.EVENT_STREAM_REQUEST:
                    self.fail(f"expected an EventStreamRequest, got message type {message_type}")
                logger.info("Got EVENT_STREAM_REQUEST length %d", len(body))
                try:
                    return parse_event_stream_request(body, offset=offset)
                except RemoteProtocolError as exc:
                    self.fail(str(exc))
        raise _ClientGone("no EventStreamRequest within the request timeout")

    def _wait_streaming_request(self, timestamp: int, flags: int) -> set[int]:
        deadline = time.monotonic() + self.options.request_timeout
        while time.monotonic() < deadline:
            for message_type, body, offset in self.frames(_TICK_SECONDS * 2):
                if message_type == MessageType.NULL:
                    continue  # eNcore acknowledges the Streaming Information (§7)
                if message_type == MessageType.ERROR:
                    self._client_error(body, offset)
                if message_type != MessageType.STREAMING_REQUEST:
                    self.fail(f"expected a StreamingRequest, got message type {message_type}")
                logger.info("Got UEC STREAM REQUEST length %d", len(body))
                try:
                    service, _flags, _timestamp, pairs = parse_streaming_request(
                        body, offset=offset
                    )
                except RemoteProtocolError as exc:
                    self.fail(str(exc))
                if service != STREAMING_SERVICE_ID:
                    self.fail(f"StreamingRequest for service {service}; only 6667 is offered")
                for event_type, version in pairs:
                    logger.info("Got Event type %d, version %d", event_type, version)
                return {event_type for event_type, _version in pairs}
        raise _ClientGone("no StreamingRequest within the request timeout")

    def _client_error(self, body: bytes, offset: int) -> NoReturn:
        code, text = parse_error(body, offset=offset)
        raise _ClientGone(f"client sent Error {code}: {text}")

    # ------------------------------------------------------------------ streaming

    def _wanted(self, flags: int, extended: bool, types: set[int]) -> tuple[bool, set[int]]:
        """(send metadata?, event record types to send) for this request."""
        records: set[int] = set()
        if extended:
            metadata = EventTypeCode.METADATA in types or bool(flags & RequestFlag.METADATA_V4)
            for event_type in types:
                records |= _RECORDS_BY_EVENT_TYPE.get(event_type, frozenset())
        else:
            metadata = bool(flags & _PLAIN_METADATA)
            for bits, kinds in _RECORDS_BY_FLAG:
                if flags & bits:
                    records |= kinds
        if RecordType.INTRUSION_EVENT in records:
            # Packets (bit 0) and extra data (bit 27) come with intrusion events (§3.3).
            if flags & RequestFlag.PACKET_DATA:
                records.add(int(RecordType.PACKET))
            if flags & RequestFlag.EXTRA_DATA:
                records.add(int(RecordType.INTRUSION_EVENT_EXTRA_DATA))
        return metadata, records

    def _stream(self, timestamp: int, flags: int, extended: bool, types: set[int]) -> None:
        archive_header = bool(flags & RequestFlag.ARCHIVE_TIMESTAMPS)
        send_metadata, wanted = self._wanted(flags, extended, types)
        queue: collections.deque[tuple[SimRecord, bytes]] = collections.deque()
        if send_metadata:
            meta_header = archive_header and self.options.metadata_archive_header
            for record in self.server.generator.metadata_records():
                queue.append((record, record.encode(meta_header)))
        cursor = self.server._store.start_index(timestamp)
        logger.info(
            "session %d: streaming from event %d of %d (T=%d), bundles of %d",
            self.connection_id,
            cursor,
            len(self.server._store),
            timestamp,
            self.options.records_per_bundle,
        )
        started = time.monotonic()
        paced = 0  # events sent in this session (for --rate)
        # Unacknowledged units allowed: bundles, or (plain mode) EventData messages.
        limit = self.options.window * (1 if extended else self.options.records_per_bundle)
        first_bundle = True
        while True:
            fresh = self.server._store.since(cursor)
            cursor += len(fresh)
            for record in fresh:
                if record.record_type in wanted:
                    queue.append((record, record.encode(archive_header)))
            while queue and len(self.outstanding) < limit:
                batch, events = self._take(queue, started, paced)
                if not batch:
                    break
                paced += events
                if first_bundle:
                    batch = self._first_bundle_faults(batch, archive_header)
                    first_bundle = False
                self._send_batch(batch, events, extended)
            if (
                self.options.close_when_done
                and not queue
                and not self.outstanding
                and cursor >= len(self.server._store)
            ):
                logger.info("session %d: everything sent and acknowledged", self.connection_id)
                self.close_gracefully()
                raise _ClientGone("done")
            for message_type, body, offset in self.frames(_TICK_SECONDS):
                if message_type == MessageType.NULL:
                    self._acknowledged()
                elif message_type == MessageType.ERROR:
                    self._client_error(body, offset)
                else:
                    logger.warning(
                        "client %s sent message type %d while streaming; ignored",
                        self.peer,
                        message_type,
                    )
            now = time.monotonic()
            if self.outstanding and now - self.last_progress > self.options.ack_timeout:
                raise _ClientGone(
                    f"no acknowledgement within {self.options.ack_timeout:g} s; closing"
                )
            if now - self.last_send >= self.options.keepalive_interval:
                self.send(build_null())
                self.server._count(keepalives_sent=1)

    def _take(
        self, queue: collections.deque[tuple[SimRecord, bytes]], started: float, paced: int
    ) -> tuple[list[bytes], int]:
        """Pop the records of the next bundle, respecting ``rate``; return (records, events)."""
        budget = None
        if self.options.rate is not None:
            budget = int((time.monotonic() - started) * self.options.rate) + 1 - paced
        batch: list[bytes] = []
        events = 0
        while queue and len(batch) < self.options.records_per_bundle:
            record, data = queue[0]
            if not record.is_metadata:
                if budget is not None and events >= budget:
                    break
                events += 1
            queue.popleft()
            batch.append(data)
        return batch, events

    def _send_batch(self, batch: list[bytes], events: int, extended: bool) -> None:
        metadata = len(batch) - events
        if extended:
            self.sequence += 1
            message = encode_bundle(
                self.connection_id, self.sequence, batch, inner_type=self.faults.inner_type
            )
            message = self._message_faults(message)
            self.send(message)
            self.outstanding.append(_Outstanding(events))
            units = 1
        else:
            # Plain mode: every EventData message is acknowledged on its own (eNcore sends a
            # Null per message); the batch is ``records_per_bundle`` messages.
            for index, record in enumerate(batch):
                self.send(encode_event_data(record))
                self.outstanding.append(_Outstanding(1 if index >= metadata else 0))
            units = len(batch)
        self.bundles_complete += 1
        self.last_progress = time.monotonic()
        self.server._count(bundles_sent=units, events_sent=events, metadata_sent=metadata)

    def _acknowledged(self) -> None:
        if not self.outstanding:
            return  # surplus Null (eNcore acks every message, §9.1 #4): harmless
        done = self.outstanding.popleft()
        self.last_progress = time.monotonic()
        self.server._count(bundles_acked=1, events_acked=done.events)

    # ------------------------------------------------------------------ faults

    def _first_bundle_faults(self, batch: list[bytes], archive_header: bool) -> list[bytes]:
        faults = self.faults
        extra: list[bytes] = []
        if faults.unknown_message_type is not None:
            self.send(encode_message(faults.unknown_message_type, b"\0\0\0\0"))
        if faults.unknown_record_type is not None:
            data = bytes(12)
            head = struct.pack(">II", faults.unknown_record_type, len(data))
            if archive_header:
                head += struct.pack(">II", self.server.generator.current_second, 0)
            extra.append(head + data)
        if faults.truncated_block:
            zone = next(
                r for r in self.server.generator.metadata_records()
                if r.record_type == RecordType.SECURITY_ZONE_NAME
            )  # fmt: skip
            encoded = bytearray(zone.encode(archive_header))
            header_size = 16 if archive_header else 8
            record_length = struct.unpack_from(">I", encoded, 4)[0]
            # blockLength (record data offset 4) claims 64 bytes more than the record holds.
            struct.pack_into(">I", encoded, header_size + 4, record_length + 64)
            extra.append(bytes(encoded))
        return extra + batch

    def _message_faults(self, message: bytes) -> bytes:
        faults = self.faults
        done = self.bundles_complete
        if faults.reset_mid_message_after is not None and done >= faults.reset_mid_message_after:
            self.server._count(faults_injected=1)
            self.send(message[: len(message) // 2])
            with contextlib.suppress(OSError):
                self.tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raise _ClientGone("fault: reset in the middle of a message")
        if faults.error_after is not None and done >= faults.error_after:
            self.server._count(faults_injected=1, errors_sent=1)
            code, text = faults.error_after_message
            self.send(build_error(code, text + "\0"))
            self.close_gracefully()
            raise _ClientGone(f"fault: sent Error {code} {text!r} in the middle of the stream")
        if faults.stall_after is not None and done >= faults.stall_after:
            self.server._count(faults_injected=1)
            self._stall()
        if faults.restart_after is not None and done >= faults.restart_after:
            self.server._count(faults_injected=1)
            self.server.restart(faults.restart_downtime)
            raise _ClientGone("fault: server restart")
        if faults.truncate_record_after is not None and done == faults.truncate_record_after:
            self.server._count(faults_injected=1)
            message = _truncate_last_record(message)
        if faults.huge_length:
            self.send(message[:4] + struct.pack(">I", HUGE_LENGTH))
            raise _ClientGone("fault: announced a huge message and stopped")
        if faults.header_version is not None and self.sequence == 1:
            message = struct.pack(">H", faults.header_version) + message[2:]
        if (
            faults.close_mid_message_after is not None
            and done >= faults.close_mid_message_after
        ):
            self.send(message[: len(message) // 2])
            raise _ClientGone("fault: closed in the middle of a message")
        return message

    def _stall(self) -> NoReturn:
        """Send nothing more, but keep reading (and dropping) until the client leaves."""
        logger.info("session %d: fault: stalling (no bytes, no keep-alives)", self.connection_id)
        deadline = time.monotonic() + max(self.options.ack_timeout, 5.0)
        while time.monotonic() < deadline:
            for _frame in self.frames(_TICK_SECONDS * 2):
                pass
        raise _ClientGone("fault: stalled until the acknowledgement timeout")


def _truncate_last_record(message: bytes) -> bytes:
    """Cut the last record of an encoded bundle short, keeping the outer framing valid.

    The message header announces the shortened body, so the framing stays in step; the
    last inner message still claims its full length, which runs past the bundle's end.
    """
    body_start = 8
    position = body_start + 8  # connectionId, sequenceNumber
    last = None
    while position + 8 <= len(message):
        _inner_type, length = struct.unpack_from(">II", message, position)
        last = position
        position += 8 + length
    if last is None:
        return message
    last_length = struct.unpack_from(">I", message, last + 4)[0]
    cut = max(1, min(16, last_length // 2))
    shortened = bytearray(message[: len(message) - cut])
    struct.pack_into(">I", shortened, 4, len(shortened) - 8)
    return bytes(shortened)
