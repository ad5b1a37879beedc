"""Layering contract: the domain is plain Python; only fileexam.qt imports Qt."""

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
