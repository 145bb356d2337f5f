"""The protocol core imports only the standard library and cef_connector.errors (style rule 1)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import cef_connector.estreamer as package

PACKAGE_DIR = Path(package.__file__).parent
# No sockets, ssl, files, clocks, threads or logging handlers in the core.
FORBIDDEN = {
    "socket", "ssl", "OpenSSL", "time", "datetime", "threading", "logging", "os", "io",
    "select", "asyncio", "random",
}  # fmt: skip


def imported_modules(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_package_imports_only_stdlib_and_errors() -> None:
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) >= 10
    problems = []
    for path in modules:
        for name, level in imported_modules(path):
            if level > 0:
                continue  # relative: inside cef_connector.estreamer
            top = name.split(".")[0]
            if name == "cef_connector.errors" or name == "__future__":
                continue
            if top in FORBIDDEN or top not in sys.stdlib_module_names:
                problems.append(f"{path.name}: imports {name}")
    assert problems == []


def test_public_names_are_all_exported() -> None:
    for name in package.__all__:
        assert hasattr(package, name), name
    assert {"Connection", "NEED_DATA", "decode_record", "encode_bundle", "Limits"} <= set(package.__all__)
