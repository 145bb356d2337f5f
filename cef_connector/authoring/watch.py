"""``run --watch``: notice edits of mapping and template files by polling their times.

No new dependency and no inotify: every poll lists the watched directories (the packaged
set when it is on the file system, the shared templates, the override directories) and
compares each ``*.yaml``/``*.j2`` file's modification time and size with the last poll
(directories themselves are not compared: editors' swap files would look like changes).
A new, removed or changed file counts as a change; the service then asks every runner to
reload its mappings, which compiles and checks them first and keeps the ones in use on
any problem (exactly as SIGHUP does, without starting new output files).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cef_connector.mapping.loader import mapping_sources

__all__ = ["MappingWatcher", "POLL_SECONDS"]

log = logging.getLogger(__name__)

#: How often ``run --watch`` looks at the files.
POLL_SECONDS = 1.0

_Stamp = tuple[int, int]


class MappingWatcher:
    """Tells whether any watched mapping or template file changed since the last look.

    Args:
        list_paths: returns the files to watch (called at every poll, so that new files
            are seen).
    """

    def __init__(self, list_paths: Callable[[], list[Path]]) -> None:
        self._list_paths = list_paths
        self._stamps = self._snapshot()

    @classmethod
    def for_settings(cls, settings: Any) -> MappingWatcher:
        """Watch what the configured mapping set is read from.

        Args:
            settings: the configuration (mapping set and override directories).

        Returns:
            The watcher, with the current state as its starting point.
        """
        return cls(lambda: mapping_sources(
            settings.mapping_set, override_dir=settings.mappings_dir,
            override_templates_dir=settings.templates_dir))

    @property
    def paths(self) -> list[Path]:
        """The files watched at the last look."""
        return list(self._stamps)

    def _snapshot(self) -> dict[Path, _Stamp]:
        stamps: dict[Path, _Stamp] = {}
        for path in self._list_paths():
            try:
                status = os.stat(path)
            except OSError:
                continue  # removed between the listing and now: the next poll sees it
            stamps[path] = (status.st_mtime_ns, status.st_size)
        return stamps

    def changed(self) -> list[Path]:
        """Look again; return the files that changed, appeared or disappeared.

        Returns:
            The changed paths (empty when nothing changed).
        """
        now = self._snapshot()
        changed = sorted({path for path in now.keys() | self._stamps.keys()
                          if now.get(path) != self._stamps.get(path)})
        self._stamps = now
        if changed:
            log.info("mapping files changed: %s", ", ".join(str(path) for path in changed))
        return changed
