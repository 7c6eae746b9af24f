"""Where backfill finds older items: sitemaps, archived and paged feeds, `?paged=N` pages.

Parsing works on bytes already fetched (`parse_sitemap`, `feed_paging_links`, `paged_url`);
the walking loops (`discover_source`, `backfill_source`) fetch page after page and stop as
soon as the pages they read are older than the window's start.

Three ways back in time, tried for each source:

- a sitemap (the source's `sitemap`, or its `url` when `kind = "sitemap"`): sitemap indexes
  are followed into child sitemaps whose `lastmod` is not before the window; each URL is
  placed by its Google News `publication_date`, else by its `lastmod`;
- the feed's RFC 5005 links: `prev-archive` (archived feeds), else `next` (paged feeds);
- when the feed names neither, WordPress-style `?paged=2`, `?paged=3`, ... pages.

An item with no date at all cannot be placed in the window and is counted, not fetched.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from xml.etree import ElementTree

from entente.ingest.collect import (
    Crawler,
    OverBudget,
    SourceHarvest,
    StoredVersions,
    crawling,
    deadline_after,
    failed_record,
    fetch_new,
    fetch_pages,
    ok_record,
    within,
)
from entente.ingest.feeds import parse_feed
from entente.ingest.fetch import run_async
from entente.ingest.settings import FetchSettings, Source
from entente.transforms.errors import ConfigError, FetchError, ParseError
from entente.transforms.health import FeedState
from entente.transforms.records import ArticleRecord, FeedEntry, FetchRecord
from entente.transforms.urls import article_id

MAX_PAGES = 200  # feed pages or sitemap files per source and starting point
END_OF_PAGES = "end_of_pages"  # a fetches outcome: the page after a feed's last page
Placement = Literal["before", "inside", "after", "undated"]


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open span of time [start, end) in UTC."""

    start: datetime
    end: datetime

    @classmethod
    def from_days(cls, since: date, until: date) -> Window:
        """Whole UTC days from `since` to `until`, both included."""
        if until < since:
            raise ConfigError(f"until ({until}) is before since ({since})")
        start = datetime.combine(since, time.min, tzinfo=UTC)
        end = datetime.combine(until, time.min, tzinfo=UTC) + timedelta(days=1)
        return cls(start, end)

    def place(self, moment: datetime | None) -> Placement:
        if moment is None:
            return "undated"
        if moment < self.start:
            return "before"
        if moment >= self.end:
            return "after"
        return "inside"

    def __str__(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        return f"{self.start.date()}..{last}"


# ---- parsing (pure) -------------------------------------------------------------------------


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A W3C datetime (YYYY, YYYY-MM, YYYY-MM-DD or a full timestamp), as aware UTC."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) == 4 and value.isdigit():
        value += "-01-01"
    elif len(value) == 7 and value[4] == "-":
        value += "-01"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _local(tag: object) -> str:
    name = tag if isinstance(tag, str) else ""
    return name.rsplit("}", 1)[-1].lower()


def _child_text(element: ElementTree.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _descendant_text(element: ElementTree.Element, name: str) -> str | None:
    for child in element.iter():
        if child is not element and _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _unzip(body: bytes, max_bytes: int) -> bytes:
    """Inflate a gzipped sitemap (sitemap.xml.gz), refusing to grow past `max_bytes`."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise ParseError(f"corrupt gzip sitemap: {exc}") from None
    if len(out) > max_bytes:
        raise ParseError(f"gzip sitemap inflates past {max_bytes} bytes")
    if not inflater.eof:
        raise ParseError("corrupt gzip sitemap: the stream ends early")
    return out


def _xml_root(body: bytes, what: str, base_url: str) -> ElementTree.Element:
    # ElementTree never fetches external entities, and the expat it uses refuses
    # entity-expansion bombs, so untrusted XML is safe to hand it.
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ParseError(f"{base_url} is not a well-formed {what}: {exc}") from None


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One `<url>` of a urlset, or one `<sitemap>` of a sitemap index."""

    loc: str
    lastmod: datetime | None = None
    published_at: datetime | None = None  # Google News <news:publication_date>
    title: str | None = None  # Google News <news:title>

    @property
    def moment(self) -> datetime | None:
        """The best date known for the page: publication first, else last modification."""
        return self.published_at or self.lastmod


@dataclass(frozen=True, slots=True)
class ParsedSitemap:
    urls: tuple[SitemapEntry, ...] = ()
    sitemaps: tuple[SitemapEntry, ...] = ()


def parse_sitemap(body: bytes, base_url: str, max_bytes: int = 50_000_000) -> ParsedSitemap:
    """Parse a sitemap, a sitemap index or a Google News sitemap (gzipped or not)."""
    root = _xml_root(_unzip(body, max_bytes), "sitemap", base_url)
    kind = _local(root.tag)
    if kind not in {"urlset", "sitemapindex"}:
        raise ParseError(f"{base_url} is not a sitemap (root element <{kind}>)")
    found: list[SitemapEntry] = []
    seen: set[str] = set()
    wanted = "url" if kind == "urlset" else "sitemap"
    for item in root:
        if _local(item.tag) != wanted:
            continue
        loc = _child_text(item, "loc")
        if not loc:
            continue
        loc = urljoin(base_url, loc)
        if not loc.startswith(("http://", "https://")) or loc in seen:
            continue
        seen.add(loc)
        news = next((c for c in item if _local(c.tag) == "news"), None)
        found.append(
            SitemapEntry(
                loc=loc,
                lastmod=parse_w3c_datetime(_child_text(item, "lastmod")),
                published_at=(
                    parse_w3c_datetime(_descendant_text(news, "publication_date"))
                    if news is not None
                    else None
                ),
                title=_descendant_text(news, "title") if news is not None else None,
            )
        )
    if kind == "urlset":
        return ParsedSitemap(urls=tuple(found))
    return ParsedSitemap(sitemaps=tuple(found))


@dataclass(frozen=True, slots=True)
class PagingLinks:
    """A feed document's RFC 5005 links toward older entries."""

    prev_archive: str | None = None
    next: str | None = None

    @property
    def older(self) -> str | None:
        return self.prev_archive or self.next


def feed_paging_links(body: bytes, base_url: str) -> PagingLinks:
    """The feed-level `prev-archive` and `next` links of an Atom or RSS document.

    Only links of the feed itself count (children of Atom's `<feed>` or RSS's `<channel>`,
    RSS using `atom:link`), never an entry's. An ill-formed document has none.
    """
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return PagingLinks()
    holder = root
    if _local(root.tag) == "rss":
        holder = next((c for c in root if _local(c.tag) == "channel"), root)
    links: dict[str, str] = {}
    for child in holder:
        if _local(child.tag) != "link":
            continue
        rel = (child.get("rel") or "").strip().lower()
        href = (child.get("href") or "").strip()
        if rel in {"prev-archive", "next"} and href and rel not in links:
            target = urljoin(base_url, href)
            if target.startswith(("http://", "https://")):
                links[rel] = target
    return PagingLinks(prev_archive=links.get("prev-archive"), next=links.get("next"))


def paged_url(feed_url: str, page: int) -> str:
    """The WordPress-style URL of a feed's `page`th page: `?paged=N` added or replaced."""
    parts = urlsplit(feed_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def entry_moment(entry: FeedEntry) -> datetime | None:
    return entry.published_at or entry.updated_at


def keep_in_window(
    records: Iterable[ArticleRecord], window: Window
) -> tuple[list[ArticleRecord], int]:
    """Drop records whose own publication date falls outside the window; count them.

    Discovery placed every candidate by its sitemap or feed date; the page's own date, when
    extraction finds one, has the last word. A record without any date stays.
    """
    kept: list[ArticleRecord] = []
    dropped = 0
    for record in records:
        if window.place(record.published_at) in {"before", "after"}:
            dropped += 1
        else:
            kept.append(record)
    return kept, dropped


# ---- walking (network) ----------------------------------------------------------------------


@dataclass(slots=True)
class Discovery:
    """What walking a source's archives found: candidates in the window, and the walk's log."""

    source: str
    harvest: SourceHarvest
    candidates: dict[str, FeedEntry] = field(default_factory=dict)  # by article_id
    started: int = 0  # starting points (sitemap, feed) that answered
    errors: list[str] = field(default_factory=list)
    pages: int = 0
    before: int = 0
    after: int = 0
    undated: int = 0
    over_limit: int = 0
    keep_undated: bool = False  # a scheduled run's sitemap: an undated URL may be new

    def offer(self, entry: FeedEntry, window: Window) -> None:
        placement = window.place(entry_moment(entry))
        if placement == "inside" or (placement == "undated" and self.keep_undated):
            key = article_id(entry.link)
            current = self.candidates.get(key)
            # A feed entry (title, summary) says more than a bare sitemap URL.
            if current is None or (current.summary is None and entry.summary is not None):
                self.candidates[key] = entry
        elif placement == "before":
            self.before += 1
        elif placement == "after":
            self.after += 1
        else:
            self.undated += 1


def _record_failure(
    harvest: SourceHarvest, source: str, kind: str, url: str, exc: FetchError | ParseError
) -> None:
    harvest.fetches.append(failed_record(source, kind, url, exc, datetime.now(UTC)))


async def walk_sitemaps(
    crawler: Crawler,
    root_url: str,
    window: Window,
    found: Discovery,
    harvest: SourceHarvest,
    deadline: float | None = None,
    state: FeedState | None = None,
    max_files: int = MAX_PAGES,
) -> None:
    """Read a sitemap tree, skipping child sitemaps last modified before the window.

    The root is asked conditionally with `state`'s validators: a 304 ends the walk (nothing
    new), and a good answer's validators go into `harvest.feed_state`.
    """
    queue = [root_url]
    seen: set[str] = set()
    answered = False
    while queue and len(seen) < max_files:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        fetched_at = datetime.now(UTC)
        headers = state.conditional_headers(url) if state is not None else {}
        try:
            async with within(deadline, url):
                response = await crawler.fetcher.get(url, headers)
            if response.status == 304:
                harvest.fetches.append(
                    ok_record(found.source, "sitemap", url, fetched_at, response)
                )
                harvest.not_modified = answered = True
                continue
            parsed = parse_sitemap(response.body, response.final_url, crawler.settings.max_bytes)
        except (FetchError, ParseError) as exc:
            _record_failure(harvest, found.source, "sitemap", url, exc)
            found.errors.append(str(exc))
            if isinstance(exc, OverBudget):
                break
            continue
        harvest.fetches.append(ok_record(found.source, "sitemap", url, fetched_at, response))
        if url == root_url and (response.etag or response.last_modified):
            harvest.feed_state = FeedState(found.source, url, response.etag, response.last_modified)
        found.pages += 1
        answered = True
        for child in parsed.sitemaps:
            # A sitemap file untouched since before the window lists nothing newer.
            if window.place(child.lastmod) == "before":
                found.before += 1
            else:
                queue.append(child.loc)
        for item in parsed.urls:
            found.offer(
                FeedEntry(
                    link=item.loc,
                    title=item.title,
                    summary=None,
                    published_at=item.published_at,
                    updated_at=item.lastmod,
                    guid=None,
                ),
                window,
            )
    found.started += answered


async def walk_feed(
    crawler: Crawler,
    feed_url: str,
    window: Window,
    found: Discovery,
    harvest: SourceHarvest,
    deadline: float | None = None,
    max_pages: int = MAX_PAGES,
) -> None:
    """Read a feed and its older pages until a page reaches back before the window."""
    url: str | None = feed_url
    seen_pages: set[str] = set()
    seen_links: set[str] = set()
    wordpress: Iterator[str] | None = None  # set when the feed has no RFC 5005 links
    pages = 0
    while url is not None and url not in seen_pages and pages < max_pages:
        seen_pages.add(url)
        fetched_at = datetime.now(UTC)
        try:
            async with within(deadline, url):
                response = await crawler.fetcher.get(url)
            feed = parse_feed(response.body, response.final_url)
        except (FetchError, ParseError) as exc:
            if wordpress is not None and isinstance(exc, FetchError) and exc.status in {404, 410}:
                # How `?paged=N` says "no more pages": logged, but not a failure.
                harvest.fetches.append(
                    FetchRecord(
                        url, found.source, "feed", exc.status, END_OF_PAGES, str(exc), fetched_at
                    )
                )
                return
            _record_failure(harvest, found.source, "feed", url, exc)
            if pages == 0:
                found.errors.append(str(exc))
            return
        harvest.fetches.append(ok_record(found.source, "feed", url, fetched_at, response))
        pages += 1
        found.pages += 1
        if pages == 1:
            found.started += 1
        fresh = [e for e in feed.entries if e.link not in seen_links]
        if not fresh:
            return  # the server ignores the page parameter and sends the same entries
        seen_links.update(e.link for e in fresh)
        for entry in fresh:
            found.offer(entry, window)
        dated = [m for m in (entry_moment(e) for e in fresh) if m is not None]
        if dated and min(dated) < window.start:
            return  # this page reaches back before the window: older pages are all older
        older = feed_paging_links(response.body, response.final_url).older
        if pages == 1 and older is None:
            wordpress = (paged_url(feed_url, n) for n in range(2, max_pages + 1))
        url = next(wordpress, None) if wordpress is not None else older


async def walk_source(
    crawler: Crawler, source: Source, window: Window, deadline: float | None = None
) -> Discovery:
    """Walk every place a source keeps older items; failures are recorded, none raises."""
    harvest = SourceHarvest(source=source.name)
    found = Discovery(source=source.name, harvest=harvest)
    sitemaps = (source.sitemap, source.url if source.kind == "sitemap" else None)
    for url in dict.fromkeys(u for u in sitemaps if u):
        await walk_sitemaps(crawler, url, window, found, harvest, deadline)
    if source.kind == "feed":
        await walk_feed(crawler, source.url, window, found, harvest, deadline)
    return found


def newest_first(found: Discovery, window: Window) -> list[tuple[str, FeedEntry]]:
    """The candidates by article id, newest first (undated ones last)."""
    return sorted(
        found.candidates.items(),
        key=lambda item: entry_moment(item[1]) or window.start,
        reverse=True,
    )


async def backfill_walk(
    crawler: Crawler,
    source: Source,
    window: Window,
    known_ids: Callable[[Collection[str]], set[str]],
    limit: int,
    budget: float | None = None,
) -> Discovery:
    """Discover a source's items in the window, then fetch the pages the warehouse lacks,
    all within `budget` seconds.

    The newest `limit` missing items are fetched; the rest are counted in `over_limit`
    and a later backfill (which skips what is stored by then) picks them up.
    """
    deadline = deadline_after(budget)
    found = await walk_source(crawler, source, window, deadline)
    harvest = found.harvest
    harvest.feed_ok = found.started > 0
    if not harvest.feed_ok:
        harvest.error = "; ".join(found.errors) or "no sitemap or feed to walk"
        return found
    ordered = newest_first(found, window)
    harvest.entries = len(ordered)
    present = await asyncio.to_thread(known_ids, [key for key, _ in ordered])
    missing = [entry for key, entry in ordered if key not in present]
    harvest.skipped_known = len(ordered) - len(missing)
    found.over_limit = max(0, len(missing) - limit)
    await fetch_pages(crawler, source, missing[:limit], harvest, deadline)
    return found


# A sitemap's dates are often whole days, in the publisher's time zone: a scheduled run asks
# for URLs dated from this long before its source's last good poll.
SITEMAP_SLACK = timedelta(days=2)
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


async def harvest_sitemap(
    crawler: Crawler,
    source: Source,
    stored: StoredVersions,
    feed_state: FeedState | None = None,
    last_success: datetime | None = None,
    budget: float | None = None,
) -> SourceHarvest:
    """A scheduled run's harvest of a `kind = "sitemap"` source: the URLs new since its last
    good poll, and those whose lastmod moved past the version stored.

    The URLs dated since `last_success` (less SITEMAP_SLACK; every URL on a first poll),
    and undated ones, are taken newest first, at most max_articles_per_source; of those,
    only pages not stored yet or updated since are fetched. Child sitemaps last modified
    before then are not read.
    """
    deadline = deadline_after(budget)
    since = (
        last_success - SITEMAP_SLACK
        if last_success is not None
        else datetime.min.replace(tzinfo=UTC)
    )
    window = Window(since, _FAR_FUTURE)
    harvest = SourceHarvest(source=source.name)
    found = Discovery(source=source.name, harvest=harvest, keep_undated=True)
    await walk_sitemaps(crawler, source.url, window, found, harvest, deadline, feed_state)
    harvest.feed_ok = found.started > 0
    if not harvest.feed_ok:
        harvest.error = "; ".join(found.errors) or "the sitemap did not answer"
        return harvest
    limit = crawler.settings.max_articles_per_source
    entries = [entry for _, entry in newest_first(found, window)][:limit]
    await fetch_new(crawler, source, entries, stored, harvest, deadline)
    return harvest


def discover_source(source: Source, window: Window, settings: FetchSettings) -> Discovery:
    """walk_source from sync code, with a Crawler of its own (tools and tests)."""
    with crawling(settings) as crawler:
        return run_async(walk_source(crawler, source, window))


def backfill_source(
    source: Source,
    window: Window,
    settings: FetchSettings,
    known_ids: Callable[[Collection[str]], set[str]],
    limit: int,
) -> Discovery:
    """backfill_walk from sync code, with a Crawler of its own (tools and tests)."""
    with crawling(settings) as crawler:
        return run_async(backfill_walk(crawler, source, window, known_ids, limit))
