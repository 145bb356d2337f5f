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

* text → the literal; ``{{ e }}`` → ``str(finalize(e))`` (inlined for ``None``,
  ``str`` and ``int``: the common values print without a function call);
* field names → ``f[name]``, or ``environment.undefined(name=…)`` when absent
  (StrictUndefined, exactly like Jinja's name resolution);
* ``names.x`` / ``names["x"]`` → ``n["x"]`` (the engine's names dict returns an
  undefined value for a missing key, as Jinja's sandbox ``getitem`` does);
* constants, ``~``, arithmetic (not ``**``), comparisons, ``and``/``or``/``not``,
  ``a if b else c``, tuples and lists: the same Python operators Jinja emits
  (the sandbox intercepts none of them by default);
* filters and tests: a direct call of the function registered on the
  environment, with the environment or eval context first when the function
  asks for it — what Jinja's generated code does (the ``ipv6`` filter through a
  cache of its results for ``str`` arguments: it is pure and parsing is slow).

Nothing else is translated: attribute access, calls, ``{% if %}``/``{% for %}``
blocks, ``**`` and anything unusual keep going through Jinja's sandboxed
template for that value.  No text from a mapping is ever pasted into the
generated source: constants go through ``repr`` of a ``str``/``int``/``float``/
``bool``/``None``, names through ``repr`` of a ``str``.

:func:`line_renderer` goes one step further for the hot path: one function per
mapping file that computes the values *and* writes the finished CEF line, for
records whose values need nothing but escaping from the encoder (see
``cef.encoder.LinePlan``), and ``None`` otherwise (the caller then takes the
reference path ``encode(map(...))``).  It uses the same translation, except that
it may raise a different error than Jinja would (an error only ever sends the
record to the reference path, which reports it): missing fields and names are
undefined values made once, ``names.x | default(d)`` is a dict lookup and fields
are plain subscripts when the record has them all.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.environment import Environment
from jinja2.filters import do_default
from jinja2.nodes import EvalContext
from jinja2.utils import _PassArg

from cef_connector.cef.encoder import SEVERITY_TEXTS, LinePlan
from cef_connector.mapping.filters import IANA_PROTOCOLS, cef_time, ipv4, ipv6, nonzero, proto_name

__all__ = [
    "Unsupported",
    "GeneratedRenderer",
    "GeneratedLine",
    "extensions_builder",
    "generate_renderer",
    "line_renderer",
    "translatable",
]

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


def _memoized(function: Callable[[Any], Any], limit: int = 65536) -> Callable[[Any], Any]:
    """``function`` with its results for ``str`` arguments remembered (a bounded cache).

    Only for pure one-argument filters that never raise for a ``str`` and whose result
    depends on nothing else: the wrapper then returns exactly what the filter returns,
    and passes any other argument straight to it (same result, same exception).
    """
    cache: dict[str, Any] = {}
    missing = object()

    def call(value: Any) -> Any:
        if type(value) is not str:
            return function(value)
        result = cache.get(value, missing)
        if result is missing:
            result = function(value)
            if len(cache) >= limit:
                cache.clear()
            cache[value] = result
        return result

    return call


#: Filters whose results generated code remembers: parsing an IPv6 address costs
#: microseconds, and the same addresses recur on every other line.
_MEMOIZABLE: tuple[tuple[Callable[..., Any], Callable[[Any], Any]], ...] = (
    (ipv6, _memoized(ipv6)),
    (ipv4, _memoized(ipv4)),
)


#: Filters :meth:`_Translator.inline_filter` writes inline for int arguments.
_INLINE_FILTERS = (nonzero, proto_name, cef_time)


def _remembered(function: Any) -> Callable[[Any], Any] | None:
    for original, remembered in _MEMOIZABLE:
        if function is original:
            return remembered
    return None


class Unsupported(Exception):
    """The value uses a construct outside the translated subset (Jinja renders it)."""


class _Translator:
    """Translates value ASTs to Python expressions.

    With ``fast`` (line renderers, :func:`line_renderer`) the code may differ from
    Jinja in *which* error it raises, never in what it prints when nothing is
    raised: a line renderer that raises hands the record to the reference path.
    ``names`` is then the plain names dict (no ``NamesView`` copy), missing
    fields and names are undefined objects built once, ``names.x | default(d)``
    is a dict lookup, and printing is inlined for ``str`` and ``int``.
    """

    def __init__(self, environment: Environment, fast: bool = False) -> None:
        self.environment = environment
        self.fast = fast
        self.fields: dict[str, str] = {}  # field name → local variable
        self.functions: dict[str, Any] = {}  # global name in generated code → object
        self._symbols: dict[int, str] = {}
        self._temporaries = 0
        self.missing_names: dict[str, str] = {}  # names key → global holding its undefined
        self.name_keys: set[str] = set()  # fast mode: every names key the code reads

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

    def temporary(self) -> str:
        self._temporaries += 1
        return f"t{self._temporaries}"

    def name_lookup(self, key: str) -> str:
        """Fast mode: ``names[key]``, the undefined value of NamesView when missing."""
        self.name_keys.add(key)
        missing = self.missing_names.setdefault(key, f"_N{len(self.missing_names)}")
        found = self.temporary()
        return f"({found} if ({found} := n.get({key!r}, _MISSING)) is not _MISSING else {missing})"

    def printed(self, expression: str) -> str:
        """The text printing ``expression`` gives: ``printer`` inlined for str and int.

        ``printed`` returns ``""`` for None, an exact ``str`` without the slot
        separator as it is, and ``str(value)`` for an exact ``int``; everything else
        goes through it.
        """
        value, kind = self.temporary(), self.temporary()
        return (f"('' if ({value} := {expression}) is None else {value} if ({kind} := _type({value})) "
                f"is _str and '\\x1f' not in {value} else _str({value}) if {kind} is _int "
                f"else _print({value}))")

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
                    parts.append(self.printed(self.expr(child)))
        if not parts:
            return "''"
        return " + ".join(parts)

    def call_prefix(self, kind: str, name: str) -> str:
        table = self.environment.filters if kind == "filter" else self.environment.tests
        func = table.get(name)
        if func is None:
            raise Unsupported(f"{kind} {name}")
        pass_arg = _PassArg.from_obj(func)  # type: ignore[type-var]
        remembered = _remembered(func) if kind == "filter" and pass_arg is None else None
        if remembered is not None:
            symbol = self.function("M", remembered)
        else:
            symbol = self.function("F" if kind == "filter" else "T", func)
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

    def name_default(self, node: nodes.Filter) -> str | None:
        """Fast mode: ``names.x | default(d)`` as a dict lookup (None: not that shape)."""
        target = node.node
        if (
            self.environment.filters.get(node.name) is not do_default
            or len(node.args) != 1
            or node.kwargs
            or node.dyn_args is not None
            or node.dyn_kwargs is not None
            or not isinstance(target, nodes.Getitem)
            or not isinstance(target.node, nodes.Name)
            or target.node.name != "names"
            or not isinstance(target.arg, nodes.Const)
            or not isinstance(target.arg.value, str)
        ):
            return None
        key = target.arg.value
        self.name_keys.add(key)
        fallback = self.expr(node.args[0])
        found = self.temporary()
        pick = f"{found} if ({found} := n.get({key!r}, _MISSING)) is not _MISSING else "
        if isinstance(node.args[0], (nodes.Const, nodes.Name)):
            return f"({pick}{fallback})"  # evaluating the fallback cannot raise: skip it
        # Jinja evaluates the fallback even when the name exists (it may raise): so do we,
        # first (the condition is always true; no tuple is built).
        held = self.temporary()
        return f"(({pick}{held}) if ({held} := {fallback}) is {held} else None)"

    def inline_filter(self, node: nodes.Filter) -> str | None:
        """The common case of a few hot filters as inline code (None: call it).

        For an exact ``int`` argument the code computes what the filter returns (the
        filters check ``type(x) is int`` themselves); any other value goes to the filter
        itself, so results and errors are the filter's.  Every argument is evaluated
        once, in order, as in a call.
        """
        func = self.environment.filters.get(node.name)
        if func not in _INLINE_FILTERS or node.kwargs or node.dyn_args is not None \
                or node.dyn_kwargs is not None or node.node is None:
            return None
        symbol = self.function("F", func)
        first = self.temporary()
        value = self.expr(node.node)
        if func is nonzero and not node.args:
            return f"((None if {first} == 0 else {first}) if _type({first} := {value}) is _int else {symbol}({first}))"
        if func is proto_name and not node.args:
            table = self.function("I", IANA_PROTOCOLS)
            return (f"(({table}[{first}] if {first} in {table} else _str({first})) "
                    f"if _type({first} := {value}) is _int else {symbol}({first}))")
        if func is cef_time and len(node.args) <= 1:
            if not node.args:
                return f"({first} * 1000 if _type({first} := {value}) is _int else {symbol}({first}))"
            second = self.temporary()
            other = self.expr(node.args[0])
            # "&" evaluates both sides: the second argument is computed even when the
            # first is not an int, exactly as in a call.
            return (f"({first} * 1000 + {second} // 1000 if (_type({first} := {value}) is _int) "
                    f"& (_type({second} := {other}) is _int) else {symbol}({first}, {second}))")
        return None

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
                if self.fast and node.name == "names":
                    raise Unsupported("names as a whole")  # n is not a NamesView here
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
                if self.fast:
                    return self.name_lookup(node.arg.value)
                return f"n[{node.arg.value!r}]"
            raise Unsupported("item access")
        if isinstance(node, nodes.Filter):
            if node.node is None:
                raise Unsupported("filter block")
            if self.fast:
                shortcut = self.name_default(node)
                if shortcut is not None:
                    return shortcut
            inline = self.inline_filter(node)
            if inline is not None:
                return inline
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
        "_str": str,
        "_int": int,
        "_type": type,
        "_undefined": undefined,
        "_str_join": lambda seq: "".join(map(str, seq)),
        "_environment": environment,
        "_eval_context": EvalContext(environment),
        "_fallback": fallback,
        **translator.functions,
    }
    code = compile(source, f"<mapping {source_name}>", "exec")
    exec(code, namespace)  # noqa: S102 - source built only from repr() of constants and names
    render = namespace["render"]
    _LINE_SOURCES[render] = _LineSource(environment, tuple(trees), printer, source_name)
    return GeneratedRenderer(render, source, tuple(jinja_slots))


