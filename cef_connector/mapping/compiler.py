"""Compilation of a mapping file's value templates into one Jinja render function.

A mapping file has one Jinja template per value (``signature_id``, ``name``,
``severity`` and each extension key).  Rendering ~40 separate templates per
record would cost a Jinja context per value, so this module:

1. parses each value template into a Jinja AST (syntax errors name the value);
2. **inlines** calls of shared single-expression macros (``macros.epoch_ms(…)``)
   at load time — a Jinja macro call costs several microseconds per record,
   the inlined expression nothing extra; the inlined code prints exactly what
   the macro would (``finalize`` then ``str``);
3. rewrites ``names.x`` to ``names["x"]`` (same meaning for a dict in Jinja, but
   it skips the failing attribute lookup);
4. joins all value ASTs into one template, separated by
   :data:`~cef_connector.mapping.environment.SLOT_SEPARATOR`, compiled once.

It also answers the loader's static questions: which record fields and which
``names`` keys a value uses, whether it uses statements that are not allowed in
a value (only ``{% if %}`` and ``{% for %}`` are), how long its output can be
(:func:`printed_length_bound`) and which constant texts it can print
(:func:`constant_outputs`, for severities).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, nodes
from jinja2.environment import Environment
from jinja2.visitor import NodeTransformer

from cef_connector.mapping.environment import MACRO_OUTPUT_FILTER, SLOT_SEPARATOR

__all__ = [
    "InlineMacro",
    "find_inline_macros",
    "prepare_value",
    "combine",
    "compile_single",
    "referenced_variables",
    "referenced_name_keys",
    "forbidden_statements",
    "contains_slot_separator",
    "printed_length_bound",
    "constant_outputs",
]

#: Statements a value template may contain.
ALLOWED_STATEMENTS: tuple[type[nodes.Stmt], ...] = (nodes.Output, nodes.If, nodes.For)


@dataclass(frozen=True)
class InlineMacro:
    """A shared macro whose body is one printed line of text and expressions.

    Attributes:
        module: the global the macro is reached through (template file stem).
        name: the macro name.
        params: parameter names in order.
        defaults: default value expressions of the trailing parameters.
        parts: the body: ``TemplateData`` and expression nodes.
    """

    module: str
    name: str
    params: tuple[str, ...]
    defaults: Mapping[str, nodes.Expr]
    parts: tuple[nodes.Node, ...]

    def expand(self, call: nodes.Call) -> nodes.Expr | None:
        """Build the expression that prints what calling the macro prints.

        Args:
            call: a call of this macro in a value template.

        Returns:
            The replacement expression, or ``None`` to keep the call (its
            arguments do not fit the parameters; Jinja then reports it).
        """
        if call.dyn_args is not None or call.dyn_kwargs is not None or len(call.args) > len(self.params):
            return None
        bindings: dict[str, nodes.Expr] = dict(zip(self.params, call.args))
        for keyword in call.kwargs:
            if keyword.key not in self.params or keyword.key in bindings:
                return None
            bindings[keyword.key] = keyword.value
        for param in self.params:
            if param not in bindings:
                if param not in self.defaults:
                    return None
                bindings[param] = self.defaults[param]
        pieces: list[nodes.Expr] = []
        for part in self.parts:
            if isinstance(part, nodes.TemplateData):
                pieces.append(nodes.Const(part.data, lineno=call.lineno))
            else:
                body = _Substitute(bindings).visit(_clone(part))
                pieces.append(
                    nodes.Filter(body, MACRO_OUTPUT_FILTER, [], [], None, None, lineno=call.lineno)
                )
        if not pieces:
            return nodes.Const("", lineno=call.lineno)
        if len(pieces) == 1:
            return pieces[0]
        return nodes.Concat(pieces, lineno=call.lineno)


def _clone(node: Any) -> Any:
    """Copy an AST: every node and list of nodes is new, every other value is shared.

    Only the tree structure is copied (``Node.fields``); attributes such as the
    environment, and constants that hold objects (e.g. an already expanded macro's
    compiled template), are shared, which ``copy.deepcopy`` cannot do for them.
    """
    if isinstance(node, nodes.Node):
        new = copy.copy(node)
        for name in node.fields:
            setattr(new, name, _clone(getattr(node, name, None)))
        return new
    if isinstance(node, list):
        return [_clone(item) for item in node]
    if isinstance(node, tuple):
        return tuple(_clone(item) for item in node)
    return node


class _Substitute(NodeTransformer):
    """Replace parameter names by (copies of) the call's argument expressions."""

    def __init__(self, bindings: Mapping[str, nodes.Expr]) -> None:
        self.bindings = bindings

    def visit_Name(self, node: nodes.Name) -> nodes.Node:
        if node.ctx == "load" and node.name in self.bindings:
            return _clone(self.bindings[node.name])
        return node


