"""Layering contract, lowest first: plain helpers (fileexam/*.py such as progress, settings) < the domain
(plain Python) < the file formats and the store < the use-cases (services) < the command line and the app
(qt). No arrow runs up; only fileexam.qt imports Qt; the app's modules import each other without a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "fileexam"
FORBIDDEN_IN_DOMAIN = {"PySide6", "sqlite_utils", "sqlite3", "openpyxl", "yaml", "fileexam.formats",
                       "fileexam.store", "fileexam.services", "fileexam.qt", "fileexam.cli"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


ABOVE_FORMATS_AND_STORE = {"fileexam.services", "fileexam.qt", "fileexam.cli", "fileexam.faults"}
ABOVE_SERVICES = {"fileexam.qt", "fileexam.cli", "fileexam.faults"}


def _hits(names: set[str], forbidden: set[str]) -> set[str]:
    return {n for n in names for f in forbidden if n == f or n.startswith(f + ".")}


@pytest.mark.parametrize("path", sorted((PACKAGE / "domain").rglob("*.py")), ids=lambda p: p.name)
def test_domain_module__imports_no_io_or_gui_library(path):
    assert _hits(imports_of(path), FORBIDDEN_IN_DOMAIN) == set()


def test_only_the_qt_package_imports_pyside6():
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if "qt" not in p.relative_to(PACKAGE).parts and _hits(imports_of(p), {"PySide6"})]
    assert offenders == []


def test_contract_checker__catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom yaml import safe_load\nimport PySide6.QtCore\n")
    assert _hits(imports_of(bad), FORBIDDEN_IN_DOMAIN) == {"yaml", "PySide6.QtCore"}


@pytest.mark.parametrize("path", sorted([*(PACKAGE / "formats").rglob("*.py"), *(PACKAGE / "store").rglob("*.py")]),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_formats_and_store__import_nothing_above_them(path):
    """A file format or the store taking a progress callback imports it from fileexam.progress, not from
    the use-cases: an arrow from formats/ or store/ up to services/ (or the app) is a layering break."""
    assert _hits(imports_of(path), ABOVE_FORMATS_AND_STORE) == set()


@pytest.mark.parametrize("path", sorted((PACKAGE / "services").rglob("*.py")), ids=lambda p: p.name)
def test_services__import_neither_the_app_nor_the_command_line(path):
    assert _hits(imports_of(path), ABOVE_SERVICES) == set()


def test_progress_callback__lives_below_every_layer():
    from fileexam import progress
    from fileexam.services import progress as old_home

    assert imports_of(PACKAGE / "progress.py") <= {"__future__", "typing"}
    assert old_home.Progress is progress.Progress and old_home.no_progress is progress.no_progress


def test_contract_checker__catches_formats_importing_a_use_case(tmp_path):
    bad = tmp_path / "exchange.py"
    bad.write_text("from fileexam.services.progress import Progress\nfrom fileexam.domain.cases import Case\n"
                   "def f():\n    from fileexam.qt.plain import words\n")
    assert _hits(imports_of(bad), ABOVE_FORMATS_AND_STORE) == {"fileexam.services.progress", "fileexam.qt.plain"}


def _module_graph(package: Path, prefix: str) -> dict[str, set[str]]:
    """Which module of `package` imports which (at the top or inside a function: a circle either way)."""
    def name(p: Path) -> str:
        parts = p.relative_to(ROOT).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    modules = {name(p): p for p in package.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
        graph[module] = {m for m in found if m in modules and m != module and m.startswith(prefix)}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once: a module that reaches itself again."""
    circles, seen = [], set()
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            module, path = stack.pop()
            for nxt in sorted(graph[module]):
                if nxt == start:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        circles.append(path + [start])
                elif nxt not in path and len(path) < 8:
                    stack.append((nxt, path + [nxt]))
    return circles


def test_app_modules__import_each_other_without_a_circle():
    """qt/app.py starts the app and builds the windows; the windows import nothing from it (the demo file
    and the settings they need live below, in qt/demo_file.py)."""
    assert _circles(_module_graph(PACKAGE / "qt", "fileexam.qt")) == []


def test_circle_finder__finds_a_circle(tmp_path):
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
