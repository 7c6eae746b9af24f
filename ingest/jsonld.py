"""JSON-LD blocks of a page: parsed once, then read for the article they describe."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

JsonObject = dict[str, Any]

_ARTICLE_TYPES = re.compile(
    r"(Article|BlogPosting|Report|NewsArticle|LiveBlogPosting|AnalysisNewsArticle"
    r"|OpinionNewsArticle|ReportageNewsArticle|BackgroundNewsArticle|Posting|WebPage)$"
)
# Control characters that sloppy CMSs leave inside JSON strings and that json.loads rejects.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _objects(value: Any) -> Iterator[JsonObject]:
    """Every object of a JSON-LD document, flattening lists and @graph."""
    if isinstance(value, list):
        for item in value:
            yield from _objects(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _objects(value["@graph"])


def _types(obj: JsonObject) -> list[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def read_jsonld(tree: HtmlElement) -> list[JsonObject]:
    """All JSON-LD objects of the page, in document order; unparsable blocks are skipped."""
    found: list[JsonObject] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            document = json.loads(text)
        except ValueError:
            try:
                document = json.loads(_CONTROL.sub(" ", text), strict=False)
            except ValueError:
                continue
        found.extend(_objects(document))
    return found


def article_object(objects: list[JsonObject]) -> JsonObject | None:
    """The object describing the article itself: an Article type first, a WebPage last."""
    best: JsonObject | None = None
    for obj in objects:
        types = _types(obj)
        if any(_ARTICLE_TYPES.search(t) and not t.endswith("WebPage") for t in types):
            return obj
        if best is None and any(t.endswith("WebPage") for t in types):
            best = obj
    return best


def first_string(value: Any, *keys: str) -> str | None:
    """A plain string out of a JSON-LD value that may be a string, an object or a list."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for item in value:
            if found := first_string(item, *keys):
                return found
        return None
    if isinstance(value, dict):
        for key in keys:
            if found := first_string(value.get(key), *keys):
                return found
    return None


def all_strings(value: Any, *keys: str) -> list[str]:
    """Every plain string out of a JSON-LD value (e.g. all author names)."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [s for item in value for s in all_strings(item, *keys)]
    if isinstance(value, dict):
        for key in keys:
            if key in value:
                return all_strings(value[key], *keys)
    return []
