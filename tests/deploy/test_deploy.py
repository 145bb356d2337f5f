"""The files under deploy/: systemd units verified by systemd, logrotate, Dockerfile, example."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cef_connector.config import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent
BINARY = "/opt/cef-connector/bin/cef-connector"

needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                   reason="systemd-analyze is not installed on this machine")


def _unit_copy(tmp_path: Path, name: str, as_name: str) -> Path:
    """The unit with its binary pointed at an executable stand-in (verify checks it)."""
    stand_in = tmp_path / "cef-connector"
    stand_in.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    stand_in.chmod(0o755)
    text = (DEPLOY / name).read_text(encoding="utf-8")
    assert BINARY in text
    target = tmp_path / as_name
    target.write_text(text.replace(BINARY, str(stand_in)), encoding="utf-8")
    return target


@needs_systemd
@pytest.mark.parametrize(("name", "as_name"), [
    ("cef-connector.service", "cef-connector.service"),
    ("cef-connector@.service", "cef-connector@fmc-dc1.service"),
])
def test_systemd_analyze_verify_passes_without_a_warning(
        tmp_path: Path, name: str, as_name: str) -> None:
    unit = _unit_copy(tmp_path, name, as_name)
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


@pytest.mark.parametrize("name", ["cef-connector.service", "cef-connector@.service"])
def test_units_are_hardened_and_restart_on_failure(name: str) -> None:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    settings = dict(re.findall(r"^(\w+)=(.*)$", text, flags=re.MULTILINE))
    assert settings["User"] == "cef-connector"
    assert settings["ProtectSystem"] == "strict"
    assert settings["Restart"] == "on-failure"
    assert settings["NoNewPrivileges"] == "true"
    assert settings["CapabilityBoundingSet"] == ""
    assert settings["StateDirectory"].startswith("cef-connector")
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert "check --no-network" in settings["ExecStartPre"]


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate is not installed")
def test_logrotate_snippet_parses_and_sends_sighup(tmp_path: Path) -> None:
    text = (DEPLOY / "logrotate" / "cef-connector").read_text(encoding="utf-8")
    assert "systemctl kill --signal=HUP cef-connector.service" in text
    # the service user does not exist on a build machine: check the syntax as root
    copy = tmp_path / "cef-connector"
    copy.write_text(text.replace("su cef-connector cef-connector", "su root root"),
                    encoding="utf-8")
    done = subprocess.run(["logrotate", "-d", "-s", str(tmp_path / "state"), str(copy)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "error" not in (done.stdout + done.stderr).lower()


def test_dockerfile_copies_what_exists_and_runs_as_the_service_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"^COPY (.+) \S+$", text, flags=re.MULTILINE):
        for source in line.split():
            assert (ROOT / source).exists(), source
    assert "USER cef-connector" in text
    assert 'ENTRYPOINT ["cef-connector"]' in text


def test_example_configuration_loads_and_enables_the_operations_features(
        tmp_path: Path) -> None:
    example = tmp_path / "estreamer.conf"
    shutil.copy(DEPLOY / "estreamer.conf.example", example)
    settings = load_settings(example, env={"CEF_CONNECTOR_PKCS12_PASSWORD": "x"})
    assert settings.monitor.bookmark and settings.monitor.velocity
    assert settings.monitor.status_enabled
    data = json.loads(example.read_text(encoding="utf-8"))
    assert "prometheusPort" in data["monitor"]
