"""`entente sources check`: does each source answer with a usable feed right now?"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from entente.ingest.feeds import parse_feed
from entente.ingest.fetch import fetch_once
from entente.ingest.settings import FetchSettings, Source
from entente.transforms.errors import FetchError, ParseError


@dataclass(frozen=True, slots=True)
class SourceCheck:
    name: str
    url: str
    ok: bool
    detail: str


def check_source(source: Source, settings: FetchSettings) -> SourceCheck:
    try:
        response = fetch_once(source.url, settings)
        feed = parse_feed(response.body, response.final_url, content_type=response.content_type)
    except (FetchError, ParseError) as exc:
        return SourceCheck(source.name, source.url, False, str(exc))
    if not feed.entries:
        return SourceCheck(source.name, source.url, False, "a feed, but with no usable entries")
    note = f" (ill-formed: {feed.bozo_reason})" if feed.bozo else ""
    return SourceCheck(
        source.name,
        source.url,
        True,
        f"{len(feed.entries)} entries, HTTP {response.status}, {response.elapsed_ms} ms{note}",
    )


def check_sources(
    sources: tuple[Source, ...], settings: FetchSettings, workers: int = 8
) -> Iterator[SourceCheck]:
    """Check every source once, several at a time; results come back in the sources' order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(lambda s: check_source(s, settings), sources)
