"""A source's writes: the harvest logs its fetches, the store archives, loads and settles."""

from __future__ import annotations

from pathlib import Path

import duckdb

from entente.flows import driver, steps
from entente.flows.steps import Plan, Run, load_taxonomy
from entente.ingest.collect import crawling
from entente.ingest.settings import Settings
from tests.flows.helpers import feed_settings, page
from tests.ingest.faults import Served, fault_site

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        tables = ("fetches", "raw_documents", "articles", "article_areas")
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]


def test_pages_are_archived_by_the_store_and_a_repeated_store_writes_nothing_twice(
    tmp_path: Path,
) -> None:
    with fault_site() as site:
        origin = site.origins[0]
        links = [
            site.add(origin, f"/{n}.html", Served(200, page(f"Talks {n}"), HTML))
            for n in ("a", "b")
        ]
        items = "".join(f"<item><title>T</title><link>{u}</link></item>" for u in links)
        feed = site.add(
            origin,
            "/feed.xml",
            Served(
                200,
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>{items}'
                "</channel></rss>".encode(),
                {"Content-Type": "application/rss+xml"},
            ),
        )
        settings = feed_settings(tmp_path, feed)
        summary = driver.start_run(settings, "run-1", "ingest")
        with crawling(settings.fetch) as crawler:
            run = Run(settings, summary.run_id, Plan("ingest"), load_taxonomy(settings), crawler)
            work = steps.harvest_step(run, settings.sources[0])
    assert len(work.harvest.documents) == 2
    # every fetch (robots.txt, the feed, two pages) is logged at once; nothing is archived
    # or derived yet
    assert _counts(settings) == {
        "fetches": 4,
        "raw_documents": 0,
        "articles": 0,
        "article_areas": 0,
    }
    work = steps.process_step(run, work)
    assert work.batch is not None
    assert [r.raw_sha256 for r in work.batch.records] == [
        d.raw_sha256 for d in work.harvest.documents
    ]
    first = steps.store_step(run, work).result
    after = _counts(settings)
    assert first is not None and first.new == 2
    assert after["raw_documents"] == 2 and after["article_areas"] > 0
    # a store task retried after it had written everything (say, its result was lost)
    again = steps.store_step(run, work).result
    assert again is not None and again.new == 0
    assert _counts(settings) == after
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        orphans = con.execute(
            "SELECT count(*) FROM articles a ANTI JOIN raw_documents r USING (raw_sha256)"
        ).fetchone()
    assert orphans == (0,)  # every article's page is in the archive
