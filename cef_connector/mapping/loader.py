"""Loading a mapping set: packaged YAML + shared templates → a validated MappingTable.

This is the only module of the mapping package that reads files.  Everything is
read, compiled and checked once, at startup (house rule 4), and every problem
of every file is reported together in one :class:`MappingError`:

* YAML schema of ``_defaults.yaml`` and each mapping file (:mod:`.schema`);
* Jinja syntax of every value and of the shared templates;
* statements other than ``if``/``for`` inside a value;
* record fields and ``names`` keys that do not exist for the record type, with a
  "did you mean" suggestion;
* unknown filters, with a suggestion;
* a test rendering of every mapping against the sample records of
  :mod:`.samples` (IPv4 and IPv6 variants), once with complete names and once
  with none, each encoded with :func:`cef_connector.cef.encode` (so severity,
  typed values, labels and header fallbacks are checked too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from cef_connector.cef.dictionary import HEADER_MAX_LENGTHS
from cef_connector.cef.encoder import encode
from cef_connector.errors import MappingError
from cef_connector.mapping import codegen, compiler
from cef_connector.mapping.engine import CompiledMapping, MappingTable, Slot, slot_fallback
from cef_connector.mapping.environment import create_environment, printed
from cef_connector.mapping.samples import NAME_KEYS, SAMPLES, samples_for
from cef_connector.mapping.schema import (
    DefaultsSpec,
    MappingSpec,
    parse_defaults,
    parse_mapping,
    suggest,
)

__all__ = ["load_mappings", "available_mapping_sets", "DEFAULT_DEVICE_VERSION"]

#: eNcore's hard-coded Device Version; configure the real one (CEF doc §5.11 D6).
DEFAULT_DEVICE_VERSION = "6.0"

_MAPPINGS_PACKAGE = "cef_connector._mappings"
_TEMPLATES_PACKAGE = "cef_connector._templates"
_DEFAULTS_FILE = "_defaults.yaml"
_SET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CONTEXT_VARIABLES = frozenset({"names", "record_type", "archive_timestamp"})
_NO_FILTER = re.compile(r"No filter named '([^']+)'")


def _root(directory: Path | Traversable | None, package: str) -> tuple[Traversable, str]:
    if directory is None:
        return resources.files(package), package.rsplit("._", 1)[-1]
    return directory, str(directory)


def available_mapping_sets(mappings_dir: Path | Traversable | None = None) -> list[str]:
    """List the mapping sets (directories holding a ``_defaults.yaml``).

    Args:
        mappings_dir: a directory of sets instead of the packaged ``mappings/``.

    Returns:
        The set names, sorted.
    """
    root, _ = _root(mappings_dir, _MAPPINGS_PACKAGE)
    return sorted(
        entry.name for entry in root.iterdir() if entry.is_dir() and (entry / _DEFAULTS_FILE).is_file()
    )


def _read_templates(root: Traversable, label: str, problems: list[str]) -> dict[str, str]:
    templates: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".j2") or not entry.is_file():
            continue
        stem = entry.name[: -len(".j2")]
        if not stem.isidentifier() or stem in _CONTEXT_VARIABLES:
            problems.append(
                f"{label}/{entry.name}: a shared template name must be a Python identifier other than "
                f"{', '.join(sorted(_CONTEXT_VARIABLES))} (it becomes the global {stem!r})"
            )
            continue
        try:
            templates[entry.name] = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{label}/{entry.name}: cannot read: {exc}")
    return templates


def _prepare_shared_templates(
    environment: SandboxedEnvironment, templates: dict[str, str], label: str, problems: list[str]
) -> dict[str, nodes.Template]:
    trees: dict[str, nodes.Template] = {}
    all_names = frozenset().union(*NAME_KEYS.values())
    for file_name, text in templates.items():
        stem = file_name[: -len(".j2")]
        try:
            tree = environment.parse(text, name=file_name)
            environment.globals[stem] = environment.get_template(file_name).module
        except TemplateSyntaxError as exc:
            problems.append(f"{label}/{file_name}:{exc.lineno}: Jinja syntax error: {exc.message}")
            continue
        except Exception as exc:  # noqa: BLE001 - module top level is operator code
            problems.append(f"{label}/{file_name}: cannot load: {type(exc).__name__}: {exc}")
            continue
        if compiler.contains_slot_separator([tree]):
            problems.append(f"{label}/{file_name}: literal text must not contain the character U+001F")
        for key in sorted(compiler.referenced_name_keys(tree) - all_names):
            problems.append(f"{label}/{file_name}: names.{key} is not a name key{suggest(key, all_names)}")
        trees[stem] = tree
    return trees


def _check_device_version(device_version: object, problems: list[str]) -> None:
    limit = HEADER_MAX_LENGTHS["device_version"]
    if not isinstance(device_version, str) or not device_version.strip():
        problems.append(f"device_version must be non-empty text, got {device_version!r}")
    elif any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in device_version):
        problems.append(f"device_version {device_version!r} must not contain control characters")
    elif len(device_version) > limit:
        problems.append(f"device_version {device_version!r} is longer than the CEF limit of {limit} characters")


def _fields_of(record_type: int) -> set[str]:
    fields: set[str] = set()
    for sample in samples_for(record_type):
        fields.update(sample.fields)
    return fields


def _compile_spec(
    environment: SandboxedEnvironment,
    spec: MappingSpec,
    macros: dict[tuple[str, str], compiler.InlineMacro],
    problems: list[str],
) -> CompiledMapping | None:
    before = len(problems)
    record_types = [rt for rt in spec.record_types]
    for record_type in record_types:
        if not samples_for(record_type):
            supported = sorted({sample.record_type for sample in SAMPLES})
            problems.append(
                f"{spec.source}: record type {record_type} has no sample record to validate against; "
                f"mappings can be written for record types {supported}"
            )
    if len(problems) > before:
        return None
    known_variables = _CONTEXT_VARIABLES | set(environment.globals)
    trees: list[nodes.Template] = []
    singles = []
    for value in spec.values:
        where = f"{spec.source}:{value.line}: {value.key}"
        try:
            tree = compiler.prepare_value(environment, value.source, macros)
        except TemplateSyntaxError as exc:
            problems.append(f"{where}: Jinja syntax error: {exc.message}")
            continue
        bad = compiler.forbidden_statements(tree)
        if bad:
            problems.append(
                f"{where}: a value may only use {{{{ }}}}, {{% if %}} and {{% for %}}; found {', '.join(bad)}"
            )
            continue
        if compiler.contains_slot_separator([tree]):
            problems.append(f"{where}: literal text must not contain the character U+001F")
            continue
        try:
            single = compiler.compile_single(environment, tree)
            variables = compiler.referenced_variables(tree) - known_variables
        except TemplateError as exc:
            message = str(exc)
            match = _NO_FILTER.search(message)
            hint = suggest(match.group(1), environment.filters) if match else ""
            problems.append(f"{where}: {message}{hint}")
            continue
        for record_type in record_types:
            fields = _fields_of(record_type)
            for variable in sorted(variables - fields):
                problems.append(
                    f"{where}: {variable!r} is not a field of record type {record_type}"
                    f"{suggest(variable, fields | known_variables)}"
                )
            allowed_names = NAME_KEYS.get(record_type, frozenset())
            for key in sorted(compiler.referenced_name_keys(tree) - allowed_names):
                problems.append(
                    f"{where}: names.{key} is not a name of record type {record_type}"
                    f"{suggest(key, allowed_names)}"
                )
        singles.append(single)
        trees.append(tree)
    if len(problems) > before:
        return None
    try:
        template = compiler.combine(environment, trees)
    except TemplateError as exc:  # pragma: no cover - every value compiled alone above
        problems.append(f"{spec.source}: {exc}")
        return None
    slots = tuple(Slot(value.key, value.line, value.label) for value in spec.values)
    slot_templates = tuple(singles)
    generated = codegen.generate_renderer(
        environment, trees, slot_fallback(slot_templates, environment.globals), printed, spec.source
    )
    return CompiledMapping(
        spec.source, frozenset(record_types), generated.render, template, slots, slot_templates,
        tuple(slots[index].key for index in generated.jinja_slots), generated.source,
    )


def _test_render(table: MappingTable, compiled: Iterable[CompiledMapping], problems: list[str]) -> None:
    for mapping in compiled:
        for record_type in sorted(mapping.record_types):
            for sample in samples_for(record_type):
                for names_label, names in (("complete names", sample.names), ("no names", {})):
                    context = f"{mapping.source}: test rendering sample '{sample.label}' with {names_label}"
                    try:
                        event = table.map(sample, names)
                        reference = table.map_reference(sample, names)
                        if event is None:  # pragma: no cover - the table holds this mapping
                            raise MappingError("no mapping")
                        encode(event)
                    except MappingError as exc:
                        problems.append(f"{context}: {exc}")
                        continue
                    if event != reference:  # pragma: no cover - a codegen bug, not an operator error
                        problems.append(
                            f"{context}: the generated renderer disagrees with Jinja "
                            f"({event!r} != {reference!r}); please report this as a bug"
                        )
                        continue
                    texts = [("signature_id", event.signature_id), ("name", event.name)]
                    texts += list(event.extensions)
                    for key, text in texts:
                        if text.strip() in ("None", "null"):
                            problems.append(
                                f"{context}: {key} renders the text {text.strip()!r}; give it a fallback "
                                "(| default(…)) or let it render empty (CEF doc §5.11 D5)"
                            )


def load_mappings(
    mapping_set: str = "default",
    device_version: str = DEFAULT_DEVICE_VERSION,
    *,
    mappings_dir: Path | Traversable | None = None,
    templates_dir: Path | Traversable | None = None,
) -> MappingTable:
    """Load, compile and validate one mapping set.

    Args:
        mapping_set: the set's directory name under ``mappings/`` (``default``,
            ``encore-compat``).
        device_version: the CEF Device Version header value (from configuration).
        mappings_dir: read sets from this directory instead of the packaged
            ``mappings/`` (operator overrides, tests).  Additive to the contract.
        templates_dir: read shared ``*.j2`` templates from this directory instead
            of the packaged ``templates/``.  Additive to the contract.

    Returns:
        The mapping table, ready for :meth:`MappingTable.map`.

    Raises:
        MappingError: listing every problem found (file, line, key, fix).
    """
    problems: list[str] = []
    _check_device_version(device_version, problems)
    mappings_root, mappings_label = _root(mappings_dir, _MAPPINGS_PACKAGE)
    templates_root, templates_label = _root(templates_dir, _TEMPLATES_PACKAGE)

    if not isinstance(mapping_set, str) or not _SET_NAME.fullmatch(mapping_set):
        raise MappingError(f"mapping set name {mapping_set!r} is not a plain directory name")
    set_dir = mappings_root / mapping_set
    if not set_dir.is_dir() or not (set_dir / _DEFAULTS_FILE).is_file():
        sets = available_mapping_sets(mappings_dir)
        raise MappingError(
            f"mapping set {mapping_set!r} not found in {mappings_label}{suggest(mapping_set, sets)}; "
            f"available sets: {', '.join(sets) or 'none'}"
        )
    set_label = f"{mappings_label}/{mapping_set}"

    templates = _read_templates(templates_root, templates_label, problems)
    environment = create_environment(templates)
    shared_trees = _prepare_shared_templates(environment, templates, templates_label, problems)
    macros = compiler.find_inline_macros(environment, shared_trees)

    defaults: DefaultsSpec | None = parse_defaults(
        (set_dir / _DEFAULTS_FILE).read_text(encoding="utf-8"), f"{set_label}/{_DEFAULTS_FILE}", problems
    )
    specs: list[MappingSpec] = []
    entries = sorted(set_dir.iterdir(), key=lambda item: item.name)
    for entry in entries:
        if entry.name == _DEFAULTS_FILE or not entry.is_file():
            continue
        source = f"{set_label}/{entry.name}"
        if entry.name.endswith(".yml"):
            problems.append(f"{source}: mapping files must end in .yaml; rename it")
            continue
        if not entry.name.endswith(".yaml"):
            continue
        try:
            text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{source}: cannot read: {exc}")
            continue
        spec = parse_mapping(text, source, defaults.custom_keys if defaults else frozenset(), problems)
        if spec is not None:
            specs.append(spec)
    if not specs and not problems:
        problems.append(f"{set_label}: the set has no mapping files (*.yaml besides {_DEFAULTS_FILE})")

    claimed: dict[int, str] = {}
    for spec in specs:
        for record_type in spec.record_types:
            if record_type in claimed:
                problems.append(
                    f"{spec.source}: record type {record_type} is already mapped by {claimed[record_type]}; "
                    "each record type may be mapped once"
                )
            claimed.setdefault(record_type, spec.source)

    compiled = [c for c in (_compile_spec(environment, spec, macros, problems) for spec in specs) if c]
    if problems or defaults is None:
        raise _error(mapping_set, problems)

    table = MappingTable(
        compiled,
        device_vendor=defaults.device_vendor,
        device_product=defaults.device_product,
        device_version=device_version,
        custom_keys=defaults.custom_keys,
        template_globals=environment.globals,
        mapping_set=mapping_set,
    )
    _test_render(table, compiled, problems)
    if problems:
        raise _error(mapping_set, problems)
    return table


def _error(mapping_set: str, problems: list[str]) -> MappingError:
    count = len(problems)
    return MappingError(
        f"mapping set {mapping_set!r} is invalid ({count} problem{'s' if count != 1 else ''}):\n"
        + "\n".join(f"  - {problem}" for problem in problems)
    )
