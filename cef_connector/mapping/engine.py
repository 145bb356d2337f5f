"""MappingTable: applies the compiled mapping of a record's type to build a CefEvent.

Hot path, per record: one call of the mapping's generated render function
(:mod:`cef_connector.mapping.codegen`; values outside its subset are rendered by
their Jinja template), a copy of the names dict and one CefEvent.  Nothing is
parsed or compiled per record, and the record's fields are not copied.  No I/O.

:meth:`MappingTable.render_line` goes further: one generated function per mapping
file computes the values and writes the finished CEF line when every value is
clean (nothing for the encoder to escape, trim, truncate or refuse), and the
record takes the reference path ``encode(map(...))`` otherwise, so the line is
always the one ``encode(map(...))`` gives.  The first lines of each record type
are also computed the reference way and compared; a difference (a code
generation bug) is logged and switches that record type to the reference path.

:meth:`MappingTable.map_reference` computes the same event with Jinja alone
(the combined template of :mod:`cef_connector.mapping.compiler`); the loader
compares both on every sample record at startup.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jinja2 import StrictUndefined, Template

from cef_connector.cef.encoder import encode, line_plan
from cef_connector.cef.event import CefEvent
from cef_connector.errors import MappingError
from cef_connector.mapping.codegen import LineRenderer, extensions_builder, line_renderer
from cef_connector.mapping.environment import SLOT_SEPARATOR
from cef_connector.mapping.schema import suggest

__all__ = ["RecordLike", "NamesView", "Slot", "CompiledMapping", "MappingTable", "jinja_context", "slot_fallback"]

log = logging.getLogger(__name__)

#: Each extension slot's key and (label key, label text), in slot order.
_Plan = tuple[tuple[str, tuple[str, str] | None], ...]
#: Builds the (key, value) pairs of the non-empty values (codegen.extensions_builder).
_Builder = Callable[[Sequence[str]], tuple[tuple[str, str], ...]]

#: Header values of every mapping, in slot order, before the extensions.
HEADER_SLOTS = ("signature_id", "name", "severity")

#: Lines per record type that :meth:`MappingTable.render_line` also computes the
#: reference way, to compare.
VERIFIED_LINES = 16

_UNDEFINED_MESSAGE = re.compile(r"^'([^']+)' is undefined$")


class RecordLike(Protocol):
    """What the engine reads from a record (``estreamer.Record`` satisfies it)."""

    @property
    def record_type(self) -> int: ...

    @property
    def archive_timestamp(self) -> int | None: ...

    @property
    def fields(self) -> Mapping[str, Any]: ...

    @property
    def offset(self) -> int: ...


class NamesView(dict):  # type: ignore[type-arg]
    """The ``names`` dict of the template context; a missing name is undefined.

    ``names.x`` (rewritten to ``names["x"]`` at load time) finds a missing key
    through ``__missing__`` without raising, so ``| default(…)`` is cheap.
    """

    __slots__ = ()

    def __missing__(self, key: str) -> StrictUndefined:
        # One undefined value per key, made once: names are missing on most records.
        undefined = _MISSING_NAMES.get(key)
        if undefined is None:
            undefined = StrictUndefined(
                hint=f"names.{key} is not known for this record (metadata missing); "
                f"write names.{key} | default(…)",
                name=key,
            )
            if len(_MISSING_NAMES) < 4096:
                _MISSING_NAMES[key] = undefined
        return undefined


_MISSING_NAMES: dict[str, StrictUndefined] = {}


# CefEvent is frozen: its generated __init__ sets each field through object.__setattr__.
# Events are built here through the slot descriptors instead: the same object, made in
# a third of the time (checked by a test).
_new_object = object.__new__
(_set_vendor, _set_product, _set_version, _set_signature_id, _set_name, _set_severity,
 _set_extensions, _set_custom_keys) = (
    CefEvent.__dict__[name].__set__ for name in (
        "device_vendor", "device_product", "device_version", "signature_id", "name", "severity",
        "extensions", "custom_keys"))


def _new_event(vendor: str, product: str, version: str, signature_id: str, name: str, severity: int,
               extensions: tuple[tuple[str, str], ...], custom_keys: frozenset[str]) -> CefEvent:
    event: CefEvent = _new_object(CefEvent)
    _set_vendor(event, vendor)
    _set_product(event, product)
    _set_version(event, version)
    _set_signature_id(event, signature_id)
    _set_name(event, name)
    _set_severity(event, severity)
    _set_extensions(event, extensions)
    _set_custom_keys(event, custom_keys)
    return event


def _missing_name(key: str) -> Any:
    """What ``names[key]`` is in a template when the name is missing."""
    return NamesView()[key]


@dataclass(frozen=True, slots=True)
class Slot:
    """One templated value of a compiled mapping.

    Attributes:
        key: ``signature_id``, ``name``, ``severity`` or the CEF extension key.
        line: the YAML line of the value (0 when unknown).
        label: ``(label key, label text)`` emitted right after the value, or ``None``.
    """

    key: str
    line: int
    label: tuple[str, str] | None = None


def jinja_context(
    template_globals: Mapping[str, Any],
    fields: Mapping[str, Any],
    names: Mapping[str, str],
    record_type: int,
    archive_timestamp: int | None,
) -> dict[str, Any]:
    """Build the template context of the architecture contract.

    Args:
        template_globals: environment globals (shared macro modules, ``range`` …).
        fields: the record's fields (top level).
        names: resolved names.
        record_type: the record type.
        archive_timestamp: the record's archive timestamp or ``None``.

    Returns:
        globals, then every field, then ``names``, ``record_type`` and
        ``archive_timestamp``.
    """
    context = dict(template_globals)
    context.update(fields)
    context["names"] = names if isinstance(names, NamesView) else NamesView(names)
    context["record_type"] = record_type
    context["archive_timestamp"] = archive_timestamp
    return context


def slot_fallback(
    slot_templates: tuple[Template, ...], template_globals: Mapping[str, Any]
) -> Callable[[int, Mapping[str, Any], Mapping[str, Any], int, Any], str]:
    """Return ``fallback(i, fields, names, record_type, archive_timestamp)`` rendering slot ``i`` with Jinja.

    Args:
        slot_templates: each value compiled alone.
        template_globals: environment globals.

    Returns:
        The function the generated renderer calls for values it does not translate.
    """

    def fallback(index: int, fields: Mapping[str, Any], names: Mapping[str, Any], record_type: int,
                 archive_timestamp: Any) -> str:
        template = slot_templates[index]
        context = jinja_context(template_globals, fields, names, record_type, archive_timestamp)
        return "".join(template.root_render_func(template.new_context(context, True)))

    return fallback


@dataclass(frozen=True)
class CompiledMapping:
    """A mapping file compiled for rendering.

    Attributes:
        source: the mapping file name (for messages).
        record_types: the record types it maps.
        render: generated ``render(fields, names, record_type, archive_timestamp)``
            returning one text per slot.
        template: all values in one Jinja template, joined by U+001F (reference
            rendering, see :meth:`MappingTable.map_reference`).
        slots: one per value: the three header values, then the extensions.
        slot_templates: each value compiled alone, used to name the value that
            failed when rendering raised, and for values ``render`` does not translate.
        jinja_keys: the values ``render`` leaves to their Jinja template.
        render_source: the generated Python source of ``render``.
    """

    source: str
    record_types: frozenset[int]
    render: Callable[[Mapping[str, Any], Mapping[str, Any], int, Any], list[str]]
    template: Template
    slots: tuple[Slot, ...]
    slot_templates: tuple[Template, ...]
    jinja_keys: tuple[str, ...] = ()
    render_source: str = ""


class MappingTable:
    """Record type → compiled mapping; turns records into CEF events.

    Attributes:
        record_types: the record types that have a mapping.
        mapping_set: the name of the mapping set it was loaded from.
    """

    def __init__(
        self,
        mappings: Iterable[CompiledMapping],
        *,
        device_vendor: str,
        device_product: str,
        device_version: str,
        custom_keys: frozenset[str] = frozenset(),
        template_globals: Mapping[str, Any] | None = None,
        mapping_set: str = "",
    ) -> None:
        """Build the table.

        Args:
            mappings: compiled mappings; each record type may appear once.
            device_vendor: CEF header field 2.
            device_product: CEF header field 3.
            device_version: CEF header field 4.
            custom_keys: non-dictionary keys the set may emit.
            template_globals: the environment globals (shared macro modules …),
                copied into every render context because the render context
                is built without the environment's globals.
            mapping_set: the set name, for messages.

        Raises:
            MappingError: two mappings claim the same record type.
        """
        self._vendor = device_vendor
        self._product = device_product
        self._version = device_version
        self._custom_keys = frozenset(custom_keys)
        self._globals = dict(template_globals or {})
        self.mapping_set = mapping_set
        # record type → (mapping, render, extension plan, builder of the extension pairs)
        self._by_type: dict[int, tuple[CompiledMapping, Any, _Plan, _Builder]] = {}
        for mapping in mappings:
            plan = tuple((slot.key, slot.label) for slot in mapping.slots[len(HEADER_SLOTS):])
            build = extensions_builder(plan, len(HEADER_SLOTS))
            for record_type in mapping.record_types:
                if record_type in self._by_type:
                    raise MappingError(
                        f"record type {record_type} is mapped by both "
                        f"{self._by_type[record_type][0].source} and {mapping.source}; keep one"
                    )
                self._by_type[record_type] = (mapping, mapping.render, plan, build)
        self.record_types: frozenset[int] = frozenset(self._by_type)
        # record type → its line renderer (render_line); absent: the reference path
        self._lines: dict[int, LineRenderer] = {}
        self._line_sources: dict[int, str] = {}
        self._name_keys: dict[int, frozenset[str]] = {}
        for record_type, (mapping, _, plan, _) in self._by_type.items():
            planned = line_plan(self._vendor, self._product, self._version, plan, self._custom_keys)
            generated = None if planned is None else line_renderer(mapping.render, planned, _missing_name)
            if generated is not None:
                self._lines[record_type] = generated.render_line
                self._line_sources[record_type] = generated.source
                self._name_keys[record_type] = generated.name_keys
        # record type → lines still to compare with the reference path
        self._unverified: dict[int, int] = dict.fromkeys(self._lines, VERIFIED_LINES)

    def source_of(self, record_type: int) -> str | None:
        """Name the mapping file of a record type (for messages and counters).

        Args:
            record_type: an eStreamer record type.

        Returns:
            The mapping file name, or ``None`` when the type is not mapped.
        """
        entry = self._by_type.get(record_type)
        return entry[0].source if entry else None

    def compiled(self, record_type: int) -> CompiledMapping | None:
        """Return the compiled mapping of a record type (for inspection and tests).

        Args:
            record_type: an eStreamer record type.

        Returns:
            The compiled mapping, or ``None`` when the type is not mapped.
        """
        entry = self._by_type.get(record_type)
        return entry[0] if entry else None

    def map(self, record: RecordLike, names: Mapping[str, str]) -> CefEvent | None:
        """Map one record to a CEF event.

        Args:
            record: a decoded event record.
            names: the names resolved from metadata (``metadata.names_for``);
                missing names are simply absent.

        Returns:
            The event (not yet encoded), or ``None`` when no mapping covers the
            record type (the caller counts it as unmapped).

        Raises:
            MappingError: the mapping failed on this record (names the file, the
                value, the record type and the stream offset).
        """
        entry = self._by_type.get(record.record_type)
        if entry is None:
            return None
        mapping, render, plan, build = entry
        names_view = NamesView(names)
        try:
            values = render(record.fields, names_view, record.record_type, record.archive_timestamp)
        except Exception as exc:  # a mapping is operator code: report, never crash
            raise self._explain(mapping, record, names_view, exc) from exc
        return self._event(mapping, plan, build, values, record)

    def render_line(self, record: RecordLike, names: Mapping[str, str]) -> str | None:
        """Map one record and encode it: ``encode(map(record, names))``, faster.

        Args:
            record: a decoded event record.
            names: the names resolved from metadata (``metadata.names_for``).

        Returns:
            The CEF line (no line terminator), exactly what ``cef.encode`` returns for
            the event :meth:`map` builds; ``None`` when no mapping covers the record type.

        Raises:
            MappingError: the mapping failed on this record, or the event it built is
                not valid CEF (the errors :meth:`map` and ``cef.encode`` raise).
        """
        render_line = self._lines.get(record.record_type)
        if render_line is not None:
            try:
                line = render_line(record.fields, names, record.record_type, record.archive_timestamp)
            except Exception:  # noqa: BLE001 - the reference path below reports it
                line = None
            if line is not None:
                if not self._unverified:
                    return line
                return self._verified(record, names, line)
        event = self.map(record, names)
        return None if event is None else encode(event)

    def _verified(self, record: RecordLike, names: Mapping[str, str], line: str) -> str:
        """Compare a generated line with the reference (first lines of each type only)."""
        record_type = record.record_type
        left = self._unverified.get(record_type)
        if left is None:
            return line
        if left <= 1:
            self._unverified.pop(record_type, None)
        else:
            self._unverified[record_type] = left - 1
        reference: str | MappingError
        try:
            event = self.map(record, names)
            reference = encode(event) if event is not None else MappingError("unmapped")
        except MappingError as exc:
            reference = exc
        if reference == line:
            return line
        self._lines.pop(record_type, None)
        self._unverified.pop(record_type, None)
        log.error(
            "%s: the generated line renderer wrote %r where the reference gives %r for record "
            "type %d (stream offset %d); record type %d now takes the reference path (please "
            "report this as a bug)", self.source_of(record_type), line, reference, record_type,
            record.offset, record_type)
        if isinstance(reference, MappingError):
            raise reference
        return reference

    def name_keys(self, record_type: int) -> frozenset[str] | None:
        """Return the ``names`` keys the mapping of a record type reads.

        The pipeline resolves only these (``metadata.names_for(record, cache, keys)``)
        for records whose only line is CEF: the line is the same, and the names no
        mapping value prints are not looked up.

        Args:
            record_type: an eStreamer record type.

        Returns:
            The keys, or ``None`` when the type is unmapped or its values are rendered by
            the reference path (which may read ``names`` as a whole: resolve them all).
        """
        return self._name_keys.get(record_type) if record_type in self._lines else None

    def line_source(self, record_type: int) -> str | None:
        """Return the generated source of a record type's line renderer (for debugging).

        Args:
            record_type: an eStreamer record type.

        Returns:
            The Python source, or ``None`` when its records take the reference path
            (``encode(map(...))``) because a value is outside the generated subset.
        """
        return self._line_sources.get(record_type) if record_type in self._lines else None

    def map_reference(self, record: RecordLike, names: Mapping[str, str]) -> CefEvent | None:
        """Map one record with Jinja alone (slow; the reference for :meth:`map`).

        Args:
            record: a decoded event record.
            names: resolved names.

        Returns:
            The event :meth:`map` must return, or ``None`` for an unmapped type.

        Raises:
            MappingError: as :meth:`map`.
        """
        entry = self._by_type.get(record.record_type)
        if entry is None:
            return None
        mapping, _, plan, build = entry
        names_view = NamesView(names)
        context = jinja_context(self._globals, record.fields, names_view, record.record_type,
                                record.archive_timestamp)
        template = mapping.template
        try:
            text = "".join(template.root_render_func(template.new_context(context, True)))
        except Exception as exc:  # noqa: BLE001 - reported as MappingError
            raise self._explain(mapping, record, names_view, exc) from exc
        return self._event(mapping, plan, build, text.split(SLOT_SEPARATOR), record)

    def _event(
        self,
        mapping: CompiledMapping,
        plan: _Plan,
        build: _Builder,
        values: list[str],
        record: RecordLike,
    ) -> CefEvent:
        if len(values) != len(plan) + len(HEADER_SLOTS):
            raise MappingError(
                f"{mapping.source}: rendered {len(values)} values instead of {len(plan) + len(HEADER_SLOTS)} "
                f"for record type {record.record_type} (stream offset {record.offset}); "
                "a value printed the separator character U+001F"
            )
        severity_text = values[2]
        try:
            severity = int(severity_text)
        except ValueError:
            severity = -1
        if not 0 <= severity <= 10:
            raise MappingError(
                f"{mapping.source}:{mapping.slots[2].line}: severity rendered {severity_text!r} for record "
                f"type {record.record_type} (stream offset {record.offset}); it must be an integer 0–10"
            )
        # Each non-empty value as (key, value), followed by its label pair.
        return _new_event(
            self._vendor, self._product, self._version, values[0], values[1], severity,
            build(values), self._custom_keys,
        )

    def _explain(
        self, mapping: CompiledMapping, record: RecordLike, names: Mapping[str, str], exc: Exception
    ) -> MappingError:
        """Re-render value by value to name the one that failed (error path only)."""
        context = jinja_context(self._globals, record.fields, names, record.record_type,
                                record.archive_timestamp)
        for slot, template in zip(mapping.slots, mapping.slot_templates):
            try:
                "".join(template.root_render_func(template.new_context(context, True)))
            except Exception as slot_exc:  # noqa: BLE001 - reported below
                return MappingError(self._describe(mapping, slot, record, slot_exc))
        return MappingError(
            f"{mapping.source}: rendering failed for record type {record.record_type} "
            f"(stream offset {record.offset}): {type(exc).__name__}: {exc}"
        )

    @staticmethod
    def _describe(mapping: CompiledMapping, slot: Slot, record: RecordLike, exc: Exception) -> str:
        where = f"{mapping.source}:{slot.line}: {slot.key}"
        message = (
            f"{where}: cannot render record type {record.record_type} (stream offset "
            f"{record.offset}): {type(exc).__name__}: {exc}"
        )
        match = _UNDEFINED_MESSAGE.match(str(exc))
        if match:
            missing = match.group(1)
            message += (
                f"{suggest(missing, record.fields)}; if {missing!r} is optional in some "
                f"record versions, write {missing} | default(…)"
            )
        return message
