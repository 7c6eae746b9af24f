"""Backfill discovery: parsing sitemaps and paging links, and walking archives to `since`."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entente.ingest.discover import (
    PagingLinks,
    Window,
    backfill_source,
    discover_source,
    feed_paging_links,
    keep_in_window,
    paged_url,
    parse_sitemap,
    parse_w3c_datetime,
)
from entente.ingest.settings import FetchSettings, Source
from entente.transforms.errors import ConfigError, ParseError
from entente.transforms.records import ArticleRecord
from tests.archive_site import ArchiveSite
from tests.loopback import Reply, rss, serve

# Politeness is tested in test_collect.py and test_politeness.py; here it would only wait.
SETTINGS = FetchSettings(
    allow_private_networks=True, min_host_delay=0.0, read_timeout=5, total_timeout=10
)
TODAY = date(2026, 11, 20)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# ---- dates and windows ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-01", utc(2026, 6, 1)),
        ("2026-06", utc(2026, 6, 1)),
        ("2026", utc(2026, 1, 1)),
        ("2026-06-01T10:30:00Z", utc(2026, 6, 1, 10, 30)),
        ("2026-06-01T10:30:00+02:00", utc(2026, 6, 1, 8, 30)),
        ("2026-06-01T10:30:00.250+00:00", datetime(2026, 6, 1, 10, 30, 0, 250000, tzinfo=UTC)),
        ("  2026-06-01T10:30  ", utc(2026, 6, 1, 10, 30)),
        ("", None),
        (None, None),
        ("yesterday", None),
        ("2026-13-01", None),
    ],
)
def test_w3c_datetimes(text: str | None, expected: datetime | None) -> None:
    assert parse_w3c_datetime(text) == expected


def test_window_covers_whole_utc_days() -> None:
    window = Window.from_days(date(2026, 6, 1), date(2026, 6, 30))
    assert window.place(utc(2026, 6, 1)) == "inside"
    assert window.place(utc(2026, 6, 30, 23, 59, 59)) == "inside"
    assert window.place(utc(2026, 7, 1)) == "after"
    assert window.place(utc(2026, 5, 31, 23, 59, 59)) == "before"
    assert window.place(None) == "undated"
    assert str(window) == "2026-06-01..2026-06-30"
    assert Window.from_days(date(2026, 6, 1), date(2026, 6, 1)).place(utc(2026, 6, 1, 12)) == (
        "inside"
    )


def test_a_reversed_window_is_refused() -> None:
    with pytest.raises(ConfigError, match="before since"):
        Window.from_days(date(2026, 6, 2), date(2026, 6, 1))


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(0, 400),
    st.datetimes(min_value=datetime(1999, 1, 1), max_value=datetime(2031, 1, 1)),
)
def test_window_placement_agrees_with_calendar_days(
    since: date, span: int, naive: datetime
) -> None:
    until = since + timedelta(days=span)
    moment = naive.replace(tzinfo=UTC)
    placement = Window.from_days(since, until).place(moment)
    day = moment.date()
    expected = "before" if day < since else "after" if day > until else "inside"
    assert placement == expected


def _record(url: str, published: datetime | None) -> ArticleRecord:
    return ArticleRecord(
        article_id=url,
        url=url,
        source="s",
        title=None,
        published_at=published,
        language=None,
        body_text="text",
        word_count=1,
        content_hash="h",
        raw_sha256=None,
        fetched_at=utc(2026, 11, 1),
        pipeline_version="t",
        classifier_version="t",
    )


def test_records_dated_outside_the_window_are_dropped_and_counted() -> None:
    window = Window.from_days(date(2026, 6, 1), date(2026, 6, 30))
    records = [
        _record("in", utc(2026, 6, 5)),
        _record("early", utc(2026, 5, 5)),
        _record("late", utc(2026, 7, 5)),
        _record("undated", None),
    ]
    kept, dropped = keep_in_window(records, window)
    assert [r.url for r in kept] == ["in", "undated"]
    assert dropped == 2


# ---- sitemaps ----

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.example/a.html</loc><lastmod>2026-06-02</lastmod></url>
  <url><loc> /b.html </loc></url>
  <url><loc>https://news.example/a.html</loc></url>
  <url><loc>ftp://news.example/c</loc></url>
  <url><lastmod>2026-06-02</lastmod></url>
  <url><loc>https://news.example/n.html</loc><lastmod>2026-06-09T08:00:00Z</lastmod>
    <news:news><news:publication><news:name>Example</news:name>
      <news:language>en</news:language></news:publication>
      <news:publication_date>2026-06-03T12:00:00+00:00</news:publication_date>
      <news:title>Talks &amp; treaties</news:title></news:news></url>
</urlset>"""


