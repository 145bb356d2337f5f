"""MappingTable: applies the compiled mapping of a record's type to build a CefEvent.

Hot path, per record: one call of the mapping's generated render function
(:mod:`cef_connector.mapping.codegen`; values outside its subset are rendered by
their Jinja template), a copy of the names dict and one CefEvent.  Nothing is
parsed or compiled per record, and the record's fields are not copied.  No I/O.

:meth:`MappingTable.map_reference` computes the same event with Jinja alone
(the combined template of :mod:`cef_connector.mapping.compiler`); the loader
compares both on every sample record at startup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jinja2 import StrictUndefined, Template

from cef_connector.cef.event import CefEvent
from cef_connector.errors import MappingError
from cef_connector.mapping.environment import SLOT_SEPARATOR
from cef_connector.mapping.schema import suggest

__all__ = ["RecordLike", "NamesView", "Slot", "CompiledMapping", "MappingTable", "jinja_context", "slot_fallback"]

#: Header values of every mapping, in slot order, before the extensions.
HEADER_SLOTS = ("signature_id", "name", "severity")

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
        return StrictUndefined(
            hint=f"names.{key} is not known for this record (metadata missing); "
            f"write names.{key} | default(…)",
            name=key,
        )


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
        self._by_type: dict[int, tuple[CompiledMapping, Any, tuple[tuple[str, tuple[str, str] | None], ...]]] = {}
        for mapping in mappings:
            plan = tuple((slot.key, slot.label) for slot in mapping.slots[len(HEADER_SLOTS):])
            for record_type in mapping.record_types:
                if record_type in self._by_type:
                    raise MappingError(
                        f"record type {record_type} is mapped by both "
                        f"{self._by_type[record_type][0].source} and {mapping.source}; keep one"
                    )
                self._by_type[record_type] = (mapping, mapping.render, plan)
        self.record_types: frozenset[int] = frozenset(self._by_type)

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
        mapping, render, plan = entry
        names_view = NamesView(names)
        try:
            values = render(record.fields, names_view, record.record_type, record.archive_timestamp)
        except Exception as exc:  # a mapping is operator code: report, never crash
            raise self._explain(mapping, record, names_view, exc) from exc
        return self._event(mapping, plan, values, record)

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
        mapping, _, plan = entry
        names_view = NamesView(names)
        context = jinja_context(self._globals, record.fields, names_view, record.record_type,
                                record.archive_timestamp)
        template = mapping.template
        try:
            text = "".join(template.root_render_func(template.new_context(context, True)))
        except Exception as exc:  # noqa: BLE001 - reported as MappingError
            raise self._explain(mapping, record, names_view, exc) from exc
        return self._event(mapping, plan, text.split(SLOT_SEPARATOR), record)

    def _event(
        self,
        mapping: CompiledMapping,
        plan: tuple[tuple[str, tuple[str, str] | None], ...],
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
        extensions: list[tuple[str, str]] = []
        append = extensions.append
        index = len(HEADER_SLOTS)
        for key, label in plan:
            value = values[index]
            index += 1
            if value:
                append((key, value))
                if label is not None:
                    append(label)
        return CefEvent(
            self._vendor, self._product, self._version, values[0], values[1], severity,
            tuple(extensions), self._custom_keys,
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
