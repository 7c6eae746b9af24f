"""Article metadata from a parsed page: title, dates, authors, canonical URL, site, image.

Sources are read in order of how deliberately a publisher states them: JSON-LD first, then
Open Graph and other meta tags, then visible markup (<time>, <h1>, rel=author), then the URL.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from itertools import chain
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement
from tld import get_fld

from entente.ingest.dates import parse_date
from entente.ingest.jsonld import JsonObject, all_strings, first_string


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """What a page says about the article it carries."""

    title: str | None = None
    headline_variants: tuple[str, ...] = ()
    description: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    authors: tuple[str, ...] = ()
    canonical_url: str | None = None
    site_name: str | None = None
    image: str | None = None
    html_language: str | None = None


_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "datecreated",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "article.published",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "date",
    "dc.date",
    "dcterms.date",
)
_UPDATED_META = (
    "article:modified_time",
    "og:updated_time",
    "og:modified_time",
    "datemodified",
    "lastmod",
    "last-modified",
    "dc.date.modified",
    "dcterms.modified",
    "article.updated",
)
_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
)
_URL_DATE = re.compile(
    r"[/_-]((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)
_TITLE_SEPARATORS = re.compile(r"\s+[|–—·•:»*-]\s+|\s*[ㅣ｜]\s*")
_SEGMENT_START = re.compile(r"\s*(?:[|–—·•:»*ㅣ｜-]|::)")
_BY = re.compile(r"^\s*(by|von|por|par|di)\s+", re.IGNORECASE)
# "Jonas Becker · 2 hours ago", "Ann Lee | Reuters": what follows a separator in a byline
_BYLINE_TAIL = re.compile(r"\s+[·•|–—]\s+.*$")
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\||\band\b|&|\bund\b|\by\b|\bet\b)\s*")


def _meta_map(tree: HtmlElement) -> dict[str, str]:
    """The first value of every <meta> by lower-cased property, name or itemprop."""
    found: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


# Control characters (C0 and C1, beside whitespace) and the two non-characters: a page's
# "&#x1b;[5m" must not reach a terminal through a title.
_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF], " ")


def _clean(value: str | None) -> str | None:
    """Whitespace collapsed, entities decoded (many CMSs escape meta values twice) and
    control characters deleted."""
    if value is None:
        return None
    text = " ".join(html.unescape(value).translate(_CONTROLS).split())
    return text or None


def _registered_domain(url: str) -> str | None:
    host = urlsplit(url).hostname
    if not host:
        return None
    found = get_fld(host, fix_protocol=True, fail_silently=True)
    return str(found) if found else host


def consistent_url(candidate: str | None, page_url: str) -> str | None:
    """A canonical candidate resolved against the page, kept only if it fits the page.

    It must be http(s), on the page's registered domain, and not the bare home page of an
    article that has a path (a common template mistake).
    """
    if not candidate or not candidate.strip():
        return None
    resolved = urljoin(page_url, candidate.strip())
    parts, page = urlsplit(resolved), urlsplit(page_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    if _registered_domain(resolved) != _registered_domain(page_url):
        return None
    if parts.path in {"", "/"} and page.path not in {"", "/"}:
        return None
    return resolved


def strip_site_name(title: str, site_name: str | None) -> str:
    """'Headline | Site' -> 'Headline' when the trailing part is the site's name."""
    cuts = list(_TITLE_SEPARATORS.finditer(title))
    if not cuts:
        return title
    first, last = title[: cuts[0].start()], title[cuts[-1].end() :]
    site_words = set(_words(site_name or ""))
    last_words, first_words = set(_words(last)), set(_words(first))
    if site_words and last_words and last_words <= site_words | {"com", "www", "news"}:
        return title[: cuts[-1].start()].strip()
    if site_words and first_words and first_words <= site_words:
        return title[cuts[0].end() :].strip()
    # "Headline | Section | Site": a short tail after a pipe is navigation, not headline
    if "|" in title and len(last) < 30 and len(first) > 20:
        return title.split("|", maxsplit=1)[0].strip()
    return title


