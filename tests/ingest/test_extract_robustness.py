"""extract_article on hostile or broken input: a ParseError or an article, nothing else."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entente.ingest.extract import extract_article
from entente.transforms.errors import ParseError

PROSE = (
    "<p>The two delegations met for a second day of talks on border trade and agreed to "
    "publish a joint statement once both cabinets have approved the final text.</p>"
)


@pytest.mark.parametrize(
    "html",
    [
        '<?xml version="1.0" encoding="utf-8"?><html><body>' + PROSE * 3 + "</body></html>",
        "<html><head><script type='application/ld+json'>{broken</script></head><body>"
        + PROSE * 3
        + "</body></html>",
        "<html><head><script type='application/ld+json'>"
        '[1, "x", {"@type": ["NewsArticle"], "headline": ["A", "B"], "author": 7,'
        ' "datePublished": ["2020-01-01"], "image": [{"url": 5}], "isAccessibleForFree": null}]'
        "</script></head><body>" + PROSE * 3 + "</body></html>",
        '<html lang="???"><body><time datetime="9999-99-99">x</time>'
        + PROSE * 3
        + "</body></html>",
        "<p>" + "word " * 5000 + "</p>",
    ],
)
def test_odd_pages_still_give_an_article(html: str) -> None:
    article = extract_article(html, "https://news.example.com/story")
    assert article.body_text


def test_naive_now_is_taken_as_utc() -> None:
    html = "<html><body><time>2 hours ago</time>" + PROSE * 3 + "</body></html>"
    article = extract_article(html, "https://news.example.com/story", now=datetime(2024, 5, 1))
    assert article.published_at is not None and article.published_at.tzinfo is not None


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_an_article_or_a_parse_error(html: str) -> None:
    try:
        article = extract_article(html, "https://news.example.com/story")
    except ParseError:
        return
    assert article.body_text.strip()
