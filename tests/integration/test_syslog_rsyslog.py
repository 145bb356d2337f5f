"""The syslog output against a real rsyslog on 127.0.0.1: UDP, TCP (both framings) and TLS.

The receiver (``rsyslog.py`` beside this file) writes every message it receives as one
line, exactly as received.  The connector streams from the simulated FMC through
``ServerRunner`` with a syslog outputter; hand-built hostile CEF lines go through the
output directly and are compared byte for byte.  The outage tests stop rsyslog in the
middle of a stream and start it again; every event must still arrive.

Skipped, saying why, only where rsyslogd is not installed; under CI (``CI`` set) a missing
rsyslogd is a failure, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cef_connector.app import RunResult, ServerRunner
from cef_connector.config import load_settings
from cef_connector.config.schema import OutputterSettings, SyslogSettings
from cef_connector.errors import OutputError
from cef_connector.outputs import SyslogOutput, build_output
from cef_connector.outputs.syslog_format import truncate_utf8
from cef_connector.session.backoff import Backoff
from cef_connector.simulator import SimulatorServer, write_connector_config
from rsyslog import RsyslogReceiver, find_rsyslogd

pytestmark = pytest.mark.integration

START_TIME = 1_700_000_000
#: 2020-05-06 09:31:39 UTC: the send time of the byte-exact tests (a day below 10).
FIXED_TIME = 1588757499.25
RFC3164 = re.compile(r"<13>[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d (\S+) (CEF:0\|.*)\Z")
RFC5424 = re.compile(
    r"<13>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (\S+) cef-connector - - - (CEF:0\|.*)\Z"
)

#: CEF lines an encoder may legitimately produce that break naive senders and parsers:
#: non-ASCII in 2, 3 and 4 bytes, every escape, pipes and equals in extension values,
#: quotes and brackets (RFC 5424 structured-data characters), "#012" (rsyslog's own
#: escape of LF), a 1-character and a 50,000-byte extension value.
HOSTILE_LINES = [
    "CEF:0|Cisco|Firepower|7.4.0|RNA:1003:1|CONNECTION STATISTICS|3|suser=Jos\u00e9 M\u00fcller",
    "CEF:0|Cisco|Firepower|7.4.0|x|\u6f22\u5b57 \U0001f600 name|5|msg=\u00e9\u00e8 \u2603 \U0001f4a9",
    r"CEF:0|Ven\|dor|Pro\\duct|1.0|sig\|1|na\\me\|x|7|msg=a\=b c\\d e\nf g\rh",
    r'CEF:0|Cisco|Firepower|7|x|y|1|request=http://h/a?b\=c&d\=e|f cs1=[x] "quoted" ]',
    "CEF:0|Cisco|Firepower|7|x|y|1|msg=#012 is not a line break cs2=<13>May  6 x CEF:0|",
    "CEF:0|Cisco|Firepower|7|x|y|10|",
    "CEF:0|Cisco|Firepower|7|x|y|1|msg=z",
    "CEF:0|Cisco|Firepower|7|x|y|1|msg=" + "\u00e9a" * 16_666 + "end",
]


def _rsyslogd() -> str:
    found = find_rsyslogd()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("rsyslogd is missing in CI: .ci/run must install rsyslog and "
                        "rsyslog-openssl")
        pytest.skip("rsyslogd is not installed (Debian: apt-get install rsyslog "
                    "rsyslog-openssl); the real-receiver syslog tests need it")
    return found


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RsyslogReceiver]:
    """One rsyslog for the module's read-only tests (each test uses fresh messages)."""
    rs = RsyslogReceiver(tmp_path_factory.mktemp("rsyslog"), _rsyslogd())
    rs.start()
    yield rs
    rs.stop()


@pytest.fixture()
def own_receiver(tmp_path: Path) -> Iterator[RsyslogReceiver]:
    """An rsyslog of the test's own, which the test may stop and start."""
    rs = RsyslogReceiver(tmp_path / "rsyslog", _rsyslogd())
    rs.start()
    yield rs
    rs.stop()


