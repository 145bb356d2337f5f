"""The diagnosis behind ``cef-connector check``: one verdict per start-up step, with the fix.

``check()`` runs the start-up code of ``run`` step by step (``load_settings``,
``load_pkcs12``, ``client_context``, ``FmcSession``, ``estreamer.Connection``,
``load_mappings``, ``build_output``) and turns every failure into a :class:`StepResult`:
one line saying what is wrong, the likely causes and what to do, in plain words.  It
never raises for a problem it diagnoses, writes nothing except a probe file it removes
at once, and asks the FMC for events from *now* without ever acknowledging any, so it
can run next to a live service.

``render()`` prints the results, one line per step with a tick or a cross, coloured
only when the stream is a terminal.  ``exit_code()`` is 0 only when every step passed.

Steps, in order: configuration; then for every server: PKCS#12 file, client
certificate, FMC CA, DNS, TCP connect, TLS handshake, event stream request, bookmark;
then the mapping set and every output.  ``network=False`` (``--no-network``) skips DNS,
TCP, TLS and the stream request, and the reachability of network outputs.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import errno
import ipaddress
import os
import re
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from cef_connector.bookmark import BookmarkStore
from cef_connector.config import ServerSettings, Settings, load_settings
from cef_connector.errors import (
    BookmarkError,
    ConfigError,
    MappingError,
    OutputError,
    ProtocolError,
    SessionError,
    TlsSetupError,
)
from cef_connector.estreamer import (
    NEED_DATA,
    START_NOW,
    BundleEnd,
    Connection,
    ConnectionClosed,
    Keepalive,
    Record,
    RequestFlag,
    ServerError,
    StreamingInformation,
    UnknownRecord,
)
from cef_connector.mapping import load_mappings
from cef_connector.outputs import FILE_SCHEMES, build_output
from cef_connector.outputs.uri import parse_output_uri
from cef_connector.session import FmcSession, TlsMaterial, client_context, load_pkcs12

__all__ = [
    "Status",
    "StepResult",
    "check",
    "exit_code",
    "local_addresses",
    "render",
]

#: Certificates that expire sooner than this get a warning.
EXPIRY_WARNING = datetime.timedelta(days=30)

#: Longest wait for the FMC's first answer to the event stream request.
MAX_ANSWER_SECONDS = 10.0

Resolver = Callable[..., list[tuple[Any, ...]]]


class Status(enum.Enum):
    """The verdict of one step."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


#: What each verdict looks like: (symbol, ASCII fallback, rich style).
_LOOK: dict[Status, tuple[str, str, str]] = {
    Status.PASS: ("✓", "OK  ", "bold green"),
    Status.WARN: ("!", "WARN", "bold yellow"),
    Status.FAIL: ("✗", "FAIL", "bold red"),
    Status.SKIP: ("-", "SKIP", "dim"),
}


@dataclass(frozen=True)
class StepResult:
    """The verdict of one step of ``check``.

    Attributes:
        step: the step's kind: ``configuration``, ``pkcs12``, ``certificate``, ``ca``,
            ``dns``, ``tcp``, ``tls``, ``stream``, ``bookmark``, ``mappings``, ``output``.
        status: pass, warn, fail or skip.
        title: what was checked, e.g. ``TCP connect to 10.0.0.5:8302``.
        message: the diagnosis in one line.
        causes: the likely causes, most likely first (failures and warnings).
        actions: what to do, in order.
        details: further lines (every configuration or mapping problem, the full error).
    """

    step: str
    status: Status
    title: str
    message: str
    causes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    details: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """``title: message``, the diagnosis line without its symbol."""
        return f"{self.title}: {self.message}"


def _result(step: str, status: Status, title: str, message: str, *,
            causes: Iterable[str] = (), actions: Iterable[str] = (),
            details: Iterable[str] = ()) -> StepResult:
    return StepResult(step, status, title, message, tuple(causes), tuple(actions),
                      tuple(details))


def exit_code(results: Sequence[StepResult], *, deny_warnings: bool = False) -> int:
    """The process exit code for a list of results.

    Args:
        results: what :func:`check` returned.
        deny_warnings: treat warnings as failures.

    Returns:
        0 when every step passed (or was skipped), else 1.
    """
    bad = {Status.FAIL, Status.WARN} if deny_warnings else {Status.FAIL}
    return 1 if any(r.status in bad for r in results) else 0


# ---------------------------------------------------------------------------- the steps


