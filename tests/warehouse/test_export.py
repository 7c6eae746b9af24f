from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from entente.flows.cli import main
from entente.warehouse.export import export_parquet
from tests.warehouse.sample import corpus, stored


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return stored(tmp_path / "e.duckdb", corpus())


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


def test_export_refuses_a_file_as_its_folder(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--db", str(db), "--out", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("entente: ") and err.count("\n") == 1, err
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (len(corpus()),)


@pytest.mark.parametrize("mine", ["stories/notes.txt", "articles/month=2026-03/mine.csv"])
def test_export_leaves_files_it_did_not_write(
    db: Path, tmp_path: Path, mine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --out folder that already has a `stories` folder of someone's own: DuckDB's
    OVERWRITE would empty it, so the export stops before writing anything."""
    out = tmp_path / "out"
    (out / mine).parent.mkdir(parents=True)
    (out / mine).write_text("precious")
    assert main(["export", "--db", str(db), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    folder = mine.split("/", maxsplit=1)[0]
    assert err.startswith("entente: refused: ") and folder in err, err
    assert (out / mine).read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == [folder]


def test_export_again_replaces_its_own_files(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_parquet(db, out)
    stale = out / "articles" / "month=1999-01"
    stale.mkdir()
    (stale / "data_0.parquet").write_bytes(b"old")
    tables = {t.name: t for t in export_parquet(db, out)}
    assert tables["articles"].rows == len(corpus())
    # a second export replaces the first (DuckDB empties the folder, and keeps it)
    assert list(stale.iterdir()) == []
