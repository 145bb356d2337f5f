"""CefEvent: one event's CEF header fields and ordered, not yet escaped extensions."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CefEvent"]


@dataclass(frozen=True, slots=True)
class CefEvent:
    """One CEF event before encoding (CEF doc §1.1).

    Values are raw text: :func:`cef_connector.cef.encode` escapes, trims and
    truncates them.  An extension whose value is ``""`` (or ``None``) is omitted,
    and so is its label.

    Attributes:
        device_vendor: header field 2 (``Cisco``).
        device_product: header field 3 (``Firepower``).
        device_version: header field 4 (from configuration, never a constant).
        signature_id: header field 5, the Device Event Class ID (``RNA:1003:1``).
        name: header field 6, human-readable.
        severity: header field 7, an ``int`` from 0 to 10.
        extensions: ordered ``(key, value)`` pairs; labels (``cs1Label``) are
            ordinary pairs that the encoder keeps only when their value is emitted.
        custom_keys: non-dictionary keys this event may carry (a mapping set's
            declared custom keys, CEF doc §2.5).  Additive to the architecture
            contract; defaults to none.
    """

    device_vendor: str
    device_product: str
    device_version: str
    signature_id: str
    name: str
    severity: int
    extensions: tuple[tuple[str, str], ...] = ()
    custom_keys: frozenset[str] = field(default=frozenset())
