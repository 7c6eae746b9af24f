"""The records that travel between packages: frozen, slotted, plain data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entente.transforms.dedup import Fingerprint
    from entente.transforms.events import EventCues


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, as the feed describes it."""

    link: str
    title: str | None
    summary: str | None
    published_at: datetime | None
    updated_at: datetime | None
    guid: str | None


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """What extraction got out of one article page."""

    url: str
    title: str | None
    body_text: str
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    language_confidence: float | None = None
    canonical_url: str | None = None
    authors: tuple[str, ...] = ()
    site_name: str | None = None
    image: str | None = None
    truncated: bool = False
    method: str = "trafilatura"


@dataclass(frozen=True, slots=True)
class AreaLabel:
    """A cooperation area found in an article, with the sentences that justify it."""

    area: str
    score: float
    evidence: str


@dataclass(frozen=True, slots=True)
class CountryMention:
    """A country an article names, and whether it is a party to the talks."""

    country: str
    mentions: int
    role: str  # "party" or "mentioned"


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One article, ready to load: everything derived from one fetched page."""

    article_id: str
    url: str
    source: str
    title: str | None
    published_at: datetime | None
    language: str | None
    body_text: str
    word_count: int
    content_hash: str
    raw_sha256: str | None
    fetched_at: datetime
    pipeline_version: str
    classifier_version: str
    areas: tuple[AreaLabel, ...] = field(default_factory=tuple)
    countries: tuple[CountryMention, ...] = field(default_factory=tuple)
    organisations: tuple[tuple[str, int], ...] = ()  # (organisation, mentions)
    extraction_method: str = "trafilatura"
    truncated: bool = False
    # What dedup needs of body_text, computed where the record is built (in a worker
    # process, beside extraction) rather than in the single process that loads.
    fingerprint: Fingerprint | None = field(default=None, compare=False, repr=False)
    # What event grouping reads in the text, computed beside extraction too, where the page's
    # publication time still has its own time zone ("yesterday" is the local yesterday).
    event_cues: EventCues | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One attempt to fetch one URL, whatever came of it: a row of `fetches`."""

    url: str
    source: str
    kind: str  # "feed" or "article"
    status: int | None
    outcome: str  # "ok", "not_modified", "http_error", "connect_error", "timeout", ...
    error: str | None
    fetched_at: datetime
    bytes: int = 0
    elapsed_ms: int = 0


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A fetched page body, archived before anything is derived from it."""

    url: str
    final_url: str
    source: str
    fetched_at: datetime
    content_type: str | None
    body: bytes
    entry: FeedEntry | None = None
    # The page's archive key, SHA-256 of `body`: computed once, where the page is fetched.
    raw_sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "raw_sha256", hashlib.sha256(self.body).hexdigest())


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """The process that runs a run: enough to tell, later and on the same host, whether it
    is still running (a pid alone may have been given to another process since)."""

    host: str
    pid: int
    started_at: datetime | None  # when the process started; None where the system won't say
