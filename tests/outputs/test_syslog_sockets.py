"""The syslog transports on real loopback sockets, with small Python receivers.

These run even where rsyslogd is not installed; the rsyslog tests are in
``tests/integration/test_syslog_rsyslog.py``.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cef_connector.config.schema import OutputterSettings, SyslogSettings
from cef_connector.outputs import SyslogOutput, build_output
from cef_connector.simulator.certs import CertificateAuthority

pytestmark = pytest.mark.integration

HEADER = "<13>May  6 09:31:39 collector01 "


def output_for(uri: str, **options: object) -> SyslogOutput:
    spec = OutputterSettings(adapter="cef", uri=uri,
                             syslog=SyslogSettings(uris=(uri,), **options))  # type: ignore[arg-type]
    output = build_output(spec, base_dir=Path("."), clock=lambda: 1588757499.0,
                          hostname="collector01", local_time=time.gmtime)
    assert isinstance(output, SyslogOutput)
    return output


def octet_frames(data: bytes) -> list[bytes]:
    """Split an octet-counted stream (RFC 6587 §3.4.1); fails on anything else."""
    frames = []
    while data:
        length, space, rest = data.partition(b" ")
        assert space and length.isdigit() and not length.startswith(b"0"), data[:20]
        frames.append(rest[: int(length)])
        assert len(rest) >= int(length), "truncated frame"
        data = rest[int(length):]
    return frames


class TcpReceiver:
    """Accepts connections one after another; ``drop_after`` closes the first one early."""

    def __init__(self, drop_after: int | None = None) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[bytes] = []
        self.drop_after = drop_after
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.server.settimeout(0.1)
        deadline = time.monotonic() + 30
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            data = b""
            with conn:
                conn.settimeout(5)
                while True:
                    limit = self.drop_after if not self.connections else None
                    if limit is not None and len(data) >= limit:
                        # close with unread data: the kernel answers with a reset
                        break
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    data += chunk
            self.connections.append(data)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.server.close()


@pytest.fixture()
def tcp_receiver() -> Iterator[TcpReceiver]:
    receiver = TcpReceiver(drop_after=3000)
    yield receiver
    receiver.close()


def test_tcp_output_reconnects_after_the_receiver_drops_it_and_loses_nothing(
        tcp_receiver: TcpReceiver) -> None:
    output = output_for(f"tcp://127.0.0.1:{tcp_receiver.port}", framing="octet",
                        reconnect_initial_seconds=0.05)
    output.open()
    sent = [f"CEF:0|a|b|c|d|e|1|cnt={i} msg=\u00e9" for i in range(200)]
    for index, line in enumerate(sent):
        output.write(line, None)
        if index % 20 == 19:
            output.flush()
            time.sleep(0.02)  # let the receiver drop the first connection in between
    output.flush()
    output.close()
    deadline = time.monotonic() + 5
    while len(tcp_receiver.connections) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

    assert len(tcp_receiver.connections) >= 2
    received = [frame.decode() for data in tcp_receiver.connections
                for frame in octet_frames(data)]
    assert {HEADER + line for line in sent} <= set(received)  # every line at least once
    counters = output.counters.destinations[f"tcp://127.0.0.1:{tcp_receiver.port}"]
    assert counters.reconnects_total >= 1
    assert len(received) - len(sent) <= counters.replayed_total


def _tls_server(directory: Path) -> tuple[ssl.SSLContext, Path]:
    ca = CertificateAuthority.generate("test CA")
    server = ca.issue("localhost", dns_names=["localhost"], server=True)
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.certificate.public_bytes(pem))
    (directory / "server.pem").write_bytes(server.certificate.public_bytes(pem))
    (directory / "server.key").write_bytes(server.key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "server.pem", directory / "server.key")
    return context, directory / "ca.pem"


def test_tls_output_sends_octet_counted_utf8_and_ends_with_close_notify(tmp_path: Path) -> None:
    context, ca_file = _tls_server(tmp_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    result: dict[str, object] = {}

    def serve() -> None:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False) as tls:
            result["version"] = tls.version()
            data = b""
            try:
                while chunk := tls.recv(65536):  # b"" only after a close_notify
                    data += chunk
                result["close_notify"] = True
            except ssl.SSLError as exc:
                result["close_notify"] = False
                result["error"] = exc
            result["data"] = data

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    output = output_for(f"tls://localhost:{port}", ca_file=ca_file)
    lines = ["CEF:0|Cisco|Firepower|7|x|\u6f22\u5b57|1|msg=\U0001f600 a\\=b", "CEF:0|a|b|c|d|e|1|"]
    output.open()
    for line in lines:
        output.write(line, None)
    output.flush()
    output.close()
    thread.join(5)
    listener.close()

    assert result["close_notify"] is True, result.get("error")
    assert result["version"] in ("TLSv1.2", "TLSv1.3")
    frames = octet_frames(result["data"])  # type: ignore[arg-type]
    assert frames == [(HEADER + line).encode() for line in lines]


def test_udp_datagram_of_65508_bytes_is_cut_to_65507_and_sent(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    output = output_for(f"udp://127.0.0.1:{port}")
    line = "CEF:0|a|b|c|d|e|1|msg=" + "x" * (65508 - len(HEADER) - 22)
    assert len((HEADER + line).encode()) == 65508

    output.open()
    output.write(line, None)
    output.flush()
    output.close()
    datagram = receiver.recv(70000)
    receiver.close()

    assert datagram == (HEADER + line).encode()[:65507]
    assert output.counters.truncated_total == 1
