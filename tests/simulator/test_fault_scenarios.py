"""``--faults`` specifications: names and values to fault switches, and clear refusals."""

from __future__ import annotations

import pytest

from cef_connector.errors import ConfigError
from cef_connector.simulator import FAULT_NAMES, Faults, parse_faults


def test_names_and_values_set_the_fault_switches() -> None:
    assert parse_faults("reset-mid-bundle=3, stall, restart=2, restart-downtime=0.5, "
                        "sessions=1") == Faults(
        reset_mid_message_after=3, stall_after=1, restart_after=2, restart_downtime=0.5,
        sessions=1)
    assert parse_faults("error-at-request,huge-length,header-version") == Faults(
        error=(19, "No space"), huge_length=True, header_version=2)
    assert parse_faults("") == Faults()


def test_every_documented_name_is_accepted() -> None:
    for name in FAULT_NAMES:
        value = "=0.5" if name == "restart-downtime" else ""
        assert isinstance(parse_faults(name + value), Faults)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_faults("reset-mid-bundel=2,stall=-1,huge-length=3")

    assert caught.value.problems[0].startswith(
        "'reset-mid-bundel' is not a fault scenario; known: close-mid-bundle, reset-mid-bundle")
    assert caught.value.problems[1:] == [
        "'stall=-1': needs a whole number of at least 0 (stall takes N bundles (default 1))",
        "'huge-length=3': takes no value (huge-length takes no value)",
    ]


def test_simulate_command_refuses_an_unknown_fault_with_the_config_exit_code(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from cef_connector.cli import main

    code = main(["simulate", "--init", str(tmp_path), "--faults", "stal"])

    assert code == 78
    assert "'stal' is not a fault scenario" in capsys.readouterr().err
