"""`entente sources check`: does each source answer with a usable feed or sitemap right now?"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from entente.ingest.discover import parse_sitemap
from entente.ingest.feeds import parse_feed
from entente.ingest.fetch import Fetcher, open_fetcher, run_async
from entente.ingest.settings import FetchSettings, Source
from entente.transforms.errors import FetchError, ParseError


@dataclass(frozen=True, slots=True)
class SourceCheck:
    name: str
    url: str
    ok: bool
    detail: str


async def check_source(fetcher: Fetcher, source: Source) -> SourceCheck:
    """Fetch a source's URL once and say what it holds: a feed's entries or a sitemap's URLs."""
    try:
        response = await fetcher.get(source.url)
        if source.kind == "sitemap":
            sitemap = parse_sitemap(response.body, response.final_url, fetcher.settings.max_bytes)
        else:
            feed = parse_feed(response.body, response.final_url, content_type=response.content_type)
    except (FetchError, ParseError) as exc:
        return SourceCheck(source.name, source.url, False, str(exc))
    answer = f"HTTP {response.status}, {response.elapsed_ms} ms"
    if source.kind == "sitemap":
        if sitemap.urls:
            return SourceCheck(source.name, source.url, True, f"{len(sitemap.urls)} URLs, {answer}")
        if sitemap.sitemaps:
            detail = f"an index of {len(sitemap.sitemaps)} sitemaps, {answer}"
            return SourceCheck(source.name, source.url, True, detail)
        return SourceCheck(source.name, source.url, False, "a sitemap, but with no URLs")
    if not feed.entries:
        return SourceCheck(source.name, source.url, False, "a feed, but with no usable entries")
    note = f" (ill-formed: {feed.bozo_reason})" if feed.bozo else ""
    return SourceCheck(
        source.name, source.url, True, f"{len(feed.entries)} entries, {answer}{note}"
    )


def check_sources(sources: tuple[Source, ...], settings: FetchSettings) -> list[SourceCheck]:
    """Check every source once, all at once within the per-host limits, through one fetcher;
    results come back in the sources' order."""

    async def every() -> list[SourceCheck]:
        return list(await asyncio.gather(*(check_source(fetcher, s) for s in sources)))

    with open_fetcher(settings) as fetcher:
        return run_async(every())
