"""Durable file-system updates: atomic replacement of a file and directory fsync.

Shared by the bookmark, the metadata cache, the status file and the outputs, so
that every "this is on disk now" promise is kept the same way.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["fsync_directory", "write_atomically"]


def write_atomically(path: Path, data: bytes) -> None:
    """Replace a file's content so that readers see the old or the new content, never a mix.

    Writes a temporary file in the same directory, ``fsync``s it, renames it over
    ``path`` with ``os.replace`` and ``fsync``s the directory.  The directory is
    created when missing.

    Args:
        path: the file to replace.
        data: its new content.

    Raises:
        OSError: the directory, temporary file, rename or sync failed (the temporary
            file is removed).
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (``fsync`` of the directory).

    Platforms without directory handles and file systems that refuse a directory
    ``fsync`` are tolerated: there is nothing more a process can do on them.

    Args:
        directory: the directory whose entries changed.
    """
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - some file systems refuse directory fsync
        pass
    finally:
        os.close(dir_fd)
