"""Issue 20, item 8: every failure is a `fetches` row with its reason, whatever raised.

A JSON Feed nested 100,000 arrays deep raised RecursionError out of the harvest: the source
was failed, but no row said why. Parsing now turns any crash into a parse error, and a
harvest that raises anyway (a bug) still leaves its feed's row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from entente.flows import steps
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
        summary = steps.run_plain(settings, settings.sources)

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


def test_a_failed_backfill_task_still_has_its_fetches_row() -> None:
    from entente.flows.backfill import _discovery
    from entente.ingest.settings import Source

    source = Source(name="s", url="https://example.org/feed")
    found = _discovery(RuntimeError("the task crashed\nwith a traceback"), source)
    (record,) = found.harvest.fetches
    assert (record.url, record.outcome) == (source.url, "internal_error")
    assert record.error == found.harvest.error == "backfill task failed: the task crashed"


@pytest.mark.usefixtures("prefect_harness")
def test_a_failed_harvest_task_still_has_its_fetches_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A harvest task that raises (here before it could log anything) fails its source
    with a row of `fetches`, and the run goes on."""
    from entente.flows.ingest import ingest_flow

    real = steps.harvest_and_log

    def harvest(settings: object, run_id: str, source: object) -> object:
        if getattr(source, "name", "") == "crashing":
            raise RuntimeError("the harvest task crashed")
        return real(settings, run_id, source)  # type: ignore[arg-type]

    monkeypatch.setattr(steps, "harvest_and_log", harvest)
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
        result = ingest_flow(db=str(db), sources=str(sources))
    assert isinstance(result, dict) and result["sources_failed"] == 1
    _, rows = run_query(db, "SELECT source, url, outcome, error FROM fetches ORDER BY source")
    assert rows[0][:3] == ("crashing", feed + "?c", "internal_error")
    assert "the harvest task crashed" in rows[0][3]
    assert [r[:3] for r in rows[1:]] == [("fine", feed, "ok")]
