"""``cef-connector check`` against the simulator: one exact diagnosis per failure, exit codes."""

from __future__ import annotations

import io
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cef_connector.check import Status, StepResult, check, exit_code, render
from cef_connector.cli import main
from cef_connector.simulator import SimulatorServer
from cef_connector.simulator.certs import CertificateAuthority

from .conftest import LONG_AGO, Setup, build_setup

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _lines(results: list[StepResult]) -> list[str]:
    out = io.StringIO()
    render(results, out, color=False)
    return [line for line in out.getvalue().splitlines() if not line.startswith("    ")]


def _only(results: list[StepResult], step: str) -> StepResult:
    matching = [r for r in results if r.step == step]
    assert len(matching) == 1, matching
    return matching[0]


@pytest.fixture()
def setup(tmp_path: Path) -> Setup:
    return build_setup(tmp_path / "fmc")


@pytest.fixture()
def simulator(setup: Setup) -> Iterator[SimulatorServer]:
    with SimulatorServer(setup.directory, events=5) as sim:
        setup.point_at(sim.port)
        yield sim


def test_working_setup_passes_every_step_with_exit_code_0(
        setup: Setup, simulator: SimulatorServer, this_host: set[str]) -> None:
    results = check(setup.config, host_addresses=lambda: this_host)
    port = simulator.port
    ca_end = _only(results, "ca").message.split("valid until ")[1].split(";")[0]
    cert_end = _only(results, "certificate").message.split("valid until ")[1]
    assert _lines(results) == [
        f"✓ configuration {setup.config}: valid (1 server, 1 output, mapping set 'default')",
        f"✓ PKCS#12 file {setup.directory / 'client.pkcs12'}: opened with the configured "
        "password",
        f"✓ client certificate: CN 127.0.0.1 (an address of this host), valid until {cert_end}",
        f"✓ FMC CA: FMC Internal CA, valid until {ca_end}; the FMC's certificate will be "
        "verified against it",
        "✓ DNS 127.0.0.1: an IP address, nothing to resolve",
        f"✓ TCP connect to 127.0.0.1:{port}: connected from 127.0.0.1",
        f"✓ TLS handshake with 127.0.0.1:{port}: TLSv1.2; FMC certificate CN=127.0.0.1, "
        "verified against the FMC CA",
        f"✓ event stream request to 127.0.0.1:{port}: the FMC answered with Streaming "
        "Information (services 5001, 5000, 6667)",
        f"✓ bookmark of 127.0.0.1:{port}: none yet (start 2 without a bookmark: from the "
        "oldest event the FMC has)",
        "✓ mapping set 'default': 69 record types compile (every event record type this "
        "version decodes)",
        f"✓ output relfile:///cef/events.{{0}}.cef: directory {setup.directory / 'cef'} will "
        "be created",
    ]
    assert exit_code(results) == 0
    assert not (setup.directory / "cef").exists(), "check must not create output directories"


def test_no_listener_is_connection_refused_with_firewall_as_a_cause(
        setup: Setup, free_port: int) -> None:
    setup.point_at(free_port)
    results = check(setup.config)
    tcp = _only(results, "tcp")
    assert tcp.status is Status.FAIL
    assert tcp.line == f"TCP connect to 127.0.0.1:{free_port}: connection refused"
    assert "a firewall on the way rejects the connection" in tcp.causes
    assert [(r.step, r.status) for r in results if r.step in ("tls", "stream")] == [
        ("tls", Status.SKIP), ("stream", Status.SKIP)]
    assert exit_code(results) == 1


def test_listener_that_never_answers_times_out_in_the_tls_handshake(
        setup: Setup, silent_listener: int) -> None:
    setup.point_at(silent_listener, connectTimeout=0.5)
    results = check(setup.config)
    assert _only(results, "tcp").line == (
        f"TCP connect to 127.0.0.1:{silent_listener}: connected from 127.0.0.1")
    tls = _only(results, "tls")
    assert tls.status is Status.FAIL
    assert tls.line == (f"TLS handshake with 127.0.0.1:{silent_listener}: no TLS answer "
                        "within 0.5 s (connectTimeout)")
    assert tls.causes[0] == ("the listener accepts TCP but does not speak TLS (is this the "
                             "eStreamer port?)")
    assert exit_code(results) == 1


def test_client_certificate_from_another_ca_is_refused_by_the_fmc(tmp_path: Path) -> None:
    setup = build_setup(tmp_path / "fmc", client_ca=CertificateAuthority.generate("Other CA"))
    with SimulatorServer(setup.directory, events=5) as sim:
        setup.point_at(sim.port)
        results = check(setup.config)
    assert _only(results, "certificate").line == (
        "client certificate: not issued by the CA in the PKCS#12 file (issuer CN=Other CA)")
    tls = _only(results, "tls")
    assert tls.line == (f"TLS handshake with 127.0.0.1:{sim.port}: the FMC refused our "
                        "certificate: it was not issued by the FMC's CA")
    assert exit_code(results) == 1


