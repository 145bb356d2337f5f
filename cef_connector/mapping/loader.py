"""Loading a mapping set: packaged YAML + shared templates (+ operator overrides) → a validated MappingTable.

This is the only module of the mapping package that reads files.  Everything is
read, compiled and checked once, at startup (house rule 4), and every problem
of every file is reported together in one :class:`MappingError`:

* YAML schema of ``_defaults.yaml`` and each mapping file (:mod:`.schema`);
* Jinja syntax of every value and of the shared templates;
* statements other than ``if``/``for`` inside a value;
* record fields (from the record layouts) and ``names`` keys that do not exist
  for the record type, with a "did you mean" suggestion;
* unknown filters, with a suggestion;
* constant values longer than their CEF key allows, severities that can only be
  constants outside 0–10;
* a test rendering of every mapping against the sample records of
  :mod:`.samples` (IPv4 and IPv6 variants; a record type without a hand-written
  sample gets examples built from its layout, :mod:`.record_fields`), once with
  complete names and once with none, each encoded with
  :func:`cef_connector.cef.encode` (so severity, typed values, labels and header
  fallbacks are checked too).

Overrides: an override directory (``handler.mappingsDirectory``) holds files named
like those of the packaged set; each is merged onto its packaged file (rules in
:mod:`.schema` and ``mappings/README.md``); an override templates directory
(``handler.templatesDirectory``) holds ``*.j2`` files read after the packaged
template of the same name (a macro defined again replaces the packaged one) or
added as new shared templates.

:func:`validate_mappings` returns everything found (problems, warnings such as a
value that can be longer than its key allows, the files read) for
``cef-connector mappings check``; :func:`load_mappings` raises on any problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from jinja2 import Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from cef_connector.cef.dictionary import HEADER_MAX_LENGTHS, PRODUCER_KEYS
from cef_connector.cef.encoder import encode
from cef_connector.errors import MappingError
from cef_connector.estreamer import METADATA_RECORD_TYPES
from cef_connector.estreamer.layouts import RECORD_LAYOUTS
from cef_connector.mapping import codegen, compiler
from cef_connector.mapping.engine import CompiledMapping, MappingTable, Slot, slot_fallback
from cef_connector.mapping.environment import create_environment, printed
from cef_connector.mapping.filters import IANA_PROTOCOLS
from cef_connector.mapping.record_fields import (
    example_fields,
    field_names,
    has_ipv6_fields,
    printed_length_bound,
    record_fields,
)
from cef_connector.mapping.samples import NAME_KEYS, Sample, samples_for
from cef_connector.mapping.schema import (
    DefaultsSpec,
    Document,
    MappingSpec,
    ValueSpec,
    defaults_spec,
    load_document,
    mapping_spec,
    merge_defaults,
    merge_mapping,
    override_directives,
    suggest,
)

__all__ = [
    "load_mappings",
    "validate_mappings",
    "available_mapping_sets",
    "mapping_sources",
    "record_samples",
    "MappingReport",
    "DEFAULT_DEVICE_VERSION",
]

#: eNcore's hard-coded Device Version; configure the real one (CEF doc §5.11 D6).
DEFAULT_DEVICE_VERSION = "6.0"

_MAPPINGS_PACKAGE = "cef_connector._mappings"
_TEMPLATES_PACKAGE = "cef_connector._templates"
_DEFAULTS_FILE = "_defaults.yaml"
_SET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CONTEXT_VARIABLES = frozenset({"names", "record_type", "archive_timestamp"})
_NO_FILTER = re.compile(r"No filter named '([^']+)'")
_PROTOCOL_BOUND = max(len(name) for name in IANA_PROTOCOLS.values())


@dataclass
class MappingReport:
    """What validating a mapping set found.

    Attributes:
        mapping_set: the set's name.
        problems: one line per problem (``file:line: key: what is wrong (fix)``); the
            set cannot be used while there is one.
        warnings: one line per doubtful value that does not stop the set (a value
            that can be longer than its CEF key holds: the encoder cuts it).
        files: every file read, packaged and override, in reading order.
        dropped: packaged mapping files that an override dropped.
        table: the compiled table when there was no problem, else ``None``.
    """

    mapping_set: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    table: MappingTable | None = None


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


def _visible(entry: Traversable) -> bool:
    return entry.is_file() and not entry.name.startswith(".")


def _read_templates(root: Traversable, label: str, problems: list[str]) -> dict[str, str]:
    templates: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".j2") or not _visible(entry):
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


def _merge_templates(
    packaged: dict[str, str], packaged_label: str, overrides: dict[str, str], override_label: str,
    problems: list[str],
) -> tuple[dict[str, str], dict[str, str]]:
    """Join override templates onto the packaged ones; return (texts, label of each file)."""
    texts = dict(packaged)
    labels = {name: f"{packaged_label}/{name}" for name in packaged}
    checker = create_environment({})
    for name, text in overrides.items():
        where = f"{override_label}/{name}"
        try:
            checker.parse(text, name=name)
        except TemplateSyntaxError as exc:
            problems.append(f"{where}:{exc.lineno}: Jinja syntax error: {exc.message}")
            continue
        if name in packaged:
            # Read after the packaged text: a macro defined again replaces the packaged one.
            texts[name] = packaged[name].rstrip("\n") + "\n" + text
            labels[name] = f"{where} (read after {packaged_label}/{name})"
        else:
            texts[name] = text
            labels[name] = where
    return texts, labels


def _prepare_shared_templates(
    environment: SandboxedEnvironment, templates: dict[str, str], labels: Mapping[str, str],
    problems: list[str],
) -> dict[str, nodes.Template]:
    trees: dict[str, nodes.Template] = {}
    all_names = frozenset().union(*NAME_KEYS.values())
    for file_name, text in templates.items():
        stem = file_name[: -len(".j2")]
        where = labels[file_name]
        try:
            tree = environment.parse(text, name=file_name)
            environment.globals[stem] = environment.get_template(file_name).module
        except TemplateSyntaxError as exc:
            problems.append(f"{where}:{exc.lineno}: Jinja syntax error: {exc.message}")
            continue
        except Exception as exc:  # noqa: BLE001 - module top level is operator code
            problems.append(f"{where}: cannot load: {type(exc).__name__}: {exc}")
            continue
        if compiler.contains_slot_separator([tree]):
            problems.append(f"{where}: literal text must not contain the character U+001F")
        for key in sorted(compiler.referenced_name_keys(tree) - all_names):
            problems.append(f"{where}: names.{key} is not a name key{suggest(key, all_names)}")
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


@functools.lru_cache(maxsize=None)
def _layout_samples(record_type: int) -> tuple[Sample, ...]:
    names = MappingProxyType({key: f"example {key}" for key in sorted(NAME_KEYS.get(record_type, ()))})
    variants = [False, True] if has_ipv6_fields(record_type) else [False]
    samples = []
    for ipv6 in variants:
        fields = example_fields(record_type, ipv6=ipv6)
        if fields is None:
            return ()
        label = f"{record_type} {'IPv6' if ipv6 else 'IPv4'} (example from the record layout)"
        samples.append(Sample(label, record_type, MappingProxyType(fields), names,
                              archive_timestamp=1700000000 if ipv6 else None))
    return tuple(samples)


def record_samples(record_type: int) -> tuple[Sample, ...]:
    """Return the records a mapping of this type is test-rendered against.

    Args:
        record_type: an eStreamer record type.

    Returns:
        The hand-written samples of :mod:`.samples`, or else examples built from the
        record layout (empty when the type has no layout either).
    """
    return samples_for(record_type) or _layout_samples(record_type)


@functools.lru_cache(maxsize=None)
def _fields_of(record_type: int) -> frozenset[str]:
    fields: set[str] = set(field_names(record_type))
    for sample in record_samples(record_type):
        fields.update(sample.fields)
    return frozenset(fields)


@functools.lru_cache(maxsize=None)
def _field_bounds(record_type: int) -> Mapping[str, int | None]:
    bounds: dict[str, int | None] = {info.name: printed_length_bound(info) for info in record_fields(record_type)}
    for sample in record_samples(record_type):
        for name in sample.fields:
            bounds.setdefault(name, None)
    return MappingProxyType(bounds)


def _record_type_problem(record_type: int, source: str) -> str | None:
    if record_type in METADATA_RECORD_TYPES:
        return (
            f"{source}: record type {record_type} is a metadata record: it names the IDs of "
            "events (names.…) and is never written as CEF; map the event records that use it"
        )
    if record_samples(record_type):
        return None
    decoded = sorted(set(RECORD_LAYOUTS) - METADATA_RECORD_TYPES)
    return (
        f"{source}: record type {record_type} has no sample record and no record layout to "
        f"validate against; this version decodes event record types "
        f"{', '.join(str(number) for number in decoded)}"
    )


def _value_checks(
    single: Template, spec: MappingSpec, value: ValueSpec, tree: nodes.Template,
    variables: set[str], problems: list[str], warnings: list[str],
) -> None:
    """Static checks of one compiled value: constant length, length bound, severity constants."""
    where = f"{spec.where(value)}: {value.key}"
    limit = HEADER_MAX_LENGTHS.get(value.key)
    info = PRODUCER_KEYS.get(value.key)
    if limit is None and info is not None:
        limit = info.max_length
    constant = not variables and not compiler.referenced_name_keys(tree)
    if constant and limit is not None:
        try:
            text = single.render()
        except Exception:  # noqa: BLE001 - the test rendering reports it
            text = ""
        if len(text) > limit:
            problems.append(
                f"{where}: the value is {len(text)} characters; CEF {value.key} holds at most {limit}; "
                "shorten it"
            )
        return
    if limit is not None:
        for record_type in spec.record_types:
            bound = compiler.printed_length_bound(tree, _field_bounds(record_type), _PROTOCOL_BOUND)
            if bound is not None and bound > limit:
                warnings.append(
                    f"{where}: can print up to {bound} characters for record type {record_type}; "
                    f"CEF {value.key} holds at most {limit}, the rest is cut"
                )
                break


def _severity_constants(spec: MappingSpec, trees: Mapping[str, nodes.Template]) -> list[tuple[str, str]]:
    """Constant severities outside 0–10 that a value can print: [(where, text)]."""
    value = next((v for v in spec.values if v.key == "severity"), None)
    tree = trees.get("severity")
    if value is None or tree is None:
        return []
    bad = []
    for text in compiler.constant_outputs(tree) or []:
        stripped = text.strip()
        if not (stripped.lstrip("-").isdigit() and 0 <= int(stripped) <= 10):
            bad.append((f"{spec.where(value)}: severity", stripped))
    return bad


def _compile_spec(
    environment: SandboxedEnvironment,
    spec: MappingSpec,
    macros: dict[tuple[str, str], compiler.InlineMacro],
    problems: list[str],
    warnings: list[str],
) -> tuple[CompiledMapping | None, dict[str, nodes.Template]]:
    before = len(problems)
    record_types = list(spec.record_types)
    usable_types = []
    for record_type in record_types:
        problem = _record_type_problem(record_type, spec.source)
        if problem is None:
            usable_types.append(record_type)
        else:
            problems.append(problem)
    known_variables = _CONTEXT_VARIABLES | set(environment.globals)
    trees: list[nodes.Template] = []
    by_key: dict[str, nodes.Template] = {}
    singles = []
    for value in spec.values:
        where = f"{spec.where(value)}: {value.key}"
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
        for record_type in usable_types:
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
        _value_checks(single, spec, value, tree, variables, problems, warnings)
        singles.append(single)
        trees.append(tree)
        by_key[value.key] = tree
    if len(problems) > before:
        return None, by_key
    try:
        template = compiler.combine(environment, trees)
    except TemplateError as exc:  # pragma: no cover - every value compiled alone above
        problems.append(f"{spec.source}: {exc}")
        return None, by_key
    slots = tuple(Slot(value.key, value.line, value.label) for value in spec.values)
    slot_templates = tuple(singles)
    generated = codegen.generate_renderer(
        environment, trees, slot_fallback(slot_templates, environment.globals), printed, spec.source
    )
    compiled = CompiledMapping(
        spec.source, frozenset(record_types), generated.render, template, slots, slot_templates,
        tuple(slots[index].key for index in generated.jinja_slots), generated.source,
    )
    return compiled, by_key


_EXTENSION_IN_MESSAGE = re.compile(r"^CEF (?:extension|header field) '?([A-Za-z0-9_]+)'?")


def _render_problems(table: MappingTable, sample: Sample, names: Mapping[str, str]) -> list[str]:
    """Map and encode one sample; return what is wrong (empty when the line is good)."""
    try:
        event = table.map(sample, names)
        reference = table.map_reference(sample, names)
        if event is None:  # pragma: no cover - the table holds this mapping
            raise MappingError("no mapping")
        encode(event)
    except MappingError as exc:
        return [str(exc)]
    if event != reference:  # pragma: no cover - a codegen bug, not an operator error
        return [f"the generated renderer disagrees with Jinja ({event!r} != {reference!r}); please "
                "report this as a bug"]
    found = []
    texts = [("signature_id", event.signature_id), ("name", event.name)] + list(event.extensions)
    for key, text in texts:
        if text.strip() in ("None", "null"):
            found.append(f"{key} renders the text {text.strip()!r}; give it a fallback "
                         "(| default(…)) or let it render empty (CEF doc §5.11 D5)")
    return found


def _test_render(table: MappingTable, compiled: Iterable[CompiledMapping], problems: list[str],
                 locations: Mapping[str, Mapping[str, str]]) -> None:
    """Render every sample with complete names and with none; name the value's file and line."""
    for mapping in compiled:
        where_of = locations.get(mapping.source, {})
        for record_type in sorted(mapping.record_types):
            for sample in record_samples(record_type):
                complete = _render_problems(table, sample, sample.names)
                empty = _render_problems(table, sample, {})
                variants = [("complete names", complete), ("no names", empty)]
                if complete == empty:
                    variants = [("complete names and with no names", complete)]
                for names_label, found in variants:
                    for message in found:
                        context = f"{mapping.source}: test rendering sample '{sample.label}' with {names_label}"
                        match = _EXTENSION_IN_MESSAGE.match(message)
                        if match and match.group(1) in where_of:
                            context = (f"{where_of[match.group(1)]}: {match.group(1)}: test rendering "
                                       f"sample '{sample.label}' with {names_label}")
                        problems.append(f"{context}: {message}")


