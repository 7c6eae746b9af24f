"""Article text and metadata out of an HTML page; a feed entry's own text when its page
could not be fetched.

The page is parsed once with lxml. JSON-LD and metadata are read from that tree, trafilatura
extracts the main text from it (its default balance of precision and recall, comments off),
and a line-level cleanup removes what extractors let through. When that text is too short,
a recall-mode pass or the publisher's own JSON-LD articleBody replaces it. Last, paragraphs
the extractor left out but that are marked up like the ones it kept are put back
(entente.ingest.blocks).

Tuned and checked on two sets of real pages, each split by site (bench/extraction): a
change is kept when it helps the pages it was not tuned on.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, datetime
from functools import cache
from html import unescape

import trafilatura
from bs4 import BeautifulSoup
from htmldate import find_date
from lxml.etree import ElementDefaultClassLookup, ParserError, strip_elements
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    document_fromstring,
    fromstring,
)
from trafilatura.settings import Extractor
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html

from entente.ingest.blocks import restore_paragraphs
from entente.ingest.cleanup import LinkTexts, clean_body, prose_share, tokens
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


# trafilatura's settings, built once: building them reads its configuration file's values
# on every call. No URL: it serves only to resolve links and images, which are left out.
_BALANCED = Extractor(output_format="python", fast=True, comments=False)
_RECALL = Extractor(output_format="python", fast=True, comments=False, recall=True)


def _trafilatura_text(tree: HtmlElement, *, recall: bool = False) -> str:
    # Both passes skip trafilatura's comparison with its readability and jusText fallbacks
    # (fast mode): it costs a third of the time for little, and our own fallbacks (the
    # recall pass, JSON-LD articleBody, restored paragraphs) cover the pages it rescues.
    # Its precision mode scored higher on the pages it had been tuned on and lower on the
    # others (bench/extraction's README): the default balance is the one kept.
    for _attempt in range(2):
        document = trafilatura.bare_extraction(tree, options=_RECALL if recall else _BALANCED)
        # trafilatura gives up on a page holding a character XML forbids
        if document is not None or not _scrub_forbidden(tree):
            break
    text = getattr(document, "text", None) if document is not None else None
    return text or ""


def _scrub_forbidden(tree: HtmlElement) -> bool:
    """Delete the characters XML forbids from the tree's text; whether there were any."""
    found = False
    for element in tree.iter():
        for name in ("text", "tail"):
            value = getattr(element, name)
            if value and (clean := _without_forbidden(value)) != value:
                setattr(element, name, clean)
                found = True
        for key, value in element.attrib.items():
            if (clean := _without_forbidden(value)) != value:
                element.set(key, clean)
                found = True
    return found


def _ld_body(article: JsonObject | None, headlines: tuple[str, ...]) -> str:
    """The publisher's articleBody as plain paragraphs, or "" when absent or unusable."""
    body = (article or {}).get("articleBody")
    if not isinstance(body, str) or len(body) < _LD_BODY_MIN:
        return ""
    return _paragraphs(_one_copy(unescape(body)), headlines)


def _one_copy(body: str) -> str:
    """The body once, where the publisher's data holds nothing but copies of it.

    Some publishers' articleBody is the article followed by itself: taken as it is, it
    reads as twice the extracted text and replaces it, doubling every sentence."""
    text = body.strip()
    again = text.find(text[:80], 1)
    if again > 0 and not text.replace(first := text[:again].strip(), "").strip():
        return first
    return body


def _paragraphs(body: str, headlines: tuple[str, ...]) -> str:
    """Plain text or an HTML fragment (some publishers put the article's HTML in their data)
    as cleaned paragraphs, one a line."""
    if "<" in body and ">" in body:
        try:
            fragment = fromstring(f"<div>{body}</div>")
        except (ValueError, TypeError, ParserError):
            return ""
        blocks = [p.text_content() for p in fragment.iter("p", "li", "h2", "h3")]
        body = "\n".join(blocks) if blocks else fragment.text_content()
    return clean_body(body, headlines)


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
# A JSON string long enough to be an article, escapes and all.
_LONG_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.){400,})"')


