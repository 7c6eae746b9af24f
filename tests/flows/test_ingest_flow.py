"""The ingest flow end to end: loopback feeds, a temporary DuckDB file, the real flow."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from entente.transforms.sentences import split_sentences
from tests.flows.helpers import serve_seed, sources_file
from tests.loopback import Reply, free_port_refusing, serve

SEED_AREAS = {
    "energy",
    "trade_investment",
    "security",
    "counterterrorism",
    "defense",
    "peace_process",
    "education_culture",
}
DATA_TABLES = ("articles", "article_areas", "article_countries", "raw_documents")


def counts(db: Path, tables: tuple[str, ...]) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


@pytest.fixture
def seed_text(shared: Path) -> str:
    return (shared / "seed" / "000_939baf877a38910c.txt").read_text("utf-8")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def made_of_sentences(evidence: str, sentences: set[str]) -> bool:
    """True when the evidence is one or more of the article's sentences, joined by spaces."""
    if not evidence:
        return False
    if evidence in sentences:
        return True
    return any(
        evidence.startswith(s + " ") and made_of_sentences(evidence[len(s) + 1 :], sentences)
        for s in sentences
    )


@pytest.mark.usefixtures("prefect_harness")
def test_seed_article_end_to_end(tmp_path: Path, seed_text: str) -> None:
    from entente.flows.ingest import ingest_flow

    db = tmp_path / "seed.duckdb"
    with serve() as site:
        feed_url = serve_seed(site, seed_text)
        sources = sources_file(tmp_path, {"seed-news": feed_url})
        result = ingest_flow(db=str(db), sources=str(sources))
    assert result["status"] == "completed"
    with duckdb.connect(str(db), read_only=True) as con:
        articles = con.execute("SELECT article_id, title, published_at FROM articles").fetchall()
        assert len(articles) == 1
        areas = dict(con.execute("SELECT area, evidence FROM article_areas").fetchall())
        parties = {
            r[0]
            for r in con.execute(
                "SELECT country FROM article_countries WHERE role = 'party'"
            ).fetchall()
        }
        mentioned = {
            r[0]
            for r in con.execute(
                "SELECT country FROM article_countries WHERE role = 'mentioned'"
            ).fetchall()
        }
    assert set(areas) >= SEED_AREAS, f"missing areas: {SEED_AREAS - set(areas)}"
    assert {"PAK", "RUS"} <= parties
    assert {"AFG", "IND", "USA"} <= mentioned | parties
    sentences = {_squash(s) for s in split_sentences(seed_text)}
    for area, evidence in areas.items():
        assert made_of_sentences(_squash(evidence), sentences), f"{area}: {evidence!r}"


@pytest.mark.usefixtures("prefect_harness")
def test_rerun_over_unchanged_input_adds_nothing(tmp_path: Path, seed_text: str) -> None:
    from entente.flows.ingest import ingest_flow

    db = tmp_path / "twice.duckdb"
    with serve() as site:
        feed_url = serve_seed(site, seed_text)
        sources = sources_file(tmp_path, {"seed-news": feed_url})
        ingest_flow(db=str(db), sources=str(sources))
        first = counts(db, (*DATA_TABLES, "stories", "runs", "fetches"))
        ingest_flow(db=str(db), sources=str(sources))
        second = counts(db, (*DATA_TABLES, "stories", "runs", "fetches"))
        page_requests = site.requests_to("/2021/04/pakistan-russia.html")
    for table in (*DATA_TABLES, "stories"):
        assert second[table] == first[table], table
    # runs and fetches are logs: one more run, and one more fetch (the feed, not the page).
    assert second["runs"] == first["runs"] + 1
    assert second["fetches"] == first["fetches"] + 1
    assert len(page_requests) == 1


@pytest.mark.usefixtures("prefect_harness")
def test_broken_feeds_are_recorded_and_good_feeds_still_load(
    tmp_path: Path, seed_text: str
) -> None:
    from entente.flows.ingest import ingest_flow

    db = tmp_path / "broken.duckdb"
    refused = f"http://127.0.0.1:{free_port_refusing()}/feed.xml"
    with serve() as site:
        good = serve_seed(site, seed_text)
        error = site.add("/500.xml", Reply(500, b"internal error"))
        not_xml = site.add(
            "/page.xml",
            Reply(
                200,
                b"<!doctype html><html><body><p>Hello</p></body></html>",
                {"Content-Type": "text/html"},
            ),
        )
        sources = sources_file(
            tmp_path,
            {
                "refused": refused,
                "server-error": error,
                "not-xml": not_xml,
                "good": good,
            },
        )
        result = ingest_flow(db=str(db), sources=str(sources))
    assert result["status"] == "completed"
    assert result["sources_ok"] == 1 and result["sources_failed"] == 3
    with duckdb.connect(str(db), read_only=True) as con:
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT source, status, outcome, error FROM fetches WHERE kind = 'feed'"
            ).fetchall()
        }
        assert con.execute("SELECT count(*) FROM articles WHERE source = 'good'").fetchone() == (1,)
        run = con.execute("SELECT status, sources_ok, sources_failed FROM runs").fetchone()
    assert rows["refused"][1] == "connect_error" and rows["refused"][2]
    assert rows["server-error"][:2] == (500, "http_error") and "500" in rows["server-error"][2]
    assert rows["not-xml"][1] == "parse_error" and "HTML" in rows["not-xml"][2]
    assert rows["good"][1] == "ok"
    assert run == ("completed", 1, 3)
    # Two tasks per source and nothing else: a harvest (failed where the feed failed), and a
    # store that settles even a failed source's health.
    tasks = _task_states(db, expected=8)
    names = ("refused", "server-error", "not-xml", "good")
    assert set(tasks) == {f"{kind}-{n}" for n in names for kind in ("harvest", "store")}
    assert {n: tasks[f"harvest-{n}"] for n in names} == {
        "refused": "FAILED",
        "server-error": "FAILED",
        "not-xml": "FAILED",
        "good": "COMPLETED",
    }
    assert {tasks[f"store-{n}"] for n in names} == {"COMPLETED"}


def _task_states(db: Path, expected: int) -> dict[str, str]:
    """The task runs of the warehouse's one run, by name, with their final state.

    The server records task states from events, in batches: read until `expected` tasks
    have a final state, for up to 20 s."""
    import time

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with duckdb.connect(str(db), read_only=True) as con:
        (run_id,) = con.execute("SELECT run_id FROM runs").fetchone()  # type: ignore[misc]
    deadline = time.monotonic() + 20
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run_id)
        while True:
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
            )
            states = {t.name: t.state for t in tasks if t.state is not None}
            final = {name: state.type.value for name, state in states.items() if state.is_final()}
            if len(final) >= expected or time.monotonic() > deadline:
                return final
            time.sleep(0.2)