# -- helpers -----------------------------------------------------------------------


def _cef_part(line: str, style: str = "rfc3164") -> tuple[str, str]:
    match = (RFC5424 if style == "rfc5424" else RFC3164).match(line)
    assert match is not None, f"not a well-formed {style} CEF line: {line[:200]!r}"
    return match.group(1), match.group(2)


def _identity(parsed: Any) -> tuple[Any, ...]:
    """The simulator's event identity, read back from a CEF line."""
    ext = parsed.extension_dict()
    if parsed.signature_id == "RNA:1003:1":
        return ("connection", ext["deviceExternalId"], ext["start"], ext["dvcpid"],
                ext["externalId"])
    if parsed.signature_id.startswith("INTRUSION:400:"):
        return ("intrusion", ext["deviceExternalId"], ext["externalId"], ext["rt"][:-3])
    assert parsed.signature_id == "PKT:2:1", parsed.signature_id
    return ("packet", ext["deviceExternalId"], ext["externalId"], ext["rt"][:-3])


def _syslog_outputter(uri: str, **options: Any) -> dict[str, Any]:
    options.setdefault("reconnect", {"initialSeconds": 0.05, "maxSeconds": 0.3})
    return {"adapter": "cef", "enabled": True, "stream": {"uri": uri, "options": options}}


def _runner(sim_dir: Path, port: int, *outputters: dict[str, Any], **kwargs: Any) -> ServerRunner:
    config_file = sim_dir / "estreamer.conf"
    write_connector_config(config_file, "127.0.0.1", port)
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["handler"]["outputters"] = list(outputters)
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    runner = ServerRunner(load_settings(config_file), 0, rng=random.Random(1), **kwargs)
    runner.backoff = Backoff(base_seconds=0.05, cap_seconds=0.2, rng=random.Random(1))
    return runner


def _syslog(runner: ServerRunner) -> SyslogOutput:
    (output,) = [o for o in runner.outputs if isinstance(o, SyslogOutput)]
    return output


def _output(uri: str, **options: Any) -> SyslogOutput:
    """A syslog output built as the connector builds it, with a fixed send time."""
    spec = OutputterSettings(adapter="cef", uri=uri, syslog=SyslogSettings(uris=(uri,), **options))
    output = build_output(spec, base_dir=Path("."), clock=lambda: FIXED_TIME,
                          hostname="collector01", local_time=time.gmtime)
    assert isinstance(output, SyslogOutput)
    return output


# -- every simulated event, each transport ---------------------------------------------

TRANSPORTS = {
    "udp": ("udp", {}),
    "tcp-lf": ("tcp", {}),
    "tcp-octet": ("tcp", {"framing": "octet"}),
    "tls": ("tls", {}),
    "tls-client-cert-rfc5424": ("mtls", {"format": "rfc5424"}),
}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_every_simulated_event_arrives_as_exactly_one_line_with_its_cef_intact(
        sim_dir: Path, receiver: RsyslogReceiver, parse_cef: Callable[[str], Any],
        transport: str) -> None:
    name, options = TRANSPORTS[transport]
    options = dict(options)
    if name in ("tls", "mtls"):
        options["caFile"] = str(receiver.ca_file)
    if name == "mtls":
        options.update(certFile=str(receiver.client_cert), keyFile=str(receiver.client_key))
    before = len(receiver.lines(name))
    with SimulatorServer(sim_dir, events=300, seed=11, start_time=START_TIME,
                         records_per_bundle=50) as sim:
        runner = _runner(sim_dir, sim.port, _syslog_outputter(receiver.uri(name), **options),
                         max_events=300)
        result = runner.run()
        sent = collections.Counter(r.record_type for r in sim.stored_events)

    lines = receiver.wait_for_lines(name, before + 300)[before:]
    time.sleep(0.2)  # anything beyond 300 (a duplicate) would show up by now
    lines = receiver.lines(name)[before:]
    assert len(lines) == 300
    style = options.get("format", "rfc3164")
    parsed = [parse_cef(_cef_part(line, style)[1]) for line in lines]
    assert len({_identity(p) for p in parsed}) == 300
    by_class = collections.Counter(p.signature_id.split(":")[0] for p in parsed)
    assert by_class == {"RNA": sent[71], "INTRUSION": sent[400], "PKT": sent[2]}
    assert result.counters.events_written == 300
    stats = _syslog(runner).telemetry()
    assert stats[f"messages_sent_total{{destination={receiver.uri(name)}}}"] == 300
    assert stats[f"replayed_total{{destination={receiver.uri(name)}}}"] == 0


