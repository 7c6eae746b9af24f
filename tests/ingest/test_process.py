"""extract_document: the one way a run extracts a fetched page."""

from __future__ import annotations

from datetime import UTC, datetime

from entente.ingest.process import extract_document
from entente.transforms.records import RawDocument

PARAGRAPH = (
    "<p>The two delegations met in the capital for a second day of talks on water rights, "
    "and their statement promised a joint commission before the end of the season.</p>"
)


def document(body: str, fetched_at: datetime, content_type: str = "text/html") -> RawDocument:
    return RawDocument(
        url="https://news.example.org/a",
        final_url="https://news.example.org/a",
        source="example",
        fetched_at=fetched_at,
        content_type=content_type,
        body=body.encode(),
    )


def test_dates_are_judged_against_the_fetch_not_the_extraction() -> None:
    html = (
        '<html><head><meta property="article:published_time" content="2024-03-12T09:30:00Z">'
        f"</head><body><article><h1>Talks</h1>{PARAGRAPH * 4}</article></body></html>"
    )
    # reprocessed long after its fetch, a page is never dated after that fetch
    fetched = datetime(2024, 3, 1, tzinfo=UTC)
    early = extract_document(document(html, fetched))
    assert early.published_at is None or early.published_at <= fetched
    later = extract_document(document(html, datetime(2024, 3, 13, tzinfo=UTC)))
    assert later.published_at == datetime(2024, 3, 12, 9, 30, tzinfo=UTC)
