"""docs/security/asvs.md stays honest: no row left "in progress", every "Met" row names a test,
and every test it names exists in the repository (function names collected with ``ast``)."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security" / "asvs.md"
STATUSES = {"Met", "Partial", "Gap", "N/A", "Process", "Design"}
# `path/to/test_file.py::test_name` or `::test_name` (same file as the reference before it);
# a parametrised id (`test_x[pl]`) names `test_x`.
REFERENCE = re.compile(r"`((?:[\w./-]+\.py)?)::(\w+)(?:\[[^\]`]*\])?`")


def _rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and re.match(r"\d+\.\d+", cells[0]):
            rows.append(cells)
    return rows


def _references(text: str) -> list[tuple[str, str]]:
    found, last_path = [], ""
    for path, name in REFERENCE.findall(text):
        last_path = path or last_path
        assert last_path, f"'::{name}' with no file before it in: {text}"
        found.append((last_path, name))
    return found


@functools.cache
def _test_functions(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


def test_the_document_has_rows_in_every_chapter():
    chapters = {row[0].split(".")[0] for row in _rows()}
    assert chapters == {str(n) for n in range(1, 15)}


def test_no_row_is_left_in_progress():
    text = DOC.read_text(encoding="utf-8")
    assert not re.search(r"in progress", text, re.I)


def test_every_row_has_a_known_status():
    bad = [(row[0], row[2]) for row in _rows() if len(row) != 5 or row[2] not in STATUSES]
    assert bad == []


def test_every_met_row_names_a_test():
    untested = [row[0] for row in _rows() if row[2] == "Met" and not _references(row[4])]
    assert untested == []


def test_every_named_test_exists():
    missing = []
    text = DOC.read_text(encoding="utf-8")
    for paragraph in [row[4] for row in _rows()] + text.split("\n\n"):
        for path, name in _references(paragraph):
            if not (ROOT / path).is_file() or name not in _test_functions(path):
                missing.append(f"{path}::{name}")
    assert sorted(set(missing)) == []


def test_the_guard_reads_references_and_refuses_what_is_missing():
    refs = _references("`a/test_b.py::test_c`, `::test_d[pl]`; `e/test_f.py::test_g`")
    assert refs == [("a/test_b.py", "test_c"), ("a/test_b.py", "test_d"), ("e/test_f.py", "test_g")]
    assert "test_every_named_test_exists" in _test_functions("tests/test_asvs_document.py")
    assert "no_such_test" not in _test_functions("tests/test_asvs_document.py")


def test_the_list_of_design_rows_matches_the_table():
    text = DOC.read_text(encoding="utf-8")
    paragraph = text[text.index("Rows marked **Design**") :].split("\n\n")[0]
    listed = set()
    for first, last in re.findall(r"(\d+\.\d+\.\d+)(?:–(\d+\.\d+\.\d+))?", paragraph):
        prefix, start = first.rsplit(".", 1)
        end = last.rsplit(".", 1)[1] if last else start
        listed |= {f"{prefix}.{n}" for n in range(int(start), int(end) + 1)}
    assert listed == {row[0] for row in _rows() if row[2] == "Design"}
