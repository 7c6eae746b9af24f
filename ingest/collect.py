"""Harvest one source: fetch its feed, parse it, fetch the article pages not yet stored."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from ingest.feeds import parse_feed
from ingest.fetch import Response, fetch, make_client
from ingest.settings import FetchSettings, Source
from transforms.errors import FetchError, ParseError
from transforms.records import FeedEntry, FetchRecord, RawDocument
from transforms.urls import article_id

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(slots=True)
class SourceHarvest:
    """What one pass over one source brought back, failures included."""

    source: str
    feed_ok: bool = False
    error: str | None = None
    fetches: list[FetchRecord] = field(default_factory=list)
    documents: list[RawDocument] = field(default_factory=list)
    summaries: list[FeedEntry] = field(default_factory=list)  # entries whose page failed
    entries: int = 0
    skipped_known: int = 0


def _ok_record(source: str, kind: str, response: Response, fetched_at: datetime) -> FetchRecord:
    return FetchRecord(
        url=response.url,
        source=source,
        kind=kind,
        status=response.status,
        outcome="ok",
        error=None,
        fetched_at=fetched_at,
        bytes=len(response.body),
        elapsed_ms=response.elapsed_ms,
    )


def _failed_record(
    source: str, kind: str, url: str, exc: FetchError | ParseError, fetched_at: datetime
) -> FetchRecord:
    if isinstance(exc, FetchError):
        return FetchRecord(url, source, kind, exc.status, exc.outcome, str(exc), fetched_at)
    return FetchRecord(url, source, kind, 200, "parse_error", str(exc), fetched_at)


def harvest_source(
    source: Source,
    settings: FetchSettings,
    known_ids: Callable[[Collection[str]], set[str]],
    client: httpx.Client | None = None,
) -> SourceHarvest:
    """Fetch a feed and its new articles; every failure becomes a FetchRecord, none raises."""
    harvest = SourceHarvest(source=source.name)
    own_client = client is None
    http = client or make_client(settings)
    try:
        fetched_at = datetime.now(UTC)
        try:
            response = fetch(http, source.url, settings)
            feed = parse_feed(response.body, response.final_url)
        except (FetchError, ParseError) as exc:
            harvest.error = str(exc)
            harvest.fetches.append(_failed_record(source.name, "feed", source.url, exc, fetched_at))
            return harvest
        harvest.feed_ok = True
        harvest.fetches.append(_ok_record(source.name, "feed", response, fetched_at))
        entries = feed.entries[: settings.max_articles_per_source]
        harvest.entries = len(entries)
        present = known_ids([article_id(entry.link) for entry in entries])
        for entry in entries:
            if article_id(entry.link) in present:
                harvest.skipped_known += 1
                continue
            _harvest_article(http, source, settings, entry, harvest)
    finally:
        if own_client:
            http.close()
    return harvest


def _harvest_article(
    http: httpx.Client,
    source: Source,
    settings: FetchSettings,
    entry: FeedEntry,
    harvest: SourceHarvest,
) -> None:
    fetched_at = datetime.now(UTC)
    try:
        page = fetch(http, entry.link, settings)
        content_type = (page.content_type or "").split(";")[0].strip().lower()
        if content_type and content_type not in HTML_TYPES:
            raise FetchError("not_html", f"{entry.link} is {content_type}, not an HTML page", 200)
    except FetchError as exc:
        harvest.fetches.append(_failed_record(source.name, "article", entry.link, exc, fetched_at))
        harvest.summaries.append(entry)
        return
    harvest.fetches.append(_ok_record(source.name, "article", page, fetched_at))
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


def fetch_articles(
    http: httpx.Client,
    source: Source,
    settings: FetchSettings,
    entries: Iterable[FeedEntry],
    harvest: SourceHarvest,
) -> None:
    """Fetch each entry's page into `harvest`; a page that fails keeps the entry's summary."""
    for entry in entries:
        _harvest_article(http, source, settings, entry, harvest)
