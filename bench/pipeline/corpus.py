"""The benchmark's news site: real article pages, repeated under new URLs with edits.

The pages are the extraction benchmark's 181 real news pages and the demo corpus's own
articles. Copy k of a page has words in its paragraphs changed (a marker after every
fifth word), so its text is a different article to dedup while the page keeps its
markup, length and cost to extract. Every tenth copy is instead the previous copy with one
sentence added: a near-duplicate, as wire copy is.

Pages are spread over feeds of `per_feed` entries, the most a source's run fetches by default.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from entente.flows.demo import corpus_root

EVAL_HTML = Path(__file__).resolve().parents[2] / ".." / "shared" / "eval" / "extraction-benchmark"
PARAGRAPH = re.compile(r"(<p\b[^>]*>)(.*?)(</p>)", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"(<[^>]+>)")
ADDED = "A spokesperson added on {day} that further talks were planned for the coming weeks."


@dataclass(frozen=True, slots=True)
class Site:
    root: Path
    pages: list[Path]  # in URL order: page i is /pages/i.html
    feeds: list[str]  # site paths of the feeds


def base_pages(eval_dir: Path) -> list[str]:
    pages = [
        gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
        for p in sorted((eval_dir / "html").glob("*.html.gz"))
    ]
    demo = corpus_root()
    for path in sorted(demo.rglob("*.html")):
        if path.name != "index.html":
            # another site's address: the copies must not all claim one canonical URL
            pages.append(path.read_text("utf-8").replace("{{BASE}}", "https://demo.invalid"))
    return pages


def _mark_words(text: str, marker: str) -> str:
    words = text.split(" ")
    return " ".join(w + marker if i % 5 == 4 and w.isalpha() else w for i, w in enumerate(words))


def vary(html: str, copy: int) -> str:
    """Copy `copy` of a page: copy 0 is the page itself."""
    if copy == 0:
        return html
    near = copy % 10 == 9
    marker = f"-{copy - 1 if near else copy}"

    def paragraph(match: re.Match[str]) -> str:
        parts = TAG.split(match.group(2))
        inner = "".join(p if p.startswith("<") else _mark_words(p, marker) for p in parts)
        return match.group(1) + inner + match.group(3)

    edited, count = PARAGRAPH.subn(paragraph, html)
    if near and count:
        extra = ADDED.format(day=f"day {copy}")
        edited = edited.replace("</p>", f" {extra}</p>", 1)
    return edited


def copies(pages: list[str], n: int) -> Iterator[tuple[int, str]]:
    for i in range(n):
        yield i, vary(pages[i % len(pages)], i // len(pages))


def rss(base: str, ids: range, start: datetime) -> str:
    items = []
    for i in ids:
        link = f"{base}/pages/{i}.html"
        date = format_datetime(start - timedelta(minutes=i))
        items.append(
            f"<item><title>Article {i}</title><link>{escape(link)}</link>"
            f"<guid>{escape(link)}</guid><pubDate>{date}</pubDate>"
            f"<description>Summary of article {i}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed</title><link>{base}/</link><description>bench</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def build_site(root: Path, base: str, n: int, per_feed: int, eval_dir: Path = EVAL_HTML) -> Site:
    """Write n pages, their feeds and a permissive robots.txt under root."""
    pages = base_pages(eval_dir)
    (root / "pages").mkdir(parents=True, exist_ok=True)
    (root / "feeds").mkdir(exist_ok=True)
    paths = []
    for i, html in copies(pages, n):
        path = root / "pages" / f"{i}.html"
        path.write_text(html, "utf-8")
        paths.append(path)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    feeds = []
    for number, first in enumerate(range(0, n, per_feed)):
        name = f"feeds/{number}.xml"
        (root / name).write_text(rss(base, range(first, min(first + per_feed, n)), start), "utf-8")
        feeds.append(name)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", "ascii")
    return Site(root, paths, feeds)
