"""Fixtures for mapping tests: loaded tables, the strict CEF parser, scratch mapping sets."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cef_connector.mapping import MappingTable, load_mappings

from .helpers import DEVICE_VERSION, REPO, strict_parser


@pytest.fixture(scope="session")
def parse_cef() -> Callable[[str], Any]:
    return strict_parser().parse_cef  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def default_table() -> MappingTable:
    return load_mappings("default", DEVICE_VERSION)


@pytest.fixture(scope="session")
def compat_table() -> MappingTable:
    return load_mappings("encore-compat", DEVICE_VERSION)


@pytest.fixture
def mapping_set(tmp_path: Path) -> Callable[..., Path]:
    """Create a mapping-set directory with the packaged templates; return the mappings root.

    Call ``mapping_set({"file.yaml": text, ...}, defaults=text)``; the templates directory
    is ``<root>/../templates``.
    """

    def make(files: dict[str, str], defaults: str | None = None, set_name: str = "custom") -> Path:
        root = tmp_path / "mappings"
        set_dir = root / set_name
        set_dir.mkdir(parents=True, exist_ok=True)
        (set_dir / "_defaults.yaml").write_text(
            defaults if defaults is not None else "device_vendor: Cisco\ndevice_product: Firepower\n",
            encoding="utf-8",
        )
        for name, text in files.items():
            (set_dir / name).write_text(text, encoding="utf-8")
        templates = tmp_path / "templates"
        if not templates.exists():
            shutil.copytree(REPO / "templates", templates)
        return root

    return make
