"""FmcSession over real sockets on 127.0.0.1: connect errors, TLS verification, CN check."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import ssl
import struct
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from cef_connector.errors import SessionError
from cef_connector.estreamer import build_event_stream_request, build_null
from cef_connector.session import FmcSession, TlsMaterial, client_context, load_pkcs12
from cef_connector.session import client as client_module
from cef_connector.simulator import SimulatorServer
from cef_connector.simulator.certs import (
    CertificateAuthority,
    SimulatorPki,
    write_crl,
    write_pki,
    write_server_files,
)

pytestmark = pytest.mark.integration

PASSWORD = "s3cret-Passw0rd"


def _session(material: TlsMaterial, port: int, **kwargs: object) -> FmcSession:
    verify = kwargs.pop("verify_server", True)
    server_name = kwargs.pop("server_name", None)
    ctx = client_context(material, verify_server=bool(verify), server_name=server_name)  # type: ignore[arg-type]
    return FmcSession(
        "127.0.0.1",
        port,
        ctx,
        connect_timeout=5.0,
        response_timeout=2.0,
        **kwargs,  # type: ignore[arg-type]
    )


@contextlib.contextmanager
def _raw_server(handler: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP listener on 127.0.0.1 whose single accepted connection goes to ``handler``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                handler(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(5)


def _client_pkcs12(
    path: Path, signer: CertificateAuthority, trusted: x509.Certificate, cn: str
) -> TlsMaterial:
    """A PKCS#12 whose client certificate ``signer`` issued and whose CA is ``trusted``."""
    client = signer.issue(cn, client=True)
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"client",
            client.key,
            client.certificate,
            [trusted],
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return load_pkcs12(path, PASSWORD)


def test_connect_refused_names_port_and_causes(material: TlsMaterial) -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(SessionError) as caught:
        _session(material, port).connect()
    assert caught.value.kind == "connect_refused"
    assert str(caught.value).startswith(
        f"the FMC at 127.0.0.1:{port} refused the TCP connection: nothing listens on that port"
    )


