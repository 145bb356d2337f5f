"""The single Jinja environment that every mapping expression is compiled in.

* ``SandboxedEnvironment``: operators edit the mappings, so templates may not
  reach Python internals (architecture §4, Jinja ``docs/sandbox.rst``).
* ``undefined=StrictUndefined``: a misspelt field fails at load time instead of
  silently producing an empty value.
* ``autoescape=False``: the output is CEF, not HTML; the CEF encoder escapes.
* ``finalize``: ``None`` prints as nothing (so the CEF key is omitted — never
  the text ``None``, CEF doc §5.11 D5), and the slot separator is blanked out
  of every printed value.

The loader compiles all value templates of one mapping file into one template
whose values are separated by :data:`SLOT_SEPARATOR` (U+001F, a C0 control that
the CEF encoder would turn into a space anyway).  Because ``finalize`` replaces
it in every printed value and the loader rejects it in literal template text,
splitting the rendered text on it is exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import DictLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from cef_connector.mapping.filters import FILTERS

__all__ = ["SLOT_SEPARATOR", "MACRO_OUTPUT_FILTER", "finalize", "printed", "create_environment"]

#: Separates the rendered values of one mapping file (see module docstring).
SLOT_SEPARATOR = "\x1f"

#: Internal filter used by the loader when it inlines a macro (str of a printed value).
MACRO_OUTPUT_FILTER = "macro_output"


def finalize(value: Any) -> Any:
    """Post-process every ``{{ … }}`` value before Jinja turns it into text.

    Args:
        value: the expression's value.

    Returns:
        ``""`` for ``None``; a string with U+001F replaced by a space; anything
        else unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, str) and SLOT_SEPARATOR in value:
        return str.replace(value, SLOT_SEPARATOR, " ")
    return value


def printed(value: Any) -> str:
    """Return the text Jinja prints for ``{{ value }}`` in this environment.

    Args:
        value: the expression's value.

    Returns:
        ``str(finalize(value))``, computed in one call.

    Raises:
        jinja2.UndefinedError: ``value`` is undefined (as printing it would).
    """
    if value is None:
        return ""
    if isinstance(value, str):
        if SLOT_SEPARATOR in value:
            return str(str.replace(value, SLOT_SEPARATOR, " "))
        return str(value)
    return str(value)


def _macro_output(value: Any) -> str:
    # What a macro's {{ value }} would have printed.  str() of a StrictUndefined
    # raises UndefinedError, as the macro would.
    return printed(value)


def create_environment(templates: Mapping[str, str]) -> SandboxedEnvironment:
    """Create the mapping environment.

    Args:
        templates: shared template sources by file name (``macros.j2`` → text);
            mappings may ``{% import %}`` them, and the loader also exposes each
            one's macros as a global named after the file stem.

    Returns:
        A sandboxed environment with the mapping filters registered.
    """
    environment = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=finalize,
        loader=DictLoader(dict(templates)),
        auto_reload=False,
    )
    environment.filters.update(FILTERS)
    environment.filters[MACRO_OUTPUT_FILTER] = _macro_output
    return environment