# --- line renderers ------------------------------------------------------------------------

LineRenderer = Callable[[Mapping[str, Any], Mapping[str, Any], int, Any], "str | None"]


@dataclass(frozen=True)
class GeneratedLine:
    """The generated line renderer of one mapping file.

    Attributes:
        render_line: ``render_line(fields, names, record_type, archive_timestamp)``
            returning the finished CEF line, or ``None`` when a value needs work that
            only ``cef.encode`` does (escaping, trimming, truncation, a type problem).
            ``names`` is the plain names dict; it raises where the reference path may
            raise (the caller then takes the reference path, which reports the error).
        source: the generated Python source (for debugging).
        name_keys: every ``names`` key the values read (the only ones ``names`` needs
            to hold: :func:`line_renderer` refuses a value that uses ``names`` whole).
    """

    render_line: LineRenderer
    source: str
    name_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _LineSource:
    environment: Environment
    trees: tuple[nodes.Template, ...]
    printer: Callable[[Any], str]
    source_name: str


#: What :func:`line_renderer` needs, kept for each render function generate_renderer made.
_LINE_SOURCES: weakref.WeakKeyDictionary[Callable[..., Any], _LineSource] = weakref.WeakKeyDictionary()

#: Marks a names key that is absent (``None`` can be a value).
_MISSING = object()


