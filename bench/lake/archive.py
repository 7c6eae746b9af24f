"""A news archive for backfill benchmarks: dated article pages behind archived RSS feeds.

Each source has a front feed and older documents chained by RFC 5005 `prev-archive` links,
`per_doc` entries each, as a backfill walks them. The pages carry the text of the
pipeline benchmark's real news pages (edited per copy, bench.pipeline.corpus), in a plain
article template with its own publication date, so a week's chunk finds its own pages and
their extraction and classification cost what real articles cost.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from bench.pipeline.corpus import EVAL_HTML, PARAGRAPH, base_pages, copies

TAG = re.compile(r"<[^>]+>")


def paragraphs(page: str) -> list[str]:
    found = [html.unescape(TAG.sub("", m.group(2))).strip() for m in PARAGRAPH.finditer(page)]
    return [p for p in found if len(p.split()) >= 8]


def article(title: str, published: datetime, body: list[str]) -> str:
    stamp = published.isoformat()
    text = "\n".join(f"<p>{html.escape(p)}</p>" for p in body)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<meta property="article:published_time" content="{stamp}"></head><body>
<nav><a href="/">Home</a></nav><main><article><h1>{html.escape(title)}</h1>
<p class="byline"><time datetime="{stamp}">{published:%d %B %Y}</time></p>
{text}
</article></main><footer>All rights reserved.</footer></body></html>"""


def feed_doc(
    base: str, source: str, items: list[tuple[str, str, datetime]], older: str | None
) -> str:
    link = f'<atom:link rel="prev-archive" href="{escape(base + older)}"/>' if older else ""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(base + path)}</link>"
        f"<guid>{escape(base + path)}</guid>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
        for title, path, when in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"'
        ' xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{source}</title><link>{base}/{source}/</link><description>bench</description>"
        f"{link}{entries}</channel></rss>"
    )


def build_archive(
    root: Path, base: str, pages: int, sources: int, last: date, weeks: int, per_doc: int = 50
) -> list[str]:
    """Write `pages` articles spread evenly over `weeks` weeks ending on `last`, dealt round
    the sources, and each source's feeds; give the sources' front feed paths."""
    texts = base_pages(EVAL_HTML)
    end = datetime.combine(last, time(23, 0), tzinfo=UTC)
    span = timedelta(weeks=weeks) - timedelta(hours=1)
    dated: dict[int, list[tuple[str, str, datetime]]] = {s: [] for s in range(sources)}
    (root / "pages").mkdir(parents=True, exist_ok=True)
    for i, page in copies(texts, pages):
        body = paragraphs(page) or [f"Officials met for talks, item {i}."]
        published = end - span * (i / max(1, pages - 1))
        title = f"Talks and agreements, dispatch {i}"
        path = f"/pages/{i}.html"
        (root / path.lstrip("/")).write_text(article(title, published, body), "utf-8")
        dated[i % sources].append((title, path, published))
    feeds = []
    for s, items in dated.items():
        folder = root / f"s{s}"
        (folder / "archive").mkdir(parents=True, exist_ok=True)
        docs = [items[i : i + per_doc] for i in range(0, len(items), per_doc)]
        for n, chunk in enumerate(docs):
            path = f"/s{s}/feed.xml" if n == 0 else f"/s{s}/archive/{n}.xml"
            older = f"/s{s}/archive/{n + 1}.xml" if n + 1 < len(docs) else None
            (root / path.lstrip("/")).write_text(feed_doc(base, f"s{s}", chunk, older), "utf-8")
        feeds.append(f"/s{s}/feed.xml")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", "ascii")
    return feeds
