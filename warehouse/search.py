"""Full-text search: BM25 over titles and bodies, with area, country and date filters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from entente.transforms.errors import ConfigError
from entente.transforms.segment import spaced_words
from entente.transforms.sentences import split_sentences
from entente.transforms.text import escape_controls
from entente.warehouse import fts
from entente.warehouse.db import Warehouse
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
    areas: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    # Why it matched: the body's sentence holding the most query terms, and its words that
    # matched them (as the index sees them: lower case, accents stripped).
    sentence: str | None = None
    matched: tuple[str, ...] = ()


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
            """
            SELECT article_id, coalesce(published_at, fetched_at), source, title, url, body_text,
                   (SELECT list(DISTINCT aa.area ORDER BY aa.area) FROM article_areas aa
                    WHERE aa.article_id = a.article_id),
                   (SELECT list(DISTINCT ac.country ORDER BY ac.country) FROM article_countries ac
                    WHERE ac.article_id = a.article_id AND ac.role = 'party')
            FROM articles a WHERE article_id IN (SELECT unnest($ids))
            """,
            {"ids": wanted},
        ).fetchall()
    }
    why = best_sentences(con, {aid: rows[aid][5] or "" for aid in wanted}, terms)
    hits = []
    for story_id, (score, article_id) in chosen:
        _, published_at, source, title, url, _, areas, parties = rows[article_id]
        sentence, matched = why.get(article_id, (None, ()))
        hits.append(
            Hit(
                score,
                article_id,
                story_id,
                published_at,
                source,
                title,
                url,
                copies[story_id],
                tuple(areas or ()),
                tuple(parties or ()),
                sentence,
                matched,
            )
        )
    return hits


def best_sentences(
    con: duckdb.DuckDBPyConnection, bodies: dict[str, str], terms: list[str]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Per article, the sentence with the most distinct query terms (the first of equals),
    and its words that matched; articles whose body matches nothing are left out."""
    ids, positions, texts = [], [], []
    for article_id, body in bodies.items():
        for position, sentence in enumerate(split_sentences(body)):
            ids.append(article_id)
            positions.append(position)
            texts.append(sentence)
    if not texts or not terms:
        return {}
    stems = ", ".join(f"stem(token, '{stemmer}')" for stemmer in fts.STEMMERS.values())
    # Chinese sentences are tokenized as the index was, with spaces between their words.
    analysed_texts = [spaced_words(t) if fts.has_han(t) else t for t in texts]
    found = con.execute(
        f"""
        WITH s AS (SELECT unnest($ids) AS article_id, unnest($positions) AS position,
                          unnest($texts) AS sentence),
        tokens AS (
            SELECT article_id, position, unnest({fts.TOKENIZE_SQL.format(text="sentence")}) AS token
            FROM s
            UNION
            SELECT article_id, position, unnest({fts.WORDS_SQL.format(text="sentence")}) FROM s
        ),
        analysed AS (
            SELECT article_id, position, token,
                   unnest([token, stem(token, '{fts.STEMMER}'), {stems}]) AS term
            FROM tokens WHERE token <> ''
        ),
        matched AS (
            SELECT DISTINCT article_id, position, token, term FROM analysed
            WHERE term IN (SELECT unnest($terms))
        )
        SELECT article_id, position, list(DISTINCT token ORDER BY token)
        FROM matched GROUP BY ALL
        ORDER BY article_id, count(DISTINCT term) DESC, position
        """,
        {"ids": ids, "positions": positions, "texts": analysed_texts, "terms": terms},
    ).fetchall()
    where = {(a, p): t for a, p, t in zip(ids, positions, texts, strict=True)}
    best: dict[str, tuple[str, tuple[str, ...]]] = {}
    for article_id, position, words in found:
        best.setdefault(article_id, (where[(article_id, position)], tuple(words)))
    return best


# Marks for matched words on a terminal: bold on, bold off.
BOLD, PLAIN = "\x1b[1m", "\x1b[22m"
# Sentences longer than this are cut around their first match on a terminal.
SHOWN_CHARS = 240


def _marked(sentence: str, words: Sequence[str], marks: bool) -> str:
    sentence = escape_controls(" ".join(sentence.split()))
    # Chinese words stand between other characters, not between spaces.
    spaced = "|".join(re.escape(w) for w in words if not fts.has_han(w))
    joined = "|".join(re.escape(w) for w in words if fts.has_han(w))
    alternatives = [f"(?<!\\w)(?:{spaced})(?!\\w)"] if spaced else []
    alternatives += [f"(?:{joined})"] if joined else []
    pattern = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None
    if len(sentence) > SHOWN_CHARS:
        first = pattern.search(sentence) if pattern else None
        start = max(0, (first.start() if first else 0) - SHOWN_CHARS // 4)
        end = start + SHOWN_CHARS
        sentence = (
            ("…" if start else "") + sentence[start:end] + ("…" if end < len(sentence) else "")
        )
    if marks and pattern:
        sentence = pattern.sub(lambda m: f"{BOLD}{m.group()}{PLAIN}", sentence)
    return sentence


def format_hits(hits: Sequence[Hit], query: str, fmt: str = "table", marks: bool = False) -> str:
    """Hits for people (each with its areas, parties and best sentence, matched words in bold
    when `marks`) or as JSON for scripts. Stored text is printed with control characters
    escaped."""
    if fmt == "json":
        return json.dumps(
            [
                {
                    "score": round(h.score, 6),
                    "article_id": h.article_id,
                    "story_id": h.story_id,
                    "published_at": h.published_at.isoformat() if h.published_at else None,
                    "source": h.source,
                    "title": h.title,
                    "url": h.url,
                    "copies": h.copies,
                    "areas": list(h.areas),
                    "parties": list(h.parties),
                    "sentence": h.sentence,
                    "matched": list(h.matched),
                }
                for h in hits
            ],
            indent=2,
        )
    lines = []
    for h in hits:
        when = f"{h.published_at:%Y-%m-%d}" if h.published_at else "----------"
        copies = f"  (+{h.copies - 1} copies)" if h.copies > 1 else ""
        title = escape_controls(" ".join((h.title or "(untitled)").split()))
        lines.append(f"{h.score:6.2f}  {when}  {escape_controls(h.source)}  {title}{copies}")
        labels = f"areas: {', '.join(h.areas) or '-'}  parties: {', '.join(h.parties) or '-'}"
        lines.append(f"        {labels}")
        if h.sentence:
            lines.append(f"        {_marked(h.sentence, h.matched, marks)}")
        lines.append(f"        {escape_controls(h.url)}")
    lines.append(f"{len(hits)} stor{'y' if len(hits) == 1 else 'ies'} match {query!r}")
    return "\n".join(lines)


def search(
    path: Warehouse,
    query: str,
    area: str | None = None,
    country: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
    on_wait: Callable[[str], None] | None = None,
) -> list[Hit]:
    with read_connection(path, on_wait=on_wait) as con:
        return search_connection(con, query, area, country, since, limit)
