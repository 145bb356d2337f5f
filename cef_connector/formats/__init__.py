"""Line formats besides CEF: JSON lines and Splunk key-value (eNcore's ``json`` and
``splunk`` adapters), and the raw form of records we cannot decode.

Every format reads the same decoded record and the same metadata names as the CEF
mappings (``metadata.names_for``); :class:`ComputedView` renames those names to eNcore's
vocabulary once per record and both formats use the result.  Nothing here does I/O.

Public API::

    ADAPTERS                      ("cef", "json", "splunk")
    ComputedView().view(record, names, cache) -> dict          # eNcore's "@computed"
    JsonFormatter().format(record_type, archive_timestamp, fields, view) -> str
    SplunkFormatter().format(record_type, fields, view) -> str
    RawRecord(record_type, version, archive_timestamp, offset, data)
    raw_json_line(raw) / raw_splunk_line(raw) -> str
    raw_cef_line(raw, vendor=, product=, version=) -> (str, truncated)
    record_description(record_type) -> (name, category) | None
"""

from __future__ import annotations

from cef_connector.formats.jsonl import JsonFormatter, json_line
from cef_connector.formats.splunk import SplunkFormatter, splunk_value
from cef_connector.formats.unknown import (
    RAW_CEF_MAX_DATA_BYTES,
    RAW_CEF_SEVERITY,
    RawRecord,
    raw_cef_line,
    raw_json_line,
    raw_splunk_line,
)
from cef_connector.formats.view import NAME_VIEW_KEYS, ComputedView, record_description

__all__ = [
    "ADAPTERS",
    "NAME_VIEW_KEYS",
    "RAW_CEF_MAX_DATA_BYTES",
    "RAW_CEF_SEVERITY",
    "ComputedView",
    "JsonFormatter",
    "RawRecord",
    "SplunkFormatter",
    "json_line",
    "raw_cef_line",
    "raw_json_line",
    "raw_splunk_line",
    "record_description",
    "splunk_value",
]

#: Output adapters (eNcore's ``handler.outputters[].adapter`` values we write).
ADAPTERS: tuple[str, ...] = ("cef", "json", "splunk")
