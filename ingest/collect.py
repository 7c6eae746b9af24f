"""Harvest one source: its feed (conditionally), then the article pages not yet stored.

Every URL touched leaves one FetchRecord, whatever happened; nothing here raises.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from entente.ingest.feeds import ParsedFeed, parse_feed
from entente.ingest.fetch import Fetcher, Response, open_fetcher, run_async
from entente.ingest.politeness import HostGates
from entente.ingest.robots import RobotsAnswer, RobotsCache
from entente.ingest.settings import FetchSettings, Source
from entente.transforms.errors import FetchError, ParseError
from entente.transforms.health import FeedState
from entente.transforms.records import FeedEntry, FetchRecord, RawDocument
from entente.transforms.urls import article_id

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Outcomes that are not failures: the fetch log still records them.
BENIGN_OUTCOMES = frozenset({"ok", "not_modified", "robots_absent"})
FEED_MARKERS = (b"<rss", b"<feed", b"<rdf:rdf", b"<?xml")

T = TypeVar("T")
R = TypeVar("R")

StoredVersions = Callable[[Collection[str]], dict[str, datetime | None]]


@dataclass(slots=True)
class SourceHarvest:
    """What one pass over one source brought back, failures included."""

    source: str
    feed_ok: bool = False
    not_modified: bool = False
    error: str | None = None
    ill_formed: str | None = None
    retry_after: float | None = None
    feed_state: FeedState | None = None  # validators to keep; None leaves the stored ones
    fetches: list[FetchRecord] = field(default_factory=list)
    documents: list[RawDocument] = field(default_factory=list)
    summaries: list[FeedEntry] = field(default_factory=list)  # entries whose page failed
    updated: list[str] = field(default_factory=list)  # stored articles fetched again: updated
    entries: int = 0
    skipped_known: int = 0


def ok_record(
    source: str, kind: str, url: str, fetched_at: datetime, response: Response
) -> FetchRecord:
    outcome = "not_modified" if response.status == 304 else "ok"
    return FetchRecord(
        url=url,
        source=source,
        kind=kind,
        status=response.status,
        outcome=outcome,
        error=None,
        fetched_at=fetched_at,
        bytes=len(response.body),
        elapsed_ms=response.elapsed_ms,
    )


def failed_record(
    source: str,
    kind: str,
    url: str,
    exc: FetchError | ParseError,
    fetched_at: datetime,
    elapsed_ms: int = 0,
) -> FetchRecord:
    if isinstance(exc, FetchError):
        return FetchRecord(
            url, source, kind, exc.status, exc.outcome, str(exc), fetched_at, 0, elapsed_ms
        )
    return FetchRecord(url, source, kind, 200, "parse_error", str(exc), fetched_at, 0, elapsed_ms)


def failed_harvest(source: Source, error: str) -> SourceHarvest:
    """The harvest of a source whose harvest raised instead of returning (a bug, the
    warehouse out of reach): failed with `error`, and with the `fetches` row that every
    failure has, on the source's own URL."""
    record = FetchRecord(
        source.url, source.name, "feed", None, "internal_error", error, datetime.now(UTC)
    )
    return SourceHarvest(source=source.name, error=error, fetches=[record])


def _ms_since(start: float) -> int:
    return int((asyncio.get_running_loop().time() - start) * 1000)


def select_entries(
    entries: Sequence[FeedEntry], stored: dict[str, datetime | None]
) -> tuple[list[FeedEntry], set[str], int]:
    """Entries to fetch, the ids among them that replace stored ones, and how many skip.

    A stored article is fetched again only when its entry says it was updated after the
    version we hold (`stored` maps article id to the time of that version), or when we hold
    only its feed summary after a failure that may pass (`stored` maps it to None).
    """
    wanted: list[FeedEntry] = []
    updated: set[str] = set()
    skipped = 0
    for entry in entries:
        aid = article_id(entry.link)
        held = stored.get(aid)
        if aid not in stored:
            wanted.append(entry)
        elif held is None or (entry.updated_at is not None and entry.updated_at > held):
            wanted.append(entry)
            updated.add(aid)
        else:
            skipped += 1
    return wanted, updated, skipped


