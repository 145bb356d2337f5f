"""Fixtures for end-to-end tests: the strict CEF parser."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pytest


TESTS = Path(__file__).resolve().parents[1]


def _load_parser() -> ModuleType:
    name = "_strict_cef_parser"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / "cef" / "cef_parser.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture()
def parse_cef() -> Callable[[str], Any]:
    """The spec-exact CEF parser of tests/cef (raises on anything not strictly CEF)."""
    return _load_parser().parse_cef  # type: ignore[no-any-return]

