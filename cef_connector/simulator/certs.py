"""The simulator's test PKI: a CA, the simulated FMC's server certificate and a client PKCS#12.

It mirrors what a real FMC hands out (protocol doc §1.2): one Internal CA signs both the
eStreamer server certificate and the client certificate, whose subject CN is the client's
address as the server sees it; the client receives a password-protected PKCS#12 file holding
its key, its certificate and the CA certificate.

Files written by ``write_pki`` (names are the constants below)::

    ca.pem            the test CA certificate (PEM)
    server.pem        server certificate, CN/SAN 127.0.0.1 and localhost (PEM)
    server.key        server private key (PEM, mode 0600)
    client.pkcs12     client key + certificate + CA, password protected (mode 0600)
    client.password   the PKCS#12 password, one line (mode 0600)

Keys are ECDSA P-256 (fast to generate; the session code accepts RSA and EC alike).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CA_FILE",
    "CLIENT_PASSWORD_FILE",
    "CLIENT_PKCS12_FILE",
    "SERVER_CERT_FILE",
    "SERVER_KEY_FILE",
    "CertificateAuthority",
    "IssuedCertificate",
    "SimulatorPki",
    "write_client_pkcs12",
    "write_crl",
    "write_server_files",
    "write_pki",
]

CA_FILE = "ca.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server.key"
CLIENT_PKCS12_FILE = "client.pkcs12"
CLIENT_PASSWORD_FILE = "client.password"

#: Validity of generated certificates, and how far back they start (clock skew).
VALIDITY = datetime.timedelta(days=825)
BACKDATE = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class IssuedCertificate:
    """A private key and the certificate issued for it."""

    key: ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate


@dataclass(frozen=True)
class CertificateAuthority:
    """A self-signed test CA (stands in for the FMC's Internal CA)."""

    key: ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate

    @classmethod
    def generate(
        cls,
        common_name: str = "cef-connector simulator CA",
        now: datetime.datetime | None = None,
    ) -> CertificateAuthority:
        """Create a new CA key and self-signed CA certificate.

        Args:
            common_name: the CA's subject CN.
            now: start of validity (default: the current time, backdated one hour).

        Returns:
            The new CA.
        """
        start = (now or datetime.datetime.now(datetime.timezone.utc)) - BACKDATE
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, certificate=cert)

    def issue(
        self,
        common_name: str,
        *,
        dns_names: Sequence[str] = (),
        ip_addresses: Sequence[str] = (),
        server: bool = False,
        client: bool = False,
        now: datetime.datetime | None = None,
    ) -> IssuedCertificate:
        """Issue an end-entity certificate signed by this CA.

        Args:
            common_name: subject CN (for an eStreamer client: its address as the FMC sees it).
            dns_names: subjectAltName DNS entries.
            ip_addresses: subjectAltName IP entries.
            server: allow TLS server use (extended key usage serverAuth).
            client: allow TLS client use (extended key usage clientAuth).
            now: start of validity (default: now, backdated one hour).

        Returns:
            The new key and certificate.
        """
        start = (now or datetime.datetime.now(datetime.timezone.utc)) - BACKDATE
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
        )
        usages = []
        if server:
            usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
        if client:
            usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
        if usages:
            builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
        alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), False)
        return IssuedCertificate(key=key, certificate=builder.sign(self.key, hashes.SHA256()))


@dataclass(frozen=True)
class SimulatorPki:
    """Paths of the files ``write_pki`` wrote (the password is in its file only)."""

    directory: Path
    ca_file: Path
    server_cert_file: Path
    server_key_file: Path
    client_pkcs12_file: Path
    client_password_file: Path


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only (mode 0600, also when it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def write_server_files(
    directory: Path, ca: CertificateAuthority, server: IssuedCertificate
) -> None:
    """Write ``ca.pem``, ``server.pem`` and ``server.key`` (0600) into ``directory``.

    Args:
        directory: existing directory.
        ca: the CA the server trusts for client certificates.
        server: the server's key and certificate.
    """
    pem = serialization.Encoding.PEM
    (directory / CA_FILE).write_bytes(ca.certificate.public_bytes(pem))
    (directory / SERVER_CERT_FILE).write_bytes(server.certificate.public_bytes(pem))
    _write_private(
        directory / SERVER_KEY_FILE,
        server.key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def write_client_pkcs12(
    path: Path,
    client: IssuedCertificate,
    ca: CertificateAuthority,
    password: str,
) -> None:
    """Write a password-protected PKCS#12 file as the FMC issues it (mode 0600).

    Args:
        path: the file to write.
        client: the client key and certificate.
        ca: the CA whose certificate goes into the file's additional certificates.
        password: the file's password (non-empty).
    """
    data = pkcs12.serialize_key_and_certificates(
        b"estreamer-client",
        client.key,
        client.certificate,
        [ca.certificate],
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )
    _write_private(path, data)


def write_crl(path: Path, ca: CertificateAuthority, revoked: Sequence[x509.Certificate]) -> None:
    """Write a PEM CRL in which ``ca`` revokes ``revoked`` (an FMC deleting a client).

    Args:
        path: the file to write.
        ca: the issuing CA.
        revoked: certificates to list as revoked.
    """
    now = datetime.datetime.now(datetime.timezone.utc) - BACKDATE
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now)
        .next_update(now + VALIDITY)
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now)
            .build()
        )
    crl = builder.sign(ca.key, hashes.SHA256())
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))


def write_pki(
    directory: Path,
    client_cn: str = "127.0.0.1",
    server_names: Sequence[str] = ("127.0.0.1", "localhost"),
    password: str | None = None,
) -> SimulatorPki:
    """Generate a CA, a server and a client certificate and write the five files.

    Args:
        directory: where to write (created if missing).
        client_cn: the client certificate's CN: the address the client connects from.
        server_names: names of the server certificate; IP literals become IP SAN entries,
            the rest DNS entries; the first one is also the CN.
        password: PKCS#12 password (default: a fresh random one).

    Returns:
        The paths written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca = CertificateAuthority.generate()
    ips: list[str] = []
    dns: list[str] = []
    for name in server_names:
        try:
            ipaddress.ip_address(name)
            ips.append(name)
        except ValueError:
            dns.append(name)
    server = ca.issue(server_names[0], dns_names=dns, ip_addresses=ips, server=True)
    client = ca.issue(client_cn, client=True)
    write_server_files(directory, ca, server)
    secret = password if password else secrets.token_urlsafe(18)
    write_client_pkcs12(directory / CLIENT_PKCS12_FILE, client, ca, secret)
    _write_private(directory / CLIENT_PASSWORD_FILE, (secret + "\n").encode("utf-8"))
    return SimulatorPki(
        directory=directory,
        ca_file=directory / CA_FILE,
        server_cert_file=directory / SERVER_CERT_FILE,
        server_key_file=directory / SERVER_KEY_FILE,
        client_pkcs12_file=directory / CLIENT_PKCS12_FILE,
        client_password_file=directory / CLIENT_PASSWORD_FILE,
    )
