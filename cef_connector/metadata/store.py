"""The on-disk snapshot of the metadata cache per FMC (``<host>-<port>_metadata.json``).

The snapshot lets names resolve right after a restart, before the FMC has sent its
metadata again.  It is written atomically (temporary file, fsync, rename).  A missing
file gives an empty cache; an unreadable or corrupt one is logged as a warning and
also gives an empty cache: that loses no event, because the FMC sends metadata at the
start of a session and, until a name arrives, events simply carry the raw ID.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from cef_connector.durable import write_atomically
from cef_connector.errors import CefConnectorError
from cef_connector.metadata.cache import (
    DEFAULT_MAX_ENTRIES_PER_TABLE,
    MetadataCache,
    MetadataSnapshotError,
)

__all__ = ["MetadataStore", "MetadataStoreError", "load_metadata", "metadata_path", "save_metadata"]

logger = logging.getLogger(__name__)


class MetadataStoreError(CefConnectorError):
    """The metadata snapshot could not be written (the path and cause are named)."""


def metadata_path(state_dir: Path, host: str, port: int) -> Path:
    """Return the snapshot file name for one server.

    Args:
        state_dir: directory holding the state files.
        host: the server's host as configured.
        port: the server's port.

    Returns:
        ``state_dir / "<host>-<port>_metadata.json"``.
    """
    return Path(state_dir) / f"{host}-{port}_metadata.json"


class MetadataStore:
    """Loads and saves one server's metadata snapshot.

    Args:
        path: the snapshot file (see :func:`metadata_path`).
        max_entries_per_table: bound of the caches it loads.
    """

    def __init__(
        self, path: Path, max_entries_per_table: int = DEFAULT_MAX_ENTRIES_PER_TABLE
    ) -> None:
        self.path = Path(path)
        self.max_entries_per_table = max_entries_per_table

    @classmethod
    def for_server(cls, state_dir: Path, host: str, port: int) -> MetadataStore:
        """Create the store of a server in a state directory.

        Args:
            state_dir: directory holding the state files.
            host: the server's host as configured.
            port: the server's port.

        Returns:
            The store at :func:`metadata_path`.
        """
        return cls(metadata_path(state_dir, host, port))

    def load(self) -> MetadataCache:
        """Read the snapshot.

        Returns:
            The cache it holds; an empty cache when the file is missing, unreadable
            or corrupt (the last two are logged as a warning).
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            logger.info("No metadata cache file %s yet; starting with an empty cache", self.path)
            return MetadataCache(self.max_entries_per_table)
        except OSError as exc:
            return self._discard(f"cannot be read ({exc.strerror or exc})")
        try:
            data = json.loads(raw.decode("utf-8"))
            cache = MetadataCache.from_json(data, self.max_entries_per_table)
        except (UnicodeDecodeError, ValueError) as exc:
            return self._discard(f"is not valid JSON ({exc})")
        except MetadataSnapshotError as exc:
            return self._discard(f"is not a valid snapshot ({exc})")
        logger.info("Loaded %d metadata entries from %s", len(cache), self.path)
        return cache

    def _discard(self, reason: str) -> MetadataCache:
        logger.warning(
            "Metadata cache file %s %s; starting with an empty cache. No events are lost: "
            "the FMC sends metadata at the start of the session, and until a name arrives "
            "events carry the raw ID. The file is replaced at the next save.",
            self.path,
            reason,
        )
        return MetadataCache(self.max_entries_per_table)

    def save(self, cache: MetadataCache) -> None:
        """Write the snapshot atomically.

        Args:
            cache: the cache to save.

        Raises:
            MetadataStoreError: the file could not be written (directory missing and
                not creatable, permissions, disk full).
        """
        data = json.dumps(cache.to_json(), ensure_ascii=False, separators=(",", ":"))
        try:
            write_atomically(self.path, data.encode("utf-8"))
        except OSError as exc:
            raise MetadataStoreError(
                f"cannot write metadata cache file {self.path}: {exc.strerror or exc}; check "
                "that the state directory is writable and has free space"
            ) from exc


def load_metadata(
    path: Path, max_entries_per_table: int = DEFAULT_MAX_ENTRIES_PER_TABLE
) -> MetadataCache:
    """Read a metadata snapshot (see :meth:`MetadataStore.load`).

    Args:
        path: the snapshot file.
        max_entries_per_table: bound of the returned cache.

    Returns:
        The cache; empty when the file is missing, unreadable or corrupt.
    """
    return MetadataStore(path, max_entries_per_table).load()


def save_metadata(cache: MetadataCache, path: Path) -> None:
    """Write a metadata snapshot atomically (see :meth:`MetadataStore.save`).

    Args:
        cache: the cache to save.
        path: the snapshot file.

    Raises:
        MetadataStoreError: the file could not be written.
    """
    MetadataStore(path).save(cache)
