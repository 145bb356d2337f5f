"""The meaning of eNcore's output stream URIs (``relfile:///dir/name.{0}.cef``).

eNcore selects an output by the URI scheme and, for files, takes the last path segment
as the file name template, in which ``{0}`` is replaced when a file is created (CEF doc
§3.4).  This version writes files only; every other scheme eNcore knew (``udp``,
``tcp``, ``scp``, ``http``) is refused with a message that says which ones work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cef_connector.errors import OutputError

__all__ = ["FILE_SCHEMES", "NAME_PLACEHOLDER", "FileTarget", "parse_output_uri"]

#: URI schemes this version can write to.
FILE_SCHEMES: tuple[str, ...] = ("file", "relfile")

#: Replaced by a unique, sortable UTC time stamp in each new file name.
NAME_PLACEHOLDER = "{0}"

#: eNcore's file name when the URI ends with "/".
_DEFAULT_NAME = "log{0}"

_EXAMPLES = "relfile:///data/encore.{0}.cef or file:///var/log/cef/encore.{0}.cef"


@dataclass(frozen=True)
class FileTarget:
    """Where a file output writes.

    Attributes:
        directory: directory of the files (absolute when ``base_dir`` was absolute).
        name_template: file name with one ``{0}`` placeholder.
    """

    directory: Path
    name_template: str


def parse_output_uri(uri: str, base_dir: Path) -> FileTarget:
    """Split an eNcore file URI into a directory and a file name template.

    ``relfile:///a/b/name.{0}.cef`` is ``a/b`` under ``base_dir``;
    ``file:///a/b/name.{0}.cef`` is the absolute directory ``/a/b``.  A URI that ends
    with ``/`` uses eNcore's name ``log{0}``.

    Args:
        uri: the ``stream.uri`` value.
        base_dir: directory that ``relfile://`` paths are relative to.

    Returns:
        The directory and the file name template.

    Raises:
        OutputError: unsupported scheme, missing ``://``, a host part, or a file name
            without ``{0}``.
    """
    scheme, separator, rest = uri.partition("://")
    if not separator:
        raise OutputError(f"output URI {uri!r} has no '://'; write it like {_EXAMPLES}")
    scheme = scheme.lower()
    if scheme not in FILE_SCHEMES:
        raise OutputError(
            f"output scheme {scheme!r} is not supported by this version; "
            "supported: file://, relfile://"
        )
    authority, _, path = rest.partition("/")
    if authority:
        raise OutputError(
            f"output URI {uri!r} has a host part {authority!r}; file URIs take three "
            f"slashes, e.g. {scheme}:///{authority}/{path}"
        )
    directory_part, _, name = path.rpartition("/")
    if not name:
        name = _DEFAULT_NAME
    if NAME_PLACEHOLDER not in name:
        raise OutputError(
            f"output file name {name!r} in {uri!r} has no {NAME_PLACEHOLDER}; add it "
            "(it is replaced by a unique time stamp, so that no file is ever overwritten), "
            f"e.g. {_EXAMPLES}"
        )
    if scheme == "relfile":
        directory = base_dir / directory_part if directory_part else base_dir
    else:
        directory = Path("/") / directory_part
    return FileTarget(directory=directory, name_template=name)