def test_urlset_with_google_news_entries() -> None:
    parsed = parse_sitemap(URLSET, "https://news.example/sitemap.xml")
    assert parsed.sitemaps == ()
    assert [u.loc for u in parsed.urls] == [
        "https://news.example/a.html",
        "https://news.example/b.html",
        "https://news.example/n.html",
    ]
    a, b, n = parsed.urls
    assert a.lastmod == utc(2026, 6, 2) and a.published_at is None and a.moment == a.lastmod
    assert b.moment is None
    assert n.published_at == utc(2026, 6, 3, 12)
    assert n.moment == n.published_at  # publication beats last modification
    assert n.title == "Talks & treaties"


def test_sitemap_index_and_gzip() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://news.example/s-2026-05.xml.gz</loc><lastmod>2026-05-30</lastmod>
      </sitemap><sitemap><loc>https://news.example/news.xml</loc></sitemap></sitemapindex>"""
    parsed = parse_sitemap(gzip.compress(index), "https://news.example/index.xml.gz")
    assert parsed.urls == ()
    assert [(s.loc, s.lastmod) for s in parsed.sitemaps] == [
        ("https://news.example/s-2026-05.xml.gz", utc(2026, 5, 30)),
        ("https://news.example/news.xml", None),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>hello</body></html>", "not a sitemap"),
        (b"<urlset><url><loc>x</loc>", "not a well-formed sitemap"),
        (b"\x1f\x8b\x08\x00garbage", "corrupt gzip"),
    ],
)
def test_bad_sitemaps_raise_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_sitemap(body, "https://news.example/sitemap.xml")


def test_a_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 2_000_000 + b"</urlset>")
    with pytest.raises(ParseError, match="inflates past"):
        parse_sitemap(bomb, "https://news.example/s.xml.gz", max_bytes=100_000)


def test_entity_expansion_is_refused() -> None:
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'.encode()
            for i in range(9)
        )
        + b"]><urlset><url><loc>&lol8;</loc></url></urlset>"
    )
    with pytest.raises(ParseError):
        parse_sitemap(lol, "https://news.example/s.xml")


# ---- feed paging ----


