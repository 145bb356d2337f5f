"""The FMC session: mutual TLS from the FMC-issued PKCS#12 file and the socket to the FMC.

This package is the only code that talks to the FMC.  It moves bytes; the eStreamer protocol
logic lives in ``cef_connector.estreamer``.
"""

from __future__ import annotations

from cef_connector.session.client import FmcSession
from cef_connector.session.tls import (
    TlsMaterial,
    VerifyFailure,
    client_context,
    load_pkcs12,
    matches_server_name,
)

__all__ = [
    "FmcSession",
    "TlsMaterial",
    "VerifyFailure",
    "client_context",
    "load_pkcs12",
    "matches_server_name",
]