def test_wrong_pkcs12_password_fails_and_never_shows_the_password(tmp_path: Path) -> None:
    setup = build_setup(tmp_path / "fmc", configured_password="definitely-wrong")
    with SimulatorServer(setup.directory, events=5) as sim:
        setup.point_at(sim.port)
        results = check(setup.config)
    pkcs12 = _only(results, "pkcs12")
    assert pkcs12.line == (f"PKCS#12 file {setup.directory / 'client.pkcs12'}: the "
                           "configured password does not open it")
    assert _only(results, "tcp").line == (
        f"TCP connect to 127.0.0.1:{sim.port}: connected from 127.0.0.1")
    assert _only(results, "tls").line == (
        f"TLS handshake with 127.0.0.1:{sim.port}: skipped: the TLS material above is not "
        "usable")
    out = io.StringIO()
    render(results, out, color=False)
    assert "definitely-wrong" not in out.getvalue()
    assert exit_code(results) == 1


def test_server_certificate_from_another_ca_fails_verification(tmp_path: Path) -> None:
    setup = build_setup(tmp_path / "fmc", server_ca=CertificateAuthority.generate("Rogue CA"))
    with SimulatorServer(setup.directory, events=5) as sim:
        setup.point_at(sim.port)
        results = check(setup.config)
    tls = _only(results, "tls")
    assert tls.line == (f"TLS handshake with 127.0.0.1:{sim.port}: the FMC's certificate "
                        "failed verification: it is not signed by the CA in the PKCS#12 file")
    assert _only(results, "stream").status is Status.SKIP
    assert exit_code(results) == 1


def test_expired_client_certificate_is_diagnosed_before_and_during_the_handshake(
        tmp_path: Path) -> None:
    setup = build_setup(tmp_path / "fmc", client_since=LONG_AGO)
    with SimulatorServer(setup.directory, events=5) as sim:
        setup.point_at(sim.port)
        results = check(setup.config)
    assert _only(results, "certificate").line == (
        "client certificate: expired on 2022-04-04 23:00 UTC (CN 127.0.0.1)")
    assert _only(results, "tls").line == (
        f"TLS handshake with 127.0.0.1:{sim.port}: the FMC refused our certificate: it has "
        "expired")
    assert exit_code(results) == 1


def test_expired_server_certificate_fails_verification(tmp_path: Path) -> None:
    setup = build_setup(tmp_path / "fmc", server_since=LONG_AGO)
    with SimulatorServer(setup.directory, events=5) as sim:
        setup.point_at(sim.port)
        results = check(setup.config)
    assert _only(results, "tls").line == (
        f"TLS handshake with 127.0.0.1:{sim.port}: the FMC's certificate failed "
        "verification: it has expired (or this host's clock is wrong)")
    assert exit_code(results) == 1


def test_mapping_with_an_error_names_the_file_line_and_fix(
        setup: Setup, tmp_path: Path) -> None:
    # The configuration has no key for a mappings directory: check() takes one.
    mappings = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings" / "default", mappings / "default")
    broken = mappings / "default" / "connection_statistics.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace(
        'spt: "{{ initiatorPort }}"', 'spt: "{{ initiatorPrt }}"'), encoding="utf-8")
    line = broken.read_text(encoding="utf-8").splitlines().index(
        '  spt: "{{ initiatorPrt }}"') + 1
    results = check(setup.config, network=False, mappings_dir=mappings,
                    templates_dir=ROOT / "templates")
    mapping = _only(results, "mappings")
    assert mapping.status is Status.FAIL
    assert mapping.line == (
        f"mapping set 'default' in {mappings}: 1 problem: {broken}:{line}: spt: "
        "'initiatorPrt' "
        "is not a field of record type 71 (did you mean 'initiatorPort'?)")
    assert exit_code(results) == 1


def test_cn_that_is_not_this_host_warns_and_the_fmc_closes_without_answering(
        tmp_path: Path, this_host: set[str]) -> None:
    setup = build_setup(tmp_path / "fmc", client_cn="10.9.9.9")
    with SimulatorServer(setup.directory, events=5) as sim:
        setup.point_at(sim.port)
        results = check(setup.config, host_addresses=lambda: this_host)
    certificate = _only(results, "certificate")
    assert certificate.status is Status.WARN
    assert certificate.line == (
        "client certificate: CN 10.9.9.9 is not an address of this host (192.0.2.7); the FMC "
        "will refuse the connection unless it sees this host as 10.9.9.9")
    stream = _only(results, "stream")
    assert stream.line == (f"event stream request to 127.0.0.1:{sim.port}: the FMC closed "
                           "the connection without answering")
    assert stream.causes[0].startswith("the client certificate's CN (10.9.9.9) is not the "
                                       "address the FMC sees this host connecting from "
                                       "(we connect from 127.0.0.1;")
    assert exit_code(results) == 1


