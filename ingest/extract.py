"""Article text and metadata out of an HTML page; the feed summary when the page has none.

The page is parsed once with lxml. JSON-LD and metadata are read from that tree, trafilatura
extracts the main text from it (in precision mode, comments off), and a line-level cleanup
removes what extractors let through. When that text is too short, a recall-mode pass or the
publisher's own JSON-LD articleBody replaces it.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from html import unescape

import trafilatura
from bs4 import BeautifulSoup
from htmldate import find_date
from lxml.etree import ElementDefaultClassLookup, ParserError
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    document_fromstring,
    fromstring,
)
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html, repair_faulty_html

from entente.ingest.cleanup import clean_body, prose_share
from entente.ingest.dates import parse_date
from entente.ingest.jsonld import JsonObject, article_object, read_jsonld
from entente.ingest.language import detect_language
from entente.ingest.metadata import PageMetadata, read_metadata
from entente.ingest.paywall import is_truncated
from entente.transforms.errors import ParseError
from entente.transforms.records import ExtractedArticle

# Below this many characters the main pass probably missed the article: try the others.
_SHORT_TEXT = 500
# A JSON-LD articleBody replaces the extracted text when the latter is this much shorter.
_LD_BODY_RATIO = 0.6
_LD_BODY_MIN = 300
# Below this share of paragraph-like text, a recall-mode extraction is mostly page furniture.
_MIN_PROSE_SHARE = 0.5


def _trafilatura_text(
    tree: HtmlElement, url: str, *, precision: bool = False, recall: bool = False
) -> str:
    # Both passes skip trafilatura's comparison with its readability and jusText fallbacks
    # (fast mode): on the extraction benchmark that comparison costs a third of the time
    # (27.0 against 19.7 ms a page) for 0.004 of F1 (0.976 against 0.972), and our own
    # fallbacks (this recall pass, JSON-LD articleBody) cover the pages it would rescue.
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=True,
        favor_precision=precision,
        favor_recall=recall,
        include_comments=False,
        with_metadata=False,
    )
    text = getattr(document, "text", None) if document is not None else None
    return text or ""


def _ld_body(article: JsonObject | None, headlines: tuple[str, ...]) -> str:
    """The publisher's articleBody as plain paragraphs, or "" when absent or unusable."""
    body = (article or {}).get("articleBody")
    if not isinstance(body, str) or len(body) < _LD_BODY_MIN:
        return ""
    body = unescape(body)
    if "<" in body and ">" in body:
        # some publishers put the article's HTML in articleBody: keep its paragraphs
        try:
            fragment = fromstring(f"<div>{body}</div>")
        except (ValueError, TypeError, ParserError):
            return ""
        blocks = [p.text_content() for p in fragment.iter("p", "li", "h2", "h3")]
        body = "\n".join(blocks) if blocks else fragment.text_content()
    return clean_body(body, headlines)


def extract_body(
    tree: HtmlElement, url: str, meta: PageMetadata, article: JsonObject | None
) -> tuple[str, str]:
    """(body text, method) for one parsed page; the text is "" when nothing was found."""
    headlines = meta.headline_variants
    text = clean_body(_trafilatura_text(tree, url, precision=True), headlines)
    method = "trafilatura"
    ld_body = _ld_body(article, headlines)
    if ld_body and len(text) < _LD_BODY_RATIO * len(ld_body):
        return ld_body, "json-ld"
    if len(text) < _SHORT_TEXT:
        recall = clean_body(_trafilatura_text(tree, url, recall=True), headlines)
        # the recall pass sees more of the page: take it only if what it adds reads as prose
        if len(recall) > 1.5 * len(text) and prose_share(recall) >= _MIN_PROSE_SHARE:
            text, method = recall, "trafilatura-recall"
    return text, method


def _fallback_date(tree: HtmlElement, url: str, now: datetime) -> datetime | None:
    """htmldate's text and markup heuristics, for pages that state no date in metadata.

    Its fast search first (the usual date holders: div, span, p, li, time, h2 to h4), the
    extensive one only when that finds nothing. The extensive search examines every element
    of the page: on one of the extraction benchmark's pages it took 250 ms where the fast
    one took 1.8, for the same date. On the 12 benchmark pages with no date in their
    metadata both orders give the same dates; two need the extensive search."""
    for extensive in (False, True):
        found = find_date(  # works on a copy: `tree` is left as it was
            tree,
            extensive_search=extensive,
            original_date=True,
            url=url,
            max_date=now.strftime("%Y-%m-%d"),
        )
        if found:
            return parse_date(found, now)
    return None


