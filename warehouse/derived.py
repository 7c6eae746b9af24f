"""Views that make the common questions one short query (created by migration 4).

The heavy joins are done once per article, after each load, into narrow tables: one row per
article, pair and area (`cooperation_facts`), per story (`story_stats`), and the counts per
month, week and counterpart, recomputed only for the keys a load touched. Every view then
reads a table sized for its question.

    cooperation_evidence   one row per (article, pair of parties, area): the sentences
                           behind every number below, with week and month keys to join on
    cooperation_by_week    stories and articles per pair of parties, area and week
    cooperation_by_month   the same per month
    country_counterparts   per country and area, each counterpart ranked by stories
    story_coverage         each story with its sources, copies, areas and parties

A pair is unordered: `country_a` sorts before `country_b`. Periods are UTC calendar weeks
(starting Monday) and months of the publication time, or the fetch time when a page gives
none. Counts of stories count a wire story carried by five outlets once; counts of articles
count each copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

TABLES_SQL = """
CREATE TABLE IF NOT EXISTS cooperation_facts (
    article_id TEXT NOT NULL,
    story_id TEXT NOT NULL,
    is_copy BOOLEAN NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    week DATE NOT NULL,
    month DATE NOT NULL,
    country_a TEXT NOT NULL,
    country_b TEXT NOT NULL,
    area TEXT NOT NULL,
    source TEXT NOT NULL,
    score DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS story_stats (
    story_id TEXT NOT NULL,
    title TEXT,
    first_published_at TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    sources BIGINT,
    articles BIGINT,
    source_list TEXT[],
    first_article_id TEXT,
    areas TEXT[],
    parties TEXT[]
);
CREATE TABLE IF NOT EXISTS cooperation_monthly (
    month DATE, country_a TEXT, country_b TEXT, area TEXT,
    stories BIGINT, articles BIGINT, sources BIGINT
);
CREATE TABLE IF NOT EXISTS cooperation_weekly (
    week DATE, country_a TEXT, country_b TEXT, area TEXT,
    stories BIGINT, articles BIGINT, sources BIGINT
);
CREATE TABLE IF NOT EXISTS counterpart_totals (
    country TEXT, area TEXT, counterpart TEXT,
    stories BIGINT, articles BIGINT, last_seen_at TIMESTAMPTZ
);
"""

VIEWS_SQL = """
CREATE OR REPLACE VIEW cooperation_evidence AS
SELECT f.week, f.month, f.country_a, f.country_b, f.area, f.article_id, f.story_id, f.is_copy,
       f.published_at, f.source, ar.title, ar.url, f.score, aa.evidence
FROM cooperation_facts f
JOIN articles ar ON ar.article_id = f.article_id
JOIN article_areas aa ON aa.article_id = f.article_id AND aa.area = f.area;

CREATE OR REPLACE VIEW cooperation_by_week AS
SELECT week, country_a, country_b, area, stories, articles, sources FROM cooperation_weekly;

CREATE OR REPLACE VIEW cooperation_by_month AS
SELECT month, country_a, country_b, area, stories, articles, sources FROM cooperation_monthly;

CREATE OR REPLACE VIEW country_counterparts AS
SELECT country, area,
       rank() OVER (PARTITION BY country, area ORDER BY stories DESC, articles DESC)
           AS rank,
       counterpart, stories, articles, last_seen_at
FROM counterpart_totals;

CREATE OR REPLACE VIEW story_coverage AS
SELECT story_id, title, first_published_at, first_seen_at, last_seen_at, sources, articles,
       source_list, areas, parties
FROM story_stats;
"""

FACTS_SQL = """
INSERT INTO cooperation_facts
SELECT ar.article_id, ar.story_id, ar.duplicate_of IS NOT NULL,
       coalesce(ar.published_at, ar.fetched_at),
       CAST(date_trunc('week', timezone('UTC', coalesce(ar.published_at, ar.fetched_at)))
            AS DATE),
       CAST(date_trunc('month', timezone('UTC', coalesce(ar.published_at, ar.fetched_at)))
            AS DATE),
       pa.country, pb.country, aa.area, ar.source, aa.score
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
           arg_min(article_id, fetched_at) AS first_article_id
    FROM articles
    WHERE story_id IN (SELECT story_id FROM refresh_stories)
    GROUP BY story_id
)
SELECT s.*,
       (SELECT list(area ORDER BY area) FROM article_areas aa
        WHERE aa.article_id = s.first_article_id) AS areas,
       (SELECT list(country ORDER BY country) FROM article_countries ac
        WHERE ac.article_id = s.first_article_id AND ac.role = 'party') AS parties
