"""The TLS connection to the FMC: the only code in cef-connector that talks to the FMC.

``FmcSession`` owns one TCP socket and one pyOpenSSL connection driven through a memory BIO
(``SSL.Connection(ctx, None)``): OpenSSL never touches the socket, we move the bytes, so
every wait is a plain socket wait with a timeout we chose.  It knows nothing about eStreamer;
the protocol logic lives in ``cef_connector.estreamer.Connection``, which the caller feeds
with what ``recv`` returns and whose output it passes to ``send``.

Timeouts:

* ``connect()``: one deadline, ``connect_timeout`` seconds, covers the TCP connect and the
  TLS handshake (as eNcore's ``connectTimeout`` does, protocol doc §1.5).
* ``recv()``: waits at most ``timeout`` (default ``response_timeout``) seconds and returns
  ``None`` when nothing complete arrived.  That is a *tick*, not an error: a quiet FMC is
  normal (it sends Null keep-alives, interval unknown).  The caller decides when silence
  means a dead connection, e.g. from ``seconds_since_receive()``.  Partial TLS records that
  arrived are kept; nothing is ever discarded on a timeout.
* ``send()``: the FMC must accept the bytes within ``response_timeout`` seconds, else
  ``SessionError(kind="send_timeout")`` (the connection is then unusable).

``SessionError.kind`` values raised here: ``dns``, ``connect_refused``, ``connect_timeout``,
``unreachable``, ``connect``, ``tls_handshake``, ``closed``, ``send_timeout``.

When the FMC closes, ``recv`` returns ``b""`` whatever the way (TLS close_notify, TCP FIN
or TCP reset; ``close_reason`` tells which), so the caller hands ``b""`` to
``Connection.receive_data`` and the protocol core decides whether the close was clean.

Not thread-safe: one thread drives a session.  Typical use::

    with FmcSession(host, port, client_context(material)) as session:
        connection = Connection(start, flags)
        session.send(connection.initiate())
        while running:
            event = connection.next_event()
            if event is NEED_DATA:
                data = session.recv()          # None = tick: check shutdown, dead-link limit
                if data is not None:
                    connection.receive_data(data)   # b"" = closed
                continue
            session.send(connection.data_to_send())   # e.g. the StreamingRequest
            ...                                       # records, then acknowledge() per bundle
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import struct
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from OpenSSL import SSL

from cef_connector.errors import SessionError
from cef_connector.session.tls import VerifyFailure

__all__ = ["DEFAULT_RECV_BYTES", "FmcSession"]

logger = logging.getLogger(__name__)

#: Default ``recv`` size; a TLS record carries at most 16 KiB, several are coalesced.
DEFAULT_RECV_BYTES = 256 * 1024
_SOCKET_READ_BYTES = 64 * 1024
#: How long ``close()`` tries to deliver our close_notify.
_CLOSE_FLUSH_SECONDS = 1.0

_ALERT_PROTOCOL = ("protocol version", "unsupported protocol", "no protocols available")
_ALERT_NOT_TLS = ("wrong version number", "packet length too long", "record layer failure",
                  "http request", "unknown protocol")
_ALERT_REVOKED = ("certificate revoked",)
_ALERT_REFUSED = ("unknown ca", "bad certificate", "certificate unknown", "access denied",
                  "certificate required", "decrypt error", "unsupported certificate",
                  "certificate expired")
_ALERT_GENERIC = ("handshake failure", "no shared cipher", "insufficient security")


class FmcSession:
    """One mutual-TLS connection to an FMC's eStreamer port.

    Use as a context manager (``with FmcSession(...) as session:`` connects and closes) or
    call ``connect()`` / ``close()`` yourself.

    Args:
        host: FMC address or DNS name.
        port: eStreamer port (8302).
        context: from ``session.tls.client_context``.
        connect_timeout: seconds for TCP connect plus TLS handshake.
        response_timeout: default ``recv`` tick, and the limit for ``send``.
        server_name: sent as SNI when it is a DNS name (the host-name check itself is
            configured in the context).
        clock: monotonic seconds (injected for tests).
    """

    def __init__(
        self,
        host: str,
        port: int,
        context: SSL.Context,
        *,
        connect_timeout: float = 10.0,
        response_timeout: float = 10.0,
        server_name: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.response_timeout = response_timeout
        self._context = context
        self._server_name = server_name
        self._clock = clock
        self._sock: socket.socket | None = None
        self._tls: SSL.Connection | None = None
        self._verify_failures: list[VerifyFailure] = []
        self._eof_from_socket = False
        self._reset_from_socket = False
        self._closed = False
        self.bytes_sent = 0
        """Application bytes handed to ``send`` so far."""
        self.bytes_received = 0
        """Application bytes returned by ``recv`` so far."""
        self.closed_cleanly: bool | None = None
        """After ``recv`` returned b"": True if the FMC sent a TLS close_notify."""
        self.close_reason: str | None = None
        """After ``recv`` returned b"": ``close_notify``, ``tcp_close`` or ``tcp_reset``."""
        self.early_close_hint: str | None = None
        """Set when the FMC closed before sending anything: the likely causes, in words."""
        self._last_receive: float | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def where(self) -> str:
        """``host:port`` (IPv6 literals bracketed), for messages."""
        if ":" in self.host:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        """True between a successful ``connect()`` and ``close()``."""
        return self._tls is not None and not self._closed

    def connect(self) -> None:
        """Open the TCP connection and complete the TLS handshake.

        Raises:
            SessionError: kind ``dns``, ``connect_refused``, ``connect_timeout``,
                ``unreachable``, ``connect`` (TCP) or ``tls_handshake``, with the likely
                causes in the message.
        """
        if self._tls is not None:
            raise SessionError(
                f"FmcSession.connect() to {self.where} may be called only once; create a new "
                "FmcSession to reconnect",
                "connect",
            )
        deadline = self._clock() + self.connect_timeout
        sock = self._open_tcp()
        self._sock = sock
        tls = SSL.Connection(self._context, None)
        tls.set_connect_state()
        tls.set_app_data(self._verify_failures)
        if self._server_name and not _is_ip(self._server_name):
            tls.set_tlsext_host_name(self._server_name.encode("idna"))
        self._tls = tls
        try:
            self._handshake(deadline)
        except BaseException:
            self._abort()
            raise
        logger.info(
            "connected to the FMC at %s from %s (%s, %s); FMC certificate: %s",
            self.where,
            _format_address(self.local_address),
            tls.get_protocol_version_name(),
            tls.get_cipher_name(),
            self._peer_subject(),
        )

    def _open_tcp(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except socket.gaierror as exc:
            raise SessionError(
                f"cannot resolve the FMC host name {self.host!r}: {exc.strerror or exc}; check "
                "servers[].host in the configuration and this machine's DNS settings",
                "dns",
            ) from None
        except ConnectionRefusedError:
            raise SessionError(
                f"the FMC at {self.where} refused the TCP connection: nothing listens on that "
                "port (wrong host or port, or eStreamer is not enabled on the FMC under "
                "System > Integration > eStreamer), or a firewall rejected it",
                "connect_refused",
            ) from None
        except (TimeoutError, socket.timeout):
            raise SessionError(
                f"no answer from the FMC at {self.where} within {self.connect_timeout:g} s "
                f"(connectTimeout): TCP port {self.port} blocked by a firewall, a wrong "
                "address, or the FMC is down",
                "connect_timeout",
            ) from None
        except OSError as exc:
            if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                raise SessionError(
                    f"the FMC at {self.where} is unreachable ({exc.strerror}): no route to it "
                    "from this host; check the address and the routing/firewall",
                    "unreachable",
                ) from None
            raise SessionError(
                f"cannot connect to the FMC at {self.where}: {exc.strerror or exc}", "connect"
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return sock

    def _handshake(self, deadline: float) -> None:
        tls = self._require_tls()
        while True:
            try:
                tls.do_handshake()
                break
            except SSL.WantReadError:
                pass
            except SSL.Error as exc:
                raise self._handshake_error(exc) from None
            self._flush(deadline - self._clock(), during_handshake=True)
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._handshake_timeout()
            try:
                chunk = self._read_socket(remaining)
            except SessionError as exc:
                raise SessionError(
                    f"the TLS handshake with {self.where} failed: {exc}. "
                    + self._refused_causes(),
                    "tls_handshake",
                ) from None
            if chunk is None:
                raise self._handshake_timeout()
            if chunk:
                tls.bio_write(chunk)
            else:
                self._eof_from_socket = True
                tls.bio_shutdown()
        self._flush(max(deadline - self._clock(), 0.001), during_handshake=True)

    def _handshake_timeout(self) -> SessionError:
        return SessionError(
            f"the TLS handshake with {self.where} did not finish within "
            f"{self.connect_timeout:g} s (connectTimeout): the peer accepted the TCP "
            "connection but does not answer TLS (is this the eStreamer port?), or the FMC "
            "is overloaded",
            "tls_handshake",
        )

    def _handshake_error(self, exc: SSL.Error) -> SessionError:
        if self._verify_failures:
            failure = self._verify_failures[-1]
            return SessionError(
                f"the FMC's certificate at {self.where} failed verification: {failure.reason} "
                f"(certificate {failure.subject or '(no subject)'}, chain depth "
                f"{failure.depth}). The server certificate must be signed by the CA in the "
                "PKCS#12 file: check that host/port point at the FMC that issued the file and "
                "download a fresh PKCS#12 file if the FMC's CA changed; verifyServer false "
                "switches the check off (diagnosis only)",
                "tls_handshake",
            )
        reasons = _ssl_reasons(exc)
        text = "; ".join(reasons) if reasons else "connection closed"
        if _any_in(reasons, _ALERT_PROTOCOL):
            return SessionError(
                f"the TLS handshake with {self.where} failed ({text}): no common TLS version; "
                "the FMC must offer TLS 1.2 or newer",
                "tls_handshake",
            )
        if _any_in(reasons, _ALERT_NOT_TLS):
            return SessionError(
                f"the TLS handshake with {self.where} failed ({text}): the peer does not "
                "speak TLS; check that the port is the FMC's eStreamer port (8302)",
                "tls_handshake",
            )
        if _any_in(reasons, _ALERT_REVOKED):
            return SessionError(
                f"the FMC at {self.where} says our certificate is revoked ({text}): the client "
                "was deleted on the FMC; create it again (System > Integration > eStreamer) "
                "and install the new PKCS#12 file",
                "tls_handshake",
            )
        if _any_in(reasons, _ALERT_REFUSED):
            return SessionError(
                f"the FMC at {self.where} refused our certificate during the TLS handshake "
                f"({text}). " + self._refused_causes(),
                "tls_handshake",
            )
        if _any_in(reasons, _ALERT_GENERIC):
            return SessionError(
                f"the FMC at {self.where} aborted the TLS handshake ({text}): it shares no TLS "
                "version or cipher suite with us (we require TLS 1.2 or newer), or it refused "
                "our certificate. " + self._refused_causes(),
                "tls_handshake",
            )
        if self._eof_from_socket or _is_eof(exc):
            return SessionError(
                f"the FMC at {self.where} closed the connection during the TLS handshake: it "
                "refused our certificate. " + self._refused_causes(),
                "tls_handshake",
            )
        return SessionError(
            f"the TLS handshake with {self.where} failed ({text}). " + self._refused_causes(),
            "tls_handshake",
        )

    def _refused_causes(self) -> str:
        cn = self._our_common_name()
        local = _format_host(self.local_address)
        return (
            f"Most often the certificate CN ({cn}) does not match this host's address as the "
            f"FMC sees it (we connect from {local}; behind NAT the FMC sees the NAT "
            "address), or the client was deleted/revoked on the FMC, or the PKCS#12 file "
            "was issued by another FMC"
        )

    def close(self) -> None:
        """Send a TLS close_notify (best effort) and close the socket; idempotent."""
        if self._closed:
            return
        tls = self._tls
        if tls is not None and self._sock is not None:
            try:
                tls.shutdown()
            except SSL.Error:
                pass
            try:
                self._flush(min(_CLOSE_FLUSH_SECONDS, self.response_timeout))
            except (SessionError, OSError):
                pass
        self._abort()

    def _abort(self) -> None:
        self._closed = True
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:  # pragma: no cover - close on a valid socket does not fail
                pass

    def __enter__(self) -> FmcSession:
        if self._tls is None:
            self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ data

    def send(self, data: bytes) -> None:
        """Encrypt ``data`` and write it to the FMC.

        Args:
            data: eStreamer bytes (e.g. ``Connection.initiate()`` or ``acknowledge()``).

        Raises:
            SessionError: ``closed`` (the FMC reset/closed the connection, or the session is
                not connected) or ``send_timeout`` (the FMC did not take the bytes within
                ``response_timeout`` seconds).
        """
        tls = self._require_tls()
        view = memoryview(data)
        try:
            while view:
                written = tls.send(view)
                view = view[written:]
        except SSL.Error as exc:
            raise SessionError(
                f"cannot send to the FMC at {self.where}: TLS error "
                f"({'; '.join(_ssl_reasons(exc)) or exc})",
                "closed",
            ) from None
        self._flush(self.response_timeout)
        self.bytes_sent += len(data)

    def recv(self, max_bytes: int = DEFAULT_RECV_BYTES, timeout: float | None = None) -> bytes | None:
        """Read decrypted bytes from the FMC.

        Args:
            max_bytes: upper bound of the returned length.
            timeout: seconds to wait (default ``response_timeout``).

        Returns:
            Non-empty bytes when data arrived; ``b""`` when the FMC closed the connection,
            by TLS close_notify, TCP FIN or TCP reset (``close_reason`` says which;
            ``early_close_hint`` explains a close before any data); ``None`` when nothing
            arrived within ``timeout`` (a tick: idle periods are normal).  A reset can
            discard bytes in flight; the protocol core reports a message cut short.

        Raises:
            SessionError: ``closed`` when the connection was reset or a TLS alert arrived
                mid-stream; ``tls_handshake`` when the FMC refused our certificate with an
                alert right after the handshake (TLS 1.3 reports it there); ``closed`` when
                the session is not connected.
        """
        tls = self._require_tls()
        wait = self.response_timeout if timeout is None else timeout
        deadline = self._clock() + wait
        while True:
            try:
                data = self._drain(tls, max_bytes)
            except SSL.ZeroReturnError:
                return self._on_eof("close_notify")
            except SSL.Error as exc:
                if _is_eof(exc):
                    return self._on_eof(self._socket_close_reason())
                raise self._stream_error(exc) from None
            if data:
                self.bytes_received += len(data)
                self._last_receive = self._clock()
                return data
            if self._eof_from_socket:
                # OpenSSL had nothing to say about the EOF; treat it as an unclean close.
                return self._on_eof(self._socket_close_reason())
            # Data the TLS layer wants to send (e.g. a key update answer) goes out first.
            self._flush(self.response_timeout)
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            chunk = self._read_socket(remaining)
            if chunk is None:
                return None
            if chunk:
                tls.bio_write(chunk)
            else:
                self._eof_from_socket = True
                tls.bio_shutdown()

    @staticmethod
    def _drain(tls: SSL.Connection, max_bytes: int) -> bytes:
        """Return the plaintext OpenSSL can produce now, without touching the socket."""
        parts: list[bytes] = []
        size = 0
        while size < max_bytes:
            try:
                piece = tls.recv(max_bytes - size)
            except SSL.WantReadError:
                break
            except SSL.Error:
                if parts:  # deliver what we have; the error repeats on the next call
                    break
                raise
            if not piece:  # pragma: no cover - pyOpenSSL raises instead of returning b""
                break
            parts.append(piece)
            size += len(piece)
        return b"".join(parts)

    def _socket_close_reason(self) -> str:
        return "tcp_reset" if self._reset_from_socket else "tcp_close"

    def _on_eof(self, reason: str) -> bytes:
        clean = reason == "close_notify"
        if self.closed_cleanly is None:
            self.closed_cleanly = clean
            self.close_reason = reason
            if self.bytes_received == 0:
                cn = self._our_common_name()
                self.early_close_hint = (
                    f"the FMC at {self.where} closed the connection right after the TLS "
                    "handshake without sending anything: most often the certificate CN "
                    f"({cn}) does not match this host's address as the FMC sees it (we "
                    f"connect from {_format_host(self.local_address)}; behind NAT the FMC "
                    "sees the NAT address and the client must be created for that address)"
                )
                logger.warning("%s", self.early_close_hint)
            else:
                logger.info(
                    "the FMC at %s closed the connection (%s)",
                    self.where,
                    {
                        "close_notify": "TLS close_notify",
                        "tcp_close": "TCP close without TLS close_notify",
                        "tcp_reset": "TCP reset",
                    }[reason],
                )
        return b""

    def _stream_error(self, exc: SSL.Error) -> SessionError:
        reasons = _ssl_reasons(exc)
        text = "; ".join(reasons) or repr(exc)
        if self.bytes_received == 0 and (
            _any_in(reasons, _ALERT_REFUSED) or _any_in(reasons, _ALERT_REVOKED)
        ):
            return SessionError(
                f"the FMC at {self.where} refused our certificate right after the TLS "
                f"handshake ({text}). " + self._refused_causes(),
                "tls_handshake",
            )
        return SessionError(f"TLS error on the connection to {self.where}: {text}", "closed")

    # ------------------------------------------------------------------ socket moves

    def _read_socket(self, timeout: float) -> bytes | None:
        """One socket read: bytes, b"" on EOF, None on timeout."""
        sock = self._require_socket()
        sock.settimeout(max(timeout, 0.001))
        try:
            return sock.recv(_SOCKET_READ_BYTES)
        except (TimeoutError, socket.timeout):
            return None
        except ConnectionResetError:
            # An abortive close; reported like any other close (recv returns b"").
            self._reset_from_socket = True
            return b""
        except OSError as exc:
            raise SessionError(
                f"reading from the FMC at {self.where} failed: {exc.strerror or exc}", "closed"
            ) from None

    def _flush(self, timeout: float, during_handshake: bool = False) -> None:
        """Write everything the TLS layer has queued to the socket."""
        tls = self._require_tls()
        sock = self._require_socket()
        while True:
            try:
                pending = tls.bio_read(_SOCKET_READ_BYTES)
            except SSL.WantReadError:
                return
            sock.settimeout(max(timeout, 0.001))
            try:
                sock.sendall(pending)
            except (TimeoutError, socket.timeout):
                raise SessionError(
                    f"the FMC at {self.where} did not accept data for {timeout:g} s "
                    "(responseTimeout); the connection is stuck",
                    "tls_handshake" if during_handshake else "send_timeout",
                ) from None
            except OSError as exc:
                raise SessionError(
                    f"sending to the FMC at {self.where} failed: {exc.strerror or exc}",
                    "closed",
                ) from None

    def _require_tls(self) -> SSL.Connection:
        if self._tls is None or self._closed:
            raise SessionError(f"the session to {self.where} is not connected", "closed")
        return self._tls

    def _require_socket(self) -> socket.socket:
        if self._sock is None:
            raise SessionError(f"the session to {self.where} is not connected", "closed")
        return self._sock

    # ------------------------------------------------------------------ introspection

    @property
    def local_address(self) -> tuple[Any, ...] | None:
        """Our end of the TCP connection, as the socket reports it (None before connect)."""
        if self._sock is None:
            return None
        try:
            return tuple(self._sock.getsockname())
        except OSError:
            return None

    @property
    def tls_version(self) -> str | None:
        """Negotiated protocol, e.g. ``"TLSv1.2"`` (None before the handshake)."""
        return self._tls.get_protocol_version_name() if self._tls is not None else None

    @property
    def peer_certificate(self) -> x509.Certificate | None:
        """The FMC's certificate (None before the handshake)."""
        if self._tls is None:
            return None
        cert = self._tls.get_peer_certificate(as_cryptography=True)
        return cert if isinstance(cert, x509.Certificate) else None

    def seconds_since_receive(self) -> float | None:
        """Seconds since ``recv`` last returned data (None if it never did)."""
        if self._last_receive is None:
            return None
        return self._clock() - self._last_receive

    def receive_queue_bytes(self) -> int | None:
        """Bytes waiting in the kernel's receive queue (Linux FIONREAD/SIOCINQ), or None.

        A queue that keeps growing means we read slower than the FMC sends.
        """
        if self._sock is None or self._closed:
            return None
        try:
            import fcntl
            import termios
        except ImportError:  # pragma: no cover - not a POSIX system
            return None
        try:
            raw = fcntl.ioctl(self._sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return None
        return int(struct.unpack("i", raw)[0])

    def _peer_subject(self) -> str:
        cert = self.peer_certificate
        return cert.subject.rfc4514_string() if cert is not None else "(none)"

    def _our_common_name(self) -> str:
        if self._tls is None:
            return "?"
        cert = self._tls.get_certificate(as_cryptography=True)
        if not isinstance(cert, x509.Certificate):
            return "?"
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not names:
            return "(no CN)"
        value = names[0].value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _format_address(address: tuple[Any, ...] | None) -> str:
    if not address:
        return "?"
    host = str(address[0])
    if ":" in host:
        return f"[{host}]:{address[1]}"
    return f"{host}:{address[1]}"


def _format_host(address: tuple[Any, ...] | None) -> str:
    return str(address[0]) if address else "?"


def _ssl_reasons(exc: SSL.Error) -> list[str]:
    """The reason strings of an OpenSSL error stack (pyOpenSSL: list of 3-tuples)."""
    reasons: list[str] = []
    args = exc.args[0] if exc.args else None
    if isinstance(args, list):
        for entry in args:
            if isinstance(entry, tuple) and entry:
                reasons.append(str(entry[-1]))
    elif isinstance(exc, SSL.SysCallError) and len(exc.args) >= 2:
        reasons.append(str(exc.args[1]))
    return [reason for reason in reasons if reason]


def _is_eof(exc: SSL.Error) -> bool:
    if isinstance(exc, SSL.SysCallError):
        return exc.args[:1] in ((-1,), (0,)) or "EOF" in str(exc.args[1:2])
    return any("unexpected eof" in reason.lower() for reason in _ssl_reasons(exc))


def _any_in(reasons: list[str], needles: tuple[str, ...]) -> bool:
    return any(needle in reason.lower() for reason in reasons for needle in needles)