# -- hostile values, byte for byte -----------------------------------------------------


@pytest.mark.parametrize("transport", ["udp", "tcp-lf", "tcp-octet", "tls"])
def test_hostile_cef_lines_arrive_byte_for_byte(receiver: RsyslogReceiver,
                                                parse_cef: Callable[[str], Any],
                                                transport: str) -> None:
    name, options = TRANSPORTS[transport]
    options = dict(options)
    if name == "tls":
        options["ca_file"] = receiver.ca_file
    before = len(receiver.lines(name))
    output = _output(receiver.uri(name), **options)
    output.open()
    for line in HOSTILE_LINES:
        output.write(line, None)
        if name == "udp":
            output.flush()
            time.sleep(0.01)  # a burst of 50 KB datagrams could overrun the receive buffer
    output.flush()
    output.close()

    lines = receiver.wait_for_lines(name, before + len(HOSTILE_LINES))[before:]
    expected = ["<13>May  6 09:31:39 collector01 " + line for line in HOSTILE_LINES]
    assert lines == expected
    for line in lines:
        parse_cef(_cef_part(line)[1])  # still strictly valid CEF after the trip


@pytest.mark.parametrize("limit", [2048, 65507])
def test_udp_message_over_the_maximum_is_cut_at_a_character_boundary_and_counted(
        receiver: RsyslogReceiver, limit: int) -> None:
    before = len(receiver.lines("udp"))
    header = "<13>May  6 09:31:39 collector01 "
    # 3-byte characters so that the limit falls inside one of them
    line = "CEF:0|Cisco|Firepower|7|x|y|1|msg=" + "\u20ac" * 23_000
    output = _output(receiver.uri("udp"), max_message_bytes=limit)
    output.open()
    output.write(line, None)
    output.flush()
    output.close()

    (received,) = receiver.wait_for_lines("udp", before + 1)[before:]
    message = (header + line).encode("utf-8")
    assert len(message) > limit
    assert received.encode("utf-8") == truncate_utf8(message, limit)
    assert limit - 2 <= len(received.encode("utf-8")) <= limit
    assert output.counters.truncated_total == 1


# -- TLS checks ------------------------------------------------------------------------


def test_tls_receiver_signed_by_another_ca_is_refused(receiver: RsyslogReceiver) -> None:
    stop = threading.Event()
    spec = OutputterSettings(adapter="cef", uri=receiver.uri("tls"), syslog=SyslogSettings(
        uris=(receiver.uri("tls"),), ca_file=receiver.other_ca_file))
    output = build_output(spec, base_dir=Path("."), clock=time.time, hostname="h", stop=stop)
    output.open()
    output.write("CEF:0|a|b|c|d|e|1|", None)
    stop.set()

    with pytest.raises(OutputError) as caught:
        output.flush()

    assert "certificate was not accepted" in str(caught.value)
    assert "the bookmark was not advanced" in str(caught.value)
    stats = output.telemetry()  # type: ignore[attr-defined]
    assert stats[f"messages_sent_total{{destination={receiver.uri('tls')}}}"] == 0


def test_tls_receiver_that_wants_a_client_certificate_is_reported(
        receiver: RsyslogReceiver) -> None:
    stop = threading.Event()
    uri = receiver.uri("mtls")
    spec = OutputterSettings(adapter="cef", uri=uri, syslog=SyslogSettings(
        uris=(uri,), ca_file=receiver.ca_file))
    output = build_output(spec, base_dir=Path("."), clock=time.time, hostname="h", stop=stop)

    with pytest.raises(OutputError) as caught:
        output.healthcheck()  # type: ignore[attr-defined]

    assert "client certificate" in str(caught.value)


