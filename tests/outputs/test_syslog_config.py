"""Syslog outputters in ``estreamer.conf``: URIs, options, defaults, and every mistake reported."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from cef_connector.config import load_settings
from cef_connector.config.schema import OutputterSettings, SyslogSettings
from cef_connector.errors import ConfigError, OutputError
from cef_connector.outputs import SyslogOutput, build_output
from cef_connector.outputs.uri import SyslogTarget, parse_output_uri, parse_syslog_uri


def config_with(stream: dict[str, Any]) -> dict[str, Any]:
    return {
        "servers": [{"host": "fmc.example.org", "pkcs12Filepath": "c.p12"}],
        "handler": {"outputters": [{"adapter": "cef", "stream": stream}]},
    }


def load(tmp_path: Path, stream: dict[str, Any]) -> OutputterSettings:
    path = tmp_path / "estreamer.conf"
    path.write_text(json.dumps(config_with(stream)), encoding="utf-8")
    (outputter,) = load_settings(path, env={}).outputters
    return outputter


def problems(tmp_path: Path, stream: dict[str, Any]) -> list[str]:
    path = tmp_path / "estreamer.conf"
    path.write_text(json.dumps(config_with(stream)), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    return caught.value.problems


# -- URIs --------------------------------------------------------------------------------


@pytest.mark.parametrize(("uri", "target"), [
    ("udp://127.0.0.1:514", SyslogTarget("udp", "127.0.0.1", 514)),
    ("TCP://arcsight.example.org:1514", SyslogTarget("tcp", "arcsight.example.org", 1514)),
    ("tls://arcsight:6514/", SyslogTarget("tls", "arcsight", 6514)),
    ("tls://arcsight", SyslogTarget("tls", "arcsight", 6514)),
    ("udp://arcsight", SyslogTarget("udp", "arcsight", 514)),
    ("tcp://[2001:db8::1]:514", SyslogTarget("tcp", "2001:db8::1", 514)),
])
def test_encore_style_syslog_uris(uri: str, target: SyslogTarget) -> None:
    assert parse_syslog_uri(uri) == target
    assert parse_output_uri(uri, Path("/etc")) == target


def test_ipv6_target_prints_with_brackets() -> None:
    assert str(SyslogTarget("tcp", "2001:db8::1", 514)) == "tcp://[2001:db8::1]:514"


@pytest.mark.parametrize(("uri", "message"), [
    ("tcp://:514", "has no host"),
    ("tcp://h:0", "port '0' is not a number 1..65535"),
    ("tcp://h:99999", "port '99999' is not a number 1..65535"),
    ("tcp://h:x", "port 'x' is not a number 1..65535"),
    ("udp://h:514/path", "has a path '/path'"),
    ("tcp://2001:db8::1:514", "write IPv6 addresses as [2001:db8::1]:514"),
])
def test_bad_syslog_uris_are_refused(uri: str, message: str) -> None:
    with pytest.raises(OutputError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse_syslog_uri(uri)


# -- options -----------------------------------------------------------------------------


def test_defaults_are_encores_rfc3164_with_lf_framing_over_tcp(tmp_path: Path) -> None:
    outputter = load(tmp_path, {"uri": "tcp://arcsight:514",
                                "options": {"rotate": False, "maxLogs": 10}})

    assert outputter.uri == "tcp://arcsight:514"
    assert outputter.syslog == SyslogSettings(uris=("tcp://arcsight:514",), framing="lf")


def test_tls_defaults_to_octet_counting(tmp_path: Path) -> None:
    outputter = load(tmp_path, {"uri": "tls://arcsight:6514"})

    assert outputter.syslog is not None
    assert outputter.syslog.framing == "octet"


def test_every_syslog_option_is_read(tmp_path: Path) -> None:
    for name in ("ca.pem", "client.pem", "client.key"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    outputter = load(tmp_path, {
        "uris": ["tls://a:6514", "tls://b:6514"],
        "options": {
            "mode": "roundrobin", "format": "rfc5424", "facility": "local4", "severity": 6,
            "appName": "firepower", "hostname": "collector01", "useEventTime": True,
            "framing": "lf", "caFile": "ca.pem", "certFile": "client.pem",
            "keyFile": "client.key", "serverName": "arcsight.example.org",
            "verifyServer": True, "replayWindow": {"messages": 500, "seconds": 5},
            "spool": {"directory": "spool", "maxBytes": 1048576},
            "reconnect": {"initialSeconds": 1, "maxSeconds": 10},
            "connectTimeout": 3, "sendTimeout": 20,
        },
    })

    assert outputter.uri == "tls://a:6514"
    assert outputter.syslog == SyslogSettings(
        uris=("tls://a:6514", "tls://b:6514"), mode="roundrobin", format="rfc5424",
        facility=20, severity=6, app_name="firepower", hostname="collector01",
        use_event_time=True, framing="lf", max_message_bytes=65507,
        ca_file=tmp_path / "ca.pem", cert_file=tmp_path / "client.pem",
        key_file=tmp_path / "client.key", server_name="arcsight.example.org",
        verify_server=True, replay_messages=500, replay_seconds=5.0,
        spool_directory=tmp_path / "spool", spool_max_bytes=1048576,
        reconnect_initial_seconds=1.0, reconnect_max_seconds=10.0,
        connect_timeout_seconds=3.0, send_timeout_seconds=20.0,
    )


def test_udp_takes_a_maximum_message_size_and_no_framing(tmp_path: Path) -> None:
    outputter = load(tmp_path, {"uri": "udp://arcsight:514",
                                "options": {"maxMessageBytes": 2048}})

    assert outputter.syslog is not None
    assert (outputter.syslog.max_message_bytes, outputter.syslog.framing) == (2048, None)


def test_every_misplaced_or_invalid_syslog_option_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, {
        "uri": "udp://arcsight:514",
        "options": {
            "framing": "octet", "caFile": "ca.pem", "replayWindow": {"messages": 5},
            "maxMessageBytes": 70000, "facility": "kernel", "prefix": "encore",
            "format": "json", "colour": "blue",
        },
    })

    where = "handler.outputters[0].stream.options"
    assert found == [
        f"{where}.prefix: does not apply to udp:// outputs; syslog outputs write a syslog "
        "header; choose it with format (rfc3164 or rfc5424)",
        f"{where}.format: got \"json\"; expected one of 'rfc3164', 'rfc5424'",
        f"{where}.facility: got \"kernel\"; syslog facility 'kernel' is not 0..23 or one of: "
        "auth, authpriv, console, cron, daemon, ftp, kern, local0, local1, local2, local3, "
        "local4, local5, local6, local7, lpr, mail, news, ntp, security, solaris-cron, "
        "syslog, user, uucp",
        f"{where}.framing: applies to tcp:// and tls:// outputs only, not udp://; remove it",
        f"{where}.maxMessageBytes: got 70000; expected bytes from 128 to 65507 (the largest "
        "IPv4 UDP payload); RFC 5426: receivers must take 480 and should take 2048",
        f"{where}.caFile: applies to tls:// outputs only, not udp://; remove it",
        f"{where}.caFile: cannot read '{tmp_path / 'ca.pem'}'; give a readable PEM file "
        "(relative paths start at the configuration's directory)",
        f"{where}.replayWindow: applies to tcp:// and tls:// outputs only, not udp://; remove it",
        f"{where}.colour: unknown key; allowed here: "
        "Loglevel, appName, caFile, certFile, connectTimeout, extraData, facility, format, "
        "framing, headers, hostname, httpMethod, keyFile, maxBytes, maxLogs, "
        "maxMessageBytes, mode, path, prefix, reconnect, replayWindow, rotate, "
        "scpKeyFilepath, sendTimeout, serverName, severity, spool, useEventTime, "
        "verifyServer and any '<name>@comment'",
    ]


def test_destinations_must_share_one_scheme(tmp_path: Path) -> None:
    assert problems(tmp_path, {"uris": ["tcp://a:514", "udp://b:514"]}) == [
        'handler.outputters[0].stream.uris[1]: got "udp://b:514"; every destination of one '
        "outputter must use tcp:// (use one outputter per scheme)"
    ]


def test_uri_and_uris_together_are_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, {"uri": "tcp://a:514", "uris": ["tcp://b:514"]}) == [
        "handler.outputters[0].stream.uris: give either uri or uris, not both"
    ]


def test_a_file_output_takes_no_destination_list(tmp_path: Path) -> None:
    assert problems(tmp_path, {"uris": ["relfile:///data/x.{0}.cef"]}) == [
        "handler.outputters[0].stream.uris: a list of destinations is for udp://, tcp:// and "
        "tls:// outputs; give a file output one uri"
    ]


def test_syslog_options_on_a_file_output_are_unknown_keys(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, {"uri": "relfile:///data/x.{0}.cef",
                                     "options": {"framing": "lf"}})

    assert problem.startswith("handler.outputters[0].stream.options.framing: unknown key")


def test_key_file_without_certificate_and_bad_backoff_are_reported(tmp_path: Path) -> None:
    (tmp_path / "k.pem").write_text("x", encoding="utf-8")

    assert problems(tmp_path, {"uri": "tls://a", "options": {
        "keyFile": "k.pem", "reconnect": {"initialSeconds": 5, "maxSeconds": 1},
        "hostname": "two words"}}) == [
        "handler.outputters[0].stream.options: syslog hostname 'two words' must be 1 to 255 "
        "printable ASCII characters without spaces (RFC 5424 §6); set it in stream.options",
        "handler.outputters[0].stream.options.keyFile: given without certFile; give both, "
        "or neither",
        "handler.outputters[0].stream.options.reconnect.maxSeconds: got 5; must not be below "
        "initialSeconds (5)".replace("got 5", "got 1"),
    ]


def test_spool_needs_a_directory(tmp_path: Path) -> None:
    assert problems(tmp_path, {"uri": "tcp://a", "options": {"spool": {"maxBytes": 10000}}}) == [
        "handler.outputters[0].stream.options.spool.directory: missing; this key is required"
    ]


# -- building --------------------------------------------------------------------------------


def test_build_output_makes_a_syslog_output_from_the_settings(tmp_path: Path) -> None:
    outputter = load(tmp_path, {"uris": ["tcp://a:514", "tcp://b:514"],
                                "options": {"format": "rfc5424", "hostname": "col"}})

    output = build_output(outputter, base_dir=tmp_path, clock=time.time, hostname="ignored")

    assert isinstance(output, SyslogOutput)
    assert output.name == "tcp://a:514,tcp://b:514"
    assert output.DELIVERY == "at-least-once"
    assert output.paths == []


def test_an_unreadable_ca_file_fails_at_build_time(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate", encoding="utf-8")
    outputter = load(tmp_path, {"uri": "tls://a:6514", "options": {"caFile": "ca.pem"}})

    with pytest.raises(OutputError) as caught:
        build_output(outputter, base_dir=tmp_path, clock=time.time, hostname="h")

    assert str(caught.value).startswith(f"cannot load the CA file {tmp_path / 'ca.pem'}: ")
    assert "(caFile)" in str(caught.value)
