"""The ID-to-name tables learned from metadata records, bounded, with a JSON snapshot.

Each metadata record type has one table, keyed as protocol doc §6.1 says (e.g. 145 by
``(sensorId, uuid)``, 119 by ``(revisionUuid, ruleId)``, 66 by ``(generatorId, ruleId)``,
123 by the device ``id``).  :data:`TABLE_SPECS` declares, per record type, the key fields
and the value fields kept (the first value field is the name :meth:`MetadataCache.lookup`
returns).  Field names are the protocol doc's (§5.10, §6.2); where the doc gives no field
table (records 57, 106, 140) they are those of ``estreamer.metadata_layouts``.

Keys are stored in one canonical form so that events find them whatever wire type they
carry an ID in: a UUID is always the dashed lowercase text (record 601 sends its revision
as a raw uint8[16], which decodes to 32 hex digits, and is converted), a SHA-256 is
lowercase hex.

Every table holds at most ``max_entries_per_table`` entries; past that, the least
recently learned or looked-up entry is dropped (and counted in ``evictions``).  The
snapshot (:meth:`MetadataCache.to_json`) is plain JSON, never pickle: each table names its
key and value fields, keys of one field are JSON scalars, keys of several fields are JSON
lists, tables and entries are written in a fixed order.  A table saved under another spec
(an older version keyed it differently) is dropped on load, not misread.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from cef_connector.errors import CefConnectorError

if TYPE_CHECKING:
    from cef_connector.estreamer import Record

__all__ = [
    "DEFAULT_MAX_ENTRIES_PER_TABLE",
    "KEY_FORMS",
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_VERSION",
    "TABLE_SPECS",
    "MetadataCache",
    "MetadataSnapshotError",
    "TableSpec",
    "uuid_text",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ENTRIES_PER_TABLE = 200_000

#: Marks a snapshot written by this module.
SNAPSHOT_FORMAT = "cef-connector metadata cache"
#: Version 2 names each table's key and value fields; version 1 (tables as bare entry
#: lists) is still read.
SNAPSHOT_VERSION = 2

Scalar = int | str
Value = int | str | None

_HEX = frozenset("0123456789abcdef")


def uuid_text(value: object) -> str | None:
    """Canonical UUID text: dashed, lowercase.

    Args:
        value: a decoded ``uuid`` field (already dashed) or a ``uint8[16]`` field (32 hex
            digits, e.g. record 400's ``securityContext``, record 601's ``revision``).

    Returns:
        ``"00112233-4455-6677-8899-aabbccddeeff"``, or None for anything else.
    """
    if not isinstance(value, str):
        return None
    text = value.lower()
    if len(text) == 36 and text.count("-") == 4:
        return text
    if len(text) == 32 and _HEX.issuperset(text):
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return None


def _lower_text(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


#: Key normalisations by name: ``"uuid"`` (see :func:`uuid_text`) and ``"lower"``
#: (lowercase text, for SHA-256 hex written as text).
KEY_FORMS: Mapping[str, Callable[[object], str | None]] = MappingProxyType(
    {"uuid": uuid_text, "lower": _lower_text}
)


class MetadataSnapshotError(CefConnectorError):
    """A metadata snapshot does not have the structure :meth:`MetadataCache.to_json` writes."""


@dataclass(frozen=True)
class TableSpec:
    """How one metadata record type is stored.

    Attributes:
        record_type: the metadata record type.
        key_fields: record fields forming the key (protocol doc §6.1), in key order.
        value_fields: record fields kept; the first one is the name.
        key_forms: per key field, the name of a :data:`KEY_FORMS` normalisation or None
            (empty: no normalisation).
    """

    record_type: int
    key_fields: tuple[str, ...]
    value_fields: tuple[str, ...]
    key_forms: tuple[str | None, ...] = ()


def _specs(*groups: tuple[Any, ...]) -> dict[int, TableSpec]:
    result: dict[int, TableSpec] = {}
    for record_types, keys, values, *forms in groups:
        for record_type in record_types:
            if record_type in result:
                raise ValueError(f"record type {record_type} has two table specs")
            result[record_type] = TableSpec(record_type, keys, values, tuple(forms))
    return result


_ID = ("id",)
_UUID = ("uuid",)
_NAME = ("name",)

#: Every metadata record type of protocol doc §6.1 → storage spec (§6.1 keys).
TABLE_SPECS: Mapping[int, TableSpec] = MappingProxyType(
    _specs(
        # IDLEN "id, uint32 length, name" records, R4 priority, users 62/98 (block 57),
        # and 350 (treated as IDLEN, keyed by id: §6.3).
        (
            (4, 55, 58, 59, 60, 61, 62, 63, 90, 91, 96, 98, 109, 120, 121, 122, 123)
            + (128, 129, 130, 131, 281, 300, 302, 350, 510, 515, 516, 517, 518, 519)
            + (602, 604, 605, 606, 607, 608, 613),
            _ID,
            _NAME,
        ),
        ((54,), _UUID, ("name", "vendor", "version")),
        # 57 vulnerability / 106 third-party scanner vulnerability: keyed by id, named by
        # title (§5.1 "fields"; the layouts are eNcore's).
        ((57, 106), _ID, ("title",)),
        ((66,), ("generatorId", "ruleId"), ("message", "signatureId", "ruleRevision")),
        ((67, 69, 70), _ID, ("name", "description")),
        ((111,), ("type",), ("name", "encoding")),
        ((115, 116, 117, 118, 127, 132, 282, 322, 530, 600, 700), _UUID, _NAME),
        ((119,), ("revisionUuid", "ruleId"), _NAME),
        ((124,), _ID, ("description",)),
        ((140,), ("signatureId", "generatorId"), ("summary",)),
        ((145, 146, 147), ("sensorId", "uuid"), _NAME),
        ((161,), _ID, ("category", "eventType")),
        ((260,), ("protocol", "type"), ("description",)),
        # §6.1: eNcore keys 270 by code alone and warns that codes collide across ICMP
        # types (code 0 is "net unreachable" for type 3 and "TTL exceeded" for type 11).
        # Block 20 carries all three, so the key is (protocol, type, code).
        ((270,), ("protocol", "type", "code"), ("description",)),
        ((280,), ("id", "accessControlPolicyUuid"), _NAME),
        ((301,), _ID, ("profileName", "fullName")),
        ((320, 321), _ID, ("name", "description")),
        ((511,), ("shaHash",), ("fileName", "disposition"), "lower"),
        ((520,), ("countryCode",), ("country",)),
        # 601's revision is a raw uint8[16] (32 hex digits); stored as UUID text so that
        # record 71's sslPolicyId (a uuid field) finds it.
        ((601,), ("revision", "id"), _NAME, "uuid", None),
        ((614,), ("fingerprintSha",), ("subjectCn", "issuerCn"), "lower"),
    )
)


#: Tables whose key changed after snapshot version 1: 270 was keyed by code alone, 601 by
#: the revision as 32 hex digits.
_CHANGED_SINCE_VERSION_1 = frozenset({270, 601})


def _is_scalar(value: object) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _is_value(value: object) -> bool:
    return value is None or _is_scalar(value)


def _spec_key(spec: TableSpec, fields: Mapping[str, Any]) -> Hashable | None:
    """The canonical key of a metadata record, or None when a key field is unusable."""
    parts: list[Any] = []
    forms = spec.key_forms
    for index, name in enumerate(spec.key_fields):
        value = fields.get(name)
        form = forms[index] if index < len(forms) else None
        if form is not None:
            value = KEY_FORMS[form](value)
        if not _is_scalar(value):
            return None
        parts.append(value)
    return parts[0] if len(parts) == 1 else tuple(parts)


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
        # record type -> key -> stored values; names.py reads these directly on its hot path.
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
        key = _spec_key(spec, fields)
        if key is None:
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
            key: the key as §6.1 gives it, in canonical form: a scalar for one field
                (``3``, ``"0011..."``), a tuple for several (``(sensorId, uuid)``).

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

    def lookup_entry(self, record_type: int, key: Hashable) -> dict[str, Value] | None:
        """Return every stored field of an entry.

        Args:
            record_type: the metadata record type.
            key: the key, as for :meth:`lookup`.

        Returns:
            Value field → stored value (e.g. ``{"name": "Windows", "vendor":
            "Microsoft", "version": "10"}`` for record 54), or None when unknown.
        """
        spec = TABLE_SPECS.get(record_type)
        if spec is None:
            return None
        entry = self._entry(record_type, key)
        if entry is None:
            return None
        return dict(zip(spec.value_fields, entry))

    def to_json(self) -> dict[str, Any]:
        """Snapshot every table as JSON-serialisable data.

        Returns:
            ``{"format", "version": 2, "tables": {"<record type>": {"key": [key
            fields], "values": [value fields], "entries": [[key, [values]], ...]}}}`` with
            tables in record-type order and entries from least to most recently used.
        """
        tables: dict[str, dict[str, Any]] = {}
        for record_type in sorted(self._tables):
            table = self._tables[record_type]
            if not table:
                continue
            spec = TABLE_SPECS[record_type]
            tables[str(record_type)] = {
                "key": list(spec.key_fields),
                "values": list(spec.value_fields),
                "entries": [
                    [list(key) if isinstance(key, tuple) else key, list(values)]
                    for key, values in table.items()
                ],
            }
        return {"format": SNAPSHOT_FORMAT, "version": SNAPSHOT_VERSION, "tables": tables}

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any],
        max_entries_per_table: int = DEFAULT_MAX_ENTRIES_PER_TABLE,
    ) -> MetadataCache:
        """Rebuild a cache from :meth:`to_json` output (version 2, or version 1).

        Tables of record types this version does not know are skipped, and so are tables
        saved with other key or value fields than this version's spec (logged): the FMC
        sends that metadata again.

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
        version = data.get("version")
        if version not in (1, SNAPSHOT_VERSION) or isinstance(version, bool):
            raise MetadataSnapshotError(
                f"snapshot version {version!r} is not 1 or {SNAPSHOT_VERSION}"
            )
        tables = data.get("tables")
        if not isinstance(tables, Mapping):
            raise MetadataSnapshotError("snapshot has no 'tables' object")
        cache = cls(max_entries_per_table)
        for name, table in tables.items():
            try:
                record_type = int(name)
            except (TypeError, ValueError):
                raise MetadataSnapshotError(f"table name {name!r} is not a record type") from None
            spec = TABLE_SPECS.get(record_type)
            if spec is None:
                continue
            entries = cls._table_entries(spec, table, version, name)
            if entries is None:
                continue
            for index, entry in enumerate(entries):
                key, values = cls._decode_entry(spec, entry, f"table {name} entry {index}")
                cache._store(record_type, key, values)
        return cache

    @staticmethod
    def _table_entries(spec: TableSpec, table: Any, version: int, name: str) -> list[Any] | None:
        """The entry list of one snapshot table; None when it was saved under another spec."""
        if version == 1:
            if not isinstance(table, list):
                raise MetadataSnapshotError(f"table {name} is not a list")
            if spec.record_type in _CHANGED_SINCE_VERSION_1:
                logger.info(
                    "Metadata snapshot table %s (version 1) is keyed differently in this "
                    "version; it is dropped until the FMC sends it again", name,
                )  # fmt: skip
                return None
            return table
        if not isinstance(table, Mapping):
            raise MetadataSnapshotError(f"table {name} is not an object")
        key_fields, value_fields = table.get("key"), table.get("values")
        entries = table.get("entries")
        if not isinstance(key_fields, list) or not isinstance(value_fields, list):
            raise MetadataSnapshotError(f"table {name} does not name its 'key' and 'values' fields")
        if not isinstance(entries, list):
            raise MetadataSnapshotError(f"table {name} has no 'entries' list")
        if tuple(key_fields) != spec.key_fields or tuple(value_fields) != spec.value_fields:
            logger.info(
                "Metadata snapshot table %s was saved keyed by %s with values %s; this version "
                "uses %s and %s, so the table is dropped until the FMC sends it again",
                name, key_fields, value_fields, list(spec.key_fields), list(spec.value_fields),
            )  # fmt: skip
            return None
        return entries

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
