"""Messages per second of the syslog output over UDP, TCP (LF and octet framing) and TLS.

    python benchmarks/syslog_speed.py [--messages N] [--runs R] [--receiver rsyslog|sink]

The lines are real CEF lines: the simulator's seeded events decoded, named, mapped and
encoded once beforehand (about 600 bytes each), so only the output is timed.  Each run
builds the output as the connector does (``build_output``), writes every line with a
``flush()`` after each 100 (one FMC bundle) and closes it; the rate is lines divided by
the time until the last flush returned (every byte handed to the socket).  Medians of R
runs, with min and max.

Receivers on 127.0.0.1:
  rsyslog  the test receiver of tests/integration/rsyslog.py (imudp, imtcp, imtcp+ossl),
           writing every message to a file; the script also counts what arrived, so UDP
           loss shows (UDP is best-effort: nothing slows the sender down).
  sink     Python threads that read and discard (for machines without rsyslogd).

Figures to read, not tests: the machines are shared and noisy, and the receiver shares
the CPU with the sender.
"""

from __future__ import annotations

import argparse
import socket
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cef_connector.cef import encode
from cef_connector.config.schema import OutputterSettings, SyslogSettings
from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, Record, encode_bundle
from cef_connector.mapping import load_mappings
from cef_connector.metadata import MetadataCache, names_for
from cef_connector.outputs import build_output
from cef_connector.simulator import TrafficGenerator
from cef_connector.simulator.certs import CertificateAuthority

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from rsyslog import RsyslogReceiver, find_rsyslogd  # noqa: E402

BUNDLE = 100


def cef_lines(count: int, seed: int = 1) -> list[str]:
    """Real CEF lines from the simulator's generator, through the default mapping set."""
    generator = TrafficGenerator(seed, start_time=1_700_000_000)
    records = [r.encode(True) for r in generator.metadata_records()]
    records += [r.encode(True) for r in generator.events(count)]
    stream = b"".join(encode_bundle(1, n + 1, records[i:i + 100])
                      for n, i in enumerate(range(0, len(records), 100)))
    connection = Connection(0, 0x48900061)
    connection.initiate()
    connection.receive_data(stream)
    cache, mappings, lines = MetadataCache(), load_mappings("default", "7.4.0"), []
    while (event := connection.next_event()) is not NEED_DATA:
        if isinstance(event, BundleEnd):
            connection.acknowledge()
        elif isinstance(event, Record):
            if event.is_metadata:
                cache.learn(event)
            elif (cef := mappings.map(event, names_for(event, cache))) is not None:
                lines.append(encode(cef))
    return lines


class Sink:
    """Discarding receivers: UDP, TCP and TLS (plain TCP listener wrapped server-side)."""

    def __init__(self, directory: Path) -> None:
        ca = CertificateAuthority.generate("bench CA")
        server = ca.issue("localhost", dns_names=["localhost"], server=True)
        from cryptography.hazmat.primitives import serialization as ser
        pem = ser.Encoding.PEM
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(ca.certificate.public_bytes(pem))
        (directory / "s.pem").write_bytes(server.certificate.public_bytes(pem))
        (directory / "s.key").write_bytes(server.key.private_bytes(
            pem, ser.PrivateFormat.PKCS8, ser.NoEncryption()))
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(directory / "s.pem", directory / "s.key")
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.udp.bind(("127.0.0.1", 0))
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.tls = socket.create_server(("127.0.0.1", 0))
        self.ports = {"udp": self.udp.getsockname()[1], "tcp": self.tcp.getsockname()[1],
                      "tls": self.tls.getsockname()[1]}
        for target in (self._udp, lambda: self._accept(self.tcp, False),
                       lambda: self._accept(self.tls, True)):
            threading.Thread(target=target, daemon=True).start()

    def _udp(self) -> None:
        while True:
            self.udp.recv(70000)

    def _accept(self, listener: socket.socket, tls: bool) -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=self._drain, args=(conn, tls), daemon=True).start()

    def _drain(self, conn: socket.socket, tls: bool) -> None:
        try:
            stream = self.context.wrap_socket(conn, server_side=True) if tls else conn
            while stream.recv(1 << 20):
                pass
        except OSError:
            pass

    def uri(self, name: str) -> str:
        scheme = "tls" if name in ("tls", "mtls") else name
        host = "localhost" if scheme == "tls" else "127.0.0.1"
        return f"{scheme}://{host}:{self.ports[scheme]}"


def run_once(uri: str, lines: list[str], **options: object) -> float:
    spec = OutputterSettings(adapter="cef", uri=uri,
                             syslog=SyslogSettings(uris=(uri,), **options))  # type: ignore[arg-type]
    output = build_output(spec, base_dir=Path("."), clock=time.time, hostname="bench")
    output.open()
    started = time.perf_counter()
    for index, line in enumerate(lines, 1):
        output.write(line, None)
        if index % BUNDLE == 0:
            output.flush()
    output.flush()
    elapsed = time.perf_counter() - started
    output.close()
    return len(lines) / elapsed


def measure(label: str, runs: int, once: Callable[[], float],
            arrived: Callable[[], int] | None, total: int) -> None:
    before = arrived() if arrived else 0
    rates = [once() for _ in range(runs)]
    line = (f"{label:<10} {statistics.median(rates):>10,.0f} messages/s "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}; {runs} runs)")
    if arrived is not None:
        deadline = time.monotonic() + 10
        expected = before + total * runs
        while arrived() < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        line += f"; arrived {arrived() - before:,} of {total * runs:,}"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--receiver", choices=("rsyslog", "sink"), default="rsyslog")
    args = parser.parse_args()
    lines = cef_lines(args.messages)
    size = sum(len(line.encode()) for line in lines) / len(lines)
    print(f"{len(lines):,} CEF lines, {size:,.0f} bytes on average; flush every {BUNDLE}")
    with tempfile.TemporaryDirectory() as tmp:
        receiver: RsyslogReceiver | Sink
        if args.receiver == "rsyslog":
            rsyslogd = find_rsyslogd()
            if rsyslogd is None:
                sys.exit("rsyslogd is not installed; use --receiver sink")
            receiver = RsyslogReceiver(Path(tmp) / "rs", rsyslogd)
            receiver.start()
        else:
            receiver = Sink(Path(tmp))
        ca = receiver.ca_file
        cases: list[tuple[str, str, dict[str, object]]] = [
            ("udp", "udp", {}),
            ("tcp-lf", "tcp", {"framing": "lf"}),
            ("tcp-octet", "tcp", {"framing": "octet"}),
            ("tls", "tls", {"ca_file": ca}),
        ]
        try:
            for label, name, options in cases:
                counted: Callable[[], int] | None = None
                if isinstance(receiver, RsyslogReceiver):
                    rs, input_name = receiver, name
                    counted = lambda: len(rs.lines(input_name))  # noqa: E731
                uri = receiver.uri(name)
                measure(label, args.runs, lambda: run_once(uri, lines, **options), counted,
                        len(lines))
        finally:
            if isinstance(receiver, RsyslogReceiver):
                receiver.stop()


if __name__ == "__main__":
    main()
