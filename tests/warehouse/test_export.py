from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from entente.flows.cli import main
from entente.warehouse import load
from entente.warehouse.db import writer
from entente.warehouse.export import export_parquet
from tests.warehouse.sample import corpus


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "e.duckdb"
    with writer(path) as con:
        load.load_articles(con, corpus())
    return path


def test_export_writes_one_folder_per_month(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    tables = {t.name: t for t in export_parquet(db, out)}
    assert set(tables) == {"articles", "article_areas", "article_countries", "stories"}
    assert tables["articles"].rows == len(corpus())
    months = sorted(p.name for p in (out / "articles").iterdir())
    assert months == ["month=2026-03", "month=2026-04", "month=2026-05"]
    with duckdb.connect() as con:
        per_month = con.execute(
            f"SELECT month, count(*) FROM read_parquet('{out}/articles/*/*.parquet',"
            " hive_partitioning = true) GROUP BY month ORDER BY month"
        ).fetchall()
        areas = con.execute(
            f"SELECT count(*) FROM read_parquet('{out}/article_areas/*/*.parquet')"
        ).fetchone()
        body = con.execute(
            f"SELECT body_text FROM read_parquet('{out}/articles/*/*.parquet')"
            " WHERE article_id = 's4'"
        ).fetchone()
    assert per_month == [("2026-03", 3), ("2026-04", 1), ("2026-05", 3)]
    assert areas == (sum(len(r.areas) for r in corpus()),)
    assert body is not None and body[0] == corpus()[4].body_text


def test_export_again_replaces_the_previous_files(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_parquet(db, out)
    export_parquet(db, out)
    files = list((out / "articles").rglob("*.parquet"))
    assert len(files) == 3


def test_cli_export(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli-out"
    assert main(["export", "--db", str(db), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "articles" in text and "7 rows in   3 months" in text
    assert (out / "stories").is_dir()
