"""The loader's static checks: how long a value can print, which constants a severity can be."""

from __future__ import annotations

import pytest

from cef_connector.mapping import compiler
from cef_connector.mapping.environment import create_environment
from cef_connector.mapping.record_fields import printed_length_bound, record_fields

MACROS = ("{% macro epoch_ms(seconds, microseconds=0) -%}{{ seconds | cef_time(microseconds) }}"
          "{%- endmacro %}")
FIELDS_71 = {info.name: printed_length_bound(info) for info in record_fields(71)}


def _tree(source: str):  # type: ignore[no-untyped-def]
    environment = create_environment({"macros.j2": MACROS})
    module = environment.parse(MACROS)
    environment.globals["macros"] = environment.get_template("macros.j2").module
    macros = compiler.find_inline_macros(environment, {"macros": module})
    return compiler.prepare_value(environment, source, macros)


@pytest.mark.parametrize(("source", "bound"), [
    ("{{ macros.epoch_ms(eventSecond, eventMicrosecond) }}", 13),
    ("{{ initiatorIpAddress | ipv4 }}", 15),
    ("{{ initiatorIpAddress }}", 39),
    ("{{ sslSessionId }}", 64),
    ("{{ ingressZone }}-{{ initiatorPort }}", 42),
    ("x{{ 'ab' if ruleAction else 'abcd' }}", 5),
    ("{% if ruleAction %}{{ ruleId }}{% else %}none{% endif %}", 10),
    ("{{ names.user | default(userId) }}", None),
    ("{{ clientUrl }}", None),
    ("{% for x in [1, 2] %}{{ x }}{% endfor %}", None),
])
def test_printed_length_bound(source: str, bound: int | None) -> None:
    assert compiler.printed_length_bound(_tree(source), FIELDS_71) == bound


@pytest.mark.parametrize(("source", "outputs"), [
    ("{{ 3 if ruleAction < 4 else 7 }}", ["3", "7"]),
    ("{{ 3 if ruleAction < 4 else (5 if ruleReason else 12) }}", ["3", "5", "12"]),
    ("5", ["5"]),
    ("{{ 1 if ruleAction }}", ["1", ""]),
    ("{{ priorityId | severity_matrix(impact) }}", None),
])
def test_constant_outputs(source: str, outputs: list[str] | None) -> None:
    assert compiler.constant_outputs(_tree(source)) == outputs


def test_later_macro_definition_wins_when_inlining() -> None:
    environment = create_environment({})
    text = ("{% macro m(x) -%}{{ x }}{%- endmacro %}\n"
            "{% macro m(x) -%}{% if x %}{{ x }}{% endif %}{%- endmacro %}")
    assert compiler.find_inline_macros(environment, {"t": environment.parse(text)}) == {}
    reversed_text = ("{% macro m(x) -%}{% if x %}{{ x }}{% endif %}{%- endmacro %}\n"
                     "{% macro m(x) -%}{{ x }}{%- endmacro %}")
    assert list(compiler.find_inline_macros(environment, {"t": environment.parse(reversed_text)})) == [("t", "m")]