# trafilatura's parser settings, with one difference: lxml.html's own parser picks each
# element's class in a Python callback (form fields get classes of their own), called for
# every element lxml hands to Python, about 1,500 times a page in trafilatura and our
# readers. Here every element is a plain HtmlElement, picked in C: the same trees and the
# same extractions (all 181 benchmark pages, 2,000 pipeline benchmark pages), 0.5 ms a
# page less.
_PARSER = HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    ElementDefaultClassLookup(
        element=HtmlElement,
        comment=HtmlComment,
        pi=HtmlProcessingInstruction,
        entity=HtmlEntity,
    )
)


# The characters XML forbids, which trafilatura's repair_faulty_html deletes with one regex
# over the whole page: 0.47 ms for a typical page of the pipeline benchmark (157 KB), while
# looking for each with `in` (memchr) takes 0.26 ms, and hardly a page has any.
_XML_FORBIDDEN = (
    *(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))),
    "\ufffe",
    "\uffff",
)


def _repaired(html: str, beginning: str) -> str:
    """repair_faulty_html(html, beginning), without its deletion pass when there is nothing
    to delete (tests/ingest/test_extract_repair.py holds the two equal)."""
    if any(c in html for c in _XML_FORBIDDEN):
        return repair_faulty_html(html, beginning)
    # its other two repairs: a doctype that closes itself on the first line, and a
    # self-closing <html/> tag in the first lines
    if "doctype" in beginning:
        first, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", html, count=1)
    return html


def _load(html: str) -> HtmlElement | None:
    """What trafilatura's load_html does with a string, on _PARSER: repair what libxml2
    trips on, parse (as bytes when lxml refuses a string that declares its encoding), and
    refuse a document that does not look like a page."""
    beginning = html[:50].lower()
    text = _repaired(html, beginning)
    # As load_html, any parser failure means no tree (ValueError: a string that declares
    # its encoding, which lxml only takes as bytes).
    tree: HtmlElement | None = None
    with contextlib.suppress(Exception):
        tree = fromstring(text, parser=_PARSER)
    if tree is None or len(tree) < 1:
        try:
            tree = fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
        except Exception:
            tree = None
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _parse(html: str) -> HtmlElement | None:
    """The page as one lxml tree, shared by every step below; None if there is no HTML."""
    if not html or not html.strip():
        return None
    tree = _load(html)
    if tree is None:
        # trafilatura refuses what does not look like a whole page (a bare fragment)
        try:
            tree = document_fromstring(html)
        except (ValueError, ParserError):
            return None
    return tree


def extract_article(html: str, url: str, *, now: datetime | None = None) -> ExtractedArticle:
    """Extract the main text and metadata of one page; raise ParseError when there is no text.

    `now` anchors relative dates ("2 hours ago") and the no-future rule; it defaults to the
    current time.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    tree = _parse(html)
    if tree is None:
        raise ParseError(f"page is empty or not HTML: {url}")
    objects = read_jsonld(tree)
    article = article_object(objects)
    meta = read_metadata(tree, url, objects, article, now)
    body, method = extract_body(tree, url, meta, article)
    if not body.strip():
        raise ParseError(f"no article text found in {url}")
    published = meta.published_at
    if published is None:
        # last, because htmldate prunes the tree it is given
        published = _fallback_date(tree, url, now)
    updated = meta.updated_at
    if updated is not None and published is not None and updated <= published:
        updated = None  # a restatement of the publication time is not an update
    language, confidence = detect_language(body, meta.html_language)
    return ExtractedArticle(
        url=url,
        title=meta.title,
        body_text=body,
        published_at=published,
        updated_at=updated,
        language=language,
        language_confidence=confidence,
        canonical_url=meta.canonical_url if meta.canonical_url != url else None,
        authors=meta.authors,
        site_name=meta.site_name,
        image=meta.image,
        truncated=is_truncated(body, html, tree, article),
        method=method,
    )


def article_from_summary(url: str, title: str | None, summary: str | None) -> ExtractedArticle:
    """Fall back to the feed entry's own text when the page yields nothing."""
    text = BeautifulSoup(summary or "", "html.parser").get_text(" ", strip=True)
    if not text:
        raise ParseError(f"neither the page nor the feed entry has text for {url}")
    language, confidence = detect_language(text)
    return ExtractedArticle(
        url=url,
        title=title,
        body_text=text,
        language=language,
        language_confidence=confidence,
        truncated=True,
        method="feed-summary",
    )
