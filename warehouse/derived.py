"""Everything derived from the stored articles, kept current by one entry point, `refresh`.

The analyst views (created by migration 4) make the common questions one short query. The
heavy joins are done once per article, in the transaction that loads it, into narrow tables:
one row per article, pair and area (`cooperation_facts`), per story (`story_stats`), and the
counts per month, week and counterpart, recomputed only for the keys a load touched. Every
view then reads a table sized for its question. The search index (`fts`) is the other
derived relation.

    cooperation_evidence   one row per (article, pair of parties, area): the sentences
                           behind every number below, with week and month keys to join on
    cooperation_by_week    stories and articles per pair of parties, area and week
    cooperation_by_month   the same per month
    country_counterparts   per country and area, each counterpart ranked by stories
    story_coverage         each story with its sources, copies, areas and parties

Each carries the languages (ISO 639-1) of the articles behind it: `language` per article in
`cooperation_evidence`, a sorted list `languages` in the others.

A pair is unordered: `country_a` sorts before `country_b`. Periods are UTC calendar weeks
(starting Monday) and months of the publication time, or the fetch time when a page gives
none. Counts of stories count a wire story carried by five outlets once; counts of articles
count each copy.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb

from entente.warehouse import events, fts
from entente.warehouse.bulk import SEP, joined
from entente.warehouse.session import transaction

FACTS_SQL = """
INSERT INTO cooperation_facts
SELECT ar.article_id, ar.story_id, ar.duplicate_of IS NOT NULL,
       coalesce(ar.published_at, ar.fetched_at),
       CAST(date_trunc('week', timezone('UTC', coalesce(ar.published_at, ar.fetched_at)))
            AS DATE),
       CAST(date_trunc('month', timezone('UTC', coalesce(ar.published_at, ar.fetched_at)))
            AS DATE),
       pa.country, pb.country, aa.area, ar.source, aa.score, ar.language
FROM articles ar
JOIN article_countries pa ON pa.article_id = ar.article_id AND pa.role = 'party'
JOIN article_countries pb ON pb.article_id = ar.article_id AND pb.role = 'party'
                         AND pa.country < pb.country
JOIN article_areas aa ON aa.article_id = ar.article_id
WHERE ar.article_id IN (SELECT article_id FROM refresh_ids)
"""

STORIES_SQL = """
INSERT INTO story_stats
WITH per_story AS (
    SELECT story_id,
           arg_min(title, fetched_at) AS title,
           min(coalesce(published_at, fetched_at)) AS first_published_at,
           min(fetched_at) AS first_seen_at,
           max(fetched_at) AS last_seen_at,
           count(DISTINCT source) AS sources,
           count(*) AS articles,
           list(DISTINCT source ORDER BY source) AS source_list,
           arg_min(article_id, fetched_at) AS first_article_id,
           list(DISTINCT language ORDER BY language) FILTER (language IS NOT NULL)
               AS languages
    FROM articles
    WHERE story_id IN (SELECT story_id FROM refresh_stories)
    GROUP BY story_id
)
SELECT s.* EXCLUDE (languages),
       (SELECT list(area ORDER BY area) FROM article_areas aa
        WHERE aa.article_id = s.first_article_id) AS areas,
       (SELECT list(country ORDER BY country) FROM article_countries ac
        WHERE ac.article_id = s.first_article_id AND ac.role = 'party') AS parties,
       s.languages
FROM per_story s
"""


# Recompute the counts for the keys in `touched_keys` (filled from old and new facts).
COUNTS_SQL = """
DELETE FROM cooperation_monthly WHERE (month, country_a, country_b, area) IN
    (SELECT (month, country_a, country_b, area) FROM touched_keys);
INSERT INTO cooperation_monthly
SELECT month, country_a, country_b, area,
       count(DISTINCT story_id), count(*), count(DISTINCT source),
       list(DISTINCT language ORDER BY language) FILTER (language IS NOT NULL)