FROM per_story s
"""


# Recompute the counts for the keys in `touched_keys` (filled from old and new facts).
COUNTS_SQL = """
DELETE FROM cooperation_monthly WHERE (month, country_a, country_b, area) IN
    (SELECT (month, country_a, country_b, area) FROM touched_keys);
INSERT INTO cooperation_monthly
SELECT month, country_a, country_b, area,
       count(DISTINCT story_id), count(*), count(DISTINCT source)
FROM cooperation_facts SEMI JOIN (SELECT DISTINCT month, country_a, country_b, area
                                  FROM touched_keys) USING (month, country_a, country_b, area)
GROUP BY ALL;
DELETE FROM cooperation_weekly WHERE (week, country_a, country_b, area) IN
    (SELECT (week, country_a, country_b, area) FROM touched_keys);
INSERT INTO cooperation_weekly
SELECT week, country_a, country_b, area,
       count(DISTINCT story_id), count(*), count(DISTINCT source)
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
    SELECT country_a AS country, country_b AS counterpart, area, story_id, published_at
    FROM cooperation_facts
    UNION ALL
    SELECT country_b, country_a, area, story_id, published_at FROM cooperation_facts
)
SELECT country, area, counterpart, count(DISTINCT story_id), count(*), max(published_at)
FROM directed SEMI JOIN touched_pairs USING (country, counterpart, area)
GROUP BY ALL;
DROP TABLE touched_pairs;
"""


def create(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES_SQL)
    con.execute(VIEWS_SQL)


def refresh(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str] | None = None) -> int:
    """Bring the tables behind the views up to date with `articles`; return articles done.

    Without ids, every article the search index has not seen yet is new (the index is
    refreshed last, so it marks what is done). With ids, those articles are redone, as after a
    reprocess. Runs inside the caller's short write window.
    """
    from entente.warehouse import fts

    if article_ids is None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE refresh_ids AS"
            " SELECT article_id FROM articles ANTI JOIN search_docs USING (article_id)"
        )
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE refresh_ids AS SELECT unnest(?::TEXT[]) AS article_id",
            [list(article_ids)],
        )
    try:
        row = con.execute("SELECT count(*) FROM refresh_ids").fetchone()
        if not row or not row[0]:
            return 0
        with fts.atomic(con):
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
                "DELETE FROM cooperation_facts"
                " WHERE article_id IN (SELECT article_id FROM refresh_ids)"
            )
            con.execute(FACTS_SQL)
            con.execute(
                "INSERT INTO touched_keys"
                " SELECT month, week, country_a, country_b, area FROM cooperation_facts"
                " WHERE article_id IN (SELECT article_id FROM refresh_ids)"
            )
            con.execute(COUNTS_SQL)
            con.execute("DROP TABLE touched_keys")
            con.execute(
                "DELETE FROM story_stats WHERE story_id IN (SELECT story_id FROM refresh_stories)"
            )
            con.execute(STORIES_SQL)
            con.execute("DROP TABLE refresh_stories")
            ids = [r[0] for r in con.execute("SELECT article_id FROM refresh_ids").fetchall()]
            fts.index_articles(con, ids if article_ids is not None else None)
        fts.compact_if_due(con)
        return len(ids)
    finally:
        con.execute("DROP TABLE IF EXISTS refresh_ids")
