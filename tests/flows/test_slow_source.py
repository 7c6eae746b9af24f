"""A source that drips its pages holds only itself: the other sources of the run are stored
within seconds, and the slow one stops at its time budget with what it had."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from entente.flows import driver
from entente.flows.steps import Run, SourceWork
from entente.ingest.settings import Source, load_settings
from tests.flows.helpers import page
from tests.ingest.faults import Served, fault_site, rss_feed

HTML = {"Content-Type": "text/html; charset=utf-8"}
BUDGET = 10.0


def test_a_dripping_source_holds_up_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harvested_at: dict[str, float] = {}
    took: dict[str, float] = {}
    stored_at: dict[str, float] = {}
    harvest, store = driver.harvest_step, driver.store_step

    def timed_harvest(run: Run, source: Source) -> SourceWork:
        started = time.monotonic()
        done = harvest(run, source)
        harvested_at[source.name] = time.monotonic()
        took[source.name] = harvested_at[source.name] - started
        return done

    def timed_store(run: Run, work: SourceWork) -> SourceWork:
        done = store(run, work)
        stored_at[work.name] = time.monotonic()
        return done

    monkeypatch.setattr(driver, "harvest_step", timed_harvest)
    monkeypatch.setattr(driver, "store_step", timed_store)
    with fault_site(["127.0.0.2", "127.0.0.3"]) as site:
        slow, fast = site.origins
        # Each dripping page would take 200 s; the attempt stops at total_timeout.
        drip = [
            site.add(slow, f"/p/{i}.html", Served(200, page(f"Slow {i}"), HTML, drip=1.0))
            for i in range(10)
        ]
        good = site.add(fast, "/p/good.html", Served(200, page("Good news"), HTML))
        slow_feed = site.add(slow, "/feed.xml", Served(200, rss_feed([("s", u) for u in drip])))
        fast_feed = site.add(fast, "/feed.xml", Served(200, rss_feed([("Good news", good)])))
        sources = tmp_path / "sources.toml"
        sources.write_text(
            "[fetch]\nallow_private_networks = true\nmin_host_delay = 0\nbackoff_base = 0.1\n"
            f"total_timeout = 2\nread_timeout = 2\nsource_budget = {BUDGET}\n\n"
            f'[[sources]]\nname = "slow"\nurl = "{slow_feed}"\n\n'
            f'[[sources]]\nname = "fast"\nurl = "{fast_feed}"\n',
            "utf-8",
        )
        settings = load_settings(str(tmp_path / "slow.duckdb"), str(sources))
        begun = time.monotonic()
        summary = driver.run_plain(settings, settings.sources)
        tries = {url: len(site.hits_to(url)) for url in drip}
    # the fast source, listed second, was fetched while the slow one was still being fetched
    # (the look-ahead lets a second harvest start after a second), and went on to be
    # processed and stored without waiting for it. Unloaded, it is stored about three
    # seconds into the run; on a machine loaded twenty-fold, setting up the run and the
    # process's first extraction take longer than the slow source's whole budget.
    assert harvested_at["fast"] < harvested_at["slow"] - BUDGET / 2, (harvested_at, begun)
    assert stored_at["fast"] < stored_at["slow"], stored_at
    # the slow one stopped at its budget (with a few seconds to log its fetches on a loaded
    # machine), not when its 10 dripping pages had each been tried twice (40 s)
    assert BUDGET <= took["slow"] < BUDGET + 6.0, took
    assert sorted(summary.sources_ok) == ["fast", "slow"]  # the slow feed itself answered
    # a page that timed out mid-body was asked twice at most
    assert max(tries.values()) <= 2
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        outcomes = dict(
            con.execute(
                "SELECT outcome, count(*) FROM fetches WHERE source = 'slow' AND kind = 'article'"
                " GROUP BY outcome"
            ).fetchall()
        )
        fast_articles = con.execute(
            "SELECT count(*) FROM articles WHERE source = 'fast'"
        ).fetchone()
    # every dripping page is in the fetch log, cut by its timeout or by the budget
    assert sum(outcomes.values()) == len(drip)
    assert outcomes.get("over_budget", 0) >= 1
    assert fast_articles == (1,)
