"""Every file of feedparser's test corpus, served over loopback, through the feed stage."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import feedparser
import pytest

from entente.ingest.collect import SourceHarvest, fetch_feed, map_by_host
from entente.ingest.fetch import Fetcher, run_async
from entente.ingest.settings import FetchSettings, Source
from tests.ingest.faults import Served, fault_site

HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)
SETTINGS = FetchSettings(
    allow_private_networks=True,
    max_connections=16,
    max_connections_per_host=16,
    min_host_delay=0.0,
    retries=0,
    read_timeout=10,
    total_timeout=20,
)


def served_headers(body: bytes) -> dict[str, str]:
    """The HTTP headers a corpus file asks to be served with (its `Header:` comment lines)."""
    head = body[:2048]
    return {
        name.decode(): value.decode("latin-1")
        for name, value in HEADER.findall(head)
        if name.lower() in {b"content-type", b"etag", b"last-modified", b"content-language"}
    }


@pytest.mark.slow
def test_every_corpus_file_goes_through_the_feed_stage(shared: Path) -> None:
    corpus = shared / "eval" / "feedparser-corpus"
    index = json.loads((corpus / "index.json").read_text("utf-8"))
    started = time.monotonic()
    with fault_site() as site:
        origin = site.origins[0]
        sources = []
        for n, item in enumerate(index):
            body = (corpus / item["path"]).read_bytes()
            url = site.add(origin, "/" + item["path"], Served(200, body, served_headers(body)))
            sources.append(Source(name=f"corpus-{n}", url=url))

        async def feed_stage() -> list[SourceHarvest]:
            async with Fetcher(SETTINGS) as fetcher:

                async def one(source: Source) -> SourceHarvest:
                    harvest = SourceHarvest(source.name)
                    feed = await fetch_feed(fetcher, source, None, harvest)
                    harvest.entries = len(feed.entries) if feed else 0
                    await asyncio.sleep(0)
                    return harvest

                return await map_by_host(sources, lambda s: "corpus", 16, one)

        harvests = run_async(feed_stage())
    elapsed = time.monotonic() - started

    assert len(harvests) == len(index) == 2106
    outcomes = [h.fetches[0].outcome for h in harvests]
    assert set(outcomes) <= {"ok", "parse_error"}, set(outcomes)  # every file was served
    flagged = [h.ill_formed is not None or h.fetches[0].outcome == "parse_error" for h in harvests]
    expected = [bool(item["bozo_expected"]) for item in index]
    missed = [i["path"] for i, f, e in zip(index, flagged, expected, strict=True) if e and not f]
    extra = [i["path"] for i, f, e in zip(index, flagged, expected, strict=True) if f and not e]
    with_entries = sum(1 for h in harvests if h.entries)
    print(
        f"\nfeedparser corpus: {len(index)} files in {elapsed:.1f} s;"
        f" {with_entries} yielded entries;"
        f" {sum(flagged)} recorded ill-formed (index says {sum(expected)});"
        f" missed {len(missed)}, extra {len(extra)}"
    )
    if extra:
        print(f"  e.g. flagged though index.json is silent: {', '.join(extra[:5])}")
    # Every file index.json calls ill-formed is recorded as such.
    assert missed == []
    # index.json only knows what each file's own test asserted; where it is silent, the
    # reference is feedparser itself on the same bytes and headers: we must agree with it.
    reference = {}
    for item in index:
        body = (corpus / item["path"]).read_bytes()
        content_type = served_headers(body).get("Content-type")
        parsed = feedparser.parse(
            body, response_headers={"content-type": content_type} if content_type else None
        )
        reference[item["path"]] = bool(parsed.bozo) or not (
            parsed.entries or parsed.get("version") or parsed.get("feed")
        )
    disagree = [i["path"] for i, f in zip(index, flagged, strict=True) if reference[i["path"]] != f]
    assert disagree == []
    assert with_entries > 50
