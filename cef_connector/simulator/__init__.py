"""A simulated FMC for tests and demos: test PKI, seeded traffic and a TLS eStreamer server.

``init_directory`` prepares a directory that ``cef-connector run -c DIR/estreamer.conf`` can
use at once (certificates, PKCS#12 file, password file and an eNcore-format configuration);
``simulate`` is the library function behind ``cef-connector simulate``.

``TrafficGenerator(seed, mix=...)`` produces the traffic: ``"classic"`` (connections,
intrusions and their packets; the default of the library and of ``SimulatorServer``,
which the test suites count on) or ``"full"`` (every event record type the decoder
supports, in the proportions documented in ``generator.py``, and every metadata record
type; the default of ``cef-connector simulate``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cef_connector.errors import ConfigError
from cef_connector.simulator.certs import (
    CA_FILE,
    CLIENT_PASSWORD_FILE,
    CLIENT_PKCS12_FILE,
    SERVER_CERT_FILE,
    SERVER_KEY_FILE,
    CertificateAuthority,
    SimulatorPki,
    write_pki,
)
from cef_connector.simulator.generator import MIXES, SimRecord, TrafficGenerator, event_identity
from cef_connector.simulator.scenarios import FAULT_NAMES, parse_faults
from cef_connector.simulator.server import (
    Faults,
    SimulatorCounters,
    SimulatorOptions,
    SimulatorServer,
)

__all__ = [
    "CONFIG_FILE",
    "FAULT_NAMES",
    "MIXES",
    "CertificateAuthority",
    "Faults",
    "SimRecord",
    "SimulatorCounters",
    "SimulatorDirectory",
    "SimulatorOptions",
    "SimulatorPki",
    "SimulatorServer",
    "TrafficGenerator",
    "event_identity",
    "init_directory",
    "parse_faults",
    "parse_listen",
    "simulate",
    "write_connector_config",
    "write_pki",
]

logger = logging.getLogger(__name__)

#: Name of the connector configuration ``init_directory`` writes.
CONFIG_FILE = "estreamer.conf"


@dataclass(frozen=True)
class SimulatorDirectory:
    """What ``init_directory`` prepared.

    Attributes:
        directory: the directory.
        config_file: ``DIR/estreamer.conf``.
        connect_host: the address the connector connects to (and its certificate's CN).
        port: the simulator's port.
        created: names of the files written by this call (existing files are kept).
    """

    directory: Path
    config_file: Path
    connect_host: str
    port: int
    created: tuple[str, ...]


def parse_listen(text: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` (``[v6]:PORT`` for IPv6 literals).

    Args:
        text: e.g. ``127.0.0.1:8302`` or ``[::1]:8302``.

    Returns:
        (host, port).

    Raises:
        ConfigError: not HOST:PORT with a port in 0..65535.
    """
    host, sep, port_text = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not sep or not host or not 0 <= port <= 65535:
        raise ConfigError(
            f"--listen {text!r} is not HOST:PORT; use e.g. 127.0.0.1:8302 or [::1]:8302"
        )
    return host, port


def _connect_host(listen_host: str) -> str:
    """The address a connector on this machine uses to reach ``listen_host``."""
    if listen_host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if listen_host == "::":
        return "::1"
    return listen_host


def _config(connect_host: str, port: int) -> dict[str, Any]:
    """The eNcore-format configuration for a connector talking to the simulator."""
    return {
        "connectTimeout": 10,
        "responseTimeout": 10,
        "start": 2,
        "servers": [
            {
                "host": connect_host,
                "port": port,
                "pkcs12Filepath": CLIENT_PKCS12_FILE,
                "pkcs12PasswordFile": CLIENT_PASSWORD_FILE,
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


def init_directory(
    directory: Path,
    listen_host: str = "127.0.0.1",
    listen_port: int = 8302,
    *,
    overwrite: bool = False,
) -> SimulatorDirectory:
    """Prepare ``directory`` for the simulator and for a connector talking to it.

    Writes ``ca.pem``, ``server.pem``, ``server.key``, ``client.pkcs12``,
    ``client.password`` (CN of the client certificate = the address the connector connects
    from: ``listen_host``, or loopback for a wildcard) and ``estreamer.conf``.  Existing
    files are kept unless ``overwrite`` (the PKI is regenerated as a whole when any of its
    files is missing).

    Args:
        directory: created if missing.
        listen_host: where the simulator listens.
        listen_port: its port (written into the configuration; 0 is written as 0, which the
            configuration loader rejects — ``simulate`` rewrites it once the port is bound).
        overwrite: regenerate everything.

    Returns:
        What was prepared.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    connect_host = _connect_host(listen_host)
    created: list[str] = []
    pki_files = (CA_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE, CLIENT_PKCS12_FILE,
                 CLIENT_PASSWORD_FILE)  # fmt: skip
    if overwrite or not all((directory / name).exists() for name in pki_files):
        names = ["127.0.0.1", "localhost", "::1"]
        if connect_host not in names:
            names.insert(0, connect_host)
        write_pki(directory, client_cn=connect_host, server_names=names)
        created.extend(pki_files)
    config_file = directory / CONFIG_FILE
    if overwrite or not config_file.exists():
        write_connector_config(config_file, connect_host, listen_port)
        created.append(CONFIG_FILE)
    else:
        _warn_if_config_differs(config_file, connect_host, listen_port)
    return SimulatorDirectory(directory, config_file, connect_host, listen_port, tuple(created))


def write_connector_config(config_file: Path, host: str, port: int) -> None:
    """Write (or rewrite) the connector configuration that points at the simulator.

    Args:
        config_file: usually ``DIR/estreamer.conf``.
        host: the address the connector connects to.
        port: the simulator's bound port.
    """
    config_file.write_text(json.dumps(_config(host, port), indent=4) + "\n", encoding="utf-8")




def _warn_if_config_differs(config_file: Path, host: str, port: int) -> None:
    try:
        servers = json.loads(config_file.read_text(encoding="utf-8")).get("servers") or [{}]
        configured = (servers[0].get("host"), servers[0].get("port"))
    except (OSError, ValueError, AttributeError, IndexError):
        logger.warning("%s exists but cannot be read as JSON; it was left alone", config_file)
        return
    if configured != (host, port):
        logger.warning(
            "%s points at %s:%s, not at the simulator's %s:%s; edit servers[0] or run "
            "--init in a new directory",
            config_file,
            configured[0],
            configured[1],
            host,
            port,
        )


def simulate(
    directory: Path,
    listen: str = "127.0.0.1:8302",
    events: int = 1000,
    seed: int = 1,
    rate: float | None = None,
    record_stream: Path | None = None,
    *,
    stop: threading.Event | None = None,
    on_ready: Callable[[SimulatorServer, SimulatorDirectory], None] | None = None,
    **options: Any,
) -> SimulatorCounters:
    """Run the simulated FMC until ``stop`` is set (or Ctrl-C); the ``simulate`` command.

    Args:
        directory: prepared with ``init_directory`` (done here if needed).
        listen: ``HOST:PORT`` to listen on.
        events: backlog of events generated at start-up.
        seed: traffic generator seed.
        rate: events per second on the wire (None = as fast as the client acknowledges).
        record_stream: file receiving every byte sent after the handshake.
        stop: set it to end the run (default: run until KeyboardInterrupt).
        on_ready: called once listening, e.g. to print the address and the run command.
        **options: further ``SimulatorOptions`` fields (e.g. ``close_when_done``).

    Returns:
        The final counters.

    Raises:
        ConfigError: ``listen`` is not HOST:PORT.
        OSError: the port cannot be bound (in use, or privileged).
    """
    host, port = parse_listen(listen)
    prepared = init_directory(Path(directory), host, port)
    server = SimulatorServer(
        prepared.directory,
        listen_host=host,
        listen_port=port,
        events=events,
        seed=seed,
        rate=rate,
        record_stream=record_stream,
        **options,
    )
    stop = stop or threading.Event()
    with server:
        if port == 0 and CONFIG_FILE in prepared.created:
            # The port is known only now; the configuration written above said 0.
            prepared = dataclasses.replace(prepared, port=server.port)
            write_connector_config(prepared.config_file, prepared.connect_host, server.port)
        logger.info(
            "simulated FMC ready on %s:%d; run: cef-connector run -c %s",
            server.address[0],
            server.port,
            prepared.config_file,
        )
        if on_ready is not None:
            on_ready(server, prepared)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            logger.info("simulator interrupted; stopping")
    return server.counters
