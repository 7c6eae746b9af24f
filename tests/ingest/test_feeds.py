from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from entente.ingest.feeds import parse_feed
from entente.transforms.errors import ParseError

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_rss_relative_links_duplicates_missing_links_and_future_dates() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>One</title><link>/a/one.html</link>
    <pubDate>Tue, 07 Apr 2026 10:00:00 +0500</pubDate></item>
    <item><title>One again</title><link>/a/one.html</link></item>
    <item><title>No link</title><description>text only</description></item>
    <item><title>Future</title><link>https://other.example/f</link>
    <pubDate>Sat, 01 Jan 2050 00:00:00 GMT</pubDate></item>
    <item><title>Bad date</title><link>https://other.example/g</link><pubDate>yesterday-ish</pubDate></item>
    </channel></rss>"""
    parsed = parse_feed(feed, "https://news.example/feed.xml", now=NOW)
    links = [e.link for e in parsed.entries]
    assert links == [
        "https://news.example/a/one.html",
        "https://other.example/f",
        "https://other.example/g",
    ]
    assert parsed.skipped == 2
    assert parsed.entries[0].published_at == datetime(2026, 4, 7, 5, 0, tzinfo=UTC)
    assert parsed.entries[1].published_at is None  # in the future
    assert parsed.entries[2].published_at is None  # unparseable


def test_atom_feed() -> None:
    feed = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>A</title><id>urn:a</id><updated>2026-06-01T00:00:00Z</updated>
    <entry><title>E</title><id>urn:e</id><link href="https://x.example/e"/>
    <updated>2026-06-01T10:00:00Z</updated><published>2026-06-01T09:00:00Z</published></entry>
    </feed>"""
    parsed = parse_feed(feed, "https://x.example/atom", now=NOW)
    assert parsed.title == "A"
    (entry,) = parsed.entries
    assert entry.published_at == datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert entry.updated_at == datetime(2026, 6, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!doctype html><html><body><p>Not a feed</p></body></html>", "is an HTML page"),
        (b"\x00\x01\x02 binary junk", "is not a feed"),
        (b"", "is not a feed"),
    ],
)
def test_not_a_feed_is_a_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed(body, "https://x.example/feed")


def test_ill_formed_feed_with_entries_is_flagged_not_lost() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T &nbsp; </title>
    <item><title>A &amp B</title><link>https://x.example/a</link></item></channel></rss>"""
    parsed = parse_feed(feed, "https://x.example/feed")
    assert parsed.bozo
    assert [e.link for e in parsed.entries] == ["https://x.example/a"]


def test_duplicate_guids_under_different_links_count_once() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>A</title><link>https://x.example/a</link><guid>id-1</guid></item>
    <item><title>A, tracking link</title><link>https://x.example/a?utm=1</link><guid>id-1</guid></item>
    <item><title>B</title><link>https://x.example/b</link><guid>id-2</guid></item>
    </channel></rss>"""
    parsed = parse_feed(feed, "https://x.example/feed")
    assert [e.link for e in parsed.entries] == ["https://x.example/a", "https://x.example/b"]
    assert parsed.skipped == 1


def test_json_feed() -> None:
    feed = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "J",
      "items": [{"id": "1", "url": "/posts/1", "title": "One",
                 "date_published": "2026-05-01T10:00:00Z"}]}"""
    parsed = parse_feed(feed, "https://j.example/feed.json", content_type="application/feed+json")
    assert [e.link for e in parsed.entries] == ["https://j.example/posts/1"]


def test_a_charset_header_that_contradicts_the_bytes_is_flagged() -> None:
    feed = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Genève</title><item><title>é</title><link>https://x.example/e</link></item></channel></rss>'.encode()
    plain = parse_feed(feed, "https://x.example/feed", content_type="application/rss+xml")
    lying = parse_feed(feed, "https://x.example/feed", content_type="text/xml; charset=us-ascii")
    assert not plain.bozo and plain.title == "Genève"
    assert lying.bozo and lying.entries  # recorded as ill-formed, entries still kept


def test_the_corpus_json_feed(shared: Path) -> None:
    body = (shared / "eval" / "feedparser-corpus" / "json" / "example.json").read_bytes()
    parsed = parse_feed(body, "https://example.org/feed.json")
    assert parsed.title == "My Example Feed" and len(parsed.entries) == 2 and not parsed.bozo


def test_json_that_is_not_a_json_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not a JSON Feed"):
        parse_feed(b'{"hello": "world"}', "https://x.example/api")


# Issue 20, item 8: whatever the bytes, parse_feed says ParseError or returns; nothing else
# escapes to fail the source without its `fetches` row.
DEEP = 100_000
JSON_HEAD = b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '


@pytest.mark.parametrize(
    "body",
    [
        JSON_HEAD + b"[" * DEEP + b"]" * DEEP + b"}",  # the case: arrays
        JSON_HEAD + b'[{"url": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}]}",  # objects
        JSON_HEAD + b"[" * DEEP,  # deep and truncated
        b"[" * DEEP + b"]" * DEEP,  # JSON without the object around it
    ],
    ids=["arrays", "objects-in-an-item", "truncated", "bare-arrays"],
)
def test_deeply_nested_json_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_feed(body, "https://example.org/feed.json", content_type="application/feed+json")
    assert "\n" not in str(info.value) and "example.org/feed.json" in str(info.value)


def test_deeply_nested_xml_is_parsed_or_refused_never_raised() -> None:
    depth = 20_000
    nested = b"<x>" * depth + b"</x>" * depth
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Talks</title><link>https://example.org/a</link></item>"
        + nested
        + b"</channel></rss>"
    )
    parsed = parse_feed(rss, "https://example.org/feed.xml")
    assert [e.link for e in parsed.entries] == ["https://example.org/a"]
    with pytest.raises(ParseError):
        parse_feed(b"<html>" + b"<div>" * depth, "https://example.org/feed.xml")


@pytest.mark.parametrize("crash", [RecursionError, KeyError, MemoryError, AttributeError])
def test_any_crash_inside_the_parsers_is_a_parse_error(
    crash: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import feedparser

    def boom(*args: object, **kwargs: object) -> None:
        raise crash("deep inside")

    monkeypatch.setattr(feedparser, "parse", boom)
    monkeypatch.setattr(json, "loads", boom)
    for body in (b"<rss version='2.0'><channel/></rss>", JSON_HEAD + b"[]}"):
        with pytest.raises(ParseError) as info:
            parse_feed(body, "https://example.org/feed")
        assert crash.__name__ in str(info.value) and "\n" not in str(info.value)
