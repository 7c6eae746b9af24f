"""A loopback news archive spanning several months, for backfill tests.

Two publishers, their articles dated in days before `today`:

- `ledger` keeps a sitemap index with one sitemap per month (each with `lastmod`), a Google
  News sitemap of its newest items, and an Atom feed whose older entries sit in RFC 5005
  archive documents chained by `prev-archive` links;
- `gazette` is a WordPress-style site: an RSS feed paged with `?paged=N`, 404 past the end.

Every article is its own short text, written here, with its date in the page's metadata.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from tests.loopback import Reply, Site

PAGE_SIZE = 4
LEDGER_DAYS = tuple(range(5, 165, 10))  # 16 articles, 5 to 155 days old
GAZETTE_DAYS = tuple(range(2, 162, 10))  # 16 articles, 2 to 152 days old

PAIRS = (
    ("Pakistan", "Russia", "Islamabad"),
    ("India", "France", "New Delhi"),
    ("Kenya", "Somalia", "Nairobi"),
    ("Japan", "South Korea", "Tokyo"),
    ("Egypt", "Ethiopia", "Addis Ababa"),
    ("Poland", "Ukraine", "Warsaw"),
    ("Vietnam", "the Philippines", "Hanoi"),
    ("Morocco", "Germany", "Rabat"),
)
TOPICS = (
    ("a gas pipeline and power trade", "energy ministers"),
    ("joint naval exercises and defence production", "defence officials"),
    ("counterterrorism and border security", "interior ministers"),
    ("student exchanges and university scholarships", "education ministers"),
    ("a free trade agreement and investment", "trade negotiators"),
    ("river water sharing and a peace framework", "foreign ministers"),
)


@dataclass(frozen=True, slots=True)
class Article:
    source: str
    slug: str
    title: str
    published_at: datetime
    path: str

    def page(self, serial: int) -> bytes:
        a, b, city = PAIRS[serial % len(PAIRS)]
        topic, officials = TOPICS[serial % len(TOPICS)]
        day = self.published_at.strftime("%d %B %Y")
        paragraphs = [
            f"{city}, {day}. Senior {officials} of {a} and {b} met for two days of talks on"
            f" {topic}, the {serial + 1}th round of a dialogue that both governments describe"
            " as the most substantive in a decade.",
            f"According to a joint statement released after the meeting, the delegations"
            f" agreed on a working group that will report within {serial % 5 + 3} months, and"
            f" on a schedule of technical visits between the two capitals.",
            f"Officials from {a} said the talks on {topic} had moved faster than expected,"
            f" while the delegation of {b} stressed that several questions remain open and"
            f" that parliament must approve any final text. Observers in {city} noted that"
            f" record number {serial * 7 + 11} of the bilateral register was signed today.",
            f"The next round is expected to take place in {b} later this year, when ministers"
            f" hope to sign a memorandum of understanding on {topic}.",
        ]
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        stamp = self.published_at.isoformat()
        title = html.escape(self.title)
        return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
<meta property="article:published_time" content="{stamp}">
<meta name="date" content="{stamp}"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<main><article><h1>{title}</h1><p class="byline">By the diplomatic desk,
<time datetime="{stamp}">{day}</time></p>
{body}
</article></main><footer>All rights reserved.</footer></body></html>""".encode()


def _articles(source: str, days: Iterable[int], today: date) -> list[Article]:
    out = []
    for serial, age in enumerate(days):
        published = datetime.combine(today - timedelta(days=age), time(12, 0), tzinfo=UTC)
        a, b, _ = PAIRS[(serial + len(source)) % len(PAIRS)]
        slug = f"{a}-{b}-talks-{published:%Y%m%d}".lower().replace(" ", "-")
        path = f"/{source}/{published:%Y/%m}/{slug}.html"
        title = f"{a} and {b} hold talks ({source} {published:%d %b %Y})"
        out.append(Article(source, slug, title, published, path))
    return out


