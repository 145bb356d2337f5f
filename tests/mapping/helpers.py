"""Helpers for mapping tests: sample records as real estreamer Records, the strict parser."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from cef_connector.estreamer import Record
from cef_connector.mapping.samples import SAMPLES, Sample

REPO = Path(__file__).resolve().parents[2]
DEVICE_VERSION = "7.2.5"


def strict_parser() -> ModuleType:
    """The strict CEF parser of tests/cef, loaded by path (works whether or not tests/ is a package)."""
    name = "_cef_strict_parser"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "cef" / "cef_parser.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def sample(label_start: str) -> Sample:
    """The sample whose label starts with ``label_start`` ("71 IPv4", "400 IPv6", "2 ")."""
    matches = [s for s in SAMPLES if s.label.startswith(label_start)]
    assert len(matches) == 1, label_start
    return matches[0]


def record(label_start: str, drop: tuple[str, ...] = (), **changes: Any) -> Record:
    """A real estreamer Record built from a sample, with fields changed or dropped."""
    base = sample(label_start)
    fields = dict(base.fields)
    fields.update(changes)
    for name in drop:
        del fields[name]
    return Record(record_type=base.record_type, archive_timestamp=base.archive_timestamp,
                  fields=fields, offset=base.offset, is_metadata=False)


def names(label_start: str, drop: tuple[str, ...] = (), **changes: str) -> dict[str, str]:
    """The sample's complete names, with some changed or dropped."""
    result = dict(sample(label_start).names)
    result.update(changes)
    for key in drop:
        result.pop(key, None)
    return result
