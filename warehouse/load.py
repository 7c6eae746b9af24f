"""Idempotent loads: loading the same input twice adds nothing."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from transforms.dedup import assign_stories
from transforms.records import ArticleRecord, FetchRecord, RawDocument
from warehouse.db import transaction

COMPRESSION = "zlib"


def raw_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def archive_raw(con: duckdb.DuckDBPyConnection, docs: Sequence[RawDocument]) -> list[str]:
    """Store raw bodies compressed, keyed by their SHA-256; return the keys in order."""
    keys = [raw_sha256(doc.body) for doc in docs]
    rows = [
        (
            key,
            doc.url,
            doc.final_url,
            doc.source,
            doc.content_type,
            doc.fetched_at,
            len(doc.body),
            COMPRESSION,
            zlib.compress(doc.body, 6),
            doc.entry.title if doc.entry else None,
            doc.entry.summary if doc.entry else None,
            doc.entry.published_at if doc.entry else None,
        )
        for key, doc in zip(keys, docs, strict=True)
    ]
    if rows:
        with transaction(con):
            con.executemany(
                "INSERT INTO raw_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO NOTHING",
                rows,
            )
    return keys


def read_raw(con: duckdb.DuckDBPyConnection, sha256: str) -> bytes:
    row = con.execute(
        "SELECT compression, body FROM raw_documents WHERE sha256 = ?", [sha256]
    ).fetchone()
    if row is None:
        raise KeyError(sha256)
    compression, body = row
    return zlib.decompress(body) if compression == COMPRESSION else bytes(body)


def record_fetches(
    con: duckdb.DuckDBPyConnection, run_id: str, records: Iterable[FetchRecord]
) -> None:
    rows = [
        (
            run_id,
            r.url,
            r.source,
            r.kind,
            r.status,
            r.outcome,
            r.error,
            r.bytes,
            r.elapsed_ms,
            r.fetched_at,
        )
        for r in records
    ]
    if rows:
        with transaction(con):
            con.executemany("INSERT INTO fetches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def existing_article_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    rows = con.execute(
        "SELECT article_id FROM articles WHERE list_contains(?, article_id)", [wanted]
    ).fetchall()
    return {row[0] for row in rows}


@dataclass(frozen=True, slots=True)
class LoadResult:
    new: int
    duplicates: int
    area_counts: dict[str, int]


def load_articles(con: duckdb.DuckDBPyConnection, records: Sequence[ArticleRecord]) -> LoadResult:
    """Insert articles not yet stored, linking copies of an already stored text to its story."""
    by_id: dict[str, ArticleRecord] = {}
    for record in records:
        by_id.setdefault(record.article_id, record)
    with transaction(con):
        present = existing_article_ids(con, by_id)
        fresh = sorted(
            (r for r in by_id.values() if r.article_id not in present),
            key=lambda r: (r.published_at or r.fetched_at, r.fetched_at, r.article_id),
        )
        if not fresh:
            return LoadResult(0, 0, {})
        hashes = list({r.content_hash for r in fresh})
        known = {
            digest: (first, story)
            for digest, first, story in con.execute(
                "SELECT content_hash, arg_min(article_id, fetched_at),"
                " arg_min(story_id, fetched_at) FROM articles"
                " WHERE list_contains(?, content_hash) AND duplicate_of IS NULL"
                " GROUP BY content_hash",
                [hashes],
            ).fetchall()
        }
        assignments = assign_stories(((r.article_id, r.content_hash) for r in fresh), known)
        con.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.article_id,
                    r.url,
                    r.source,
                    r.title,
                    r.published_at,
                    r.language,
                    r.body_text,
                    r.word_count,
                    a.story_id,
                    a.duplicate_of,
                    r.fetched_at,
                    r.pipeline_version,
                    r.content_hash,
                    r.raw_sha256,
                    r.classifier_version,
                    r.extraction_method,
                    r.truncated,
                )
                for r, a in zip(fresh, assignments, strict=True)
            ],
        )
        area_rows = [
            (r.article_id, label.area, label.score, label.evidence, r.classifier_version)
            for r in fresh
            for label in r.areas
        ]
        if area_rows:
            con.executemany("INSERT INTO article_areas VALUES (?, ?, ?, ?, ?)", area_rows)
        country_rows = [
            (r.article_id, c.country, c.mentions, c.role) for r in fresh for c in r.countries
        ]
        if country_rows:
            con.executemany("INSERT INTO article_countries VALUES (?, ?, ?, ?)", country_rows)
    area_counts: dict[str, int] = {}
    for r in fresh:
        for label in r.areas:
            area_counts[label.area] = area_counts.get(label.area, 0) + 1
    duplicates = sum(1 for a in assignments if a.duplicate_of is not None)
    return LoadResult(len(fresh), duplicates, area_counts)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, started_at: datetime) -> None:
    con.execute(
        "INSERT INTO runs (run_id, flow, started_at, status) VALUES (?, ?, ?, 'running') "
        "ON CONFLICT (run_id) DO NOTHING",
        [run_id, flow, started_at],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    finished_at: datetime,
    status: str,
    counts: dict[str, int],
    area_counts: dict[str, int],
) -> None:
    con.execute(
        """
        UPDATE runs SET finished_at = ?, status = ?, sources_ok = ?, sources_failed = ?,
            fetched = ?, fetch_failures = ?, articles_new = ?, duplicates = ?,
            extraction_failures = ?, area_counts = ?
        WHERE run_id = ?
        """,
        [
            finished_at,
            status,
            counts.get("sources_ok", 0),
            counts.get("sources_failed", 0),
            counts.get("fetched", 0),
            counts.get("fetch_failures", 0),
            counts.get("articles_new", 0),
            counts.get("duplicates", 0),
            counts.get("extraction_failures", 0),
            json.dumps(area_counts, sort_keys=True),
            run_id,
        ],
    )


@dataclass(frozen=True, slots=True)
class StoredPage:
    """An article's archived page, enough to derive the article again without fetching."""

    article_id: str
    url: str
    final_url: str
    source: str
    fetched_at: datetime
    raw_sha256: str | None
    feed_title: str | None
    feed_summary: str | None
    feed_published_at: datetime | None