def _title(tree: HtmlElement, meta: dict[str, str], article: JsonObject | None) -> list[str]:
    candidates = [
        first_string((article or {}).get("headline")),
        meta.get("og:title"),
        meta.get("twitter:title"),
    ]
    h1s = [_clean(h.text_content()) for h in tree.iterfind(".//h1")]
    if len(h1s) >= 1:
        candidates.append(h1s[0])
    title_el = tree.find(".//title")
    if title_el is not None:
        candidates.append(title_el.text_content())
    return [c for c in (_clean(c) for c in candidates) if c]


def _uncut(title: str, others: list[str]) -> str:
    """The title, unless it was cut short ("...", 110 characters) and another is it whole."""
    stem = title.rstrip(".… ").casefold()
    if not stem or stem == title.casefold():
        return title
    for other in others:
        if len(other) > len(title) and other.casefold().startswith(stem):
            return other
    return title


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


def choose_title(
    titles: list[str], site_name: str | None, declared: str | None = None
) -> str | None:
    """The page's headline, site names and sections cut off.

    A headline `declared` in the article's JSON-LD is the publisher's own record of it and
    is taken (whole where it was cut short). Without one, the other sources (Open Graph,
    Twitter, the first <h1>, <title>, in that order of trust) vote: each for its headline,
    and a source that adds a tail after a separator ("Headline | Section | Site") for the
    headline it starts with when another source gives that alone. Ties go to the more
    trusted source. A page whose sources word the headline differently is the common case:
    the JSON-LD headline is the one most often meant (bench/extraction's README).
    """
    if declared:
        return strip_site_name(_uncut(declared, titles), site_name)
    if not titles:
        return None
    whole = [_uncut(title, titles) for title in titles]
    stripped = [strip_site_name(title, site_name) for title in whole]
    keys = [_words(title) for title in stripped]
    votes: Counter[tuple[str, ...]] = Counter()
    for index, title in enumerate(whole):
        votes[keys[index]] += 1
        for other, key in zip(stripped, keys, strict=True):
            if key and key != keys[index] and _starts_segment(title, other):
                votes[key] += 1
    best = max(votes[key] for key in keys)
    return next(title for title, key in zip(stripped, keys, strict=True) if votes[key] == best)


def _starts_segment(title: str, head: str) -> bool:
    """Whether `title` is `head` followed by a separator and more ("Headline - Site")."""
    if len(head) >= len(title) or not title.startswith(head):
        return False
    return _SEGMENT_START.match(title, len(head)) is not None


