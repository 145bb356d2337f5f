"""CEF encoding: the event type, the extension dictionary and the line encoder."""

from __future__ import annotations

from cef_connector.cef.dictionary import (
    CONSUMER_KEYS,
    PRODUCER_KEYS,
    KeyInfo,
    KeyType,
    key_info,
)
from cef_connector.cef.encoder import encode
from cef_connector.cef.event import CefEvent

__all__ = [
    "CefEvent",
    "encode",
    "KeyInfo",
    "KeyType",
    "PRODUCER_KEYS",
    "CONSUMER_KEYS",
    "key_info",
]
