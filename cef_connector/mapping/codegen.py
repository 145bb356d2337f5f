"""Translation of mapping value ASTs into one plain Python render function.

A Jinja render pays for a generator, a context object, a name resolution per
variable and a sandbox lookup per item access.  Mapping values are small
expressions, so the loader translates the common subset of Jinja expressions
into one Python function per mapping file::

    def render(f, n, rt, ts):      # fields, names, record type, archive timestamp
        return [<signature_id>, <name>, <severity>, <extension 1>, ...]

The translation mirrors Jinja's own code generator for that subset, so the text
is the same as Jinja would print (the loader checks this on every sample record
at startup, and tests check it property-wise):

* text → the literal; ``{{ e }}`` → ``str(finalize(e))``;
* field names → ``f[name]``, or ``environment.undefined(name=…)`` when absent
  (StrictUndefined, exactly like Jinja's name resolution);
* ``names.x`` / ``names["x"]`` → ``n["x"]`` (the engine's names dict returns an
  undefined value for a missing key, as Jinja's sandbox ``getitem`` does);
* constants, ``~``, arithmetic (not ``**``), comparisons, ``and``/``or``/``not``,
  ``a if b else c``, tuples and lists: the same Python operators Jinja emits
  (the sandbox intercepts none of them by default);
* filters and tests: a direct call of the function registered on the
  environment, with the environment or eval context first when the function
  asks for it — what Jinja's generated code does.

Nothing else is translated: attribute access, calls, ``{% if %}``/``{% for %}``
blocks, ``**`` and anything unusual keep going through Jinja's sandboxed
template for that value.  No text from a mapping is ever pasted into the
generated source: constants go through ``repr`` of a ``str``/``int``/``float``/
``bool``/``None``, names through ``repr`` of a ``str``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.environment import Environment
from jinja2.nodes import EvalContext
from jinja2.utils import _PassArg

__all__ = ["Unsupported", "GeneratedRenderer", "generate_renderer", "translatable"]

Renderer = Callable[[Mapping[str, Any], Mapping[str, Any], int, Any], list[str]]


@dataclass(frozen=True)
class GeneratedRenderer:
    """The generated render function of one mapping file.

    Attributes:
        render: ``render(fields, names, record_type, archive_timestamp) -> list[str]``.
        source: the generated Python source (for debugging).
        jinja_slots: indices of the values rendered by their Jinja template.
    """

    render: Renderer
    source: str
    jinja_slots: tuple[int, ...]

_BINARY: dict[type[nodes.BinExpr], str] = {
    nodes.Add: "+", nodes.Sub: "-", nodes.Mul: "*", nodes.Div: "/",
    nodes.FloorDiv: "//", nodes.Mod: "%",
}
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "in": "in", "notin": "not in"}
_CONTEXT_ARGS = {"names": "n", "record_type": "rt", "archive_timestamp": "ts"}
_CONST_TYPES = (str, int, float, bool, type(None))


def _is_literal(value: Any) -> bool:
    """True for values whose ``repr`` is a Python literal of the same value."""
    if type(value) in _CONST_TYPES:
        return not (type(value) is float and not math.isfinite(value))  # nan/inf have no literal
    if type(value) in (tuple, list):
        return all(_is_literal(item) for item in value)
    return False


class Unsupported(Exception):
    """The value uses a construct outside the translated subset (Jinja renders it)."""


class _Translator:
    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.fields: dict[str, str] = {}  # field name → local variable
        self.functions: dict[str, Any] = {}  # global name in generated code → object
        self._symbols: dict[int, str] = {}

    def function(self, prefix: str, obj: Any) -> str:
        symbol = self._symbols.get(id(obj))
        if symbol is None:
            symbol = f"{prefix}_{len(self.functions)}"
            self._symbols[id(obj)] = symbol
            self.functions[symbol] = obj
        return symbol

    def field(self, name: str) -> str:
        if name not in self.fields:
            self.fields[name] = f"v{len(self.fields)}"
        return self.fields[name]

    def slot(self, tree: nodes.Template) -> str:
        parts: list[str] = []
        for statement in tree.body:
            if not isinstance(statement, nodes.Output):
                raise Unsupported(type(statement).__name__)
            for child in statement.nodes:
                if isinstance(child, nodes.TemplateData):
                    if child.data:
                        parts.append(repr(str(child.data)))
                else:
                    parts.append(f"_print({self.expr(child)})")
        if not parts:
            return "''"
        return " + ".join(parts)

    def call_prefix(self, kind: str, name: str) -> str:
        table = self.environment.filters if kind == "filter" else self.environment.tests
        func = table.get(name)
        if func is None:
            raise Unsupported(f"{kind} {name}")
        symbol = self.function("F" if kind == "filter" else "T", func)
        pass_arg = _PassArg.from_obj(func)  # type: ignore[type-var]
        if pass_arg is None:
            return f"{symbol}("
        if pass_arg is _PassArg.environment:
            return f"{symbol}(_environment, "
        if pass_arg is _PassArg.eval_context:
            return f"{symbol}(_eval_context, "
        raise Unsupported(f"{kind} {name} needs the template context")

    def arguments(self, node: nodes.Filter | nodes.Test) -> str:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Unsupported("*args/**kwargs")
        pieces = [self.expr(arg) for arg in node.args]
        for keyword in node.kwargs:
            if not isinstance(keyword, nodes.Keyword) or not keyword.key.isidentifier():
                raise Unsupported("keyword")
            pieces.append(f"{keyword.key}={self.expr(keyword.value)}")
        return "".join(", " + piece for piece in pieces)

    def expr(self, node: nodes.Node) -> str:  # noqa: C901 - one branch per node type
        if isinstance(node, nodes.Const):
            # Jinja's optimizer folds constant tuples into one Const.
            if not _is_literal(node.value):
                raise Unsupported("constant")
            return repr(node.value)
        if isinstance(node, nodes.Name):
            if node.ctx != "load":
                raise Unsupported("store")
            if node.name in _CONTEXT_ARGS:
                return _CONTEXT_ARGS[node.name]
            if node.name in self.environment.globals:
                raise Unsupported("global")
            return self.field(node.name)
        if isinstance(node, nodes.Getitem):
            target = node.node
            if (
                isinstance(target, nodes.Name)
                and target.name == "names"
                and isinstance(node.arg, nodes.Const)
                and isinstance(node.arg.value, str)
            ):
                return f"n[{node.arg.value!r}]"
            raise Unsupported("item access")
        if isinstance(node, nodes.Filter):
            if node.node is None:
                raise Unsupported("filter block")
            return self.call_prefix("filter", node.name) + self.expr(node.node) + self.arguments(node) + ")"
        if isinstance(node, nodes.Test):
            return self.call_prefix("test", node.name) + self.expr(node.node) + self.arguments(node) + ")"
        if isinstance(node, nodes.CondExpr):
            if node.expr2 is None:
                raise Unsupported("if without else")
            return f"({self.expr(node.expr1)} if {self.expr(node.test)} else {self.expr(node.expr2)})"
        if isinstance(node, nodes.Compare):
            text = self.expr(node.expr)
            for operand in node.ops:
                text += f" {_COMPARE[operand.op]} {self.expr(operand.expr)}"
            return f"({text})"
        if isinstance(node, nodes.And):
            return f"({self.expr(node.left)} and {self.expr(node.right)})"
        if isinstance(node, nodes.Or):
            return f"({self.expr(node.left)} or {self.expr(node.right)})"
        if isinstance(node, nodes.Not):
            return f"(not {self.expr(node.node)})"
        if isinstance(node, nodes.Neg):
            return f"(-{self.expr(node.node)})"
        if isinstance(node, nodes.Pos):
            return f"(+{self.expr(node.node)})"
        if isinstance(node, nodes.BinExpr) and type(node) in _BINARY:
            return f"({self.expr(node.left)} {_BINARY[type(node)]} {self.expr(node.right)})"
        if isinstance(node, nodes.Concat):
            return "_str_join((" + "".join(self.expr(child) + ", " for child in node.nodes) + "))"
        if isinstance(node, nodes.Tuple):
            if node.ctx != "load":
                raise Unsupported("store")
            return "(" + "".join(self.expr(item) + ", " for item in node.items) + ")"
        if isinstance(node, nodes.List):
            return "[" + ", ".join(self.expr(item) for item in node.items) + "]"
        raise Unsupported(type(node).__name__)


def translatable(environment: Environment, tree: nodes.Template) -> bool:
    """Return True when a prepared value is rendered by generated Python code.

    Args:
        environment: the mapping environment.
        tree: a prepared value AST.

    Returns:
        Whether :func:`generate_renderer` translates it (False: Jinja renders it).
    """
    try:
        _Translator(environment).slot(tree)
    except Unsupported:
        return False
    return True


def generate_renderer(
    environment: Environment,
    trees: Sequence[nodes.Template],
    fallback: Callable[[int, Mapping[str, Any], Mapping[str, Any], int, Any], str],
    printer: Callable[[Any], str],
    source_name: str,
) -> GeneratedRenderer:
    """Build the render function of one mapping file.

    Args:
        environment: the mapping environment (filters, tests, undefined type).
        trees: the prepared value ASTs, in slot order.
        fallback: renders slot ``i`` with Jinja: ``fallback(i, f, n, rt, ts) -> str``.
        printer: what printing a value gives: ``str(finalize(value))``.
        source_name: the mapping file name (shown in tracebacks of generated code).

    Returns:
        The render function, its source and the values left to Jinja.
    """
    translator = _Translator(environment)
    expressions: list[str] = []
    jinja_slots: list[int] = []
    for index, tree in enumerate(trees):
        try:
            expressions.append(translator.slot(tree))
        except Unsupported:
            expressions.append(f"_fallback({index}, f, n, rt, ts)")
            jinja_slots.append(index)
    undefined = environment.undefined
    lines = ["def render(f, n, rt, ts):"]
    for name, variable in translator.fields.items():
        lines.append(f"    {variable} = f[{name!r}] if {name!r} in f else _undefined(name={name!r})")
    lines.append("    return [")
    lines.extend(f"        {expression}," for expression in expressions)
    lines.append("    ]")
    source = "\n".join(lines) + "\n"

    namespace: dict[str, Any] = {
        "__builtins__": {},
        "_print": printer,
        "_undefined": undefined,
        "_str_join": lambda seq: "".join(map(str, seq)),
        "_environment": environment,
        "_eval_context": EvalContext(environment),
        "_fallback": fallback,
        **translator.functions,
    }
    code = compile(source, f"<mapping {source_name}>", "exec")
    exec(code, namespace)  # noqa: S102 - source built only from repr() of constants and names
    return GeneratedRenderer(namespace["render"], source, tuple(jinja_slots))
