"""Fixtures for the simulator tests: a PKI and a client that drives estreamer.Connection."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cef_connector.estreamer import (
    NEED_DATA,
    BundleEnd,
    Connection,
    ConnectionClosed,
    Record,
)
from cef_connector.session import FmcSession, client_context, load_pkcs12
from cef_connector.simulator import SimulatorServer
from cef_connector.simulator.certs import SimulatorPki, write_pki

PASSWORD = "s3cret-Passw0rd"
#: eNcore's flags with every subscription switch on (protocol doc §3.3).
ALL_FLAGS = 0x48900061


@pytest.fixture()
def pki(tmp_path: Path) -> SimulatorPki:
    """CA, server certificate and client PKCS#12 (CN 127.0.0.1) in a temporary directory."""
    return write_pki(tmp_path / "pki", password=PASSWORD)


class StreamClient:
    """The client side of a test: FmcSession + estreamer.Connection, driven by hand.

    Every event is kept in ``events``; every byte received after the handshake in
    ``received``.  ``run`` always ends: at ConnectionClosed, when ``until`` holds, or with
    an AssertionError at its deadline.
    """

    def __init__(self, session: FmcSession, connection: Connection) -> None:
        self.session = session
        self.connection = connection
        self.events: list[Any] = []
        self.received = bytearray()
        self.pending_acks = 0

    def start(self) -> None:
        self.session.send(self.connection.initiate())

    def run(
        self,
        until: Callable[[list[Any]], bool] | None = None,
        timeout: float = 10.0,
        ack: bool = True,
    ) -> list[Any]:
        deadline = time.monotonic() + timeout
        while True:
            if until is not None and until(self.events):
                return self.events
            event = self.connection.next_event()
            if event is NEED_DATA:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no end within {timeout} s; events: {self.events[-5:]}"
                data = self.session.recv(timeout=min(remaining, 0.5))
                if data is None:
                    continue
                self.received += data
                self.connection.receive_data(data)
                continue
            outgoing = self.connection.data_to_send()
            if outgoing:
                self.session.send(outgoing)
            self.events.append(event)
            if isinstance(event, BundleEnd):
                if ack:
                    self.session.send(self.connection.acknowledge())
                else:
                    self.pending_acks += 1
            if isinstance(event, ConnectionClosed):
                return self.events

    def ack_pending(self) -> None:
        while self.pending_acks:
            self.session.send(self.connection.acknowledge())
            self.pending_acks -= 1

    @property
    def records(self) -> list[Record]:
        return [e for e in self.events if isinstance(e, Record)]

    @property
    def event_records(self) -> list[Record]:
        return [r for r in self.records if not r.is_metadata]

    @property
    def bundle_ends(self) -> list[BundleEnd]:
        return [e for e in self.events if isinstance(e, BundleEnd)]


@pytest.fixture()
def open_client(pki: SimulatorPki) -> Iterator[Callable[..., StreamClient]]:
    """``open_client(sim, start=0, flags=ALL_FLAGS)`` → a connected, started StreamClient."""
    material = load_pkcs12(pki.client_pkcs12_file, PASSWORD)
    context = client_context(material)
    sessions: list[FmcSession] = []

    def open_(
        sim: SimulatorServer, start: int = 0, flags: int = ALL_FLAGS, send_request: bool = True
    ) -> StreamClient:
        session = FmcSession(
            "127.0.0.1", sim.port, context, connect_timeout=5.0, response_timeout=2.0
        )
        session.connect()
        sessions.append(session)
        client = StreamClient(session, Connection(start, flags))
        if send_request:
            client.start()
        return client

    yield open_
    for session in sessions:
        session.close()
