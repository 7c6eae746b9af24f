"""Score Entente's extraction and bare trafilatura on the shared evaluation sets, in one run.

Run from the repository root::

    python -m bench.extraction.run [--eval DIR] [--sets NAME ...] [--repeat N] [--worst N]

For each set (the extraction benchmark, fundus-dev) and each split of it (tuned on, set
aside: see `bench.extraction.splits`), both extractors' text is scored with the shingle
metric (F1, precision, recall), and the table also gives the pages left without text, the
title (exact after whitespace normalisation, where the set has titles), the publication
day, dates later than the page's fetch, the language detected (where the set names it) and
CPU ms per page. For Entente a page without text is a page giving no row: a run counts it
as an extraction failure. Sets that name languages get rows for their pages not in
English too, per split.

Entente is run through `entente.ingest.process.extract_document`, the function a run's
workers call for every page: the page's bytes as fetched (gzipped in the set), decoded by
the pipeline's charset rules, extracted with the fetch time as "now". Bare trafilatura is
``trafilatura.extract(body)`` with default settings on the same bytes, its title and date
from ``trafilatura.extract_metadata`` (not timed). Each page is run ``--repeat`` times by
each extractor, taking turns, and its fastest run counts.

`--worst N` lists the N tuned-on pages of each set where Entente finds least; set-aside
pages are never listed (their errors are not read while tuning).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trafilatura

from bench.extraction.metric import PageScore, score_page, summarise
from bench.extraction.splits import SPLITS, Split, site_of, split_of
from entente.ingest.process import extract_document
from entente.transforms.errors import ParseError
from entente.transforms.records import RawDocument

DEFAULT_EVAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "eval"
SETS = ("extraction-benchmark", "fundus-dev")


@dataclass(frozen=True, slots=True)
class Page:
    """One evaluation page: where it came from, its bytes and what a person says it holds."""

    set_name: str
    page_id: str
    url: str
    body: bytes
    truth: str
    split: Split
    fetched_at: datetime
    title: str | None = None  # the article's title, where the set records it
    date: str | None = None  # its publication date as the set writes it, where it does
    language: str | None = None  # its language (ISO 639-1), where the set records it


def _crawl_time(page_id: str, started: datetime) -> datetime:
    """The end of the day in a fundus id (`de-Publisher-2024_05_03`): when it was crawled."""
    match = re.search(r"(\d{4})_(\d{2})_(\d{2})$", page_id)
    if match is None:
        return started
    day = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    return day + timedelta(days=1)


def load_set(name: str, data: Path, started: datetime) -> list[Page]:
    """Read a set's ground-truth.json and the gzipped pages it names, in id order.

    The benchmark is split by site; fundus-dev by publisher and carries titles, dates and
    crawl days (its ids end with the day; the benchmark's pages count as fetched now).
    """
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        entry = truth[page_id]
        publisher = entry.get("publisher")
        group = publisher if isinstance(publisher, str) else site_of(entry["url"])
        fetched_at = _crawl_time(page_id, started) if publisher else started
        pages.append(
            Page(
                set_name=name,
                page_id=page_id,
                url=entry["url"],
                body=gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes()),
                truth=entry.get("articleBody") or "",
                split=split_of(group),
                fetched_at=fetched_at,
                title=entry.get("title"),
                date=entry.get("date"),
                language=entry.get("language"),
            )
        )
    return pages


@dataclass(frozen=True, slots=True)
class Output:
    """What an extractor made of one page."""

    text: str = ""
    title: str | None = None
    published: datetime | None = None
    language: str | None = None


def entente_output(page: Page) -> Output:
    document = RawDocument(
        url=page.url,
        final_url=page.url,
        source=page.set_name,
        fetched_at=page.fetched_at,
        content_type="text/html",
        body=page.body,
    )
    try:
        article = extract_document(document)
    except ParseError:
        return Output()
    return Output(article.body_text, article.title, article.published_at, article.language)


def trafilatura_output(page: Page) -> Output:
    return Output(trafilatura.extract(page.body) or "")


def trafilatura_metadata(page: Page, output: Output) -> Output:
    """Bare trafilatura's title and date for the page (its `date` is a day, YYYY-MM-DD)."""
    meta = trafilatura.extract_metadata(page.body)
    if meta is None:
        return output
    published = None
    if isinstance(meta.date, str):
        try:
            published = datetime.fromisoformat(meta.date[:10])
        except ValueError:
            published = None
    return Output(output.text, meta.title, published)


Extractor = Callable[[Page], Output]
EXTRACTORS: dict[str, Extractor] = {"entente": entente_output, "trafilatura": trafilatura_output}


def timed_runs(
    pages: Sequence[Page], repeat: int
) -> tuple[dict[str, list[float]], dict[str, list[Output]]]:
    """Run every extractor on every page `repeat` times; each page's fastest CPU time counts.

    The extractors take turns page by page (in alternating order), so a burst of load from
    elsewhere on the machine hits both alike; the per-page minimum of this process's CPU
    time discards what such bursts leave.
    """
    names = list(EXTRACTORS)
    best = {name: [float("inf")] * len(pages) for name in names}
    outputs = {name: [Output()] * len(pages) for name in names}
    for round_ in range(max(1, repeat)):
        for index, page in enumerate(pages):
            for name in names if (round_ + index) % 2 == 0 else names[::-1]:
                start = time.process_time()
                output = EXTRACTORS[name](page)
                best[name][index] = min(best[name][index], time.process_time() - start)
                outputs[name][index] = output
    outputs["trafilatura"] = [
        trafilatura_metadata(page, output)
        for page, output in zip(pages, outputs["trafilatura"], strict=True)
    ]
    return best, outputs


# --- metadata scores --------------------------------------------------------------------


def _instant(value: str) -> datetime | None:
    text = re.sub(r"Z$", "+00:00", value.strip())
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.fromisoformat(text[:10])
        except ValueError:
            return None


def same_day(found: datetime | None, expected: str) -> bool:
    """Whether `found` falls on the expected calendar day, in the zone the expectation states
    (for an expectation without one, on the found value's own wall clock)."""
    want = _instant(expected)
    if found is None or want is None:
        return False
    if want.tzinfo is not None and found.tzinfo is not None:
        found = found.astimezone(want.tzinfo)
    return found.date() == want.date()


def same_title(found: str | None, expected: str) -> bool:
    return found is not None and " ".join(found.split()) == " ".join(expected.split())


# Norwegian is written as Bokmål or Nynorsk; a set may name either by the macrolanguage.
_SAME_LANGUAGE = {"nb": "no", "nn": "no"}


def same_language(found: str | None, expected: str) -> bool:
    """Whether a detected language code names the expected one (primary subtags compared)."""

    def primary(code: str) -> str:
        head = code.lower().replace("_", "-").split("-")[0]
        return _SAME_LANGUAGE.get(head, head)

    return found is not None and primary(found) == primary(expected)


_LD_DATE = re.compile(r'"datePublished"\s*:\s*"((?:19|20)\d{2}-\d{2}-\d{2}[^"]*)"')
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_META_NAMES = {
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
}
_ATTR = re.compile(r'(\w[\w:.-]*)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_ISO_VALUE = re.compile(r"(?:19|20)\d{2}-\d{2}-\d{2}\S*")


def declared_date(html: str) -> str | None:
    """The publication date declared in JSON-LD, else in a meta tag, as written there.

    The benchmark has no date of its own; this stands in for one. It is read with plain
    regular expressions, independently of Entente's metadata code. Placeholders such as
    "0001-01-01" (seen in real JSON-LD) are not a declaration.
    """
    scripts = re.findall(
        r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", html, re.IGNORECASE | re.DOTALL
    )
    for script in scripts:
        if match := _LD_DATE.search(script):
            return match.group(1)
    for tag in _META.findall(html):
        attrs = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTR.finditer(tag)}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in _META_NAMES and (match := _ISO_VALUE.search(attrs.get("content", ""))):
            return match.group(0)
    return None


def expected_date(page: Page) -> str | None:
    """The set's own date, else (the benchmark) the date the page declares."""
    return page.date or declared_date(page.body.decode("utf-8", errors="replace"))


# --- the table ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One extractor's figures on one split of one set."""

    pages: int
    f1: float
    precision: float
    recall: float
    empty: int
    titles: tuple[int, int]  # right, of pages with a title to compare
    days: tuple[int, int]  # right, of pages with a date to compare
    languages: tuple[int, int]  # detected right, of pages with a language to compare
    future: int  # dates later than the page's fetch
    cpu_ms: float  # per page


def score_rows(
    pages: Sequence[Page],
    outputs: Sequence[Output],
    seconds: Sequence[float],
    scores: Sequence[PageScore],
) -> Row:
    summary = summarise(scores)
    titled = [(p, o) for p, o in zip(pages, outputs, strict=True) if p.title]
    dated = [(o, want) for p, o in zip(pages, outputs, strict=True) if (want := expected_date(p))]
    languaged = [(p, o) for p, o in zip(pages, outputs, strict=True) if p.language]
    if all(o.language is None for _, o in languaged):
        languaged = []  # an extractor that names no language (bare trafilatura): no column
    return Row(
        pages=len(pages),
        f1=summary.f1,
        precision=summary.precision,
        recall=summary.recall,
        empty=sum(not o.text.strip() for o in outputs),
        titles=(sum(same_title(o.title, p.title or "") for p, o in titled), len(titled)),
        days=(sum(same_day(o.published, want) for o, want in dated), len(dated)),
        languages=(
            sum(same_language(o.language, p.language or "") for p, o in languaged),
            len(languaged),
        ),
        future=sum(
            o.published is not None
            and o.published.tzinfo is not None
            and o.published > p.fetched_at
            for p, o in zip(pages, outputs, strict=True)
        ),
        cpu_ms=1000 * sum(seconds) / max(1, len(pages)),
    )


def _share(counts: tuple[int, int]) -> str:
    right, total = counts
    return f"{right / total:6.1%} {right:3d}/{total:<3d}" if total else f"{'-':>14}"


HEADER = (
    f"{'set':<20} {'split':<12} {'pages':>5}  {'extractor':<11} {'F1':>6} {'P':>6} {'R':>6}"
    f" {'no text':>7}  {'title':>14}  {'day':>14} {'future':>6}  {'language':>14}"
    f" {'CPU ms/page':>11}"
)


def format_row(set_name: str, split: str, name: str, row: Row) -> str:
    return (
        f"{set_name:<20} {split:<12} {row.pages:>5}  {name:<11} {row.f1:6.4f} "
        f"{row.precision:6.4f} {row.recall:6.4f} {row.empty:>7}  {_share(row.titles)}  "
        f"{_share(row.days)} {row.future:>6}  {_share(row.languages)} {row.cpu_ms:11.2f}"
    )


def groups(pages: Sequence[Page]) -> list[tuple[str, list[int]]]:
    """The rows of a set's table: each split, all pages, then (for a set that records
    languages) the pages not in English, per split."""
    rows: list[tuple[str, list[int]]] = [
        (split, [i for i, p in enumerate(pages) if p.split == split]) for split in SPLITS
    ]
    rows.append(("all", list(range(len(pages)))))
    if any(p.language for p in pages):
        foreign = [p.language not in (None, "en") for p in pages]
        for split in SPLITS:
            chosen = [i for i, p in enumerate(pages) if p.split == split and foreign[i]]
            rows.append((f"{split}-non-en", chosen))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="the shared eval folder")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per extractor")
    parser.add_argument("--worst", type=int, default=0, help="list N worst tuned-on pages")
    args = parser.parse_args(argv)

    started = datetime.now(UTC)
    print(
        f"fastest CPU time of {max(1, args.repeat)} runs per page; 'day' is the set's "
        "publication date (the benchmark's: what the page declares in JSON-LD or meta)"
    )
    print(HEADER)
    for set_name in args.sets:
        pages = load_set(set_name, (args.eval / set_name).resolve(), started)
        for page in pages[:3]:  # warm imports and caches of both
            for extractor in EXTRACTORS.values():
                extractor(page)
        seconds, outputs = timed_runs(pages, args.repeat)
        scores = {
            name: [score_page(p.truth, o.text) for p, o in zip(pages, outputs[name], strict=True)]
            for name in EXTRACTORS
        }
        totals: dict[str, float] = {}
        for split, chosen in groups(pages):
            for name in EXTRACTORS:
                row = score_rows(
                    [pages[i] for i in chosen],
                    [outputs[name][i] for i in chosen],
                    [seconds[name][i] for i in chosen],
                    [scores[name][i] for i in chosen],
                )
                print(format_row(set_name, split, name, row))
                if split == "all":
                    totals[name] = row.cpu_ms
        ratio = totals["entente"] / totals["trafilatura"]
        print(f"{set_name}: CPU time entente / trafilatura {ratio:.2f}")
        if args.worst:
            tuned = [i for i, p in enumerate(pages) if p.split == "tuned"]
            for i in sorted(tuned, key=lambda i: scores["entente"][i].tp)[: args.worst]:
                ours, theirs = scores["entente"][i], scores["trafilatura"][i]
                print(
                    f"  {pages[i].page_id[:40]:<40} tp {ours.tp:.3f} fp {ours.fp:.3f} "
                    f"fn {ours.fn:.3f} (trafilatura tp {theirs.tp:.3f})  {pages[i].url}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
