"""A module's underscore names are its own: no module of the documents app imports another
module's private helper (what two modules share is a small public module, e.g.
``services/letters/issuing.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1]


def _private_imports(path: Path, root: Path = APP) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.module == "__future__":
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                module = "." * node.level + (node.module or "")
                found.append(f"{path.relative_to(root)}:{node.lineno} {module}.{alias.name}")
    return found


def test_no_module_imports_another_modules_private_names():
    modules = [
        p for p in APP.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts
    ]
    assert len(modules) > 50
    assert [hit for path in modules for hit in _private_imports(path)] == []


def test_the_check_sees_a_private_import(tmp_path):
    module = tmp_path / "signing.py"
    module.write_text("from .decisions import _issue, position_of\n", encoding="utf-8")
    assert _private_imports(module, tmp_path) == ["signing.py:1 .decisions._issue"]