def test_dns_failure_is_reported_as_dns(
    material: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> socket.socket:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(client_module.socket, "create_connection", fail)
    session = FmcSession("fmc.example.invalid", 8302, client_context(material))
    with pytest.raises(SessionError) as caught:
        session.connect()
    assert caught.value.kind == "dns"
    assert str(caught.value) == (
        "cannot resolve the FMC host name 'fmc.example.invalid': Name or service not known; "
        "check servers[].host in the configuration and this machine's DNS settings"
    )


def test_connect_timeout_names_the_firewall_cause(
    material: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hang(*args: object, **kwargs: object) -> socket.socket:
        raise TimeoutError("timed out")

    monkeypatch.setattr(client_module.socket, "create_connection", hang)
    session = FmcSession("192.0.2.1", 8302, client_context(material), connect_timeout=3)
    with pytest.raises(SessionError) as caught:
        session.connect()
    assert caught.value.kind == "connect_timeout"
    assert str(caught.value) == (
        "no answer from the FMC at 192.0.2.1:8302 within 3 s (connectTimeout): TCP port 8302 "
        "blocked by a firewall, a wrong address, or the FMC is down"
    )


def test_unreachable_network_is_its_own_kind(
    material: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: object, **kwargs: object) -> socket.socket:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(client_module.socket, "create_connection", unreachable)
    with pytest.raises(SessionError) as caught:
        FmcSession("192.0.2.1", 8302, client_context(material)).connect()
    assert caught.value.kind == "unreachable"


def test_peer_that_never_answers_tls_times_out_the_handshake(material: TlsMaterial) -> None:
    gate = threading.Event()
    with _raw_server(lambda conn: gate.wait(5)) as port:
        session = _session(material, port)
        session.connect_timeout = 0.3
        with pytest.raises(SessionError) as caught:
            session.connect()
        gate.set()
    assert caught.value.kind == "tls_handshake"
    assert "did not finish within 0.3 s (connectTimeout)" in str(caught.value)


def test_peer_that_is_not_tls_is_named_as_such(material: TlsMaterial) -> None:
    def http(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    with _raw_server(http) as port:
        with pytest.raises(SessionError) as caught:
            _session(material, port).connect()
    assert caught.value.kind == "tls_handshake"
    assert "does not speak TLS" in str(caught.value)


def test_peer_closing_during_handshake_is_explained(material: TlsMaterial) -> None:
    with _raw_server(lambda conn: conn.recv(4096)) as port:
        with pytest.raises(SessionError) as caught:
            _session(material, port).connect()
    assert caught.value.kind == "tls_handshake"
    message = str(caught.value)
    assert message.startswith(
        f"the FMC at 127.0.0.1:{port} closed the connection during the TLS handshake: "
        "it refused our certificate. Most often the certificate CN (127.0.0.1) does not "
        "match this host's address as the FMC sees it (we connect from 127.0.0.1"
    )


def test_handshake_and_request_reach_the_simulator(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    with SimulatorServer(pki.directory, events=0, keepalive_interval=60) as sim:
        with _session(material, sim.port) as session:
            assert session.tls_version == "TLSv1.2"
            peer = session.peer_certificate
            assert peer is not None
            assert peer.subject.rfc4514_string() == "CN=127.0.0.1"
            session.send(build_event_stream_request(0, 0x48900061))
            data = session.recv()
            assert data is not None
            assert data[:8] == bytes.fromhex("0001080300000030")
            assert session.bytes_sent == 16
            assert session.bytes_received == len(data)
            assert session.receive_queue_bytes() == 0
            assert session.seconds_since_receive() is not None


def test_recv_returns_none_when_nothing_arrives_in_time(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    with SimulatorServer(pki.directory, events=0) as sim:
        with _session(material, sim.port) as session:
            assert session.recv(timeout=0.2) is None
            assert session.seconds_since_receive() is None


def test_close_sends_close_notify_and_is_idempotent(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    with SimulatorServer(pki.directory, events=0) as sim:
        session = _session(material, sim.port)
        session.connect()
        session.close()
        session.close()
        assert session.connected is False
        with pytest.raises(SessionError) as caught:
            session.send(build_null())
        assert caught.value.kind == "closed"
        assert sim.wait_for(lambda c: c.sessions_finished == 1, 5)


def test_client_certificate_from_another_ca_is_refused_by_the_simulator(
    pki: SimulatorPki, tmp_path: Path
) -> None:
    # The PKCS#12 trusts the simulator's CA (so our side accepts the server), but its client
    # certificate was signed by a stranger CA, which the server rejects.
    stranger = CertificateAuthority.generate("stranger CA")
    simulator_ca = x509.load_pem_x509_certificate(pki.ca_file.read_bytes())
    material = _client_pkcs12(tmp_path / "stranger.pkcs12", stranger, simulator_ca, "127.0.0.1")
    with SimulatorServer(pki.directory, events=0) as sim:
        session = _session(material, sim.port)
        with pytest.raises(SessionError) as caught:
            session.connect()
            # TLS 1.3 peers report the refusal on the first read instead.
            session.send(build_event_stream_request(0, 0))
            session.recv(timeout=2)
        assert sim.wait_for(lambda c: c.handshakes_failed == 1, 5)
        assert sim.counters.sessions_started == 0
    assert caught.value.kind == "tls_handshake"
    message = str(caught.value)
    assert "refused our certificate" in message
    assert "the client was deleted/revoked on the FMC" in message


def test_server_certificate_from_another_ca_is_refused_by_the_client(
    pki: SimulatorPki, tmp_path: Path
) -> None:
    other = write_pki(tmp_path / "other", password=PASSWORD)
    material = load_pkcs12(other.client_pkcs12_file, PASSWORD)
    with SimulatorServer(pki.directory, events=0) as sim:
        with pytest.raises(SessionError) as caught:
            _session(material, sim.port).connect()
        assert sim.wait_for(lambda c: c.handshakes_failed == 1, 5)
    assert caught.value.kind == "tls_handshake"
    # The simulator's OpenSSL sends its CA along, so the chain ends in a foreign root.
    assert str(caught.value).startswith(
        f"the FMC's certificate at 127.0.0.1:{sim.port} failed verification: its chain ends "
        "in a self-signed CA that is not the CA in the PKCS#12 file (certificate "
        "CN=cef-connector simulator CA, chain depth 1). The server certificate must be "
        "signed by the CA in the PKCS#12 file"
    )


def test_unverified_mode_connects_without_any_ca(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    # No CA at all: only verify_server=False can connect (a diagnosis mode).
    without_ca = TlsMaterial(material.private_key, material.certificate, (), material.source)
    with SimulatorServer(pki.directory, events=0) as sim:
        with _session(without_ca, sim.port, verify_server=False) as session:
            assert session.connected


def test_server_name_mismatch_fails_verification(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    with SimulatorServer(pki.directory, events=0) as sim:
        with pytest.raises(SessionError) as caught:
            _session(material, sim.port, server_name="fmc.example.com").connect()
        with _session(material, sim.port, server_name="localhost") as session:
            assert session.connected
    assert caught.value.kind == "tls_handshake"
    assert "it does not name 'fmc.example.com' (serverName); names in it: localhost" in str(
        caught.value
    )


def test_cn_mismatch_closes_without_sending_anything(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The simulator's CA issued the client certificate for another address than ours.
    wrong = write_pki(tmp_path / "wrong-cn", client_cn="10.9.9.9", password=PASSWORD)
    material = load_pkcs12(wrong.client_pkcs12_file, PASSWORD)
    with SimulatorServer(wrong.directory, events=5) as sim:
        with caplog.at_level(logging.WARNING):
            with _session(material, sim.port) as session:
                assert session.recv(timeout=2) == b""
        assert sim.wait_for(lambda c: c.cn_rejected == 1, 5)
        assert sim.counters.sessions_started == 0
    assert session.bytes_received == 0
    assert session.closed_cleanly is False
    assert session.close_reason == "tcp_close"
    assert session.early_close_hint == (
        f"the FMC at 127.0.0.1:{sim.port} closed the connection right after the TLS handshake "
        "without sending anything: most often the certificate CN (10.9.9.9) does not match "
        "this host's address as the FMC sees it (we connect from 127.0.0.1; behind NAT the "
        "FMC sees the NAT address and the client must be created for that address)"
    )
    assert "Certificate Common Name 10.9.9.9 does not match remote host: 127.0.0.1" in caplog.text


def test_request_sent_into_a_cn_rejection_still_reads_as_a_close(tmp_path: Path) -> None:
    # The request may reach the server after it closed, which answers with a TCP reset.
    wrong = write_pki(tmp_path / "wrong-cn", client_cn="10.9.9.9", password=PASSWORD)
    material = load_pkcs12(wrong.client_pkcs12_file, PASSWORD)
    with SimulatorServer(wrong.directory, events=5) as sim:
        with _session(material, sim.port) as session:
            with contextlib.suppress(SessionError):  # the reset may already hit the send
                session.send(build_event_stream_request(0, 0x48900061))
            assert session.recv(timeout=2) == b""
    assert session.close_reason in {"tcp_close", "tcp_reset"}
    assert session.early_close_hint is not None


def test_cn_resolving_to_the_peer_address_is_accepted(tmp_path: Path) -> None:
    named = write_pki(tmp_path / "named", client_cn="collector.example.test", password=PASSWORD)
    material = load_pkcs12(named.client_pkcs12_file, PASSWORD)
    resolver = {"collector.example.test": ["127.0.0.1"]}
    with SimulatorServer(named.directory, events=0, cn_resolver=resolver) as sim:
        with _session(material, sim.port) as session:
            session.send(build_event_stream_request(0, 0x48900061))
            data = session.recv(timeout=2)
        assert sim.counters.cn_rejected == 0
    assert data is not None and data[:4] == bytes.fromhex("00010803")


def test_tcp_reset_after_the_handshake_reads_as_a_close(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    server_ctx.load_verify_locations(cafile=str(pki.ca_file))
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    done = threading.Event()

    def reset(conn: socket.socket) -> None:
        tls = server_ctx.wrap_socket(conn, server_side=True)
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        tls.close()
        done.set()

    with _raw_server(reset) as port:
        with _session(material, port) as session:
            assert done.wait(5)
            assert session.recv(timeout=2) == b""
    assert session.close_reason == "tcp_reset"
    assert session.closed_cleanly is False


def test_password_never_appears_in_logs(
    pki: SimulatorPki, material: TlsMaterial, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        with SimulatorServer(pki.directory, events=0) as sim:
            with _session(material, sim.port) as session:
                session.send(build_event_stream_request(0, 0))
                session.recv(timeout=1)
    assert "connected to the FMC at 127.0.0.1" in caplog.text
    assert PASSWORD not in caplog.text


def test_revoked_client_certificate_is_explained(tmp_path: Path) -> None:
    # The FMC revokes the certificate of a client deleted in its UI (protocol doc §1.2).
    ca = CertificateAuthority.generate()
    server = ca.issue("127.0.0.1", ip_addresses=["127.0.0.1"], server=True)
    directory = tmp_path / "revoked"
    directory.mkdir()
    write_server_files(directory, ca, server)
    material = _client_pkcs12(directory / "client.pkcs12", ca, ca.certificate, "127.0.0.1")
    write_crl(directory / "crl.pem", ca, [material.certificate])
    with SimulatorServer(directory, events=0, crl_file=directory / "crl.pem") as sim:
        with pytest.raises(SessionError) as caught:
            _session(material, sim.port).connect()
        assert sim.wait_for(lambda c: c.handshakes_failed == 1, 5)
    assert caught.value.kind == "tls_handshake"
    message = str(caught.value)
    assert message.startswith(f"the FMC at 127.0.0.1:{sim.port} says our certificate is revoked (")
    assert message.endswith(
        "certificate revoked): the client was deleted on the FMC; create it again "
        "(System > Integration > eStreamer) and install the new PKCS#12 file"
    )


def test_server_without_tls_1_2_is_reported_as_no_common_version(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # old versions on purpose
        server_ctx.minimum_version = ssl.TLSVersion.TLSv1
        server_ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    server_ctx.set_ciphers("ALL:@SECLEVEL=0")  # let OpenSSL 3 offer TLS 1.1 at all

    def old_tls(conn: socket.socket) -> None:
        with contextlib.suppress(ssl.SSLError, OSError):
            server_ctx.wrap_socket(conn, server_side=True)

    with _raw_server(old_tls) as port:
        with pytest.raises(SessionError) as caught:
            _session(material, port).connect()
    assert caught.value.kind == "tls_handshake"
    assert str(caught.value).endswith(
        "no common TLS version; the FMC must offer TLS 1.2 or newer"
    )


def test_handshake_failure_alert_names_versions_ciphers_and_certificate(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.set_ciphers("aNULL")  # nothing our client offers

    def no_shared_cipher(conn: socket.socket) -> None:
        with contextlib.suppress(ssl.SSLError, OSError):
            server_ctx.wrap_socket(conn, server_side=True)

    with _raw_server(no_shared_cipher) as port:
        with pytest.raises(SessionError) as caught:
            _session(material, port).connect()
    assert caught.value.kind == "tls_handshake"
    assert f"the FMC at 127.0.0.1:{port} aborted the TLS handshake (" in str(caught.value)
    assert "it shares no TLS version or cipher suite with us" in str(caught.value)


def _tls_server(
    pki: SimulatorPki, after_handshake: Callable[[ssl.SSLSocket], None]
) -> contextlib.AbstractContextManager[int]:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    server_ctx.load_verify_locations(cafile=str(pki.ca_file))
    server_ctx.verify_mode = ssl.CERT_REQUIRED

    def handler(conn: socket.socket) -> None:
        with contextlib.suppress(ssl.SSLError, OSError):
            tls = server_ctx.wrap_socket(conn, server_side=True)
            after_handshake(tls)

    return _raw_server(handler)


def test_corrupt_tls_record_mid_stream_is_a_closed_session(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    def corrupt(tls: ssl.SSLSocket) -> None:
        tls.sendall(b"hello")
        os.write(tls.fileno(), b"\x17\x03\x03\x00\x20" + bytes(32))  # undecryptable record
        time.sleep(0.5)

    with _tls_server(pki, corrupt) as port:
        with _session(material, port) as session:
            assert session.recv(timeout=2) == b"hello"
            with pytest.raises(SessionError) as caught:
                session.recv(timeout=2)
    assert caught.value.kind == "closed"
    assert str(caught.value).startswith(f"TLS error on the connection to 127.0.0.1:{port}: ")


def test_peer_that_stops_reading_makes_send_time_out(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    release = threading.Event()
    with _tls_server(pki, lambda tls: release.wait(10)) as port:
        session = _session(material, port)
        session.response_timeout = 0.3
        session.connect()
        try:
            with pytest.raises(SessionError) as caught:
                session.send(bytes(32 * 1024 * 1024))  # far more than the socket buffers hold
        finally:
            release.set()
            session.close()
    assert caught.value.kind == "send_timeout"
    assert str(caught.value) == (
        f"the FMC at 127.0.0.1:{port} did not accept data for 0.3 s (responseTimeout); the "
        "connection is stuck"
    )
