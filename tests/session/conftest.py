"""Fixtures for the session tests: a simulator PKI in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from cef_connector.session import TlsMaterial, load_pkcs12
from cef_connector.simulator.certs import SimulatorPki, write_pki


@pytest.fixture()
def pki(tmp_path: Path) -> SimulatorPki:
    """CA, server certificate (127.0.0.1/localhost) and client PKCS#12 (CN 127.0.0.1)."""
    return write_pki(tmp_path / "pki", password="s3cret-Passw0rd")


@pytest.fixture()
def material(pki: SimulatorPki) -> TlsMaterial:
    """The client's TLS material loaded from the PKI's PKCS#12 file."""
    return load_pkcs12(pki.client_pkcs12_file, "s3cret-Passw0rd")
