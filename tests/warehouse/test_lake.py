"""The lake warehouse (warehouse/lake.py) on a real PostgreSQL catalog: the file's relations,
idempotent loads without keys, conflicts run again, readers beside writers, migrations raced."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from entente.transforms.errors import ConfigError
from entente.warehouse import lake as lakes
from entente.warehouse import load
from entente.warehouse.db import holding, write, writer
from entente.warehouse.lake import Lake, LakeBusy
from entente.warehouse.query import run_query
from entente.warehouse.schema import MIGRATIONS, migrate
from tests.warehouse.sample import corpus

REPO = Path(__file__).resolve().parents[2]

COUNTS = """
SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT article_id) FROM articles),
       (SELECT count(*) FROM article_areas), (SELECT count(*) FROM article_countries),
       (SELECT count(*) FROM article_revisions), (SELECT count(*) FROM lsh_bands),
       (SELECT count(*) FROM search_docs), (SELECT count(DISTINCT docid) FROM search_docs),
       (SELECT count(*) FROM search_postings), (SELECT count(*) FROM cooperation_facts),
       (SELECT count(*) FROM cooperation_monthly), (SELECT count(*) FROM story_stats),
       (SELECT count(*) FROM events), (SELECT count(*) FROM event_cues)
"""


def _shape(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Every table and view of the default database: its columns and their types."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = current_database() AND schema_name = 'main'"
        " AND table_name NOT IN ('schema_migrations', 'lake_commits')"
        " ORDER BY table_name, column_index"
    ).fetchall()
    shape: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        shape.setdefault(table, []).append((column, kind))
    return shape


def test_a_new_lake_has_the_relations_of_a_file(lake: Lake) -> None:
    with duckdb.connect() as file, writer(lake) as con:
        assert migrate(file) == max(m.version for m in MIGRATIONS)
        assert _shape(con) == _shape(file)
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
        # the baseline stands for the migrations up to it; later ones ran on the lake itself
        assert sorted(versions) == sorted(m.version for m in MIGRATIONS)
        macros = "SELECT function_name FROM duckdb_functions() WHERE function_type = 'table_macro'"
        assert con.execute(f"{macros} AND database_name = 'lake'").fetchall() == [
            ("search_articles",)
        ]


def test_loading_twice_changes_nothing(lake: Lake) -> None:
    records = corpus()
    first = write(lake, lambda con: load.load_articles(con, records))
    assert first.new == len(records)
    with writer(lake) as con:
        before = con.execute(COUNTS).fetchone()
    again = write(lake, lambda con: load.load_articles(con, records))
    assert again.new == 0
    with writer(lake) as con:
        assert con.execute(COUNTS).fetchone() == before
        top = con.execute("SELECT article_id FROM search_articles('gas pipeline') LIMIT 1")
        assert top.fetchone() is not None


def test_the_lake_holds_what_a_file_holds_for_the_same_loads(lake: Lake, tmp_path: Path) -> None:
    records = corpus()
    db = tmp_path / "w.duckdb"
    for target in (db, lake):
        with holding(target):
            write(target, lambda con: load.load_articles(con, records[:5]))
            write(target, lambda con: load.load_articles(con, records))
    with writer(db) as file, writer(lake) as con:
        assert con.execute(COUNTS).fetchone() == file.execute(COUNTS).fetchone()


def test_a_conflict_runs_the_work_again_and_ends_in_one_line(lake: Lake) -> None:
    write(lake, lambda con: None)  # the schema
    runs: list[int] = []

    def losing(con: duckdb.DuckDBPyConnection) -> int:
        runs.append(1)
        if len(runs) <= 2:  # another writer commits first, twice
            write(lake, lambda other: other.execute("SELECT 1"))
        return len(runs)

    assert write(lake, losing) == 3
    runs.clear()

    def always_losing(con: duckdb.DuckDBPyConnection) -> None:
        runs.append(1)
        write(lake, lambda other: other.execute("SELECT 1"))

    with pytest.raises(LakeBusy) as caught:
        write(lake, always_losing, patience=0.5)
    assert len(runs) >= 2
    assert "\n" not in str(caught.value) and "kept refusing this write" in str(caught.value)


def test_a_reader_neither_waits_for_a_writer_nor_stops_it(lake: Lake) -> None:
    records = corpus()
    write(lake, lambda con: load.load_articles(con, records[:3]))
    inside, release = threading.Event(), threading.Event()

    def slow_load(con: duckdb.DuckDBPyConnection) -> None:
        load.load_articles(con, records)
        inside.set()
        release.wait(30)

    loader = threading.Thread(target=write, args=(lake, slow_load))
    loader.start()
    try:
        assert inside.wait(60)
        started = time.monotonic()
        _, rows = run_query(lake, "SELECT count(*) FROM articles")
        assert rows == [(3,)]  # the last commit, not the load under way
        assert time.monotonic() - started < 10
    finally:
        release.set()
        loader.join(60)
    _, rows = run_query(lake, "SELECT count(*) FROM articles")
    assert rows == [(len(records),)]


def test_a_reader_writes_nothing(lake: Lake) -> None:
    write(lake, lambda con: load.load_articles(con, corpus()[:2]))
    from entente.warehouse.snapshot import read_connection

    with read_connection(lake) as con:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM articles")
        with pytest.raises(duckdb.PermissionException):
            con.execute("SELECT * FROM read_csv('/etc/passwd')")


def test_a_lake_with_nothing_in_it_is_said_plainly(lake: Lake) -> None:
    from entente.transforms.errors import WarehouseError

    with pytest.raises(WarehouseError, match="no warehouse in the lake"):
        run_query(lake, "SELECT 1")


MIGRATOR = textwrap.dedent("""
    import sys, time
    from entente.warehouse.db import write
    from entente.warehouse.lake import Lake
    start = float(sys.argv[3])
    time.sleep(max(0.0, start - time.time()))
    write(Lake(sys.argv[1], sys.argv[2]), lambda con: None)
    print("migrated")