FROM cooperation_facts SEMI JOIN (SELECT DISTINCT month, country_a, country_b, area
                                  FROM touched_keys) USING (month, country_a, country_b, area)
GROUP BY ALL;
DELETE FROM cooperation_weekly WHERE (week, country_a, country_b, area) IN
    (SELECT (week, country_a, country_b, area) FROM touched_keys);
INSERT INTO cooperation_weekly
SELECT week, country_a, country_b, area,
       count(DISTINCT story_id), count(*), count(DISTINCT source),
       list(DISTINCT language ORDER BY language) FILTER (language IS NOT NULL)
FROM cooperation_facts SEMI JOIN (SELECT DISTINCT week, country_a, country_b, area
                                  FROM touched_keys) USING (week, country_a, country_b, area)
GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE touched_pairs AS
SELECT DISTINCT country_a AS country, country_b AS counterpart, area FROM touched_keys
UNION SELECT DISTINCT country_b, country_a, area FROM touched_keys;
DELETE FROM counterpart_totals WHERE (country, counterpart, area) IN
    (SELECT (country, counterpart, area) FROM touched_pairs);
INSERT INTO counterpart_totals
WITH directed AS (
    SELECT country_a AS country, country_b AS counterpart, area, story_id, published_at,
           language
    FROM cooperation_facts
    UNION ALL
    SELECT country_b, country_a, area, story_id, published_at, language FROM cooperation_facts
)
SELECT country, area, counterpart, count(DISTINCT story_id), count(*), max(published_at),
       list(DISTINCT language ORDER BY language) FILTER (language IS NOT NULL)
FROM directed SEMI JOIN touched_pairs USING (country, counterpart, area)
GROUP BY ALL;
DROP TABLE touched_pairs;
"""


def refresh(con: duckdb.DuckDBPyConnection, article_ids: Collection[str]) -> int:
    """Bring every derived relation up to date for exactly these articles, new, revised or
    re-derived alike; return how many of them are stored.

    Runs in the caller's transaction when it has one, so that a load and what derives from
    it commit together; then compacts the search index if due (never inside a transaction).
    """
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return 0
    with transaction(con):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE refresh_ids AS SELECT article_id FROM articles"
            f" SEMI JOIN (SELECT unnest(string_split(?, '{SEP}')) AS article_id)"
            " USING (article_id)",
            [joined(ids)],
        )
        row = con.execute("SELECT count(*) FROM refresh_ids").fetchone()
        stored = int(row[0]) if row else 0
        con.execute(
            "CREATE OR REPLACE TEMP TABLE refresh_stories AS SELECT DISTINCT story_id"
            " FROM articles WHERE article_id IN (SELECT article_id FROM refresh_ids)"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE touched_keys AS"
            " SELECT month, week, country_a, country_b, area FROM cooperation_facts"
            " WHERE article_id IN (SELECT article_id FROM refresh_ids)"
        )
        con.execute(
            "DELETE FROM cooperation_facts WHERE article_id IN (SELECT article_id FROM refresh_ids)"
        )
        con.execute(FACTS_SQL)
        con.execute(
            "INSERT INTO touched_keys"
            " SELECT month, week, country_a, country_b, area FROM cooperation_facts"
            " WHERE article_id IN (SELECT article_id FROM refresh_ids)"
        )
        con.execute(COUNTS_SQL)
        con.execute(
            "DELETE FROM story_stats WHERE story_id IN (SELECT story_id FROM refresh_stories)"
        )
        con.execute(STORIES_SQL)
        for table in ("touched_keys", "refresh_stories", "refresh_ids"):
            con.execute(f"DROP TABLE {table}")
        fts.index_articles(con, ids)
        events.refresh(con, ids)
    fts.compact_if_due(con)
    return stored


def rebuild(con: duckdb.DuckDBPyConnection) -> int:
    """Refresh every stored article: after a migration that adds a derived relation."""
    ids = [row[0] for row in con.execute("SELECT article_id FROM articles").fetchall()]
    return refresh(con, ids)
