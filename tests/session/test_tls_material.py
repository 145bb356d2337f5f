"""PKCS#12 loading and the client TLS context (session/tls.py), without sockets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from OpenSSL import SSL

from cef_connector.errors import TlsSetupError
from cef_connector.session import TlsMaterial, client_context, load_pkcs12, matches_server_name
from cef_connector.session.tls import PASSWORD_HINT
from cef_connector.simulator.certs import CertificateAuthority, SimulatorPki

PASSWORD = "s3cret-Passw0rd"


def test_load_pkcs12_returns_client_certificate_key_and_ca(
    pki: SimulatorPki, material: TlsMaterial
) -> None:
    assert material.common_name == "127.0.0.1"
    assert material.source == pki.client_pkcs12_file
    assert len(material.ca_certificates) == 1
    ca_pem = material.ca_certificates[0].public_bytes(serialization.Encoding.PEM)
    assert ca_pem == pki.ca_file.read_bytes()
    assert material.private_key.public_key().public_numbers() == (
        material.certificate.public_key().public_numbers()
    )


def test_load_pkcs12_accepts_password_as_bytes(pki: SimulatorPki) -> None:
    material = load_pkcs12(pki.client_pkcs12_file, PASSWORD.encode())
    assert material.common_name == "127.0.0.1"


def test_wrong_password_names_file_and_how_to_set_it_but_not_the_password(
    pki: SimulatorPki,
) -> None:
    with pytest.raises(TlsSetupError) as caught:
        load_pkcs12(pki.client_pkcs12_file, "not-the-password")
    message = str(caught.value)
    assert message.startswith(f"the password does not open {pki.client_pkcs12_file}; ")
    assert PASSWORD_HINT in message
    assert "not-the-password" not in message
    assert PASSWORD not in message


def test_protected_file_without_password_says_a_password_is_needed(pki: SimulatorPki) -> None:
    with pytest.raises(TlsSetupError) as caught:
        load_pkcs12(pki.client_pkcs12_file, None)
    assert str(caught.value) == (
        f"{pki.client_pkcs12_file} is password-protected and no password was given; "
        f"{PASSWORD_HINT}"
    )


def test_unprotected_file_opens_with_no_or_empty_password(tmp_path: Path) -> None:
    ca = CertificateAuthority.generate()
    client = ca.issue("10.0.0.5", client=True)
    path = tmp_path / "open.pkcs12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"c", client.key, client.certificate, [ca.certificate], serialization.NoEncryption()
        )
    )
    assert load_pkcs12(path, None).common_name == "10.0.0.5"
    assert load_pkcs12(path, "").common_name == "10.0.0.5"


def test_missing_file_is_named_with_where_to_get_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.pkcs12"
    with pytest.raises(TlsSetupError) as caught:
        load_pkcs12(path, PASSWORD)
    assert str(caught.value) == (
        f"the PKCS#12 file {path} does not exist; download it from the FMC "
        "(System > Integration > eStreamer > Create Client) and set pkcs12Filepath"
    )


def test_unreadable_file_is_reported_with_permissions_hint(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.pkcs12"
    directory.mkdir()
    with pytest.raises(TlsSetupError) as caught:
        load_pkcs12(directory, PASSWORD)
    assert str(caught.value).startswith(f"cannot read the PKCS#12 file {directory}: ")
    assert "permissions" in str(caught.value)


def test_pem_file_is_not_pkcs12(pki: SimulatorPki) -> None:
    with pytest.raises(TlsSetupError) as caught:
        load_pkcs12(pki.ca_file, PASSWORD)
    assert str(caught.value) == (
        f"{pki.ca_file} is not a PKCS#12 file (it is a PEM text file); set pkcs12Filepath "
        "to the .pkcs12 file downloaded from the FMC"
    )


def test_random_bytes_are_not_pkcs12(tmp_path: Path) -> None:
    path = tmp_path / "junk.pkcs12"
    path.write_bytes(b"\x00\x01 definitely not DER" * 4)
    with pytest.raises(TlsSetupError) as caught:
        load_pkcs12(path, PASSWORD)
    assert "(it is not DER-encoded PKCS#12 data)" in str(caught.value)


def test_file_without_private_key_is_rejected(tmp_path: Path) -> None:
    ca = CertificateAuthority.generate()
    client = ca.issue("10.0.0.5", client=True)
    path = tmp_path / "nokey.pkcs12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"c",
            None,
            client.certificate,
            [ca.certificate],
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    with pytest.raises(TlsSetupError) as caught:
        load_pkcs12(path, PASSWORD)
    assert str(caught.value) == (
        f"the PKCS#12 file {path} holds no private key; download the client's PKCS#12 "
        "file again from the FMC"
    )


def test_material_repr_does_not_show_the_private_key(material: TlsMaterial) -> None:
    text = repr(material)
    assert "private_key" not in text
    assert "127.0.0.1" in text


def test_client_context_requires_tls_1_2_and_verifies_the_server(material: TlsMaterial) -> None:
    ctx = client_context(material)
    assert ctx.get_verify_mode() == SSL.VERIFY_PEER


def test_client_context_without_ca_cannot_verify(tmp_path: Path) -> None:
    ca = CertificateAuthority.generate()
    client = ca.issue("10.0.0.5", client=True)
    material = TlsMaterial(client.key, client.certificate, (), tmp_path / "x.pkcs12")
    with pytest.raises(TlsSetupError) as caught:
        client_context(material)
    assert str(caught.value).startswith(
        f"the PKCS#12 file {tmp_path / 'x.pkcs12'} holds no CA certificate"
    )
    assert "verifyServer" in str(caught.value)


def test_client_context_rejects_a_key_of_another_certificate(tmp_path: Path) -> None:
    ca = CertificateAuthority.generate()
    one = ca.issue("10.0.0.5", client=True)
    other = ca.issue("10.0.0.6", client=True)
    material = TlsMaterial(other.key, one.certificate, (ca.certificate,), tmp_path / "x.pkcs12")
    with pytest.raises(TlsSetupError) as caught:
        client_context(material)
    assert "does not belong to its certificate" in str(caught.value)


def test_disabled_server_verification_is_logged_loudly(
    material: TlsMaterial, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cef_connector.session.tls"):
        ctx = client_context(material, verify_server=False)
    assert ctx.get_verify_mode() == SSL.VERIFY_NONE
    assert len(caplog.records) == 1
    assert "NOT VERIFYING THE FMC'S CERTIFICATE" in caplog.records[0].getMessage()
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("::1", False),
        ("10.0.0.1", False),
        ("fmc.example.com", False),
    ],
)
def test_server_name_matches_subject_alternative_names(name: str, expected: bool) -> None:
    ca = CertificateAuthority.generate()
    server = ca.issue("127.0.0.1", dns_names=["localhost"], ip_addresses=["127.0.0.1"])
    assert matches_server_name(server.certificate, name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("fmc.example.com", True), ("a.b.example.com", False), ("example.com", False)],
)
def test_server_name_wildcard_covers_one_label(name: str, expected: bool) -> None:
    ca = CertificateAuthority.generate()
    server = ca.issue("fmc", dns_names=["*.example.com"])
    assert matches_server_name(server.certificate, name) is expected


def test_server_name_falls_back_to_common_name_without_san() -> None:
    ca = CertificateAuthority.generate()
    server = ca.issue("fmc.example.com")
    assert matches_server_name(server.certificate, "fmc.example.com") is True
    assert matches_server_name(server.certificate, "other.example.com") is False