# -- outages ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tcp", "tls"])
def test_receiver_restart_in_the_middle_of_a_stream_loses_no_event(
        sim_dir: Path, own_receiver: RsyslogReceiver, parse_cef: Callable[[str], Any],
        name: str) -> None:
    rs = own_receiver
    events = 2400
    options: dict[str, Any] = {"caFile": str(rs.ca_file)} if name == "tls" else {}
    with SimulatorServer(sim_dir, events=events, seed=21, start_time=START_TIME,
                         records_per_bundle=40, rate=600.0) as sim:
        runner = _runner(sim_dir, sim.port, _syslog_outputter(rs.uri(name), **options),
                         max_events=events)
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["result"] = runner.run()
            except BaseException as exc:  # the test asserts there was none
                outcome["error"] = exc

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            received_before = len(rs.wait_for_lines(name, events // 4, timeout=20))
            rs.stop()
            time.sleep(3.0)
            assert thread.is_alive(), "the connector exited while the receiver was down"
            rs.start()
            thread.join(60)
        finally:
            runner.stop.set()
            thread.join(10)

    assert "error" not in outcome, outcome.get("error")
    result: RunResult = outcome["result"]
    assert result.counters.events_written == events
    assert received_before < events  # the outage really was in the middle
    lines = rs.wait_for_lines(name, events)
    identities = collections.Counter(_identity(parse_cef(_cef_part(line)[1])) for line in lines)
    assert len(identities) == events  # every event at least once
    duplicates = len(lines) - len(identities)
    stats = _syslog(runner).telemetry()
    uri = rs.uri(name)
    assert stats[f"reconnects_total{{destination={uri}}}"] >= 1
    assert stats[f"connection_losses_total{{destination={uri}}}"] >= 1
    assert duplicates <= stats[f"replayed_total{{destination={uri}}}"]


def test_spool_holds_events_while_the_receiver_is_down_and_drains_them_in_order(
        sim_dir: Path, own_receiver: RsyslogReceiver, parse_cef: Callable[[str], Any],
        tmp_path: Path) -> None:
    rs = own_receiver
    events = 600
    spool = {"directory": str(tmp_path / "spool"), "maxBytes": 16 * 1024 * 1024}
    outputter = _syslog_outputter(rs.uri("tcp"), spool=spool)
    rs.stop()
    with SimulatorServer(sim_dir, events=events, seed=5, start_time=START_TIME,
                         records_per_bundle=50) as sim:
        # Receiver down: the connector keeps reading from the FMC, the spool takes it all.
        files = {"adapter": "cef", "stream": {"uri": "relfile:///cef/events.{0}.cef"}}
        first = _runner(sim_dir, sim.port, outputter, files, max_events=events)
        result = first.run()
        written = [line for path in sorted((sim_dir / "cef").glob("*.cef"))
                   for line in path.read_text(encoding="utf-8").splitlines()]
        assert len(written) == events
        assert result.counters.events_written == events
        assert _syslog(first).counters.spool_messages == events
        assert rs.lines("tcp") == []
        # Receiver back, connector restarted: the spool drains first, in order.
        rs.start()
        second = _runner(sim_dir, sim.port, outputter)
        watcher = threading.Thread(
            target=lambda: (rs.wait_for_lines("tcp", events, timeout=20), second.stop.set()),
            daemon=True)
        watcher.start()
        second.run()
        watcher.join(5)

    lines = rs.wait_for_lines("tcp", events)
    spooled = [_cef_part(line)[1] for line in lines[:events]]
    assert spooled == written  # every spooled event, in the order it was written
    assert len({_identity(parse_cef(line)) for line in spooled}) == events
    assert _syslog(second).counters.spool_messages == 0
    assert not list((tmp_path / "spool").glob("*.spool"))