def line_renderer(
    render: Callable[..., Any],
    plan: LinePlan,
    missing_name: Callable[[str], Any],
) -> GeneratedLine | None:
    """Build the function that writes finished CEF lines for one mapping file.

    One generated function computes every value (as ``render`` does), checks
    that each is clean in the sense of :class:`~cef_connector.cef.encoder.LinePlan`
    and joins them into the line; the line is what ``encode(map(...))`` returns for
    the same record, because it is written only when ``encode`` would copy every
    value unchanged (text values: escaped).

    Args:
        render: a render function made by :func:`generate_renderer`.
        plan: the encoder's plan for this mapping's extension keys, in slot order.
        missing_name: the value of ``names[key]`` for a missing key (the engine's
            undefined value).

    Returns:
        The line renderer, or ``None`` when some value is outside the translated
        subset, or the function was not made by :func:`generate_renderer`.
    """
    origin = _LINE_SOURCES.get(render)
    if origin is None or len(origin.trees) != len(plan.extensions) + 3:
        return None
    translator = _Translator(origin.environment, fast=True)
    try:
        values = [translator.slot(tree) for tree in origin.trees]
    except Unsupported:
        return None
    body: list[str] = []
    header_checks: list[str] = []
    for index, (tree, limit) in enumerate(zip(origin.trees[:2], (plan.signature_max, plan.name_max))):
        constant = _constant_text(tree)
        if constant is not None:
            if not LinePlan.clean_header(constant, limit):
                return None  # encode changes or refuses it on every record
            body.append(f"    h{index} = {constant!r}")
        else:
            body.append(f"    h{index} = {values[index]}")
            header_checks.append(
                f"not (h{index}.isprintable() and '\\\\' not in h{index} and '|' not in h{index} "
                f"and 0 < _len(h{index}) <= {limit})"
            )
    body += [f"    h2 = _SEVERITY.get({values[2]})", "    if h2 is None:", "        return None"]
    if header_checks:
        body += [f"    if {' or '.join(header_checks)}:", "        return None"]
    namespace: dict[str, Any] = {}
    parts: list[str] = []
    typed: list[str] = []
    texts: list[str] = []
    by_limit: dict[int, list[str]] = {}
    for index, (planned, value) in enumerate(zip(plan.extensions, values[3:])):
        variable = f"x{index}"
        body.append(f"    {variable} = {value}")
        parts.append(f"{variable} and {planned.prefix!r} + {variable}")
        if planned.label is not None:
            parts.append(f"{variable} and {planned.label!r}")
        if planned.check is not None:
            namespace[f"_C{index}"] = planned.check
            quick = f"({variable}.isdigit() and {variable}.isascii()) or " if planned.digits else ""
            typed.append(f"({variable} and not ({quick}_C{index}({variable})))")
        else:
            texts.append(variable)
            by_limit.setdefault(planned.max_length or 0, []).append(variable)
    if typed:
        body += [f"    if {' or '.join(typed)}:", "        return None"]
    if texts:
        # Text values: printable, no leading or trailing space (seen around the "|"
        # joints; a "|" inside a value may refuse a clean line, never accept a dirty one),
        # not longer than the key allows; then only "\\" and "=" need escaping.
        body += [f"    j = '|'.join(({''.join(v + ', ' for v in texts)}))",
                 "    if '| ' in j or ' |' in j or j[:1] == ' ' or j[-1:] == ' ' or not (j.isprintable()",
                 "            or j.replace('\\n', '').replace('\\r', '').isprintable()):",
                 "        return None",
                 "    size = _len(j)"]
        for limit, variables in sorted(by_limit.items()):
            longer = " or ".join(f"_len({v}) > {limit}" for v in variables)
            body += [f"    if size > {limit} and ({longer}):", "        return None"]
        body.append("    if '\\\\' in j or '=' in j or '\\n' in j or '\\r' in j:")
        body += [f"        {v} = {v}.replace('\\\\', '\\\\\\\\').replace('=', '\\\\=')"
                 f".replace('\\n', '\\\\n').replace('\\r', '\\\\r')" for v in texts]
    if parts:
        body += ["    e = ' '.join([*_filter(None, (", *(f"        {part}," for part in parts), "    ))])"]
    else:
        body.append("    e = ''")
    body.append(f"    return {plan.head!r} + h0 + '|' + h1 + '|' + h2 + '|' + e")

    # The fields: plain subscripts for a dict that has them all (the usual case), else
    # the same body with missing fields as undefined values (what Jinja sees).
    fields = list(translator.fields.items())
    undefined = origin.environment.undefined
    fast = ["def render_line(f, n, rt, ts):", "    if _type(f) is not _dict:",
            "        return _render_line_get(f, n, rt, ts)"]
    if fields:
        fast.append("    try:")
        fast += [f"        {variable} = f[{name!r}]" for name, variable in fields]
        fast += ["    except KeyError:", "        return _render_line_get(f, n, rt, ts)"]
    slow = ["def _render_line_get(f, n, rt, ts):", "    fget = f.get"]
    for index, (name, variable) in enumerate(fields):
        namespace[f"_U{index}"] = undefined(name=name)
        slow.append(f"    {variable} = fget({name!r}, _U{index})")
    source = "\n".join(fast + body + [""] + slow + body) + "\n"
    for key, symbol in translator.missing_names.items():
        namespace[symbol] = missing_name(key)
    namespace.update({
        "__builtins__": {},
        "_print": origin.printer,
        "_str": str,
        "_int": int,
        "_dict": dict,
        "_type": type,
        "_len": len,
        "_filter": filter,
        "KeyError": KeyError,
        "_MISSING": _MISSING,
        "_SEVERITY": SEVERITY_TEXTS,
        "_str_join": lambda seq: "".join(map(str, seq)),
        "_environment": origin.environment,
        "_eval_context": EvalContext(origin.environment),
        **translator.functions,
    })
    code = compile(source, f"<mapping lines {origin.source_name}>", "exec")
    exec(code, namespace)  # noqa: S102 - source built only from repr() of constants and names
    return GeneratedLine(namespace["render_line"], source, frozenset(translator.name_keys))


