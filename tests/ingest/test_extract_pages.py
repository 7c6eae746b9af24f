"""extract_article on saved pages written for these tests: text and every metadata field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from entente.ingest.extract import article_from_summary, extract_article
from entente.transforms.errors import ParseError
from entente.transforms.records import ExtractedArticle

PAGES = Path(__file__).parent / "pages"
NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def extract(name: str, url: str, now: datetime = NOW) -> ExtractedArticle:
    return extract_article((PAGES / f"{name}.html").read_text(encoding="utf-8"), url, now=now)


@pytest.fixture(scope="module")
def gazette() -> ExtractedArticle:
    return extract(
        "news_jsonld",
        "https://www.harbourgazette.example.com/world/2024/03/12/river-accord?utm_source=feed",
    )


def test_title_comes_without_the_site_suffix(gazette: ExtractedArticle) -> None:
    assert gazette.title == "Lakeland and Norvia sign river water accord"


def test_published_and_updated_keep_their_offset(gazette: ExtractedArticle) -> None:
    plus_two = timedelta(hours=2)
    assert gazette.published_at == datetime(2024, 3, 12, 7, 30, tzinfo=UTC)
    assert gazette.published_at is not None and gazette.published_at.utcoffset() == plus_two
    assert gazette.updated_at == datetime(2024, 3, 12, 14, 5, tzinfo=UTC)
    assert gazette.updated_at is not None and gazette.updated_at.utcoffset() == plus_two


def test_authors_from_jsonld(gazette: ExtractedArticle) -> None:
    assert gazette.authors == ("Amira Hassan", "Tomas Lindqvist")


def test_canonical_site_and_image(gazette: ExtractedArticle) -> None:
    assert (
        gazette.canonical_url
        == "https://www.harbourgazette.example.com/world/2024/03/12/river-accord"
    )
    assert gazette.site_name == "The Harbour Gazette"
    assert gazette.image == "https://www.harbourgazette.example.com/images/2024/river-accord.jpg"


def test_body_keeps_the_article_and_its_paragraphs(gazette: ExtractedArticle) -> None:
    body = gazette.body_text
    assert body.startswith("Lakeland and Norvia signed an agreement on Tuesday")
    assert body.endswith("before they escalate.")
    assert body.count("\n") == 4  # five paragraphs, one per line


@pytest.mark.parametrize(
    "unwanted",
    [
        "Korva dam",  # caption
        "Tweet",  # share widget
        "Updated 12 March",  # update stamp
        "newsletter",  # newsletter box
        "By Amira",  # byline
        "cookies",
        "Drought hits",  # related links
        "All rights reserved",
    ],
)
def test_body_leaves_out_page_furniture(gazette: ExtractedArticle, unwanted: str) -> None:
    assert unwanted.casefold() not in gazette.body_text.casefold()


def test_headline_is_not_repeated_in_the_body(gazette: ExtractedArticle) -> None:
    assert "sign river water accord" not in gazette.body_text


def test_language_with_confidence(gazette: ExtractedArticle) -> None:
    assert gazette.language == "en"
    assert gazette.language_confidence is not None and gazette.language_confidence > 0.9
    assert not gazette.truncated


def test_local_french_date_meta_author_and_og_url_over_a_foreign_canonical() -> None:
    article = extract(
        "meta_fr",
        "https://courrierdulac.example.fr/international/accord-energie-valmont-castelnau?ref=rss",
    )
    assert article.published_at == datetime(2021, 4, 7, 14, 30, tzinfo=UTC)
    assert article.authors == ("Claire Dubois",)
    # rel=canonical points at another site: ignored; og:url is on the page's own domain
    assert (
        article.canonical_url
        == "https://courrierdulac.example.fr/international/accord-energie-valmont-castelnau"
    )
    assert article.site_name == "Le Courrier du Lac"
    assert article.title == "Accord de coopération énergétique entre Valmont et Castelnau"
    assert article.language == "fr"


def test_relative_date_is_relative_to_now_and_byline_gives_author() -> None:
    article = extract("relative_de", "https://ostland-zeitung.example.de/politik/grenzabkommen")
    assert article.published_at == NOW - timedelta(hours=2)
    assert article.authors == ("Jonas Becker",)
    assert article.language == "de"
    assert "vor 2 Stunden" not in article.body_text


def test_numeric_day_first_date() -> None:
    article = extract("numeric_it", "https://gazzetta.example.it/cultura/intesa")
    assert article.published_at is not None
    assert article.published_at.date().isoformat() == "2021-04-07"
    assert article.language == "it"


def test_future_date_is_refused_and_the_url_date_used() -> None:
    article = extract("future_date", "https://news.example.com/2024/05/06/trade-ministers")
    assert article.published_at == datetime(2024, 5, 6, tzinfo=UTC)


def test_future_date_without_other_evidence_gives_none() -> None:
    article = extract("future_date", "https://news.example.com/world/trade-ministers")
    assert article.published_at is None


def test_paywalled_teaser_is_flagged_truncated() -> None:
    article = extract("paywall", "https://fishing-times.example.com/treaty-talks")
    assert article.truncated
    assert article.body_text.startswith("For three nights in August")
    assert "Subscribe" not in article.body_text


def test_jsonld_article_body_when_the_page_renders_nothing() -> None:
    article = extract("ld_body_only", "https://diario.example.es/internacional/consulados")
    assert article.method == "json-ld"
    assert article.body_text.count("\n") == 2
    assert article.published_at is not None
    assert article.published_at.utcoffset() == timedelta(hours=-3)
    assert article.authors == ("Lucía Fernández",)
    assert article.language == "es"


def test_page_without_text_raises_parse_error() -> None:
    with pytest.raises(ParseError):
        extract_article(
            "<html><body><script>var a;</script></body></html>", "https://x.example.com/a"
        )
    with pytest.raises(ParseError):
        extract_article("", "https://x.example.com/a")


def test_feed_summary_fallback_is_marked_truncated() -> None:
    article = article_from_summary(
        "https://x.example.com/a",
        "Ministers meet",
        "<p>The foreign ministers of both countries met on Monday to discuss trade.</p>",
    )
    assert article.method == "feed-summary"
    assert article.truncated
    assert article.body_text.startswith("The foreign ministers")
    with pytest.raises(ParseError):
        article_from_summary("https://x.example.com/a", "t", "<p> </p>")


def test_jsonld_article_body_in_html_keeps_its_paragraphs() -> None:
    paragraph = (
        "The delegations of both countries met again on Thursday to finish the text of the "
        "agreement on consular services, which had been under negotiation for two years."
    )
    body = "".join(f"&lt;p&gt;{paragraph} Part {n}.&lt;/p&gt;" for n in range(3))
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
        f'"articleBody": "{body}"}}</script></head><body><p>Loading</p></body></html>'
    )
    article = extract_article(html, "https://news.example.com/consular-deal", now=NOW)
    assert article.method == "json-ld"
    assert article.body_text.split("\n") == [f"{paragraph} Part {n}." for n in range(3)]


def test_an_article_body_holding_the_article_twice_is_read_once() -> None:
    story = " ".join(
        f"The two ministers spoke of point {n} of the consular agreement before the talks "
        "closed in the capital on Thursday evening."
        for n in range(8)
    )
    page_text = "".join(f"<p>{sentence}.</p>" for sentence in story.split(". "))
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
        f'"articleBody": "{story} {story}"}}</script></head>'
        f"<body><article>{page_text}</article></body></html>"
    )
    article = extract_article(html, "https://news.example.com/consular-talks", now=NOW)
    assert article.body_text.count("point 3 of the consular agreement") == 1


def test_date_only_in_the_text_is_found_by_the_htmldate_fallback() -> None:
    paragraph = (
        "<p>The foreign ministers met in the capital on Monday and agreed to resume regular "
        "consultations on trade, energy and border security after a pause.</p>"
    )
    html = (
        "<html><body><article><h1>Talks resume</h1>"
        "<p>Posted on 22 October 2010 by the press office</p>"
        f"{paragraph * 3}</article></body></html>"
    )
    article = extract_article(html, "https://news.example.com/talks", now=NOW)
    assert article.published_at is not None
    assert article.published_at.date().isoformat() == "2010-10-22"
    assert "Posted on" not in article.body_text


@pytest.mark.parametrize(
    "holder",
    [
        '<span class="byline">Published: March 14, 2011</span>',  # found by the fast search
        "<strong>Published: March 14, 2011</strong>",  # needs the extensive one
    ],
)
def test_a_date_outside_the_usual_holders_is_still_found(holder: str) -> None:
    paragraph = (
        "<p>The foreign ministers met in the capital on Monday and agreed to resume regular "
        "consultations on trade, energy and border security after a pause.</p>"
    )
    html = (
        f"<html><body><article><h1>Talks resume</h1>{holder}{paragraph * 3}</article></body></html>"
    )
    article = extract_article(html, "https://news.example.com/talks", now=NOW)
    assert article.published_at is not None
    assert article.published_at.date().isoformat() == "2011-03-14"


def test_an_article_only_in_the_scripts_data_comes_out() -> None:
    """A page rendered in the browser: its markup is empty, its article sits in the state
    its script renders it from (HTML inside a JSON string, escapes and all)."""
    paragraphs = [
        "The two delegations met in the capital for a second day of talks on water rights"
        " along the shared river.",
        "Their joint statement promised a commission on the shared river before the winter"
        " floods begin in earnest.",
        "Farmers downstream have asked for a say in how the quotas are set each season, and"
        " for a seat on it.",
        'Both ministers said the talks had gone "further than any since the treaty", and'
        " that both cabinets agreed.",
    ]
    content = "".join(f"<p>{p}</p>" for p in paragraphs)
    state = json.dumps({"article": {"title": "River talks", "contentHtml": content}})
    html = (
        "<html><head><title>River talks</title>"
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "River talks"}'
        f"</script></head><body><div id='root'></div><script>window.__STATE__ = {state};"
        "</script></body></html>"
    )
    article = extract_article(html, "https://news.example.com/river-talks", now=NOW)
    assert article.body_text.splitlines() == paragraphs
    assert article.method == "embedded-data"
