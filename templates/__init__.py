"""Packaged shared Jinja macros for mappings (data only)."""
