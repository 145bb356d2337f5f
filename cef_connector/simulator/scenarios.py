"""Named fault scenarios of the simulated FMC, as ``cef-connector simulate --faults`` takes them.

A specification is a comma-separated list of ``name`` or ``name=value`` items, e.g.
``reset-mid-bundle=3,sessions=1`` (reset the connection in the middle of the fourth
bundle, in the first session only).  Each name sets one field of :class:`Faults`:

=====================  ==================================================================
name                   what the simulated FMC does
=====================  ==================================================================
``close-mid-bundle``   after N bundles (default 1), sends half a bundle and closes
``reset-mid-bundle``   after N bundles (default 1), sends half a bundle and resets (RST)
``stall``              after N bundles (default 1), sends nothing more, not even keep-alives
``error-mid-stream``   after N bundles (default 1), sends an Error message and closes
``truncated-record``   after N bundles (default 1), sends a bundle whose last record is cut
``restart``            after N bundles (default 1), restarts: resets every connection and
                       refuses new ones for ``restart-downtime`` seconds (default 1)
``error-at-request``   answers the request with Error 19 "No space" and closes
``huge-length``        announces a 4 GiB message instead of the first bundle
``header-version``     sends the first bundle with header version N (default 2)
``unknown-record``     puts a record of type N (default 9999) first in the first bundle
``unknown-message``    sends a message of type N (default 77) before the first bundle
``truncated-block``    puts a metadata record with a block running past its end first
``sessions``           applies everything above to the first N sessions only
=====================  ==================================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from cef_connector.errors import ConfigError
from cef_connector.simulator.server import Faults

__all__ = ["FAULT_NAMES", "parse_faults"]


def _count(field: str, default: int = 1) -> tuple[Callable[[str | None], dict[str, Any]], str]:
    def build(value: str | None) -> dict[str, Any]:
        return {field: _integer(value, default, minimum=0)}

    return build, f"N bundles (default {default})"


def _flag(field: str) -> tuple[Callable[[str | None], dict[str, Any]], str]:
    def build(value: str | None) -> dict[str, Any]:
        if value is not None:
            raise ValueError("takes no value")
        return {field: True}

    return build, "no value"


def _number(field: str, default: int, minimum: int) -> tuple[Callable[[str | None], dict[str, Any]], str]:
    def build(value: str | None) -> dict[str, Any]:
        return {field: _integer(value, default, minimum)}

    return build, f"a number (default {default})"


def _seconds(field: str) -> tuple[Callable[[str | None], dict[str, Any]], str]:
    def build(value: str | None) -> dict[str, Any]:
        if value is None:
            raise ValueError("needs seconds, e.g. =2.5")
        seconds = float(value)
        if not seconds >= 0:
            raise ValueError("needs seconds of at least 0")
        return {field: seconds}

    return build, "seconds"


def _error_at_request(value: str | None) -> dict[str, Any]:
    if value is not None:
        raise ValueError("takes no value")
    return {"error": (19, "No space")}


def _integer(value: str | None, default: int, minimum: int) -> int:
    if value is None:
        return default
    number = int(value)
    if number < minimum:
        raise ValueError(f"needs a whole number of at least {minimum}")
    return number


_SCENARIOS: dict[str, tuple[Callable[[str | None], dict[str, Any]], str]] = {
    "close-mid-bundle": _count("close_mid_message_after"),
    "reset-mid-bundle": _count("reset_mid_message_after"),
    "stall": _count("stall_after"),
    "error-mid-stream": _count("error_after"),
    "truncated-record": _count("truncate_record_after"),
    "restart": _count("restart_after"),
    "restart-downtime": _seconds("restart_downtime"),
    "error-at-request": (_error_at_request, "no value"),
    "huge-length": _flag("huge_length"),
    "header-version": _number("header_version", 2, 0),
    "unknown-record": _number("unknown_record_type", 9999, 0),
    "unknown-message": _number("unknown_message_type", 77, 0),
    "truncated-block": _flag("truncated_block"),
    "sessions": _number("sessions", 1, 1),
}

#: Every scenario name ``parse_faults`` knows, in the order of the module docstring.
FAULT_NAMES: tuple[str, ...] = tuple(_SCENARIOS)


def parse_faults(text: str) -> Faults:
    """Build the fault switches from a ``--faults`` specification.

    Args:
        text: e.g. ``"reset-mid-bundle=3,sessions=1"`` (see the module docstring).

    Returns:
        The switches; empty text gives no faults.

    Raises:
        ConfigError: an unknown name or a bad value (every problem at once).
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        entry = _SCENARIOS.get(name)
        if entry is None:
            problems.append(f"{name!r} is not a fault scenario; known: {', '.join(FAULT_NAMES)}")
            continue
        build, takes = entry
        try:
            values.update(build(value.strip() if sep else None))
        except ValueError as exc:
            problems.append(f"{item!r}: {exc} ({name} takes {takes})")
    if problems:
        raise ConfigError(f"--faults {text!r} is not a valid fault specification", problems)
    return dataclasses.replace(Faults(), **values)
