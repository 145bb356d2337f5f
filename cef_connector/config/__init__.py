"""Configuration: eNcore's ``estreamer.conf`` read into frozen, validated settings.

Public API::

    load_settings(path, env=os.environ) -> Settings
    Settings, ServerSettings, OutputterSettings, LoggingSettings, MonitorSettings,
    RecordFilter, SUBSCRIPTION_FLAG_BITS, RECORD_CATEGORIES, DEFAULT_EVENT_TYPES
"""

from __future__ import annotations

from cef_connector.config.loader import LOG_LEVELS, PASSWORD_ENV, load_settings
from cef_connector.config.schema import (
    DEFAULT_DEVICE_VERSION,
    DEFAULT_EVENT_TYPES,
    DEFAULT_LOG_FORMAT,
    DEFAULT_MAX_LINES,
    DEFAULT_PORT,
    MAPPING_SETS,
    OUTPUT_PREFIXES,
    RECORD_CATEGORIES,
    START_BOOKMARK,
    START_GENESIS,
    START_NOW,
    SUBSCRIPTION_FLAG_BITS,
    LoggingSettings,
    MonitorSettings,
    OutputterSettings,
    RecordFilter,
    ServerSettings,
    Settings,
)

__all__ = [
    "DEFAULT_DEVICE_VERSION",
    "DEFAULT_EVENT_TYPES",
    "DEFAULT_LOG_FORMAT",
    "DEFAULT_MAX_LINES",
    "DEFAULT_PORT",
    "LOG_LEVELS",
    "MAPPING_SETS",
    "OUTPUT_PREFIXES",
    "PASSWORD_ENV",
    "RECORD_CATEGORIES",
    "START_BOOKMARK",
    "START_GENESIS",
    "START_NOW",
    "SUBSCRIPTION_FLAG_BITS",
    "LoggingSettings",
    "MonitorSettings",
    "OutputterSettings",
    "RecordFilter",
    "ServerSettings",
    "Settings",
    "load_settings",
]
