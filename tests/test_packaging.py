"""A plain, non-editable install carries the mappings and templates and can load them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.integration
def test_wheel_ships_mappings_and_templates_and_loads_them_outside_the_source_tree(
        tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(wheel_dir), str(REPO)],
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = wheel_dir.glob("cef_connector-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for mapping_set in ("default", "encore-compat"):
        for name in ("_defaults.yaml", "connection_statistics.yaml", "intrusion_event.yaml",
                     "packet.yaml"):
            assert f"cef_connector/_mappings/{mapping_set}/{name}" in names
    assert "cef_connector/_templates/macros.j2" in names
    assert "cef_connector/_mappings/README.md" in names

    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = ("import cef_connector, sys; from cef_connector.mapping import load_mappings; "
             "t = load_mappings('encore-compat', '7.4.0'); "
             "assert cef_connector.__file__.startswith(sys.argv[1]), cef_connector.__file__; "
             "print(sorted(t.record_types))")
    run = subprocess.run([sys.executable, "-c", probe, str(target)], cwd=tmp_path,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    # eNcore mapped exactly these eight record types to CEF (CEF doc §5).
    assert run.stdout.strip() == "[2, 71, 110, 112, 125, 400, 500, 502]"
