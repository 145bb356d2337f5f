"""Packaged default mapping sets (data only; see mappings/README.md)."""
