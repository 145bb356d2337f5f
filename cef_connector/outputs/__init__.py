"""Destinations of CEF lines, chosen by the scheme of eNcore's stream URI.

Public API::

    build_output(spec, *, base_dir, clock, hostname, stop=None, ...) -> Output
    Output (protocol), FileOutput, SyslogOutput, OutputSpec (= config OutputterSettings)
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cef_connector.config.schema import OutputterSettings as OutputSpec
from cef_connector.config.schema import SyslogSettings
from cef_connector.outputs.base import AT_LEAST_ONCE, BEST_EFFORT, Output
from cef_connector.outputs.file import FileOutput
from cef_connector.outputs.spool import Spool
from cef_connector.outputs.syslog import SyslogOutput
from cef_connector.outputs.syslog_format import SyslogHeader, framer
from cef_connector.outputs.syslog_transport import open_transport, tls_client_context
from cef_connector.outputs.uri import (
    FILE_SCHEMES,
    SYSLOG_SCHEMES,
    SyslogTarget,
    parse_output_uri,
    parse_syslog_uri,
)

__all__ = [
    "AT_LEAST_ONCE",
    "BEST_EFFORT",
    "FILE_SCHEMES",
    "SYSLOG_SCHEMES",
    "FileOutput",
    "Output",
    "OutputSpec",
    "SyslogOutput",
    "build_output",
]

logger = logging.getLogger(__name__)


def build_output(
    spec: OutputSpec,
    *,
    base_dir: Path,
    clock: Callable[[], float],
    hostname: str,
    local_time: Callable[[float], time.struct_time] = time.localtime,
    stop: threading.Event | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    status_period_seconds: float = 0.0,
) -> Output:
    """Create the output an outputter's settings describe (not yet opened).

    Args:
        spec: one enabled outputter from the settings.
        base_dir: directory ``relfile://`` URIs are relative to (the configuration
            file's directory).
        clock: returns the current epoch time (file names, the ``"encore"`` prefix,
            syslog header times).
        hostname: host name for the ``"encore"`` prefix and the syslog HOSTNAME (unless
            the outputter sets ``hostname``).
        local_time: epoch seconds to broken-down local time (tests pass ``time.gmtime``).
        stop: the connector's stop request; a syslog output blocked because no
            destination accepts gives up when it is set.
        monotonic: monotonic seconds (syslog backoff and replay window).
        rng: randomness for the syslog reconnect jitter.
        status_period_seconds: how often a syslog output logs its counters (0: never).

    Returns:
        An :class:`Output`; call ``open()`` before writing.

    Raises:
        OutputError: the URI's scheme is not supported (``scp``, ``http``, ...), or the
            URI or options are invalid, or TLS files cannot be loaded.
    """
    target = parse_output_uri(spec.uri, base_dir)
    if isinstance(target, SyslogTarget):
        return _build_syslog(spec, hostname=hostname, clock=clock, local_time=local_time,
                             stop=stop, monotonic=monotonic, rng=rng,
                             status_period_seconds=status_period_seconds)
    return FileOutput(
        target.directory,
        target.name_template,
        clock=clock,
        hostname=hostname,
        rotate=spec.rotate,
        max_lines=spec.max_lines,
        max_bytes=spec.max_bytes,
        prefix=spec.prefix,
        local_time=local_time,
        name=spec.name or spec.uri,
    )


def _build_syslog(
    spec: OutputSpec,
    *,
    hostname: str,
    clock: Callable[[], float],
    local_time: Callable[[float], time.struct_time],
    stop: threading.Event | None,
    monotonic: Callable[[], float],
    rng: random.Random | None,
    status_period_seconds: float,
) -> SyslogOutput:
    """A :class:`SyslogOutput` for a udp/tcp/tls outputter; TLS files are loaded here."""
    options = spec.syslog or SyslogSettings(uris=(spec.uri,))
    targets = [parse_syslog_uri(uri) for uri in (options.uris or (spec.uri,))]
    scheme = targets[0].scheme
    name = spec.name or ",".join(str(target) for target in targets)
    header = SyslogHeader(
        options.format,
        options.facility,
        options.severity,
        options.hostname or hostname,
        options.app_name,
        local_time,
    )
    framing = options.framing or ("octet" if scheme == "tls" else "lf")
    tls_context = None
    if scheme == "tls":
        tls_context = tls_client_context(
            ca_file=options.ca_file,
            cert_file=options.cert_file,
            key_file=options.key_file,
            verify_server=options.verify_server,
        )
        if not options.verify_server:
            logger.warning(
                "%s: verifyServer is false: the receiver's certificate is not checked, so "
                "anyone in the path can read and change the events", name)
    connect = functools.partial(
        open_transport, frame=framer(framing), connect_timeout=options.connect_timeout_seconds,
        send_timeout=options.send_timeout_seconds, tls_context=tls_context,
        server_name=options.server_name, stop=stop,
    )
    spool = None
    if options.spool_directory is not None:
        spool = Spool(options.spool_directory, options.spool_max_bytes, name=name)
    return SyslogOutput(
        targets,
        header=header,
        connect=connect,
        clock=clock,
        monotonic=monotonic,
        rng=rng,
        stop=stop,
        name=name,
        mode=options.mode,
        use_event_time=options.use_event_time,
        max_message_bytes=options.max_message_bytes,
        replay_messages=options.replay_messages,
        replay_seconds=options.replay_seconds,
        spool=spool,
        reconnect_initial_seconds=options.reconnect_initial_seconds,
        reconnect_max_seconds=options.reconnect_max_seconds,
        status_period_seconds=status_period_seconds,
    )