""")


def test_two_processes_that_meet_a_new_lake_both_migrate_it(lake: Lake) -> None:
    start = time.time() + 4  # after both have imported Entente
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATOR, lake.catalog, lake.data or "", str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "migrated"
    with writer(lake) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
        assert sorted(versions) == sorted(set(versions))
        assert con.execute("SELECT count(*) FROM lake_commits").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_maintenance_runs_ducklakes_own_functions(lake: Lake) -> None:
    records = corpus()
    with holding(lake):
        write(lake, lambda con: load.load_articles(con, records[:3]))
        write(lake, lambda con: load.load_articles(con, records[3:]))
    done = lakes.maintain(lake)
    assert done == [
        "ducklake_flush_inlined_data",
        "ducklake_merge_adjacent_files",
        "ducklake_expire_snapshots",
        "ducklake_cleanup_old_files",
    ]
    _, rows = run_query(lake, "SELECT count(*) FROM articles")
    assert rows == [(len(records),)]
    started = datetime.now(UTC)
    write(lake, lambda con: load.start_run(con, "r1", "ingest", started))
    assert not lakes.maintain_if_due(lake, every=2)  # no run finished yet
    write(lake, lambda con: load.close_run(con, "r1", started, "completed"))
    assert lakes.maintain_if_due(lake, every=1)
    assert not lakes.maintain_if_due(lake, every=2)


def test_a_file_and_a_lake_are_never_both_the_warehouse() -> None:
    from entente.ingest.settings import load_settings

    with pytest.raises(ConfigError, match="--db and --lake"):
        load_settings("w.duckdb", lake="postgres:dbname=x", environ={})
    with pytest.raises(ConfigError, match="both set"):
        load_settings(environ={"ENTENTE_DB": "w.duckdb", "ENTENTE_LAKE": "postgres:dbname=x"})
    with pytest.raises(ConfigError, match="--lake-data goes with --lake"):
        load_settings(lake_data="/tmp/x", environ={})
    chosen = load_settings(
        lake="postgres:dbname=x", environ={"ENTENTE_DB": "w.duckdb", "ENTENTE_LAKE_DATA": "/d"}
    )
    assert (chosen.lake, chosen.lake_data) == ("postgres:dbname=x", "/d")
    assert load_settings("w.duckdb", environ={"ENTENTE_LAKE": "postgres:dbname=x"}).lake is None


def test_a_password_in_the_catalog_is_never_shown() -> None:
    shown = str(Lake("postgres:dbname=x password=hunter2 host=y"))
    assert "hunter2" not in shown and "dbname=x" in shown
