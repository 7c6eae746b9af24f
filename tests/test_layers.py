"""The import contract: which package may import which, no warehouse import circle, and no
test module importing another test module (shared helpers live in helpers modules).

Every import counts, those inside functions too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "ingest", "transforms", "warehouse")
# package -> the packages it must never import
FORBIDDEN = {
    "transforms": {"ingest", "warehouse", "flows"},
    "ingest": {"flows", "warehouse"},
    "warehouse": {"flows", "ingest"},
}
# third-party modules only one package may import
OWNED = {"duckdb": "warehouse", "prefect": "flows", "httpx": "ingest", "httpcore": "ingest"}


def imported(path: Path, package: str) -> set[str]:
    """The absolute module names a file imports (relative imports resolved in `package`)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = f"entente.{package}"
                names.update(f"{base}.{node.module or alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(package: str) -> dict[str, set[str]]:
    """`entente.<package>.<module>` -> what it imports, for every module of the package."""
    found = {}
    for path in sorted((REPO / package).rglob("*.py")):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        found[f"entente.{name}"] = imported(path, package)
    return found


def violations() -> list[str]:
    bad = []
    for package in PACKAGES:
        for module, names in modules(package).items():
            for name in sorted(names):
                parts = name.split(".")
                if (
                    parts[0] == "entente"
                    and len(parts) > 1
                    and parts[1] in FORBIDDEN.get(package, ())
                ):
                    bad.append(f"{module} imports {name}")
                owner = OWNED.get(parts[0])
                if owner is not None and owner != package:
                    bad.append(f"{module} imports {name} (only {owner} may)")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle among the graph's own modules, each once, as found by DFS."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def internal_graph(package: str) -> dict[str, set[str]]:
    mods = modules(package)
    return {m: {n for n in names if n in mods and n != m} for m, names in mods.items()}


def test_the_layers_hold() -> None:
    assert violations() == []


def test_the_driver_is_free_of_prefect() -> None:
    """run, backfill and reprocess share flows/driver.py; only the flows import Prefect."""
    mods = modules("flows")
    free = ("entente.flows.driver", "entente.flows.steps", "entente.flows.summary")
    assert [m for m in free if any(n.split(".")[0] == "prefect" for n in mods[m])] == []
    assert any(n.split(".")[0] == "prefect" for n in mods["entente.flows.ingest"])


def test_the_warehouse_has_no_import_circle() -> None:
    graph = internal_graph("warehouse")
    assert graph.get("entente.warehouse.db")
    assert cycles(graph) == []


def test_a_circle_and_a_forbidden_import_are_caught(tmp_path: Path) -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from entente.warehouse import db\n\ndef f():\n    import prefect\n"
        "    from .records import FeedEntry\n"
    )
    assert imported(sample, "transforms") == {
        "entente.warehouse",
        "entente.warehouse.db",
        "prefect",
        "entente.transforms.records",
    }


def test_no_test_module_imports_another() -> None:
    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for name in imported(path, "tests"):
            if name.split(".")[-1].startswith("test_") and name.startswith("tests."):
                offenders.append(f"{path.relative_to(REPO)} imports {name}")
    assert offenders == []
