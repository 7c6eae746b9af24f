"""A fetched page with no article text is an extraction failure: counted, recorded, not stored.

Issue 19 (and 20.10): a page whose text was lost used to be stored as its feed summary, and
the run reported no failure. The run here is `entente run`'s own path, minus Prefect.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from entente.flows import driver
from tests.flows.helpers import feed_settings, page
from tests.ingest.faults import Served, fault_site

HTML = {"Content-Type": "text/html; charset=utf-8"}
NAVIGATION = (
    b"<html><head><title>Menu</title></head><body><nav><a href='/a'>Home</a>"
    b"<a href='/b'>World</a></nav></body></html>"
)


def test_a_page_without_text_is_a_recorded_failure_and_a_control_reference_is_not(
    tmp_path: Path,
) -> None:
    with fault_site() as site:
        origin = site.origins[0]
        empty = site.add(origin, "/empty.html", Served(200, NAVIGATION, HTML))
        escaped = page("Talks &#x1b;resume").replace(b"Tuesday", b"Tues&#x1b;day")
        odd = site.add(origin, "/odd.html", Served(200, escaped, HTML))
        items = "".join(
            f"<item><title>{t}</title><link>{u}</link><description>{t}, a summary of the"
            f" story from the feed.</description></item>"
            for t, u in (("Empty", empty), ("Odd", odd))
        )
        rss = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
        feed = site.add(origin, "/feed.xml", Served(200, rss.encode()))
        settings = feed_settings(tmp_path, feed)
        summary = driver.run_plain(settings, settings.sources)
    assert summary.extraction_failures == 1
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        stored = dict(con.execute("SELECT url, body_text FROM articles").fetchall())
        failed = con.execute(
            "SELECT url, outcome, error FROM fetches WHERE outcome = 'no_text'"
        ).fetchall()
        rows = con.execute("SELECT count(*) FROM fetches WHERE url = ?", [empty]).fetchone()
        counted = con.execute("SELECT extraction_failures FROM runs").fetchone()
    assert list(stored) == [odd]  # the empty page's summary is not stored as its article
    assert "ministers met on Tuesday" in stored[odd]  # one reference lost one character
    assert failed == [(empty, "no_text", f"no article text found in {empty}")]
    assert rows == (1,)  # its fetch row carries the failure: one row per URL touched
    assert counted == (1,)