def stored_pages(
    con: duckdb.DuckDBPyConnection, since: datetime | None = None, until: datetime | None = None
) -> list[StoredPage]:
    rows = con.execute(
        """
        SELECT a.article_id, a.url, coalesce(r.final_url, a.url), a.source, a.fetched_at,
               a.raw_sha256, r.feed_title, r.feed_summary, r.feed_published_at
        FROM articles a LEFT JOIN raw_documents r ON r.sha256 = a.raw_sha256
        WHERE (?::TIMESTAMPTZ IS NULL OR a.fetched_at >= ?)
          AND (?::TIMESTAMPTZ IS NULL OR a.fetched_at < ?)
        ORDER BY a.fetched_at, a.article_id
        """,
        [since, since, until, until],
    ).fetchall()
    return [StoredPage(*row) for row in rows]


def replace_derived(con: duckdb.DuckDBPyConnection, records: Sequence[ArticleRecord]) -> int:
    """Overwrite what is derived from each article's text, keeping its identity and story."""
    if not records:
        return 0
    ids = [r.article_id for r in records]
    with transaction(con):
        con.executemany(
            """
            UPDATE articles SET title = ?, published_at = ?, language = ?, body_text = ?,
                word_count = ?, pipeline_version = ?, classifier_version = ?,
                extraction_method = ?, truncated = ?
            WHERE article_id = ?
            """,
            [
                (
                    r.title,
                    r.published_at,
                    r.language,
                    r.body_text,
                    r.word_count,
                    r.pipeline_version,
                    r.classifier_version,
                    r.extraction_method,
                    r.truncated,
                    r.article_id,
                )
                for r in records
            ],
        )
        con.execute("DELETE FROM article_areas WHERE list_contains(?, article_id)", [ids])
        con.execute("DELETE FROM article_countries WHERE list_contains(?, article_id)", [ids])
        area_rows = [
            (r.article_id, label.area, label.score, label.evidence, r.classifier_version)
            for r in records
            for label in r.areas
        ]
        if area_rows:
            con.executemany("INSERT INTO article_areas VALUES (?, ?, ?, ?, ?)", area_rows)
        country_rows = [
            (r.article_id, c.country, c.mentions, c.role) for r in records for c in r.countries
        ]
        if country_rows:
            con.executemany("INSERT INTO article_countries VALUES (?, ?, ?, ?)", country_rows)
    return len(records)