def _time_elements(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """datetime values of <time> elements marked as published, as updated, then unmarked."""
    published: list[str] = []
    updated: list[str] = []
    plain: list[str] = []
    for element in tree.iterfind(".//time"):
        value = element.get("datetime") or element.get("content") or element.text_content()
        if not value:
            continue
        marks = " ".join(
            element.get(a) or "" for a in ("itemprop", "class", "id", "pubdate", "data-testid")
        ).lower()
        if "modif" in marks or "updat" in marks:
            updated.append(value)
        elif "publi" in marks or "pubdate" in marks or "created" in marks:
            published.append(value)
        else:
            plain.append(value)
    return published + plain, updated


_BYLINE_MARKS = ("byline", "author-name", "article-author")
_DATE_MARKS = ("date", "time", "publi", "posted")


class _Marked:
    """The page's elements that name what they hold (itemprop, rel=author, a class such as
    "byline" or "date"), found in one walk of the page when first asked for.

    Most pages state their dates and authors in JSON-LD or meta tags and never need them;
    the others asked for each kind with an XPath, a walk of the page apiece."""

    def __init__(self, tree: HtmlElement) -> None:
        self._tree = tree

    @cached_property
    def _found(
        self,
    ) -> tuple[
        dict[str, list[HtmlElement]], list[HtmlElement], list[HtmlElement], list[HtmlElement]
    ]:
        itemprops: dict[str, list[HtmlElement]] = {}
        authors: list[HtmlElement] = []  # <a rel=author> and itemprop=author, in page order
        bylines: list[HtmlElement] = []
        dated: list[HtmlElement] = []
        for element in self._tree.iter():
            tag = element.tag
            prop = element.get("itemprop")
            if prop:
                itemprops.setdefault(prop, []).append(element)
            if prop == "author" or (tag == "a" and element.get("rel") == "author"):
                authors.append(element)
            marks = element.get("class")
            if (
                tag in ("p", "span", "div", "a")
                and marks
                and any(m in marks for m in _BYLINE_MARKS)
            ):
                bylines.append(element)
            if tag in ("span", "div", "p", "small", "li") and (
                (marks and any(m in marks for m in _DATE_MARKS))
                or "date" in (element.get("id") or "")
            ):
                dated.append(element)
        return itemprops, authors, bylines, dated

    def itemprop(self, prop: str) -> list[HtmlElement]:
        return self._found[0].get(prop, [])

    @property
    def authors(self) -> list[HtmlElement]:
        return self._found[1]

    @property
    def bylines(self) -> list[HtmlElement]:
        return self._found[2]

    @property
    def dated(self) -> list[HtmlElement]:
        return self._found[3]


def _itemprop_dates(marked: _Marked, prop: str) -> Iterator[str]:
    """Values of the elements marked itemprop=`prop`; lazily, since most pages have settled
    their dates before it comes to that."""
    for element in marked.itemprop(prop):
        value = element.get("content") or element.get("datetime") or element.text_content()
        if value:
            yield value


def url_date(url: str, now: datetime) -> datetime | None:
    """A date written in the URL path, such as /2019/11/19/ or /20191119/."""
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    return parse_date("-".join(match.groups()), now)


def _first_date(values: Iterable[Any], now: datetime, *, relative: bool = False) -> datetime | None:
    """The first parsable date; a bare day gives way to a later full timestamp of that day."""
    first: datetime | None = None
    for value in values:
        if not isinstance(value, str):
            continue
        parsed = parse_date(value, now, relative=relative)
        if parsed is None:
            continue
        if first is None:
            if ":" in value:
                return parsed
            first = parsed
        elif ":" in value and parsed.date() == first.date():
            return parsed
    return first


def _dated_text(marked: _Marked) -> list[str]:
    """Short visible texts in elements named like dates ("Publié le 7 avril 2021")."""
    texts = []
    for element in marked.dated[:20]:
        text = _clean(element.text_content())
        if text and len(text) <= 80:
            texts.append(text)
    return texts


def _dates(
    tree: HtmlElement,
    marked: _Marked,
    *,
    meta: dict[str, str],
    objects: list[JsonObject],
    article: JsonObject | None,
    url: str,
    now: datetime,
) -> tuple[datetime | None, datetime | None]:
    article = article or {}
    time_published, time_updated = _time_elements(tree)
    published = (
        _first_date(
            chain(
                [article.get("datePublished"), article.get("dateCreated")],
                [o.get("datePublished") for o in objects],
                [meta.get(k) for k in _PUBLISHED_META],
                _itemprop_dates(marked, "datePublished"),
            ),
            now,
        )
        or _first_date(time_published, now, relative=True)
        or url_date(url, now)
        or _first_date(_dated_text(marked), now, relative=True)
    )
    updated = _first_date(
        chain(
            [article.get("dateModified")],
            [meta.get(k) for k in _UPDATED_META],
            _itemprop_dates(marked, "dateModified"),
        ),
        now,
    ) or _first_date(time_updated, now, relative=True)
    if updated is not None and published is not None and updated <= published:
        updated = None  # the same instant restated, or an impossible order: no update known
    return published, updated


def _split_authors(value: str) -> list[str]:
    value = _BY.sub("", value)
    value = _BYLINE_TAIL.sub("", value)
    names = [n.strip(" ,.") for n in _AUTHOR_SPLIT.split(value)]
    out: list[str] = []
    for name in names:
        parts = [p.strip() for p in name.split(",")]
        # "Smith, John" is one name; "Ann Lee, Bob Ray" is two
        if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
            out.extend(parts)
        else:
            out.append(name)
    return out


_NAME_PARTICLES = {
    "de",
    "da",
    "das",
    "do",
    "dos",
    "del",
    "della",
    "di",
    "du",
    "la",
    "le",
    "van",
    "von",
    "der",
    "den",
    "ter",
    "bin",
    "binti",
    "al",
    "el",
    "y",
    "e",
    "af",
    "zu",
}


def _plausible_author(name: str, site_name: str | None) -> bool:
    if not name or len(name) > 60 or len(name.split()) > 5:
        return False
    # names are capitalised (where the script has case): "he's a reviewer" is not a name
    if any(w[0].islower() and w not in _NAME_PARTICLES for w in name.split()):
        return False
    if "://" in name or name.startswith("www.") or "@" in name:
        return False
    if site_name and name.casefold() == site_name.casefold():
        return False
    return any(c.isalpha() for c in name)


def _authors(
    marked: _Marked, meta: dict[str, str], article: JsonObject | None, site_name: str | None
) -> tuple[str, ...]:
    raw = all_strings((article or {}).get("author"), "name")
    if not raw:
        raw = [meta[k] for k in _AUTHOR_META if k in meta]
    if not raw:
        raw = [_clean(a.text_content()) or "" for a in marked.authors[:3]]
    if not raw:
        raw = [
            text
            for element in marked.bylines[:3]
            if (text := _clean(element.text_content())) and len(text) <= 80
        ]
    seen: dict[str, str] = {}
    for value in raw:
        for part in _split_authors(value):
            name = _clean(part) or ""
            if _plausible_author(name, site_name):
                seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def _image(
    tree: HtmlElement, meta: dict[str, str], article: JsonObject | None, url: str
) -> str | None:
    candidates = [
        meta.get("og:image"),
        meta.get("og:image:url"),
        meta.get("og:image:secure_url"),
        meta.get("twitter:image"),
        meta.get("twitter:image:src"),
        first_string((article or {}).get("image"), "url", "contentUrl"),
    ]
    link = tree.find('.//link[@rel="image_src"]')
    if link is not None:
        candidates.append(link.get("href"))
    for candidate in candidates:
        if candidate and candidate.strip():
            resolved = urljoin(url, candidate.strip())
            if urlsplit(resolved).scheme in {"http", "https"}:
                return resolved
    return None


def _site_name(
    meta: dict[str, str], objects: list[JsonObject], article: JsonObject | None
) -> str | None:
    candidates = [
        meta.get("og:site_name"),
        first_string((article or {}).get("publisher"), "name"),
        meta.get("application-name"),
        meta.get("twitter:site"),
    ]
    candidates += [
        first_string(o.get("name"))
        for o in objects
        if isinstance(o.get("@type"), str)
        and o["@type"] in {"Organization", "NewsMediaOrganization", "WebSite"}
    ]
    for candidate in candidates:
        name = _clean(candidate)
        if name:
            return name.lstrip("@") if name.startswith("@") else name
    return None


def read_metadata(
    tree: HtmlElement,
    url: str,
    objects: list[JsonObject],
    article: JsonObject | None,
    now: datetime,
) -> PageMetadata:
    """Everything but the body text, from one parsed page and its JSON-LD objects."""
    meta = _meta_map(tree)
    site_name = _site_name(meta, objects, article)
    titles = _title(tree, meta, article)
    title = choose_title(titles, site_name, _clean(first_string((article or {}).get("headline"))))
    marked = _Marked(tree)
    published, updated = _dates(
        tree, marked, meta=meta, objects=objects, article=article, url=url, now=now
    )
    canonical = None
    link = tree.find('.//link[@rel="canonical"]')
    for candidate in (link.get("href") if link is not None else None, meta.get("og:url")):
        canonical = consistent_url(candidate, url)
        if canonical:
            break
    html_lang = tree.get("lang") or tree.get("xml:lang") or meta.get("og:locale")
    return PageMetadata(
        title=title,
        headline_variants=tuple(dict.fromkeys(titles + ([title] if title else []))),
        description=_clean(meta.get("og:description") or meta.get("description")),
        published_at=published,
        updated_at=updated,
        authors=_authors(marked, meta, article, site_name),
        canonical_url=canonical,
        site_name=site_name,
        image=_image(tree, meta, article, url),
        html_language=_clean(html_lang),
    )
