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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def search_connection(
    con: duckdb.DuckDBPyConnection,
    query: str,
    area: str | None = None,
    country: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Best match per story, best stories first.

    Scores are computed on integers only; titles and links are fetched for the best few
    hundred candidates, widened when copies of the same stories crowd the list.
    """
    fts.load_extension(con)
    terms = fts.query_terms(con, query)
    if not terms:
        return []
    filters = []
    if area:
        filters.append(fts.label_filter(_literal(fts.AREA_LABEL + area)))
    if country:
        filters.append(fts.label_filter(_literal(fts.COUNTRY_LABEL + country)))
    if since:
        filters.append("d.published_at >= $since")
    # Literal constants, not parameters, so DuckDB prunes row groups by the terms' zone maps.
    scored = bm25_sql(", ".join(_literal(t) for t in terms), " AND ".join(filters))
    candidates = max(limit * 10, 100)
    while True:
        rows = con.execute(
            f"""
            WITH {scored},
            top AS (
                SELECT docid, score, count(*) OVER () AS matches
                FROM scored ORDER BY score DESC, docid LIMIT $candidates
            ),
            best AS (
                SELECT t.score, t.matches, d.article_id, d.story_id
                FROM top t JOIN search_docs d USING (docid)
                QUALIFY row_number() OVER (PARTITION BY d.story_id
                                           ORDER BY t.score DESC, d.article_id) = 1
                ORDER BY t.score DESC, d.article_id
                LIMIT $limit
            )
            SELECT b.score, a.article_id, a.story_id, coalesce(a.published_at, a.fetched_at),
                   a.source, a.title, a.url, coalesce(s.articles, 1), b.matches
            FROM best b JOIN articles a USING (article_id)
            LEFT JOIN story_stats s ON s.story_id = b.story_id
            ORDER BY b.score DESC, a.article_id
            """,
            {"since": since, "limit": limit, "candidates": candidates}
            if since
            else {"limit": limit, "candidates": candidates},
        ).fetchall()
        matches = int(rows[0][-1]) if rows else 0
        if len(rows) >= limit or matches <= candidates:
            return [Hit(*row[:-1]) for row in rows]
        candidates *= 10


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
