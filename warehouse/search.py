"""Full-text search: BM25 over titles and bodies, with area, country and date filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse import fts
from warehouse.fts import bm25_sql
from warehouse.snapshot import read_connection


@dataclass(frozen=True, slots=True)
class Hit:
    score: float
    article_id: str
    story_id: str
    published_at: datetime | None
    source: str
    title: str | None
    url: str
    copies: int


def _quoted(terms: list[str]) -> str:
    # Literal constants, not parameters, so DuckDB prunes row groups by the terms' zone maps.
    return ", ".join("'" + t.replace("'", "''") + "'" for t in terms)


def search_connection(
    con: duckdb.DuckDBPyConnection,
    query: str,
    area: str | None = None,
    country: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Best match per story, best stories first."""
    fts.load_extension(con)
    terms = fts.query_terms(con, query)
    if not terms:
        return []
    rows = con.execute(
        f"""
        WITH {bm25_sql(_quoted(terms))},
        best AS (
            SELECT story_id, arg_max(article_id, score) AS article_id, max(score) AS score,
                   count(*) AS copies
            FROM scored
            WHERE ($since::TIMESTAMPTZ IS NULL OR published_at >= $since)
              AND ($area::TEXT IS NULL OR article_id IN
                      (SELECT article_id FROM article_areas WHERE area = $area))
              AND ($country::TEXT IS NULL OR article_id IN
                      (SELECT article_id FROM article_countries WHERE country = $country))
            GROUP BY story_id
            ORDER BY score DESC, article_id
            LIMIT $limit
        )
        SELECT b.score, a.article_id, a.story_id, coalesce(a.published_at, a.fetched_at),
               a.source, a.title, a.url, b.copies
        FROM best b JOIN articles a USING (article_id)
        ORDER BY b.score DESC, a.article_id
        """,
        {"area": area, "country": country, "since": since, "limit": limit},
    ).fetchall()
    return [Hit(*row) for row in rows]


def search(
    path: Path,
    query: str,
    area: str | None = None,
    country: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
    on_wait: Callable[[str], None] | None = None,
) -> list[Hit]:
    with read_connection(path, on_wait=on_wait) as con:
        return search_connection(con, query, area, country, since, limit)