def test_atom_archive_links_only_at_feed_level() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom">
      <link rel="self" href="/feed"/><link rel="prev-archive" href="/archive/7"/>
      <link rel="next" href="/feed?page=2"/>
      <entry><link rel="prev-archive" href="/not-this"/></entry></feed>"""
    links = feed_paging_links(body, "https://news.example/feed")
    assert links == PagingLinks(
        prev_archive="https://news.example/archive/7", next="https://news.example/feed?page=2"
    )
    assert links.older == "https://news.example/archive/7"


def test_rss_atom_link_next() -> None:
    body = b"""<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
      <atom:link rel="next" href="https://news.example/feed/page/2"/>
      <item><atom:link rel="next" href="https://elsewhere/"/></item></channel></rss>"""
    assert feed_paging_links(body, "https://news.example/feed").older == (
        "https://news.example/feed/page/2"
    )


def test_feeds_without_links_or_well_formedness_have_none() -> None:
    assert feed_paging_links(rss([]), "https://x/feed").older is None
    assert feed_paging_links(b"<rss><channel><item>", "https://x/feed").older is None


@pytest.mark.parametrize(
    ("url", "page", "expected"),
    [
        ("https://x.example/feed/", 2, "https://x.example/feed/?paged=2"),
        ("https://x.example/?feed=rss2", 3, "https://x.example/?feed=rss2&paged=3"),
        ("https://x.example/feed/?paged=2&lang=en", 4, "https://x.example/feed/?lang=en&paged=4"),
    ],
)
def test_paged_urls(url: str, page: int, expected: str) -> None:
    assert paged_url(url, page) == expected


# ---- walking a loopback archive ----


def _sources(site: ArchiveSite) -> dict[str, Source]:
    return {
        "ledger": Source(
            name="ledger",
            url=site.url("/ledger/feed.xml"),
            sitemap=site.url("/ledger/sitemap_index.xml"),
        ),
        "ledger-feed": Source(name="ledger-feed", url=site.url("/ledger/feed.xml")),
        "ledger-sitemap": Source(
            name="ledger-sitemap", url=site.url("/ledger/sitemap_index.xml"), kind="sitemap"
        ),
        "gazette": Source(name="gazette", url=site.url("/gazette/feed/")),
    }


def _window(days_from: int, days_to: int) -> Window:
    return Window.from_days(TODAY - timedelta(days=days_from), TODAY - timedelta(days=days_to))


def test_archived_feed_is_followed_back_to_since_and_no_further() -> None:
    with serve() as loopback:
        site = ArchiveSite(loopback, TODAY)
        window = _window(100, 40)
        found = discover_source(_sources(site)["ledger-feed"], window, SETTINGS)
        requested = [r.path for r in loopback.log]
    assert set(found.candidates.values()) and {e.link for e in found.candidates.values()} == {
        site.url(a.path) for a in site.ledger if window.place(a.published_at) == "inside"
    }
    assert requested == ["/ledger/feed.xml", site.ledger_archive(1), site.ledger_archive(2)]
    assert found.started == 1 and found.pages == 3


def test_sitemap_tree_skips_months_before_the_window() -> None:
    with serve() as loopback:
        site = ArchiveSite(loopback, TODAY)
        window = _window(100, 40)
        found = discover_source(_sources(site)["ledger-sitemap"], window, SETTINGS)
        requested = {r.path for r in loopback.log}
    months_needed = {
        f"{a.published_at:%Y-%m}"
        for a in site.ledger
        if a.published_at + timedelta(hours=1) >= window.start
    }
    all_months = {f"{a.published_at:%Y-%m}" for a in site.ledger}
    assert {site.month_sitemap(m) for m in months_needed} <= requested
    assert not {site.month_sitemap(m) for m in all_months - months_needed} & requested
    assert {e.link for e in found.candidates.values()} == {
        site.url(a.path) for a in site.ledger if window.place(a.published_at) == "inside"
    }
    assert all(e.published_at is None for e in found.candidates.values())


def test_news_sitemap_dates_are_publication_dates() -> None:
    with serve() as loopback:
        site = ArchiveSite(loopback, TODAY)
        window = _window(30, 0)
        found = discover_source(_sources(site)["ledger-sitemap"], window, SETTINGS)
    newest = site.ledger[0]
    entry = found.candidates[
        next(k for k, e in found.candidates.items() if e.link.endswith(newest.path))
    ]
    assert entry.published_at == newest.published_at
    assert entry.title == newest.title


def test_wordpress_pages_until_since() -> None:
    with serve() as loopback:
        site = ArchiveSite(loopback, TODAY)
        window = _window(60, 20)
        found = discover_source(_sources(site)["gazette"], window, SETTINGS)
        requested = [r.path for r in loopback.log]
    assert requested == [site.gazette_page(1), site.gazette_page(2)]
    assert {e.link for e in found.candidates.values()} == {
        site.url(a.path) for a in site.gazette if window.place(a.published_at) == "inside"
    }


def test_wordpress_pages_end_at_404_without_failing_the_source() -> None:
    with serve() as loopback:
        site = ArchiveSite(loopback, TODAY)
        window = _window(400, 0)
        found = discover_source(_sources(site)["gazette"], window, SETTINGS)
        requested = [r.path for r in loopback.log]
    assert requested == [site.gazette_page(n) for n in range(1, 6)]
    assert len(found.candidates) == len(site.gazette)
    assert found.started == 1 and not found.errors
    statuses = [(f.url.rsplit("/", 1)[-1], f.status, f.outcome) for f in found.harvest.fetches]
    assert statuses[-1] == ("?paged=5", 404, "end_of_pages")
    assert {s[2] for s in statuses[:-1]} == {"ok"}


def test_a_feed_that_ignores_paged_stops_after_one_repeat() -> None:
    with serve() as loopback:
        items = [
            (f"Item {n}", f"{loopback.origin}/a{n}.html", f"Mon, 0{n} Jun 2026 10:00:00 GMT")
            for n in range(1, 4)
        ]
        body = rss(items)
        loopback.add("/feed", Reply(200, body))
        for page in range(2, 5):
            loopback.add(f"/feed?paged={page}", Reply(200, body))
        found = discover_source(
            Source(name="plain", url=loopback.origin + "/feed"),
            Window.from_days(date(2026, 6, 1), date(2026, 6, 30)),
            SETTINGS,
        )
        requested = [r.path for r in loopback.log]
    assert requested == ["/feed", "/feed?paged=2"]
    assert len(found.candidates) == 3


def test_undated_and_out_of_window_items_are_counted_not_offered() -> None:
    with serve() as loopback:
        body = rss(
            [
                ("Dated", f"{loopback.origin}/in.html", "Mon, 08 Jun 2026 10:00:00 GMT"),
                ("Later", f"{loopback.origin}/late.html", "Mon, 10 Aug 2026 10:00:00 GMT"),
                ("Undated", f"{loopback.origin}/undated.html", ""),
            ]
        )
        loopback.add("/feed", Reply(200, body))
        found = discover_source(
            Source(name="mixed", url=loopback.origin + "/feed"),
            Window.from_days(date(2026, 6, 1), date(2026, 6, 30)),
            SETTINGS,
        )
    assert [e.link.rsplit("/", 1)[-1] for e in found.candidates.values()] == ["in.html"]
    assert (found.after, found.undated) == (1, 1)


def test_feed_and_sitemap_together_offer_each_article_once_with_its_summary() -> None:
    with serve() as loopback:
        site = ArchiveSite(loopback, TODAY)
        found = discover_source(_sources(site)["ledger"], _window(100, 40), SETTINGS)
    links = [e.link for e in found.candidates.values()]
    assert len(links) == len(set(links)) == 6
    assert all(e.summary for e in found.candidates.values())


def test_backfill_source_fetches_only_what_is_missing_newest_first_up_to_the_limit() -> None:
    with serve() as loopback:
        site = ArchiveSite(loopback, TODAY)
        window = _window(100, 40)
        inside = sorted(
            (a for a in site.gazette if window.place(a.published_at) == "inside"),
            key=lambda a: a.published_at,
            reverse=True,
        )
        from entente.transforms.urls import article_id

        stored = {article_id(site.url(inside[0].path))}
        found = backfill_source(
            _sources(site)["gazette"], window, SETTINGS, lambda ids: stored & set(ids), limit=3
        )
    harvest = found.harvest
    assert harvest.feed_ok and harvest.entries == len(inside)
    assert harvest.skipped_known == 1
    # Pages are fetched several at a time, so they arrive in any order: which ones matters.
    assert sorted(d.url for d in harvest.documents) == sorted(site.url(a.path) for a in inside[1:4])
    assert found.over_limit == len(inside) - 1 - 3


def test_a_source_whose_every_starting_point_fails_is_a_failed_harvest() -> None:
    with serve() as loopback:
        loopback.add("/broken-sitemap.xml", Reply(200, b"<html>no</html>"))
        source = Source(
            name="down",
            url=loopback.origin + "/missing-feed",
            sitemap=loopback.origin + "/broken-sitemap.xml",
        )
        found = backfill_source(source, _window(30, 0), SETTINGS, lambda ids: set(), limit=10)
    assert not found.harvest.feed_ok
    assert "not a sitemap" in (found.harvest.error or "")
    assert "404" in (found.harvest.error or "")
    assert {f.kind for f in found.harvest.fetches} == {"sitemap", "feed"}
