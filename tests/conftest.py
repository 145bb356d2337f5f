"""Fixtures shared by every test package: a prepared simulator directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from cef_connector.simulator import init_directory


@pytest.fixture()
def sim_dir(tmp_path: Path) -> Path:
    """A directory prepared by ``simulate --init`` (certificates, PKCS#12, estreamer.conf)."""
    directory = tmp_path / "fmc"
    init_directory(directory, "127.0.0.1", 8302)
    return directory
