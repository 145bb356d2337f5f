"""The sockets under the syslog output: UDP datagrams, TCP streams and TLS streams (stdlib only).

A *transport* is one open connection (or connected datagram socket) to one destination.
It knows how to put a batch of messages on the wire and how to tell that the receiver has
gone away; it knows nothing of replay windows, spools or failover (``syslog.py`` owns
those).  Every failure is raised as :class:`DestinationError` with a short ``kind`` for
counting and a message that says what to check.

Why the details are as they are:

* Streams are written with a loop of ``send()`` in short timeout slices rather than one
  ``sendall()``: a receiver that stops reading cannot hold the connector beyond
  ``send_timeout`` seconds, and a stop request (SIGTERM) is noticed within one slice.
* A syslog receiver never sends application data, so a stream socket that becomes
  readable means the receiver closed the connection, reset it, or sent a TLS alert
  (e.g. "certificate required").  :meth:`StreamTransport.check_alive` looks before every
  batch, which catches a receiver restart before a batch is written into a dead socket.
  TLS 1.3 session tickets also make the socket readable; reading them is harmless.
* After a TLS handshake the client waits briefly (:data:`TLS_PROBE_SECONDS`) for such an
  alert: in TLS 1.3 a server rejects a missing or bad client certificate only after the
  client considers the handshake done, and lines sent before the alert would be lost.
* TLS is the connector acting as a client (RFC 5425): TLS 1.2 minimum, the receiver's
  certificate verified against a CA file (or the system store) and its name checked,
  an optional client certificate, and close_notify on close (RFC 5425 §4.4).
"""

from __future__ import annotations

import errno
import logging
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from cef_connector.errors import OutputError
from cef_connector.outputs.syslog_format import frame_lf, frame_octet_counted
from cef_connector.outputs.uri import SyslogTarget

__all__ = [
    "SEND_SLICE_SECONDS",
    "TLS_PROBE_SECONDS",
    "DatagramTransport",
    "DestinationError",
    "StreamTransport",
    "Transport",
    "open_transport",
    "tls_client_context",
]

logger = logging.getLogger(__name__)

#: Longest single blocking ``send()``; a stop request is noticed within this time.
SEND_SLICE_SECONDS = 0.25

#: How long a new TLS connection is watched for an alert before the first batch.
TLS_PROBE_SECONDS = 0.2

#: Time allowed for a TLS close_notify exchange on close.
_CLOSE_SECONDS = 1.0


class DestinationError(OutputError):
    """One destination failed: connect, handshake, send, or the receiver went away.

    Internal to the syslog output, which reacts by trying another destination or
    waiting; it is never raised to the pipeline.

    Attributes:
        kind: ``dns``, ``refused``, ``timeout``, ``unreachable``, ``connect``,
            ``tls_verify``, ``tls_handshake``, ``closed``, ``reset``, ``send``,
            ``send_timeout`` or ``stopped``.
        sent: how many messages of the failed batch were handed to the socket before
            the failure (datagrams only; a stream cannot tell, so 0).
    """

    def __init__(self, message: str, kind: str, sent: int = 0) -> None:
        self.kind = kind
        self.sent = sent
        super().__init__(message)


class Transport(Protocol):
    """One open connection to one destination."""

    def send(self, messages: Sequence[bytes]) -> None:
        """Hand every message of the batch to the socket, in order.

        Raises:
            DestinationError: the batch (or its remainder) was not sent.
        """

    def check_alive(self) -> None:
        """Raise if the receiver is known to have closed or rejected the connection.

        Raises:
            DestinationError: the connection is no longer usable.
        """

    def close(self) -> None:
        """Close the connection (TLS: close_notify first); never raises."""


