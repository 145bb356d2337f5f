"""The simulator's files: test PKI, ``init_directory``'s configuration, ``simulate``."""

from __future__ import annotations

import ipaddress
import json
import logging
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cef_connector.errors import ConfigError
from cef_connector.estreamer import NEED_DATA, BundleEnd, Connection, ConnectionClosed, Record
from cef_connector.session import FmcSession, client_context, load_pkcs12
from cef_connector.simulator import (
    CONFIG_FILE,
    SimulatorDirectory,
    SimulatorServer,
    init_directory,
    parse_listen,
    simulate,
    write_pki,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cn(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_write_pki_writes_five_files_with_private_ones_0600(tmp_path: Path) -> None:
    pki = write_pki(tmp_path / "d", client_cn="10.1.2.3")
    assert sorted(p.name for p in pki.directory.iterdir()) == [
        "ca.pem", "client.password", "client.pkcs12", "server.key", "server.pem",
    ]  # fmt: skip
    for private in (pki.server_key_file, pki.client_pkcs12_file, pki.client_password_file):
        assert _mode(private) == 0o600
    password = pki.client_password_file.read_text(encoding="utf-8")
    assert password.endswith("\n") and len(password.strip()) >= 20
    material = load_pkcs12(pki.client_pkcs12_file, password.strip())
    assert material.common_name == "10.1.2.3"
    ca = x509.load_pem_x509_certificate(pki.ca_file.read_bytes())
    assert material.ca_certificates == (ca,)
    assert material.certificate.issuer == ca.subject
    usage = material.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert list(usage.value) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_server_certificate_names_loopback_by_ip_and_name(tmp_path: Path) -> None:
    pki = write_pki(tmp_path / "d")
    server = x509.load_pem_x509_certificate(pki.server_cert_file.read_bytes())
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert _cn(server) == "127.0.0.1"
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]


def test_init_directory_writes_an_encore_configuration(tmp_path: Path) -> None:
    prepared = init_directory(tmp_path / "demo", "127.0.0.1", 8302)
    assert prepared == SimulatorDirectory(
        directory=tmp_path / "demo",
        config_file=tmp_path / "demo" / CONFIG_FILE,
        connect_host="127.0.0.1",
        port=8302,
        created=("ca.pem", "server.pem", "server.key", "client.pkcs12", "client.password",
                 "estreamer.conf"),
    )  # fmt: skip
    config = json.loads(prepared.config_file.read_text(encoding="utf-8"))
    assert config == {
        "connectTimeout": 10,
        "responseTimeout": 10,
        "start": 2,
        "servers": [
            {
                "host": "127.0.0.1",
                "port": 8302,
                "pkcs12Filepath": "client.pkcs12",
                "pkcs12PasswordFile": "client.password",
                "tlsVersion": 1.2,
            }
        ],
        "subscription": {
            "records": {
                "archiveTimestamps": True,
                "eventExtraData": True,
                "extended": True,
                "impactEventAlerts": True,
                "intrusion": True,
                "metadata": True,
                "packetData": True,
            }
        },
        "handler": {
            "outputters": [
                {
                    "adapter": "cef",
                    "enabled": True,
                    "stream": {
                        "uri": "relfile:///cef/events.{0}.cef",
                        "options": {"rotate": True, "maxLogs": 10000},
                    },
                }
            ]
        },
        "logging": {"filepath": "estreamer.log", "level": "INFO", "stdOut": True},
        "monitor": {"period": 10},
    }


def test_init_directory_keeps_existing_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = init_directory(tmp_path / "demo", "127.0.0.1", 8302)
    pkcs12_bytes = (first.directory / "client.pkcs12").read_bytes()
    with caplog.at_level(logging.WARNING):
        again = init_directory(tmp_path / "demo", "127.0.0.1", 9000)
    assert again.created == ()
    assert (first.directory / "client.pkcs12").read_bytes() == pkcs12_bytes
    assert "points at 127.0.0.1:8302, not at the simulator's 127.0.0.1:9000" in caplog.text


def test_init_directory_with_wildcard_listen_uses_loopback(tmp_path: Path) -> None:
    prepared = init_directory(tmp_path / "demo", "0.0.0.0", 8302)
    assert prepared.connect_host == "127.0.0.1"
    password = (prepared.directory / "client.password").read_text(encoding="utf-8").strip()
    assert load_pkcs12(prepared.directory / "client.pkcs12", password).common_name == "127.0.0.1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8302", ("127.0.0.1", 8302)),
        ("[::1]:8302", ("::1", 8302)),
        ("localhost:0", ("localhost", 0)),
    ],
)
def test_parse_listen_accepts_host_port(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["8302", "127.0.0.1", "127.0.0.1:port", ":8302", "h:70000"])
def test_parse_listen_rejects_other_forms(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_listen(text)
    assert str(caught.value) == (
        f"--listen {text!r} is not HOST:PORT; use e.g. 127.0.0.1:8302 or [::1]:8302"
    )


@pytest.mark.integration
def test_simulate_serves_the_prepared_directory_until_stopped(tmp_path: Path) -> None:
    stop = threading.Event()
    ready: dict[str, Any] = {}
    result: dict[str, Any] = {}
    ready_event = threading.Event()

    def on_ready(server: SimulatorServer, prepared: SimulatorDirectory) -> None:
        ready.update(server=server, prepared=prepared)
        ready_event.set()

    def run() -> None:
        result["counters"] = simulate(
            tmp_path / "demo", "127.0.0.1:0", events=12, seed=3, stop=stop, on_ready=on_ready,
            close_when_done=True,
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert ready_event.wait(10)
        server: SimulatorServer = ready["server"]
        prepared: SimulatorDirectory = ready["prepared"]
        config = json.loads(prepared.config_file.read_text(encoding="utf-8"))
        assert config["servers"][0]["port"] == server.port == prepared.port
        password = (prepared.directory / "client.password").read_text(encoding="utf-8").strip()
        material = load_pkcs12(prepared.directory / "client.pkcs12", password)
        records = 0
        with FmcSession("127.0.0.1", server.port, client_context(material)) as session:
            connection = Connection(0, 0x48900061)
            session.send(connection.initiate())
            for _ in range(10_000):
                event = connection.next_event()
                if event is NEED_DATA:
                    data = session.recv(timeout=5)
                    assert data is not None
                    connection.receive_data(data)
                    continue
                session.send(connection.data_to_send())
                if isinstance(event, Record) and not event.is_metadata:
                    records += 1
                if isinstance(event, BundleEnd):
                    session.send(connection.acknowledge())
                if isinstance(event, ConnectionClosed):
                    break
        assert records == 12
    finally:
        stop.set()
        thread.join(10)
    assert result["counters"].events_acked == 12
