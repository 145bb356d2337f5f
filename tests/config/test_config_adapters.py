"""The json and splunk adapters and handler.unknownRecords in the configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cef_connector.config import OutputterSettings, load_settings
from cef_connector.errors import ConfigError


def _config(*outputters: dict[str, Any], **handler: Any) -> dict[str, Any]:
    return {
        "subscription": {
            "servers": [{"host": "fmc.example.org", "port": 8302, "pkcs12Filepath": "c.p12"}]
        },
        "handler": {"outputters": list(outputters), **handler},
    }


def _outputter(adapter: str, uri: str, **options: Any) -> dict[str, Any]:
    stream: dict[str, Any] = {"uri": uri}
    if options:
        stream["options"] = options
    return {"adapter": adapter, "enabled": True, "stream": stream}


def _write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "estreamer.conf"
    path.write_text(json.dumps(config, indent=4), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    return caught.value.problems


def test_json_and_splunk_outputters_load_next_to_a_cef_outputter(tmp_path: Path) -> None:
    config = _config(
        _outputter("cef", "relfile:///cef/events.{0}.cef"),
        _outputter("json", "relfile:///json/events.{0}.json"),
        _outputter("splunk", "relfile:///splunk/events.{0}.log"),
    )

    settings = load_settings(_write(tmp_path, config), env={})

    assert [(o.adapter, o.uri, o.prefix) for o in settings.outputters] == [
        ("cef", "relfile:///cef/events.{0}.cef", "none"),
        ("json", "relfile:///json/events.{0}.json", "none"),
        ("splunk", "relfile:///splunk/events.{0}.log", "none"),
    ]


def test_encore_compat_prefix_default_applies_to_cef_outputters_only(tmp_path: Path) -> None:
    config = _config(
        _outputter("cef", "relfile:///cef/events.{0}.cef"),
        _outputter("json", "relfile:///json/events.{0}.json"),
        _outputter("splunk", "relfile:///splunk/events.{0}.log"),
        mappingSet="encore-compat",
    )

    settings = load_settings(_write(tmp_path, config), env={})

    assert [o.prefix for o in settings.outputters] == ["encore", "none", "none"]


def test_splunk_outputter_may_ask_for_the_encore_prefix(tmp_path: Path) -> None:
    config = _config(_outputter("splunk", "relfile:///splunk/events.{0}.log", prefix="encore"))

    settings = load_settings(_write(tmp_path, config), env={})

    assert settings.outputters == (
        OutputterSettings(adapter="splunk", uri="relfile:///splunk/events.{0}.log",
                          prefix="encore"),
    )


def test_json_outputter_refuses_the_encore_prefix(tmp_path: Path) -> None:
    config = _config(_outputter("json", "relfile:///json/events.{0}.json", prefix="encore"))

    assert _problems(_write(tmp_path, config)) == [
        'handler.outputters[0].stream.options.prefix: got "encore"; a prefix in front of '
        "each line would make the json lines unreadable as JSON (eNcore wrote none); remove "
        'it or set "none"'
    ]


@pytest.mark.parametrize("adapter", ["kvpair", "csv", "pretty", "base64", "binstr", "ccad"])
def test_encore_adapters_not_written_here_are_refused_by_name(tmp_path: Path, adapter: str
                                                              ) -> None:
    config = _config(_outputter(adapter, "relfile:///out/events.{0}.txt"))

    assert _problems(_write(tmp_path, config)) == [
        f"handler.outputters[0].adapter: adapter '{adapter}' is not available yet; use "
        "'cef', 'json' or 'splunk'"
    ]


def test_unknown_adapter_names_the_available_ones(tmp_path: Path) -> None:
    config = _config(_outputter("JSON", "relfile:///out/events.{0}.json"))

    assert _problems(_write(tmp_path, config)) == [
        "handler.outputters[0].adapter: unknown adapter 'JSON'; use 'cef', 'json' or 'splunk'"
    ]


def test_unknown_records_defaults_to_skip(tmp_path: Path) -> None:
    config = _config(_outputter("cef", "relfile:///cef/events.{0}.cef"))

    assert load_settings(_write(tmp_path, config), env={}).unknown_records == "skip"


@pytest.mark.parametrize("mode", ["skip", "raw"])
def test_unknown_records_accepts_skip_and_raw(tmp_path: Path, mode: str) -> None:
    config = _config(_outputter("cef", "relfile:///cef/events.{0}.cef"), unknownRecords=mode)

    assert load_settings(_write(tmp_path, config), env={}).unknown_records == mode


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("drop", "handler.unknownRecords: got \"drop\"; expected one of 'skip', 'raw'"),
        ("RAW", "handler.unknownRecords: got \"RAW\"; expected one of 'skip', 'raw'"),
        (True, "handler.unknownRecords: got true; expected a string"),
        (None, "handler.unknownRecords: got null; expected a string"),
    ],
)
def test_bad_unknown_records_value_is_named(tmp_path: Path, value: Any, problem: str) -> None:
    config = _config(_outputter("cef", "relfile:///cef/events.{0}.cef"), unknownRecords=value)

    assert _problems(_write(tmp_path, config)) == [problem]


def test_misspelt_unknown_records_key_gets_a_suggestion(tmp_path: Path) -> None:
    config = _config(_outputter("cef", "relfile:///cef/events.{0}.cef"), unknownRecord="raw")

    problems = _problems(_write(tmp_path, config))

    assert len(problems) == 1
    assert problems[0].startswith(
        "handler.unknownRecord: unknown key (did you mean 'unknownRecords'?); allowed here: "
    )