def tls_client_context(
    *,
    ca_file: Path | None,
    cert_file: Path | None,
    key_file: Path | None,
    verify_server: bool,
    check_hostname: bool = True,
) -> ssl.SSLContext:
    """Build the TLS client context of a ``tls://`` output (RFC 5425).

    Args:
        ca_file: PEM file of the CA(s) that signed the receiver's certificate; None uses
            the system's trusted CAs.
        cert_file: PEM client certificate (chain) to present, or None.
        key_file: its PEM private key, or None when ``cert_file`` holds the key too.
        verify_server: verify the receiver's certificate (disable only for tests).
        check_hostname: also check the receiver's name against its certificate.

    Returns:
        A context with TLS 1.2 as the minimum version.

    Raises:
        OutputError: a file cannot be read or does not hold what it should.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if verify_server:
        context.verify_mode = ssl.CERT_REQUIRED
        context.check_hostname = check_hostname
        try:
            if ca_file is not None:
                context.load_verify_locations(cafile=str(ca_file))
            else:
                context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        except (OSError, ssl.SSLError) as exc:
            raise OutputError(
                f"cannot load the CA file {ca_file}: {_reason(exc)}; give a PEM file with the "
                "certificate of the CA that signed the receiver's certificate (caFile)"
            ) from exc
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert_file is not None:
        try:
            context.load_cert_chain(str(cert_file), str(key_file) if key_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise OutputError(
                f"cannot load the client certificate {cert_file} with key "
                f"{key_file or '(in the same file)'}: {_reason(exc)}; give PEM files "
                "(certFile, keyFile), the key unencrypted"
            ) from exc
    return context


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason).replace("_", " ").lower()
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _connect_error(target: SyslogTarget, exc: BaseException) -> DestinationError:
    if isinstance(exc, socket.gaierror):
        return DestinationError(
            f"{target}: cannot resolve {target.host!r}: {exc.strerror}; check the host name",
            "dns",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DestinationError(
            f"{target}: the receiver's certificate was not accepted: "
            f"{exc.verify_message or _reason(exc)}; check caFile and serverName",
            "tls_verify",
        )
    if isinstance(exc, ssl.SSLError):
        return DestinationError(
            f"{target}: TLS handshake failed: {_reason(exc)}; check that the port speaks "
            "TLS and accepts TLS 1.2 or later (and the client certificate, if it wants one)",
            "tls_handshake",
        )
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return DestinationError(f"{target}: connect timed out", "timeout")
    if isinstance(exc, ConnectionRefusedError):
        return DestinationError(
            f"{target}: connection refused; is the receiver running and listening?", "refused"
        )
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return DestinationError(f"{target}: {exc.strerror}", "unreachable")
    return DestinationError(f"{target}: connect failed: {_reason(exc)}", "connect")


class DatagramTransport:
    """A connected UDP socket: one message per datagram (RFC 5426 §3.1).

    Args:
        sock: a connected ``SOCK_DGRAM`` socket.
        target: the destination (for messages).
    """

    def __init__(self, sock: socket.socket, target: SyslogTarget) -> None:
        self._sock = sock
        self._target = target

    def send(self, messages: Sequence[bytes]) -> None:
        """Send each message as one datagram.

        Raises:
            DestinationError: a send failed; ``sent`` says how many went out first.  A
                refused send (an ICMP port unreachable for an earlier datagram) means the
                receiver is not listening.
        """
        send = self._sock.send
        for index, message in enumerate(messages):
            try:
                send(message)
            except ConnectionRefusedError as exc:
                raise DestinationError(
                    f"{self._target}: the receiver's port is closed (ICMP port unreachable)",
                    "refused",
                    index,
                ) from exc
            except OSError as exc:
                raise DestinationError(
                    f"{self._target}: sending a datagram of {len(message)} bytes failed: "
                    f"{_reason(exc)}",
                    "send",
                    index,
                ) from exc

    def check_alive(self) -> None:
        """Nothing to check: UDP has no connection (errors show up on send)."""

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()


class StreamTransport:
    """A TCP or TLS connection carrying framed messages.

    Args:
        sock: a connected socket (an ``ssl.SSLSocket`` for TLS, handshake done).
        target: the destination (for messages).
        frame: the framing function applied to every message.
        send_timeout: seconds without progress after which a send fails.
        stop: when set, a send that makes no progress gives up at the next slice.
    """

    def __init__(
        self,
        sock: socket.socket,
        target: SyslogTarget,
        frame: Callable[[bytes], bytes],
        send_timeout: float,
        stop: threading.Event | None = None,
    ) -> None:
        self._sock = sock
        self._target = target
        self._frame = frame
        self._send_timeout = send_timeout
        self._stop = stop
        sock.settimeout(SEND_SLICE_SECONDS)

    def send(self, messages: Sequence[bytes]) -> None:
        """Frame the batch and write all of it.

        Raises:
            DestinationError: the connection broke, or no byte could be written for
                ``send_timeout`` seconds (or during one slice after a stop request).
        """
        data = self._framed(messages)
        view = memoryview(data)
        idle = 0.0
        sock = self._sock
        while view:
            try:
                written = sock.send(view)
            except (socket.timeout, TimeoutError, ssl.SSLWantWriteError) as exc:
                idle += SEND_SLICE_SECONDS
                if self._stop is not None and self._stop.is_set():
                    raise DestinationError(
                        f"{self._target}: gave up a blocked send because the connector is "
                        "stopping",
                        "stopped",
                    ) from exc
                if idle >= self._send_timeout:
                    raise DestinationError(
                        f"{self._target}: the receiver accepted no data for "
                        f"{self._send_timeout:g} s",
                        "send_timeout",
                    ) from exc
                continue
            except (ConnectionResetError, BrokenPipeError) as exc:
                raise DestinationError(
                    f"{self._target}: the receiver closed the connection ({_reason(exc)})",
                    "reset",
                ) from exc
            except (OSError, ssl.SSLError) as exc:
                raise DestinationError(
                    f"{self._target}: sending failed: {_reason(exc)}", "send"
                ) from exc
            view = view[written:]
            idle = 0.0

    def _framed(self, messages: Sequence[bytes]) -> bytes:
        # The two framings joined without a copy per message (same bytes as frame()).
        if self._frame is frame_lf:
            return b"\n".join(messages) + b"\n" if messages else b""
        if self._frame is frame_octet_counted:
            parts: list[bytes] = []
            append = parts.append
            for message in messages:
                append(b"%d " % len(message))
                append(message)
            return b"".join(parts)
        frame = self._frame
        return b"".join([frame(message) for message in messages])

    def check_alive(self) -> None:
        """Look for an EOF, a reset or a TLS alert from the receiver without blocking.

        Raises:
            DestinationError: the receiver closed or rejected the connection.
        """
        sock = self._sock
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        if not pending:
            try:
                readable, _, _ = select.select([sock], [], [], 0)
            except (OSError, ValueError) as exc:
                raise DestinationError(f"{self._target}: socket unusable: {exc}", "closed") from exc
            if not readable:
                return
        self._read_nonblocking()

    def probe(self, seconds: float) -> None:
        """Watch a fresh connection for ``seconds`` for an immediate rejection.

        Args:
            seconds: how long to wait for an alert or a close.

        Raises:
            DestinationError: the receiver closed or rejected the connection.
        """
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                readable, _, _ = select.select([self._sock], [], [], remaining)
            except (OSError, ValueError) as exc:
                raise DestinationError(f"{self._target}: socket unusable: {exc}", "closed") from exc
            if readable:
                self._read_nonblocking()

    def _read_nonblocking(self) -> None:
        sock = self._sock
        sock.setblocking(False)
        try:
            data = sock.recv(4096)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return  # TLS housekeeping (session tickets): still connected
        except ssl.SSLError as exc:
            raise DestinationError(
                f"{self._target}: the receiver ended the TLS session: {_reason(exc)}"
                + ("; it wants a client certificate (certFile, keyFile)"
                   if "certificate" in _reason(exc) else ""),
                "tls_handshake",
            ) from exc
        except OSError as exc:
            raise DestinationError(
                f"{self._target}: the connection broke: {_reason(exc)}", "reset"
            ) from exc
        finally:
            try:
                sock.settimeout(SEND_SLICE_SECONDS)
            except OSError:  # pragma: no cover - closed underneath us
                pass
        if not data:
            raise DestinationError(f"{self._target}: the receiver closed the connection", "closed")
        logger.debug("%s: ignoring %d unexpected bytes from the receiver", self._target, len(data))

    def close(self) -> None:
        """Close the connection; for TLS send close_notify first (RFC 5425 §4.4)."""
        sock = self._sock
        try:
            if isinstance(sock, ssl.SSLSocket):
                sock.settimeout(_CLOSE_SECONDS)
                sock = sock.unwrap()
        except (OSError, ValueError, ssl.SSLError):
            pass
        finally:
            try:
                sock.close()
            finally:
                self._sock.close()


def open_transport(
    target: SyslogTarget,
    *,
    frame: Callable[[bytes], bytes],
    connect_timeout: float,
    send_timeout: float,
    tls_context: ssl.SSLContext | None = None,
    server_name: str | None = None,
    stop: threading.Event | None = None,
) -> Transport:
    """Open a connection (or a connected datagram socket) to one destination.

    Args:
        target: the destination.
        frame: framing for stream transports (unused for UDP).
        connect_timeout: seconds for the TCP connect plus the TLS handshake.
        send_timeout: seconds a stream send may make no progress.
        tls_context: the client context, required for ``tls``.
        server_name: the name checked in the receiver's certificate and sent as SNI
            (default: the URI's host).
        stop: stop request, checked while a send is blocked.

    Returns:
        The open transport.

    Raises:
        DestinationError: name resolution, connect or handshake failed.
    """
    if target.scheme == "udp":
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                target.host, target.port, 0, socket.SOCK_DGRAM
            )[0]
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            raise _connect_error(target, exc) from exc
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            raise _connect_error(target, exc) from exc
        return DatagramTransport(sock, target)
    try:
        sock = socket.create_connection((target.host, target.port), timeout=connect_timeout)
    except OSError as exc:
        raise _connect_error(target, exc) from exc
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if target.scheme == "tls":
            if tls_context is None:
                raise OutputError(f"{target}: no TLS context (internal error)")
            sock.settimeout(connect_timeout)
            sock = tls_context.wrap_socket(sock, server_hostname=server_name or target.host)
    except OSError as exc:
        sock.close()
        raise _connect_error(target, exc) from exc
    transport = StreamTransport(sock, target, frame, send_timeout, stop)
    if target.scheme == "tls":
        try:
            transport.probe(TLS_PROBE_SECONDS)
        except DestinationError:
            transport.close()
            raise
    return transport
