"""Latency of the analyst views and of search at 100k and 1M synthetic articles.

    /work/venv/bin/python -m bench.warehouse.run [--sizes 100000 1000000] [--dir DIR]

Articles are generated inside DuckDB: 120-word bodies drawn log-uniformly (Zipf-like) from a
20,000-word vocabulary in which real diplomatic words sit at ranks 30 to 2,000 (so "gas" is in
about one article in ten, "cooperation" in one in six), two parties and one mentioned
country out of 40, one or two areas, 25 sources, two years of dates, and about one article in
five a copy of an earlier story. Each query runs once to warm up, then five times; the median
is reported with its ratio to a baseline measured in the same run (a plain count and a naive
ILIKE scan over the bodies). Never fails on timing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from entente.warehouse import derived, fts
from entente.warehouse.db import writer
from entente.warehouse.search import search_connection
from entente.warehouse.session import load_extension
from entente.warehouse.snapshot import refresh_snapshot

WORDS_TEXT = (
    "minister foreign talks cooperation bilateral agreement energy gas pipeline oil trade"
    " investment defense security border peace process counterterrorism terrorism education"
    " culture students scholarships human rights health vaccine climate environment science"
    " technology humanitarian aid migration refugees infrastructure railway port road"
    " agriculture food wheat ministry spokesperson visit summit meeting delegation embassy"
    " ambassador president prime signed memorandum understanding joint statement strategic"
    " partnership economic military exercise naval dialogue conference regional stability"
    " development sanctions nuclear water electricity solar wind corridor investment bank"
    " loan debt tariff exports imports customs visa consular tourism university research"
    " satellite cyber intelligence police judicial extradition drugs trafficking ceasefire"
    " negotiation mediation reconstruction grain fertilizer shipment vessel airport highway"
)

COUNTRIES_TEXT = (
    "PAK RUS CHN IND USA AFG IRN TUR SAU ARE QAT EGY GBR FRA DEU ITA JPN KOR IDN MYS"
    " BGD LKA NPL UZB KAZ TKM AZE UKR POL BRA ZAF NGA KEN ETH ESP CAN AUS MEX ARG VNM"
)

AREAS_TEXT = (
    "energy trade_investment defense counterterrorism security peace_process education_culture"
    " human_rights health climate_environment science_technology humanitarian_aid migration"
    " infrastructure_transport agriculture_food"
)
WORDS = WORDS_TEXT.split()
COUNTRIES = COUNTRIES_TEXT.split()
AREAS = AREAS_TEXT.split()


def generate(con: duckdb.DuckDBPyConnection, n: int) -> None:
    """Fill a migrated warehouse with `n` synthetic articles, all in SQL."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE vocab AS
        SELECT i, CASE WHEN i >= 30 AND (i - 30) % 15 = 0 AND (i - 30) // 15 < len($words)
                       THEN $words[(i - 30) // 15 + 1]
                       ELSE chr(98 + (i * 7) % 24) || chr(97 + (i * 13) % 26)
                            || chr(97 + (i // 26) % 26) || chr(97 + (i // 676) % 26) || 'ex'
                  END AS w
        FROM (SELECT r::INTEGER AS i FROM range(20000) t(r))
        """,
        {"words": WORDS},
    )
    vocab = "(SELECT list(w ORDER BY i) FROM vocab)"
    con.execute(
        f"""
        INSERT INTO articles
        WITH base AS (
            SELECT i,
                   hash(i) AS h,
                   TIMESTAMPTZ '2024-01-01 00:00:00+00'
                       + to_seconds((hash(i * 3) % (730 * 86400))::BIGINT) AS ts
            FROM range($n) t(i)
        ),
        v AS (SELECT {vocab} AS words)
        SELECT printf('a%012d', i) AS article_id,
               printf('https://news%d.example/%d', h % 25, i) AS url,
               printf('source-%02d', h % 25) AS source,
               array_to_string(list_transform(range(8),
                   x -> words[1 + (floor(pow(20000, random())) - 1)::INTEGER]), ' ') AS title,
               ts AS published_at,
               'en' AS language,
               array_to_string(list_transform(range(120),
                   x -> words[1 + (floor(pow(20000, random())) - 1)::INTEGER]), ' ')
                   AS body_text,
               120 AS word_count,
               CASE WHEN i % 5 = 4 THEN printf('a%012d', i - 1 - h % 3)
                    ELSE printf('a%012d', i) END AS story_id,
               CASE WHEN i % 5 = 4 THEN printf('a%012d', i - 1 - h % 3) END AS duplicate_of,
               ts + INTERVAL 1 HOUR AS fetched_at,
               'bench' AS pipeline_version,
               md5(i::TEXT) AS content_hash,
               NULL AS raw_sha256,
               'bench' AS classifier_version,
               'synthetic' AS extraction_method,
               false AS truncated
        FROM base, v
        """,
        {"n": n},
    )
    con.execute(
        """
        INSERT INTO article_countries
        SELECT article_id, country, mentions, role FROM (
            SELECT a.article_id, h,
                   unnest([$c[1 + h % 8], $c[1 + 8 + (h // 8) % 32], $c[1 + (h // 256) % 40]])
                       AS country,
                   unnest([3, 2, 1]) AS mentions,
                   unnest(['party', 'party', 'mentioned']) AS role
            FROM (SELECT article_id, (hash(article_id || 'c') % 1000000007)::BIGINT AS h
                  FROM articles) a
        ) QUALIFY row_number() OVER (PARTITION BY article_id, country ORDER BY mentions DESC) = 1
        """,
        {"c": COUNTRIES},
    )
    con.execute(
        """
        INSERT INTO article_areas
        SELECT DISTINCT ON (article_id, area) article_id, area, 0.5 + (h % 50) / 100.0,
               'Both sides agreed to deepen cooperation in ' || replace(area, '_', ' ')
                   || ' (synthetic evidence).', 'bench'
        FROM (
            SELECT article_id, h,
                   unnest([$a[1 + h % 15], $a[1 + (h // 15) % 15]][1:1 + (h // 225) % 2])
                       AS area
            FROM (SELECT article_id, (hash(article_id || 'a') % 1000000007)::BIGINT AS h
                  FROM articles)
        )
        """,
        {"a": AREAS},
    )


QUERIES: dict[str, str] = {
    "baseline: count articles": "SELECT count(*) FROM articles",
    "baseline: ILIKE scan 'pipeline'": (
        "SELECT count(*) FROM articles WHERE body_text ILIKE '%pipeline%'"
    ),
    "cooperation_by_month, one pair": (
        "SELECT * FROM cooperation_by_month WHERE country_a = 'CHN' AND country_b = 'PAK'"
        " ORDER BY month, area"
    ),
    "cooperation_by_week, one pair, 1 area": (
        "SELECT * FROM cooperation_by_week WHERE country_a = 'CHN' AND country_b = 'PAK'"
        " AND area = 'energy' ORDER BY week"
    ),
    "cooperation_by_month, all pairs, 2025": (
        "SELECT area, sum(stories) FROM cooperation_by_month WHERE month >= DATE '2025-01-01'"
        " GROUP BY area"
    ),
    "country_counterparts, PAK energy": (
        "SELECT * FROM country_counterparts WHERE country = 'PAK' AND area = 'energy'"
        " ORDER BY rank LIMIT 10"
    ),
    "story_coverage, top 20 by sources": (
        "SELECT story_id, title, sources FROM story_coverage ORDER BY sources DESC, story_id"
        " LIMIT 20"
    ),
    "story_coverage, top 20 in one month": (
        "SELECT story_id, title, sources FROM story_coverage"
        " WHERE first_seen_at >= TIMESTAMPTZ '2025-06-01 00:00:00+00'"
        " AND first_seen_at < TIMESTAMPTZ '2025-07-01 00:00:00+00'"
        " ORDER BY sources DESC, story_id LIMIT 20"
    ),
    "cooperation_evidence, one number": (
        "SELECT title, url, evidence FROM cooperation_evidence WHERE country_a = 'CHN'"
        " AND country_b = 'PAK' AND area = 'energy' AND month = DATE '2025-06-01'"
    ),
    "search_articles() macro 'gas pipeline'": (
        "SELECT * FROM search_articles('gas pipeline') LIMIT 20"
    ),
}

SEARCHES: dict[str, dict[str, object]] = {
    "search 'gas pipeline'": {"query": "gas pipeline"},
    "search 'gas pipeline' --area energy --country PAK": {
        "query": "gas pipeline",
        "area": "energy",
        "country": "PAK",
    },
    "search 'railway corridor agreement'": {"query": "railway corridor agreement"},
    "search 'cooperation' (very common term)": {"query": "cooperation"},
    "search 'naval exercise' --since 2025-06-01": {
        "query": "naval exercise",
        "since": datetime(2025, 6, 1, tzinfo=UTC),
    },
}


def timed(fn: object, repeat: int = 5) -> float:
    assert callable(fn)
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def bench_size(folder: Path, n: int, reuse: bool = False) -> None:
    db = folder / f"bench-{n}.duckdb"
    print(f"\n== {n:,} articles ==")
    if reuse and db.exists():
        print(f"reusing {db} (built earlier; only the queries are timed)")
        print(f"database size: {size_mb(db):,.0f} MB")
    else:
        db.unlink(missing_ok=True)
        with writer(db) as con:
            started = time.perf_counter()
            generate(con, n)
            print(f"generate: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            derived.rebuild(con)
            full_build = time.perf_counter() - started
            print(f"view tables and search index, full build: {full_build:.1f} s")
            started = time.perf_counter()
            fts.compact(con)
            print(f"search index compaction (sort by term): {time.perf_counter() - started:.1f} s")
            con.execute("CHECKPOINT")
            postings = con.execute("SELECT count(*) FROM search_postings").fetchone()
            print(f"postings: {postings[0] if postings else 0:,}")
        print(f"database size: {size_mb(db):,.0f} MB")

        # A scheduled run adds a batch of new articles: index them incrementally.
        with writer(db) as con:
            con.execute(
                "CREATE TEMP TABLE new_ids AS SELECT 'new' || article_id AS article_id"
                " FROM articles USING SAMPLE 500 ROWS"
            )
            con.execute(
                "INSERT INTO articles SELECT 'new' || article_id, url, source, title, published_at,"
                " language, body_text, word_count, 'new' || story_id, NULL, fetched_at,"
                " pipeline_version, content_hash, raw_sha256, classifier_version,"
                " extraction_method, truncated FROM articles"
                " WHERE 'new' || article_id IN (SELECT article_id FROM new_ids)"
            )
            new_ids = [r[0] for r in con.execute("SELECT article_id FROM new_ids").fetchall()]
            started = time.perf_counter()
            added = derived.refresh(con, new_ids)
            incremental = time.perf_counter() - started
            print(
                "view tables and search index, incremental after a 500-article load:"
                f" {incremental * 1000:.0f} ms"
                f" ({added} articles); a full rebuild costs {full_build / incremental:,.0f}x that"
            )
            started = time.perf_counter()
            refresh_snapshot(con, db)
            print(f"snapshot refresh (checkpoint + copy): {time.perf_counter() - started:.2f} s")

    with duckdb.connect(str(db), read_only=True) as con:
        load_extension(con)
        results: dict[str, float] = {}
        for name, sql in QUERIES.items():
            results[name] = timed(lambda sql=sql: con.execute(sql).fetchall())
        for name, kwargs in SEARCHES.items():
            results[name] = timed(lambda kw=kwargs: search_connection(con, **kw))  # type: ignore[arg-type]
    scan = results["baseline: ILIKE scan 'pipeline'"]
    print(f"{'query':52} {'median ms':>10} {'vs ILIKE scan':>14}")
    for name, ms in results.items():
        flag = "" if ms < 200 or name.startswith("baseline") else "  over 200 ms"
        print(f"{name:52} {ms:10.1f} {ms / scan:13.2f}x{flag}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory so far: {peak:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: tmp)")
    parser.add_argument(
        "--reuse", action="store_true", help="time the queries on databases already in --dir"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="entente-bench-") as tmp:
        folder = args.dir or Path(tmp)
        for n in args.sizes:
            bench_size(folder, n, args.reuse)


if __name__ == "__main__":
    main()
