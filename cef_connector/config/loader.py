"""Reading eNcore's ``estreamer.conf`` (JSON, unchanged) into validated :class:`Settings`.

Every key of eNcore's default configuration is accepted, including every ``*@comment``
key, plus the additions listed in :class:`~cef_connector.config.schema.Settings`.
Unknown keys and invalid values are errors; all of them are collected and raised at
once in one :class:`~cef_connector.errors.ConfigError`, one line each, naming the JSON
path (``subscription.servers[0].port``), the value and what is allowed.  Values of
password keys are never echoed.

This is the only module that reads environment variables
(``CEF_CONNECTOR_PKCS12_PASSWORD``).
"""

from __future__ import annotations

import dataclasses

import difflib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cef_connector.config.schema import (
    ADAPTERS,
    DEFAULT_DEAD_CONNECTION_SECONDS,
    DEFAULT_DEVICE_VERSION,
    DEFAULT_EVENT_TYPES,
    DEFAULT_LOG_FORMAT,
    DEFAULT_MAX_LINES,
    DEFAULT_PORT,
    MAPPING_SETS,
    OUTPUT_PREFIXES,
    START_BOOKMARK,
    SUBSCRIPTION_FLAG_BITS,
    UNKNOWN_RECORD_MODES,
    DedupeSettings,
    LimitSettings,
    LoggingSettings,
    MonitorSettings,
    OutputterSettings,
    ReconnectSettings,
    RecordFilter,
    ServerSettings,
    Settings,
)
from cef_connector.config.schema import SyslogSettings
from cef_connector.errors import ConfigError, OutputError
from cef_connector.outputs.syslog import MODES as SYSLOG_MODES
from cef_connector.outputs.syslog_format import (
    FORMAT_RFC3164,
    FORMATS,
    FRAMING_LF,
    FRAMING_OCTET,
    FRAMINGS,
    MAX_UDP_PAYLOAD_IPV4,
    SyslogHeader,
    parse_facility,
    parse_severity,
)
from cef_connector.outputs.uri import SYSLOG_SCHEMES, SyslogTarget, parse_output_uri

__all__ = ["PASSWORD_ENV", "LOG_LEVELS", "load_settings"]

#: Environment variable holding the PKCS#12 password; wins over the file's keys.
PASSWORD_ENV = "CEF_CONNECTOR_PKCS12_PASSWORD"

#: ``logging.level`` names (eNcore's, plus CRITICAL as a synonym of FATAL).
LOG_LEVELS: tuple[str, ...] = (
    "TRACE",
    "VERBOSE",
    "DEBUG",
    "INFO",
    "WARNING",
    "ERROR",
    "FATAL",
    "CRITICAL",
)

#: Adapters eNcore had that are not available here (yet); ADAPTERS are.
_LATER_ADAPTERS = ("kvpair", "csv", "pretty", "base64", "binstr", "ccad")

#: How the available adapters are named in messages.
_ADAPTER_CHOICES = "'cef', 'json' or 'splunk'"

#: eNcore stream options for its other stream types (scp, http); accepted, unused.
_OTHER_STREAM_OPTIONS = ("scpKeyFilepath", "path", "headers", "extraData", "httpMethod", "Loglevel")

#: Keys whose values are secrets: never echoed in messages.
_SECRET_KEYS = frozenset({"pkcs12Password", "password"})

_COMMENT_SUFFIX = "@comment"
_MAX_UINT32 = 0xFFFFFFFF
_MAX_DEVICE_VERSION = 31  # CEF header limit for Device Version (CEF doc §1.1)

_MISSING = object()

logger = logging.getLogger(__name__)


