"""The Prometheus endpoint: monitor snapshots as Prometheus text on 127.0.0.1:PORT/metrics.

``prometheus-client`` is imported only when an exporter is built, so the package works
without it for everyone who does not set ``monitor.prometheusPort``.  The figures are
computed at scrape time from the same :class:`~cef_connector.monitoring.Snapshot` the
status line uses, through a collector on a private registry (no process-wide state).

Metric names follow the style guide (snake_case, unit suffix, ``_total`` for counters)
and carry a ``server`` label (``host:port`` of the FMC):

=========================================  ==========================================
``cef_connector_events_written_total``     CEF lines written (``record_type``)
``cef_connector_records_received_total``   records received (``record_type``)
``cef_connector_events_dropped_total``     records not written (``reason``)
``cef_connector_errors_total``             errors (``kind``)
``cef_connector_reconnects_total``         reconnects
``cef_connector_bytes_received_total``     bytes received from the FMC
``cef_connector_bundles_acknowledged_total``  bundles acknowledged
``cef_connector_metadata_learned_total``   metadata records learned
``cef_connector_bookmark_timestamp_seconds``  the bookmark (epoch seconds)
``cef_connector_bookmark_lag_seconds``     how far the bookmark is behind now
``cef_connector_velocity_ratio``           archive seconds read per second (1 keeps up)
``cef_connector_receive_queue_bytes``      bytes waiting in the socket receive queue
``cef_connector_uptime_seconds``           seconds since the start
``cef_connector_output_<counter>``         each output's counters (``output``)
=========================================  ==========================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cef_connector.errors import ConfigError
from cef_connector.monitoring import Snapshot

__all__ = ["LISTEN_HOST", "MetricsExporter", "render_metrics"]

#: The endpoint listens on loopback only: expose it further through a proxy if needed.
LISTEN_HOST = "127.0.0.1"

_PREFIX = "cef_connector_"
_UNSAFE = re.compile(r"[^a-zA-Z0-9_]")

Snapshots = Callable[[], Sequence[Snapshot]]


class _SnapshotCollector:
    """A prometheus-client collector reading fresh snapshots at every scrape."""

    def __init__(self, snapshots: Snapshots) -> None:
        self._snapshots = snapshots

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        snaps = list(self._snapshots())

        def counter(name: str, doc: str, labels: Sequence[str] = ()) -> Any:
            return CounterMetricFamily(_PREFIX + name, doc, labels=["server", *labels])

        def gauge(name: str, doc: str, labels: Sequence[str] = ()) -> Any:
            return GaugeMetricFamily(_PREFIX + name, doc, labels=["server", *labels])

        written = counter("events_written", "CEF lines written", ["record_type"])
        received = counter("records_received", "records received from the FMC",
                           ["record_type"])
        dropped = counter("events_dropped", "records not written, by reason", ["reason"])
        errors = counter("errors", "errors, by kind", ["kind"])
        simple = {
            "reconnects_total": counter("reconnects", "reconnects after an error"),
            "bytes_received_total": counter("bytes_received", "bytes received from the FMC"),
            "bundles_acknowledged_total": counter("bundles_acknowledged",
                                                  "bundles acknowledged to the FMC"),
            "metadata_learned_total": counter("metadata_learned", "metadata records learned"),
        }
        bookmark = gauge("bookmark_timestamp_seconds",
                         "newest archive timestamp bookmarked (epoch seconds)")
        lag = gauge("bookmark_lag_seconds", "how far the bookmark is behind now")
        velocity = gauge("velocity_ratio",
                         "archive seconds bookmarked per wall-clock second in the last "
                         "period (1 keeps up, above 1 catches up, below 1 falls behind)")
        queue = gauge("receive_queue_bytes", "bytes waiting in the FMC socket receive queue")
        uptime = gauge("uptime_seconds", "seconds since the monitor started")
        output_families: dict[str, Any] = {}
        for snap in snaps:
            server = snap.server
            for rtype, value in sorted(snap.events_written_by_type.items()):
                written.add_metric([server, str(rtype)], value)
            for rtype, value in sorted(snap.records_received_by_type.items()):
                received.add_metric([server, str(rtype)], value)
            for reason, value in sorted(snap.events_dropped_total.items()):
                dropped.add_metric([server, reason], value)
            for kind, value in sorted(snap.errors_total.items()):
                errors.add_metric([server, kind], value)
            for attribute, family in simple.items():
                family.add_metric([server], getattr(snap, attribute))
            if snap.bookmark is not None:
                bookmark.add_metric([server], snap.bookmark)
            if snap.bookmark_lag_seconds is not None:
                lag.add_metric([server], snap.bookmark_lag_seconds)
            if snap.velocity is not None:
                velocity.add_metric([server], snap.velocity)
            if snap.receive_queue_bytes is not None:
                queue.add_metric([server], snap.receive_queue_bytes)
            uptime.add_metric([server], snap.uptime_seconds)
            for output, values in sorted(snap.outputs.items()):
                for key, value in sorted(values.items()):
                    name = "output_" + _UNSAFE.sub("_", key)
                    family = output_families.get(name)
                    if family is None:
                        maker = counter if name.endswith("_total") else gauge
                        family = maker(name, f"output counter {key}", ["output"])
                        output_families[name] = family
                    family.add_metric([server, output], value)
        yield from (written, received, dropped, errors, *simple.values(), bookmark, lag,
                    velocity, queue, uptime, *output_families.values())


def _registry(snapshots: Snapshots) -> Any:
    try:
        from prometheus_client import CollectorRegistry
    except ImportError:
        raise ConfigError(
            "monitor.prometheusPort is set but the package prometheus-client is not "
            "installed; install it (pip install prometheus-client) or remove the key"
        ) from None
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(snapshots))
    return registry


def render_metrics(snapshots: Sequence[Snapshot]) -> str:
    """The Prometheus text exposition of some snapshots (what a scrape returns).

    Args:
        snapshots: one per server.

    Returns:
        The text.

    Raises:
        ConfigError: prometheus-client is not installed.
    """
    from prometheus_client import generate_latest

    frozen = list(snapshots)
    return generate_latest(_registry(lambda: frozen)).decode("utf-8")


class MetricsExporter:
    """Serves the snapshots of every server on ``http://127.0.0.1:PORT/metrics``.

    Args:
        port: the port (0 picks a free one; see :attr:`port`).
        snapshots: returns one fresh snapshot per server; called at every scrape.
        host: the address to listen on (loopback by default).
    """

    def __init__(self, port: int, snapshots: Snapshots, host: str = LISTEN_HOST) -> None:
        self.host = host
        self._requested_port = port
        self._snapshots = snapshots
        self._server: Any = None
        self._thread: Any = None

    def start(self) -> None:
        """Listen and serve in a daemon thread.

        Raises:
            ConfigError: prometheus-client is missing, or the port cannot be bound.
        """
        registry = _registry(self._snapshots)
        from prometheus_client import start_http_server

        try:
            self._server, self._thread = start_http_server(
                self._requested_port, addr=self.host, registry=registry)
        except OSError as exc:
            raise ConfigError(
                f"monitor.prometheusPort: cannot listen on {self.host}:"
                f"{self._requested_port}: {exc.strerror or exc}; choose a free port"
            ) from None

    @property
    def port(self) -> int:
        """The bound port (valid after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the metrics exporter is not started")
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
