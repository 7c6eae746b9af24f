"""A recall pass over the page's own markup: paragraphs the extractor left out.

An extractor keeps or drops each block on its own evidence (its length, its link share,
the container it sits in), so it loses paragraphs that look weak alone: a one-line
paragraph carrying a link, the half of an article that a publisher put in a second
container after an advertisement. The paragraphs an article is made of are marked up
alike, though: the same tag, the same class, in a parent with the same class. So the
blocks the extractor kept name the markup of the article's paragraphs, and a block marked
up the same way that it left out is restored, after precision checks:

- it lies between two kept paragraphs, or after the last one with nothing in between that
  opens comments, sharing or related links, and its markup is specific (a class on the
  block or its parent: a bare <p> in a bare <div> could be anyone's);
- it is prose, not links: neither one link from end to end nor mostly the text of several;
- it does not repeat text already kept, holds no other blocks, and sits in nothing that
  names itself as furniture (aside, nav, footer, figure, form; comment, share, related...).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import chain

from lxml.html import HtmlElement

from entente.ingest.cleanup import is_boilerplate, tokens

_HEADINGS = frozenset({"h2", "h3", "h4"})
_BLOCK_TAGS = _HEADINGS | {"p", "blockquote"}
_NESTED = _BLOCK_TAGS | {"script", "style", "noscript", "div", "ul", "ol", "table"}
_FURNITURE_TAGS = frozenset(
    {"aside", "nav", "footer", "figure", "figcaption", "form", "header", "button", "noscript"}
)
_FURNITURE = re.compile(
    r"comment|related|share|sharing|social|newsletter|promo|teaser|recommend|sidebar|footer"
    r"|(^|[\s_-])nav|menu|caption|credit|byline|author|(^|[\s_-])tags?([\s_-]|$)|advert"
    r"|sponsor|subscri|cookie|popup|modal|breadcrumb|disqus|respond|reply",
    re.IGNORECASE,
)
# Where an article's text ends: what opens after it is no longer the article.
_ENDS_ARTICLE = re.compile(
    r"comment|share|sharing|social|related|recommend|newsletter|footer|disqus|respond|reply"
    r"|more-stories|read-more|tags",
    re.IGNORECASE,
)
_ENDS_ARTICLE_TAGS = frozenset({"footer", "nav", "form"})
# A candidate sharing this many of its 4-word shingles with the kept text repeats it.
_REPEAT_SHARE = 0.3
_SHINGLE = 4


def _signature(element: HtmlElement) -> tuple[str, str, str, str]:
    parent = element.getparent()
    return (
        str(element.tag),
        element.get("class") or "",
        str(parent.tag) if parent is not None else "",
        (parent.get("class") or "") if parent is not None else "",
    )


def _marks(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _in_furniture(element: HtmlElement, article_marks: set[str]) -> bool:
    """Whether an ancestor names itself as furniture, unless the kept paragraphs have an
    ancestor marked the same (a site may call its article column "sidebar-grid__content")."""
    for ancestor in element.iterancestors():
        marks = _marks(ancestor)
        if marks in article_marks:
            continue
        if ancestor.tag in _FURNITURE_TAGS or (marks.strip() and _FURNITURE.search(marks)):
            return True
    return False


def _mostly_links(element: HtmlElement, text: str) -> bool:
    anchors = list(element.iter("a"))
    if not anchors:
        return False
    linked = sum(len(" ".join(a.text_content().split())) for a in anchors)
    return linked >= 0.95 * len(text) or (len(anchors) >= 2 and linked >= 0.5 * len(text))


def _shingles(words: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))]


def _until_article_end(last_kept: HtmlElement) -> set[HtmlElement]:
    """The blocks that follow the last kept paragraph, up to the first element that opens
    comments, sharing, related links or a footer: the article does not go on past it."""
    found: set[HtmlElement] = set()
    following = chain(
        last_kept.itersiblings(),
        (sibling for ancestor in last_kept.iterancestors() for sibling in ancestor.itersiblings()),
    )
    for subtree in following:
        for element in subtree.iter():
            tag = element.tag
            if tag in _ENDS_ARTICLE_TAGS or (
                (element.get("class") or element.get("id"))
                and _ENDS_ARTICLE.search(_marks(element))
            ):
                return found
            if tag in _BLOCK_TAGS:
                found.add(element)
    return found


def _container_marks(kept: list[HtmlElement]) -> set[str]:
    """The class and id of every element the kept paragraphs sit in."""
    marks: set[str] = set()
    visited: set[HtmlElement] = set()
    for element in kept:
        for ancestor in element.iterancestors():
            if ancestor in visited:
                break
            visited.add(ancestor)
            marks.add(_marks(ancestor))
    return marks


def restore_paragraphs(tree: HtmlElement, text: str) -> str:
    """`text` with the page's left-out paragraphs put back where they stand on the page."""
    lines = text.splitlines()
    # a block was kept when a line is its text, spacing aside (a block whose text the
    # extractor respaced counts as left out, and the repeat test below drops it again)
    line_of = {" ".join(line.split()): n for n, line in enumerate(lines)}
    blocks: list[tuple[HtmlElement, str]] = []
    for element in tree.iter(*_BLOCK_TAGS):
        block_text = " ".join(element.text_content().split())
        if block_text:
            blocks.append((element, block_text))
    kept = [i for i, (_, block_text) in enumerate(blocks) if block_text in line_of]
    if len(kept) < 2:
        return text
    counts = Counter(_signature(blocks[i][0]) for i in kept)
    article_signatures = {s for s, n in counts.items() if n >= 2}
    container_marks = _container_marks([blocks[i][0] for i in kept])
    first, last = kept[0], kept[-1]
    before_end: set[HtmlElement] | None = None  # found when first needed
    kept_set = set(kept)
    candidates: list[tuple[int, int]] = []  # (block, the line it follows)
    after_line = -1
    for index in range(first, len(blocks)):
        element, block_text = blocks[index]
        if index in kept_set:
            after_line = line_of[block_text]
            continue
        signature = _signature(element)
        if signature not in article_signatures:
            continue
        if index > last:
            if not (signature[1] or signature[3]) or element.tag in _HEADINGS:
                continue  # unspecific markup, or a heading with nothing kept after it
            if before_end is None:
                before_end = _until_article_end(blocks[last][0])
            if element not in before_end:
                break
        if any(child.tag in _NESTED for child in element.iterdescendants()):
            continue
        if is_boilerplate(block_text) or _mostly_links(element, block_text):
            continue
        if not _in_furniture(element, container_marks):
            candidates.append((index, after_line))
    if not candidates:
        return text
    words_kept = tokens(text)
    seen = set(_shingles(words_kept))
    seen_words = set(words_kept)
    inserts: dict[int, list[str]] = {}
    for index, follows in candidates:
        block_text = blocks[index][1]
        words = tokens(block_text)
        if not words:
            continue
        grams = _shingles(words)
        if sum(g in seen for g in grams) > _REPEAT_SHARE * len(grams):
            continue
        # too few words for shingles to tell (unspaced scripts make a clause one word)
        if len(words) < 2 * _SHINGLE and sum(w in seen_words for w in words) > len(words) / 2:
            continue
        inserts.setdefault(follows, []).append(block_text)
        seen.update(grams)
        seen_words.update(words)
    if not inserts:
        return text
    restored = list(inserts.get(-1, []))
    for n, line in enumerate(lines):
        restored.append(line)
        restored.extend(inserts.get(n, []))
    return "\n".join(restored)
