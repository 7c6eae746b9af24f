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


@pytest.mark.parametrize("reference", ["&#x1b;", "&#27;", "&#xfffe;", "&#65535;", "&#x0C;"])
def test_a_reference_to_a_forbidden_character_costs_nothing(reference: str) -> None:
    """Issue 20.10: one such reference made trafilatura give up on the whole page."""
    paragraphs = [
        f"The two delegations met for a second {reference}day of talks on border trade.",
        "They agreed to publish a joint statement once both cabinets approve the text.",
        "A third round is planned for the spring, in the capital of the other side.",
    ]
    html = (
        f"<html><head><title>Border {reference}[5m talks</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    article = extract_article(html, "https://news.example.com/story")
    assert article.body_text.splitlines() == [p.replace(reference, "") for p in paragraphs]
    assert article.title is not None and article.title.isprintable()
