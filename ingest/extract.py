"""Article text and metadata out of an HTML page: trafilatura first, the feed summary last."""

from __future__ import annotations

from datetime import UTC, datetime

import trafilatura
from bs4 import BeautifulSoup
from trafilatura.settings import Document

from transforms.errors import ParseError
from transforms.records import ExtractedArticle


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def extract_article(html: str, url: str) -> ExtractedArticle:
    """Extract the main text and metadata of one page; raise ParseError when there is none."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise ParseError(f"no article text found in {url}")
    language = document.language
    if not language:
        tag = BeautifulSoup(html[:4096], "html.parser").find("html")
        lang = tag.get("lang") if tag is not None else None
        language = lang.split("-")[0].lower() if isinstance(lang, str) and lang else None
    return ExtractedArticle(
        url=url,
        title=document.title,
        body_text=(document.text or "").strip(),
        published_at=_parse_date(document.date),
        language=language,
        canonical_url=document.url if document.url and document.url != url else None,
        authors=tuple(a.strip() for a in (document.author or "").split(";") if a.strip()),
        site_name=document.sitename,
        image=document.image,
    )


def article_from_summary(url: str, title: str | None, summary: str | None) -> ExtractedArticle:
    """Fall back to the feed entry's own text when the page yields nothing."""
    text = BeautifulSoup(summary or "", "html.parser").get_text(" ", strip=True)
    if not text:
        raise ParseError(f"neither the page nor the feed entry has text for {url}")
    return ExtractedArticle(url=url, title=title, body_text=text, method="feed-summary")
