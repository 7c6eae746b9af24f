from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest

from entente.ingest.collect import (
    SourceHarvest,
    check_page,
    crawling,
    harvest_feed,
    harvest_source,
    select_entries,
)
from entente.ingest.fetch import Response, run_async
from entente.ingest.politeness import HostGates
from entente.ingest.settings import FetchSettings, Source
from entente.transforms.errors import FetchError
from entente.transforms.health import FeedState
from entente.transforms.records import FeedEntry
from entente.transforms.urls import article_id
from tests.ingest.faults import (
    FaultHandler,
    Served,
    fault_site,
    max_parallel,
    rss_feed,
    start_gaps,
)

POLITE = FetchSettings(
    allow_private_networks=True,
    read_timeout=2.0,
    total_timeout=5.0,
    retries=0,
    max_connections_per_host=2,
    min_host_delay=0.2,
)
PAGE = b"<!doctype html><html><body><article><p>Text.</p></article></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def nothing_stored(ids: Collection[str]) -> dict[str, datetime | None]:
    return {}


def _entry(link: str, updated: datetime | None = None) -> FeedEntry:
    return FeedEntry(link, "t", "s", None, updated, None)


def test_politeness_holds_per_host_while_hosts_run_in_parallel() -> None:
    """Two sources on two hosts, 12 slow pages each, harvested at once with shared gates."""
    gates = HostGates(POLITE.max_connections_per_host, POLITE.min_host_delay)
    with fault_site(["127.0.0.1", "127.0.0.2"]) as site:
        sources = []
        for n, origin in enumerate(site.origins):
            links = [
                site.add(origin, f"/a/{i}.html", Served(200, PAGE, HTML, delay=0.25))
                for i in range(12)
            ]
            feed = site.add(origin, "/feed.xml", Served(200, rss_feed([("t", u) for u in links])))
            sources.append(Source(name=f"host-{n}", url=feed))
        results: list[SourceHarvest] = []
        threads = [
            threading.Thread(
                target=lambda s=s: results.append(
                    harvest_source(s, POLITE, nothing_stored, None, gates)
                )
            )
            for s in sources
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        hits = list(site.hits)
    assert sorted(len(r.documents) for r in results) == [12, 12]
    for address in {h.address for h in hits}:
        host_hits = [h for h in hits if h.address == address]
        assert max_parallel(host_hits) == 2, address  # the limit is used, never exceeded
        gaps = start_gaps(host_hits)
        assert len(gaps) == 13  # feed, robots.txt, 12 pages
        assert all(gap >= 0.2 - 0.01 for gap, opened in gaps if not opened), (address, gaps)
        assert all(gap >= 0.1 for gap, _ in gaps), (address, gaps)
    # Hosts did not wait for each other: both were busy at the same time.
    assert max_parallel(hits) >= 3


def test_sources_sharing_a_host_share_its_limit() -> None:
    gates = HostGates(2, 0.0)
    with fault_site() as site:
        origin = site.origins[0]
        sources = []
        for n in range(3):
            links = [
                site.add(origin, f"/{n}/{i}.html", Served(200, PAGE, HTML, delay=0.2))
                for i in range(4)
            ]
            feed = site.add(
                origin, f"/{n}/feed.xml", Served(200, rss_feed([("t", u) for u in links]))
            )
            sources.append(Source(name=f"s{n}", url=feed))
        settings = POLITE.model_copy(update={"min_host_delay": 0.0, "respect_robots": False})
        threads = [
            threading.Thread(target=harvest_source, args=(s, settings, nothing_stored, None, gates))
            for s in sources
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pages = [h for h in site.hits if h.path.endswith(".html")]
    assert len(pages) == 12
    assert max_parallel(pages) == 2


def test_robots_txt_is_honoured_for_articles_not_feeds() -> None:
    robots = b"User-agent: *\nDisallow: /private/\n"
    with fault_site() as site:
        origin = site.origins[0]
        site.add(origin, "/robots.txt", Served(200, robots, {"Content-Type": "text/plain"}))
        ok = site.add(origin, "/news/1.html", Served(200, PAGE, HTML))
        private = site.add(origin, "/private/2.html", Served(200, PAGE, HTML))
        feed = site.add(
            origin, "/private/feed.xml", Served(200, rss_feed([("a", ok), ("b", private)]))
        )
        harvest = harvest_source(Source(name="r", url=feed), POLITE, nothing_stored)
        asked = [h.path for h in site.hits]
    assert "/private/2.html" not in asked and "/news/1.html" in asked
    assert asked.count("/robots.txt") == 1
    outcomes = {f.url: f.outcome for f in harvest.fetches}
    assert outcomes[private] == "robots_disallowed"
    assert outcomes[origin + "/robots.txt"] == "ok"
    assert [e.link for e in harvest.summaries] == [private]  # its feed summary is kept


def test_robots_txt_unreachable_means_wait() -> None:
    with fault_site() as site:
        origin = site.origins[0]
        site.add(origin, "/robots.txt", Served(500, b"down"))
        page = site.add(origin, "/n/1.html", Served(200, PAGE, HTML))
        feed = site.add(origin, "/feed.xml", Served(200, rss_feed([("a", page)])))
        harvest = harvest_source(Source(name="r", url=feed), POLITE, nothing_stored)
        assert site.hits_to(page) == []
    assert {f.url: f.outcome for f in harvest.fetches}[page] == "robots_unreachable"


def test_conditional_feed_304_is_not_parsed_and_fetches_nothing_else() -> None:
    def feed_route(handler: FaultHandler) -> Served:
        if handler.headers.get("If-None-Match") == '"e1"':
            return Served(304, b"", {"ETag": '"e1"'})
        return Served(200, b"not even a feed", {"ETag": '"e1"', "Last-Modified": "x"})

    with fault_site() as site:
        feed = site.add(site.origins[0], "/feed.xml", feed_route)
        state = FeedState("c", feed, '"e1"', "Wed, 01 Apr 2026 00:00:00 GMT")
        harvest = harvest_source(Source(name="c", url=feed), POLITE, nothing_stored, state)
        (hit,) = site.hits
    assert hit.headers["If-None-Match"] == '"e1"'
    assert hit.headers["If-Modified-Since"] == "Wed, 01 Apr 2026 00:00:00 GMT"
    assert harvest.feed_ok and harvest.not_modified and harvest.error is None
    assert [(f.status, f.outcome) for f in harvest.fetches] == [(304, "not_modified")]


def test_validators_are_kept_from_a_good_answer() -> None:
    with fault_site() as site:
        page = site.add(site.origins[0], "/1.html", Served(200, PAGE, HTML))
        feed = site.add(
            site.origins[0],
            "/feed.xml",
            Served(200, rss_feed([("a", page)]), {"ETag": '"x"', "Last-Modified": "lm"}),
        )
        harvest = harvest_source(Source(name="v", url=feed), POLITE, nothing_stored)
    assert harvest.feed_state == FeedState("v", feed, '"x"', "lm")


def test_stored_articles_are_fetched_again_only_when_their_entry_was_updated() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    fresh, same, newer, undated = (f"https://x.example/{n}" for n in "abcd")
    stored: dict[str, datetime | None] = {article_id(u): t0 for u in (same, newer, undated)}
    entries = [
        _entry(fresh),
        _entry(same, t0),
        _entry(newer, t0 + timedelta(hours=1)),
        _entry(undated),
    ]
    wanted, updated, skipped = select_entries(entries, stored)
    assert [e.link for e in wanted] == [fresh, newer]
    assert updated == {article_id(newer)}
    assert skipped == 2
    # Held only as a feed summary after a timeout: asked again, to replace the summary.
    stored[article_id(same)] = None
    wanted, updated, skipped = select_entries(entries, stored)
    assert [e.link for e in wanted] == [fresh, same, newer]
    assert updated == {article_id(same), article_id(newer)}


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("application/pdf", b"%PDF-1.7", "application/pdf"),
        ("text/html", b"%PDF-1.7 ...", "PDF"),
        ("text/html", b'<?xml version="1.0"?><rss version="2.0"></rss>', "is a feed"),
        ("application/rss+xml", b"<rss/>", r"application/rss\+xml"),
    ],
)
def test_pages_that_are_not_articles_are_refused(
    content_type: str, body: bytes, reason: str
) -> None:
    response = Response("u", "u", 200, content_type, body, 1)
    with pytest.raises(FetchError, match=reason) as info:
        check_page(response, "u")
    assert info.value.outcome == "not_html"


