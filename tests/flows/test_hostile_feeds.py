"""Issue 20, item 8: every failure is a `fetches` row with its reason, whatever raised.

A JSON Feed nested 100,000 arrays deep raised RecursionError out of the harvest: the source
was failed, but no row said why. Parsing now turns any crash into a parse error, and a
harvest that raises anyway (a bug) still leaves its feed's row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from entente.flows import driver
from entente.ingest import collect
from entente.ingest.settings import load_settings
from entente.warehouse.query import run_query
from tests.flows.helpers import page
from tests.ingest.faults import Served, fault_site, rss_feed

DEEP = 100_000
JSON_FEED = {"Content-Type": "application/feed+json"}
JSON_HEAD = b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '


def test_every_failed_source_has_its_fetches_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_select = collect.select_entries

    def select(entries: list[object], stored: dict[str, object]) -> object:
        if any("buggy" in getattr(e, "link", "") for e in entries):
            raise RuntimeError("a bug after the feed parsed\nsecond line")
        return real_select(entries, stored)  # type: ignore[arg-type]

    monkeypatch.setattr(collect, "select_entries", select)
    html = {"Content-Type": "text/html; charset=utf-8"}
    with fault_site() as site:
        origin = site.origins[0]
        article = site.add(origin, "/a.html", Served(200, page("Energy talks"), html))
        bodies = {
            "good": (rss_feed([("Energy talks", article)]), {}),
            "arrays": (JSON_HEAD + b"[" * DEEP + b"]" * DEEP + b"}", JSON_FEED),
            "objects": (JSON_HEAD + b'[{"url": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP, JSON_FEED),
            "buggy": (rss_feed([("Buggy", origin + "/buggy.html")]), {}),
        }
        feeds = {
            name: site.add(origin, f"/{name}.feed", Served(200, body, headers))
            for name, (body, headers) in bodies.items()
        }
        sources = tmp_path / "sources.toml"
        sources.write_text(
            "[fetch]\nallow_private_networks = true\nretries = 0\nmin_host_delay = 0\n"
            + "".join(f'[[sources]]\nname = "{n}"\nurl = "{u}"\n' for n, u in feeds.items()),
            "utf-8",
        )
        settings = load_settings(str(tmp_path / "w.duckdb"), str(sources), environ={})
        summary = driver.run_plain(settings, settings.sources)

    assert summary.status == "completed" and summary.sources_ok == ["good"]
    assert set(summary.sources_failed) == {"arrays", "objects", "buggy"}
    _, rows = run_query(
        settings.db_path, "SELECT source, url, outcome, error FROM fetches WHERE kind = 'feed'"
    )
    by_source = {source: (url, outcome, error) for source, url, outcome, error in rows}
    assert set(by_source) == set(feeds) and len(rows) == len(feeds)
    for name in ("arrays", "objects"):
        url, outcome, error = by_source[name]
        assert (url, outcome) == (feeds[name], "parse_error")
        assert "RecursionError" in error and "\n" not in error
    url, outcome, error = by_source["buggy"]
    assert (url, outcome) == (feeds["buggy"], "internal_error")
    assert "RuntimeError: a bug after the feed parsed" in error and "\n" not in error
    _, articles = run_query(settings.db_path, "SELECT url FROM articles")
    assert articles == [(article,)]


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("flow", ["ingest", "backfill"])
def test_a_failed_harvest_task_still_has_its_fetches_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flow: str
) -> None:
    """A harvest task that raises (here before it could log anything) fails its source
    with a row of `fetches`, and the run goes on."""
    import entente.flows.ingest
    from entente.flows.backfill import backfill_flow
    from entente.flows.ingest import ingest_flow
    from entente.flows.steps import Run, SourceWork
    from entente.ingest.settings import Source

    real = entente.flows.ingest.harvest_step

    def harvest(run: Run, source: Source) -> SourceWork:
        if source.name == "crashing":
            raise RuntimeError("the harvest task crashed")
        return real(run, source)

    monkeypatch.setattr(entente.flows.ingest, "harvest_step", harvest)
    with fault_site() as site:
        origin = site.origins[0]
        feed = site.add(origin, "/feed.xml", Served(200, rss_feed([])))
        sources = tmp_path / "sources.toml"
        sources.write_text(
            "[fetch]\nallow_private_networks = true\nretries = 0\nmin_host_delay = 0\n"
            f'[[sources]]\nname = "crashing"\nurl = "{feed}?c"\n'
            f'[[sources]]\nname = "fine"\nurl = "{feed}"\n',
            "utf-8",
        )
        db = tmp_path / "w.duckdb"
        if flow == "ingest":
            result = ingest_flow(db=str(db), sources=str(sources))
        else:
            result = backfill_flow(db=str(db), sources=str(sources))
    assert isinstance(result, dict) and result["sources_failed"] == 1
    _, rows = run_query(
        db, "SELECT source, url, outcome, error FROM fetches WHERE kind = 'feed' ORDER BY source"
    )
    assert rows[0][:3] == ("crashing", feed + "?c", "internal_error")
    assert rows[0][3] == "harvest task failed: the harvest task crashed"
    assert [r[:3] for r in rows[1:]] == [("fine", feed, "ok")]