def check_page(response: Response, url: str) -> None:
    """Refuse what is not an article page: another content type, or a feed in HTML's clothes."""
    content_type = (response.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type not in HTML_TYPES:
        raise FetchError("not_html", f"{url} is {content_type}, not an HTML page", response.status)
    head = response.body[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        raise FetchError("not_html", f"{url} is a PDF served as HTML", response.status)
    if head.startswith(FEED_MARKERS) and b"<html" not in head:
        raise FetchError("not_html", f"{url} is a feed, not an article page", response.status)


async def map_by_host(
    items: Sequence[T],
    host_of: Callable[[T], str],
    per_host: int,
    work: Callable[[T], Awaitable[R]],
) -> list[R]:
    """Run `work` over items, at most `per_host` at a time per host, every host at once.

    Few coroutines wait at a time (hosts x per_host), however many items there are.
    """
    queues: dict[str, deque[int]] = {}
    for index, item in enumerate(items):
        queues.setdefault(host_of(item), deque()).append(index)
    results: dict[int, R] = {}

    async def drain(queue: deque[int]) -> None:
        while queue:
            index = queue.popleft()
            results[index] = await work(items[index])

    await asyncio.gather(*(drain(q) for q in queues.values() for _ in range(min(per_host, len(q)))))
    return [results[i] for i in range(len(items))]


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


@dataclass(frozen=True, slots=True)
class Crawler:
    """What every harvest of a run shares: one Fetcher (its connection pools, per-host gates
    and cap on requests in flight) and one robots.txt cache, so politeness holds across
    sources, archive walks and article pages alike."""

    fetcher: Fetcher
    robots: RobotsCache | None
    # Told how many article pages a harvest is about to fetch, before it fetches them: a run
    # starts its extraction workers only when a batch will be big enough to use them.
    before_pages: Callable[[int], None] | None = None

    @property
    def settings(self) -> FetchSettings:
        return self.fetcher.settings


@contextmanager
def crawling(
    settings: FetchSettings,
    gates: HostGates | None = None,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
    before_pages: Callable[[int], None] | None = None,
) -> Iterator[Crawler]:
    """A Crawler for the block, open on the process's fetch loop (see fetch.open_fetcher)."""
    with open_fetcher(settings, gates, wrap) as fetcher:
        robots = RobotsCache(fetcher) if settings.respect_robots else None
        yield Crawler(fetcher, robots, before_pages)


def deadline_after(budget: float | None) -> float | None:
    """The fetch loop's clock reading `budget` seconds from now (None: no deadline)."""
    return None if budget is None else asyncio.get_running_loop().time() + budget


class OverBudget(FetchError):
    """The source's time budget for this run ran out before this URL was fetched."""

    def __init__(self, url: str) -> None:
        super().__init__("over_budget", f"{url}: the source's time budget for this run ran out")


@asynccontextmanager
async def within(deadline: float | None, url: str) -> AsyncIterator[None]:
    """Cut the block at `deadline` (the fetch loop's clock), raising OverBudget for `url`."""
    if deadline is not None and asyncio.get_running_loop().time() >= deadline:
        raise OverBudget(url)
    try:
        async with asyncio.timeout_at(deadline):
            yield
    except TimeoutError:
        raise OverBudget(url) from None


async def fetch_feed(
    fetcher: Fetcher,
    source: Source,
    state: FeedState | None,
    harvest: SourceHarvest,
    deadline: float | None = None,
) -> ParsedFeed | None:
    """The feed stage: a conditional GET and a parse; None when there is nothing to parse."""
    fetched_at = datetime.now(UTC)
    started = asyncio.get_running_loop().time()
    headers = state.conditional_headers(source.url) if state else {}
    try:
        async with within(deadline, source.url):
            response = await fetcher.get(source.url, headers)
    except FetchError as exc:
        harvest.error = str(exc)
        harvest.retry_after = getattr(exc, "retry_after", None)
        harvest.fetches.append(
            failed_record(source.name, "feed", source.url, exc, fetched_at, _ms_since(started))
        )
        return None
    except Exception as exc:  # a bug must cost one source, not the run
        error = FetchError("internal_error", f"{type(exc).__name__} fetching {source.url}: {exc}")
        harvest.error = str(error)
        harvest.fetches.append(failed_record(source.name, "feed", source.url, error, fetched_at))
        return None
    record = ok_record(source.name, "feed", source.url, fetched_at, response)
    if response.status == 304:
        harvest.feed_ok = harvest.not_modified = True
        harvest.fetches.append(record)
        return None
    try:
        feed = parse_feed(response.body, response.final_url, content_type=response.content_type)
    except ParseError as exc:
        harvest.error = str(exc)
        failed = failed_record(
            source.name, "feed", source.url, exc, fetched_at, response.elapsed_ms
        )
        harvest.fetches.append(replace(failed, status=response.status, bytes=len(response.body)))
        return None
    harvest.feed_ok = True
    if feed.bozo:
        harvest.ill_formed = f"ill-formed feed: {feed.bozo_reason or 'unknown reason'}"
        record = replace(record, error=harvest.ill_formed)
    harvest.fetches.append(record)
    if response.etag or response.last_modified:
        harvest.feed_state = FeedState(
            source.name, source.url, response.etag, response.last_modified
        )
    return feed


async def _article(
    crawler: Crawler,
    source: Source,
    entry: FeedEntry,
    harvest: SourceHarvest,
    deadline: float | None,
    robots_log: list[RobotsAnswer],
    stored: bool,
) -> None:
    """Fetch one entry's page into `harvest`. A page that fails leaves its feed summary to
    load instead, unless the article is stored already: then the stored text stays."""
    fetched_at = datetime.now(UTC)
    started = asyncio.get_running_loop().time()
    try:
        async with within(deadline, entry.link):
            if crawler.robots is not None:
                await crawler.robots.check(entry.link, robots_log)
            page = await crawler.fetcher.get(entry.link)
        check_page(page, entry.link)
    except FetchError as exc:
        harvest.fetches.append(
            failed_record(source.name, "article", entry.link, exc, fetched_at, _ms_since(started))
        )
        if not stored:
            harvest.summaries.append(entry)
        return
    except Exception as exc:  # a bug must cost one article, not the source
        error = FetchError("internal_error", f"{type(exc).__name__} fetching {entry.link}: {exc}")
        harvest.fetches.append(failed_record(source.name, "article", entry.link, error, fetched_at))
        if not stored:
            harvest.summaries.append(entry)
        return
    harvest.fetches.append(ok_record(source.name, "article", entry.link, fetched_at, page))
    harvest.documents.append(
        RawDocument(
            url=entry.link,
            final_url=page.final_url,
            source=source.name,
            fetched_at=fetched_at,
            content_type=page.content_type,
            body=page.body,
            entry=entry,
        )
    )


def _robots_records(source: str, fetched: list[RobotsAnswer]) -> list[FetchRecord]:
    records = []
    now = datetime.now(UTC)
    for answer in fetched:
        if answer.response is not None:
            records.append(ok_record(source, "robots", answer.url, now, answer.response))
        elif answer.error is not None and answer.blocked_reason is None:
            err = answer.error
            records.append(
                FetchRecord(
                    answer.url, source, "robots", err.status, "robots_absent", str(err), now
                )
            )
        elif answer.error is not None:
            records.append(failed_record(source, "robots", answer.url, answer.error, now))
    return records


async def harvest_feed(
    crawler: Crawler,
    source: Source,
    stored: StoredVersions,
    feed_state: FeedState | None = None,
    budget: float | None = None,
) -> SourceHarvest:
    """Fetch a feed and its new or updated articles within `budget` seconds; every failure
    becomes a FetchRecord, and nothing raises.

    `stored` maps article ids to the time of the version the warehouse holds; `feed_state`
    holds the validators of the feed's last good answer.
    """
    harvest = SourceHarvest(source=source.name)
    deadline = deadline_after(budget)
    feed = await fetch_feed(crawler.fetcher, source, feed_state, harvest, deadline)
    if feed is None:
        return harvest
    entries = feed.entries[: crawler.settings.max_articles_per_source]
    await fetch_new(crawler, source, entries, stored, harvest, deadline)
    return harvest


async def fetch_new(
    crawler: Crawler,
    source: Source,
    entries: Sequence[FeedEntry],
    stored: StoredVersions,
    harvest: SourceHarvest,
    deadline: float | None = None,
) -> None:
    """Of these entries, fetch the pages not stored yet or updated since (select_entries)."""
    harvest.entries = len(entries)
    held = await asyncio.to_thread(stored, [article_id(e.link) for e in entries])
    wanted, updated, harvest.skipped_known = select_entries(entries, held)
    await fetch_pages(crawler, source, wanted, harvest, deadline, updated)


async def fetch_pages(
    crawler: Crawler,
    source: Source,
    entries: Sequence[FeedEntry],
    harvest: SourceHarvest,
    deadline: float | None = None,
    updated: Collection[str] = (),
) -> None:
    """Fetch entries' pages several hosts at a time, within each host's limits, robots.txt
    and the source's deadline. `updated` are ids stored already, fetched again: those that
    come back go into `harvest.updated`."""
    if crawler.before_pages is not None and entries:
        crawler.before_pages(len(entries))
    robots_log: list[RobotsAnswer] = []
    await map_by_host(
        entries,
        lambda e: _host(e.link),
        crawler.settings.max_connections_per_host,
        lambda e: _article(
            crawler, source, e, harvest, deadline, robots_log, article_id(e.link) in updated
        ),
    )
    harvest.fetches.extend(_robots_records(source.name, robots_log))
    fetched = {article_id(d.url) for d in harvest.documents}
    harvest.updated = sorted(set(updated) & fetched)


def harvest_source(
    source: Source,
    settings: FetchSettings,
    stored: StoredVersions,
    feed_state: FeedState | None = None,
    gates: HostGates | None = None,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> SourceHarvest:
    """harvest_feed from sync code, with a Crawler of its own (tools and tests; a run shares
    one Crawler between all its harvests)."""
    with crawling(settings, gates, wrap) as crawler:
        return run_async(harvest_feed(crawler, source, stored, feed_state))
