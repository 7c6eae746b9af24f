"""Readers touch nothing but the warehouse: no files, no extensions, no settings (issue 20)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from entente.flows.cli import main
from entente.warehouse.session import extension_path
from entente.warehouse.snapshot import read_connection
from tests.warehouse.sample import corpus, stored


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # DuckDB installs extensions and keeps secrets under $HOME/.duckdb: watch a home of our own.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "secret.csv").write_text("who,what\nme,password\n")
    return stored(tmp_path / "w.duckdb", corpus())


def articles_in(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM articles").fetchone()
    return int(row[0]) if row else -1


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# Each of these writes or reads a file, loads code or lifts the guard. `{db}` is the warehouse,
# `{dir}` the folder it is in, `{fts}` the fts extension the wheel ships.
ESCAPES = [
    "COPY (SELECT 'gone' AS x) TO '{db}' (FORMAT csv)",
    # DuckDB lets a connection write its own database file and log even with external
    # access off: only refusing the statement protects them.
    "COPY (SELECT 'gone' AS x) TO '{db}' (FORMAT csv, USE_TMP_FILE false)",
    "COPY (SELECT 'gone' AS x) TO '{db}.wal' (FORMAT csv, USE_TMP_FILE false)",
    "COPY articles TO '{dir}/x.csv'",
    "EXPORT DATABASE '{dir}/dump'",
    "SELECT 1; COPY articles TO '{dir}/x.csv'",
    "SELECT * FROM read_csv('{dir}/secret.csv')",
    "SELECT content FROM read_text('{dir}/secret.csv')",
    "SELECT * FROM glob('{dir}/*')",
    "ATTACH '{dir}/other.duckdb' AS other",
    "INSTALL httpfs",
    "INSTALL '{fts}'",
    "FORCE INSTALL '{fts}'",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET enable_external_access",
    "CALL enable_logging(storage = 'file', storage_path = '{dir}')",
    # enable_logging changes settings in spite of the lock, and aborts the process when its
    # folder is refused; query() runs SQL given as a string
    "SELECT * FROM enable_logging(storage = 'file', storage_path = '{dir}')",
    'SELECT * FROM system.main."enable_logging"()',
    "EXPLAIN ANALYZE SELECT * FROM enable_logging()",
    "SELECT * FROM query('SELECT * FROM enable_logging()')",
    "PIVOT (SELECT * FROM enable_logging()) ON storage",
    "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    # EXPLAIN ANALYZE runs the statement it explains: it is checked as that statement
    "EXPLAIN ANALYZE COPY (SELECT 'gone' AS x) TO '{db}' (FORMAT csv, USE_TMP_FILE false)",
    "/* why */ explain analyse copy (select 1) to '{db}.wal' (format csv, use_tmp_file false)",
    "EXPLAIN (FORMAT json) COPY (SELECT 'gone' AS x) TO '{db}' (FORMAT csv, USE_TMP_FILE false)",
    "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1",
    "EXPLAIN ANALYZE SET threads = 1",
    "EXPLAIN ANALYZE INSERT INTO articles SELECT * FROM articles LIMIT 1",
]


@pytest.mark.parametrize("sql", ESCAPES)
def test_sql_writes_reads_and_loads_nothing(
    db: Path, sql: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_under(db.parent)
    query = sql.format(db=db, dir=db.parent, fts=extension_path())
    assert main(["sql", "--db", str(db), query]) == 1
    err = capsys.readouterr().err
    assert err.startswith("entente: refused: "), err
    assert err.count("\n") == 1
    assert files_under(db.parent) == before  # nothing written, nothing installed under $HOME
    assert articles_in(db) == len(corpus())


def test_the_refusal_says_what_is_allowed(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(db), f"COPY articles TO '{db.parent}/x.csv'"]) == 1
    assert "writes no files" in capsys.readouterr().err
    assert main(["sql", "--db", str(db), "INSTALL httpfs"]) == 1
    assert "extensions" in capsys.readouterr().err


@pytest.mark.parametrize("sql", ["", ";;", "  ; -- nothing\n"])
def test_no_statement_is_a_one_line_error(
    db: Path, sql: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", "--db", str(db), sql]) == 1
    assert capsys.readouterr().err == "entente: no SQL statement given\n"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) AS n FROM articles",
        "FROM articles SELECT count(*) AS n",
        "WITH a AS (SELECT * FROM articles) SELECT count(*) AS n FROM a",
        # PIVOT without an IN list runs as two statements, a temporary type and the query
        'SELECT sum("PAK") AS n FROM (PIVOT (SELECT country, article_id FROM'
        " article_countries WHERE country = 'PAK') ON country USING count(*))",
    ],
)
def test_queries_still_answer(db: Path, sql: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(db), sql, "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "n" and int(out[1]) > 0


@pytest.mark.parametrize(
    "sql",
    [
        "EXPLAIN SELECT count(*) FROM articles",
        "EXPLAIN ANALYZE SELECT count(*) FROM articles",
        "-- the plan\nexplain analyse /* of */ FROM articles SELECT count(*)",
        "EXPLAIN (FORMAT json) SELECT count(*) FROM articles",
    ],
)
def test_explain_answers(db: Path, sql: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(db), sql]) == 0
    assert "explain_value" in capsys.readouterr().out


def test_describe_answers(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(db), "DESCRIBE articles", "--format", "csv"]) == 0
    assert "article_id" in capsys.readouterr().out


def test_search_articles_needs_no_load(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT article_id FROM search_articles('gas pipeline') ORDER BY article_id LIMIT 1"
    assert main(["sql", "--db", str(db), sql, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["article_id", "s1"]


def test_every_reader_is_locked(db: Path) -> None:
    """search, report and export read through the same connection: it refuses the same."""
    with read_connection(db) as con:
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"COPY articles TO '{db.parent}/x.csv'")
        with pytest.raises(duckdb.InvalidInputException, match="locked"):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT * FROM read_csv('{db.parent}/secret.csv')")
        row = con.execute("SELECT count(*) FROM search_articles('gas')").fetchone()
        assert row is not None and row[0] > 0