class _Inliner(NodeTransformer):
    def __init__(self, macros: Mapping[tuple[str, str], InlineMacro]) -> None:
        self.macros = macros

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)  # arguments first (nested calls); rewrites in place
        target = node.node
        if (
            isinstance(target, nodes.Getattr)
            and isinstance(target.node, nodes.Name)
            and target.node.ctx == "load"
        ):
            macro = self.macros.get((target.node.name, target.attr))
            if macro is not None:
                replacement = macro.expand(node)
                if replacement is not None:
                    return replacement
        return node


class _UnwrapPrinted(NodeTransformer):
    """Drop the macro-output wrapper where the inlined value is printed directly.

    ``{{ macros.x(a) }}`` becomes ``{{ macro_output(expr) }}``; printing already
    applies ``finalize`` and ``str``, so ``{{ expr }}`` prints the same text.
    """

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [
            child.node
            if isinstance(child, nodes.Filter)
            and child.name == MACRO_OUTPUT_FILTER
            and not child.args
            and child.node is not None
            else child
            for child in node.nodes
        ]
        return node


class _NamesAsItems(NodeTransformer):
    def visit_Getattr(self, node: nodes.Getattr) -> nodes.Node:
        self.generic_visit(node)
        target = node.node
        if isinstance(target, nodes.Name) and target.name == "names" and target.ctx == "load":
            return nodes.Getitem(target, nodes.Const(node.attr), "load", lineno=node.lineno)
        return node


def find_inline_macros(
    environment: Environment, modules: Mapping[str, nodes.Template]
) -> dict[tuple[str, str], InlineMacro]:
    """Find the macros of the shared templates that can be inlined.

    A macro qualifies when its body is a single output of text and expressions,
    and every name it uses is a parameter or an environment global (so inlining
    cannot capture a record field).  Other macros are still callable normally.
    When a template defines a macro twice (an override template read after the
    packaged one redefines it), the last definition counts, as in Jinja.

    Args:
        environment: the mapping environment (for its globals).
        modules: parsed shared templates by global name (``macros`` → AST).

    Returns:
        ``(module, macro) → InlineMacro``.
    """
    found: dict[tuple[str, str], InlineMacro] = {}
    for module, tree in modules.items():
        for macro in tree.find_all(nodes.Macro):
            params = tuple(arg.name for arg in macro.args)
            body = list(macro.body)
            # A later definition of the same name replaces an earlier one (Jinja's rule).
            found.pop((module, macro.name), None)
            if len(body) > 1:
                continue
            parts: tuple[nodes.Node, ...] = ()
            if body:
                if not isinstance(body[0], nodes.Output):
                    continue
                parts = tuple(body[0].nodes)
            free = {
                name.name
                for part in parts
                for name in part.find_all(nodes.Name)
                if name.ctx == "load"
            }
            if any(not isinstance(part, (nodes.TemplateData, nodes.Expr)) for part in parts):
                continue
            if free - set(params) - set(environment.globals):
                continue
            defaults = dict(zip(params[len(params) - len(macro.defaults) :], macro.defaults))
            found[(module, macro.name)] = InlineMacro(module, macro.name, params, defaults, parts)
    return found


def prepare_value(
    environment: Environment, source: str, macros: Mapping[tuple[str, str], InlineMacro]
) -> nodes.Template:
    """Parse one value template and apply the load-time rewrites.

    Args:
        environment: the mapping environment.
        source: the value template text.
        macros: inlinable macros from :func:`find_inline_macros`.

    Returns:
        The rewritten AST, with environment and line numbers set.

    Raises:
        jinja2.TemplateSyntaxError: the text is not a valid template.
    """
    tree = environment.parse(source)
    # The transformers rewrite child nodes in place; the Template root stays.
    _Inliner(macros).visit(tree)
    _UnwrapPrinted().visit(tree)
    _NamesAsItems().visit(tree)
    tree.set_environment(environment)
    tree.set_lineno(1)
    return tree


def combine(environment: Environment, trees: Sequence[nodes.Template]) -> Template:
    """Compile value ASTs into one template whose output is the values joined by U+001F.

    Args:
        environment: the mapping environment.
        trees: prepared value ASTs, in slot order.

    Returns:
        The compiled template.

    Raises:
        jinja2.TemplateError: compilation failed (e.g. an unknown filter).
    """
    body: list[nodes.Node] = []
    for index, tree in enumerate(trees):
        if index:
            body.append(nodes.Output([nodes.TemplateData(SLOT_SEPARATOR, lineno=1)], lineno=1))
        body.extend(_clone(node) for node in tree.body)
    combined = nodes.Template(body, lineno=1)
    combined.set_environment(environment)
    combined.set_lineno(1)
    template: Template = environment.from_string(combined)
    return template


