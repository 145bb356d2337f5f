"""Destinations of CEF lines, chosen by the scheme of eNcore's stream URI.

Public API::

    build_output(spec, *, base_dir, clock, hostname) -> Output
    Output (protocol), FileOutput, OutputSpec (= config OutputterSettings)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from cef_connector.config.schema import OutputterSettings as OutputSpec
from cef_connector.outputs.base import AT_LEAST_ONCE, BEST_EFFORT, Output
from cef_connector.outputs.file import FileOutput
from cef_connector.outputs.uri import FILE_SCHEMES, parse_output_uri

__all__ = [
    "AT_LEAST_ONCE",
    "BEST_EFFORT",
    "FILE_SCHEMES",
    "FileOutput",
    "Output",
    "OutputSpec",
    "build_output",
]


def build_output(
    spec: OutputSpec,
    *,
    base_dir: Path,
    clock: Callable[[], float],
    hostname: str,
    local_time: Callable[[float], time.struct_time] = time.localtime,
) -> Output:
    """Create the output an outputter's settings describe (not yet opened).

    Args:
        spec: one enabled outputter from the settings.
        base_dir: directory ``relfile://`` URIs are relative to (the configuration
            file's directory).
        clock: returns the current epoch time (file names, the ``"encore"`` prefix).
        hostname: host name for the ``"encore"`` prefix.
        local_time: epoch seconds to broken-down local time (tests pass ``time.gmtime``).

    Returns:
        An :class:`Output`; call ``open()`` before writing.

    Raises:
        OutputError: the URI's scheme is not supported (``udp``, ``tcp``, ...), or the
            URI or options are invalid.
    """
    target = parse_output_uri(spec.uri, base_dir)
    return FileOutput(
        target.directory,
        target.name_template,
        clock=clock,
        hostname=hostname,
        rotate=spec.rotate,
        max_lines=spec.max_lines,
        max_bytes=spec.max_bytes,
        prefix=spec.prefix,
        local_time=local_time,
        name=spec.name or spec.uri,
    )
