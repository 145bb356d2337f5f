"""Behaviour of the logging setup: eNcore's levels and format, files, redaction of secrets."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cef_connector.config import LoggingSettings
from cef_connector.errors import ConfigError
from cef_connector.logs import (
    TRACE,
    VERBOSE,
    SecretRedactor,
    configure_logging,
    level_number,
)


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_encore_levels_are_registered_with_encores_numbers() -> None:
    configure_logging(LoggingSettings(stdout=False), stdout=io.StringIO())

    assert (VERBOSE, TRACE) == (5, 1)
    assert (logging.getLevelName(5), logging.getLevelName(1)) == ("VERBOSE", "TRACE")
    assert [level_number(n) for n in ("trace", "VERBOSE", "debug", "FATAL", "warning")] == [
        1,
        5,
        10,
        50,
        30,
    ]


def test_unknown_level_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="logging.level: got 'LOUD'; expected one of TRACE"):
        level_number("LOUD")


def test_file_and_stdout_get_encores_format(tmp_path: Path) -> None:
    stdout = io.StringIO()
    log_file = tmp_path / "logs" / "estreamer.log"
    configure_logging(
        LoggingSettings(filepath=log_file, format="%(name)-12s %(levelname)-8s %(message)s"),
        stdout=stdout,
    )

    logging.getLogger("cef.test").info("Connected to %s", "fmc")
    logging.getLogger("cef.test").debug("hidden at INFO")

    expected = "cef.test     INFO     Connected to fmc\n"
    assert stdout.getvalue() == expected
    assert log_file.read_text(encoding="utf-8") == expected


def test_verbose_level_lets_verbose_but_not_trace_through() -> None:
    stdout = io.StringIO()
    configure_logging(
        LoggingSettings(format="%(levelname)s %(message)s", level="VERBOSE"), stdout=stdout
    )
    logger = logging.getLogger("cef.test")

    logger.log(VERBOSE, "v")
    logger.log(TRACE, "t")

    assert stdout.getvalue() == "VERBOSE v\n"


def test_configuring_again_replaces_our_handlers_only() -> None:
    first, second = io.StringIO(), io.StringIO()
    foreign = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(foreign)
    configure_logging(LoggingSettings(format="%(message)s"), stdout=first)

    configure_logging(LoggingSettings(format="%(message)s"), stdout=second)
    logging.getLogger("cef.test").warning("once")

    assert (first.getvalue(), second.getvalue()) == ("", "once\n")
    assert foreign in logging.getLogger().handlers


def test_stderr_handler_when_asked() -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    configure_logging(
        LoggingSettings(format="%(message)s", stdout=False, stderr=True),
        stdout=stdout,
        stderr=stderr,
    )

    logging.getLogger("cef.test").error("boom")

    assert (stdout.getvalue(), stderr.getvalue()) == ("", "boom\n")


def test_log_file_that_cannot_be_opened_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")

    with pytest.raises(ConfigError, match=f"logging.filepath: cannot open log file {blocker}"):
        configure_logging(LoggingSettings(filepath=blocker / "x.log", stdout=False))


def test_configured_password_is_redacted_from_messages_and_arguments() -> None:
    stdout = io.StringIO()
    configure_logging(LoggingSettings(format="%(message)s"), ["Sup3r-S3cret"], stdout=stdout)

    logging.getLogger("cef.tls").info("loading PKCS#12 with %s", "Sup3r-S3cret")
    logging.getLogger("cef.tls").info("raw Sup3r-S3cret inside text")

    assert stdout.getvalue() == "loading PKCS#12 with ********\nraw ******** inside text\n"


def test_password_value_pairs_are_redacted_without_configuration() -> None:
    stdout = io.StringIO()
    configure_logging(LoggingSettings(format="%(message)s"), stdout=stdout)
    logger = logging.getLogger("cef.test")

    logger.info("pkcs12Password=hunter2 port=8302")
    logger.info('{"pkcs12Password": "hunter2", "host": "fmc"}')
    logger.info("PASSPHRASE: 'hunter2' and password = hunter2;")
    logger.info("pkcs12PasswordFile=/etc/cef/pw stays readable")

    assert stdout.getvalue().splitlines() == [
        "pkcs12Password=******** port=8302",
        '{"pkcs12Password": "********", "host": "fmc"}',
        "PASSPHRASE: '********' and password = ********;",
        "pkcs12PasswordFile=/etc/cef/pw stays readable",
    ]


def test_secrets_in_exception_text_are_redacted() -> None:
    stdout = io.StringIO()
    configure_logging(LoggingSettings(format="%(message)s"), ["Sup3r-S3cret"], stdout=stdout)

    try:
        raise ValueError("bad password Sup3r-S3cret")
    except ValueError:
        logging.getLogger("cef.test").exception("failed")

    text = stdout.getvalue()
    assert "Sup3r-S3cret" not in text
    assert text.startswith("failed\nTraceback (most recent call last):")
    assert text.rstrip().endswith("ValueError: bad password ********")


def test_redactor_hides_the_longest_secret_first() -> None:
    redactor = SecretRedactor(["abc", "abcdef", ""])

    assert redactor.redact("x abcdef y abc") == "x ******** y ********"


def test_redactor_survives_a_broken_format() -> None:
    record = logging.LogRecord("n", logging.INFO, "f", 1, "%d items", ("x",), None)

    assert SecretRedactor(["x"]).filter(record) is True
    assert record.getMessage() == "'%d items' ('********',)"


def test_debug_flag_lowers_the_level_to_debug_but_keeps_verbose() -> None:
    stdout = io.StringIO()
    configure_logging(LoggingSettings(format="%(message)s", level="ERROR"), debug=True, stdout=stdout)
    logging.getLogger("cef.test").debug("shown")

    configure_logging(LoggingSettings(format="%(message)s", level="VERBOSE"), debug=True, stdout=stdout)
    logging.getLogger("cef.test").log(VERBOSE, "verbose too")

    assert stdout.getvalue() == "shown\nverbose too\n"