def check(
    config_path: Path,
    *,
    network: bool = True,
    env: Mapping[str, str] | None = None,
    mappings_dir: Path | None = None,
    templates_dir: Path | None = None,
    host_addresses: Callable[[], Collection[str]] | None = None,
    resolver: Resolver = socket.getaddrinfo,
    now: Callable[[], datetime.datetime] | None = None,
) -> list[StepResult]:
    """Run every start-up step of ``run`` and diagnose each one.

    Args:
        config_path: the configuration file.
        network: False skips DNS, TCP, TLS, the stream request and the reachability of
            network outputs (``--no-network``).
        env: environment variables for the configuration (default ``os.environ``).
        mappings_dir: read the mapping set from this directory instead of the packaged
            mappings (the configuration has no key for it; tests and operators trying a
            modified set use it).
        templates_dir: shared templates directory to go with ``mappings_dir``.
        host_addresses: returns this host's addresses (default :func:`local_addresses`).
        resolver: ``socket.getaddrinfo`` or a replacement (tests).
        now: returns the current UTC time (certificate validity).

    Returns:
        One result per step, in order.  Steps that cannot run because an earlier one
        failed are reported as skipped.
    """
    clock = now or (lambda: datetime.datetime.now(datetime.timezone.utc))
    addresses = host_addresses or local_addresses
    results: list[StepResult] = []
    config_path = Path(config_path)
    settings = _check_configuration(config_path, env, results)
    if settings is None:
        return results
    several = len(settings.servers) > 1
    for server in settings.servers:
        first = len(results)
        _check_server(settings, server, network, addresses, resolver, clock(), results)
        if several:  # say which FMC the TLS material lines are about
            where = _where(server.host, server.port)
            results[first:] = [dataclasses.replace(r, title=f"{r.title} for {where}")
                               if r.step in ("pkcs12", "certificate", "ca") else r
                               for r in results[first:]]
    _check_mappings(settings, mappings_dir, templates_dir, results)
    _check_outputs(settings, network, results)
    return results


def _check_configuration(config_path: Path, env: Mapping[str, str] | None,
                         results: list[StepResult]) -> Settings | None:
    title = f"configuration {config_path}"
    try:
        settings = load_settings(config_path, env if env is not None else os.environ)
    except ConfigError as exc:
        if exc.problems:
            count = len(exc.problems)
            results.append(_result(
                "configuration", Status.FAIL, title,
                f"{count} problem{'s' if count != 1 else ''}",
                details=exc.problems,
                actions=["fix every key listed, then run check again"]))
        else:
            results.append(_result("configuration", Status.FAIL, title, str(exc)))
        return None
    outputs = len(settings.outputters)
    servers = len(settings.servers)
    results.append(_result(
        "configuration", Status.PASS, title,
        f"valid ({servers} server{'s' if servers != 1 else ''}, {outputs} "
        f"output{'s' if outputs != 1 else ''}, mapping set {settings.mapping_set!r})"))
    return settings


def _check_server(settings: Settings, server: ServerSettings, network: bool,
                  addresses: Callable[[], Collection[str]], resolver: Resolver,
                  now: datetime.datetime, results: list[StepResult]) -> None:
    where = _where(server.host, server.port)
    material = _check_pkcs12(server, results)
    context = None
    if material is not None:
        _check_certificate(material, server, network, addresses, resolver, now, results)
        context = _check_ca(material, server, now, results)
    if not network:
        for step, title in _network_titles(server):
            results.append(_result(step, Status.SKIP, title, "skipped (--no-network)"))
    else:
        resolved = _check_dns(server, resolver, results)
        where = _where(server.host, server.port)
        if resolved is None:
            reason = "skipped: the name did not resolve"
            for step, title in _network_titles(server)[1:]:
                results.append(_result(step, Status.SKIP, title, reason))
        elif context is None:
            # Without usable TLS material only TCP can be tried, with a plain socket.
            _check_tcp(server, settings, resolved, results)
            reason = "skipped: the TLS material above is not usable"
            results.append(_result("tls", Status.SKIP, f"TLS handshake with {where}", reason))
            results.append(_result("stream", Status.SKIP,
                                   f"event stream request to {where}", reason))
        else:
            _check_session(settings, server, context, material, _route_source(resolved),
                           results)
    _check_bookmark(settings, server, results)


