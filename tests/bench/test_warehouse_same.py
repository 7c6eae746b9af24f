"""bench.warehouse.same: rows compared as multisets, both ways, in every relation."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.warehouse.same import differences


def make(path: Path, rows: list[tuple[int, str]], when: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (id INTEGER, name TEXT, made TIMESTAMP)")
        con.executemany(f"INSERT INTO t VALUES (?, ?, TIMESTAMP '{when}')", rows)
        con.execute("CREATE VIEW v AS SELECT name, count(*) AS n FROM t GROUP BY name")


def test_the_same_rows_in_another_order_are_the_same(tmp_path: Path) -> None:
    make(tmp_path / "a.duckdb", [(1, "x"), (2, "y")], "2026-01-01")
    make(tmp_path / "b.duckdb", [(2, "y"), (1, "x")], "2026-01-02")
    assert differences(tmp_path / "a.duckdb", tmp_path / "b.duckdb", frozenset({"made"})) == {
        "t": "",
        "v": "",
    }
    # without leaving the time out, every row of t differs
    found = differences(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    assert found["t"] == "2 of 2 rows only in a, 2 only in b" and found["v"] == ""


def test_a_duplicated_row_and_a_missing_table_are_differences(tmp_path: Path) -> None:
    make(tmp_path / "a.duckdb", [(1, "x"), (2, "y")], "2026-01-01")
    make(tmp_path / "b.duckdb", [(1, "x"), (1, "x"), (2, "y")], "2026-01-01")
    with duckdb.connect(str(tmp_path / "b.duckdb")) as con:
        con.execute("CREATE TABLE extra (k INTEGER)")
    found = differences(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    assert found["t"] == "0 of 2 rows only in a, 1 only in b"
    assert found["v"] == "1 of 2 rows only in a, 1 only in b"  # x counted twice, not once
    assert found["extra"] == "only in b"
