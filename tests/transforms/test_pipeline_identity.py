from __future__ import annotations

from datetime import UTC, datetime

from entente.transforms.pipeline import build_record
from entente.transforms.records import ExtractedArticle
from entente.transforms.urls import article_id
from tests.taxonomies import bundled_taxonomy

TAXONOMY = bundled_taxonomy()
AT = datetime(2026, 6, 1, tzinfo=UTC)
FEED_LINK = "https://www.example.org/?p=4411&utm_source=rss"
PAGE = "https://www.example.org/?p=4411"


def record_for(canonical: str | None) -> tuple[str, str]:
    extracted = ExtractedArticle(url=PAGE, title="T", body_text="Talks.", canonical_url=canonical)
    r = build_record(extracted, FEED_LINK, "s", AT, None, TAXONOMY)
    return r.article_id, r.url


def test_a_same_site_rel_canonical_names_the_article() -> None:
    got = record_for("https://example.org/2026/06/pakistan-russia-talks/")
    assert got == (
        article_id("https://example.org/2026/06/pakistan-russia-talks"),
        "https://example.org/2026/06/pakistan-russia-talks",
    )


def test_an_untrusted_rel_canonical_leaves_the_link_as_identity() -> None:
    expected = (article_id(FEED_LINK), "https://example.org/?p=4411")
    assert record_for(None) == expected
    assert record_for("https://wire.example.com/2026/06/original") == expected  # partner site
    assert record_for("https://example.org/") == expected  # home page
