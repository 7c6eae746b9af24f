"""Metadata helpers on small page snippets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml.html import document_fromstring

from entente.ingest.jsonld import article_object, read_jsonld
from entente.ingest.metadata import (
    PageMetadata,
    choose_title,
    consistent_url,
    read_metadata,
    strip_site_name,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)
URL = "https://www.gazette.co.uk/world/2024/story-slug"


def metadata(head: str, body: str = "<p>x</p>", url: str = URL) -> PageMetadata:
    tree = document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    objects = read_jsonld(tree)
    return read_metadata(tree, url, objects, article_object(objects), NOW)


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Accord signed | The Gazette", "The Gazette", "Accord signed"),
        ("Accord signed - Gazette", "The Gazette", "Accord signed"),
        ("The Gazette | Accord signed", "The Gazette", "Accord signed"),
        (
            "Accord signed on river water sharing | World | Gazette",
            None,
            "Accord signed on river water sharing",
        ),
        ("Ministers: the accord is signed", "The Gazette", "Ministers: the accord is signed"),
    ],
)
def test_strip_site_name(title: str, site: str | None, expected: str) -> None:
    assert strip_site_name(title, site) == expected


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("https://gazette.co.uk/world/story", "https://gazette.co.uk/world/story"),
        ("/world/story", "https://www.gazette.co.uk/world/story"),
        ("https://amp.gazette.co.uk/story", "https://amp.gazette.co.uk/story"),
        ("https://gazette.other.co.uk/world/story", None),  # another registered domain
        ("https://www.gazette.co.uk/", None),  # the home page, for an article
        ("javascript:void(0)", None),
        ("", None),
    ],
)
def test_canonical_must_fit_the_page(candidate: str, expected: str | None) -> None:
    assert consistent_url(candidate, URL) == expected


def test_entities_in_meta_values_are_decoded() -> None:
    meta = metadata('<meta property="og:title" content="Kepa&#8217;s &amp;#163;71m move">')
    assert meta.title == "Kepa’s £71m move"


def test_a_cut_jsonld_headline_gives_way_to_the_whole_title() -> None:
    meta = metadata(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
        '"Ministers agree to share the river’s water during…"}</script>'
        '<meta property="og:title" content="Ministers agree to share the river’s water during '
        'dry summers">'
    )
    assert meta.title == "Ministers agree to share the river’s water during dry summers"


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        ('<meta name="author" content="By Ann Lee and Bob Ray">', "", ("Ann Lee", "Bob Ray")),
        ('<meta name="author" content="Lee, Ann">', "", ("Lee, Ann",)),
        ('<meta name="author" content="Ann Lee, Bob Ray">', "", ("Ann Lee", "Bob Ray")),
        ('<meta name="author" content="https://facebook.com/annlee">', "", ()),
        ("", '<a rel="author" href="/a">Maria da Silva</a>', ("Maria da Silva",)),
        ("", '<p class="byline">By Ann Lee | 3 hours ago</p>', ("Ann Lee",)),
        (
            '<script type="application/ld+json">{"@type": "Article", "author": '
            '[{"name": "Ann Lee"}, {"name": "he covers trade and energy"}]}</script>',
            "",
            ("Ann Lee",),
        ),
        (
            '<meta property="og:site_name" content="Gazette">'
            '<meta name="author" content="Gazette">',
            "",
            (),
        ),
    ],
)
def test_authors(head: str, body: str, expected: tuple[str, ...]) -> None:
    assert metadata(head, body or "<p>x</p>").authors == expected


def test_site_name_and_image_fallbacks() -> None:
    meta = metadata(
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"publisher": {"@type": "Organization", "name": "Gazette Media"}, '
        '"image": ["/img/a.jpg", "/img/b.jpg"]}</script>'
    )
    assert meta.site_name == "Gazette Media"
    assert meta.image == "https://www.gazette.co.uk/img/a.jpg"


def test_updated_equal_to_published_is_no_update() -> None:
    meta = metadata(
        '<meta property="article:published_time" content="2024-03-12T09:30:00+02:00">'
        '<meta property="article:modified_time" content="2024-03-12T07:30:00Z">'
    )
    assert meta.published_at == datetime(2024, 3, 12, 7, 30, tzinfo=UTC)
    assert meta.updated_at is None


def test_time_elements_marked_published_and_updated() -> None:
    meta = metadata(
        "",
        '<time class="published" datetime="2024-03-12T09:30:00+01:00">12 March</time>'
        '<time class="updated" datetime="2024-03-13T10:00:00+01:00">13 March</time>',
    )
    assert meta.published_at == datetime(2024, 3, 12, 8, 30, tzinfo=UTC)
    assert meta.updated_at == datetime(2024, 3, 13, 9, 0, tzinfo=UTC)


def test_a_bare_day_gives_way_to_a_full_timestamp_of_that_day() -> None:
    meta = metadata(
        '<meta name="pubdate" content="2024-03-12">'
        '<meta name="sailthru.date" content="2024-03-12T09:30:00-05:00">'
    )
    assert meta.published_at == datetime(2024, 3, 12, 14, 30, tzinfo=UTC)


def test_date_published_in_any_jsonld_object() -> None:
    meta = metadata(
        '<script type="application/ld+json">[{"@type": "NewsArticle", "headline": "x"},'
        '{"@type": "WebPage", "datePublished": "2024-03-12T09:30:00Z"}]</script>'
    )
    assert meta.published_at == datetime(2024, 3, 12, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("titles", "site", "expected"),
    [
        # the sources agree once site and section are cut off
        (
            ["Ministers sign accord - News", "Ministers sign accord", "Ministers sign accord"],
            "Gazette",
            "Ministers sign accord",
        ),
        # a tail after a separator that another source leaves off is not the headline's
        (
            ["Ministers sign accord | Business Daily", "Ministers sign accord"],
            None,
            "Ministers sign accord",
        ),
        (["Accord signed-Politicsㅣ한국일보"], "한국일보", "Accord signed-Politics"),
        # a headline cut short gives way to the whole one
        (
            ["Ministers sign the river...", "Ministers sign the river water accord"],
            None,
            "Ministers sign the river water accord",
        ),
        # no agreement: the most trusted source (JSON-LD, then Open Graph, ...)
        (["Accord signed", "Ministers meet", "Talks end"], None, "Accord signed"),
        ([], None, None),
    ],
)
def test_choose_title(titles: list[str], site: str | None, expected: str | None) -> None:
    assert choose_title(titles, site) == expected


def test_a_jsonld_headline_is_the_title_even_when_other_sources_agree_on_another() -> None:
    meta = metadata(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
        '"Water accord signed - Gazette"}</script>'
        '<meta property="og:title" content="Neighbours share the river">'
        '<meta name="twitter:title" content="Neighbours share the river">'
        '<meta property="og:site_name" content="Gazette">'
        "<title>Neighbours share the river</title>",
    )
    assert meta.title == "Water accord signed"  # the site's name cut off


def test_control_characters_never_reach_a_title() -> None:
    assert metadata("<title>Border &#x1b;[5mtalks\x9b resume</title>").title == (
        "Border [5mtalks resume"
    )
