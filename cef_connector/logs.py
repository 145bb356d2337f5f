"""Logging setup for the program (called once by the CLI) and the redaction of secrets.

Levels are eNcore's: besides the standard ones there are ``VERBOSE`` (5, "a few lines
per record") and ``TRACE`` (1, "tens of lines per record"), registered with
:func:`logging.addLevelName` under eNcore's numbers; ``FATAL`` is ``CRITICAL``.

Every handler installed here carries a :class:`SecretRedactor`, so no record reaches a
file or the console with a configured password in it, nor with the value of a
``password=...``/``passphrase: ...`` pair (also in exception texts).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable
from logging.handlers import WatchedFileHandler
from typing import IO, Any

from cef_connector.config.schema import LoggingSettings
from cef_connector.errors import ConfigError

__all__ = [
    "LEVELS",
    "REDACTED",
    "TRACE",
    "VERBOSE",
    "SecretRedactor",
    "ThreadPrefix",
    "configure_logging",
    "hex_lines",
    "level_number",
    "redirect_console",
    "register_levels",
    "reopen_log_files",
    "trace_bytes",
]

#: eNcore's extra levels (estreamer.crossprocesslogging): below DEBUG (10).
VERBOSE = 5
TRACE = 1

#: Level names accepted in ``logging.level`` → numbers.
LEVELS: dict[str, int] = {
    "TRACE": TRACE,
    "VERBOSE": VERBOSE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
}

#: What a secret is replaced with.
REDACTED = "********"

# key=value / key: value / "key": "value" where the key mentions a password (but not
# keys naming a password *file* or *path*, whose values are file names).
_SECRET_PAIR = re.compile(
    r"""(?ix)
    (?P<key>[\w.-]*(?:password|passphrase|passwd)(?![\w.-]*(?:file|path))[\w.-]*)
    (?P<sep>["']?\s*[=:]\s*)
    (?P<value>"[^"]*"|'[^']*'|[^\s,;&"'}\])]+)
    """
)

_HANDLER_MARK = "_cef_connector_handler"
_CONSOLE_MARK = "_cef_connector_console"


def register_levels() -> None:
    """Give the VERBOSE and TRACE levels their names (idempotent)."""
    logging.addLevelName(VERBOSE, "VERBOSE")
    logging.addLevelName(TRACE, "TRACE")


def level_number(name: str) -> int:
    """Translate a level name.

    Args:
        name: TRACE, VERBOSE, DEBUG, INFO, WARNING, ERROR, FATAL or CRITICAL (any case).

    Returns:
        The level number.

    Raises:
        ConfigError: the name is not a level.
    """
    try:
        return LEVELS[name.upper()]
    except KeyError:
        raise ConfigError(
            f"logging.level: got {name!r}; expected one of {', '.join(LEVELS)}"
        ) from None


class SecretRedactor(logging.Filter):
    """Replaces secrets in log records before any handler formats them.

    Args:
        secrets: literal values to hide wherever they appear (e.g. the PKCS#12
            password); empty values are ignored.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is hidden whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Hide the secrets in one text.

        Args:
            text: any text.

        Returns:
            The text with every configured secret and every password-like value
            replaced by ``********``.
        """
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _SECRET_PAIR.sub(_mask_pair, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it.

        Args:
            record: the record about to be emitted.

        Returns:
            True.
        """
        try:
            message = record.getMessage()
        except Exception:  # a broken format: keep what we can show safely
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _mask_pair(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in ('"', "'") else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{REDACTED}{quote}"


def configure_logging(
    settings: LoggingSettings,
    secrets: Iterable[str] = (),
    *,
    debug: bool = False,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> None:
    """Configure the root logger from the ``logging`` settings.

    Replaces handlers installed by an earlier call (other handlers are left alone),
    sets the level, and installs a file handler (UTF-8, appending) and/or console
    handlers, each with the format and a :class:`SecretRedactor`.

    Args:
        settings: the logging settings.
        secrets: values never to be logged (the PKCS#12 passwords).
        debug: log at least at DEBUG level (``--debug``); VERBOSE and TRACE stay.
        stdout: stream for ``stdOut`` (default ``sys.stdout``).
        stderr: stream for ``stdErr`` (default ``sys.stderr``).

    Raises:
        ConfigError: the level is unknown or the log file cannot be opened.
    """
    register_levels()
    level = level_number(settings.level)
    if debug:
        level = min(level, logging.DEBUG)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if settings.filepath is not None:
        try:
            settings.filepath.parent.mkdir(parents=True, exist_ok=True)
            # Watched: after logrotate moves the file away, the next line opens a new one.
            handlers.append(WatchedFileHandler(settings.filepath, encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"logging.filepath: cannot open log file {settings.filepath}: "
                f"{exc.strerror or exc}; fix the path or its permissions"
            ) from exc
    if settings.stdout:
        handler = logging.StreamHandler(stdout if stdout is not None else sys.stdout)
        setattr(handler, _CONSOLE_MARK, "stdout")
        handlers.append(handler)
    if settings.stderr:
        handler = logging.StreamHandler(stderr if stderr is not None else sys.stderr)
        setattr(handler, _CONSOLE_MARK, "stderr")
        handlers.append(handler)
    formatter = logging.Formatter(settings.format)
    redactor = SecretRedactor(secrets)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redactor)
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(level)


def redirect_console(stdout: IO[str], stderr: IO[str]) -> Callable[[], None]:
    """Send the console log lines to other streams for a while (a progress display).

    A progress display draws on the terminal and offers stream proxies that print above
    its bars; log lines written past them would cut through the bars.

    Args:
        stdout: the stream for the ``stdOut`` handler.
        stderr: the stream for the ``stdErr`` handler.

    Returns:
        A function that puts the original streams back.
    """
    previous: list[tuple[logging.StreamHandler[Any], Any]] = []
    for handler in logging.getLogger().handlers:
        which = getattr(handler, _CONSOLE_MARK, None)
        if which is None or not isinstance(handler, logging.StreamHandler):
            continue
        previous.append((handler, handler.setStream(stdout if which == "stdout" else stderr)))

    def restore() -> None:
        for handler, stream in previous:
            if stream is not None:
                handler.setStream(stream)

    return restore


def reopen_log_files() -> int:
    """Reopen the log file now (SIGHUP after logrotate moved it away).

    The file handler also notices a moved file by itself before the next line; this makes
    the switch immediate, so logrotate's ``postrotate`` can compress the old file at once.

    Returns:
        How many log files were reopened.
    """
    count = 0
    for handler in logging.getLogger().handlers:
        if getattr(handler, _HANDLER_MARK, False) and isinstance(handler, WatchedFileHandler):
            handler.acquire()
            try:
                if handler.stream is not None:
                    handler.stream.flush()
                    handler.stream.close()
                handler.stream = handler._open()
                handler._statstream()
            finally:
                handler.release()
            count += 1
    return count


class ThreadPrefix(logging.Filter):
    """Puts ``[host:port]`` before the lines logged by a server's thread.

    With several FMCs served in one process, every line must say which one it is about.
    Installed on our handlers by the service; a record is prefixed once even when
    several handlers see it.

    Args:
        prefixes: thread name → prefix text (e.g. ``"fmc-10.0.0.5:8302"`` →
            ``"10.0.0.5:8302"``).
    """

    def __init__(self, prefixes: dict[str, str]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        """Prefix the record's message when its thread serves an FMC; never drops it.

        Args:
            record: the record about to be emitted.

        Returns:
            True.
        """
        prefix = self.prefixes.get(record.threadName or "")
        if prefix and not getattr(record, "_cef_prefixed", False):
            record.msg = f"[{prefix}] {record.getMessage()}"
            record.args = None
            record._cef_prefixed = True  # type: ignore[attr-defined]
        return True

    def install(self) -> None:
        """Add the filter to every handler :func:`configure_logging` installed."""
        for handler in logging.getLogger().handlers:
            if getattr(handler, _HANDLER_MARK, False):
                handler.addFilter(self)

    def remove(self) -> None:
        """Take the filter off again."""
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self)


#: Bytes per hex line in TRACE dumps (eNcore logs messages as hex at TRACE).
HEX_LINE_BYTES = 32


def hex_lines(data: bytes, offset: int = 0, width: int = HEX_LINE_BYTES) -> list[str]:
    """Format bytes as hex lines, each starting with its stream offset.

    ``00000000  00010002 00000008 00000000 ...`` (groups of four bytes, as the eStreamer
    documentation prints messages).

    Args:
        data: the bytes.
        offset: stream offset of the first byte.
        width: bytes per line.

    Returns:
        The lines (none for empty data).
    """
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start:start + width].hex()
        groups = " ".join(chunk[i:i + 8] for i in range(0, len(chunk), 8))
        lines.append(f"{offset + start:08x}  {groups}")
    return lines


def trace_bytes(logger: logging.Logger, what: str, data: bytes, offset: int = 0) -> None:
    """Log bytes as hex at TRACE level (nothing is formatted when TRACE is off).

    Args:
        logger: the module's logger.
        what: e.g. ``"received from 10.0.0.5:8302"`` or ``"sent"``.
        data: the bytes (never key material: only eStreamer messages).
        offset: stream offset of the first byte.
    """
    if not logger.isEnabledFor(TRACE):
        return
    logger.log(TRACE, "%s: %d bytes at stream offset %d\n%s", what, len(data), offset,
               "\n".join(hex_lines(data, offset)))