def test_xhtml_pages_are_articles() -> None:
    body = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    check_page(Response("u", "u", 200, "application/xhtml+xml", body, 1), "u")


def test_a_harvest_says_how_many_pages_it_will_fetch_before_it_fetches_them() -> None:
    """`before_pages` hears the number of new pages before the first is asked for (a run
    starts its extraction workers on it), and nothing when no page is wanted."""
    heard: list[tuple[int, int]] = []
    with fault_site() as site:
        origin = site.origins[0]
        links = [site.add(origin, f"/p/{i}.html", Served(200, PAGE, HTML)) for i in range(5)]
        feed = site.add(origin, "/feed.xml", Served(200, rss_feed([("t", u) for u in links])))
        source = Source(name="five", url=feed)

        def before(pages: int) -> None:
            heard.append((pages, len([h for h in site.hits if h.path.startswith("/p/")])))

        with crawling(POLITE, before_pages=before) as crawler:
            harvest = run_async(harvest_feed(crawler, source, nothing_stored))
            stored = {article_id(u): datetime(2026, 1, 1, tzinfo=UTC) for u in links}
            done = run_async(harvest_feed(crawler, source, lambda _ids: stored))
    assert len(harvest.documents) == 5
    assert heard == [(5, 0)]  # once, before any page; the second harvest wanted none
    assert done.documents == []