class _JsonObject(dict):  # type: ignore[type-arg]
    """A decoded JSON object that remembers keys given more than once."""

    duplicates: list[str]

    def __init__(self, pairs: Iterable[tuple[str, Any]]) -> None:
        super().__init__()
        self.duplicates = []
        for key, value in pairs:
            if key in self:
                self.duplicates.append(key)
            self[key] = value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _show(value: Any, key: str = "") -> str:
    if key in _SECRET_KEYS:
        return "(hidden)"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # pragma: no cover - decoded JSON always dumps
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Problems:
    """Collects one line per problem."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{path or '(top level)'}: {message}")


class _Section:
    """Typed access to one JSON object; unknown keys are reported by :meth:`finish`."""

    def __init__(self, problems: _Problems, path: str, value: Any) -> None:
        self.problems = problems
        self.path = path
        self.used: set[str] = set()
        self.data: Mapping[str, Any]
        if value is _MISSING or value is None:
            self.data = {}
        elif isinstance(value, dict):
            self.data = value
            for key in getattr(value, "duplicates", []):
                problems.add(
                    _join(path, key),
                    "key given more than once in the same object; keep one",
                )
        else:
            problems.add(path, f"got {_show(value)}; expected an object {{...}}")
            self.data = {}

    def _get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key, _MISSING)

    def present(self, key: str) -> bool:
        return key in self.data

    def accept(self, *keys: str) -> None:
        """Mark keys as known whatever their value (accepted for compatibility)."""
        self.used.update(keys)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is _MISSING:
            return default
        if isinstance(value, bool):
            return value
        self.problems.add(_join(self.path, key), f"got {_show(value)}; expected true or false")
        return default

    def integer(
        self, key: str, default: int, low: int, high: int, *, hint: str = ""
    ) -> int:
        value = self._get(key)
        if value is _MISSING:
            return default
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        allowed = hint or f"expected an integer from {low} to {high}"
        self.problems.add(_join(self.path, key), f"got {_show(value)}; {allowed}")
        return default

    def number(self, key: str, default: float) -> float:
        value = self._get(key)
        if value is _MISSING:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        self.problems.add(
            _join(self.path, key), f"got {_show(value)}; expected a number of seconds above 0"
        )
        return default

    def string(
        self,
        key: str,
        default: str | None,
        *,
        required: bool = False,
        choices: tuple[str, ...] = (),
        allow_null: bool = False,
        allow_empty: bool = True,
    ) -> str | None:
        value = self._get(key)
        path = _join(self.path, key)
        if value is _MISSING:
            if required:
                self.problems.add(path, "missing; this key is required")
            return default
        if value is None and allow_null:
            return None
        if not isinstance(value, str):
            self.problems.add(path, f"got {_show(value, key)}; expected a string")
            return default
        if choices and value not in choices:
            listed = ", ".join(repr(c) for c in choices)
            self.problems.add(path, f"got {_show(value, key)}; expected one of {listed}")
            return default
        if not allow_empty and not value.strip():
            self.problems.add(path, "is empty; give a value")
            return default
        return value

    def section(self, key: str) -> _Section:
        return _Section(self.problems, _join(self.path, key), self._get(key))

    def array(self, key: str) -> list[Any] | None:
        value = self._get(key)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, list):
            return value
        self.problems.add(_join(self.path, key), f"got {_show(value)}; expected a list [...]")
        return None

    def finish(self) -> None:
        known = sorted(self.used)
        for key in self.data:
            if key in self.used or key.endswith(_COMMENT_SUFFIX):
                continue
            guess = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            allowed = ", ".join(known) if known else "none"
            self.problems.add(
                _join(self.path, key),
                f"unknown key{hint}; allowed here: {allowed} and any '<name>@comment'",
            )


def _resolve(config_dir: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else config_dir / path


def _record_types(section: _Section, key: str) -> frozenset[int]:
    items = section.array(key)
    if items is None:
        return frozenset()
    result: set[int] = set()
    for index, item in enumerate(items):
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= _MAX_UINT32:
            result.add(item)
        else:
            section.problems.add(
                f"{_join(section.path, key)}[{index}]",
                f"got {_show(item)}; expected a record type number such as 71 or 400",
            )
    return frozenset(result)


def _record_filter(handler: _Section) -> RecordFilter:
    records = handler.section("records")
    result = RecordFilter(
        core=records.boolean("core", True),
        metadata=records.boolean("metadata", True),
        connections=records.boolean("connections", True),
        intrusion=records.boolean("intrusion", True),
        packets=records.boolean("packets", True),
        rna=records.boolean("rna", True),
        rua=records.boolean("rua", True),
        include=_record_types(records, "include"),
        exclude=_record_types(records, "exclude"),
    )
    records.finish()
    return result


def _tls_version(server: _Section) -> str:
    value = server._get("tlsVersion")
    if value is _MISSING or value == 1.2 or value == "1.2":
        return "1.2"
    path = _join(server.path, "tlsVersion")
    if value in (1.0, "1.0", 1, "1") and not isinstance(value, bool):
        server.problems.add(
            path,
            f"got {_show(value)}; TLS 1.2 is the minimum (eNcore's 1.0 is insecure and was "
            "only a debugging aid); set 1.2",
        )
    else:
        server.problems.add(path, f"got {_show(value)}; expected 1.2")
    return "1.2"


def _password(
    server: _Section, config_dir: Path, env: Mapping[str, str], fallback: str | None
) -> str | None:
    inline = server.string("pkcs12Password", None, allow_null=True)
    file_value = server.string("pkcs12PasswordFile", None, allow_null=True, allow_empty=False)
    if PASSWORD_ENV in env:
        return env[PASSWORD_ENV]
    if file_value is not None:
        password_path = _resolve(config_dir, file_value)
        try:
            text = password_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            server.problems.add(
                _join(server.path, "pkcs12PasswordFile"),
                f"cannot read {str(password_path)!r}: {reason}; create the file (the password "
                "on its first line) or remove the key",
            )
            return None
        return text.splitlines()[0] if text else ""
    if inline is not None:
        return inline
    return fallback


def _server(
    problems: _Problems,
    path: str,
    value: Any,
    config_dir: Path,
    env: Mapping[str, str],
    fallback_password: str | None,
) -> ServerSettings | None:
    server = _Section(problems, path, value)
    host = server.string("host", None, required=True, allow_empty=False)
    port = server.integer("port", DEFAULT_PORT, 1, 65535)
    pkcs12 = server.string("pkcs12Filepath", None, required=True, allow_empty=False)
    tls_version = _tls_version(server)
    verify = server.boolean("verifyServer", True)
    server_name = server.string("serverName", None, allow_null=True, allow_empty=False)
    password = _password(server, config_dir, env, fallback_password)
    server.finish()
    if host is None or pkcs12 is None:
        return None
    return ServerSettings(
        host=host,
        port=port,
        pkcs12_path=_resolve(config_dir, pkcs12),
        pkcs12_password=password,
        tls_version=tls_version,
        verify_server=verify,
        server_name=server_name,
    )


def _servers(
    root: _Section,
    subscription: _Section,
    config_dir: Path,
    env: Mapping[str, str],
    fallback_password: str | None,
) -> tuple[ServerSettings, ...]:
    problems = root.problems
    in_subscription = subscription.array("servers")
    at_top = root.array("servers")
    if in_subscription is not None and at_top is not None:
        problems.add(
            "servers",
            "servers are listed both here and in subscription.servers; keep one list",
        )
    if in_subscription is not None:
        items, base = in_subscription, _join(subscription.path, "servers")
    elif at_top is not None:
        items, base = at_top, "servers"
    else:
        if not subscription.present("servers") and not root.present("servers"):
            problems.add(
                "subscription.servers",
                "missing; at least one server is required "
                '(e.g. [{"host": "fmc.example.org", "port": 8302, '
                '"pkcs12Filepath": "client.pkcs12"}])',
            )
        return ()
    if not items:
        problems.add(base, "empty list; at least one server is required")
    servers = []
    for index, item in enumerate(items):
        server = _server(problems, f"{base}[{index}]", item, config_dir, env, fallback_password)
        if server is not None:
            servers.append(server)
    return tuple(servers)


def _outputter(
    problems: _Problems, path: str, value: Any, config_dir: Path
) -> OutputterSettings | None:
    section = _Section(problems, path, value)
    adapter = section.string("adapter", None, required=True, allow_empty=False)
    enabled = section.boolean("enabled", True)
    passthru = section.boolean("passthru", False)
    name = section.string("name", None, allow_null=True)
    stream = section.section("stream")
    if not section.present("stream"):
        problems.add(_join(path, "stream"), 'missing; give {"uri": "relfile:///data/encore.{0}.cef"}')
    # Syslog outputs may list several destinations in "uris" instead of one "uri".
    uris = stream.array("uris")
    uri = stream.string(
        "uri", None, required=section.present("stream") and uris is None, allow_empty=False
    )
    options = stream.section("options")
    rotate = options.boolean("rotate", True)
    max_lines = options.integer("maxLogs", DEFAULT_MAX_LINES, 1, 2**63 - 1)
    max_bytes_value = options._get("maxBytes")
    max_bytes: int | None = None
    if max_bytes_value is not _MISSING and max_bytes_value is not None:
        max_bytes = options.integer("maxBytes", 0, 1, 2**63 - 1) or None
    # No explicit prefix: decided once the mapping set is known (see _default_prefix).
    prefix = ""
    options.accept("prefix")
    if options.present("prefix"):
        prefix = options.string("prefix", "none", choices=OUTPUT_PREFIXES) or "none"
    syslog_ok, syslog = _syslog_stream(stream, options, uri, uris, config_dir)
    options.accept(*_OTHER_STREAM_OPTIONS)
    options.finish()
    stream.finish()
    section.finish()
    if not enabled:
        return None
    usable = True
    if not syslog_ok:
        usable = False
    elif syslog is not None and uri is None:
        uri = syslog.uris[0]
    if adapter is not None and adapter not in ADAPTERS:
        usable = False
        if adapter in _LATER_ADAPTERS:
            message = f"adapter {adapter!r} is not available yet; use {_ADAPTER_CHOICES}"
        else:
            message = f"unknown adapter {adapter!r}; use {_ADAPTER_CHOICES}"
        problems.add(_join(path, "adapter"), message)
    if adapter == "json" and prefix == "encore":
        usable = False
        problems.add(
            _join(_join(_join(path, "stream"), "options"), "prefix"),
            'got "encore"; a prefix in front of each line would make the json lines '
            'unreadable as JSON (eNcore wrote none); remove it or set "none"',
        )
    if passthru:
        usable = False
        problems.add(
            _join(path, "passthru"),
            "got true; passthru (raw eStreamer messages) is not supported; remove it or set false",
        )
    if uri is not None:
        try:
            parse_output_uri(uri, config_dir)
        except OutputError as exc:
            usable = False
            problems.add(_join(_join(path, "stream"), "uri"), f"got {_show(uri)}; {exc}")
    if not usable or adapter is None or uri is None:
        return None
    return OutputterSettings(
        adapter=adapter,
        uri=uri,
        rotate=rotate,
        max_lines=max_lines,
        max_bytes=max_bytes,
        prefix=prefix,
        name=name,
        syslog=syslog,
    )


def _syslog_stream(
    stream: _Section,
    options: _Section,
    uri: str | None,
    uris: list[Any] | None,
    config_dir: Path,
) -> tuple[bool, SyslogSettings | None]:
    """Read the syslog options of an outputter whose URI is udp://, tcp:// or tls://.

    Returns:
        (False, None) when a problem was reported; else (True, the settings), or
        (True, None) for a file outputter.
    """
    problems = stream.problems
    listed: list[str] = []
    if uri is not None and uris is not None:
        problems.add(_join(stream.path, "uris"), "give either uri or uris, not both")
        return False, None
    if uris is not None:
        if not uris:
            problems.add(_join(stream.path, "uris"), "empty list; give at least one destination")
            return False, None
        for index, item in enumerate(uris):
            if not isinstance(item, str) or not item.strip():
                problems.add(f"{_join(stream.path, 'uris')}[{index}]",
                             f"got {_show(item)}; expected a URI such as tcp://arcsight:514")
                return False, None
            listed.append(item)
    elif uri is not None:
        listed.append(uri)
    else:
        return True, None
    schemes = [item.partition("://")[0].lower() for item in listed]
    if schemes[0] not in SYSLOG_SCHEMES:
        if uris is not None:
            problems.add(_join(stream.path, "uris"),
                         "a list of destinations is for udp://, tcp:// and tls:// outputs; "
                         "give a file output one uri")
            return False, None
        return True, None
    where = options.path
    ok = True
    targets = []
    for index, item in enumerate(listed):
        key = _join(stream.path, "uri" if uris is None else f"uris[{index}]")
        try:
            target = parse_output_uri(item, config_dir)
        except OutputError as exc:
            problems.add(key, f"got {_show(item)}; {exc}")
            ok = False
            continue
        if not isinstance(target, SyslogTarget) or target.scheme != schemes[0]:
            problems.add(key, f"got {_show(item)}; every destination of one outputter must "
                              f"use {schemes[0]}:// (use one outputter per scheme)")
            ok = False
            continue
        targets.append(target)
    scheme = schemes[0]

    def only_for(key: str, allowed: tuple[str, ...]) -> bool:
        if scheme in allowed or not options.present(key):
            return True
        options.accept(key)
        problems.add(_join(where, key), f"applies to {' and '.join(s + '://' for s in allowed)} "
                                        f"outputs only, not {scheme}://; remove it")
        return False

    for key, hint in (("prefix", "syslog outputs write a syslog header; choose it with "
                                 "format (rfc3164 or rfc5424)"),
                      ("maxBytes", "maxBytes limits file sizes; for UDP datagrams use "
                                   "maxMessageBytes")):
        if options.present(key):
            problems.add(_join(where, key), f"does not apply to {scheme}:// outputs; {hint}")
            ok = False
    mode = options.string("mode", "failover", choices=SYSLOG_MODES) or "failover"
    style = options.string("format", FORMAT_RFC3164, choices=FORMATS) or FORMAT_RFC3164
    facility, severity = 1, 5
    for key in ("facility", "severity"):
        value = options._get(key)
        if value is _MISSING:
            continue
        try:
            code = parse_facility(value) if key == "facility" else parse_severity(value)
        except OutputError as exc:
            problems.add(_join(where, key), f"got {_show(value)}; {exc}")
            ok = False
            continue
        if key == "facility":
            facility = code
        else:
            severity = code
    app_name = options.string("appName", "cef-connector", allow_empty=False) or "cef-connector"
    hostname = options.string("hostname", None, allow_null=True, allow_empty=False)
    try:
        SyslogHeader(style, facility, severity, hostname or "localhost", app_name)
    except OutputError as exc:
        problems.add(where, str(exc))
        ok = False
    use_event_time = options.boolean("useEventTime", False)
    ok &= only_for("framing", ("tcp", "tls"))
    framing: str | None = None
    if scheme != "udp":
        default_framing = FRAMING_OCTET if scheme == "tls" else FRAMING_LF
        framing = options.string("framing", default_framing, choices=FRAMINGS) or default_framing
    ok &= only_for("maxMessageBytes", ("udp",))
    max_message = options.integer(
        "maxMessageBytes", MAX_UDP_PAYLOAD_IPV4, 128, MAX_UDP_PAYLOAD_IPV4,
        hint=f"expected bytes from 128 to {MAX_UDP_PAYLOAD_IPV4} (the largest IPv4 UDP "
             "payload); RFC 5426: receivers must take 480 and should take 2048",
    )
    files: dict[str, Path | None] = {}
    for key in ("caFile", "certFile", "keyFile", "serverName", "verifyServer"):
        ok &= only_for(key, ("tls",))
    for key in ("caFile", "certFile", "keyFile"):
        value = options.string(key, None, allow_null=True, allow_empty=False)
        files[key] = None
        if value is not None:
            path = _resolve(config_dir, value)
            if not path.is_file() or not os.access(path, os.R_OK):
                problems.add(_join(where, key), f"cannot read {str(path)!r}; give a readable "
                                                "PEM file (relative paths start at the "
                                                "configuration's directory)")
                ok = False
            files[key] = path
    if files["keyFile"] is not None and files["certFile"] is None:
        problems.add(_join(where, "keyFile"), "given without certFile; give both, or neither")
        ok = False
    server_name = options.string("serverName", None, allow_null=True, allow_empty=False)
    verify_server = options.boolean("verifyServer", True)
    ok &= only_for("replayWindow", ("tcp", "tls"))
    replay = options.section("replayWindow")
    replay_messages = replay.integer("messages", 10000, 0, 10_000_000)
    replay_seconds = replay.number("seconds", 10.0)
    replay.finish()
    spool_section = options.section("spool")
    spool_directory: Path | None = None
    spool_value = spool_section.string(
        "directory", None, required=options.present("spool"), allow_empty=False
    )
    if spool_value is not None:
        spool_directory = _resolve(config_dir, spool_value)
    spool_max = spool_section.integer("maxBytes", 1 << 30, 4096, 2**63 - 1)
    spool_section.finish()
    reconnect = options.section("reconnect")
    initial = reconnect.number("initialSeconds", 0.5)
    longest = reconnect.number("maxSeconds", 30.0)
    if longest < initial:
        problems.add(_join(reconnect.path, "maxSeconds"),
                     f"got {longest:g}; must not be below initialSeconds ({initial:g})")
        ok = False
    reconnect.finish()
    connect_timeout = options.number("connectTimeout", 5.0)
    send_timeout = options.number("sendTimeout", 30.0)
    if not ok:
        return False, None
    return True, SyslogSettings(
        uris=tuple(listed),
        mode=mode,
        format=style,
        facility=facility,
        severity=severity,
        app_name=app_name,
        hostname=hostname,
        use_event_time=use_event_time,
        framing=framing,
        max_message_bytes=max_message,
        ca_file=files["caFile"],
        cert_file=files["certFile"],
        key_file=files["keyFile"],
        server_name=server_name,
        verify_server=verify_server,
        replay_messages=replay_messages,
        replay_seconds=replay_seconds,
        spool_directory=spool_directory,
        spool_max_bytes=spool_max,
        reconnect_initial_seconds=initial,
        reconnect_max_seconds=longest,
        connect_timeout_seconds=connect_timeout,
        send_timeout_seconds=send_timeout,
    )


def _default_prefix(outputter: OutputterSettings, mapping_set: str) -> OutputterSettings:
    """Fill in the line prefix an outputter did not set explicitly.

    Bare CEF, as the CEF standard says for files, unless the ``encore-compat``
    mapping set is chosen: then eNcore's ``<13>MMM dd HH:MM:SS host`` prefix, which
    sites whose ArcSight file connectors were set up for eNcore expect.  json and
    splunk lines get none: eNcore's CEF adapter wrote that prefix, its json and splunk
    adapters did not.
    """
    if outputter.prefix:
        return outputter
    prefix = "encore" if mapping_set == "encore-compat" and outputter.adapter == "cef" else "none"
    return dataclasses.replace(outputter, prefix=prefix)


def _outputters(handler: _Section, config_dir: Path) -> tuple[OutputterSettings, ...]:
    items = handler.array("outputters")
    if items is None:
        return ()
    base = _join(handler.path, "outputters")
    result = []
    for index, item in enumerate(items):
        outputter = _outputter(handler.problems, f"{base}[{index}]", item, config_dir)
        if outputter is not None:
            result.append(outputter)
    return tuple(result)


def _logging(root: _Section, config_dir: Path) -> LoggingSettings:
    section = root.section("logging")
    filepath = section.string("filepath", None, allow_null=True)
    log_format = section.string("format", DEFAULT_LOG_FORMAT) or DEFAULT_LOG_FORMAT
    try:
        logging.Formatter(log_format, validate=True)
    except (ValueError, TypeError) as exc:
        section.problems.add(
            _join(section.path, "format"),
            f"got {_show(log_format)}; not a valid logging format ({exc}); "
            f"eNcore's is {DEFAULT_LOG_FORMAT!r}",
        )
        log_format = DEFAULT_LOG_FORMAT
    level_value = section._get("level")
    level = "INFO"
    if level_value is not _MISSING:
        if isinstance(level_value, str) and level_value.upper() in LOG_LEVELS:
            level = level_value.upper()
        else:
            section.problems.add(
                _join(section.path, "level"),
                f"got {_show(level_value)}; expected one of {', '.join(LOG_LEVELS)}",
            )
    stdout = section.boolean("stdOut", True)
    stderr = section.boolean("stdErr", False)
    section.finish()
    return LoggingSettings(
        filepath=_resolve(config_dir, filepath) if filepath and filepath.strip() else None,
        format=log_format,
        level=level,
        stdout=stdout,
        stderr=stderr,
    )


def _monitor(root: _Section, config_dir: Path) -> MonitorSettings:
    section = root.section("monitor")
    status_file: Path | None = None
    status_enabled = True
    status_value = section._get("statusFile")
    if status_value is False:
        status_enabled = False
    elif isinstance(status_value, str) and status_value.strip():
        status_file = _resolve(config_dir, status_value)
    elif status_value is not _MISSING and status_value is not None:
        section.problems.add(
            _join(section.path, "statusFile"),
            f"got {_show(status_value)}; expected a file path, or false for no status file",
        )
    port_value = section._get("prometheusPort")
    prometheus_port: int | None = None
    if port_value is not _MISSING and port_value is not None:
        prometheus_port = section.integer(
            "prometheusPort", 0, 1, 65535,
            hint="expected a port from 1 to 65535 (served on 127.0.0.1), or null for none",
        ) or None
    result = MonitorSettings(
        period_seconds=section.number("period", 120.0),
        bookmark=section.boolean("bookmark", False),
        handled=section.boolean("handled", True),
        subscribed=section.boolean("subscribed", True),
        velocity=section.boolean("velocity", False),
        details=section.boolean("details", False),
        status_file=status_file,
        status_enabled=status_enabled,
        prometheus_port=prometheus_port,
    )
    section.finish()
    return result


def _limits(root: _Section) -> LimitSettings:
    """Read "limits": bounds on what the FMC may send (issue: bounded memory)."""
    section = root.section("limits")
    defaults = LimitSettings()
    result = LimitSettings(
        max_message_bytes=section.integer(
            "maxMessageBytes", defaults.max_message_bytes, 4096, _MAX_UINT32,
            hint=f"expected bytes from 4096 to {_MAX_UINT32} (default "
            f"{defaults.max_message_bytes})",
        ),
        max_bundle_records=section.integer(
            "maxBundleRecords", defaults.max_bundle_records, 1, 10_000_000,
            hint=f"expected records from 1 to 10000000 (default {defaults.max_bundle_records})",
        ),
        max_block_depth=section.integer(
            "maxBlockDepth", defaults.max_block_depth, 2, 64,
            hint=f"expected a depth from 2 to 64 (default {defaults.max_block_depth})",
        ),
    )
    section.finish()
    return result


def _reconnect(root: _Section) -> ReconnectSettings:
    """Read "reconnect": the backoff between reconnects and output retries."""
    section = root.section("reconnect")
    defaults = ReconnectSettings()
    initial = section.number("initialDelay", defaults.initial_delay_seconds)
    maximum = section.number("maxDelay", defaults.max_delay_seconds)
    if maximum < initial:
        section.problems.add(
            _join(section.path, "maxDelay"),
            f"got {_show(maximum)}; it must not be below initialDelay ({_show(initial)})",
        )
        maximum = initial
    section.finish()
    return ReconnectSettings(initial_delay_seconds=initial, max_delay_seconds=maximum)


def _dedupe(root: _Section) -> DedupeSettings:
    """Read "dedupe": recognising records the FMC resends after a resume."""
    section = root.section("dedupe")
    defaults = DedupeSettings()
    result = DedupeSettings(
        enabled=section.boolean("enabled", defaults.enabled),
        max_identities=section.integer(
            "maxIdentities", defaults.max_identities, 0, 10_000_000,
            hint=f"expected a count from 0 to 10000000 (default {defaults.max_identities})",
        ),
        skip_older=section.boolean("skipOlderThanBookmark", defaults.skip_older),
    )
    section.finish()
    return result


def _dead_connection_timeout(root: _Section, response_timeout: float) -> float:
    """Read "deadConnectionTimeout" (default: max(60, 15 × responseTimeout))."""
    default = max(DEFAULT_DEAD_CONNECTION_SECONDS, 15 * response_timeout)
    value = root.number("deadConnectionTimeout", default)
    if value < response_timeout:
        root.problems.add(
            "deadConnectionTimeout",
            f"got {_show(value)}; it must be at least responseTimeout ({_show(response_timeout)})",
        )
        return default
    return value


def _read_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read configuration file {path}: {exc.strerror or exc}; "
            "check the path given with --config"
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from exc
    try:
        return json.loads(text, object_pairs_hook=_JsonObject, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}; "
            "eNcore's estreamer.conf is strict JSON (double quotes, no trailing commas, "
            "no comments other than '@comment' keys)"
        ) from exc
    except ValueError as exc:
        raise ConfigError(f"{path}: invalid JSON: {exc}") from exc


def _mapping_directory(handler: _Section, key: str, config_dir: Path) -> Path | None:
    """``handler.mappingsDirectory`` / ``handler.templatesDirectory``: an existing directory."""
    value = handler.string(key, None, allow_null=True, allow_empty=False)
    if value is None:
        return None
    path = _resolve(config_dir, value)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a directory"
        handler.problems.add(
            _join(handler.path, key),
            f"{path} {what}; create it (mapping overrides go there, see mappings/README.md) "
            "or remove the key (relative paths start at the configuration file's directory)",
        )
        return None
    return path


def load_settings(path: Path, env: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate a configuration file in eNcore's ``estreamer.conf`` format.

    Args:
        path: the JSON configuration file; relative paths inside it resolve against
            its directory.
        env: environment variables (only ``CEF_CONNECTOR_PKCS12_PASSWORD`` is read).

    Returns:
        The validated settings.

    Raises:
        ConfigError: the file cannot be read, is not JSON (file, line and column are
            named), or has unknown keys or invalid values (all listed in ``problems``).
    """
    path = Path(path)
    data = _read_json(path)
    config_dir = path.absolute().parent
    problems = _Problems()
    root = _Section(problems, "", data)

    start = root.integer(
        "start",
        START_BOOKMARK,
        0,
        2,
        hint="expected 0 (genesis: oldest data), 1 (now) or 2 (bookmark)",
    )
    connect_timeout = root.number("connectTimeout", 10.0)
    response_timeout = root.number("responseTimeout", 2.0)
    enabled = root.boolean("enabled", True)
    always_continue = root.boolean("alwaysAttemptToContinue", False)
    worker_processes = root.integer("workerProcesses", 1, 1, 1024)
    queue_size = root.integer("queueSize", 200, 1, 2**31 - 1)
    batch_size = root.integer("batchSize", 100, 1, 2**31 - 1)
    root.array("conditions")  # eNcore's optional conditions list: accepted, not used
    fallback_password = root.string("password", None, allow_null=True)
    state_value = root.string("stateDirectory", None, allow_null=True, allow_empty=False)

    subscription = root.section("subscription")
    records = subscription.section("records")
    flags = 0
    for key, bit in SUBSCRIPTION_FLAG_BITS.items():
        if records.boolean(key, True):
            flags |= bit
    # "connection" appears in real eNcore configurations (seed document) although eNcore
    # never read it: connection events come with the extended request (type 71).
    records.boolean("connection", True)
    records.finish()
    servers = _servers(root, subscription, config_dir, env, fallback_password)
    subscription.finish()

    handler = root.section("handler")
    record_filter = _record_filter(handler)
    outputters = _outputters(handler, config_dir)
    mapping_set = handler.string("mappingSet", "default", choices=MAPPING_SETS) or "default"
    mappings_dir = _mapping_directory(handler, "mappingsDirectory", config_dir)
    templates_dir = _mapping_directory(handler, "templatesDirectory", config_dir)
    device_version = (
        handler.string("deviceVersion", DEFAULT_DEVICE_VERSION, allow_empty=False)
        or DEFAULT_DEVICE_VERSION
    )
    if len(device_version) > _MAX_DEVICE_VERSION:
        problems.add(
            "handler.deviceVersion",
            f"got {_show(device_version)}; CEF allows at most {_MAX_DEVICE_VERSION} characters",
        )
    unknown_records = (
        handler.string("unknownRecords", "skip", choices=UNKNOWN_RECORD_MODES) or "skip"
    )
    handler.finish()
    outputters = tuple(_default_prefix(o, mapping_set) for o in outputters)

    logging_settings = _logging(root, config_dir)
    monitor = _monitor(root, config_dir)
    dead_connection_timeout = _dead_connection_timeout(root, response_timeout)
    limits = _limits(root)
    reconnect = _reconnect(root)
    dedupe = _dedupe(root)
    root.finish()

    if problems.lines:
        count = len(problems.lines)
        raise ConfigError(
            f"{path}: {count} problem{'s' if count != 1 else ''} in the configuration; "
            "fix them and start again",
            problems.lines,
        )
    if not outputters:
        logger.warning(
            "No enabled outputter in %s: records are read and dropped (eNcore's 'sink')", path
        )
    return Settings(
        config_path=path,
        config_dir=config_dir,
        servers=servers,
        start=start,
        connect_timeout_seconds=connect_timeout,
        response_timeout_seconds=response_timeout,
        request_flags=flags,
        event_types=DEFAULT_EVENT_TYPES,
        record_filter=record_filter,
        outputters=outputters,
        mapping_set=mapping_set,
        mappings_dir=mappings_dir,
        templates_dir=templates_dir,
        device_version=device_version,
        unknown_records=unknown_records,
        logging=logging_settings,
        monitor=monitor,
        state_dir=_resolve(config_dir, state_value) if state_value else config_dir,
        worker_processes=worker_processes,
        enabled=enabled,
        always_attempt_to_continue=always_continue,
        queue_size=queue_size,
        batch_size=batch_size,
        dead_connection_timeout_seconds=dead_connection_timeout,
        limits=limits,
        reconnect=reconnect,
        dedupe=dedupe,
    )
