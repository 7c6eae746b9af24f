"""Full-text search: BM25 over titles and bodies, with area, country and date filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from entente.transforms.errors import ConfigError
from entente.warehouse import fts
from entente.warehouse.fts import bm25_sql
from entente.warehouse.session import load_extension
from entente.warehouse.snapshot import read_connection

# The most stories one search shows: a page of results, not an export.
MAX_LIMIT = 1000


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

    Scores are computed on integers only; identities, titles and links are fetched for the
    best few hundred candidates, widened when copies of the same stories crowd the list.
    `copies` counts the story's articles among those candidates.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ConfigError(f"a search shows 1 to {MAX_LIMIT} stories, not {limit}")
    load_extension(con)
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
    scored = bm25_sql(
        ", ".join(_literal(t) for t in terms), " AND ".join(filters), dated=since is not None
    )
    params: dict[str, object] = {"since": since} if since else {}
    candidates = max(limit * 10, 100)
    while True:
        top = con.execute(
            f"""
            WITH {scored}
            SELECT docid, score FROM scored ORDER BY score DESC, docid LIMIT {candidates}
            """,
            params,
        ).fetchall()
        if not top:
            return []
        # Fetch identities by docid constants: the scan filters one integer column and reads
        # the text columns only where it matched.
        docids = ", ".join(str(int(r[0])) for r in top)
        ident = {
            r[0]: (r[1], r[2])
            for r in con.execute(
                f"SELECT docid, article_id, story_id FROM search_docs WHERE docid IN ({docids})"
            ).fetchall()
        }
        best: dict[str, tuple[float, str]] = {}
        copies: dict[str, int] = {}
        for docid, score in top:
            article_id, story_id = ident[docid]
            copies[story_id] = copies.get(story_id, 0) + 1
            if story_id not in best:
                best[story_id] = (float(score), article_id)
        # A full page of candidates may hide more stories behind the copies: widen.
        if len(best) >= limit or len(top) < candidates:
            break
        candidates *= 10
    chosen = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1]))[:limit]
    wanted = [article_id for _, (_, article_id) in chosen]
    rows = {
        r[0]: r
        for r in con.execute(
            "SELECT article_id, story_id, coalesce(published_at, fetched_at), source, title, url"
            " FROM articles WHERE article_id IN (SELECT unnest($ids))",
            {"ids": wanted},
        ).fetchall()
    }
    hits = []
    for story_id, (score, article_id) in chosen:
        _, _, published_at, source, title, url = rows[article_id]
        hits.append(
            Hit(score, article_id, story_id, published_at, source, title, url, copies[story_id])
        )
    return hits


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
