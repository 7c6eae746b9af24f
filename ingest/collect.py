"""Harvest one source: its feed (conditionally), then the article pages not yet stored.

Every URL touched leaves one FetchRecord, whatever happened; nothing here raises.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from entente.ingest.feeds import ParsedFeed, parse_feed
from entente.ingest.fetch import Fetcher, Response, run_async
from entente.ingest.politeness import HostGates
from entente.ingest.robots import RobotsCache
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


async def fetch_feed(
    fetcher: Fetcher, source: Source, state: FeedState | None, harvest: SourceHarvest
) -> ParsedFeed | None:
    """The feed stage: a conditional GET and a parse; None when there is nothing to parse."""
    fetched_at = datetime.now(UTC)
    started = asyncio.get_running_loop().time()
    headers = state.conditional_headers(source.url) if state else {}
    try:
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
    fetcher: Fetcher,
    robots: RobotsCache | None,
    source: Source,
    entry: FeedEntry,
    harvest: SourceHarvest,
) -> None:
    fetched_at = datetime.now(UTC)
    started = asyncio.get_running_loop().time()
    try:
        if robots is not None:
            await robots.check(entry.link)
        page = await fetcher.get(entry.link)
        check_page(page, entry.link)
    except FetchError as exc:
        harvest.fetches.append(
            failed_record(source.name, "article", entry.link, exc, fetched_at, _ms_since(started))
        )
        harvest.summaries.append(entry)
        return
    except Exception as exc:  # a bug must cost one article, not the source
        error = FetchError("internal_error", f"{type(exc).__name__} fetching {entry.link}: {exc}")
        harvest.fetches.append(failed_record(source.name, "article", entry.link, error, fetched_at))
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


def _robots_records(source: str, robots: RobotsCache) -> list[FetchRecord]:
    records = []
    now = datetime.now(UTC)
    for answer in robots.fetched:
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


async def harvest_source_async(
    source: Source,
    settings: FetchSettings,
    stored: StoredVersions,
    feed_state: FeedState | None = None,
    gates: HostGates | None = None,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> SourceHarvest:
    harvest = SourceHarvest(source=source.name)
    async with Fetcher(settings, gates, wrap) as fetcher:
        feed = await fetch_feed(fetcher, source, feed_state, harvest)
        if feed is None:
            return harvest
        entries = feed.entries[: settings.max_articles_per_source]
        harvest.entries = len(entries)
        held = await asyncio.to_thread(stored, [article_id(e.link) for e in entries])
        wanted, updated, harvest.skipped_known = select_entries(entries, held)
        await _fetch_pages(fetcher, source, wanted, harvest)
        fetched = {article_id(d.url) for d in harvest.documents}
        harvest.updated = sorted(updated & fetched)
    return harvest


async def _fetch_pages(
    fetcher: Fetcher, source: Source, entries: Sequence[FeedEntry], harvest: SourceHarvest
) -> None:
    """Fetch entries' pages several hosts at a time, within each host's limits and robots.txt."""
    robots = RobotsCache(fetcher) if fetcher.settings.respect_robots else None
    await map_by_host(
        entries,
        lambda e: _host(e.link),
        fetcher.settings.max_connections_per_host,
        lambda e: _article(fetcher, robots, source, e, harvest),
    )
    if robots is not None:
        harvest.fetches.extend(_robots_records(source.name, robots))


def fetch_articles(
    source: Source, settings: FetchSettings, entries: Sequence[FeedEntry], harvest: SourceHarvest
) -> None:
    """Fetch each entry's page into `harvest` from sync code; a failed page keeps its summary."""

    async def run() -> None:
        async with Fetcher(settings) as fetcher:
            await _fetch_pages(fetcher, source, entries, harvest)

    run_async(run())


def harvest_source(
    source: Source,
    settings: FetchSettings,
    stored: StoredVersions,
    feed_state: FeedState | None = None,
    gates: HostGates | None = None,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> SourceHarvest:
    """Fetch a feed and its new or updated articles; every failure becomes a FetchRecord.

    `stored` maps article ids to the time of the version the warehouse holds; `feed_state`
    holds the validators of the feed's last good answer; `gates` are shared with other
    harvests running at the same time (one per process, see `entente.ingest.politeness`).
    """
    return run_async(harvest_source_async(source, settings, stored, feed_state, gates, wrap))