def extensions_builder(
    plan: Sequence[tuple[str, tuple[str, str] | None]], first: int
) -> Callable[[Sequence[str]], tuple[tuple[str, str], ...]]:
    """Build ``build(values)``: the ``(key, value)`` pairs of the non-empty values.

    Args:
        plan: each extension slot's key and ``(label key, label text)`` or ``None``.
        first: index of the first extension slot in ``values``.

    Returns:
        A function giving, in slot order, ``(key, value)`` for each non-empty value,
        followed by its label pair.
    """
    items: list[str] = []
    for offset, (key, label) in enumerate(plan):
        value = f"x[{first + offset}]"
        items.append(f"{value} and ({key!r}, {value})")
        if label is not None:
            items.append(f"{value} and {(str(label[0]), str(label[1]))!r}")
    source = "def build(x):\n    return (*_filter(None, (\n" + "".join(
        f"        {item},\n" for item in items) + "    )),)\n"
    namespace: dict[str, Any] = {"__builtins__": {}, "_filter": filter}
    exec(compile(source, "<mapping extensions>", "exec"), namespace)  # noqa: S102 - repr() only
    build: Callable[[Sequence[str]], tuple[tuple[str, str], ...]] = namespace["build"]
    return build


def _constant_text(tree: nodes.Template) -> str | None:
    """The text of a value made of literal text only, else None."""
    texts: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            return None
        for child in statement.nodes:
            if not isinstance(child, nodes.TemplateData):
                return None
            texts.append(str(child.data))
    return "".join(texts)