def test_unresolvable_host_fails_dns_and_skips_the_connection(tmp_path: Path) -> None:
    setup = build_setup(tmp_path / "fmc")
    data = json.loads(setup.config.read_text(encoding="utf-8"))
    data["servers"][0]["host"] = "fmc.example.invalid"
    setup.config.write_text(json.dumps(data), encoding="utf-8")

    def resolver(host: str, *_args: object) -> list[tuple[object, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    results = check(setup.config, resolver=resolver)
    assert _only(results, "dns").line == (
        "DNS fmc.example.invalid: cannot be resolved (Name or service not known)")
    assert [r.status for r in results if r.step in ("tcp", "tls", "stream")] == [
        Status.SKIP] * 3


def test_no_network_skips_the_network_steps_and_passes(setup: Setup) -> None:
    results = check(setup.config, network=False)
    skipped = [r.line for r in results if r.status is Status.SKIP]
    assert skipped == [
        "DNS 127.0.0.1: skipped (--no-network)",
        "TCP connect to 127.0.0.1:8302: skipped (--no-network)",
        "TLS handshake with 127.0.0.1:8302: skipped (--no-network)",
        "event stream request to 127.0.0.1:8302: skipped (--no-network)",
    ]
    assert exit_code(results) == 0


def test_invalid_configuration_lists_every_problem_and_stops(tmp_path: Path) -> None:
    config = tmp_path / "estreamer.conf"
    config.write_text(json.dumps({"servers": [{"host": "fmc", "port": 0,
                                               "pkcs12Filepath": "c.p12"}], "start": 9}),
                      encoding="utf-8")
    results = check(config)
    assert len(results) == 1
    assert results[0].line == f"configuration {config}: 2 problems"
    assert results[0].details == (
        "start: got 9; expected 0 (genesis: oldest data), 1 (now) or 2 (bookmark)",
        "servers[0].port: got 0; expected an integer from 1 to 65535")
    assert exit_code(results) == 1


def test_plain_output_has_no_colour_and_falls_back_to_ascii(setup: Setup) -> None:
    results = check(setup.config, network=False)
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    render(results, ascii_out)
    ascii_out.seek(0)
    text = ascii_out.read()
    assert text.splitlines()[0] == (
        f"OK   configuration {setup.config}: valid (1 server, 1 output, mapping set "
        "'default')")
    assert "SKIP DNS 127.0.0.1: skipped (--no-network)" in text
    assert "\x1b[" not in text


def test_colour_output_marks_ticks_and_crosses(setup: Setup, free_port: int) -> None:
    setup.point_at(free_port)
    out = io.StringIO()
    render(check(setup.config), out, color=True)
    text = out.getvalue()
    assert "\x1b[1;32m✓\x1b[0m configuration" in text
    assert "\x1b[1;31m✗\x1b[0m TCP connect to" in text


def test_cli_check_and_its_test_alias_print_lines_and_set_the_exit_code(
        setup: Setup, free_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-c", str(setup.config), "--no-network"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"✓ configuration {setup.config}: valid")
    setup.point_at(free_port)
    assert main(["test", "-c", str(setup.config)]) == 1
    printed = capsys.readouterr().out
    assert f"✗ TCP connect to 127.0.0.1:{free_port}: connection refused\n" in printed
    assert "    fix: check servers[].host and servers[].port\n" in printed
    assert printed.endswith("check: 1 step failed\n")


def test_cli_check_deny_warnings_fails_on_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup = build_setup(tmp_path / "fmc")
    data = json.loads(setup.config.read_text(encoding="utf-8"))
    data["servers"][0]["verifyServer"] = False
    setup.config.write_text(json.dumps(data), encoding="utf-8")
    assert main(["check", "-c", str(setup.config), "--no-network"]) == 0
    assert main(["check", "-c", str(setup.config), "--no-network", "--deny-warnings"]) == 1
    assert ("! FMC CA: verifyServer is false: the FMC's certificate is not verified"
            in capsys.readouterr().out)


def test_several_servers_are_each_checked_and_named(setup: Setup, free_port: int) -> None:
    data = json.loads(setup.config.read_text(encoding="utf-8"))
    data["servers"].append(dict(data["servers"][0], port=free_port))
    setup.config.write_text(json.dumps(data), encoding="utf-8")
    results = check(setup.config, network=False)
    assert [r.title for r in results if r.step == "pkcs12"] == [
        f"PKCS#12 file {setup.directory / 'client.pkcs12'} for 127.0.0.1:8302",
        f"PKCS#12 file {setup.directory / 'client.pkcs12'} for 127.0.0.1:{free_port}"]
    assert [r.title for r in results if r.step == "bookmark"] == [
        "bookmark of 127.0.0.1:8302", f"bookmark of 127.0.0.1:{free_port}"]
