"""Mapping authoring without code: check, list fields, preview, capture and replay, watch.

Public API::

    MappingChoice(mapping_set, device_version, override_dir, override_templates_dir)
        .from_arguments(config, mapping_set=, mappings=, templates=), .validate(), .load()
    check_mappings(choice) -> MappingReport; format_report(choice, report) -> str
    field_listing(record_type, choice=None) -> str
    preview(record_type, choice, capture=None, index=1) -> Preview; format_preview(preview)
    capture_stream(settings, out, duration=, events=, since=, stop=) -> CaptureResult
    read_capture(path) -> iterator of CaptureEvent, then one CaptureEnd
    replay(capture, mappings, outputs, ...) -> ReplayResult
    MappingWatcher(list_paths).changed() -> list[Path]

The commands (``cef-connector mappings check|fields``, ``render``, ``capture``,
``replay``, ``run --watch``) are thin wrappers in ``cli.py`` around these functions.
"""

from __future__ import annotations

from cef_connector.authoring.capture import CaptureResult, capture_stream
from cef_connector.authoring.capture_file import CaptureEnd, CaptureEvent, read_capture
from cef_connector.authoring.check import check_mappings, format_report
from cef_connector.authoring.fields import field_listing
from cef_connector.authoring.options import MappingChoice, parse_record_type
from cef_connector.authoring.render import Preview, format_preview, preview
from cef_connector.authoring.replay import ReplayResult, StandardOutput, replay
from cef_connector.authoring.watch import MappingWatcher

__all__ = [
    "CaptureEnd",
    "CaptureEvent",
    "CaptureResult",
    "MappingChoice",
    "MappingWatcher",
    "Preview",
    "ReplayResult",
    "StandardOutput",
    "capture_stream",
    "check_mappings",
    "field_listing",
    "format_preview",
    "format_report",
    "parse_record_type",
    "preview",
    "read_capture",
    "replay",
]