def _w3c(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _rfc822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _chunks(items: list[Article], size: int) -> list[list[Article]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


XML = {"Content-Type": "application/xml; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


class ArchiveSite:
    """Both publishers' routes on one loopback Site, and what a test needs to check them."""

    def __init__(
        self,
        site: Site,
        today: date,
        ledger_days: Iterable[int] = LEDGER_DAYS,
        gazette_days: Iterable[int] = GAZETTE_DAYS,
    ) -> None:
        self.site = site
        self.today = today
        self.ledger = _articles("ledger", ledger_days, today)
        self.gazette = _articles("gazette", gazette_days, today)
        for serial, article in enumerate(self.ledger + self.gazette):
            site.add(article.path, Reply(200, article.page(serial), HTML))
        self._ledger_routes()
        self._gazette_routes()

    @property
    def articles(self) -> list[Article]:
        return self.ledger + self.gazette

    def url(self, path: str) -> str:
        return self.site.origin + path

    def in_window(self, since: date, until: date) -> set[str]:
        return {self.url(a.path) for a in self.articles if since <= a.published_at.date() <= until}

    def newest(self, count: int = PAGE_SIZE) -> set[str]:
        """The articles on each publisher's front feed page: what one ingest pass sees."""
        return {self.url(a.path) for a in self.ledger[:count] + self.gazette[:count]}

    # ---- ledger: sitemaps and an RFC 5005 archived feed ----

    def month_sitemap(self, month: str) -> str:
        return f"/ledger/sitemap-{month}.xml"

    def ledger_archive(self, number: int) -> str:
        return f"/ledger/archive/{number}.xml"

    def _ledger_routes(self) -> None:
        months: dict[str, list[Article]] = {}
        for article in self.ledger:
            months.setdefault(f"{article.published_at:%Y-%m}", []).append(article)
        children = []
        for month, items in months.items():
            newest = max(a.published_at for a in items) + timedelta(hours=1)
            urls = "".join(
                f"<url><loc>{self.url(a.path)}</loc>"
                f"<lastmod>{_w3c(a.published_at + timedelta(hours=1))}</lastmod></url>"
                for a in items
            )
            self.site.add(
                self.month_sitemap(month),
                Reply(
                    200,
                    (
                        '<?xml version="1.0" encoding="UTF-8"?><urlset'
                        ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"{urls}</urlset>"
                    ).encode(),
                    XML,
                ),
            )
            children.append((self.month_sitemap(month), newest))
        news = "".join(
            f"<url><loc>{self.url(a.path)}</loc><news:news><news:publication>"
            "<news:name>The Ledger</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{_w3c(a.published_at)}"
            f"</news:publication_date><news:title>{html.escape(a.title)}</news:title>"
            "</news:news></url>"
            for a in self.ledger[:3]
        )
        self.site.add(
            "/ledger/news-sitemap.xml",
            Reply(
                200,
                (
                    '<?xml version="1.0" encoding="UTF-8"?><urlset'
                    ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
                    ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                    f"{news}</urlset>"
                ).encode(),
                XML,
            ),
        )
        # The news sitemap changes all the time and says so by giving no lastmod.
        index = f"<sitemap><loc>{self.url('/ledger/news-sitemap.xml')}</loc></sitemap>"
        index += "".join(
            f"<sitemap><loc>{self.url(path)}</loc><lastmod>{_w3c(mod)}</lastmod></sitemap>"
            for path, mod in children
        )
        self.site.add(
            "/ledger/sitemap_index.xml",
            Reply(
                200,
                (
                    '<?xml version="1.0" encoding="UTF-8"?><sitemapindex'
                    ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{index}</sitemapindex>"
                ).encode(),
                XML,
            ),
        )
        pages = _chunks(self.ledger, PAGE_SIZE)
        for number, items in enumerate(pages):
            path = "/ledger/feed.xml" if number == 0 else self.ledger_archive(number)
            older = (
                f'<link rel="prev-archive" href="{self.url(self.ledger_archive(number + 1))}"/>'
                if number + 1 < len(pages)
                else ""
            )
            archive = "<fh:archive/>" if number else ""
            entries = "".join(
                f"<entry><title>{html.escape(a.title)}</title>"
                f'<link rel="alternate" href="{self.url(a.path)}"/>'
                f"<id>{self.url(a.path)}</id><published>{_w3c(a.published_at)}</published>"
                f"<updated>{_w3c(a.published_at)}</updated>"
                f"<summary>{html.escape(a.title)}</summary></entry>"
                for a in items
            )
            self.site.add(
                path,
                Reply(
                    200,
                    (
                        '<?xml version="1.0" encoding="utf-8"?><feed'
                        ' xmlns="http://www.w3.org/2005/Atom"'
                        ' xmlns:fh="http://purl.org/syndication/history/1.0">'
                        f"<title>The Ledger</title><id>{self.url('/ledger/')}</id>"
                        f"<updated>{_w3c(items[0].published_at)}</updated>{archive}"
                        f'<link rel="self" href="{self.url(path)}"/>{older}{entries}</feed>'
                    ).encode(),
                    ATOM,
                ),
            )

    # ---- gazette: WordPress ?paged=N ----

    def gazette_page(self, number: int) -> str:
        return "/gazette/feed/" if number == 1 else f"/gazette/feed/?paged={number}"

    def _gazette_routes(self) -> None:
        pages = _chunks(self.gazette, PAGE_SIZE)
        for number, items in enumerate(pages, start=1):
            entries = "".join(
                f"<item><title>{html.escape(a.title)}</title><link>{self.url(a.path)}</link>"
                f'<guid isPermaLink="true">{self.url(a.path)}</guid>'
                f"<pubDate>{_rfc822(a.published_at)}</pubDate>"
                f"<description>{html.escape(a.title)}</description></item>"
                for a in items
            )
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>The Gazette</title><link>{self.url('/gazette/')}</link>"
                f"{entries}</channel></rss>"
            ).encode()
            self.site.add(self.gazette_page(number), Reply(200, body, RSS))
        # WordPress answers a page past the end with 404.
        self.site.add(self.gazette_page(len(pages) + 1), Reply(404, b"<html>not found</html>"))

    def sources_toml(self, path: Path, extra: str = "") -> Path:
        path.write_text(
            "\n".join(
                [
                    "[fetch]",
                    "allow_private_networks = true",
                    # one loopback host serves both publishers: the default 1 s between two
                    # requests to it only waits (politeness: test_backfill_politeness.py)
                    "min_host_delay = 0",
                    "backoff_base = 0.05",
                    "read_timeout = 10",
                    "total_timeout = 20",
                    "",
                    "[[sources]]",
                    'name = "ledger"',
                    f'url = "{self.url("/ledger/feed.xml")}"',
                    f'sitemap = "{self.url("/ledger/sitemap_index.xml")}"',
                    "",
                    "[[sources]]",
                    'name = "gazette"',
                    f'url = "{self.url("/gazette/feed/")}"',
                    "",
                    extra,
                ]
            ),
            "utf-8",
        )
        return path