def compile_single(environment: Environment, tree: nodes.Template) -> Template:
    """Compile one prepared value AST on its own (used to pinpoint errors).

    Args:
        environment: the mapping environment.
        tree: a prepared value AST.

    Returns:
        The compiled template.

    Raises:
        jinja2.TemplateError: compilation failed (e.g. an unknown filter).
    """
    copy_of_tree = _clone(tree)
    assert isinstance(copy_of_tree, nodes.Template)
    template: Template = environment.from_string(copy_of_tree)
    return template


def referenced_variables(tree: nodes.Template) -> set[str]:
    """List the context variables a prepared value reads.

    Args:
        tree: a prepared value AST.

    Returns:
        Record fields, ``names``, globals … read by the value.

    A value may only hold output, ``{% if %}`` and ``{% for %}``
    (:func:`forbidden_statements`), so the names it reads are its ``Name`` nodes in
    load context, less the ``for`` targets and ``loop``.  Walking the tree is much
    cheaper than Jinja's ``meta.find_undeclared_variables``, which generates the code
    of a copy of the template; with dozens of mapping files that was most of the
    start-up time.
    """
    loaded: set[str] = set()
    stored: set[str] = set()
    for name in tree.find_all(nodes.Name):
        (loaded if name.ctx == "load" else stored).add(name.name)
    if stored or any(True for _ in tree.find_all(nodes.For)):
        stored.add("loop")
    return loaded - stored


