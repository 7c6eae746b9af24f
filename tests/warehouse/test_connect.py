"""`entente.connect()`: the analyst's read-only connection, from Python or a notebook."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import entente
from entente.transforms.errors import ConfigError, WarehouseError
from entente.warehouse.db import writer
from entente.warehouse.snapshot import refresh_snapshot
from tests.warehouse.holder import held_elsewhere
from tests.warehouse.sample import corpus, stored


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return stored(tmp_path / "n.duckdb", corpus())


def test_it_reads_the_warehouse_and_searches_it(db: Path) -> None:
    with entente.connect(db) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (len(corpus()),)
        top = con.execute("SELECT article_id FROM search_articles('gas pipeline') LIMIT 1")
        assert top.fetchone() is not None
        rel = con.sql("SELECT area, count(*) AS n FROM article_areas GROUP BY area")
        assert ("energy", 3) in rel.fetchall()


def test_it_writes_nothing(db: Path) -> None:
    with entente.connect(db) as con:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM articles")
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"COPY articles TO '{db.parent}/x.csv'")
        with pytest.raises(duckdb.InvalidInputException, match="locked"):
            con.execute("SET enable_external_access = true")
        con.execute("SET threads = 1")  # settings that touch no file stay the reader's own
    assert not (db.parent / "x.csv").exists()


def test_closing_it_lets_the_pipeline_write_again(db: Path) -> None:
    con = entente.connect(str(db))
    con.close()
    with writer(db) as w:
        w.execute("CHECKPOINT")


def test_the_default_is_entente_db_then_the_current_folder(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTENTE_DB", str(db))
    with entente.connect() as con:
        assert con.execute("SELECT count(*) FROM stories").fetchone() == (len(corpus()) - 1,)
    monkeypatch.delenv("ENTENTE_DB")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WarehouseError, match=r"no warehouse at entente\.duckdb"):
        entente.connect()


def test_a_file_and_a_lake_at_once_are_refused(db: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        entente.connect(db, lake="postgres:dbname=entente")


def test_a_lake_that_does_not_answer_is_one_line(db: Path) -> None:
    # port 1 on loopback: nothing listens there (tests/warehouse/test_lake.py reads real lakes)
    with pytest.raises(WarehouseError, match="cannot open the lake") as caught:
        entente.connect(lake="postgres:dbname=entente host=127.0.0.1 port=1 connect_timeout=2")
    assert "\n" not in str(caught.value)


def test_while_a_run_holds_the_file_it_reads_the_snapshot(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with writer(db) as con:
        refresh_snapshot(con, db)
    with held_elsewhere(db), entente.connect(db) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (len(corpus()),)
        files = [row[2] for row in con.execute("PRAGMA database_list").fetchall()]
    assert files == [str(db.with_name("n.snapshot.duckdb"))]
    assert "snapshot of the last run" in caplog.text


def test_it_is_typed() -> None:
    root = Path(entente.__file__).parent
    assert (root / "py.typed").is_file()
    assert entente.connect.__annotations__["return"] == "duckdb.DuckDBPyConnection"
