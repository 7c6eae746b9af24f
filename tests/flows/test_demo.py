"""`entente demo` over the bundled corpus, and the README's example queries against it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from entente.flows.demo import corpus_root
from entente.warehouse.query import run_query

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Path:
    from entente.flows.demo import run_demo

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    state = run_demo(db)
    assert state.is_completed()
    assert state.result()["status"] == "completed"
    return db


def readme_queries() -> list[str]:
    text = README.read_text("utf-8")
    return [
        q.strip()
        for q in re.findall(r'entente sql --db entente-demo\.duckdb "(.*?)"', text, flags=re.S)
    ]


def test_demo_loads_every_article_from_every_site(demo_db: Path) -> None:
    manifest = json.loads((corpus_root() / "manifest.json").read_text("utf-8"))
    _, rows = run_query(demo_db, "SELECT count(*), count(DISTINCT source) FROM articles")
    sites = {m["site"] for m in manifest}
    assert rows == [(len(manifest), len(sites))]
    assert len(sites) == 5
    _, runs = run_query(demo_db, "SELECT status, sources_ok, sources_failed FROM runs")
    assert runs == [("completed", 5, 0)]
    _, failed = run_query(
        demo_db, "SELECT count(*) FROM fetches WHERE outcome NOT IN ('ok', 'robots_absent')"
    )
    assert failed == [(0,)]


def test_readme_queries_run_and_answer(demo_db: Path) -> None:
    queries = readme_queries()
    assert len(queries) >= 3
    for query in queries:
        columns, rows = run_query(demo_db, query)
        assert columns and rows, query
    energy_with_pakistan = next(q for q in queries if "'energy'" in q)
    _, rows = run_query(demo_db, energy_with_pakistan)
    countries = {row[0] for row in rows}
    assert {"RUS", "AZE", "QAT"} <= countries
    assert all(row[-1] for row in rows), "every answer carries its evidence sentence"


def test_the_readme_finds_the_same_cooperation_reported_in_two_languages(demo_db: Path) -> None:
    query = next(q for q in readme_queries() if "search_articles('pipeline" in q)
    _, rows = run_query(demo_db, query)
    assert {row[0] for row in rows} == {"en", "ru"}
    assert any(row[1] == "demo-evrazijskij-vestnik" for row in rows)


def test_the_outlets_own_reports_of_the_islamabad_talks_are_one_event(demo_db: Path) -> None:
    """Three outlets wrote up the Russian minister's visit in their own words (one in
    Russian): one event; no other event joins reports of different stories."""
    _, rows = run_query(
        demo_db, "SELECT parties, source_list, stories FROM event_coverage WHERE stories > 1"
    )
    sources = ["demo-eastern-ledger", "demo-evrazijskij-vestnik", "demo-foreign-office-bulletin"]
    assert rows == [(["PAK", "RUS"], sources, 3)]