def _mapping_entries(directory: Traversable, label: str, problems: list[str]) -> dict[str, tuple[str, str]]:
    """Read the ``*.yaml`` files of a directory (``_defaults.yaml`` included): name → (label, text)."""
    files: dict[str, tuple[str, str]] = {}
    for entry in sorted(directory.iterdir(), key=lambda item: item.name):
        if not _visible(entry):
            continue
        source = f"{label}/{entry.name}"
        if entry.name.endswith(".yml"):
            problems.append(f"{source}: mapping files must end in .yaml; rename it")
            continue
        if not entry.name.endswith(".yaml"):
            continue
        try:
            files[entry.name] = (source, entry.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{source}: cannot read: {exc}")
    return files


def _directory(path: Path | Traversable | None, what: str) -> Path | Traversable | None:
    if path is None:
        return None
    if not path.is_dir():
        raise MappingError(f"{what} {path} is not a directory; create it or fix the path")
    return path


def _documents(
    set_label: str, packaged: dict[str, tuple[str, str]], overrides: dict[str, tuple[str, str]],
    report: MappingReport,
) -> tuple[Document | None, list[Document]]:
    """Parse and merge every file; return the defaults document and the mapping documents."""
    problems = report.problems
    parsed: dict[str, Document | None] = {}
    for name, (source, text) in packaged.items():
        report.files.append(source)
        parsed[name] = load_document(text, source, problems)
    mappings: list[Document] = []
    defaults = parsed.get(_DEFAULTS_FILE)
    for name, (source, text) in overrides.items():
        report.files.append(source)
        override = load_document(text, source, problems)
        if override is None:
            continue
        if name == _DEFAULTS_FILE:
            if defaults is not None:
                defaults = merge_defaults(defaults, override, problems)
            continue
        drop, replace = override_directives(override, problems)
        base = parsed.get(name)
        if name not in packaged:
            if drop:
                choices = [n for n in packaged if n != _DEFAULTS_FILE]
                problems.append(
                    f"{source}: drop: true, but {set_label} has no {name} to drop"
                    f"{suggest(name, choices)}; the names must match"
                )
                continue
            parsed[name] = override
            continue
        if drop or override.get("record_types", None) == []:
            report.dropped.append(packaged[name][0])
            parsed[name] = None
            continue
        if replace or base is None:
            parsed[name] = override
        else:
            parsed[name] = merge_mapping(base, override, problems)
    for name, document in parsed.items():
        if name != _DEFAULTS_FILE and document is not None:
            mappings.append(document)
    return defaults, mappings


def validate_mappings(
    mapping_set: str = "default",
    device_version: str = DEFAULT_DEVICE_VERSION,
    *,
    mappings_dir: Path | Traversable | None = None,
    templates_dir: Path | Traversable | None = None,
    override_dir: Path | None = None,
    override_templates_dir: Path | None = None,
) -> MappingReport:
    """Load, compile and check one mapping set; report everything found.

    Args:
        mapping_set: the set's directory name under ``mappings/``.
        device_version: the CEF Device Version header value (from configuration).
        mappings_dir: read sets from this directory instead of the packaged ``mappings/``.
        templates_dir: read shared templates from this directory instead of the packaged
            ``templates/``.
        override_dir: files merged onto the set's files (``handler.mappingsDirectory``).
        override_templates_dir: ``*.j2`` files read after the shared templates
            (``handler.templatesDirectory``).

    Returns:
        The report; ``report.table`` is set only when there is no problem.

    Raises:
        MappingError: the set does not exist, or a directory given is not a directory.
    """
    report = MappingReport(mapping_set)
    problems = report.problems
    _check_device_version(device_version, problems)
    render_version = device_version if not problems else "0"
    mappings_root, mappings_label = _root(mappings_dir, _MAPPINGS_PACKAGE)
    templates_root, templates_label = _root(templates_dir, _TEMPLATES_PACKAGE)
    _directory(override_dir, "the mappings override directory")
    _directory(override_templates_dir, "the templates override directory")

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
    report.files.extend(f"{templates_label}/{name}" for name in templates)
    override_templates: dict[str, str] = {}
    if override_templates_dir is not None:
        override_templates = _read_templates(override_templates_dir, str(override_templates_dir), problems)
        report.files.extend(f"{override_templates_dir}/{name}" for name in override_templates)
    texts, template_labels = _merge_templates(
        templates, templates_label, override_templates, str(override_templates_dir), problems
    )
    environment = create_environment(texts)
    shared_trees = _prepare_shared_templates(environment, texts, template_labels, problems)
    macros = compiler.find_inline_macros(environment, shared_trees)

    packaged = _mapping_entries(set_dir, set_label, problems)
    overrides = _mapping_entries(override_dir, str(override_dir), problems) if override_dir is not None else {}
    defaults_document, documents = _documents(set_label, packaged, overrides, report)
    defaults: DefaultsSpec | None = defaults_spec(defaults_document, problems) if defaults_document else None
    specs: list[MappingSpec] = []
    for document in documents:
        spec = mapping_spec(document, defaults.custom_keys if defaults else frozenset(), problems,
                            partial=True)
        if spec is not None:
            specs.append(spec)
    if not specs and not documents and not problems:
        problems.append(f"{set_label}: the set has no mapping files (*.yaml besides {_DEFAULTS_FILE})")

    claimed: dict[int, str] = {}
    duplicates: set[str] = set()
    for spec in specs:
        for record_type in spec.record_types:
            if record_type in claimed:
                problems.append(
                    f"{spec.source}: record type {record_type} is already mapped by {claimed[record_type]}; "
                    "each record type may be mapped once"
                )
                duplicates.add(spec.source)
            claimed.setdefault(record_type, spec.source)

    compiled: list[CompiledMapping] = []
    trees_by_source: dict[str, tuple[MappingSpec, dict[str, nodes.Template]]] = {}
    for spec in specs:
        mapping, trees = _compile_spec(environment, spec, macros, problems, report.warnings)
        trees_by_source[spec.source] = (spec, trees)
        if mapping is not None and spec.complete and spec.source not in duplicates:
            compiled.append(mapping)
    if defaults is None:
        return report

    # Test-render every mapping that compiled, even when another one did not, so that
    # one run reports every problem.
    table = MappingTable(
        compiled,
        device_vendor=defaults.device_vendor,
        device_product=defaults.device_product,
        device_version=render_version,
        custom_keys=defaults.custom_keys,
        template_globals=environment.globals,
        mapping_set=mapping_set,
    )
    rendered_before = len(problems)
    locations = {spec.source: {value.key: spec.where(value) for value in spec.values}
                 for spec, _ in trees_by_source.values()}
    _test_render(table, compiled, problems, locations)
    rendered = "\n".join(problems[rendered_before:])
    for spec, trees in trees_by_source.values():
        for where, text in _severity_constants(spec, trees):
            if f"severity rendered {text!r}" not in rendered:
                problems.append(f"{where}: can render {text!r}; a CEF severity is an integer 0–10")
    if not problems:
        report.table = table
    return report


def load_mappings(
    mapping_set: str = "default",
    device_version: str = DEFAULT_DEVICE_VERSION,
    *,
    mappings_dir: Path | Traversable | None = None,
    templates_dir: Path | Traversable | None = None,
    override_dir: Path | None = None,
    override_templates_dir: Path | None = None,
) -> MappingTable:
    """Load, compile and validate one mapping set.

    Args:
        mapping_set: the set's directory name under ``mappings/`` (``default``,
            ``encore-compat``).
        device_version: the CEF Device Version header value (from configuration).
        mappings_dir: read sets from this directory instead of the packaged
            ``mappings/`` (tests).  Additive to the contract.
        templates_dir: read shared ``*.j2`` templates from this directory instead
            of the packaged ``templates/``.  Additive to the contract.
        override_dir: operator overrides merged onto the set's files
            (``handler.mappingsDirectory``).  Additive to the contract.
        override_templates_dir: operator templates read after the shared ones
            (``handler.templatesDirectory``).  Additive to the contract.

    Returns:
        The mapping table, ready for :meth:`MappingTable.map`.

    Raises:
        MappingError: listing every problem found (file, line, key, fix).
    """
    report = validate_mappings(
        mapping_set, device_version, mappings_dir=mappings_dir, templates_dir=templates_dir,
        override_dir=override_dir, override_templates_dir=override_templates_dir,
    )
    if report.table is None:
        raise _error(mapping_set, report.problems)
    return report.table


def mapping_sources(
    mapping_set: str = "default",
    *,
    mappings_dir: Path | Traversable | None = None,
    templates_dir: Path | Traversable | None = None,
    override_dir: Path | None = None,
    override_templates_dir: Path | None = None,
) -> list[Path]:
    """List the files a mapping set is read from (for ``run --watch``).

    Only files on the local file system are listed (a packaged set inside a zip file
    is not).  Call it again to notice files added since.

    Args:
        mapping_set: the set's name.
        mappings_dir: as :func:`load_mappings`.
        templates_dir: as :func:`load_mappings`.
        override_dir: as :func:`load_mappings`.
        override_templates_dir: as :func:`load_mappings`.

    Returns:
        Paths of the ``*.yaml``/``*.yml``/``*.j2`` files of those directories.
    """
    mappings_root, _ = _root(mappings_dir, _MAPPINGS_PACKAGE)
    templates_root, _ = _root(templates_dir, _TEMPLATES_PACKAGE)
    directories: list[object] = [mappings_root / mapping_set, templates_root, override_dir,
                                 override_templates_dir]
    paths: list[Path] = []
    for directory in directories:
        if not isinstance(directory, Path) or not directory.is_dir():
            continue
        paths.extend(sorted(p for p in directory.iterdir()
                            if p.suffix in (".yaml", ".yml", ".j2") and not p.name.startswith(".")))
    return paths


def _error(mapping_set: str, problems: list[str]) -> MappingError:
    count = len(problems)
    return MappingError(
        f"mapping set {mapping_set!r} is invalid ({count} problem{'s' if count != 1 else ''}):\n"
        + "\n".join(f"  - {problem}" for problem in problems)
    )
