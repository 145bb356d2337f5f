"""Fixtures for authoring tests: override directories written as files, the strict CEF parser."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]

WriteFiles = Callable[..., Path]


def _parser() -> ModuleType:
    name = "_authoring_cef_parser"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / "cef" / "cef_parser.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture()
def parse_cef() -> Callable[[str], Any]:
    """The spec-exact CEF parser of tests/cef."""
    return _parser().parse_cef  # type: ignore[no-any-return]


@pytest.fixture()
def overrides(tmp_path: Path) -> WriteFiles:
    """Write files into an override directory and return it: ``overrides({"x.yaml": text})``."""

    def write(files: dict[str, str], name: str = "overrides") -> Path:
        directory = tmp_path / name
        directory.mkdir(exist_ok=True)
        for file_name, text in files.items():
            (directory / file_name).write_text(text, encoding="utf-8")
        return directory

    return write
