"""The status file: the service's figures written atomically each period, and ``status``.

The running service writes one JSON document (``monitor.statusFile``, by default
``<stateDirectory>/cef-connector.status.json``) at start, every monitor period and at
stop; ``cef-connector status`` reads it, so an operator (or a monitoring probe) can see
what the service last reported without reading its log::

    {"format": 1, "state": "running", "pid": 4242, "started": 1714557600.0,
     "updated": 1714557720.0, "period_seconds": 120.0,
     "servers": [<Snapshot.to_json()>, ...]}

The file is written through a temporary file, ``fsync`` and ``rename``, so a reader never
sees half a document.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cef_connector.durable import write_atomically
from cef_connector.config import MonitorSettings, Settings, load_settings
from cef_connector.errors import ConfigError
from cef_connector.monitoring import Snapshot, format_duration, status_line

__all__ = [
    "STATUS_FILE_NAME",
    "STATUS_FORMAT",
    "ServiceStatus",
    "read_status",
    "status_command",
    "status_path",
    "write_status",
]

#: File name of the status file in the state directory (when statusFile is not set).
STATUS_FILE_NAME = "cef-connector.status.json"
#: Version of the document layout; a newer one is refused, not guessed.
STATUS_FORMAT = 1
#: A status older than this many periods means the service is not running.
STALE_PERIODS = 3
#: ... and never less than this many seconds.
STALE_MINIMUM_SECONDS = 30.0

#: Exit codes of ``status``: running, not running (stopped/stale/missing), unreadable.
EXIT_RUNNING = 0
EXIT_NOT_RUNNING = 1


def status_path(settings: Settings) -> Path | None:
    """Where the service writes its status file.

    Args:
        settings: the configuration.

    Returns:
        The path, or None when ``monitor.statusFile`` is false.
    """
    monitor = settings.monitor
    if not monitor.status_enabled:
        return None
    return monitor.status_file or settings.state_dir / STATUS_FILE_NAME


@dataclass(frozen=True)
class ServiceStatus:
    """What a status file says.

    Attributes:
        state: ``running`` or ``stopped``.
        pid: the service's process id.
        started: epoch seconds when the service started.
        updated: epoch seconds of the last write.
        period_seconds: the monitor period.
        servers: one snapshot per FMC.
    """

    state: str
    pid: int
    started: float
    updated: float
    period_seconds: float
    servers: tuple[Snapshot, ...]


def write_status(path: Path, snapshots: Sequence[Snapshot], *, state: str, pid: int,
                 started: float, updated: float, period_seconds: float) -> None:
    """Write the status document atomically.

    Args:
        path: the status file.
        snapshots: one per server.
        state: ``running`` or ``stopped``.
        pid: this process's id.
        started: epoch seconds of the start.
        updated: epoch seconds now.
        period_seconds: the monitor period.

    Raises:
        BookmarkError: the file cannot be written (the message names it).
    """
    document = {
        "format": STATUS_FORMAT,
        "state": state,
        "pid": pid,
        "started": started,
        "updated": updated,
        "period_seconds": period_seconds,
        "servers": [snap.to_json() for snap in snapshots],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, (json.dumps(document, indent=1) + "\n").encode("utf-8"))


def read_status(path: Path) -> ServiceStatus:
    """Read a status file.

    Args:
        path: the status file.

    Returns:
        Its content.

    Raises:
        ConfigError: the file is missing, unreadable or not a status document.
    """
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"no status file at {path}: the service has not run yet with this "
            "configuration, or monitor.statusFile points elsewhere (or is false)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"cannot read the status file {path}: {exc}") from None
    try:
        if data.get("format") != STATUS_FORMAT:
            raise ValueError(f"format {data.get('format')!r} is not {STATUS_FORMAT}")
        return ServiceStatus(
            state=str(data["state"]),
            pid=int(data["pid"]),
            started=float(data["started"]),
            updated=float(data["updated"]),
            period_seconds=float(data["period_seconds"]),
            servers=tuple(Snapshot.from_json(s) for s in data["servers"]),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{path} is not a cef-connector status file ({exc}); check monitor.statusFile"
        ) from None


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


#: What ``status`` shows of each server: every part of the line.
_EVERYTHING = MonitorSettings(bookmark=True, handled=True, subscribed=True, velocity=True,
                              details=True)


def status_command(config_path: Path | None = None, status_file: Path | None = None, *,
                   now: Callable[[], float] = time.time,
                   stream: IO[str] | None = None) -> int:
    """``cef-connector status``: print what the service last reported.

    Args:
        config_path: the service's configuration (its status file is read).
        status_file: the status file itself (instead of ``config_path``).
        now: epoch seconds (staleness).
        stream: where to print (default ``sys.stdout``).

    Returns:
        0 when the service is running and reported within the last three periods; 1 when
        it stopped, its report is stale, or there is no status file.

    Raises:
        ConfigError: the configuration is invalid, or the status file is unreadable.
    """
    out = stream if stream is not None else sys.stdout
    if status_file is None:
        if config_path is None:
            raise ConfigError("status needs --config or --file")
        path = status_path(load_settings(config_path))
        if path is None:
            raise ConfigError(
                f"{config_path}: monitor.statusFile is false, so the service writes no "
                "status file; remove the key (or give a path) and restart the service")
    else:
        path = status_file
    try:
        status = read_status(path)
    except ConfigError as exc:
        if "no status file" not in str(exc):
            raise
        out.write(f"cef-connector status: {exc}\n")
        return EXIT_NOT_RUNNING
    age = now() - status.updated
    limit = max(STALE_PERIODS * status.period_seconds, STALE_MINIMUM_SECONDS)
    updated = f"{_iso(status.updated)} ({format_duration(age)} ago)"
    if status.state != "running":
        head = f"stopped (pid {status.pid}) at {updated}"
        code = EXIT_NOT_RUNNING
    elif age > limit:
        head = (f"STALE: last report from pid {status.pid} at {updated}, more than "
                f"{STALE_PERIODS} periods ago: the service is not running or is hung "
                f"(systemctl status cef-connector)")
        code = EXIT_NOT_RUNNING
    else:
        uptime = format_duration(status.updated - status.started)
        head = f"running (pid {status.pid}, up {uptime}), last report {updated}"
        code = EXIT_RUNNING
    out.write(f"cef-connector status: {head}\n")
    state = "Running" if status.state == "running" else "Stopped"
    for snap in status.servers:
        out.write(status_line(snap, _EVERYTHING, snap.server, state) + "\n")
    out.flush()
    return code
