"""Load-time rewrites change nothing: inlined macros and generated code print what Jinja prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from cef_connector.mapping import codegen, compiler
from cef_connector.mapping.engine import MappingTable, NamesView, jinja_context
from cef_connector.mapping.environment import create_environment, printed
from cef_connector.mapping.samples import SAMPLES

from .helpers import REPO

TEMPLATES = {path.name: path.read_text(encoding="utf-8") for path in (REPO / "templates").glob("*.j2")}


def plain_environment() -> SandboxedEnvironment:
    """The mapping environment without any load-time rewriting: macros are called."""
    environment = create_environment(TEMPLATES)
    for name in TEMPLATES:
        environment.globals[name[: -len(".j2")]] = environment.get_template(name).module
    return environment


def value_sources(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    values = [(key, str(data[key])) for key in ("signature_id", "name", "severity")]
    values += [(key, str(text)) for key, text in data["extensions"].items()]
    return values


MAPPING_FILES = sorted((REPO / "mappings").glob("*/*.yaml"))
MAPPING_FILES = [path for path in MAPPING_FILES if path.name != "_defaults.yaml"]


@pytest.mark.parametrize("path", MAPPING_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_compiled_values_print_what_plain_jinja_with_macro_calls_prints(
    path: Path, default_table: MappingTable, compat_table: MappingTable
) -> None:
    table = default_table if path.parent.name == "default" else compat_table
    environment = plain_environment()
    sources = value_sources(path)
    record_types = yaml.safe_load(path.read_text(encoding="utf-8"))["record_types"]
    mapping = table.compiled(record_types[0])
    for sample in (s for s in SAMPLES if s.record_type in record_types):
        for names in (sample.names, {}):
            compiled = mapping.render(sample.fields, NamesView(names), sample.record_type, sample.archive_timestamp)
            context = jinja_context(environment.globals, sample.fields, names, sample.record_type,
                                    sample.archive_timestamp)
            plain = [environment.from_string(source).render(context) for _, source in sources]
            assert compiled == plain, sample.label


def test_single_expression_macros_are_inlined() -> None:
    environment = plain_environment()
    macros = compiler.find_inline_macros(environment, {"macros": environment.parse(TEMPLATES["macros.j2"])})
    assert {name for _, name in macros} >= {"epoch_ms", "ipv4_address", "name_or_id", "intrusion_signature_id"}
    tree = compiler.prepare_value(environment, "{{ macros.epoch_ms(a, b) }}", macros)
    assert "Call" not in repr(tree)


def test_macro_with_statements_is_not_inlined() -> None:
    environment = create_environment({"m.j2": "{% macro f(x) %}{% if x %}{{ x }}{% endif %}{% endmacro %}"})
    assert compiler.find_inline_macros(environment, {"m": environment.parse("{% macro f(x) %}{% if x %}{{ x }}"
                                                                          "{% endif %}{% endmacro %}")}) == {}


def test_macro_reading_a_free_variable_is_not_inlined() -> None:
    source = "{% macro f(x) %}{{ x ~ clientUrl }}{% endmacro %}"
    environment = create_environment({"m.j2": source})
    assert compiler.find_inline_macros(environment, {"m": environment.parse(source)}) == {}


@pytest.mark.parametrize(
    "call", ["{{ macros.epoch_ms() }}", "{{ macros.epoch_ms(a, b, c) }}", "{{ macros.epoch_ms(a, nope=1) }}",
             "{{ macros.epoch_ms(*xs) }}"],
)
def test_calls_that_do_not_fit_the_signature_are_left_to_jinja(call: str) -> None:
    environment = plain_environment()
    macros = compiler.find_inline_macros(environment, {"macros": environment.parse(TEMPLATES["macros.j2"])})
    assert "Call" in repr(compiler.prepare_value(environment, call, macros))


# --- generated code versus Jinja on assorted expressions ---------------------------------

EXPRESSIONS = [
    "{{ a }}", "x{{ a }}y{{ b }}z", "{{ a ~ b ~ 1 }}", "{{ a + 1 if a is number else a }}",
    "{{ (a * 2) // 3 % 5 - -a }}", "{{ a / 4 }}", "{{ a > 2 and b != 'x' or not c }}",
    "{{ a in (1, 2, 3) }}", "{{ b not in ['p', 'q'] }}", "{{ 1 < a <= 9 }}",
    "{{ names.x | default('none') }}", "{{ names['y'] | default(b) }}", "{{ b | upper | replace('A', '=') }}",
    "{{ b | truncate(5, true, '') }}", "{{ c is defined }}", "{{ names.x is defined }}", "{{ none }}",
    "{{ b | default('d', true) }}", "{{ (a, b) }}", "{{ [a, b] | join('|') }}", "{{ b[0] }}",
    "{{ b.upper() }}", "{% if a %}yes{% else %}no{% endif %}", "{{ a if a }}", "{{ 2 ** 3 }}",
    "{{ range(3) | list }}", "{{ b | length }}", "{{ -1.5 }}", "{{ 'x' * 3 }}",
]


@pytest.mark.parametrize("source", EXPRESSIONS)
@pytest.mark.parametrize(
    ("fields", "names"),
    [({"a": 3, "b": "ab=\x1fc", "c": None}, {"x": "X"}), ({"a": 0, "b": "", "c": 0}, {"y": "Y"})],
)
def test_generated_code_prints_what_jinja_prints(source: str, fields: dict[str, Any], names: dict[str, str]) -> None:
    environment = create_environment({})
    tree = compiler.prepare_value(environment, source, {})
    template = compiler.compile_single(environment, tree)

    def fallback(index: int, f: Any, n: Any, rt: int, ts: Any) -> str:
        context = jinja_context(environment.globals, f, n, rt, ts)
        return "".join(template.root_render_func(template.new_context(context, True)))

    generated = codegen.generate_renderer(environment, [tree], fallback, printed, "test")
    try:
        expected: Any = [fallback(0, fields, NamesView(names), 71, None)]
    except Exception as exc:  # noqa: BLE001 - then both must fail alike
        with pytest.raises(type(exc)):
            generated.render(fields, NamesView(names), 71, None)
        return
    assert generated.render(fields, NamesView(names), 71, None) == expected


def test_undefined_field_raises_the_same_error_in_generated_code() -> None:
    environment = create_environment({})
    tree = compiler.prepare_value(environment, "{{ missing }}", {})
    generated = codegen.generate_renderer(environment, [tree], lambda *a: "", printed, "test")
    with pytest.raises(Exception, match="'missing' is undefined"):
        generated.render({}, {}, 71, None)  # the same UndefinedError Jinja raises


def test_generated_source_contains_no_mapping_text_outside_literals() -> None:
    environment = create_environment({})
    hostile = "{{ a }}'); import os #\" {{ names['\\'] + x'] | default(1) }}"
    tree = compiler.prepare_value(environment, hostile, {})
    generated = codegen.generate_renderer(environment, [tree], lambda *a: "", printed, "test")
    assert "import os" not in generated.source.replace(repr("'); import os #\" "), "")
    assert generated.render({"a": 1}, NamesView({}), 71, None) == ["1'); import os #\" 1"]


@settings(max_examples=80, deadline=None)
@given(a=st.one_of(st.integers(-5, 5), st.text(max_size=3), st.none()),
       b=st.one_of(st.text(max_size=5), st.integers(0, 3)),
       x=st.one_of(st.just(None), st.text(max_size=3)))
def test_generated_code_matches_jinja_on_random_values(a: Any, b: Any, x: str | None) -> None:
    environment = create_environment({})
    sources = ["{{ a }}", "{{ a ~ b }}", "{{ names.x | default(a) }}", "{{ a if b else x }}", "{{ b | string | upper }}"]
    trees = [compiler.prepare_value(environment, source, {}) for source in sources]
    templates = [compiler.compile_single(environment, tree) for tree in trees]
    fields = {"a": a, "b": b, "x": x}
    names = {} if x is None else {"x": x}
    generated = codegen.generate_renderer(environment, trees, lambda *args: "", printed, "test")
    context = jinja_context(environment.globals, fields, names, 71, None)
    expected = []
    for template in templates:
        try:
            expected.append("".join(template.root_render_func(template.new_context(context, True))))
        except Exception as exc:  # noqa: BLE001 - both must fail alike
            expected.append(type(exc).__name__)
    try:
        got = generated.render(fields, NamesView(names), 71, None)
    except Exception as exc:  # noqa: BLE001
        assert type(exc).__name__ in expected
    else:
        assert got == expected


def test_strict_undefined_is_the_undefined_type() -> None:
    assert create_environment({}).undefined is StrictUndefined
