"""The keys that bound what the FMC may send and shape reconnects and de-duplication."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cef_connector.config import load_settings
from cef_connector.config.schema import DedupeSettings, LimitSettings, ReconnectSettings
from cef_connector.errors import ConfigError


def write(tmp_path: Path, **keys: Any) -> Path:
    config: dict[str, Any] = {
        "subscription": {
            "servers": [{"host": "fmc.example.org", "port": 8302, "pkcs12Filepath": "c.p12"}]
        },
        "handler": {"outputters": [{"adapter": "cef", "stream": {
            "uri": "relfile:///data/encore.{0}.cef"}}]},
    }
    config.update(keys)
    path = tmp_path / "estreamer.conf"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    return caught.value.problems


def test_defaults_are_safe_and_the_dead_connection_time_follows_the_response_timeout(
    tmp_path: Path,
) -> None:
    settings = load_settings(write(tmp_path), env={})

    assert settings.limits == LimitSettings(64 * 1024 * 1024, 100_000, 16)
    assert settings.reconnect == ReconnectSettings(1.0, 60.0)
    assert settings.dedupe == DedupeSettings(enabled=True, max_identities=50_000,
                                             skip_older=False)
    assert settings.dead_connection_timeout_seconds == 60.0  # max(60, 15 × 2)
    slow = load_settings(write(tmp_path, responseTimeout=10), env={})
    assert slow.dead_connection_timeout_seconds == 150.0


def test_every_key_is_read(tmp_path: Path) -> None:
    settings = load_settings(write(
        tmp_path,
        deadConnectionTimeout=45,
        limits={"maxMessageBytes": 1048576, "maxBundleRecords": 5000, "maxBlockDepth": 8},
        reconnect={"initialDelay": 0.5, "maxDelay": 30},
        dedupe={"enabled": False, "maxIdentities": 10, "skipOlderThanBookmark": True},
    ), env={})

    assert settings.dead_connection_timeout_seconds == 45.0
    assert settings.limits == LimitSettings(1048576, 5000, 8)
    assert settings.reconnect == ReconnectSettings(0.5, 30.0)
    assert settings.dedupe == DedupeSettings(False, 10, True)


def test_bad_values_are_all_reported_at_once(tmp_path: Path) -> None:
    problems = problems_of(write(
        tmp_path,
        deadConnectionTimeout=1,
        limits={"maxMessageBytes": 10, "maxBundleRecords": 0, "maxBlockDepth": 99,
                "maxRecords": 1},
        reconnect={"initialDelay": 5, "maxDelay": 1},
        dedupe={"enabled": "yes", "maxIdentities": -1},
    ))

    assert problems == [
        "deadConnectionTimeout: got 1.0; it must be at least responseTimeout (2.0)",
        "limits.maxMessageBytes: got 10; expected bytes from 4096 to 4294967295 "
        "(default 67108864)",
        "limits.maxBundleRecords: got 0; expected records from 1 to 10000000 (default 100000)",
        "limits.maxBlockDepth: got 99; expected a depth from 2 to 64 (default 16)",
        "limits.maxRecords: unknown key (did you mean 'maxBundleRecords'?); allowed here: "
        "maxBlockDepth, maxBundleRecords, maxMessageBytes and any '<name>@comment'",
        "reconnect.maxDelay: got 1.0; it must not be below initialDelay (5.0)",
        "dedupe.enabled: got \"yes\"; expected true or false",
        "dedupe.maxIdentities: got -1; expected a count from 0 to 10000000 (default 50000)",
    ]
