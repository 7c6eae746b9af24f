"""Teasers and paywalls: is the extracted body only the visible start of a longer article?"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from entente.ingest.jsonld import JsonObject

# A body this long is an article even on a page with a paywall script: many publishers serve
# the full text and let the browser hide it.
_SHORT_BODY = 1500
_WALL_MARKUP = re.compile(
    r"paywall|pay-wall|regwall|meter(ed)?-?(content|wall)|subscriber-?only|subscribers-?only"
    r"|premium-?(content|article|wall)|piano-?(inline|offer|paywall)|tp-(modal|container)"
    r"|article-?locked|content-?locked|locked-?content|gate(d|-?keeper)?-?content",
    re.IGNORECASE,
)
_WALL_TEXT = re.compile(
    r"(subscribe|sign\s+in|log\s+in|register)\s+(now\s+)?to\s+(continue|read|keep)"
    r"|(continue|keep)\s+reading\s+(with|for|by|—|-)|to\s+read\s+the\s+(full|rest|whole|entire)"
    r"|this\s+(article|story|content)\s+is\s+(only\s+)?(for|available\s+to)\s+(subscribers|members)"
    r"|réservé\s+aux\s+abonnés|article\s+réservé|nur\s+für\s+abonnenten"
    r"|exclusivo\s+para\s+assinantes|solo\s+para\s+suscriptores|riservato\s+agli\s+abbonati",
    re.IGNORECASE,
)
# Site chrome says these on free articles too ("Already a subscriber? Log in" in the header):
# they count only at the end of the body itself.
_WALL_TEXT_WEAK = re.compile(
    r"already\s+a\s+(subscriber|member)\?|subscribers?\s+only|members?\s+only", re.IGNORECASE
)
_READ_MORE_END = re.compile(
    r"(\.\.\.|…|\[\s*…\s*\])\s*(read\s+more|continue\s+reading|more)?\W*$", re.IGNORECASE
)


def _not_free(article: JsonObject | None) -> bool:
    if not article:
        return False
    flags: list[Any] = [article.get("isAccessibleForFree")]
    part = article.get("hasPart")
    parts = part if isinstance(part, list) else [part]
    flags += [p.get("isAccessibleForFree") for p in parts if isinstance(p, dict)]
    return any(f is False or (isinstance(f, str) and f.strip().lower() == "false") for f in flags)


def _declared_words(article: JsonObject | None) -> int:
    value = (article or {}).get("wordCount")
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


_CHROME = re.compile(r"header|nav|menu|banner|footer|toolbar", re.IGNORECASE)
_OFFER = re.compile(r"subscri|abonn|assin|suscri|abbona|member|sign\s+in|log\s+in", re.IGNORECASE)


def _wall_in_markup(tree: HtmlElement) -> bool:
    """An element named as a paywall that offers a subscription, outside the page chrome.

    Sites with a metered wall carry paywall-named wrappers in their header on every page,
    free articles included; only a wall that makes an offer counts.
    """
    for element in tree.iter("div", "section", "aside", "article", "p", "form"):
        marks = f"{element.get('class') or ''} {element.get('id') or ''}"
        if not marks.strip() or not _WALL_MARKUP.search(marks) or _CHROME.search(marks):
            continue
        if _OFFER.search(element.text_content()[:1000]):
            return True
    return False


def is_truncated(body: str, html: str, tree: HtmlElement, article: JsonObject | None) -> bool:
    """Whether `body` looks like the teaser of a walled or cut article rather than all of it.

    Signals: JSON-LD says the article is not free, paywall markup or wording on the page, a
    body ending in an ellipsis and "read more", or a declared word count far above ours.
    Each needs a short body, except the word count, which is a direct comparison.
    """
    words = len(body.split())
    declared = _declared_words(article)
    if declared >= 150 and words < 0.5 * declared:
        return True
    if len(body) >= _SHORT_BODY:
        return False
    if _not_free(article) or _READ_MORE_END.search(body):
        return True
    tail = body[-400:]
    if _WALL_TEXT.search(tail) or _WALL_TEXT_WEAK.search(tail) or _wall_in_text(html):
        return True
    return _wall_in_markup(tree)


_WALL_CUES = (
    "subscri",
    "sign in",
    "log in",
    "register",
    "continue reading",
    "keep reading",
    "read the",
    "abonn",
    "assinante",
    "suscriptor",
    "abbonati",
    "member",
)


def _wall_in_text(html: str) -> bool:
    """Paywall wording anywhere in the page, looked for only around cheap literal cues.

    A case-insensitive alternation over a whole page costs milliseconds; a lower-cased
    substring scan and a regex on a small window around each hit costs microseconds.
    """
    lowered = html.lower()
    for cue in _WALL_CUES:
        start = lowered.find(cue)
        hits = 0
        while start != -1 and hits < 20:
            if _WALL_TEXT.search(lowered, max(0, start - 80), start + 120):
                return True
            start = lowered.find(cue, start + 1)
            hits += 1
    return False
