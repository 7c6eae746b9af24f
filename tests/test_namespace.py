"""Entente imports as one namespace: `entente.flows`, never a bare `flows`."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BARE = {"flows", "ingest", "transforms", "warehouse"}
TREES = ["entente", "flows", "ingest", "transforms", "warehouse", "tests", "bench", "tools"]


def python_files() -> list[Path]:
    found: set[Path] = set()
    for tree in TREES:
        root = REPO / tree
        if root.is_symlink():
            continue  # entente/flows and friends are the top-level folders, read once
        found.update(p for p in root.rglob("*.py") if "demo_corpus" not in p.parts)
    return sorted(found)


def bare_imports(path: Path) -> list[str]:
    """`file:line: module` for each import of a bare flows, ingest, transforms or warehouse."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{path.name}:{node.lineno}: {n}" for n in names if n.split(".")[0] in BARE]
    return found


def test_the_files_are_found() -> None:
    files = python_files()
    assert REPO / "flows" / "cli.py" in files
    assert REPO / "tests" / "test_namespace.py" in files


def test_no_bare_package_imports() -> None:
    assert [hit for path in python_files() for hit in bare_imports(path)] == []


def test_bare_imports_are_caught(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from flows import steps\nimport warehouse.db\nimport entente.ingest\n")
    assert bare_imports(sample) == ["sample.py:1: flows", "sample.py:2: warehouse.db"]


def test_the_namespace_links_point_at_the_top_level_folders() -> None:
    for name in BARE:
        link = REPO / "entente" / name
        assert link.is_symlink() and link.resolve() == REPO / name
