"""Control characters from feeds and pages never reach the warehouse (issue 20, item 5)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from entente.ingest.feeds import parse_feed
from entente.transforms.pipeline import build_record
from entente.transforms.records import ExtractedArticle
from entente.transforms.text import strip_controls
from tests.taxonomies import bundled_taxonomy

TAXONOMY = bundled_taxonomy()
AT = datetime(2026, 6, 1, tzinfo=UTC)
URL = "https://news.example/a"
FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
    b"<title>Pakistan, Russia &#x1b;[5mtalk gas&#x1b;[0m</title>"
    b"<link>https://news.example/a</link><description>Gas &#x9b;2J talks.</description>"
    b"</item></channel></rss>"
)


def controls(text: str) -> set[str]:
    return {c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"}


def test_a_feed_title_carries_escape_sequences_in() -> None:
    entry = parse_feed(FEED, URL).entries[0]
    assert entry.title is not None and "\x1b" in entry.title


def test_the_record_keeps_none_of_them() -> None:
    entry = parse_feed(FEED, URL).entries[0]
    extracted = ExtractedArticle(
        url=URL, title=None, body_text="Pakistan and Russia\x1b[5m discuss\x9b2J gas.\r\nMore."
    )
    record = build_record(extracted, URL, "s", AT, None, TAXONOMY, entry)
    assert record.title == "Pakistan, Russia [5mtalk gas[0m"
    assert record.body_text == "Pakistan and Russia[5m discuss2J gas.\nMore."
    for label in record.areas:
        assert not controls(label.evidence)


def test_the_pages_own_title_is_cleaned_too() -> None:
    extracted = ExtractedArticle(url=URL, title="A\x07\x00 title\x7f", body_text="Body.\tText.")
    record = build_record(extracted, URL, "s", AT, None, TAXONOMY)
    assert record.title == "A title"
    assert record.body_text == "Body.\tText."


@given(st.text())
def test_strip_controls_leaves_only_newlines_and_tabs(text: str) -> None:
    clean = strip_controls(text)
    assert not controls(clean)
    assert strip_controls(clean) == clean
    assert [c for c in text if unicodedata.category(c) != "Cc"] == [
        c for c in clean if unicodedata.category(c) != "Cc"
    ]
