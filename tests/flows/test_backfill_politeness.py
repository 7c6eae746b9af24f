"""`entente backfill` keeps each host's politeness for every request it sends: the archive walk,
robots.txt and the article pages share one fetcher, so one set of per-host gates."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from entente.flows.cli import main
from tests.flows.helpers import page
from tests.loopback import Reply, Site, serve

DELAY = 0.5
# The server logs a request when its thread has read the request line; the client's gate
# spaces the moments the bytes leave. On a loaded machine (two cores, a dozen processes)
# the server's threads were seen to log one request 0.08 s late, which shortens the gap
# after it: that much is allowed. Without a shared gate the gaps were 5 to 9 ms.
SLACK = 0.125
HTML = {"Content-Type": "text/html; charset=utf-8"}


def archived_feed(site: Site, day: datetime, pages: int = 3, per_page: int = 2) -> str:
    """An RFC 5005 archived feed: the feed, then `pages` - 1 archive documents behind it,
    each with `per_page` entries a day apart, newest first."""
    n = itertools.count()
    paths = ["/feed.xml", *(f"/archive/{i}.xml" for i in range(1, pages))]
    for index, path in enumerate(paths):
        entries = []
        for _ in range(per_page):
            i = next(n)
            when = day - timedelta(days=i)
            link = site.add(f"/news/{i}.html", Reply(200, page(f"Talks {i}"), HTML))
            entries.append(
                f'<entry><title>Talks {i}</title><link href="{link}"/><id>{link}</id>'
                f"<updated>{when:%Y-%m-%dT%H:%M:%SZ}</updated></entry>"
            )
        older = (
            f'<link rel="prev-archive" href="{site.origin}{paths[index + 1]}"/>'
            if index + 1 < len(paths)
            else ""
        )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Archive</title><id>urn:a</id><updated>{day:%Y-%m-%dT%H:%M:%SZ}</updated>"
            f"{older}{''.join(entries)}</feed>"
        )
        site.add(path, Reply(200, feed.encode(), {"Content-Type": "application/atom+xml"}))
    return site.origin + paths[0]


@pytest.mark.usefixtures("prefect_harness")
def test_backfill_never_sends_two_requests_to_one_host_closer_than_the_delay(
    tmp_path: Path,
) -> None:
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    db = tmp_path / "polite.duckdb"
    with serve() as site:
        feed = archived_feed(site, today - timedelta(days=1))
        sources = tmp_path / "sources.toml"
        sources.write_text(
            "[fetch]\nallow_private_networks = true\n"
            f"min_host_delay = {DELAY}\nmax_connections_per_host = 1\n\n"
            f'[[sources]]\nname = "archive"\nurl = "{feed}"\n',
            "utf-8",
        )
        since = (today - timedelta(days=30)).date()
        window = ["--since", str(since), "--until", str(today.date())]
        code = main(["backfill", "--db", str(db), "--sources", str(sources), *window])
        log = sorted(site.log, key=lambda r: r.at)
    assert code == 0
    paths = [r.path for r in log]
    # the whole archive was walked and every article fetched, through the one host
    assert {"/feed.xml", "/archive/1.xml", "/archive/2.xml"} <= set(paths)
    assert sum(p.startswith("/news/") for p in paths) == 6
    gaps = [(later.at - earlier.at, later.path) for earlier, later in itertools.pairwise(log)]
    too_close = [(round(g, 3), p) for g, p in gaps if g < DELAY - SLACK]
    assert too_close == [], f"requests closer than {DELAY} s: {too_close}"
