"""Runs into a lake (warehouse/lake.py) on a real PostgreSQL server: three processes ingesting
overlapping sources at once store what one run stores, and every command works on the lake."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from entente.flows.cli import main
from entente.flows.demo import demo_sites, demo_sources_toml, serve_corpus
from entente.flows.driver import run_plain
from entente.ingest.settings import load_settings
from entente.warehouse.lake import Lake
from entente.warehouse.query import run_query
from tests.postgres import Server

REPO = Path(__file__).resolve().parents[2]

# What a run derives from the pages, the same however many processes shared the work.
DERIVED = {
    "articles": "SELECT count(*), count(DISTINCT article_id), count(DISTINCT url) FROM articles",
    "stories": "SELECT count(DISTINCT story_id) FROM articles",
    "raw pages": "SELECT count(*), count(DISTINCT raw_sha256) FROM raw_documents",
    "labels": "SELECT (SELECT count(*) FROM article_areas), (SELECT count(*) FROM"
    " article_countries), (SELECT count(*) FROM article_organisations)",
    "revisions": "SELECT count(*), count(DISTINCT (article_id, revision)) FROM article_revisions",
    "page versions": "SELECT count(*), count(DISTINCT article_id) FROM article_state",
    "search index": "SELECT (SELECT count(*) FROM search_docs), (SELECT count(DISTINCT docid)"
    " FROM search_docs), (SELECT count(*) FROM search_postings)",
    "facts": "SELECT count(*) FROM cooperation_facts",
    "story stats": "SELECT count(*), count(DISTINCT story_id) FROM story_stats",
    "sources": "SELECT count(*), count(DISTINCT source) FROM source_health",
    "feeds": "SELECT count(*), count(DISTINCT source) FROM feed_state",
}

RUNNER = textwrap.dedent("""
    import sys
    from entente.flows.driver import run_plain
    from entente.ingest.settings import load_settings
    settings = load_settings(sources=sys.argv[1], lake=sys.argv[2], lake_data=sys.argv[3],
                             environ={})
    summary = run_plain(settings, settings.sources)
    print(summary.status, summary.articles_new)
""")


@dataclass(frozen=True)
class Loaded:
    lake: Lake
    file: Path
    origin: str
    sources: Path


def _sources(folder: Path, origin: str, sites: list[str], name: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(demo_sources_toml(origin, sites), "utf-8")
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, postgres: Server) -> Iterator[Loaded]:
    """Three sites of the demo corpus ingested by one run into a file, and by three processes
    at once into a lake, each over two of them (so each site by two processes at once)."""
    folder = tmp_path_factory.mktemp("lake-runs")
    lake = Lake(postgres.catalog(postgres.new_database("runs")), str(folder / "files"))
    sites = demo_sites()[:3]
    with serve_corpus() as origin:
        every = _sources(folder, origin, sites, "all")
        file = folder / "serial.duckdb"
        settings = load_settings(str(file), str(every), environ={})
        assert run_plain(settings, settings.sources).status == "completed"
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    RUNNER,
                    str(_sources(folder, origin, [sites[i], sites[i - 1]], f"part-{i}")),
                    lake.catalog,
                    lake.data or "",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
            for i in range(3)
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err[-3000:]
            assert out.startswith("completed"), out
        yield Loaded(lake, file, origin, every)


@pytest.mark.parametrize("relation", sorted(DERIVED))
def test_three_processes_at_once_store_what_one_run_stores(loaded: Loaded, relation: str) -> None:
    sql = DERIVED[relation]
    assert run_query(loaded.lake, sql)[1] == run_query(loaded.file, sql)[1]


def test_no_article_is_stored_twice(loaded: Loaded) -> None:
    _, rows = run_query(
        loaded.lake,
        "SELECT (SELECT count(*) FROM articles) - (SELECT count(DISTINCT article_id)"
        " FROM articles), (SELECT count(*) FROM runs WHERE status = 'completed')",
    )
    assert rows == [(0, 3)]


def _say(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_every_reading_command_works_on_the_lake(
    loaded: Loaded, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lake = ["--lake", loaded.lake.catalog]
    out = _say(capsys, "sql", *lake, "SELECT count(*) AS n FROM stories", "--format", "json")
    assert out.strip().startswith("[")
    assert "Islamabad" in _say(capsys, "search", *lake, "gas pipeline", "--limit", "3")
    _say(capsys, "report", *lake, "--country", "PAK", "--out", str(tmp_path / "r.html"))
    assert "PAK" in (tmp_path / "r.html").read_text("utf-8")
    assert "articles" in _say(capsys, "export", *lake, "--out", str(tmp_path / "export"))
    assert list((tmp_path / "export" / "articles").rglob("*.parquet"))
    assert "alert" in _say(capsys, "alerts", *lake)
    health = _say(capsys, "sources", *lake, "--sources", str(loaded.sources))
    states = [line.split()[3] for line in health.splitlines() if line.startswith("demo-")]
    assert states == ["ok"] * 3
    assert "was not disabled" in _say(
        capsys, "sources", *lake, "--sources", str(loaded.sources), "enable", "demo-x"
    )
    assert "ducklake_merge_adjacent_files" in _say(capsys, "maintain", *lake)


def test_the_python_connection_reads_the_lake(
    loaded: Loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    import entente

    with entente.connect(lake=loaded.lake.catalog) as con:
        row = con.execute("SELECT count(*) FROM search_articles('pipeline')").fetchone()
        assert row is not None and row[0] > 0
    monkeypatch.setenv("ENTENTE_LAKE", loaded.lake.catalog)
    with entente.connect() as con:
        assert (
            con.execute("SELECT count(*) FROM articles").fetchone()
            == run_query(loaded.file, "SELECT count(*) FROM articles")[1][0]
        )


def test_both_kinds_of_warehouse_at_once_are_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sql", "--db", "w.duckdb", "--lake", "postgres:dbname=x", "SELECT 1"]) == 1
    assert capsys.readouterr().err == (
        "entente: --db and --lake name two warehouses; give one of them\n"
    )


def test_run_backfill_and_reprocess_flows_on_a_lake(
    lake: Lake, tmp_path: Path, prefect_harness: None, capsys: pytest.CaptureFixture[str]
) -> None:
    site = demo_sites()[:1]
    options = ["--lake", lake.catalog, "--lake-data", lake.data or ""]
    with serve_corpus() as origin:
        sources = str(_sources(tmp_path, origin, site, "one"))
        _say(capsys, "run", *options, "--sources", sources)
        _, first = run_query(lake, "SELECT count(*) FROM articles")
        assert first[0][0] > 0
        _say(
            capsys,
            "backfill",
            *options,
            "--sources",
            sources,
            "--since",
            "2025-01-01",
            "--until",
            "2027-12-31",
        )
        _say(capsys, "reprocess", "--lake", lake.catalog)
    _, rows = run_query(
        lake,
        "SELECT count(*), count(DISTINCT article_id),"
        " (SELECT list(flow ORDER BY started_at) FROM runs) FROM articles",
    )
    assert rows[0][0] == rows[0][1] >= first[0][0]
    assert rows[0][2] == ["ingest", "backfill", "reprocess"]


def test_served_deployments_take_the_lake_in_place_of_the_file(tmp_path: Path) -> None:
    from datetime import timedelta

    from entente.flows.serve import build_deployments

    settings = load_settings(lake="postgres:dbname=x", lake_data="/d", environ={})
    for deployment in build_deployments(settings, timedelta(minutes=15)):
        assert deployment.parameters["lake"] == "postgres:dbname=x"
        assert deployment.parameters["lake_data"] == "/d"
        assert "db" not in deployment.parameters
