"""A real rsyslog receiver for the syslog output tests (CEF doc §4.7).

``RsyslogReceiver`` writes a configuration into a test directory, starts
``rsyslogd -n -f CONF -i PIDFILE`` as the test user on 127.0.0.1 ports chosen free at run
time, and waits until every input accepts.  Inputs and the file each one writes, one
message per line exactly as received (``%rawmsg%``, so rsyslog does not rewrite
``host CEF:0|`` into ``host CEF: 0|``, CEF doc §3.2):

========  =========================================================  ==============
name      input                                                      file
========  =========================================================  ==============
udp       imudp                                                      ``udp.log``
tcp       imtcp, LF and octet-counted framing                        ``tcp.log``
tls       imtcp + ossl driver, anonymous clients                     ``tls.log``
mtls      imtcp + ossl driver, client certificate required           ``mtls.log``
========  =========================================================  ==============

Certificates (a CA, a server certificate for ``localhost``/127.0.0.1 and a client
certificate) are generated with ``cryptography``.  ``stop()`` and ``start()`` restart the
receiver on the same ports for outage tests.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from cef_connector.simulator.certs import CertificateAuthority

__all__ = ["INPUTS", "RsyslogReceiver", "find_rsyslogd"]

#: The receiver's inputs, in the order their ports are chosen.
INPUTS = ("udp", "tcp", "tls", "mtls")

_START_TIMEOUT = 15.0


def find_rsyslogd() -> str | None:
    """The path of ``rsyslogd`` (also in /usr/sbin when that is not on PATH), or None."""
    found = shutil.which("rsyslogd")
    if found:
        return found
    for candidate in ("/usr/sbin/rsyslogd", "/sbin/rsyslogd"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write_pem(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


class RsyslogReceiver:
    """rsyslogd with UDP, TCP and TLS inputs writing raw messages to files.

    Args:
        directory: an empty directory for the configuration, certificates, work
            directory, pid file and output files.
        rsyslogd: path of the rsyslogd binary.
    """

    def __init__(self, directory: Path, rsyslogd: str) -> None:
        self.directory = directory
        self.rsyslogd = rsyslogd
        self.out_dir = directory / "out"
        self.work_dir = directory / "work"
        self.out_dir.mkdir(parents=True)
        self.work_dir.mkdir()
        self.config = directory / "rsyslog.conf"
        self.pid_file = directory / "rsyslogd.pid"
        self.log_file = directory / "rsyslogd.out"
        self.ports = {
            "udp": _free_port(socket.SOCK_DGRAM),
            "tcp": _free_port(socket.SOCK_STREAM),
            "tls": _free_port(socket.SOCK_STREAM),
            "mtls": _free_port(socket.SOCK_STREAM),
        }
        self._write_certificates()
        self._write_config()
        self._process: subprocess.Popen[bytes] | None = None

    # -- set-up ------------------------------------------------------------------

    def _write_certificates(self) -> None:
        ca = CertificateAuthority.generate("rsyslog test CA")
        server = ca.issue("localhost", dns_names=["localhost"], ip_addresses=["127.0.0.1"],
                          server=True)
        client = ca.issue("cef-connector test client", client=True)
        other = CertificateAuthority.generate("some other CA")
        pem = serialization.Encoding.PEM
        private = (pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        self.ca_file = self.directory / "ca.pem"
        self.other_ca_file = self.directory / "other-ca.pem"
        self.server_cert = self.directory / "server.pem"
        self.server_key = self.directory / "server.key"
        self.client_cert = self.directory / "client.pem"
        self.client_key = self.directory / "client.key"
        self.ca_file.write_bytes(ca.certificate.public_bytes(pem))
        self.other_ca_file.write_bytes(other.certificate.public_bytes(pem))
        self.server_cert.write_bytes(server.certificate.public_bytes(pem))
        _write_pem(self.server_key, server.key.private_bytes(*private))
        self.client_cert.write_bytes(client.certificate.public_bytes(pem))
        _write_pem(self.client_key, client.key.private_bytes(*private))

    def _write_config(self) -> None:
        rulesets = "\n".join(
            f'ruleset(name="{name}") {{ action(type="omfile" file="{self.path(name)}" '
            f'template="RawLine") }}'
            for name in INPUTS
        )
        self.config.write_text(
            f"""# written by tests/integration/rsyslog.py (CEF doc §4.7)
