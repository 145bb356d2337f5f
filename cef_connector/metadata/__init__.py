"""Metadata: names for the IDs in events, learned from metadata records and kept on disk.

Public API::

    MetadataCache(max_entries_per_table=200_000)
        .learn(record) -> bool, .lookup(record_type, key) -> str | None,
        .lookup_field(record_type, key, field), .lookup_entry(record_type, key),
        .to_json(), MetadataCache.from_json(data)
    TABLE_SPECS: metadata record type -> TableSpec (key and value fields, protocol doc §6.1)
    names_for(record, cache) -> dict[str, str]
    NAME_TABLE: event record type -> name key -> source; NAME_KEYS: record type -> name keys
    MetadataStore(path).load() / .save(cache); metadata_path(state_dir, host, port)
    load_metadata(path) -> MetadataCache; save_metadata(cache, path)
    protocol_name(number) -> str | None
"""

from __future__ import annotations

from cef_connector.metadata.cache import (
    DEFAULT_MAX_ENTRIES_PER_TABLE,
    TABLE_SPECS,
    MetadataCache,
    MetadataSnapshotError,
    TableSpec,
)
from cef_connector.metadata.names import (
    DEFENSE_CENTER,
    LIST_SEPARATOR,
    NAME_KEYS,
    NAME_TABLE,
    names_for,
)
from cef_connector.metadata.protocols import PROTOCOL_NAMES, protocol_name
from cef_connector.metadata.store import (
    MetadataStore,
    MetadataStoreError,
    load_metadata,
    metadata_path,
    save_metadata,
)

__all__ = [
    "DEFAULT_MAX_ENTRIES_PER_TABLE",
    "DEFENSE_CENTER",
    "LIST_SEPARATOR",
    "NAME_KEYS",
    "NAME_TABLE",
    "PROTOCOL_NAMES",
    "TABLE_SPECS",
    "MetadataCache",
    "MetadataSnapshotError",
    "MetadataStore",
    "MetadataStoreError",
    "TableSpec",
    "load_metadata",
    "metadata_path",
    "names_for",
    "protocol_name",
    "save_metadata",
]
