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
from collections.abc import Iterable
from typing import IO

from cef_connector.config.schema import LoggingSettings
from cef_connector.errors import ConfigError

__all__ = [
    "LEVELS",
    "REDACTED",
    "TRACE",
    "VERBOSE",
    "SecretRedactor",
    "configure_logging",
    "level_number",
    "register_levels",
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
            handlers.append(logging.FileHandler(settings.filepath, encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"logging.filepath: cannot open log file {settings.filepath}: "
                f"{exc.strerror or exc}; fix the path or its permissions"
            ) from exc
    if settings.stdout:
        handlers.append(logging.StreamHandler(stdout if stdout is not None else sys.stdout))
    if settings.stderr:
        handlers.append(logging.StreamHandler(stderr if stderr is not None else sys.stderr))
    formatter = logging.Formatter(settings.format)
    redactor = SecretRedactor(secrets)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redactor)
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