global(workDirectory="{self.work_dir}"
       maxMessageSize="256k"
       parser.escapeControlCharactersOnReceive="off"
       DefaultNetstreamDriverCAFile="{self.ca_file}"
       DefaultNetstreamDriverCertFile="{self.server_cert}"
       DefaultNetstreamDriverKeyFile="{self.server_key}")
module(load="imudp")
module(load="imtcp")
template(name="RawLine" type="string" string="%rawmsg%\\n")
{rulesets}
input(type="imudp" address="127.0.0.1" port="{self.ports['udp']}" ruleset="udp"
      rcvbufSize="4m")
input(type="imtcp" address="127.0.0.1" port="{self.ports['tcp']}" ruleset="tcp"
      supportOctetCountedFraming="on")
input(type="imtcp" address="127.0.0.1" port="{self.ports['tls']}" ruleset="tls"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="{self.ports['mtls']}" ruleset="mtls"
      streamDriver.name="ossl" streamDriver.mode="1"
      streamDriver.authMode="x509/certvalid")
""",
            encoding="utf-8",
        )

    # -- running -----------------------------------------------------------------

    def start(self) -> None:
        """Start rsyslogd and wait until every input listens.

        Raises:
            RuntimeError: it exited, or an input did not come up within 15 s (the
                message holds rsyslogd's own output).
        """
        if self._process is not None:
            raise RuntimeError("rsyslogd is already running")
        with open(self.log_file, "ab") as log:
            self._process = subprocess.Popen(
                [self.rsyslogd, "-n", "-f", str(self.config), "-i", str(self.pid_file)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._listening():
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"rsyslogd exited with {code}: {self.log_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"rsyslogd did not listen within {_START_TIMEOUT:g} s: "
                                   f"{self.log_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop rsyslogd (SIGTERM) and wait for it to exit (SIGKILL after 10 s)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    @property
    def running(self) -> bool:
        """Whether rsyslogd is running."""
        return self._process is not None and self._process.poll() is None

    def _listening(self) -> bool:
        for name in ("tcp", "tls", "mtls"):
            try:
                with socket.create_connection(("127.0.0.1", self.ports[name]), timeout=1):
                    pass
            except OSError:
                return False
        # the UDP port is rsyslog's once we can no longer bind it
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", self.ports["udp"]))
            except OSError as exc:
                return exc.errno == errno.EADDRINUSE
        return False

    # -- results -----------------------------------------------------------------

    def uri(self, name: str, host: str = "127.0.0.1") -> str:
        """The connector URI of an input (``tls``/``mtls`` use ``localhost`` by default)."""
        scheme = "udp" if name == "udp" else "tcp" if name == "tcp" else "tls"
        if scheme == "tls" and host == "127.0.0.1":
            host = "localhost"
        return f"{scheme}://{host}:{self.ports[name]}"

    def path(self, name: str) -> Path:
        """The file an input writes."""
        return self.out_dir / f"{name}.log"

    def lines(self, name: str) -> list[str]:
        """Every complete line the input has written so far (UTF-8, strictly decoded)."""
        try:
            data = self.path(name).read_bytes()
        except FileNotFoundError:
            return []
        # rsyslog may be writing: only what ends with a line feed is complete (a partial
        # line can even end inside a UTF-8 character)
        complete, newline, _ = data.rpartition(b"\n")
        if not newline:
            return []
        return complete.decode("utf-8").split("\n")

    def wait_for_lines(self, name: str, count: int, timeout: float = 20.0) -> list[str]:
        """Poll until the input's file has at least ``count`` lines (or the time is up).

        Returns:
            The lines at that moment (the caller asserts on them).
        """
        deadline = time.monotonic() + timeout
        lines = self.lines(name)
        while len(lines) < count and time.monotonic() < deadline:
            time.sleep(0.05)
            lines = self.lines(name)
        return lines

    def log_text(self) -> str:
        """What rsyslogd printed (for failure messages)."""
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-4000:]
        except FileNotFoundError:
            return "(no output)"
