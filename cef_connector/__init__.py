"""cef-connector: Cisco Firepower eStreamer events to ArcSight CEF."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
