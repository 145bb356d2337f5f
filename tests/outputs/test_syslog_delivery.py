"""Delivery rules of the syslog output, driven through an in-memory transport and a fake clock.

No sockets here: ``Receiver`` stands for one destination (up or down, losing what was in
flight, breaking connections) and ``Clock.wait`` moves time instead of sleeping, so every
backoff delay is checked exactly.  Real sockets are in ``test_syslog_sockets.py`` and,
against rsyslog, in ``tests/integration/test_syslog_rsyslog.py``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from cef_connector.errors import OutputError
from cef_connector.outputs import AT_LEAST_ONCE, BEST_EFFORT, Output
from cef_connector.outputs.spool import Spool
from cef_connector.outputs.syslog import SyslogOutput
from cef_connector.outputs.syslog_format import SyslogHeader
from cef_connector.outputs.syslog_transport import DestinationError
from cef_connector.outputs.uri import SyslogTarget, parse_syslog_uri

MAY_6 = 1588757499.0
HEADER = "<13>May  6 09:31:39 collector01 "


class Receiver:
    """One destination as the output sees it."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.up = True
        self.connects = 0
        self.break_on_send = False  # the next send fails (nothing of it arrives)
        self.closed = False  # the receiver closed the connection (seen by check_alive)
        self.datagram_error_after: int | None = None

    def lose_last(self, count: int) -> None:
        """The receiver dies with ``count`` messages unread and closes the connection."""
        del self.messages[len(self.messages) - count:]
        self.closed = True

    def cef(self) -> list[str]:
        return [message.removeprefix(HEADER) for message in self.messages]


class FakeTransport:
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.open = True

    def send(self, messages: Sequence[bytes]) -> None:
        receiver = self.receiver
        if receiver.break_on_send or not receiver.up:
            receiver.break_on_send = False
            raise DestinationError("fake: connection reset", "reset")
        if receiver.datagram_error_after is not None:
            sent = receiver.datagram_error_after
            receiver.datagram_error_after = None
            receiver.messages.extend(m.decode() for m in messages[:sent])
            raise DestinationError("fake: port unreachable", "refused", sent)
        receiver.messages.extend(message.decode() for message in messages)

    def check_alive(self) -> None:
        if self.receiver.closed:
            raise DestinationError("fake: the receiver closed the connection", "closed")

    def close(self) -> None:
        self.open = False