def referenced_name_keys(tree: nodes.Node) -> set[str]:
    """List the literal keys read from ``names``.

    Args:
        tree: an AST (value or shared template).

    Returns:
        Every ``x`` of ``names.x`` and ``names["x"]``.
    """
    keys: set[str] = set()
    for node in tree.find_all((nodes.Getitem, nodes.Getattr)):
        if isinstance(node, nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == "names":
                keys.add(node.attr)
        elif isinstance(node, nodes.Getitem):
            if (
                isinstance(node.node, nodes.Name)
                and node.node.name == "names"
                and isinstance(node.arg, nodes.Const)
                and isinstance(node.arg.value, str)
            ):
                keys.add(node.arg.value)
    return keys


def forbidden_statements(tree: nodes.Template) -> list[str]:
    """List the statements a value may not use.

    Args:
        tree: a prepared value AST.

    Returns:
        Jinja node names of statements other than output, ``if`` and ``for``
        (``Assign`` for ``set``, ``Import`` …).
    """
    bad: list[str] = []
    for node in tree.find_all(nodes.Stmt):
        if not isinstance(node, ALLOWED_STATEMENTS):
            bad.append(type(node).__name__)
    return bad


def contains_slot_separator(trees: Iterable[nodes.Node]) -> bool:
    """Tell whether literal template text contains the slot separator.

    Args:
        trees: ASTs to check.

    Returns:
        True when any literal text holds U+001F (which would split a value).
    """
    return any(
        SLOT_SEPARATOR in node.data for tree in trees for node in tree.find_all(nodes.TemplateData)
    )


# --- static bounds -------------------------------------------------------------------------

#: Longest output of filters whose output length does not depend on their input.
_FILTER_BOUNDS: dict[str, int] = {
    "ipv4": 15, "ipv6": 39, "impact_level": 1, "severity_matrix": 2, "blocked_action": 16,
    "length": 20, "count": 20, "int": 20, "float": 24, "abs": 20,
}  # fmt: skip

#: Filters that print at most what their input prints.
_SAME_LENGTH_FILTERS = frozenset({
    "nonzero", "upper", "lower", "trim", "string", "capitalize", "title", MACRO_OUTPUT_FILTER,
})  # fmt: skip

#: Variables of the template context that are not record fields, and their bounds.
_CONTEXT_BOUNDS: dict[str, int] = {"record_type": 10, "archive_timestamp": 10}

_NUMERIC_OPERATORS = (nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow,
                      nodes.Neg, nodes.Pos)


def _printed_text(value: object) -> str:
    return "" if value is None else str(value)


def _sum(bounds: Iterable[int | None]) -> int | None:
    total = 0
    for bound in bounds:
        if bound is None:
            return None
        total += bound
    return total


def _max(bounds: Iterable[int | None]) -> int | None:
    best = 0
    for bound in bounds:
        if bound is None:
            return None
        best = max(best, bound)
    return best


def _const_int(node: nodes.Node | None) -> int | None:
    if isinstance(node, nodes.Const) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _filter_bound(node: nodes.Filter, fields: Mapping[str, int | None], protocol_bound: int) -> int | None:
    name = node.name
    inner = _expression_bound(node.node, fields, protocol_bound) if node.node is not None else 0
    if name in _SAME_LENGTH_FILTERS:
        return inner
    if name in _FILTER_BOUNDS:
        return _FILTER_BOUNDS[name]
    if name in ("default", "d"):
        fallback = _expression_bound(node.args[0], fields, protocol_bound) if node.args else 0
        return _max([inner, fallback])
    if name == "cef_time":
        # seconds * 1000 + microseconds // 1000: three more digits than the seconds.
        return None if inner is None else inner + 3
    if name == "proto_name":
        return max(protocol_bound, inner or 0) if inner is not None else protocol_bound
    if name == "hex":
        limit = _const_int(node.args[0]) if node.args else None
        return None if limit is None else 2 * limit
    if name == "packet_text":
        return _const_int(node.args[0]) if node.args else None
    if name == "truncate":
        limit = _const_int(node.args[0]) if node.args else 255
        return None if limit is None else limit + 3
    return None


def _expression_bound(node: nodes.Node, fields: Mapping[str, int | None], protocol_bound: int) -> int | None:
    if isinstance(node, nodes.Const):
        return len(_printed_text(node.value))
    if isinstance(node, nodes.Name):
        if node.name in fields:
            return fields[node.name]
        return _CONTEXT_BOUNDS.get(node.name)
    if isinstance(node, nodes.Filter):
        return _filter_bound(node, fields, protocol_bound)
    if isinstance(node, nodes.CondExpr):
        other = _expression_bound(node.expr2, fields, protocol_bound) if node.expr2 is not None else 0
        return _max([_expression_bound(node.expr1, fields, protocol_bound), other])
    if isinstance(node, nodes.Concat):
        return _sum(_expression_bound(child, fields, protocol_bound) for child in node.nodes)
    if isinstance(node, nodes.Add):
        return _sum([_expression_bound(node.left, fields, protocol_bound),
                     _expression_bound(node.right, fields, protocol_bound)])
    if isinstance(node, (nodes.And, nodes.Or)):
        return _max([_expression_bound(node.left, fields, protocol_bound),
                     _expression_bound(node.right, fields, protocol_bound)])
    if isinstance(node, (nodes.Compare, nodes.Not, nodes.Test)):
        return 5  # True / False
    if isinstance(node, _NUMERIC_OPERATORS):
        return 24
    return None  # names.x, attribute access, calls: no bound known


def _statements_bound(body: Sequence[nodes.Node], fields: Mapping[str, int | None],
                      protocol_bound: int) -> int | None:
    total: int | None = 0
    for statement in body:
        if isinstance(statement, nodes.Output):
            part = _sum(
                len(child.data) if isinstance(child, nodes.TemplateData)
                else _expression_bound(child, fields, protocol_bound)
                for child in statement.nodes
            )
        elif isinstance(statement, nodes.If):
            branches = [statement.body, *(branch.body for branch in statement.elif_), statement.else_]
            part = _max(_statements_bound(branch, fields, protocol_bound) for branch in branches)
        else:
            part = None  # {% for %}: as many times as there are items
        total = None if part is None or total is None else total + part
    return total


def printed_length_bound(tree: nodes.Template, fields: Mapping[str, int | None],
                         protocol_bound: int = 20) -> int | None:
    """Return the longest text a prepared value can print, or ``None`` when unbounded.

    Args:
        tree: a prepared value AST (:func:`prepare_value`).
        fields: the printed-length bound of each record field (``None``: text without
            a bound); variables not listed have no bound.
        protocol_bound: the longest protocol keyword ``proto_name`` prints.

    Returns:
        The bound in characters, or ``None`` when the value prints a field, a name or
        a call result whose length has no bound.
    """
    return _statements_bound(tree.body, fields, protocol_bound)


def _expression_constants(node: nodes.Node) -> list[str] | None:
    if isinstance(node, nodes.Const):
        return [_printed_text(node.value)]
    if isinstance(node, nodes.CondExpr):
        first = _expression_constants(node.expr1)
        second = _expression_constants(node.expr2) if node.expr2 is not None else [""]
        return None if first is None or second is None else first + second
    if isinstance(node, nodes.Filter) and node.name == MACRO_OUTPUT_FILTER and node.node is not None:
        return _expression_constants(node.node)
    return None


def constant_outputs(tree: nodes.Template) -> list[str] | None:
    """List the texts a value can print when it only chooses between constants.

    ``{{ 3 if ruleAction < 4 else 7 }}`` → ``["3", "7"]``.

    Args:
        tree: a prepared value AST.

    Returns:
        The possible texts, or ``None`` when the output depends on data.
    """
    texts = [""]
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            return None
        for child in statement.nodes:
            if isinstance(child, nodes.TemplateData):
                options: list[str] | None = [child.data]
            else:
                options = _expression_constants(child)
            if options is None:
                return None
            texts = [text + option for text in texts for option in options]
    return texts
