"""Behaviour of load_settings on eNcore configurations and on broken ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cef_connector.config import (
    DEFAULT_EVENT_TYPES,
    LoggingSettings,
    MonitorSettings,
    OutputterSettings,
    RecordFilter,
    ServerSettings,
    load_settings,
)
from cef_connector.errors import ConfigError

DATA = Path(__file__).parent / "data"
ENCORE_FORMAT = "%(asctime)s %(name)-12s %(levelname)-8s %(message)s"


def minimal() -> dict[str, Any]:
    return {
        "subscription": {
            "servers": [{"host": "fmc.example.org", "port": 8302, "pkcs12Filepath": "c.p12"}]
        },
        "handler": {
            "outputters": [
                {
                    "adapter": "cef",
                    "enabled": True,
                    "stream": {"uri": "relfile:///data/encore.{0}.cef"},
                }
            ]
        },
    }


def write(tmp_path: Path, config: dict[str, Any] | str, name: str = "estreamer.conf") -> Path:
    path = tmp_path / name
    text = config if isinstance(config, str) else json.dumps(config, indent=4)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={} if env is None else env)
    return caught.value.problems


def test_encore_default_configuration_loads_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "estreamer.conf"
    shutil.copy(DATA / "encore_default.conf", path)

    settings = load_settings(path, env={})

    assert settings.config_path == path
    assert settings.config_dir == tmp_path
    assert settings.servers == (
        ServerSettings(
            host="1.2.3.4",
            port=8302,
            pkcs12_path=tmp_path / "client.pkcs12",
            pkcs12_password=None,
            tls_version="1.2",
            verify_server=True,
            server_name=None,
        ),
    )
    assert settings.start == 2
    assert settings.connect_timeout_seconds == 10.0
    assert settings.response_timeout_seconds == 2.0
    assert settings.request_flags == 0x48900061
    assert settings.event_types == DEFAULT_EVENT_TYPES
    assert settings.record_filter == RecordFilter()
    assert settings.outputters == ()
    assert settings.mapping_set == "default"
    assert settings.device_version == "6.0"
    assert settings.logging == LoggingSettings(
        filepath=tmp_path / "estreamer.log", format=ENCORE_FORMAT, level="INFO", stdout=True
    )
    assert settings.monitor == MonitorSettings(
        period_seconds=120.0, bookmark=False, handled=True, subscribed=True, velocity=False
    )
    assert settings.state_dir == tmp_path
    assert settings.worker_processes == 4
    assert settings.enabled is False


def test_encore_seed_configuration_with_its_json_adapter_loads_unchanged(
    tmp_path: Path,
) -> None:
    path = tmp_path / "estreamer.conf"
    shutil.copy(DATA / "encore_seed.conf", path)

    settings = load_settings(path, env={})

    assert settings.outputters == (
        OutputterSettings(
            adapter="json",
            uri="relfile:///data/json/encore.{0}.json",
            rotate=True,
            max_lines=10000,
            max_bytes=None,
            prefix="none",
        ),
    )
    assert settings.unknown_records == "skip"


def test_encore_seed_configuration_with_cef_adapter_loads(tmp_path: Path) -> None:
    text = (DATA / "encore_seed.conf").read_text(encoding="utf-8")
    path = write(tmp_path, text.replace('"adapter": "json"', '"adapter": "cef"'))

    settings = load_settings(path, env={})

    assert settings.servers[0].host == "10.62.148.75"
    assert settings.servers[0].pkcs12_path == tmp_path / "client.pkcs12"
    assert settings.outputters == (
        OutputterSettings(
            adapter="cef",
            uri="relfile:///data/json/encore.{0}.json",
            rotate=True,
            max_lines=10000,
            max_bytes=None,
            prefix="none",
        ),
    )
    assert settings.request_flags == 0x48900061
    assert settings.worker_processes == 4
    assert settings.enabled is True


def test_seed_subscription_with_connection_key_and_extended_off_gives_0x08900061(
    tmp_path: Path,
) -> None:
    config = minimal()
    config["subscription"]["records"] = {
        "@comment": ["Just because we subscribe doesn't mean the server is sending."],
        "archiveTimestamps": True,
        "connection": True,
        "eventExtraData": True,
        "extended": False,
        "impactEventAlerts": True,
        "intrusion": True,
        "metadata": True,
        "packetData": True,
    }

    assert load_settings(write(tmp_path, config), env={}).request_flags == 0x08900061


def test_subscription_records_select_flag_bits(tmp_path: Path) -> None:
    config = minimal()
    config["subscription"]["records"] = {
        "archiveTimestamps": False,
        "eventExtraData": False,
        "extended": True,
        "impactEventAlerts": False,
        "intrusion": False,
        "metadata": True,
        "packetData": False,
    }

    assert load_settings(write(tmp_path, config), env={}).request_flags == 0x40100000


def test_every_unknown_key_is_reported_at_once_with_its_path(tmp_path: Path) -> None:
    config = minimal()
    config["conectTimeout"] = 5
    config["subscription"]["servers"][0]["hots"] = "x"
    config["handler"]["records"] = {"coer": True}
    config["handler"]["outputters"][0]["stream"]["options"] = {"maxLog": 5}
    config["logging"] = {"colour": True}

    assert problems_of(write(tmp_path, config)) == [
        "subscription.servers[0].hots: unknown key (did you mean 'host'?); allowed here: host, "
        "pkcs12Filepath, pkcs12Password, pkcs12PasswordFile, port, serverName, tlsVersion, "
        "verifyServer and any '<name>@comment'",
        "handler.records.coer: unknown key (did you mean 'core'?); allowed here: connections, "
        "core, exclude, include, intrusion, metadata, packets, rna, rua and any '<name>@comment'",
        "handler.outputters[0].stream.options.maxLog: unknown key (did you mean 'maxLogs'?); "
        "allowed here: Loglevel, extraData, headers, httpMethod, maxBytes, maxLogs, path, "
        "prefix, rotate, scpKeyFilepath and any '<name>@comment'",
        "logging.colour: unknown key; allowed here: filepath, format, level, stdErr, stdOut "
        "and any '<name>@comment'",
        "conectTimeout: unknown key (did you mean 'connectTimeout'?); allowed here: "
        "alwaysAttemptToContinue, batchSize, conditions, connectTimeout, "
        "deadConnectionTimeout, dedupe, enabled, handler, limits, logging, monitor, "
        "password, queueSize, reconnect, responseTimeout, servers, start, "
        "stateDirectory, subscription, workerProcesses and any '<name>@comment'",
    ]


def test_invalid_values_are_reported_together_with_path_value_and_what_is_allowed(
    tmp_path: Path,
) -> None:
    config = minimal()
    config["start"] = 3
    config["connectTimeout"] = 0
    config["subscription"]["servers"][0]["port"] = 70000
    config["handler"]["records"] = {"include": [71, "400"], "rna": "yes"}
    config["handler"]["outputters"][0]["stream"]["options"] = {"maxLogs": 0, "prefix": "rfc5424"}
    config["logging"] = {"level": "LOUD"}

    assert problems_of(write(tmp_path, config)) == [
        "start: got 3; expected 0 (genesis: oldest data), 1 (now) or 2 (bookmark)",
        "connectTimeout: got 0; expected a number of seconds above 0",
        "subscription.servers[0].port: got 70000; expected an integer from 1 to 65535",
        'handler.records.rna: got "yes"; expected true or false',
        'handler.records.include[1]: got "400"; expected a record type number such as 71 or 400',
        "handler.outputters[0].stream.options.maxLogs: got 0; expected an integer from 1 to "
        "9223372036854775807",
        "handler.outputters[0].stream.options.prefix: got \"rfc5424\"; expected one of 'none', "
        "'encore'",
        'logging.level: got "LOUD"; expected one of TRACE, VERBOSE, DEBUG, INFO, WARNING, '
        "ERROR, FATAL, CRITICAL",
    ]


def test_config_error_message_counts_problems_and_lists_each_line(tmp_path: Path) -> None:
    config = minimal()
    config["start"] = "2"
    path = write(tmp_path, config)

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value) == (
        f"{path}: 1 problem in the configuration; fix them and start again\n"
        '  - start: got "2"; expected 0 (genesis: oldest data), 1 (now) or 2 (bookmark)'
    )


@pytest.mark.parametrize("version", [1.0, "1.0"])
def test_tls_1_0_is_refused_because_1_2_is_the_minimum(tmp_path: Path, version: object) -> None:
    config = minimal()
    config["subscription"]["servers"][0]["tlsVersion"] = version

    shown = json.dumps(version)
    assert problems_of(write(tmp_path, config)) == [
        f"subscription.servers[0].tlsVersion: got {shown}; TLS 1.2 is the minimum (eNcore's 1.0 "
        "is insecure and was only a debugging aid); set 1.2"
    ]


def test_tls_version_other_than_1_2_is_refused(tmp_path: Path) -> None:
    config = minimal()
    config["subscription"]["servers"][0]["tlsVersion"] = 1.3

    assert problems_of(write(tmp_path, config)) == [
        "subscription.servers[0].tlsVersion: got 1.3; expected 1.2"
    ]


@pytest.mark.parametrize("version", [1.2, "1.2"])
def test_tls_version_1_2_is_accepted_as_number_or_string(tmp_path: Path, version: object) -> None:
    config = minimal()
    config["subscription"]["servers"][0]["tlsVersion"] = version

    assert load_settings(write(tmp_path, config), env={}).servers[0].tls_version == "1.2"


def test_json_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n    "start": 2\n    "enabled": true\n}\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value).startswith(
        f"{path}:3:5: invalid JSON: Expecting ',' delimiter; eNcore's estreamer.conf is strict JSON"
    )
    assert caught.value.problems == []


def test_nan_is_refused_as_invalid_json(tmp_path: Path) -> None:
    path = write(tmp_path, '{"connectTimeout": NaN}')

    with pytest.raises(ConfigError, match="invalid JSON: NaN is not valid JSON"):
        load_settings(path, env={})


def test_missing_configuration_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.conf"

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value) == (
        f"cannot read configuration file {path}: No such file or directory; "
        "check the path given with --config"
    )


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "[1, 2]")) == [
        "(top level): got [1, 2]; expected an object {...}",
        "subscription.servers: missing; at least one server is required (e.g. [{\"host\": "
        '"fmc.example.org", "port": 8302, "pkcs12Filepath": "client.pkcs12"}])',
    ]


def test_key_given_twice_is_reported(tmp_path: Path) -> None:
    text = json.dumps(minimal())[:-1] + ', "start": 1, "start": 2}'

    assert problems_of(write(tmp_path, text)) == [
        "start: key given more than once in the same object; keep one"
    ]


def test_relative_paths_resolve_against_the_configuration_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_dir = tmp_path / "etc"
    config_dir.mkdir()
    config = minimal()
    config["stateDirectory"] = "state"
    config["logging"] = {"filepath": "logs/encore.log"}
    config["subscription"]["servers"][0]["pkcs12Filepath"] = "../pki/client.pkcs12"
    path = write(config_dir, config)
    monkeypatch.chdir(tmp_path)

    settings = load_settings(Path("etc/estreamer.conf"), env={})

    assert settings.config_dir == config_dir
    assert settings.state_dir == config_dir / "state"
    assert settings.logging.filepath == config_dir / "logs/encore.log"
    assert settings.servers[0].pkcs12_path == config_dir / "../pki/client.pkcs12"
    assert path.exists()


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    config = minimal()
    config["stateDirectory"] = "/var/lib/cef-connector"
    config["subscription"]["servers"][0]["pkcs12Filepath"] = "/etc/pki/client.pkcs12"

    settings = load_settings(write(tmp_path, config), env={})

    assert settings.state_dir == Path("/var/lib/cef-connector")
    assert settings.servers[0].pkcs12_path == Path("/etc/pki/client.pkcs12")


def test_empty_logging_filepath_means_no_log_file(tmp_path: Path) -> None:
    config = minimal()
    config["logging"] = {"filepath": "  ", "level": "verbose", "stdOut": False, "stdErr": True}

    assert load_settings(write(tmp_path, config), env={}).logging == LoggingSettings(
        filepath=None, format=ENCORE_FORMAT, level="VERBOSE", stdout=False, stderr=True
    )


def test_invalid_logging_format_is_reported(tmp_path: Path) -> None:
    config = minimal()
    config["logging"] = {"format": "%(asctime"}

    (problem,) = problems_of(write(tmp_path, config))

    assert problem.startswith('logging.format: got "%(asctime"; not a valid logging format (')


def password_config(**server_keys: Any) -> dict[str, Any]:
    config = minimal()
    config["subscription"]["servers"][0].update(server_keys)
    return config


def test_password_from_environment_wins_over_file_and_config(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from-file\n", encoding="utf-8")
    config = password_config(pkcs12PasswordFile="pw", pkcs12Password="from-config")
    config["password"] = "from-top-level"

    settings = load_settings(
        write(tmp_path, config), env={"CEF_CONNECTOR_PKCS12_PASSWORD": "from-env"}
    )

    assert settings.servers[0].pkcs12_password == "from-env"


def test_password_file_first_line_wins_over_inline_password(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from-file\r\nsecond line\n", encoding="utf-8")
    config = password_config(pkcs12PasswordFile="pw", pkcs12Password="from-config")

    assert load_settings(write(tmp_path, config), env={}).servers[0].pkcs12_password == "from-file"


def test_inline_password_wins_over_top_level_password(tmp_path: Path) -> None:
    config = password_config(pkcs12Password="from-config")
    config["password"] = "from-top-level"

    assert (
        load_settings(write(tmp_path, config), env={}).servers[0].pkcs12_password == "from-config"
    )


def test_top_level_password_of_the_encore_fork_is_the_last_resort(tmp_path: Path) -> None:
    config = minimal()
    config["password"] = "from-top-level"

    assert (
        load_settings(write(tmp_path, config), env={}).servers[0].pkcs12_password
        == "from-top-level"
    )


def test_no_password_configured_gives_none(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, minimal()), env={}).servers[0].pkcs12_password is None


def test_empty_password_file_gives_empty_password(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("", encoding="utf-8")

    settings = load_settings(write(tmp_path, password_config(pkcs12PasswordFile="pw")), env={})

    assert settings.servers[0].pkcs12_password == ""


def test_unreadable_password_file_is_reported_with_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, password_config(pkcs12PasswordFile="missing.pw"))

    assert problems_of(path) == [
        f"subscription.servers[0].pkcs12PasswordFile: cannot read '{tmp_path / 'missing.pw'}': "
        "No such file or directory; create the file (the password on its first line) or "
        "remove the key"
    ]


def test_password_value_is_never_echoed_in_problems(tmp_path: Path) -> None:
    config = password_config(pkcs12Password=12345678)

    assert problems_of(write(tmp_path, config)) == [
        "subscription.servers[0].pkcs12Password: got (hidden); expected a string"
    ]


def test_server_settings_repr_does_not_show_the_password() -> None:
    server = ServerSettings("fmc", 8302, Path("c.p12"), pkcs12_password="s3cr3t-value")

    assert "s3cr3t-value" not in repr(server)


def test_our_server_additions_are_read(tmp_path: Path) -> None:
    config = password_config(verifyServer=False, serverName="fmc.internal")

    server = load_settings(write(tmp_path, config), env={}).servers[0]

    assert (server.verify_server, server.server_name) == (False, "fmc.internal")


def test_servers_may_be_given_at_top_level(tmp_path: Path) -> None:
    config = minimal()
    config["servers"] = config["subscription"].pop("servers")
    config["servers"][0]["port"] = 8303

    settings = load_settings(write(tmp_path, config), env={})

    assert [(s.host, s.port) for s in settings.servers] == [("fmc.example.org", 8303)]


def test_servers_in_both_places_are_refused(tmp_path: Path) -> None:
    config = minimal()
    config["servers"] = config["subscription"]["servers"]

    assert problems_of(write(tmp_path, config)) == [
        "servers: servers are listed both here and in subscription.servers; keep one list"
    ]


def test_at_least_one_server_is_required(tmp_path: Path) -> None:
    config = minimal()
    config["subscription"]["servers"] = []

    assert problems_of(write(tmp_path, config)) == [
        "subscription.servers: empty list; at least one server is required"
    ]


def test_server_without_host_and_pkcs12_file_is_reported(tmp_path: Path) -> None:
    config = minimal()
    config["servers"] = [{"port": 8302}]
    del config["subscription"]

    assert problems_of(write(tmp_path, config)) == [
        "servers[0].host: missing; this key is required",
        "servers[0].pkcs12Filepath: missing; this key is required",
    ]


def test_scp_outputter_is_refused_naming_the_supported_schemes(tmp_path: Path) -> None:
    config = minimal()
    config["handler"]["outputters"][0]["stream"]["uri"] = "scp://10.0.0.1/data/{0}.cef"

    assert problems_of(write(tmp_path, config)) == [
        'handler.outputters[0].stream.uri: got "scp://10.0.0.1/data/{0}.cef"; output scheme '
        "'scp' is not supported by this version; supported: file://, relfile://, udp://, "
        "tcp://, tls://"
    ]


def test_file_name_without_placeholder_is_refused(tmp_path: Path) -> None:
    config = minimal()
    config["handler"]["outputters"][0]["stream"]["uri"] = "relfile:///data/events.cef"

    (problem,) = problems_of(write(tmp_path, config))

    assert problem.startswith(
        'handler.outputters[0].stream.uri: got "relfile:///data/events.cef"; output file name '
        "'events.cef' in 'relfile:///data/events.cef' has no {0}; add it"
    )


def test_unknown_adapter_and_passthru_are_refused(tmp_path: Path) -> None:
    config = minimal()
    config["handler"]["outputters"][0]["adapter"] = "syslog"
    config["handler"]["outputters"][0]["passthru"] = True

    assert problems_of(write(tmp_path, config)) == [
        "handler.outputters[0].adapter: unknown adapter 'syslog'; use 'cef', 'json' or "
        "'splunk'",
        "handler.outputters[0].passthru: got true; passthru (raw eStreamer messages) is not "
        "supported; remove it or set false",
    ]


def test_other_encore_adapters_are_not_available_yet(tmp_path: Path) -> None:
    config = minimal()
    config["handler"]["outputters"][0]["adapter"] = "kvpair"

    assert problems_of(write(tmp_path, config)) == [
        "handler.outputters[0].adapter: adapter 'kvpair' is not available yet; use 'cef', "
        "'json' or 'splunk'"
    ]


def test_disabled_outputters_are_validated_but_not_used(tmp_path: Path) -> None:
    config = minimal()
    config["handler"]["outputters"].append(
        {
            "adapter": "cef",
            "enabled": False,
            "name": "CEFDMZ",
            "stream": {"options": {"maxLogs": 10000, "rotate": True}, "uri": "udp://10.0.0.1:514"},
        }
    )

    settings = load_settings(write(tmp_path, config), env={})

    assert [o.uri for o in settings.outputters] == ["relfile:///data/encore.{0}.cef"]


def test_encore_fork_configuration_with_disabled_network_outputters_loads(tmp_path: Path) -> None:
    config = minimal()
    config.update({"password": "FMC-2-Netflow", "queueSize": 100, "batchSize": 100})
    config["handler"]["outputters"] = [
        {
            "adapter": "json",
            "enabled": False,
            "stream": {
                "options": {
                    "path": "/_bulk",
                    "headers@comment": {"Content-type": "application/x-ndjson"},
                    "headers": {"Content-type": "application/x-ndjson"},
                    "extraData": '{ "index" : { "_index" : "fmc-%Y.%m.%d" } }',
                    "Loglevel@comment": "Levels include NONE, ERROR, WARN, INFO, DEBUG",
                    "Loglevel": "WARN",
                },
                "uri": "http://ip-of-elk-stack:9200",
            },
        },
        {"adapter": "cef", "enabled": False, "name": "CEFAzure", "stream": {"uri": "udp://127.0.0.1:514"}},
        {
            "adapter": "cef",
            "enabled": True,
            "name": "files",
            "stream": {
                "uri": "file:///var/log/cef/encore.{0}.cef",
                "options": {"rotate": False, "maxBytes": 1048576, "prefix": "encore"},
            },
        },
    ]

    settings = load_settings(write(tmp_path, config), env={})

    assert settings.outputters == (
        OutputterSettings(
            adapter="cef",
            uri="file:///var/log/cef/encore.{0}.cef",
            rotate=False,
            max_lines=10000,
            max_bytes=1048576,
            prefix="encore",
            name="files",
        ),
    )
    assert settings.servers[0].pkcs12_password == "FMC-2-Netflow"
    assert (settings.queue_size, settings.batch_size) == (100, 100)


def test_handler_additions_are_read_and_validated(tmp_path: Path) -> None:
    config = minimal()
    config["handler"].update({"mappingSet": "encore-compat", "deviceVersion": "7.2.5"})
    settings = load_settings(write(tmp_path, config), env={})
    assert (settings.mapping_set, settings.device_version) == ("encore-compat", "7.2.5")

    config["handler"].update({"mappingSet": "arcsight", "deviceVersion": "x" * 32})
    assert problems_of(write(tmp_path, config)) == [
        "handler.mappingSet: got \"arcsight\"; expected one of 'default', 'encore-compat'",
        f'handler.deviceVersion: got "{"x" * 32}"; CEF allows at most 31 characters',
    ]


def test_record_filter_is_read_from_handler_records(tmp_path: Path) -> None:
    config = minimal()
    config["handler"]["records"] = {
        "connections": False,
        "core": True,
        "exclude": [400],
        "include": [71],
        "intrusion": True,
        "metadata": False,
        "packets": True,
        "rna": False,
        "rua": True,
    }

    record_filter = load_settings(write(tmp_path, config), env={}).record_filter

    assert record_filter == RecordFilter(
        core=True,
        metadata=False,
        connections=False,
        intrusion=True,
        packets=True,
        rna=False,
        rua=True,
        include=frozenset({71}),
        exclude=frozenset({400}),
    )
    assert (record_filter.wants(71), record_filter.wants(400), record_filter.wants(2)) == (
        True,
        False,
        True,
    )


def test_comment_keys_are_accepted_everywhere(tmp_path: Path) -> None:
    config = minimal()
    config["x@comment"] = {"any": ["value"]}
    config["subscription"]["servers"][0]["port@comment"] = 1
    config["handler"]["outputters"][0]["stream"]["uri@comment"] = "text"

    assert load_settings(write(tmp_path, config), env={}).servers[0].port == 8302


def test_example_configuration_in_deploy_loads(tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / "deploy" / "estreamer.conf.example"
    path = tmp_path / "estreamer.conf"
    shutil.copy(example, path)
    (tmp_path / "client.pkcs12.password").write_text("changeit\n", encoding="utf-8")

    settings = load_settings(path, env={})

    assert settings.servers[0].pkcs12_password == "changeit"
    assert settings.state_dir == tmp_path / "state"
    assert settings.outputters[0].uri == "relfile:///data/encore.{0}.cef"


def test_no_enabled_outputter_is_logged_as_a_sink(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = minimal()
    config["handler"]["outputters"] = []
    path = write(tmp_path, config)

    with caplog.at_level("WARNING"):
        load_settings(path, env={})

    assert caplog.messages == [
        f"No enabled outputter in {path}: records are read and dropped (eNcore's 'sink')"
    ]


def test_wrong_shapes_are_reported(tmp_path: Path) -> None:
    config = minimal()
    config["subscription"]["servers"][0]["host"] = " "
    config["handler"]["records"] = {"include": 71}
    config["handler"]["outputters"].append({"adapter": "cef"})
    config["monitor"] = "on"

    assert problems_of(write(tmp_path, config)) == [
        "subscription.servers[0].host: is empty; give a value",
        "handler.records.include: got 71; expected a list [...]",
        'handler.outputters[1].stream: missing; give {"uri": "relfile:///data/encore.{0}.cef"}',
        'monitor: got "on"; expected an object {...}',
    ]


def test_configuration_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "estreamer.conf"
    path.write_bytes(b'{"host": "\xe9"}')

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value) == f"{path}: not UTF-8 text (byte 10); save the file as UTF-8"


def test_configuration_with_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "estreamer.conf"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(minimal()).encode())

    assert load_settings(path, env={}).servers[0].host == "fmc.example.org"


def test_encore_compat_mapping_set_defaults_file_lines_to_encore_prefix(tmp_path: Path) -> None:
    conf = tmp_path / "estreamer.conf"
    outputter = {"adapter": "cef", "enabled": True,
                 "stream": {"uri": "relfile:///data/encore.{0}.cef"}}
    explicit = {"adapter": "cef", "enabled": True,
                "stream": {"uri": "relfile:///bare/encore.{0}.cef", "options": {"prefix": "none"}}}
    base = {"servers": [{"host": "fmc", "port": 8302, "pkcs12Filepath": "c.pkcs12"}]}
    conf.write_text(json.dumps({**base, "handler": {"mappingSet": "encore-compat",
                                                    "outputters": [outputter, explicit]}}))
    assert [o.prefix for o in load_settings(conf, env={}).outputters] == ["encore", "none"]
    conf.write_text(json.dumps({**base, "handler": {"outputters": [outputter]}}))
    assert [o.prefix for o in load_settings(conf, env={}).outputters] == ["none"]
