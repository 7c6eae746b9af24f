"""Views that make the common questions one short query (created by migration 4).

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

import duckdb

VIEWS_SQL = """
CREATE OR REPLACE VIEW cooperation_evidence AS
SELECT CAST(date_trunc('week', timezone('UTC', coalesce(ar.published_at, ar.fetched_at)))
            AS DATE) AS week,
       CAST(date_trunc('month', timezone('UTC', coalesce(ar.published_at, ar.fetched_at)))
            AS DATE) AS month,
       pa.country AS country_a,
       pb.country AS country_b,
       aa.area,
       ar.article_id,
       ar.story_id,
       ar.duplicate_of IS NOT NULL AS is_copy,
       coalesce(ar.published_at, ar.fetched_at) AS published_at,
       ar.source,
       ar.title,
       ar.url,
       aa.score,
       aa.evidence
FROM articles ar
JOIN article_countries pa ON pa.article_id = ar.article_id AND pa.role = 'party'
JOIN article_countries pb ON pb.article_id = ar.article_id AND pb.role = 'party'
                         AND pa.country < pb.country
JOIN article_areas aa ON aa.article_id = ar.article_id;

CREATE OR REPLACE VIEW cooperation_by_week AS
SELECT week, country_a, country_b, area,
       count(DISTINCT story_id) AS stories,
       count(*) AS articles,
       count(DISTINCT source) AS sources
FROM cooperation_evidence
GROUP BY week, country_a, country_b, area;

CREATE OR REPLACE VIEW cooperation_by_month AS
SELECT month, country_a, country_b, area,
       count(DISTINCT story_id) AS stories,
       count(*) AS articles,
       count(DISTINCT source) AS sources
FROM cooperation_evidence
GROUP BY month, country_a, country_b, area;

CREATE OR REPLACE VIEW country_counterparts AS
WITH directed AS (
    SELECT country_a AS country, country_b AS counterpart, area, story_id, published_at
    FROM cooperation_evidence
    UNION ALL
    SELECT country_b, country_a, area, story_id, published_at
    FROM cooperation_evidence
),
counted AS (
    SELECT country, area, counterpart,
           count(DISTINCT story_id) AS stories,
           count(*) AS articles,
           max(published_at) AS last_seen_at
    FROM directed
    GROUP BY country, area, counterpart
)
SELECT country, area,
       rank() OVER (PARTITION BY country, area ORDER BY stories DESC, articles DESC)
           AS rank,
       counterpart, stories, articles, last_seen_at
FROM counted;

CREATE OR REPLACE VIEW story_coverage AS
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
    GROUP BY story_id
)
SELECT s.*,
       (SELECT list(area ORDER BY area) FROM article_areas aa
        WHERE aa.article_id = s.first_article_id) AS areas,
       (SELECT list(country ORDER BY country) FROM article_countries ac
        WHERE ac.article_id = s.first_article_id AND ac.role = 'party') AS parties
FROM per_story s;
"""


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(VIEWS_SQL)
