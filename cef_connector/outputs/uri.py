"""The meaning of eNcore's output stream URIs (``relfile:///dir/name.{0}.cef``).

eNcore selects an output by the URI scheme and, for files, takes the last path segment
as the file name template, in which ``{0}`` is replaced when a file is created (CEF doc
§3.4).  ``udp://host:port``, ``tcp://host:port`` and ``tls://host:port`` are syslog
destinations (``[v6addr]:port`` for IPv6 literals; the port defaults to 514, or 6514 for
TLS, RFC 5425 §4.1).  Every other scheme eNcore knew (``scp``, ``http``) is refused with
a message that says which ones work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cef_connector.errors import OutputError

__all__ = [
    "FILE_SCHEMES",
    "NAME_PLACEHOLDER",
    "SYSLOG_DEFAULT_PORTS",
    "SYSLOG_SCHEMES",
    "FileTarget",
    "SyslogTarget",
    "parse_output_uri",
    "parse_syslog_uri",
]

#: URI schemes this version can write to.
FILE_SCHEMES: tuple[str, ...] = ("file", "relfile")

#: Syslog destination schemes and their default ports (RFC 5426 §3.3: 514/udp; RFC 6587
#: names no port, 514/tcp is common; RFC 5425 §4.1: 6514/tcp for TLS).
SYSLOG_DEFAULT_PORTS: dict[str, int] = {"udp": 514, "tcp": 514, "tls": 6514}
SYSLOG_SCHEMES: tuple[str, ...] = tuple(SYSLOG_DEFAULT_PORTS)

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


@dataclass(frozen=True)
class SyslogTarget:
    """One syslog destination.

    Attributes:
        scheme: ``udp``, ``tcp`` or ``tls``.
        host: host name or address (IPv6 without brackets).
        port: 1..65535.
    """

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_syslog_uri(uri: str) -> SyslogTarget:
    """Read ``udp://host:port``, ``tcp://host:port`` or ``tls://host:port``.

    Args:
        uri: the destination URI; the port may be left out (514, or 6514 for ``tls``);
            a trailing ``/`` is allowed, any other path is not.

    Returns:
        The scheme (lower case), host and port.

    Raises:
        OutputError: another scheme, no host, a path, or a port that is not 1..65535.
    """
    scheme, separator, rest = uri.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in SYSLOG_SCHEMES:
        raise OutputError(
            f"syslog URI {uri!r} must look like udp://host:514, tcp://host:514 or "
            "tls://host:6514"
        )
    authority, _, path = rest.partition("/")
    if path:
        raise OutputError(
            f"syslog URI {uri!r} has a path {'/' + path!r}; write {scheme}://host:port"
        )
    if authority.startswith("["):
        host, bracket, port_text = authority[1:].partition("]")
        if not bracket or (port_text and not port_text.startswith(":")):
            raise OutputError(f"syslog URI {uri!r}: write IPv6 addresses as [2001:db8::1]:514")
        port_text = port_text[1:]
    elif authority.count(":") > 1:
        raise OutputError(f"syslog URI {uri!r}: write IPv6 addresses as [2001:db8::1]:514")
    else:
        host, _, port_text = authority.partition(":")
    if not host:
        raise OutputError(f"syslog URI {uri!r} has no host; write {scheme}://host:port")
    if not port_text:
        return SyslogTarget(scheme, host, SYSLOG_DEFAULT_PORTS[scheme])
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise OutputError(f"syslog URI {uri!r}: port {port_text!r} is not a number 1..65535")
    return SyslogTarget(scheme, host, int(port_text))


def parse_output_uri(uri: str, base_dir: Path) -> FileTarget | SyslogTarget:
    """Split an eNcore file URI into a directory and a file name template.

    ``relfile:///a/b/name.{0}.cef`` is ``a/b`` under ``base_dir``;
    ``file:///a/b/name.{0}.cef`` is the absolute directory ``/a/b``.  A URI that ends
    with ``/`` uses eNcore's name ``log{0}``.

    Args:
        uri: the ``stream.uri`` value.
        base_dir: directory that ``relfile://`` paths are relative to.

    Returns:
        The directory and the file name template; for ``udp``/``tcp``/``tls`` the
        :class:`SyslogTarget` of :func:`parse_syslog_uri`.

    Raises:
        OutputError: unsupported scheme, missing ``://``, a host part, or a file name
            without ``{0}``; for syslog URIs, see :func:`parse_syslog_uri`.
    """
    scheme, separator, rest = uri.partition("://")
    if not separator:
        raise OutputError(f"output URI {uri!r} has no '://'; write it like {_EXAMPLES}")
    scheme = scheme.lower()
    if scheme in SYSLOG_SCHEMES:
        return parse_syslog_uri(uri)
    if scheme not in FILE_SCHEMES:
        raise OutputError(
            f"output scheme {scheme!r} is not supported by this version; "
            "supported: file://, relfile://, udp://, tcp://, tls://"
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
