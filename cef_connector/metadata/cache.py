"""The ID-to-name tables learned from metadata records, bounded, with a JSON snapshot.

Each metadata record type has one table, keyed exactly as protocol doc §6.1 says
(e.g. 145 by ``(sensorId, uuid)``, 119 by ``(revisionUuid, ruleId)``, 66 by
``(generatorId, ruleId)``, 123 by the device ``id``).  :data:`TABLE_SPECS` declares,
per record type, the key fields and the value fields kept (the first value field is the
name :meth:`MetadataCache.lookup` returns).  Field names are the protocol doc's (§6.2).

Every table holds at most ``max_entries_per_table`` entries; past that, the least
recently learned or looked-up entry is dropped (and counted in ``evictions``).  The
snapshot (:meth:`MetadataCache.to_json`) is plain JSON, never pickle: keys of one field
are JSON scalars, keys of several fields are JSON lists, tables and entries are written
in a fixed order.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from cef_connector.errors import CefConnectorError

if TYPE_CHECKING:
    from cef_connector.estreamer import Record

__all__ = [
    "DEFAULT_MAX_ENTRIES_PER_TABLE",
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_VERSION",
    "TABLE_SPECS",
    "MetadataCache",
    "MetadataSnapshotError",
    "TableSpec",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ENTRIES_PER_TABLE = 200_000

#: Marks a snapshot written by this module.
SNAPSHOT_FORMAT = "cef-connector metadata cache"
SNAPSHOT_VERSION = 1

Scalar = int | str
Value = int | str | None


class MetadataSnapshotError(CefConnectorError):
    """A metadata snapshot does not have the structure :meth:`MetadataCache.to_json` writes."""


@dataclass(frozen=True)
class TableSpec:
    """How one metadata record type is stored.

    Attributes:
        record_type: the metadata record type.
        key_fields: record fields forming the key (protocol doc §6.1), in key order.
        value_fields: record fields kept; the first one is the name.
    """

    record_type: int
    key_fields: tuple[str, ...]
    value_fields: tuple[str, ...]


def _specs(*groups: tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...]]) -> dict[int, TableSpec]:
    result: dict[int, TableSpec] = {}
    for record_types, keys, values in groups:
        for record_type in record_types:
            result[record_type] = TableSpec(record_type, keys, values)
    return result


_ID = ("id",)
_UUID = ("uuid",)
_NAME = ("name",)

#: Record type → storage spec (protocol doc §6.1 keys, §6.2 field names).
TABLE_SPECS: Mapping[int, TableSpec] = MappingProxyType(
    _specs(
        # IDLEN "id, uint32 length, name" records, R4 priority, users 62/98 (block 57).
        (
            (4, 55, 58, 59, 60, 61, 62, 63, 90, 91, 96, 98, 109, 120, 121, 122, 123)
            + (128, 129, 130, 131, 281, 300, 302, 350, 510, 515, 516, 517, 518, 519)
            + (602, 604, 605, 606, 607, 608, 613),
            _ID,
            _NAME,
        ),
        ((54,), _UUID, ("name", "vendor", "version")),
        ((66,), ("generatorId", "ruleId"), ("message", "signatureId", "ruleRevision")),
        ((67, 69, 70), _ID, ("name", "description")),
        ((111,), ("type",), ("name", "encoding")),
        ((115, 116, 117, 118, 127, 132, 282, 322, 530, 600, 700), _UUID, _NAME),
        ((119,), ("revisionUuid", "ruleId"), _NAME),
        ((124,), _ID, ("description",)),
        ((145, 146, 147), ("sensorId", "uuid"), _NAME),
        ((161,), _ID, ("category", "eventType")),
        ((260,), ("protocol", "type"), ("description",)),
        ((270,), ("code",), ("description",)),
        ((280,), ("id", "accessControlPolicyUuid"), _NAME),
        ((301,), _ID, ("profileName", "fullName")),
        ((320, 321), _ID, ("name", "description")),
        ((511,), ("shaHash",), ("fileName", "disposition")),
        ((520,), ("countryCode",), ("country",)),
        ((601,), ("revision", "id"), _NAME),
        ((614,), ("fingerprintSha",), ("subjectCn", "issuerCn")),
    )
)


def _is_scalar(value: object) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _is_value(value: object) -> bool:
    return value is None or _is_scalar(value)


class MetadataCache:
    """ID-to-name tables learned from metadata records.

    Args:
        max_entries_per_table: the most entries any one table holds (at least 1).

    Attributes:
        evictions: entries dropped so far because a table was full.

    Raises:
        ValueError: ``max_entries_per_table`` is below 1 (a programming error).
    """

    def __init__(self, max_entries_per_table: int = DEFAULT_MAX_ENTRIES_PER_TABLE) -> None:
        if max_entries_per_table < 1:
            raise ValueError(f"max_entries_per_table must be at least 1, not {max_entries_per_table}")
        self.max_entries_per_table = max_entries_per_table
        self.evictions = 0
        self._tables: dict[int, OrderedDict[Hashable, tuple[Value, ...]]] = {}

    def __len__(self) -> int:
        return sum(len(table) for table in self._tables.values())

    def table_size(self, record_type: int) -> int:
        """Count the entries of one table.

        Args:
            record_type: the metadata record type.

        Returns:
            The number of entries stored for it.
        """
        return len(self._tables.get(record_type, ()))

    def learn(self, record: Record) -> bool:
        """Store the names a metadata record carries.

        Args:
            record: any decoded record (``record_type`` and ``fields`` are used).

        Returns:
            True when the record was a metadata record of a known table and was stored;
            False for other records and for metadata records missing a key field or
            their name.
        """
        spec = TABLE_SPECS.get(record.record_type)
        if spec is None:
            return False
        fields = record.fields
        key_values = tuple(fields.get(name) for name in spec.key_fields)
        if not all(_is_scalar(value) for value in key_values):
            logger.debug(
                "Metadata record %d without usable key %s: not stored",
                record.record_type,
                spec.key_fields,
            )
            return False
        values = tuple(fields.get(name) for name in spec.value_fields)
        if not _is_scalar(values[0]):
            return False
        values = tuple(value if _is_value(value) else None for value in values)
        key: Hashable = key_values[0] if len(key_values) == 1 else key_values
        self._store(spec.record_type, key, values)
        return True

    def _store(self, record_type: int, key: Hashable, values: tuple[Value, ...]) -> None:
        table = self._tables.get(record_type)
        if table is None:
            table = self._tables[record_type] = OrderedDict()
        if key in table:
            table.move_to_end(key)
        elif len(table) >= self.max_entries_per_table:
            table.popitem(last=False)
            self.evictions += 1
        table[key] = values

    def _entry(self, record_type: int, key: Hashable) -> tuple[Value, ...] | None:
        table = self._tables.get(record_type)
        if table is None:
            return None
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        try:
            entry = table.get(key)
        except TypeError:  # an unhashable key from a malformed record
            return None
        if entry is not None:
            table.move_to_end(key)
        return entry

    def lookup(self, record_type: int, key: Hashable) -> str | None:
        """Return the name stored for a key.

        Args:
            record_type: the metadata record type (e.g. 123 for devices).
            key: the key as §6.1 gives it: a scalar for one field (``3``,
                ``"0011..."``), a tuple for several (``(sensorId, uuid)``).

        Returns:
            The name (first value field), or None when unknown.
        """
        entry = self._entry(record_type, key)
        if entry is None:
            return None
        name = entry[0]
        return name if isinstance(name, str) else None

    def lookup_field(self, record_type: int, key: Hashable, field: str) -> int | str | None:
        """Return another stored field of an entry (e.g. 66 ``signatureId``, 67 ``description``).

        Args:
            record_type: the metadata record type.
            key: the key, as for :meth:`lookup`.
            field: one of the table's value fields.

        Returns:
            The stored value, or None when the entry or the field is unknown.
        """
        spec = TABLE_SPECS.get(record_type)
        if spec is None or field not in spec.value_fields:
            return None
        entry = self._entry(record_type, key)
        if entry is None:
            return None
        return entry[spec.value_fields.index(field)]

    def to_json(self) -> dict[str, Any]:
        """Snapshot every table as JSON-serialisable data.

        Returns:
            ``{"format", "version", "tables": {"<record type>": [[key, [values]], ...]}}``
            with tables in record-type order and entries from least to most recently
            used.
        """
        tables: dict[str, list[list[Any]]] = {}
        for record_type in sorted(self._tables):
            table = self._tables[record_type]
            if not table:
                continue
            tables[str(record_type)] = [
                [list(key) if isinstance(key, tuple) else key, list(values)]
                for key, values in table.items()
            ]
        return {"format": SNAPSHOT_FORMAT, "version": SNAPSHOT_VERSION, "tables": tables}

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any],
        max_entries_per_table: int = DEFAULT_MAX_ENTRIES_PER_TABLE,
    ) -> MetadataCache:
        """Rebuild a cache from :meth:`to_json` output.

        Tables of record types this version does not know are skipped.

        Args:
            data: the snapshot.
            max_entries_per_table: bound of the new cache (older entries are dropped
                when a snapshot table is larger).

        Returns:
            The cache.

        Raises:
            MetadataSnapshotError: the snapshot does not have the expected structure.
        """
        if not isinstance(data, Mapping) or data.get("format") != SNAPSHOT_FORMAT:
            raise MetadataSnapshotError("not a cef-connector metadata snapshot")
        if data.get("version") != SNAPSHOT_VERSION:
            raise MetadataSnapshotError(
                f"snapshot version {data.get('version')!r} is not {SNAPSHOT_VERSION}"
            )
        tables = data.get("tables")
        if not isinstance(tables, Mapping):
            raise MetadataSnapshotError("snapshot has no 'tables' object")
        cache = cls(max_entries_per_table)
        for name, entries in tables.items():
            try:
                record_type = int(name)
            except (TypeError, ValueError):
                raise MetadataSnapshotError(f"table name {name!r} is not a record type") from None
            spec = TABLE_SPECS.get(record_type)
            if spec is None:
                continue
            if not isinstance(entries, list):
                raise MetadataSnapshotError(f"table {name} is not a list")
            for index, entry in enumerate(entries):
                key, values = cls._decode_entry(spec, entry, f"table {name} entry {index}")
                cache._store(record_type, key, values)
        return cache

    @staticmethod
    def _decode_entry(
        spec: TableSpec, entry: Any, where: str
    ) -> tuple[Hashable, tuple[Value, ...]]:
        if not isinstance(entry, list) or len(entry) != 2:
            raise MetadataSnapshotError(f"{where} is not [key, values]")
        raw_key, raw_values = entry
        key: Hashable
        if len(spec.key_fields) == 1:
            if not _is_scalar(raw_key):
                raise MetadataSnapshotError(f"{where}: key {raw_key!r} is not a number or string")
            key = raw_key
        else:
            if (
                not isinstance(raw_key, list)
                or len(raw_key) != len(spec.key_fields)
                or not all(_is_scalar(part) for part in raw_key)
            ):
                raise MetadataSnapshotError(
                    f"{where}: key {raw_key!r} is not a list of {len(spec.key_fields)} parts"
                )
            key = tuple(raw_key)
        if (
            not isinstance(raw_values, list)
            or len(raw_values) != len(spec.value_fields)
            or not all(_is_value(value) for value in raw_values)
        ):
            raise MetadataSnapshotError(
                f"{where}: values {raw_values!r} do not match {list(spec.value_fields)}"
            )
        return key, tuple(raw_values)
