"""Whether two warehouse files hold the same rows in every table and view.

    python -m bench.warehouse.same A.duckdb B.duckdb [--ignore COLUMN ...]

For a change that must not change what is stored (a faster load): build one warehouse with
the code before it and one with the code after, from the same input, and compare. Each
relation of the main schema (tables and views, the search index included) is compared as a
multiset of rows, both ways; a relation present in one file only is a difference. Columns
named in --ignore (the times of a fetch, say, when the two warehouses were filled by two
runs over loopback) are left out wherever they occur. Prints one line per relation and
exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb


def relations(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, list[str]]:
    """Each table and view of `alias`'s main schema, with its columns in order."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_catalog = ? AND table_schema = 'main'"
        " ORDER BY table_name, ordinal_position",
        [alias],
    ).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def differences(a: Path, b: Path, ignore: frozenset[str] = frozenset()) -> dict[str, str]:
    """Relation -> what differs ('' when the rows are the same), over both files' relations."""
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        left, right = relations(con, "a"), relations(con, "b")
        out: dict[str, str] = {}
        for name in sorted(left.keys() | right.keys()):
            if name not in left or name not in right:
                out[name] = f"only in {'a' if name in left else 'b'}"
                continue
            if left[name] != right[name]:
                out[name] = f"columns differ: {left[name]} against {right[name]}"
                continue
            columns = ", ".join(f'"{c}"' for c in left[name] if c not in ignore)
            only: list[int] = []
            for one, other in (("a", "b"), ("b", "a")):
                row = con.execute(
                    f'SELECT count(*) FROM (SELECT {columns} FROM {one}."{name}"'
                    f' EXCEPT ALL SELECT {columns} FROM {other}."{name}")'
                ).fetchone()
                only.append(int(row[0]) if row else 0)
            count = con.execute(f'SELECT count(*) FROM a."{name}"').fetchone()
            rows = int(count[0]) if count else 0
            differ = f"{only[0]} of {rows} rows only in a, {only[1]} only in b"
            out[name] = differ if any(only) else ""
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--ignore", nargs="*", default=[], help="columns left out")
    args = parser.parse_args()
    found = differences(args.a, args.b, frozenset(args.ignore))
    for name, what in found.items():
        print(f"{name}: {what or 'same rows'}")
    same = sum(1 for what in found.values() if not what)
    print(f"{same} of {len(found)} relations hold the same rows")
    sys.exit(0 if same == len(found) else 1)


if __name__ == "__main__":
    main()
