"""Mapping: eStreamer records + metadata names → CefEvent, driven by YAML/Jinja files."""

from __future__ import annotations

from cef_connector.mapping.engine import MappingTable
from cef_connector.mapping.loader import available_mapping_sets, load_mappings

__all__ = ["MappingTable", "load_mappings", "available_mapping_sets"]
