"""Feed parsing with feedparser, on bytes already fetched: no network here."""

from __future__ import annotations

import calendar
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from entente.transforms.errors import ParseError, first_line
from entente.transforms.records import FeedEntry

# feedparser resolves relative URIs and sanitises HTML itself; it must never fetch anything,
# so it is only ever given bytes, never a URL.


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    entries: tuple[FeedEntry, ...]
    bozo: bool
    bozo_reason: str | None
    skipped: int  # entries without a usable link


def _to_datetime(parsed: Any, now: datetime) -> datetime | None:
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        value = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    # A date in the future is a feed's mistake, not news from tomorrow.
    return None if value > now else value


JSON_FEED_VERSION = "https://jsonfeed.org/version/"


def _json_date(value: Any, now: datetime) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return None if parsed > now else parsed.astimezone(UTC)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def parse_json_feed(body: bytes, base_url: str, now: datetime | None = None) -> ParsedFeed:
    """JSON Feed 1.x (feedparser reads only XML); raise ParseError when it is not one."""
    now = now or datetime.now(UTC)
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"{base_url} is not a JSON feed: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        raise ParseError(f"{base_url} is JSON but not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise ParseError(f"{base_url} is a JSON Feed without an items list")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    skipped = 0
    for item in items:
        if not isinstance(item, dict):
            skipped += 1
            continue
        link = _text(item.get("url")) or _text(item.get("external_url"))
        guid = _text(item.get("id")) or (str(item["id"]) if "id" in item else None)
        if not link:
            skipped += 1
            continue
        link = urljoin(base_url, link.strip())
        if not link.startswith(("http://", "https://")) or link in seen or (guid and guid in seen):
            skipped += 1
            continue
        seen.add(link)
        if guid:
            seen.add(guid)
        entries.append(
            FeedEntry(
                link=link,
                title=_text(item.get("title")),
                summary=_text(item.get("summary"))
                or _text(item.get("content_text"))
                or _text(item.get("content_html")),
                published_at=_json_date(item.get("date_published"), now),
                updated_at=_json_date(item.get("date_modified"), now),
                guid=guid,
            )
        )
    return ParsedFeed(_text(data.get("title")), tuple(entries), False, None, skipped)


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_feed(
    body: bytes, base_url: str, now: datetime | None = None, content_type: str | None = None
) -> ParsedFeed:
    """Parse RSS, Atom, RDF or JSON Feed bytes; raise ParseError when they are not a feed at all.

    `content_type` is the response's header: feedparser weighs its charset against the XML
    declaration and flags a contradiction as ill-formed.

    Nothing but ParseError leaves: a hostile document that crashes a parser (a JSON Feed
    nested 100,000 arrays deep raises RecursionError) fails its feed with a reason to log.
    """
    try:
        return _parse_feed(body, base_url, now or datetime.now(UTC), content_type)
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(
            f"{base_url}: feed parser failed: {type(exc).__name__}: {first_line(exc)}"
        ) from None


def _parse_feed(body: bytes, base_url: str, now: datetime, content_type: str | None) -> ParsedFeed:
    if _looks_like_json(body, content_type):
        return parse_json_feed(body, base_url, now)
    # Before feedparser, whose lenient parser takes time quadratic in the nesting of an HTML
    # page (a feed URL that now serves the site's home page, or a hostile one).
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise ParseError(f"{base_url} is an HTML page, not a feed")
    # Without a Content-Type feedparser flags any HTTP answer as ill-formed; the neutral XML
    # type lets the document's own encoding declaration decide, as for a file.
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers)
    version = parsed.get("version") or ""
    reason = str(parsed.get("bozo_exception", "")) or None if parsed.get("bozo") else None
    if not parsed.entries and not version and not parsed.get("feed"):
        raise ParseError(f"{base_url} is not a feed" + (f" ({reason})" if reason else ""))
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    guids: set[str] = set()
    skipped = 0
    for item in parsed.entries:
        guid = str(item.get("id") or "").strip()
        if guid and guid in guids:  # the same item listed twice, maybe under another link
            skipped += 1
            continue
        link = item.get("link") or ""
        if not link:
            guid = item.get("id") or ""
            link = guid if guid.startswith(("http://", "https://")) else ""
        if not link:
            skipped += 1
            continue
        link = urljoin(base_url, str(link).strip())
        if not link.startswith(("http://", "https://")) or link in seen:
            skipped += 1
            continue
        seen.add(link)
        if guid:
            guids.add(guid)
        entries.append(
            FeedEntry(
                link=link,
                title=item.get("title"),
                summary=item.get("summary"),
                published_at=_to_datetime(item.get("published_parsed"), now),
                updated_at=_to_datetime(item.get("updated_parsed"), now),
                guid=item.get("id"),
            )
        )
    feed_title = parsed.feed.get("title") if parsed.get("feed") else None
    return ParsedFeed(
        title=feed_title,
        entries=tuple(entries),
        bozo=bool(parsed.get("bozo")),
        bozo_reason=reason,
        skipped=skipped,
    )