def _embedded_body(html: str, headlines: tuple[str, ...]) -> str:
    """The longest article-like text in the data a page's scripts carry (the state a
    JavaScript framework renders the page from), or "".

    Read only when the page's markup gave too little: pages rendered in the browser carry
    their article in such data alone. A candidate must read as prose, paragraphs that end
    like sentences, not a list of names or links."""
    best = ""
    for attributes, script in _SCRIPT.findall(html):
        if "ld+json" in attributes:
            continue  # read as JSON-LD already
        for literal in _LONG_JSON_STRING.findall(script):
            try:
                value = json.loads(f'"{literal}"', strict=False)
            except ValueError:
                continue
            text = _paragraphs(value, headlines)
            if len(text) > len(best) and prose_share(text) >= _MIN_PROSE_SHARE:
                best = text
    return best


def link_texts(tree: HtmlElement) -> LinkTexts:
    """The token sequences of the page's link texts, for telling teasers from paragraphs:
    read once, when first asked for."""

    @cache
    def read() -> frozenset[tuple[str, ...]]:
        return frozenset(
            words for a in tree.iter("a") if (words := tuple(tokens(a.text_content())))
        )

    return read


# Elements whose content is never article text; trafilatura deletes them too, but only
# after walking them several times.
_INERT = ("head", "script", "style", "noscript", "svg", "template", "iframe")


def drop_inert(tree: HtmlElement) -> None:
    """Take scripts, styles and other elements that never hold article text out of `tree`.

    trafilatura deletes them too, but only after walking them several times: on the
    extraction benchmark it is left a fifth fewer elements, for the same text on every
    page. Read JSON-LD and dates before this.
    """
    strip_elements(tree, *_INERT, with_tail=False)


def extract_body(
    tree: HtmlElement, html: str, meta: PageMetadata, article: JsonObject | None
) -> tuple[str, str]:
    """(body text, method) for one parsed page and its HTML; "" when nothing was found."""
    headlines = meta.headline_variants
    links = link_texts(tree)
    text = clean_body(_trafilatura_text(tree), headlines, links)
    method = "trafilatura"
    ld_body = _ld_body(article, headlines)
    if ld_body and len(text) < _LD_BODY_RATIO * len(ld_body):
        return ld_body, "json-ld"
    if len(text) < _SHORT_TEXT:
        recall = clean_body(_trafilatura_text(tree, recall=True), headlines, links)
        # the recall pass sees more of the page: take it only if what it adds reads as prose
        if len(recall) > 1.5 * len(text) and prose_share(recall) >= _MIN_PROSE_SHARE:
            text, method = recall, "trafilatura-recall"
    if len(text) < _SHORT_TEXT:
        embedded = _embedded_body(html, headlines)
        if len(embedded) > 1.5 * len(text):
            return embedded, "embedded-data"
    if len(text) < _SHORT_TEXT and _only_links(text, links):
        return "", method  # a menu, not an article
    if text:
        text = restore_paragraphs(tree, text)
    return text, method


def _only_links(text: str, links: LinkTexts) -> bool:
    """Whether every line of the text is the whole text of one of the page's links."""
    lines = [tuple(tokens(line)) for line in text.splitlines()]
    return all(not words or words in links() for words in lines)


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


# The characters XML forbids. trafilatura gives up on a page that holds one (it sets them
# as element text, which lxml refuses); its load_html deletes them from the string first,
# with a regex over the whole page, but hardly a page has any, and a reference to one
# ("&#x1b;") still becomes one in parsing. So they are deleted from the tree, only when
# trafilatura has failed on it (_scrub_forbidden), and from the body text.
_XML_FORBIDDEN = (
    *(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))),
    "\ufffe",
    "\uffff",
)
_DELETE_FORBIDDEN = dict.fromkeys(map(ord, _XML_FORBIDDEN))


def _without_forbidden(text: str) -> str:
    return text.translate(_DELETE_FORBIDDEN) if any(c in text for c in _XML_FORBIDDEN) else text


def _repaired(html: str, beginning: str) -> str:
    """The two repairs of trafilatura's repair_faulty_html besides deleting forbidden
    characters: a doctype that closes itself on the first line, and a self-closing <html/>
    tag in the first lines (tests/ingest/test_extract_repair.py holds them equal). NUL goes
    too: the parser would make it a replacement character, past the later repair."""
    if "\x00" in html:
        html = html.replace("\x00", "")
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
    published = meta.published_at
    if published is None:
        # before the scripts go: htmldate reads dates in them too
        published = _fallback_date(tree, url, now)
    drop_inert(tree)
    body, method = extract_body(tree, html, meta, article)
    body = _without_forbidden(body)
    if not body.strip():
        raise ParseError(f"no article text found in {url}")
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
    """The feed entry's own text, for an entry whose page could not be fetched (a page that
    was fetched and has no text is an extraction failure, never its summary)."""
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
