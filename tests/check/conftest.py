"""Fixtures for the check tests: PKIs that fail in one chosen way, and silent listeners."""

from __future__ import annotations

import datetime
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cef_connector.simulator import write_connector_config
from cef_connector.simulator.certs import (
    CLIENT_PASSWORD_FILE,
    CLIENT_PKCS12_FILE,
    CertificateAuthority,
    write_client_pkcs12,
    write_server_files,
)

PASSWORD = "s3cret-Passw0rd"
#: A start of validity far enough back that the certificates issued from it expired
#: (validity 825 days, backdated one hour: not after 2022-04-04 23:00 UTC).
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class Setup:
    """A directory the simulator and the connector can both use."""

    directory: Path
    config: Path

    def point_at(self, port: int, **overrides: object) -> Path:
        """Rewrite the connector configuration for ``port`` (and top-level overrides)."""
        write_connector_config(self.config, "127.0.0.1", port)
        if overrides:
            data = json.loads(self.config.read_text(encoding="utf-8"))
            data.update(overrides)
            self.config.write_text(json.dumps(data), encoding="utf-8")
        return self.config


def build_setup(
    directory: Path,
    *,
    client_ca: CertificateAuthority | None = None,
    server_ca: CertificateAuthority | None = None,
    client_cn: str = "127.0.0.1",
    client_since: datetime.datetime | None = None,
    server_since: datetime.datetime | None = None,
    configured_password: str = PASSWORD,
) -> Setup:
    """Write a simulator PKI and a connector configuration with one chosen defect.

    The FMC's CA signs the server certificate and the client certificate and is the CA
    inside the PKCS#12 file, as on a real FMC, unless ``server_ca``/``client_ca`` name
    another issuer.

    Args:
        directory: created if missing.
        client_ca: issuer of the client certificate (default: the FMC's CA).
        server_ca: issuer of the server certificate (default: the FMC's CA).
        client_cn: the client certificate's CN.
        client_since: start of the client certificate's validity (default now).
        server_since: start of the server certificate's validity (default now).
        configured_password: the password the configuration gives (the file's is PASSWORD).
    """
    directory.mkdir(parents=True, exist_ok=True)
    fmc_ca = CertificateAuthority.generate("FMC Internal CA")
    server = (server_ca or fmc_ca).issue(
        "127.0.0.1", ip_addresses=["127.0.0.1"], dns_names=["localhost"], server=True,
        now=server_since)
    write_server_files(directory, fmc_ca, server)
    client = (client_ca or fmc_ca).issue(client_cn, client=True, now=client_since)
    write_client_pkcs12(directory / CLIENT_PKCS12_FILE, client, fmc_ca, PASSWORD)
    (directory / CLIENT_PASSWORD_FILE).write_text(configured_password + "\n", encoding="utf-8")
    config = directory / "estreamer.conf"
    write_connector_config(config, "127.0.0.1", 8302)
    return Setup(directory, config)


@pytest.fixture()
def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def silent_listener() -> Iterator[int]:
    """A TCP listener that completes the TCP handshake and then never says anything."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


@pytest.fixture()
def this_host() -> set[str]:
    """What check is told this host's addresses are."""
    return {"127.0.0.1", "192.0.2.7"}
