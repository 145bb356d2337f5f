"""The syslog output: CEF lines to ArcSight over UDP, TCP or TLS without losing events.

It owns delivery; the bytes on the wire come from :mod:`~cef_connector.outputs.syslog_format`
and the sockets from :mod:`~cef_connector.outputs.syslog_transport`.

How a line travels:

1. :meth:`SyslogOutput.write` refuses a raw CR or LF, puts the RFC 3164 or RFC 5424 header
   in front, encodes UTF-8 and (UDP only) cuts the message to ``max_message_bytes`` at a
   character boundary, counting and logging every cut.  The message joins the *pending*
   queue, or the spool's tail when the spool already holds a backlog (order is kept).
2. Pending messages are sent in batches (``batch_messages`` / ``batch_bytes``) and at
   every :meth:`~SyslogOutput.flush`.  The order of sending is: the *replay* queue (see 4),
   then the spool's backlog, then pending.
3. :meth:`~SyslogOutput.flush` returns only when every message written so far has been
   handed to a destination's socket (stream: all bytes written) or, when no destination
   accepts and a spool is configured, appended to the spool and fsynced.  Only then does
   the pipeline move the bookmark and acknowledge the FMC bundle.  While no destination
   accepts and there is no room in a spool, it *blocks*, retrying with capped exponential
   backoff with jitter: the pipeline stops reading from the FMC, which pauses the FMC
   (back-pressure; protocol doc §2.5).  A stop request (SIGTERM) wakes it at once; it then
   raises :class:`~cef_connector.errors.OutputError`, so the bookmark stays before the
   unsent lines and they are read from the FMC again at the next start.
4. Replay window (TCP and TLS): TCP has no application acknowledgement, so what the
   kernel accepted may still be lost when a connection breaks (the receiver restarts
   with unread data, a reset).  Each connection keeps the last ``replay_messages``
   messages sent on it within ``replay_seconds``; when it breaks, they go to the replay
   queue and are sent first on the next connection, to whichever destination.  They are
   counted as ``replayed_total``: possible duplicates, which the receiver sees in the
   order they are re-sent.
5. Several destinations: ``failover`` sends to one destination until it fails, then to
   the next in the configured order that connects (it goes back to the first one at the
   next failure or restart, not by itself); ``roundrobin`` sends each batch to the next
   destination in turn and keeps a connection to each.  Each destination has its own
   backoff; a failed one is retried when its delay has passed.

Threads: none.  The output runs in the pipeline's thread; waiting is ``stop.wait(delay)``,
so it is woken by a stop request and needs no lock.  Batches keep the system calls few,
and a blocked output is exactly the back-pressure the FMC protocol expects; a sender
thread would only add a second queue to bound.

UDP (RFC 5426) is best-effort: a datagram can be lost without any sign; the output
counts what it sent and retries only send errors the kernel reports (e.g. the ICMP "port
unreachable" of a stopped receiver, reported on a later send).
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cef_connector.errors import OutputError
from cef_connector.outputs.base import AT_LEAST_ONCE, BEST_EFFORT, require_single_line
from cef_connector.outputs.spool import Spool
from cef_connector.outputs.syslog_format import (
    MAX_UDP_PAYLOAD_IPV4,
    SyslogHeader,
    truncate_utf8,
)
from cef_connector.outputs.syslog_transport import DestinationError, Transport
from cef_connector.outputs.uri import SyslogTarget
from cef_connector.session.backoff import Backoff

__all__ = [
    "DEFAULT_BATCH_BYTES",
    "DEFAULT_BATCH_MESSAGES",
    "MODES",
    "DestinationCounters",
    "SyslogCounters",
    "SyslogOutput",
]

logger = logging.getLogger(__name__)

#: ``stream.options.mode`` values.
MODES: tuple[str, ...] = ("failover", "roundrobin")

#: Pending messages that trigger a send before the bundle's flush.
DEFAULT_BATCH_MESSAGES = 1000
#: Pending bytes that trigger a send before the bundle's flush.
DEFAULT_BATCH_BYTES = 256 * 1024

#: Seconds between two log lines about UDP truncations (each line gives the count).
_TRUNCATION_LOG_SECONDS = 10.0
#: Seconds between two "still waiting for a destination" log lines.
_WAITING_LOG_SECONDS = 30.0


@dataclass
class DestinationCounters:
    """What happened on one destination (Vector-style names, ``_total`` counters).

    Attributes:
        messages_sent_total: messages handed to the socket, replays included.
        bytes_sent_total: their bytes, without the framing.
        replayed_total: messages sent again after a connection broke (possible
            duplicates at the receiver).
        connects_total: connections opened.
        reconnects_total: connections opened after an earlier one (a subset of the above).
        connect_failures_total: failed connection attempts by kind (``refused``,
            ``timeout``, ``tls_verify`` ...).
        connection_losses_total: connections lost while in use, by kind (``closed``,
            ``reset``, ``send_timeout`` ...).
    """

    messages_sent_total: int = 0
    bytes_sent_total: int = 0
    replayed_total: int = 0
    connects_total: int = 0
    reconnects_total: int = 0
    connect_failures_total: Counter[str] = field(default_factory=Counter)
    connection_losses_total: Counter[str] = field(default_factory=Counter)


@dataclass
class SyslogCounters:
    """Counters of one syslog output.

    Attributes:
        destinations: per destination URI.
        truncated_total: UDP messages cut to ``max_message_bytes`` (before a destination
            is chosen, so counted once for the output).
        spooled_total: messages written to the spool.
        spool_full_total: times a message did not fit in the spool (the output then
            blocked until a destination accepted).
        spool_messages: messages in the spool now.
        spool_bytes: bytes the spool takes on disk now.
    """

    destinations: dict[str, DestinationCounters] = field(default_factory=dict)
    truncated_total: int = 0
    spooled_total: int = 0
    spool_full_total: int = 0
    spool_messages: int = 0
    spool_bytes: int = 0


class _Link:
    """One destination: its connection, replay window, backoff and counters."""

    def __init__(self, target: SyslogTarget, backoff: Backoff, counters: DestinationCounters):
        self.target = target
        self.name = str(target)
        self.transport: Transport | None = None
        self.window: deque[tuple[float, bytes]] = deque()
        self.backoff = backoff
        self.next_attempt = 0.0
        self.counters = counters
        self.last_error = ""


class SyslogOutput:
    """Sends CEF lines as syslog messages to one or more destinations of one scheme.

    Args:
        targets: the destinations, in failover order (all ``udp``, all ``tcp`` or all
            ``tls``).
        header: builds the RFC 3164 / RFC 5424 header.
        connect: opens a transport to a destination (raises ``DestinationError``).
        clock: wall-clock epoch seconds (header time stamps).
        monotonic: monotonic seconds (backoff, replay window age, status period).
        rng: randomness for the backoff jitter.
        stop: set when the connector stops; wakes a blocked write or flush.
        wait: sleeps up to the given seconds, returning True early when stopping
            (default ``stop.wait``).
        name: label for logs.
        mode: ``"failover"`` or ``"roundrobin"``.
        use_event_time: stamp messages with the record's time instead of the send time.
        max_message_bytes: UDP only: longest datagram (default 65507, the largest IPv4
            UDP payload; RFC 5426 requires receivers to take 480 bytes over IPv4 and
            1180 over IPv6 and recommends 2048; rsyslog takes 8096 by default).
        replay_messages: TCP/TLS: messages kept per connection for replay (0: none).
        replay_seconds: TCP/TLS: ... and only those sent within this many seconds.
        spool: a bounded on-disk spool for when no destination accepts, or None.
        reconnect_initial_seconds: backoff after the first failure (before jitter).
        reconnect_max_seconds: the longest backoff.
        batch_messages: pending messages that trigger a send before the flush.
        batch_bytes: pending bytes that trigger a send before the flush.
        status_period_seconds: log the counters this often (0: never).

    Raises:
        OutputError: no targets, mixed schemes, an unknown mode or bad limits.
    """

    def __init__(
        self,
        targets: Sequence[SyslogTarget],
        *,
        header: SyslogHeader,
        connect: Callable[[SyslogTarget], Transport],
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        stop: threading.Event | None = None,
        wait: Callable[[float], bool] | None = None,
        name: str | None = None,
        mode: str = "failover",
        use_event_time: bool = False,
        max_message_bytes: int = MAX_UDP_PAYLOAD_IPV4,
        replay_messages: int = 10000,
        replay_seconds: float = 10.0,
        spool: Spool | None = None,
        reconnect_initial_seconds: float = 0.5,
        reconnect_max_seconds: float = 30.0,
        batch_messages: int = DEFAULT_BATCH_MESSAGES,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        status_period_seconds: float = 0.0,
    ) -> None:
        if not targets:
            raise OutputError("a syslog output needs at least one destination")
        schemes = {target.scheme for target in targets}
        if len(schemes) != 1:
            raise OutputError(
                f"syslog destinations of one output must share a scheme, got "
                f"{', '.join(str(t) for t in targets)}; use one outputter per scheme"
            )
        if mode not in MODES:
            raise OutputError(f"syslog mode {mode!r} is not one of {', '.join(MODES)}")
        if not 1 <= max_message_bytes <= MAX_UDP_PAYLOAD_IPV4:
            raise OutputError(
                f"maxMessageBytes {max_message_bytes} is not 1..{MAX_UDP_PAYLOAD_IPV4}"
            )
        if replay_messages < 0 or replay_seconds < 0:
            raise OutputError("the replay window cannot be negative")
        if reconnect_initial_seconds <= 0 or reconnect_max_seconds < reconnect_initial_seconds:
            raise OutputError(
                "reconnect delays must be above 0 with maxSeconds >= initialSeconds, got "
                f"{reconnect_initial_seconds:g} and {reconnect_max_seconds:g}"
            )
        self.scheme = schemes.pop()
        self.DELIVERY = BEST_EFFORT if self.scheme == "udp" else AT_LEAST_ONCE
        self.name = name or ",".join(str(target) for target in targets)
        self.paths: list[str] = []
        self.lines_written = 0
        self._header = header
        self._connect_to = connect
        self._clock = clock
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._stop = stop or threading.Event()
        self._wait = wait or self._stop.wait
        self._mode = mode
        self._use_event_time = use_event_time
        self._udp = self.scheme == "udp"
        self._max_message_bytes = max_message_bytes
        self._replay_messages = 0 if self._udp else replay_messages
        self._replay_seconds = replay_seconds
        self._spool = spool
        self._batch_messages = max(1, batch_messages)
        self._batch_bytes = max(1, batch_bytes)
        self._status_period = status_period_seconds
        self.counters = SyslogCounters()
        self._links: list[_Link] = []
        for target in targets:
            counters = self.counters.destinations.setdefault(str(target), DestinationCounters())
            backoff = Backoff(
                base_seconds=reconnect_initial_seconds,
                cap_seconds=reconnect_max_seconds,
                rng=self._rng,
            )
            self._links.append(_Link(target, backoff, counters))
        self._current: _Link | None = None  # failover: the destination in use
        self._turn = 0  # roundrobin: index of the next destination
        self._pending: deque[bytes] = deque()
        self._pending_bytes = 0
        self._replay: deque[bytes] = deque()
        self._opened = False
        self._closed = False
        self._waiting_since: float | None = None
        self._waiting_logged = 0.0
        self._spool_full_logged = False
        self._truncations_unlogged = 0
        self._truncation_logged_at: float | None = None
        self._status_at = monotonic()

    # -- Output protocol ---------------------------------------------------------

    def open(self) -> None:
        """Open the spool, try one connection and, if it works, drain the spool's backlog.

        A destination that cannot be reached now is not an error here: the output
        retries with backoff and holds the pipeline back until one accepts.

        Raises:
            OutputError: the spool directory cannot be used.
        """
        if self._opened:
            return
        if self._spool is not None:
            self._spool.open()
            self._update_spool_counters()
        self._opened = True
        self._closed = False
        if self._usable_link() is not None and self._spool is not None:
            self._deliver(block=False)  # a backlog left by the previous run goes first

    def write(self, line: str, event_time: int | None = None) -> None:
        """Queue one CEF line as one syslog message.

        Args:
            line: one CEF line without a line terminator.
            event_time: the record's time in epoch seconds; used for the header when
                ``use_event_time`` is set.

        Raises:
            OutputError: the line contains a raw CR or LF (a bug upstream: the CEF
                encoder escapes them), or the output was stopped while no destination
                accepted the batch this line completed.
        """
        require_single_line(self.name, line)
        if not self._opened:
            self.open()
        if self._use_event_time and event_time is not None:
            stamp: float = event_time
        else:
            stamp = self._clock()
        message = (self._header.text(stamp) + line).encode("utf-8", "replace")
        if self._udp and len(message) > self._max_message_bytes:
            message = self._truncate(message)
        self.lines_written += 1
        spool = self._spool
        if spool is not None and spool.messages:
            self._spool_behind_backlog(message)
            return
        self._pending.append(message)
        self._pending_bytes += len(message)
        if len(self._pending) >= self._batch_messages or self._pending_bytes >= self._batch_bytes:
            self._deliver(block=True)

    def flush(self) -> None:
        """Return when every message written so far is in a socket or synced in the spool.

        Blocks (back-pressure) while no destination accepts and the spool cannot take
        the messages.

        Raises:
            OutputError: the connector is stopping while messages are still undelivered
                (the bookmark must not move past them), or the spool failed.
        """
        if not self._opened:
            self.open()
        self._deliver(block=True)
        if self._spool is not None:
            self._spool.sync()
            self._update_spool_counters()
        self._log_status_if_due()

    def close(self) -> None:
        """Send what can be sent without waiting, spool the rest if possible, disconnect.

        Raises:
            OutputError: messages written since the last successful flush could be
                neither sent nor spooled (they were not bookmarked either).
        """
        if self._closed or not self._opened:
            return
        undelivered = 0
        try:
            try:
                self._deliver(block=False)
            except OutputError as exc:
                logger.debug("%s: final delivery failed: %s", self.name, exc)
            self._park()
            lost_replays = len(self._replay)
            undelivered = len(self._pending)
            if lost_replays:
                logger.error(
                    "%s: %d messages that were in flight when a connection broke could not be "
                    "re-sent before stopping; the receiver may lack them",
                    self.name, lost_replays,
                )
            self._log_truncations(force=True)
        finally:
            for link in self._links:
                self._disconnect(link)
            if self._spool is not None:
                self._spool.close()
                self._update_spool_counters()
            self._closed = True
            self._opened = False
        if undelivered:
            self._pending.clear()
            self._pending_bytes = 0
            raise OutputError(
                f"{self.name}: {undelivered} messages were not delivered to any destination "
                "when the output closed; the bookmark was not advanced past them, so they "
                "are read from the FMC again at the next start"
            )

    def reopen(self) -> None:
        """Flush, then close every connection; the next batch connects afresh (SIGHUP).

        Raises:
            OutputError: the flush failed (see :meth:`flush`).
        """
        self.flush()
        for link in self._links:
            self._disconnect(link)
        self._current = None

    # -- telemetry ---------------------------------------------------------------

    def healthcheck(self) -> None:
        """Connect to every destination once and disconnect (``cef-connector check``).

        Raises:
            OutputError: a destination cannot be reached; the message names each one and
                why (for UDP only local errors, such as an unknown host, show).
        """
        failures = []
        for link in self._links:
            try:
                transport = self._connect_to(link.target)
            except DestinationError as exc:
                failures.append(str(exc))
                continue
            transport.close()
        if failures:
            raise OutputError(
                f"{len(failures)} of {len(self._links)} destinations unreachable: "
                + "; ".join(failures)
            )

    def telemetry(self) -> dict[str, int]:
        """The counters as flat ``name: value`` pairs for the monitor (``lines_written``
        is read separately, as for every output).

        Returns:
            ``truncated_total``, ``spooled_total``,
            ``spool_full_total``, ``spool_messages``, ``spool_bytes`` and, per
            destination, ``<counter>{destination=<uri>}`` for ``messages_sent_total``,
            ``bytes_sent_total``, ``replayed_total``, ``connects_total``,
            ``reconnects_total``, ``connect_failures_total`` and
            ``connection_losses_total`` (the last two summed over their kinds).
        """
        result = {
            "truncated_total": self.counters.truncated_total,
            "spooled_total": self.counters.spooled_total,
            "spool_full_total": self.counters.spool_full_total,
            "spool_messages": self.counters.spool_messages,
            "spool_bytes": self.counters.spool_bytes,
        }
        for uri, counters in self.counters.destinations.items():
            for key, value in list(vars(counters).items()):
                # dict() copies a Counter atomically: the monitor may read from its thread
                total = sum(dict(value).values()) if isinstance(value, Counter) else value
                result[f"{key}{{destination={uri}}}"] = int(total)
        return result

    def status_line(self) -> str:
        """One human-readable line with every destination's counters.

        Returns:
            e.g. ``syslog tcp://h:514: 1200 sent (345678 bytes), 1 reconnects,
            40 replayed; spool 0 messages``.
        """
        parts = []
        for link in self._links:
            c = link.counters
            state = "connected" if link.transport is not None else "disconnected"
            parts.append(
                f"{link.name} {state}: {c.messages_sent_total} sent ({c.bytes_sent_total} "
                f"bytes), {c.reconnects_total} reconnects, {c.replayed_total} replayed"
            )
        text = f"syslog {'; '.join(parts)}"
        if self._udp:
            text += f"; {self.counters.truncated_total} truncated"
        if self._spool is not None:
            text += (
                f"; spool {self.counters.spool_messages} messages "
                f"({self.counters.spool_bytes} bytes)"
            )
        return text

    # -- delivery ----------------------------------------------------------------

    def _deliver(self, *, block: bool) -> None:
        """Send replay, then spool backlog, then pending; park or wait when nobody accepts."""
        spool = self._spool
        while self._replay or self._pending or (spool is not None and spool.messages):
            if self._stop.is_set() and not self._replay and not self._pending:
                return  # only the spool's (durable) backlog is left: drained at the next start
            link = self._usable_link()
            if link is None:
                if self._park():
                    return
                if not block:
                    return
                self._wait_for_destination()
                continue
            self._end_wait()
            self._send_batch(link)

    def _send_batch(self, link: _Link) -> None:
        transport = link.transport
        assert transport is not None
        try:
            transport.check_alive()
        except DestinationError as exc:
            self._lose_connection(link, exc, [], "")
            return
        source, batch = self._take_batch()
        try:
            transport.send(batch)
        except DestinationError as exc:
            done = batch[: exc.sent]
            if done:
                self._commit(link, source, done)
            self._lose_connection(link, exc, batch[exc.sent :], source)
            return
        self._commit(link, source, batch)

    def _take_batch(self) -> tuple[str, list[bytes]]:
        if self._replay:
            return "replay", self._head_of(self._replay)
        if self._spool is not None and self._spool.messages:
            return "spool", self._spool.peek(self._batch_messages, self._batch_bytes)
        return "pending", self._head_of(self._pending)

    def _head_of(self, queue: deque[bytes]) -> list[bytes]:
        if len(queue) <= self._batch_messages and (
            queue is not self._pending or self._pending_bytes <= self._batch_bytes
        ):
            return list(queue)
        batch: list[bytes] = []
        size = 0
        for message in itertools.islice(queue, self._batch_messages):
            if batch and size + len(message) > self._batch_bytes:
                break
            batch.append(message)
            size += len(message)
        return batch

    def _commit(self, link: _Link, source: str, batch: list[bytes]) -> None:
        count = len(batch)
        size = sum(map(len, batch))
        if source == "replay":
            for _ in range(count):
                self._replay.popleft()
            link.counters.replayed_total += count
        elif source == "spool":
            assert self._spool is not None
            self._spool.consume(count)
            self._update_spool_counters()
        else:
            if count == len(self._pending):
                self._pending.clear()
                self._pending_bytes = 0
            else:
                for _ in range(count):
                    self._pending.popleft()
                self._pending_bytes -= size
        link.counters.messages_sent_total += count
        link.counters.bytes_sent_total += size
        link.backoff.reset()
        if self._replay_messages:
            now = self._monotonic()
            window = link.window
            window.extend(zip(itertools.repeat(now), batch))
            excess = len(window) - self._replay_messages
            for _ in range(max(0, excess)):
                window.popleft()
            oldest = now - self._replay_seconds
            while window and window[0][0] < oldest:
                window.popleft()
        if self._mode == "roundrobin":
            self._turn = (self._links.index(link) + 1) % len(self._links)

    def _lose_connection(
        self, link: _Link, exc: DestinationError, failed: list[bytes], source: str
    ) -> None:
        """Close a broken connection; what may not have arrived goes to the replay queue."""
        in_flight = [message for _, message in link.window]
        link.window.clear()
        moved: list[bytes] = []
        if source == "pending" and failed and not self._udp:
            # Part of the batch may have reached the receiver: re-sending it is a replay.
            # (A datagram the kernel refused was not sent: it simply stays pending.)
            for _ in range(len(failed)):
                moved.append(self._pending.popleft())
            self._pending_bytes -= sum(map(len, moved))
        self._replay.extendleft(reversed(in_flight + moved))
        link.counters.connection_losses_total[exc.kind] += 1
        self._disconnect(link)
        if self._current is link:
            self._current = None
        delay = link.backoff.next_delay()
        link.next_attempt = self._monotonic() + delay
        link.last_error = str(exc)
        logger.warning(
            "%s; %d messages sent shortly before are sent again after reconnecting "
            "(possible duplicates); retrying this destination in %.1f s",
            exc, len(in_flight) + len(moved), delay,
        )

    def _usable_link(self) -> _Link | None:
        """A connected destination, connecting one whose retry time has come if needed."""
        now = self._monotonic()
        force = self._stop.is_set()
        if self._mode == "roundrobin":
            order = self._links[self._turn :] + self._links[: self._turn]
            for link in order:
                if link.transport is not None:
                    return link
                if (force or now >= link.next_attempt) and self._connect(link):
                    return link
            return None
        if self._current is not None and self._current.transport is not None:
            return self._current
        for link in self._links:
            if (force or now >= link.next_attempt) and self._connect(link):
                self._current = link
                return link
        return None

    def _connect(self, link: _Link) -> bool:
        try:
            link.transport = self._connect_to(link.target)
        except DestinationError as exc:
            link.counters.connect_failures_total[exc.kind] += 1
            delay = link.backoff.next_delay()
            link.next_attempt = self._monotonic() + delay
            link.last_error = str(exc)
            log = logger.warning if link.backoff.failures <= 1 else logger.info
            log("%s; retrying in %.1f s", exc, delay)
            return False
        counters = link.counters
        if counters.connects_total:
            counters.reconnects_total += 1
        counters.connects_total += 1
        logger.info("%s: connected (%s)", link.name,
                    "reconnect" if counters.reconnects_total else "first connection")
        return True

    def _disconnect(self, link: _Link) -> None:
        if link.transport is not None:
            link.transport.close()
            link.transport = None

    def _park(self) -> bool:
        """Move replay and pending messages into the spool; True when none are left."""
        spool = self._spool
        if spool is None:
            return not self._replay and not self._pending
        for queue in (self._replay, self._pending):
            while queue:
                if not spool.append(queue[0]):
                    self._note_spool_full()
                    self._update_spool_counters()
                    return False
                message = queue.popleft()
                if queue is self._pending:
                    self._pending_bytes -= len(message)
                self.counters.spooled_total += 1
        self._update_spool_counters()
        return True

    def _spool_behind_backlog(self, message: bytes) -> None:
        """Append to the spool's tail (a backlog is waiting); wait while it is full."""
        spool = self._spool
        assert spool is not None
        while not spool.append(message):
            self._note_spool_full()
            before = spool.messages
            self._deliver(block=False)
            if not spool.messages:
                self._pending.append(message)
                self._pending_bytes += len(message)
                return
            if spool.messages >= before:
                self._wait_for_destination()
        self.counters.spooled_total += 1
        self._update_spool_counters()

    def _note_spool_full(self) -> None:
        self.counters.spool_full_total += 1
        if not self._spool_full_logged:
            self._spool_full_logged = True
            assert self._spool is not None
            logger.error(
                "%s: the spool is full (%d messages, %d bytes of %d); no destination accepts, "
                "so the connector stops reading from the FMC until one does (nothing is "
                "dropped)",
                self.name, self._spool.messages, self._spool.bytes, self._spool.max_bytes,
            )

    def _wait_for_destination(self) -> None:
        """Sleep until the next retry is due; raise when the connector is stopping."""
        now = self._monotonic()
        waiting = len(self._replay) + len(self._pending)
        if self._stop.is_set():
            self._raise_stopped(waiting)
        if self._waiting_since is None:
            self._waiting_since = now
            self._waiting_logged = now
            logger.warning(
                "%s: no destination accepts (%s); holding %d messages and not reading from "
                "the FMC until one does",
                self.name, self._last_errors(), waiting,
            )
        elif now - self._waiting_logged >= _WAITING_LOG_SECONDS:
            self._waiting_logged = now
            logger.warning(
                "%s: still no destination after %.0f s (%s); holding %d messages",
                self.name, now - self._waiting_since, self._last_errors(), waiting,
            )
        delay = min(link.next_attempt for link in self._links) - now
        if self._wait(max(delay, 0.001)) or self._stop.is_set():
            # One more try right away: a receiver that is back lets a stop finish cleanly.
            if self._usable_link() is None:
                self._raise_stopped(len(self._replay) + len(self._pending))

    def _raise_stopped(self, waiting: int) -> None:
        raise OutputError(
            f"{self.name}: stopping while {waiting} messages were not accepted by any "
            f"destination ({self._last_errors()}); the bookmark was not advanced past them, "
            "so they are read from the FMC again at the next start"
        )

    def _end_wait(self) -> None:
        if self._waiting_since is not None:
            logger.warning(
                "%s: a destination accepts again after %.1f s",
                self.name, self._monotonic() - self._waiting_since,
            )
            self._waiting_since = None
            self._spool_full_logged = False

    def _last_errors(self) -> str:
        errors = [link.last_error for link in self._links if link.last_error]
        return "; ".join(errors) if errors else "not connected yet"

    # -- small helpers -----------------------------------------------------------

    def _truncate(self, message: bytes) -> bytes:
        original = len(message)
        message = truncate_utf8(message, self._max_message_bytes)
        self.counters.truncated_total += 1
        self._truncations_unlogged += 1
        if self._truncation_logged_at is None:
            logger.warning(
                "%s: a message of %d bytes was cut to %d bytes (maxMessageBytes %d) at a "
                "character boundary; cuts are counted in truncated_total",
                self.name, original, len(message), self._max_message_bytes,
            )
            self._truncations_unlogged = 0
            self._truncation_logged_at = self._monotonic()
        else:
            self._log_truncations(force=False)
        return message

    def _log_truncations(self, *, force: bool) -> None:
        if not self._truncations_unlogged:
            return
        now = self._monotonic()
        last = self._truncation_logged_at or 0.0
        if force or now - last >= _TRUNCATION_LOG_SECONDS:
            logger.warning(
                "%s: %d more messages cut to maxMessageBytes %d (%d in total)",
                self.name, self._truncations_unlogged, self._max_message_bytes,
                self.counters.truncated_total,
            )
            self._truncations_unlogged = 0
            self._truncation_logged_at = now

    def _update_spool_counters(self) -> None:
        if self._spool is not None:
            self.counters.spool_messages = self._spool.messages
            self.counters.spool_bytes = self._spool.bytes

    def _log_status_if_due(self) -> None:
        if self._status_period <= 0:
            return
        now = self._monotonic()
        if now - self._status_at >= self._status_period:
            self._status_at = now
            logger.info("%s", self.status_line())
            self._log_truncations(force=True)
