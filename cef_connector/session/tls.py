"""The mutual-TLS material of an FMC session: PKCS#12 loading and the client TLS context.

The FMC issues one PKCS#12 file per eStreamer client (protocol doc §1.2): the client's
private key, its certificate (subject CN = the client's address as the FMC sees it) and the
FMC's Internal CA certificate, which also signs the FMC's own server certificate.

Everything stays in memory: the file is read once with ``cryptography``'s PKCS#12 loader
(pyOpenSSL removed ``load_pkcs12``), and the key and certificate are handed to a pyOpenSSL
``SSL.Context`` directly, so no key file is ever written to disk.  The password and the key
are never logged and never appear in an error message or ``repr``.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from OpenSSL import SSL, crypto

from cef_connector.errors import TlsSetupError

__all__ = [
    "PASSWORD_HINT",
    "TlsMaterial",
    "VerifyFailure",
    "client_context",
    "load_pkcs12",
    "matches_server_name",
]

logger = logging.getLogger(__name__)

#: How the operator supplies the PKCS#12 password (named in every password error).
PASSWORD_HINT = "set pkcs12Password, pkcs12PasswordFile or CEF_CONNECTOR_PKCS12_PASSWORD"

#: The largest PKCS#12 file we accept; FMC-issued files are a few kilobytes.
MAX_PKCS12_BYTES = 1024 * 1024

_SupportedKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)


class X509VerifyError(IntEnum):
    """OpenSSL X509_V_ERR_* codes we explain in plain words (the rest are shown by number)."""

    UNABLE_TO_GET_ISSUER_CERT = 2
    CERT_SIGNATURE_FAILURE = 7
    CERT_NOT_YET_VALID = 9
    CERT_HAS_EXPIRED = 10
    DEPTH_ZERO_SELF_SIGNED_CERT = 18
    SELF_SIGNED_CERT_IN_CHAIN = 19
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
    UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
    CERT_REVOKED = 23
    INVALID_CA = 24
    INVALID_PURPOSE = 26
    HOSTNAME_MISMATCH = 62


_VERIFY_TEXT: dict[int, str] = {
    X509VerifyError.UNABLE_TO_GET_ISSUER_CERT: "its issuer is not the CA in the PKCS#12 file",
    X509VerifyError.CERT_SIGNATURE_FAILURE: "its signature does not verify",
    X509VerifyError.CERT_NOT_YET_VALID: "it is not yet valid (check this host's clock)",
    X509VerifyError.CERT_HAS_EXPIRED: "it has expired (or this host's clock is wrong)",
    X509VerifyError.DEPTH_ZERO_SELF_SIGNED_CERT: (
        "it is self-signed, not signed by the CA in the PKCS#12 file"
    ),
    X509VerifyError.SELF_SIGNED_CERT_IN_CHAIN: (
        "its chain ends in a self-signed CA that is not the CA in the PKCS#12 file"
    ),
    X509VerifyError.UNABLE_TO_GET_ISSUER_CERT_LOCALLY: (
        "it is not signed by the CA in the PKCS#12 file"
    ),
    X509VerifyError.UNABLE_TO_VERIFY_LEAF_SIGNATURE: (
        "it is not signed by the CA in the PKCS#12 file"
    ),
    X509VerifyError.CERT_REVOKED: "it has been revoked",
    X509VerifyError.INVALID_CA: "a certificate in its chain is not a CA certificate",
    X509VerifyError.INVALID_PURPOSE: "it is not meant for a TLS server",
    X509VerifyError.HOSTNAME_MISMATCH: "it does not name the expected server",
}


@dataclass(frozen=True)
class VerifyFailure:
    """Why the FMC's certificate was rejected during the handshake.

    Attributes:
        code: OpenSSL's X509_V_ERR_* number (0 when our own host-name check failed).
        depth: position in the chain (0 = the server's own certificate).
        subject: the rejected certificate's subject, RFC 4514 text.
        reason: plain-words explanation.
    """

    code: int
    depth: int
    subject: str
    reason: str


@dataclass(frozen=True)
class TlsMaterial:
    """What the FMC's PKCS#12 file holds, in memory.

    Attributes:
        private_key: the client's private key (never printed: excluded from ``repr``).
        certificate: the client certificate the FMC issued.
        ca_certificates: the other certificates of the file (the FMC's Internal CA), used
            to verify the FMC's server certificate.
        source: the file it was read from (for messages).
    """

    private_key: Any = field(repr=False)
    certificate: x509.Certificate
    ca_certificates: tuple[x509.Certificate, ...]
    source: Path

    @property
    def common_name(self) -> str | None:
        """The client certificate's subject CN: the address the FMC expects us to come from."""
        return _common_name(self.certificate)

    @property
    def not_valid_after(self) -> datetime.datetime:
        """When the client certificate expires (UTC)."""
        return self.certificate.not_valid_after_utc


def load_pkcs12(path: Path | str, password: str | bytes | None) -> TlsMaterial:
    """Read an FMC-issued PKCS#12 file into memory.

    Args:
        path: the ``.pkcs12`` file downloaded from the FMC.
        password: its password; ``None`` or empty for a file without one (eNcore accepts
            an empty password, so both "no password" encodings are tried).

    Returns:
        The key, the client certificate and the CA certificates.

    Raises:
        TlsSetupError: the file is missing or unreadable, is not PKCS#12, the password does
            not open it, or it holds no private key or no certificate.  The message names
            the file and what to do; it never contains the password.
    """
    source = Path(path)
    try:
        with source.open("rb") as handle:
            data = handle.read(MAX_PKCS12_BYTES + 1)
    except FileNotFoundError:
        raise TlsSetupError(
            f"the PKCS#12 file {source} does not exist; download it from the FMC "
            "(System > Integration > eStreamer > Create Client) and set pkcs12Filepath"
        ) from None
    except OSError as exc:
        raise TlsSetupError(
            f"cannot read the PKCS#12 file {source}: {exc.strerror or exc}; check its "
            "permissions (the connector's user must be able to read it)"
        ) from None
    if len(data) > MAX_PKCS12_BYTES:
        raise TlsSetupError(
            f"{source} is larger than {MAX_PKCS12_BYTES} bytes, so it is not an FMC-issued "
            "PKCS#12 file; set pkcs12Filepath to the .pkcs12 file downloaded from the FMC"
        )
    if not _looks_like_pkcs12(data):
        hint = (
            "it is a PEM text file" if data.lstrip().startswith(b"-----BEGIN") else
            "it is not DER-encoded PKCS#12 data"
        )
        raise TlsSetupError(
            f"{source} is not a PKCS#12 file ({hint}); set pkcs12Filepath to the .pkcs12 "
            "file downloaded from the FMC"
        )
    key, cert, others = _open_pkcs12(source, data, password)
    if key is None:
        raise TlsSetupError(
            f"the PKCS#12 file {source} holds no private key; download the client's "
            "PKCS#12 file again from the FMC"
        )
    if cert is None:
        raise TlsSetupError(
            f"the PKCS#12 file {source} holds no client certificate; download the "
            "client's PKCS#12 file again from the FMC"
        )
    if not isinstance(key, _SupportedKey):
        raise TlsSetupError(
            f"the private key in {source} is of an unsupported type "
            f"({type(key).__name__}); the FMC issues RSA keys"
        )
    return TlsMaterial(
        private_key=key,
        certificate=cert,
        ca_certificates=tuple(others),
        source=source,
    )


def _looks_like_pkcs12(data: bytes) -> bool:
    """Tell PKCS#12 (a DER SEQUENCE starting with INTEGER 3) from anything else.

    ``cryptography`` reports "invalid password or PKCS12 data" for both a wrong password and
    a file of another kind; this structural check lets us say which one it is.
    """
    if len(data) < 8 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        start = 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            return False
        start = 2 + count
    return data[start : start + 3] == b"\x02\x01\x03"


def _open_pkcs12(
    source: Path, data: bytes, password: str | bytes | None
) -> tuple[Any, x509.Certificate | None, list[x509.Certificate]]:
    if isinstance(password, str):
        password = password.encode("utf-8")
    attempts: list[bytes | None] = [password] if password else [None, b""]
    for attempt in attempts:
        try:
            return pkcs12.load_key_and_certificates(data, attempt)
        except ValueError:
            continue
        except UnsupportedAlgorithm as exc:
            raise TlsSetupError(
                f"the PKCS#12 file {source} uses an algorithm this OpenSSL build does not "
                f"support ({exc}); download it again from the FMC"
            ) from None
    if password:
        raise TlsSetupError(
            f"the password does not open {source}; {PASSWORD_HINT} to the password "
            "entered when the client was created on the FMC"
        )
    raise TlsSetupError(
        f"{source} is password-protected and no password was given; {PASSWORD_HINT}"
    )


def client_context(
    material: TlsMaterial,
    verify_server: bool = True,
    server_name: str | None = None,
) -> SSL.Context:
    """Build the pyOpenSSL context for connecting to the FMC.

    TLS 1.2 is the minimum (the FMC speaks 1.2, protocol doc §1.4).  The client certificate
    and key come from memory.  With ``verify_server`` the FMC's certificate chain must lead
    to a CA certificate of the PKCS#12 file; the host name is checked only when
    ``server_name`` is given (the subject of the FMC's certificate is not documented).

    Verification failures are recorded on the connection: when a connection's app data is
    a list (``FmcSession`` sets one), a ``VerifyFailure`` is appended for each rejection.

    Args:
        material: what ``load_pkcs12`` returned.
        verify_server: verify the FMC's certificate (False only to diagnose; logged loudly).
        server_name: DNS name or IP address the FMC's certificate must name, or None.

    Returns:
        A context for client connections.

    Raises:
        TlsSetupError: the key does not belong to the certificate, or server verification
            was asked for but the PKCS#12 file holds no CA certificate.
    """
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_options(SSL.OP_NO_COMPRESSION)
    try:
        ctx.use_certificate(material.certificate)
        ctx.use_privatekey(material.private_key)
        ctx.check_privatekey()
    except SSL.Error:
        raise TlsSetupError(
            f"the private key in {material.source} does not belong to its certificate; "
            "download the client's PKCS#12 file again from the FMC"
        ) from None
    if not verify_server:
        logger.warning(
            "TLS: NOT VERIFYING THE FMC'S CERTIFICATE (verifyServer is false): anyone who "
            "can intercept the connection can pose as the FMC; use this only to diagnose"
        )
        ctx.set_verify(SSL.VERIFY_NONE)
        return ctx
    if not material.ca_certificates:
        raise TlsSetupError(
            f"the PKCS#12 file {material.source} holds no CA certificate, so the FMC's "
            "certificate cannot be verified; download the file again from the FMC, or set "
            "verifyServer to false (not recommended)"
        )
    store = ctx.get_cert_store()
    if store is None:  # pragma: no cover - a fresh context always has a store
        raise TlsSetupError("OpenSSL gave the TLS context no certificate store")
    for ca in material.ca_certificates:
        store.add_cert(crypto.X509.from_cryptography(ca))
    ctx.set_verify(SSL.VERIFY_PEER, _verify_callback(server_name))
    return ctx


def _verify_callback(
    server_name: str | None,
) -> Callable[[SSL.Connection, crypto.X509, int, int, int], bool]:
    def callback(
        conn: SSL.Connection, cert: crypto.X509, errno: int, depth: int, ok: int
    ) -> bool:
        subject = cert.to_cryptography().subject.rfc4514_string()
        if not ok:
            _record(conn, VerifyFailure(errno, depth, subject, _verify_reason(errno)))
            return False
        if depth == 0 and server_name is not None:
            if not matches_server_name(cert.to_cryptography(), server_name):
                _record(
                    conn,
                    VerifyFailure(
                        0,
                        0,
                        subject,
                        f"it does not name {server_name!r} (serverName); names in it: "
                        + ", ".join(_certificate_names(cert.to_cryptography())),
                    ),
                )
                return False
        return True

    return callback


def _record(conn: SSL.Connection, failure: VerifyFailure) -> None:
    sink = conn.get_app_data()
    if isinstance(sink, list):
        sink.append(failure)


def _verify_reason(errno: int) -> str:
    text = _VERIFY_TEXT.get(errno)
    if text is None:
        return f"OpenSSL verification error {errno}"
    return text


def matches_server_name(cert: x509.Certificate, server_name: str) -> bool:
    """Tell whether a certificate names ``server_name`` (RFC 6125, one left-most wildcard).

    IP literals match iPAddress SAN entries; DNS names match dNSName entries.  The subject
    CN is consulted only when the certificate has no subjectAltName extension.

    Args:
        cert: the server certificate.
        server_name: the expected DNS name or IP address.

    Returns:
        True when the certificate names it.
    """
    wanted_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    try:
        wanted_ip = ipaddress.ip_address(server_name)
    except ValueError:
        wanted_ip = None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        cn = _common_name(cert)
        if cn is None:
            return False
        if wanted_ip is not None:
            return cn == str(wanted_ip)
        return _dns_match(cn, server_name)
    if wanted_ip is not None:
        return wanted_ip in san.get_values_for_type(x509.IPAddress)
    return any(_dns_match(name, server_name) for name in san.get_values_for_type(x509.DNSName))


def _dns_match(pattern: str, name: str) -> bool:
    pattern = pattern.rstrip(".").lower()
    name = name.rstrip(".").lower()
    if pattern.startswith("*."):
        head, _, tail = name.partition(".")
        return bool(head) and tail == pattern[2:]
    return pattern == name


def _certificate_names(cert: x509.Certificate) -> list[str]:
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names.extend(san.get_values_for_type(x509.DNSName))
        names.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    cn = _common_name(cert)
    if cn is not None:
        names.append(f"CN={cn}")
    return names or ["(none)"]


def _common_name(cert: x509.Certificate) -> str | None:
    attributes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes:
        return None
    value = attributes[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