def _where(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _network_titles(server: ServerSettings) -> list[tuple[str, str]]:
    where = _where(server.host, server.port)
    return [("dns", f"DNS {server.host}"), ("tcp", f"TCP connect to {where}"),
            ("tls", f"TLS handshake with {where}"),
            ("stream", f"event stream request to {where}")]


# -- TLS material ----------------------------------------------------------------------

_ISSUE_AGAIN = ("on the FMC, System > Integration > eStreamer: delete the client, create it "
                "again with this host's address as the FMC sees it, and install the new "
                "PKCS#12 file")


def _check_pkcs12(server: ServerSettings, results: list[StepResult]) -> TlsMaterial | None:
    title = f"PKCS#12 file {server.pkcs12_path}"
    try:
        material = load_pkcs12(server.pkcs12_path, server.pkcs12_password)
    except TlsSetupError as exc:
        text = str(exc)
        if "the password does not open" in text:
            results.append(_result(
                "pkcs12", Status.FAIL, title,
                "the configured password does not open it",
                causes=["the password was mistyped, or it belongs to another PKCS#12 file "
                        "(the FMC sets a new one each time a client is created)"],
                actions=["set pkcs12PasswordFile (or pkcs12Password, or the environment "
                         "variable CEF_CONNECTOR_PKCS12_PASSWORD) to the password entered "
                         "when the client was created on the FMC",
                         "if nobody knows it: " + _ISSUE_AGAIN]))
        elif "no password was given" in text:
            results.append(_result(
                "pkcs12", Status.FAIL, title,
                "it is password-protected and no password is configured",
                actions=["set pkcs12PasswordFile, pkcs12Password or the environment "
                         "variable CEF_CONNECTOR_PKCS12_PASSWORD"]))
        elif "does not exist" in text:
            results.append(_result(
                "pkcs12", Status.FAIL, title, "the file does not exist",
                actions=["download the client's PKCS#12 file from the FMC (System > "
                         "Integration > eStreamer) and set servers[].pkcs12Filepath to it"]))
        else:
            results.append(_result("pkcs12", Status.FAIL, title, text))
        return None
    how = "with the configured password" if server.pkcs12_password else "without a password"
    results.append(_result("pkcs12", Status.PASS, title, f"opened {how}"))
    return material


def _day(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _cn(cert: x509.Certificate) -> str | None:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        return None
    value = names[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    if cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _check_certificate(material: TlsMaterial, server: ServerSettings, network: bool,
                       addresses: Callable[[], Collection[str]], resolver: Resolver,
                       now: datetime.datetime, results: list[StepResult]) -> None:
    cert = material.certificate
    cn = _cn(cert) or "(none)"
    title = "client certificate"
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if end < now:
        results.append(_result(
            "certificate", Status.FAIL, title, f"expired on {_day(end)} (CN {cn})",
            causes=["the certificate's validity ended: the FMC refuses it during the TLS "
                    "handshake", "this host's clock is wrong"],
            actions=[_ISSUE_AGAIN, "check this host's clock (timedatectl)"]))
        return
    if start > now:
        results.append(_result(
            "certificate", Status.FAIL, title, f"not valid before {_day(start)} (CN {cn})",
            causes=["this host's clock is behind"],
            actions=["set this host's clock right (NTP: timedatectl set-ntp true)"]))
        return
    issuers = material.ca_certificates
    if issuers and not any(_issued_by(cert, ca) for ca in issuers):
        results.append(_result(
            "certificate", Status.FAIL, title,
            f"not issued by the CA in the PKCS#12 file (issuer "
            f"{cert.issuer.rfc4514_string()})",
            causes=["the file was put together by hand or comes from another FMC: the FMC "
                    "accepts only client certificates its own CA issued"],
            actions=[_ISSUE_AGAIN]))
        return
    validity = f"valid until {_day(end)}"
    mine = {_normal(a) for a in addresses()}
    cn_addresses = _cn_addresses(cn, network, resolver)
    if cn_addresses is not None and not (cn_addresses & mine):
        shown = ", ".join(sorted(a for a in mine if not _is_loopback(a))) or ", ".join(
            sorted(mine))
        results.append(_result(
            "certificate", Status.WARN, title,
            f"CN {cn} is not an address of this host ({shown}); the FMC will refuse the "
            "connection unless it sees this host as " + cn,
            causes=["the client was created on the FMC for another host's address",
                    "this host reaches the FMC through NAT and the FMC sees the NAT address "
                    f"(then {cn} must be that address, and all is well)"],
            actions=[_ISSUE_AGAIN]))
        return
    if end - now < EXPIRY_WARNING:
        days = (end - now).days
        results.append(_result(
            "certificate", Status.WARN, title,
            f"CN {cn}, expires in {days} day{'s' if days != 1 else ''} ({_day(end)})",
            actions=["before it expires: " + _ISSUE_AGAIN]))
        return
    where = ("an address of this host" if cn_addresses is not None
             else "a name (not resolved: --no-network)")
    results.append(_result("certificate", Status.PASS, title,
                           f"CN {cn} ({where}), {validity}"))


def _normal(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address.lower()
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _cn_addresses(cn: str, network: bool, resolver: Resolver) -> set[str] | None:
    """The addresses a CN stands for; None when it is a name that cannot be resolved now."""
    try:
        ipaddress.ip_address(cn)
    except ValueError:
        pass
    else:
        return {_normal(cn)}
    if not network:
        return None
    try:
        infos = resolver(cn, None, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return set()
    return {_normal(str(info[4][0])) for info in infos}


def _check_ca(material: TlsMaterial, server: ServerSettings, now: datetime.datetime,
              results: list[StepResult]) -> Any:
    title = "FMC CA"
    try:
        context = client_context(material, verify_server=server.verify_server,
                                 server_name=server.server_name)
    except TlsSetupError as exc:
        text = str(exc)
        if "holds no CA certificate" in text:
            results.append(_result(
                "ca", Status.FAIL, title,
                "the PKCS#12 file holds no CA certificate, so the FMC cannot be verified",
                actions=["download the client's PKCS#12 file again from the FMC (it carries "
                         "the FMC's Internal CA)",
                         "or set verifyServer to false (diagnosis only: anyone on the path "
                         "could pose as the FMC)"]))
        else:
            results.append(_result("ca", Status.FAIL, title, text))
        return None
    if not server.verify_server:
        results.append(_result(
            "ca", Status.WARN, title,
            "verifyServer is false: the FMC's certificate is not verified",
            causes=["anyone who can intercept the connection can pose as the FMC"],
            actions=["remove verifyServer (or set it to true) once the connection works"]))
        return context
    ca = material.ca_certificates[0]
    name = _cn(ca) or ca.subject.rfc4514_string()
    end = ca.not_valid_after_utc
    if end < now:
        results.append(_result(
            "ca", Status.FAIL, title, f"{name} expired on {_day(end)}",
            actions=["the FMC's Internal CA was renewed: " + _ISSUE_AGAIN]))
        return context
    results.append(_result("ca", Status.PASS, title,
                           f"{name}, valid until {_day(end)}; the FMC's certificate will "
                           "be verified against it"))
    return context


# -- network ---------------------------------------------------------------------------


def _check_dns(server: ServerSettings, resolver: Resolver,
               results: list[StepResult]) -> list[tuple[Any, ...]] | None:
    title = f"DNS {server.host}"
    try:
        ipaddress.ip_address(server.host)
    except ValueError:
        pass
    else:
        results.append(_result("dns", Status.PASS, title,
                               "an IP address, nothing to resolve"))
        return resolver(server.host, server.port, 0, socket.SOCK_STREAM)
    try:
        infos = resolver(server.host, server.port, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else str(exc)
        results.append(_result(
            "dns", Status.FAIL, title, f"cannot be resolved ({reason})",
            causes=["the name in servers[].host is misspelt",
                    "this host's DNS server does not know the FMC's name"],
            actions=[f"check servers[].host; try: getent hosts {server.host}",
                     "or put the FMC's IP address in servers[].host"]))
        return None
    shown = sorted({str(info[4][0]) for info in infos})
    results.append(_result("dns", Status.PASS, title, "resolves to " + ", ".join(shown)))
    return infos


def _check_tcp(server: ServerSettings, settings: Settings, infos: list[tuple[Any, ...]],
               results: list[StepResult]) -> None:
    """TCP alone, with a plain socket: used only when the TLS material is broken (the FMC
    logs an SSL_accept failure for such a probe, so a working setup never sends one)."""
    where = _where(server.host, server.port)
    title = f"TCP connect to {where}"
    timeout = settings.connect_timeout_seconds
    last: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            local = tuple(sock.getsockname())
        except OSError as exc:
            last = exc
            sock.close()
            continue
        sock.close()
        results.append(_result("tcp", Status.PASS, title, f"connected from {local[0]}"))
        return
    results.append(_tcp_failure(title, server, timeout, last))


_TCP_KINDS = {"connect_refused": ConnectionRefusedError, "connect_timeout": TimeoutError}


def _tcp_failure(title: str, server: ServerSettings, timeout: float,
                 exc: OSError | None, text: str | None = None) -> StepResult:
    port = server.port
    if isinstance(exc, ConnectionRefusedError):
        return _result(
            "tcp", Status.FAIL, title, "connection refused",
            causes=[f"nothing listens on port {port} there: wrong host or port, or "
                    "eStreamer is not enabled on the FMC",
                    "a firewall on the way rejects the connection"],
            actions=["on the FMC, System > Integration > eStreamer: tick the event types "
                     "to send (that starts the eStreamer service on port 8302)",
                     "check servers[].host and servers[].port",
                     f"ask for TCP {port} to be allowed from this host to {server.host}"])
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return _result(
            "tcp", Status.FAIL, title, f"no answer within {timeout:g} s (connectTimeout)",
            causes=[f"a firewall drops TCP {port} between this host and the FMC (most "
                    "likely)", "a wrong address, or the FMC is down"],
            actions=[f"ask for TCP {port} to be allowed from this host to {server.host}",
                     f"test from this host: nc -vz {server.host} {port}"])
    if exc is not None and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return _result(
            "tcp", Status.FAIL, title, f"unreachable ({exc.strerror})",
            causes=["this host has no route to the FMC's address",
                    "a firewall answers with 'host unreachable'"],
            actions=["check the address and this host's routes (ip route get "
                     f"{server.host})"])
    if text is not None:
        return _result("tcp", Status.FAIL, title, text)
    reason = (exc.strerror or str(exc)) if exc is not None else "no address to connect to"
    return _result("tcp", Status.FAIL, title, f"failed ({reason})")


#: SessionError texts of a failed handshake (FmcSession) → diagnosis, causes, actions.
_REFUSED_CAUSES = (
    "the client certificate's CN is not the address the FMC sees this host connecting "
    "from (behind NAT the FMC sees the NAT address)",
    "the client was deleted (its certificate revoked) on the FMC",
    "the PKCS#12 file was issued by another FMC, or its certificate expired",
)
_TLS_DIAGNOSES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("failed verification", "the FMC's certificate failed verification: {reason}",
     ("host/port point at another server than the FMC that issued the PKCS#12 file",
      "the FMC's Internal CA was renewed after the file was issued",
      "something on the path intercepts TLS"),
     ("check servers[].host and servers[].port",
      "download a fresh PKCS#12 file from the FMC (System > Integration > eStreamer)")),
    ("says our certificate is revoked", "the FMC says our certificate is revoked",
     ("the client was deleted on the FMC",), (_ISSUE_AGAIN,)),
    ("no common TLS version", "no common TLS version (we require TLS 1.2 or newer)",
     ("the FMC (or whatever listens there) offers only TLS 1.0/1.1",),
     ("check that the port is the FMC's eStreamer port; FMC 6.x and later speak TLS 1.2",)),
    ("does not speak TLS", "the server does not speak TLS",
     ("the port is not the FMC's eStreamer port",), ("check servers[].port (8302)",)),
    ("did not finish within", "no TLS answer within {timeout:g} s (connectTimeout)",
     ("the listener accepts TCP but does not speak TLS (is this the eStreamer port?)",
      "the FMC is overloaded"),
     ("check servers[].host and servers[].port",
      "raise connectTimeout if the FMC is known to be slow")),
    ("alert certificate expired", "the FMC refused our certificate: it has expired",
     ("the client certificate's validity ended", "this host's clock or the FMC's is wrong"),
     (_ISSUE_AGAIN, "check both clocks (timedatectl)")),
    ("alert unknown ca",
     "the FMC refused our certificate: it was not issued by the FMC's CA",
     ("the PKCS#12 file was issued by another FMC (or before the FMC's CA was renewed)",
      "host/port point at another FMC than the one that issued the file"),
     ("check servers[].host and servers[].port", _ISSUE_AGAIN)),
    ("refused our certificate during the TLS handshake",
     "the FMC refused our certificate during the handshake", _REFUSED_CAUSES,
     (_ISSUE_AGAIN,)),
    ("closed the connection during the TLS handshake",
     "the FMC closed the connection during the handshake: it refused our certificate",
     _REFUSED_CAUSES, (_ISSUE_AGAIN,)),
    ("aborted the TLS handshake",
     "the FMC aborted the handshake: no common TLS version or cipher, or it refused "
     "our certificate", _REFUSED_CAUSES, (_ISSUE_AGAIN,)),
)


def _tls_failure(title: str, exc: SessionError, timeout: float) -> StepResult:
    text = str(exc)
    for needle, message, causes, actions in _TLS_DIAGNOSES:
        if needle in text:
            found = re.search(r"failed verification: (.*?) \(certificate", text)
            reason = found.group(1) if found else ""
            return _result("tls", Status.FAIL, title,
                           message.format(reason=reason, timeout=timeout),
                           causes=causes, actions=actions, details=[text])
    return _result("tls", Status.FAIL, title, "the handshake failed",
                   causes=_REFUSED_CAUSES, actions=[_ISSUE_AGAIN], details=[text])


def _route_source(infos: list[tuple[Any, ...]]) -> str:
    """The address this host sends from towards the FMC (a UDP connect sends nothing)."""
    for family, _kind, _proto, _name, address in infos:
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.connect(address)
                return str(probe.getsockname()[0])
        except OSError:
            continue
    return "?"


def _check_session(settings: Settings, server: ServerSettings, context: Any,
                   material: TlsMaterial | None, source: str,
                   results: list[StepResult]) -> None:
    where = _where(server.host, server.port)
    tls_title = f"TLS handshake with {where}"
    stream_title = f"event stream request to {where}"
    answer_seconds = min(settings.response_timeout_seconds, MAX_ANSWER_SECONDS)
    session = FmcSession(server.host, server.port, context,
                         connect_timeout=settings.connect_timeout_seconds,
                         response_timeout=answer_seconds, server_name=server.server_name)
    tcp_title = f"TCP connect to {where}"
    try:
        session.connect()
    except SessionError as exc:
        if exc.kind == "tls_handshake":
            results.append(_result("tcp", Status.PASS, tcp_title, f"connected from {source}"))
            results.append(_tls_failure(tls_title, exc, settings.connect_timeout_seconds))
            results.append(_result("stream", Status.SKIP, stream_title,
                                   "skipped: no TLS session"))
            return
        errno_value = errno.EHOSTUNREACH if exc.kind == "unreachable" else None
        cause: OSError | None = None
        if exc.kind in _TCP_KINDS:
            cause = _TCP_KINDS[exc.kind]()
        elif errno_value is not None:
            cause = OSError(errno_value, os.strerror(errno_value))
        results.append(_tcp_failure(tcp_title, server, settings.connect_timeout_seconds,
                                    cause, text=str(exc)))
        reason = "skipped: no TCP connection"
        results.append(_result("tls", Status.SKIP, tls_title, reason))
        results.append(_result("stream", Status.SKIP, stream_title, reason))
        return
    local = session.local_address
    results.append(_result("tcp", Status.PASS, tcp_title,
                           f"connected from {local[0] if local else source}"))
    try:
        peer = session.peer_certificate
        verified = ("verified against the FMC CA" if server.verify_server
                    else "NOT verified (verifyServer is false)")
        subject = peer.subject.rfc4514_string() if peer is not None else "(none)"
        results.append(_result("tls", Status.PASS, tls_title,
                               f"{session.tls_version}; FMC certificate {subject}, {verified}"))
        results.append(_stream_request(settings, session, stream_title, material,
                                       answer_seconds))
    finally:
        session.close()


def _stream_request(settings: Settings, session: FmcSession, title: str,
                    material: TlsMaterial | None, answer_seconds: float) -> StepResult:
    extended = bool(settings.request_flags & RequestFlag.EXTENDED)
    connection = Connection(START_NOW, settings.request_flags, settings.event_types)
    deadline = time.monotonic() + answer_seconds
    try:
        session.send(connection.initiate())
        while True:
            event = connection.next_event()
            if event is NEED_DATA:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                data = session.recv(timeout=remaining)
                if data is None:
                    break
                connection.receive_data(data)
                if not data and session.bytes_received == 0:
                    return _closed_without_answer(title, session, material)
                continue
            if isinstance(event, StreamingInformation):
                services = ", ".join(str(s) for s in event.services)
                return _result("stream", Status.PASS, title,
                               f"the FMC answered with Streaming Information (services "
                               f"{services})")
            if isinstance(event, ServerError):
                return _result(
                    "stream", Status.FAIL, title,
                    f"the FMC answered with error {event.code}: {event.text}",
                    causes=["the FMC refuses the request flags or event types, or it is "
                            "short of resources"],
                    actions=["read the FMC's syslog (/var/log/messages) for eStreamer "
                             "entries at this time",
                             "compare subscription.records with what the FMC offers"])
            if isinstance(event, ConnectionClosed):
                return _closed_without_answer(title, session, material)
            if isinstance(event, (Keepalive, Record, BundleEnd, UnknownRecord)):
                if not extended:
                    return _result("stream", Status.PASS, title,
                                   "the FMC accepted the request and started streaming")
    except SessionError as exc:
        return _result("stream", Status.FAIL, title, str(exc))
    except ProtocolError as exc:
        return _result("stream", Status.FAIL, title,
                       f"the FMC's answer breaks the eStreamer protocol: {exc}",
                       causes=["the port is not the FMC's eStreamer port, or the FMC "
                               "version speaks a protocol variant this version does not "
                               "know"],
                       actions=["check servers[].port; report the FMC version"])
    if not extended:
        return _result("stream", Status.PASS, title,
                       f"no error within {answer_seconds:g} s (the request is not extended: "
                       "no Streaming Information is expected)")
    return _result(
        "stream", Status.FAIL, title,
        f"no answer within {answer_seconds:g} s (responseTimeout)",
        causes=["the FMC's eStreamer service is overloaded or hung"],
        actions=["retry; if it persists, restart eStreamer on the FMC (disable and enable "
                 "the event types under System > Integration > eStreamer)"])


def _closed_without_answer(title: str, session: FmcSession,
                           material: TlsMaterial | None) -> StepResult:
    cn = _cn(material.certificate) if material is not None else None
    local = session.local_address
    source = str(local[0]) if local else "?"
    return _result(
        "stream", Status.FAIL, title,
        "the FMC closed the connection without answering",
        causes=[f"the client certificate's CN ({cn or '?'}) is not the address the FMC sees "
                f"this host connecting from (we connect from {source}; behind NAT the FMC "
                "sees the NAT address)",
                "the client was deleted on the FMC"],
        actions=[_ISSUE_AGAIN])


# -- local state, mappings, outputs ------------------------------------------------------


def _check_bookmark(settings: Settings, server: ServerSettings,
                    results: list[StepResult]) -> None:
    title = f"bookmark of {_where(server.host, server.port)}"
    state_dir = settings.state_dir
    problem = _not_writable(state_dir)
    if problem is not None:
        results.append(_result(
            "bookmark", Status.FAIL, title, f"state directory {state_dir} {problem}",
            actions=[f"create {state_dir} writable by the service's user, or set "
                     "stateDirectory"]))
        return
    store = BookmarkStore(state_dir, server.host, server.port)
    try:
        value = store.load()
    except BookmarkError as exc:
        results.append(_result("bookmark", Status.FAIL, title, str(exc)))
        return
    if value is None:
        start = {0: "start 0: from the oldest event the FMC has",
                 1: "start 1: from now",
                 2: "start 2 without a bookmark: from the oldest event the FMC has"}
        results.append(_result("bookmark", Status.PASS, title,
                               f"none yet ({start.get(settings.start, '')})"))
        return
    moment = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    resumes = " (start 2 resumes there)" if settings.start == 2 else ""
    results.append(_result("bookmark", Status.PASS, title,
                           f"{moment.strftime('%Y-%m-%d %H:%M:%S UTC')}{resumes}"))


def _not_writable(directory: Path) -> str | None:
    """None when a file can be created in ``directory`` (or in the ancestor that will
    hold it); else the reason, in words."""
    target = directory
    while not target.exists():
        if target.parent == target:
            return "cannot be created"
        target = target.parent
    if not target.is_dir():
        return f"cannot be created: {target} is not a directory"
    try:
        fd, name = tempfile.mkstemp(prefix=".cef-connector-check-", dir=target)
    except OSError as exc:
        return f"is not writable ({exc.strerror or exc})"
    os.close(fd)
    os.unlink(name)
    return None


def _check_mappings(settings: Settings, mappings_dir: Path | None,
                    templates_dir: Path | None, results: list[StepResult]) -> None:
    title = f"mapping set {settings.mapping_set!r}"
    if mappings_dir is not None:
        title += f" in {mappings_dir}"
    if settings.mappings_dir is not None:
        title += f" with overrides from {settings.mappings_dir}"
    try:
        table = load_mappings(settings.mapping_set, settings.device_version,
                              mappings_dir=mappings_dir, templates_dir=templates_dir,
                              override_dir=settings.mappings_dir,
                              override_templates_dir=settings.templates_dir)
    except MappingError as exc:
        lines = str(exc).splitlines()
        problems = [line.strip().removeprefix("- ") for line in lines[1:] if line.strip()]
        if problems:
            message = (f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: "
                       f"{problems[0]}")
        else:
            message = lines[0] if lines else "cannot be loaded"
        results.append(_result(
            "mappings", Status.FAIL, title, message, details=problems[1:],
            actions=["fix the mapping files named (mappings/README.md describes the "
                     "format), then run check again"]))
        return
    types = sorted(table.record_types)
    results.append(_result(
        "mappings", Status.PASS, title, _mapped_summary(types)))


def _mapped_summary(types: list[int]) -> str:
    """Say which event record types a mapping set covers: all of them, or which are not."""
    from cef_connector.estreamer import METADATA_RECORD_TYPES, SUPPORTED_RECORD_TYPES

    events = sorted(SUPPORTED_RECORD_TYPES - METADATA_RECORD_TYPES)
    missing = [t for t in events if t not in types]
    if not missing:
        return f"{len(types)} record types compile (every event record type this version decodes)"
    return (f"{len(types)} record types compile; {len(missing)} event record types have no "
            f"mapping and are counted as unmapped ({', '.join(str(t) for t in missing)})")


def _check_outputs(settings: Settings, network: bool, results: list[StepResult]) -> None:
    if not settings.outputters:
        results.append(_result(
            "output", Status.WARN, "outputs",
            "none is enabled: records are read and dropped (eNcore's 'sink')",
            actions=["enable an outputter in handler.outputters"]))
        return
    hostname = socket.gethostname().split(".")[0] or "localhost"
    for spec in settings.outputters:
        title = f"output {spec.name or spec.uri}"
        try:
            output = build_output(spec, base_dir=settings.config_dir, clock=time.time,
                                  hostname=hostname)
        except OutputError as exc:
            results.append(_result("output", Status.FAIL, title, str(exc)))
            continue
        scheme = spec.uri.split(":", 1)[0].lower()
        if scheme in FILE_SCHEMES:
            directory = parse_output_uri(spec.uri, settings.config_dir).directory
            problem = _not_writable(directory)
            if problem is not None:
                results.append(_result(
                    "output", Status.FAIL, title, f"directory {directory} {problem}",
                    actions=[f"create {directory} writable by the service's user, or "
                             "change the stream URI"]))
            elif directory.exists():
                results.append(_result("output", Status.PASS, title,
                                       f"directory {directory} is writable"))
            else:
                results.append(_result("output", Status.PASS, title,
                                       f"directory {directory} will be created"))
            continue
        if not network:
            results.append(_result("output", Status.SKIP, title,
                                   "reachability skipped (--no-network)"))
            continue
        results.append(_probe_output(title, output))


def _probe_output(title: str, output: Any) -> StepResult:
    """Reach a non-file output: its ``healthcheck()`` if it has one, else open and close."""
    try:
        healthcheck = getattr(output, "healthcheck", None)
        if callable(healthcheck):
            healthcheck()
        else:
            output.open()
            output.close()
    except OutputError as exc:
        return _result("output", Status.FAIL, title, str(exc))
    except OSError as exc:
        return _result("output", Status.FAIL, title, f"unreachable ({exc.strerror or exc})")
    return _result("output", Status.PASS, title, "reachable")


# ---------------------------------------------------------------------------- addresses


def local_addresses() -> set[str]:
    """This host's IP addresses (every interface, plus what its name resolves to).

    Linux: IPv4 from each interface (``SIOCGIFADDR``), IPv6 from ``/proc/net/if_inet6``;
    elsewhere only the addresses of the host name and loopback.

    Returns:
        Addresses as text (compressed IPv6).
    """
    found = {"127.0.0.1", "::1"}
    try:
        import fcntl

        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for _index, name in socket.if_nameindex():
                request = struct.pack("256s", name.encode()[:15])
                try:
                    answer = fcntl.ioctl(probe.fileno(), 0x8915, request)  # SIOCGIFADDR
                except OSError:
                    continue
                found.add(socket.inet_ntoa(answer[20:24]))
        finally:
            probe.close()
    except (ImportError, OSError):
        pass
    try:
        with open("/proc/net/if_inet6", encoding="ascii") as handle:
            for line in handle:
                raw = line.split()[0]
                found.add(str(ipaddress.IPv6Address(bytes.fromhex(raw))))
    except (OSError, ValueError):
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(_normal(str(info[4][0])))
    except OSError:
        pass
    return found


# ---------------------------------------------------------------------------- rendering


def render(results: Sequence[StepResult], stream: IO[str] | None = None, *,
           color: bool | None = None) -> None:
    """Print the results: a tick or a cross per step, then causes and fixes.

    Args:
        results: what :func:`check` returned.
        stream: where to print (default ``sys.stdout``).
        color: force colours on or off (default: on only when ``stream`` is a terminal
            and ``NO_COLOR`` is not set).
    """
    out = stream if stream is not None else sys.stdout
    if color is None:
        color = bool(getattr(out, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ
    if color:
        from rich.console import Console
        from rich.text import Text

        console = Console(file=out, highlight=False, soft_wrap=True, force_terminal=True)
        for result in results:
            symbol, _ascii, style = _LOOK[result.status]
            line = Text()
            line.append(symbol, style=style)
            line.append(" " + result.line)
            console.print(line)
            for text in _explanation(result):
                console.print(Text(text, style="dim" if text.startswith("      ") else ""))
        return
    unicode_ok = _can_encode(out, "✓✗")
    for result in results:
        symbol, ascii_symbol, _style = _LOOK[result.status]
        out.write(f"{symbol if unicode_ok else ascii_symbol} {result.line}\n")
        for text in _explanation(result):
            out.write(text + "\n")
    out.flush()


def _explanation(result: StepResult) -> list[str]:
    if result.status in (Status.PASS, Status.SKIP):
        return []
    lines = [f"    - {detail}" for detail in result.details]
    lines += [f"    likely cause: {cause}" for cause in result.causes]
    lines += [f"    fix: {action}" for action in result.actions]
    return lines


def _can_encode(stream: IO[str], text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# ---------------------------------------------------------------------------- the command


def check_command(config_path: Path, *, network: bool = True, deny_warnings: bool = False,
                  debug: bool = False, stream: IO[str] | None = None) -> int:
    """``cef-connector check`` (alias ``test``): diagnose, print, return the exit code.

    Library warnings (e.g. the session's own hint when the FMC closes) are not logged:
    the diagnosis lines say the same; ``debug`` logs everything to standard error.

    Args:
        config_path: the configuration file.
        network: False for ``--no-network``.
        deny_warnings: a warning fails the check (``--deny-warnings``).
        debug: log at DEBUG level to standard error.
        stream: where to print (default ``sys.stdout``).

    Returns:
        0 when every step passed (warnings allowed unless ``deny_warnings``), else 1.
    """
    import logging

    out = stream if stream is not None else sys.stdout
    package_logger = logging.getLogger("cef_connector")
    previous = package_logger.level
    handler: logging.Handler | None = None
    if debug:
        handler = logging.StreamHandler(sys.stderr)
        package_logger.addHandler(handler)
        package_logger.setLevel(logging.DEBUG)
    else:
        package_logger.setLevel(logging.CRITICAL)
    try:
        results = check(config_path, network=network)
    finally:
        package_logger.setLevel(previous)
        if handler is not None:
            package_logger.removeHandler(handler)
    render(results, out)
    failed = sum(1 for r in results if r.status is Status.FAIL)
    warned = sum(1 for r in results if r.status is Status.WARN)
    counted = sum(1 for r in results if r.status is not Status.SKIP)
    if failed:
        summary = f"{failed} step{'s' if failed != 1 else ''} failed"
    else:
        summary = f"all {counted} steps passed"
    if warned:
        summary += f", {warned} warning{'s' if warned != 1 else ''}"
    out.write(f"check: {summary}\n")
    out.flush()
    return exit_code(results, deny_warnings=deny_warnings)
