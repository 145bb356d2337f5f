"""The import rules of the style guide (section 5.1), checked by parsing the source."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cef_connector"

#: modules nothing in a pure package may import: I/O, clocks, threads
IO_MODULES = {"socket", "ssl", "OpenSSL", "select", "selectors", "threading", "asyncio",
              "subprocess", "time", "os", "shutil", "tempfile", "signal", "io"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _pure_files(subpackage: str) -> list[Path]:
    return sorted((PACKAGE / subpackage).glob("*.py"))


def test_protocol_core_imports_only_stdlib_and_errors() -> None:
    files = _pure_files("estreamer")
    assert files, "cef_connector/estreamer has no modules"
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "cef_connector":
                assert name == "cef_connector.errors" or name.startswith(
                    "cef_connector.estreamer"), f"{path.name} imports {name}"
            else:
                assert top in sys.stdlib_module_names, f"{path.name} imports {name}"
                assert top not in IO_MODULES, f"{path.name} imports I/O module {name}"


@pytest.mark.parametrize("subpackage", ["estreamer", "cef"])
def test_pure_packages_do_no_io(subpackage: str) -> None:
    for path in _pure_files(subpackage):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print", "input"}, (
                    f"{subpackage}/{path.name} calls {node.func.id}()")
        for name in _imports(path):
            assert name.split(".")[0] not in IO_MODULES, f"{subpackage}/{path.name} imports {name}"


def test_mapping_engine_does_no_io() -> None:
    path = PACKAGE / "mapping" / "engine.py"
    for name in _imports(path):
        assert name.split(".")[0] not in IO_MODULES, f"mapping/engine.py imports {name}"


def test_every_module_starts_with_a_docstring() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(PACKAGE)} has no module docstring"
