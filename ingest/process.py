"""Turn archived raw pages into article records: extraction, then the pure transforms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingest import charset
from ingest.extract import article_from_summary, extract_article
from transforms.classify import Taxonomy
from transforms.errors import ParseError
from transforms.pipeline import build_record
from transforms.records import ArticleRecord, FeedEntry, RawDocument


@dataclass(slots=True)
class ProcessedBatch:
    records: list[ArticleRecord] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def decode_html(body: bytes, declared: str | None) -> str:
    """Decode a page body, trusting the bytes (BOM, UTF-8, meta charset) over a header that lies."""
    return charset.decode_html(body, declared)


def _declared_charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def process_documents(
    documents: Sequence[RawDocument],
    raw_keys: Sequence[str | None],
    taxonomy: Taxonomy,
    summaries: Sequence[tuple[str, FeedEntry]] = (),
) -> ProcessedBatch:
    """Extract and derive every document; one bad page is a recorded failure, not an error."""
    batch = ProcessedBatch()
    for doc, key in zip(documents, raw_keys, strict=True):
        html = decode_html(doc.body, _declared_charset(doc.content_type))
        try:
            extracted = extract_article(html, doc.final_url)
        except ParseError as exc:
            entry = doc.entry
            try:
                extracted = article_from_summary(
                    doc.final_url, entry.title if entry else None, entry.summary if entry else None
                )
            except ParseError:
                batch.failures.append((doc.url, str(exc)))
                continue
        batch.records.append(
            build_record(extracted, doc.url, doc.source, doc.fetched_at, key, taxonomy, doc.entry)
        )
    for source, entry in summaries:
        try:
            extracted = article_from_summary(entry.link, entry.title, entry.summary)
        except ParseError as exc:
            batch.failures.append((entry.link, str(exc)))
            continue
        batch.records.append(
            build_record(extracted, entry.link, source, datetime.now(UTC), None, taxonomy, entry)
        )
    return batch