class Clock:
    """Monotonic time that only moves when the output waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self.on_wait: Callable[[int], None] | None = None

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        if self.on_wait is not None:
            self.on_wait(len(self.waits))
        return False


def build(receivers: dict[str, Receiver], *, scheme: str = "tcp", clock: Clock | None = None,
          stop: threading.Event | None = None, **options: object) -> SyslogOutput:
    clock = clock or Clock()

    def connect(target: SyslogTarget) -> FakeTransport:
        receiver = receivers[target.host]
        if not receiver.up:
            raise DestinationError(f"{target}: connection refused", "refused")
        receiver.connects += 1
        receiver.closed = False
        return FakeTransport(receiver)

    targets = [parse_syslog_uri(f"{scheme}://{host}:514") for host in receivers]
    header = SyslogHeader("rfc3164", hostname="collector01", local_time=time.gmtime)
    return SyslogOutput(targets, header=header, connect=connect, clock=lambda: MAY_6,
                        monotonic=clock, wait=clock.wait, rng=random.Random(7), stop=stop,
                        **options)  # type: ignore[arg-type]


def lines(count: int, start: int = 0) -> list[str]:
    return [f"CEF:0|Cisco|Firepower|7|x|y|1|cnt={i}" for i in range(start, start + count)]


def write_all(output: SyslogOutput, cef_lines: list[str]) -> None:
    for line in cef_lines:
        output.write(line, None)


# -- basics ----------------------------------------------------------------------------


def test_flush_hands_every_message_to_the_receiver_in_order_with_the_header() -> None:
    receiver = Receiver()
    output = build({"a": receiver})
    output.open()
    write_all(output, lines(5))
    assert receiver.messages == []  # batched until the flush

    output.flush()

    assert receiver.messages == [HEADER + line for line in lines(5)]
    assert isinstance(output, Output)


def test_a_full_batch_is_sent_before_the_flush() -> None:
    receiver = Receiver()
    output = build({"a": receiver}, batch_messages=3)
    write_all(output, lines(7))

    assert receiver.cef() == lines(6)


def test_use_event_time_stamps_the_message_with_the_record_time() -> None:
    receiver = Receiver()
    output = build({"a": receiver}, use_event_time=True)
    output.write("CEF:0|a|b|c|d|e|1|", 1577869200)  # 2020-01-01 09:00:00 UTC
    output.write("CEF:0|a|b|c|d|e|1|", None)  # no record time: the send time
    output.flush()

    assert receiver.messages == ["<13>Jan  1 09:00:00 collector01 CEF:0|a|b|c|d|e|1|",
                                 HEADER + "CEF:0|a|b|c|d|e|1|"]


@pytest.mark.parametrize("line", ["CEF:0|a|b|c|d|e|1|msg=x\ny", "CEF:0|a|b|c|d|e|1|msg=\rx"])
def test_a_line_with_a_raw_line_break_is_refused(line: str) -> None:
    output = build({"a": Receiver()})

    with pytest.raises(OutputError) as caught:
        output.write(line, None)

    assert str(caught.value) == (
        "tcp://a:514: refusing a line with a raw line break at character "
        f"{min(i for i in (line.find(chr(10)), line.find(chr(13))) if i >= 0)}; the CEF encoder "
        "must escape CR and LF (this is a bug in cef-connector)"
    )


@pytest.mark.parametrize(("scheme", "label"), [("udp", BEST_EFFORT), ("tcp", AT_LEAST_ONCE),
                                                ("tls", AT_LEAST_ONCE)])
def test_delivery_label_follows_the_transport(scheme: str, label: str) -> None:
    assert build({"a": Receiver()}, scheme=scheme).DELIVERY == label


def test_destinations_of_one_output_must_share_a_scheme() -> None:
    with pytest.raises(OutputError, match="must share a scheme"):
        SyslogOutput([parse_syslog_uri("tcp://a:514"), parse_syslog_uri("udp://b:514")],
                     header=SyslogHeader("rfc3164", hostname="h"), connect=lambda t: None)  # type: ignore[arg-type, return-value]


# -- replay window -----------------------------------------------------------------------


def test_a_broken_connection_replays_what_was_in_flight_after_reconnecting() -> None:
    receiver = Receiver()
    output = build({"a": receiver})
    write_all(output, lines(10))
    output.flush()
    receiver.lose_last(3)  # the receiver restarts with 3 messages unread

    write_all(output, lines(5, start=10))
    output.flush()

    cef = receiver.cef()
    assert cef == lines(7) + lines(10) + lines(5, start=10)
    assert set(cef) == set(lines(15))  # nothing lost
    counters = output.counters.destinations["tcp://a:514"]
    assert counters.replayed_total == 10
    assert counters.messages_sent_total == 25
    assert (counters.connects_total, counters.reconnects_total) == (2, 1)
    assert counters.connection_losses_total == {"closed": 1}


def test_a_failed_send_is_sent_again_with_the_window() -> None:
    receiver = Receiver()
    output = build({"a": receiver})
    write_all(output, lines(4))
    output.flush()
    receiver.break_on_send = True
    write_all(output, lines(2, start=4))

    output.flush()

    assert receiver.cef() == lines(4) + lines(4) + lines(2, start=4)
    assert output.counters.destinations["tcp://a:514"].replayed_total == 6


def test_replay_window_keeps_the_last_n_messages_sent_within_t_seconds() -> None:
    receiver = Receiver()
    clock = Clock()
    output = build({"a": receiver}, clock=clock, replay_messages=3, replay_seconds=5.0)
    write_all(output, lines(2))
    output.flush()
    clock.now += 6  # these two are now older than the window
    write_all(output, lines(5, start=2))
    output.flush()
    receiver.closed = True

    output.write(lines(1, start=7)[0], None)
    output.flush()

    assert receiver.cef()[7:] == lines(3, start=4) + lines(1, start=7)


def test_udp_keeps_no_replay_window_and_resends_only_unsent_datagrams() -> None:
    receiver = Receiver()
    output = build({"a": receiver}, scheme="udp")
    write_all(output, lines(3))
    output.flush()
    receiver.datagram_error_after = 1  # second datagram refused (ICMP port unreachable)
    write_all(output, lines(3, start=3))

    output.flush()

    assert receiver.cef() == lines(6)
    counters = output.counters.destinations["udp://a:514"]
    assert counters.replayed_total == 0
    assert counters.connection_losses_total == {"refused": 1}


# -- several destinations ------------------------------------------------------------------


def test_failover_moves_to_the_next_destination_and_replays_there() -> None:
    primary, backup = Receiver(), Receiver()
    output = build({"primary": primary, "backup": backup})
    write_all(output, lines(3))
    output.flush()
    primary.up = False
    primary.closed = True

    write_all(output, lines(2, start=3))
    output.flush()

    assert primary.cef() == lines(3)
    assert backup.cef() == lines(3) + lines(2, start=3)  # the window, then the new lines
    assert output.counters.destinations["tcp://backup:514"].replayed_total == 3


def test_failover_stays_on_the_backup_until_it_fails() -> None:
    primary, backup = Receiver(), Receiver()
    primary.up = False
    clock = Clock()
    output = build({"primary": primary, "backup": backup}, clock=clock)
    write_all(output, lines(2))
    output.flush()
    primary.up = True
    clock.now += 100

    write_all(output, lines(2, start=2))
    output.flush()

    assert (primary.cef(), backup.cef()) == ([], lines(4))


def test_roundrobin_sends_each_batch_to_the_next_destination() -> None:
    first, second = Receiver(), Receiver()
    output = build({"first": first, "second": second}, mode="roundrobin", batch_messages=2)

    write_all(output, lines(8))

    assert first.cef() == lines(2) + lines(2, start=4)
    assert second.cef() == lines(2, start=2) + lines(2, start=6)


def test_roundrobin_skips_a_destination_that_is_down() -> None:
    first, second = Receiver(), Receiver()
    second.up = False
    output = build({"first": first, "second": second}, mode="roundrobin", batch_messages=2)

    write_all(output, lines(6))

    assert first.cef() == lines(6)
    assert output.counters.destinations["tcp://second:514"].connect_failures_total == {
        "refused": 1}


# -- back-pressure -------------------------------------------------------------------------


def test_flush_blocks_with_capped_exponential_backoff_until_a_destination_accepts() -> None:
    receiver = Receiver()
    receiver.up = False
    clock = Clock()

    def come_back(waits: int) -> None:
        if waits == 6:
            receiver.up = True

    clock.on_wait = come_back
    output = build({"a": receiver}, clock=clock, reconnect_initial_seconds=1.0,
                   reconnect_max_seconds=8.0)
    write_all(output, lines(3))

    output.flush()

    assert receiver.cef() == lines(3)
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert len(clock.waits) == 6
    for wait, ceiling in zip(clock.waits, ceilings):
        assert ceiling / 2 <= wait <= ceiling  # equal jitter, never above the cap
    assert output.counters.destinations["tcp://a:514"].connect_failures_total == {"refused": 6}


def test_stop_while_blocked_raises_so_the_bookmark_does_not_move() -> None:
    receiver = Receiver()
    receiver.up = False
    stop = threading.Event()
    clock = Clock()
    clock.on_wait = lambda waits: stop.set() if waits == 2 else None
    output = build({"a": receiver}, clock=clock, stop=stop)
    write_all(output, lines(4))

    with pytest.raises(OutputError) as caught:
        output.flush()

    assert str(caught.value) == (
        "tcp://a:514: stopping while 4 messages were not accepted by any destination "
        "(tcp://a:514: connection refused); the bookmark was not advanced past them, so they "
        "are read from the FMC again at the next start"
    )
    with pytest.raises(OutputError, match="4 messages were not delivered to any destination"):
        output.close()


def test_stop_lets_a_flush_finish_when_a_destination_accepts() -> None:
    receiver = Receiver()
    stop = threading.Event()
    output = build({"a": receiver}, stop=stop)
    write_all(output, lines(2))
    stop.set()

    output.flush()
    output.close()

    assert receiver.cef() == lines(2)


def test_waiting_is_logged_once_then_the_recovery(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "cef_connector.outputs.syslog")
    receiver = Receiver()
    receiver.up = False
    clock = Clock()
    clock.on_wait = lambda waits: setattr(receiver, "up", waits >= 3)
    output = build({"a": receiver}, clock=clock)
    write_all(output, lines(1))

    output.flush()

    waiting = [r.getMessage() for r in caplog.records if "no destination accepts" in
               r.getMessage()]
    assert waiting == ["tcp://a:514: no destination accepts (tcp://a:514: connection refused); "
                       "holding 1 messages and not reading from the FMC until one does"]
    assert any("a destination accepts again" in r.getMessage() for r in caplog.records)


# -- UDP truncation --------------------------------------------------------------------------


def test_udp_message_over_the_maximum_is_cut_counted_and_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "cef_connector.outputs.syslog")
    receiver = Receiver()
    output = build({"a": receiver}, scheme="udp", max_message_bytes=200)
    long_line = "CEF:0|a|b|c|d|e|1|msg=x" + "\u00e9" * 200  # 455 bytes with the header

    output.write(long_line, None)
    output.write("CEF:0|a|b|c|d|e|1|msg=short", None)
    output.flush()

    first, second = receiver.messages
    assert len(first.encode()) == 199  # 200 would split an é
    assert (HEADER + long_line).startswith(first)
    assert second == HEADER + "CEF:0|a|b|c|d|e|1|msg=short"
    assert output.counters.truncated_total == 1
    assert "a message of 455 bytes was cut to 199 bytes (maxMessageBytes 200)" in caplog.text


def test_tcp_messages_are_never_truncated() -> None:
    receiver = Receiver()
    output = build({"a": receiver}, max_message_bytes=200)
    line = "CEF:0|a|b|c|d|e|1|msg=" + "x" * 1000

    output.write(line, None)
    output.flush()

    assert receiver.cef() == [line]


# -- spool -------------------------------------------------------------------------------------


def test_with_a_spool_flush_returns_once_the_messages_are_synced_to_disk(tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.up = False
    clock = Clock()
    output = build({"a": receiver}, clock=clock, spool=Spool(tmp_path, 1 << 20))
    output.open()
    write_all(output, lines(5))

    output.flush()

    assert clock.waits == []  # no back-pressure
    assert output.counters.spool_messages == 5
    assert output.counters.spooled_total == 5
    assert sum(p.stat().st_size for p in tmp_path.glob("*.spool")) == output.counters.spool_bytes


def test_lines_queue_behind_the_spool_backlog_and_drain_in_order(tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.up = False
    clock = Clock()
    output = build({"a": receiver}, clock=clock, spool=Spool(tmp_path, 1 << 20),
                   batch_messages=4)
    output.open()
    write_all(output, lines(6))
    output.flush()
    receiver.up = True
    clock.now += 60  # the retry is due

    write_all(output, lines(3, start=6))
    output.flush()

    assert receiver.cef() == lines(9)
    assert output.counters.spool_messages == 0
    assert list(tmp_path.glob("*.spool")) == []


def test_a_full_spool_blocks_instead_of_dropping(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, "cef_connector.outputs.syslog")
    receiver = Receiver()
    receiver.up = False
    clock = Clock()
    clock.on_wait = lambda waits: setattr(receiver, "up", waits >= 2)
    output = build({"a": receiver}, clock=clock, spool=Spool(tmp_path, 4096))
    output.open()
    many = lines(200)  # about 12 KB: three times the spool

    write_all(output, many)
    output.flush()

    assert receiver.cef() == many
    assert output.counters.spool_full_total >= 1
    assert len(clock.waits) >= 2
    assert "the spool is full" in caplog.text


def test_a_spool_left_by_a_previous_run_is_sent_first(tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.up = False
    first = build({"a": receiver}, spool=Spool(tmp_path, 1 << 20))
    first.open()
    write_all(first, lines(3))
    first.flush()
    first.close()
    receiver.up = True

    second = build({"a": receiver}, spool=Spool(tmp_path, 1 << 20))
    second.open()
    write_all(second, lines(2, start=3))
    second.flush()

    assert receiver.cef() == lines(5)


def test_stopping_with_a_spool_keeps_the_backlog_on_disk(tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.up = False
    stop = threading.Event()
    output = build({"a": receiver}, stop=stop, spool=Spool(tmp_path, 1 << 20))
    output.open()
    write_all(output, lines(3))
    stop.set()

    output.flush()  # no error: the lines are durable in the spool
    output.close()

    spool = Spool(tmp_path, 1 << 20)
    spool.open()
    assert [m.decode().removeprefix(HEADER) for m in spool.peek(10, 1 << 20)] == lines(3)
    spool.close()


# -- telemetry -------------------------------------------------------------------------------


def test_telemetry_gives_every_counter_per_destination() -> None:
    receiver = Receiver()
    output = build({"a": receiver})
    write_all(output, lines(2))
    output.flush()

    assert output.telemetry() == {
        "truncated_total": 0,
        "spooled_total": 0,
        "spool_full_total": 0,
        "spool_messages": 0,
        "spool_bytes": 0,
        "messages_sent_total{destination=tcp://a:514}": 2,
        "bytes_sent_total{destination=tcp://a:514}": 2 * len(HEADER + lines(1)[0]),
        "replayed_total{destination=tcp://a:514}": 0,
        "connects_total{destination=tcp://a:514}": 1,
        "reconnects_total{destination=tcp://a:514}": 0,
        "connect_failures_total{destination=tcp://a:514}": 0,
        "connection_losses_total{destination=tcp://a:514}": 0,
    }
    assert output.status_line() == (
        f"syslog tcp://a:514 connected: 2 sent ({2 * len(HEADER + lines(1)[0])} bytes), "
        "0 reconnects, 0 replayed"
    )


def test_healthcheck_names_every_unreachable_destination() -> None:
    up, down = Receiver(), Receiver()
    down.up = False
    output = build({"up": up, "down": down})

    with pytest.raises(OutputError) as caught:
        output.healthcheck()

    assert str(caught.value) == (
        "1 of 2 destinations unreachable: tcp://down:514: connection refused")
