"""Versioned migrations: each is a small recorded step, applied once, in order."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import duckdb

from entente.transforms.minhash import band_keys, pack_signature, shingles, signature
from entente.warehouse.session import is_lake, load_extension, transaction


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]
    # Adds relations derived from the articles, which `migrate`'s `rebuild` then fills.
    rebuilds: bool = False


def _initial(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE raw_documents (
            sha256 TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            final_url TEXT NOT NULL,
            source TEXT NOT NULL,
            content_type TEXT,
            fetched_at TIMESTAMPTZ NOT NULL,
            size BIGINT NOT NULL,
            compression TEXT NOT NULL,
            body BLOB NOT NULL,
            feed_title TEXT,
            feed_summary TEXT,
            feed_published_at TIMESTAMPTZ
        );
        CREATE TABLE articles (
            article_id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            source TEXT NOT NULL,
            title TEXT,
            published_at TIMESTAMPTZ,
            language TEXT,
            body_text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            story_id TEXT NOT NULL,
            duplicate_of TEXT,
            fetched_at TIMESTAMPTZ NOT NULL,
            pipeline_version TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            raw_sha256 TEXT,
            classifier_version TEXT NOT NULL,
            extraction_method TEXT NOT NULL,
            truncated BOOLEAN NOT NULL DEFAULT false
        );
        CREATE TABLE article_areas (
            article_id TEXT NOT NULL,
            area TEXT NOT NULL,
            score DOUBLE NOT NULL,
            evidence TEXT NOT NULL,
            classifier_version TEXT NOT NULL,
            PRIMARY KEY (article_id, area)
        );
        CREATE TABLE article_countries (
            article_id TEXT NOT NULL,
            country TEXT NOT NULL,
            mentions INTEGER NOT NULL,
            role TEXT NOT NULL,
            PRIMARY KEY (article_id, country)
        );
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            flow TEXT NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            status TEXT NOT NULL,
            sources_ok INTEGER DEFAULT 0,
            sources_failed INTEGER DEFAULT 0,
            fetched INTEGER DEFAULT 0,
            fetch_failures INTEGER DEFAULT 0,
            articles_new INTEGER DEFAULT 0,
            duplicates INTEGER DEFAULT 0,
            extraction_failures INTEGER DEFAULT 0,
            area_counts JSON
        );
        CREATE TABLE fetches (
            run_id TEXT NOT NULL,
            url TEXT NOT NULL,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            status INTEGER,
            outcome TEXT NOT NULL,
            error TEXT,
            bytes BIGINT NOT NULL DEFAULT 0,
            elapsed_ms INTEGER NOT NULL DEFAULT 0,
            fetched_at TIMESTAMPTZ NOT NULL
        );
        CREATE VIEW stories AS
            SELECT story_id,
                   min(fetched_at) AS first_seen_at,
                   count(*) AS articles,
                   count(DISTINCT source) AS sources,
                   arg_min(title, fetched_at) AS title
            FROM articles
            GROUP BY story_id;
        """
    )


def _revisions_and_lsh(con: duckdb.DuckDBPyConnection) -> None:
    """Article revisions, how each copy was matched, and the persisted LSH band index."""
    con.execute(
        """
        ALTER TABLE articles ADD COLUMN revision INTEGER DEFAULT 1;
        ALTER TABLE articles ADD COLUMN revised_at TIMESTAMPTZ;
        ALTER TABLE articles ADD COLUMN duplicate_kind TEXT;
        ALTER TABLE articles ADD COLUMN similarity DOUBLE;
        CREATE TABLE article_revisions (
            article_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            title TEXT,
            body_text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            raw_sha256 TEXT,
            fetched_at TIMESTAMPTZ NOT NULL,
            pipeline_version TEXT NOT NULL,
            signature BLOB
        );  -- no primary key: DuckDB rewrites an index at every checkpoint, and the loader
            -- alone numbers revisions, inside the transaction that reads the last one
        CREATE TABLE lsh_bands (
            band_key BIGINT NOT NULL,
            article_id TEXT NOT NULL,
            revision INTEGER NOT NULL
        );
        UPDATE articles SET duplicate_kind = 'exact', similarity = 1.0
            WHERE duplicate_of IS NOT NULL;
        INSERT INTO article_revisions
            SELECT article_id, 1, content_hash, title, body_text, word_count, raw_sha256,
                   fetched_at, pipeline_version, NULL
            FROM articles;
        """
    )
    # Index the texts already stored, so the first run after the upgrade matches against them.
    # The one live import of a migration, on purpose: the stored band keys are only of use
    # if they are the ones the loader computes for new texts.
    rows = con.execute("SELECT article_id, body_text FROM articles").fetchall()
    keys: list[int] = []
    ids: list[str] = []
    for article_id, body in rows:
        sig = signature(shingles(body))
        found = band_keys(sig)
        keys += found
        ids += [article_id] * len(found)
        con.execute(
            "UPDATE article_revisions SET signature = ? WHERE article_id = ?",
            [pack_signature(sig), article_id],
        )
    if keys:  # one delimited string per column: binding Python lists row by row is slow
        con.execute(
            "INSERT INTO lsh_bands SELECT unnest(string_split(?, ','))::BIGINT,"
            " unnest(string_split(?, chr(31))), 1",
            [",".join(map(str, keys)), chr(31).join(ids)],
        )


def _fetch_state(con: duckdb.DuckDBPyConnection) -> None:
    """Feed validators, source health and the version of each article page we hold."""
    con.execute(
        """
        CREATE TABLE feed_state (
            source TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE source_health (
            source TEXT PRIMARY KEY,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_success_at TIMESTAMPTZ,
            last_failure_at TIMESTAMPTZ,
            last_error TEXT,
            next_poll_at TIMESTAMPTZ,
            disabled BOOLEAN NOT NULL DEFAULT false,
            disabled_reason TEXT,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE article_state (
            article_id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            url TEXT NOT NULL,
            entry_updated_at TIMESTAMPTZ,
            fetched_at TIMESTAMPTZ NOT NULL
        );
        """
    )


def _organisations_and_dyads(con: duckdb.DuckDBPyConnection) -> None:
    """Organisations named by each article, and the pairs of parties per article and area."""
    con.execute(
        """
        CREATE TABLE article_organisations (
            article_id TEXT NOT NULL,
            organisation TEXT NOT NULL,
            mentions INTEGER NOT NULL,
            PRIMARY KEY (article_id, organisation)
        );
        CREATE VIEW dyads AS
            SELECT aa.article_id, aa.area, c1.country AS country_a, c2.country AS country_b,
                   aa.score, aa.evidence, ar.story_id, ar.duplicate_of IS NOT NULL AS is_copy,
                   coalesce(ar.published_at, ar.fetched_at) AS published_at
            FROM article_countries c1
            JOIN article_countries c2
              ON c2.article_id = c1.article_id AND c1.country < c2.country
            JOIN article_areas aa ON aa.article_id = c1.article_id
            JOIN articles ar ON ar.article_id = c1.article_id
            WHERE c1.role = 'party' AND c2.role = 'party';
        """
    )


def _stored_shingles(con: duckdb.DuckDBPyConnection) -> None:
    """Each revision's shingle set and figures, so near-duplicate checks need not re-read and
    re-shingle stored texts. Older revisions keep NULL and are shingled when checked."""
    con.execute(
        """
        ALTER TABLE article_revisions ADD COLUMN shingles BLOB;
        ALTER TABLE article_revisions ADD COLUMN figures TEXT;
        """
    )


def _without_primary_key(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rebuild `table` with the same columns, types, NOT NULLs and defaults, and its rows in
    their order, but no primary key (DuckDB cannot drop a constraint in place)."""
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns()"
        " WHERE table_name = ? AND schema_name = 'main'"
        " AND database_name = current_database() ORDER BY column_index",
        [table],
    ).fetchall()
    definitions = ", ".join(
        f'"{name}" {kind}'
        + ("" if nullable else " NOT NULL")
        + ("" if default is None else f" DEFAULT {default}")
        for name, kind, nullable, default in columns
    )
    listed = ", ".join(f'"{name}"' for name, *_ in columns)
    con.execute(f"CREATE TABLE {table}_unkeyed ({definitions})")
    con.execute(f"INSERT INTO {table}_unkeyed SELECT {listed} FROM {table}")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE {table}_unkeyed RENAME TO {table}")


def _raw_documents_without_key(con: duckdb.DuckDBPyConnection) -> None:
    """Raw pages without a primary key: DuckDB rewrites a table's whole index at every
    checkpoint (one every 16 MB of log, so every few sources), which grew with the warehouse
    and doubled the file. The loader alone writes this table, one writer at a time, and
    skips keys already stored."""
    _without_primary_key(con, "raw_documents")


# The article tables whose primary keys migration 10 drops (see _article_tables_without_keys).
UNKEYED_ARTICLE_TABLES = (
    "articles",
    "article_areas",
    "article_countries",
    "article_organisations",
    "article_state",
)


def _article_tables_without_keys(con: duckdb.DuckDBPyConnection) -> None:
    """The article tables lose their primary keys, as raw_documents did in migration 9.

    DuckDB writes a table's whole key index at every checkpoint, at a cost that grows with
    the warehouse, several times a run. The loader is the only writer of these tables, one
    process at a time, and keeps their keys unique itself: it inserts only ids it has not
    stored, replaces an article's labels by deleting them first, and upserts page versions
    by delete and insert.
    """
    for table in UNKEYED_ARTICLE_TABLES:
        _without_primary_key(con, table)


# Migration 4 as it ran: the narrow tables behind the analyst views, the views, the search
# index's tables and the `search_articles` macro. Frozen here, as every migration is: later
# changes go in later migrations. The tables are filled from the stored articles by the
# `rebuild` that `migrate` is given, on the schema as it stands once every migration is in.
_ANALYST_VIEWS_SQL = """
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
CREATE TABLE IF NOT EXISTS search_docs (
    docid INTEGER NOT NULL, article_id TEXT NOT NULL, story_id TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL, len INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search_postings (
    term TEXT NOT NULL, docid INTEGER NOT NULL, tf INTEGER NOT NULL,
    len INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search_stopwords (word TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_state (
    sorted_rows BIGINT NOT NULL, compacted_at TIMESTAMPTZ);
"""
_SEARCH_MACRO_SQL = r"""
CREATE OR REPLACE MACRO search_articles(q, n := 100) AS TABLE
WITH
p AS (SELECT term, docid, tf, len FROM search_postings WHERE term IN (
    SELECT DISTINCT stem(token, 'porter') FROM (SELECT unnest(string_split_regex(regexp_replace(
        lower(strip_accents(CAST(q AS VARCHAR))), '[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/\|''''"`-]+',
        ' ', 'g'), '\s+')) AS token)
    WHERE token <> '' AND token NOT IN (SELECT word FROM search_stopwords))),
df AS (SELECT term, count(*) AS df FROM p GROUP BY term),
st AS (SELECT count(*) AS n, avg(len) AS avgdl FROM search_docs),
scored AS (
    SELECT p.docid,
           sum(log((st.n - df.df + 0.5) / (df.df + 0.5) + 1)
               * p.tf * (1.2 + 1)
               / (p.tf + 1.2 * (1 - 0.75 + 0.75 * p.len / st.avgdl))) AS score
    FROM p JOIN df USING (term) CROSS JOIN st
    GROUP BY p.docid
),
best AS (SELECT docid, score FROM scored ORDER BY score DESC, docid LIMIT n)
SELECT b.score, a.article_id, a.story_id, a.title, a.source, a.url,
       coalesce(a.published_at, a.fetched_at) AS published_at
FROM best b JOIN search_docs d USING (docid) JOIN articles a USING (article_id)
ORDER BY b.score DESC, a.article_id
"""


def _analyst_views_and_search(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_ANALYST_VIEWS_SQL)
    load_extension(con)  # the search macro binds the extension's stemmer
    con.execute(_SEARCH_MACRO_SQL)


# Migration 22 as it ran: `search_articles` analyses its query as articles of every language
# are indexed (warehouse/fts.py): Porter, each Snowball stemmer the index uses, and for Chinese
# (which the macro cannot segment) every run of two to four characters of the query, among
# which are the words the index holds.
_MULTILINGUAL_SEARCH_MACRO_SQL = r"""
CREATE OR REPLACE MACRO search_articles(q, n := 100) AS TABLE
WITH
en AS (SELECT unnest(string_split_regex(regexp_replace(
        lower(strip_accents(CAST(q AS VARCHAR))), '[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/\|''''"`-]+',
        ' ', 'g'), '\s+')) AS token),
words AS (SELECT unnest(string_split_regex(regexp_replace(replace(lower(CAST(q AS VARCHAR)),
        'ё', 'е'), '[^\p{L}]+', ' ', 'g'), '\s+')) AS token),
han AS (SELECT unnest(regexp_extract_all(CAST(q AS VARCHAR), '\p{Han}+')) AS run),
terms AS (
    SELECT stem(token, 'porter') AS term FROM en
    WHERE token NOT IN (SELECT word FROM search_stopwords)
    UNION ALL
    SELECT unnest([stem(token, 'russian'), stem(token, 'french'), stem(token, 'spanish'),
                   stem(token, 'german'), stem(token, 'arabic'), stem(token, 'italian'),
                   stem(token, 'portuguese'), stem(token, 'dutch'), stem(token, 'swedish'),
                   stem(token, 'norwegian'), stem(token, 'danish'), stem(token, 'finnish'),
                   stem(token, 'turkish'), stem(token, 'romanian'), stem(token, 'hungarian')])
    FROM words WHERE token NOT IN (SELECT word FROM search_stopwords)
    UNION ALL
    SELECT substr(run, i, k) FROM han, range(1, length(run) + 1) r(i), range(2, 5) s(k)
    WHERE i + k - 1 <= length(run)
),
p AS (SELECT term, docid, tf, len FROM search_postings
      WHERE term IN (SELECT DISTINCT term FROM terms WHERE term <> '')),
df AS (SELECT term, count(*) AS df FROM p GROUP BY term),
st AS (SELECT count(*) AS n, avg(len) AS avgdl FROM search_docs),
scored AS (
    SELECT p.docid,
           sum(log((st.n - df.df + 0.5) / (df.df + 0.5) + 1)
               * p.tf * (1.2 + 1)
               / (p.tf + 1.2 * (1 - 0.75 + 0.75 * p.len / st.avgdl))) AS score
    FROM p JOIN df USING (term) CROSS JOIN st
    GROUP BY p.docid
),
best AS (SELECT docid, score FROM scored ORDER BY score DESC, docid LIMIT n)
SELECT b.score, a.article_id, a.story_id, a.title, a.source, a.url,
       coalesce(a.published_at, a.fetched_at) AS published_at
FROM best b JOIN search_docs d USING (docid) JOIN articles a USING (article_id)
ORDER BY b.score DESC, a.article_id
"""


# Migration 22 as it ran: the analyst views say which languages their articles are in.
_LANGUAGES_IN_VIEWS_SQL = """
ALTER TABLE cooperation_facts ADD COLUMN language TEXT;
ALTER TABLE cooperation_monthly ADD COLUMN languages TEXT[];
ALTER TABLE cooperation_weekly ADD COLUMN languages TEXT[];
ALTER TABLE counterpart_totals ADD COLUMN languages TEXT[];
ALTER TABLE story_stats ADD COLUMN languages TEXT[];
CREATE OR REPLACE VIEW cooperation_evidence AS
SELECT f.week, f.month, f.country_a, f.country_b, f.area, f.article_id, f.story_id, f.is_copy,
       f.published_at, f.source, ar.title, ar.url, f.score, aa.evidence, ar.language
FROM cooperation_facts f
JOIN articles ar ON ar.article_id = f.article_id
JOIN article_areas aa ON aa.article_id = f.article_id AND aa.area = f.area;
CREATE OR REPLACE VIEW cooperation_by_week AS
SELECT week, country_a, country_b, area, stories, articles, sources, languages
FROM cooperation_weekly;
CREATE OR REPLACE VIEW cooperation_by_month AS
SELECT month, country_a, country_b, area, stories, articles, sources, languages
FROM cooperation_monthly;
CREATE OR REPLACE VIEW country_counterparts AS
SELECT country, area,
       rank() OVER (PARTITION BY country, area ORDER BY stories DESC, articles DESC)
           AS rank,
       counterpart, stories, articles, last_seen_at, languages
FROM counterpart_totals;
CREATE OR REPLACE VIEW story_coverage AS
SELECT story_id, title, first_published_at, first_seen_at, last_seen_at, sources, articles,
       source_list, areas, parties, languages
FROM story_stats;
"""


def _languages(con: duckdb.DuckDBPyConnection) -> None:
    """Articles in every language: the search macro analyses a query in each (the rebuild that
    follows indexes every stored article again with its language's stemmer), and the analyst
    views carry their articles' languages (the rebuild fills them)."""
    load_extension(con)
    con.execute(_MULTILINGUAL_SEARCH_MACRO_SQL)
    con.execute(_LANGUAGES_IN_VIEWS_SQL)


def _run_versions(con: duckdb.DuckDBPyConnection) -> None:
    """Each run records the Entente version that ran it; runs from before have none."""
    con.execute("ALTER TABLE runs ADD COLUMN entente_version TEXT")


def _run_processes(con: duckdb.DuckDBPyConnection) -> None:
    """Each run records the process that runs it, so that a later run can tell a run whose
    process is gone (killed, crashed) from one still going; runs from before have none."""
    con.execute("ALTER TABLE runs ADD COLUMN host TEXT")
    con.execute("ALTER TABLE runs ADD COLUMN pid INTEGER")
    con.execute("ALTER TABLE runs ADD COLUMN process_started_at TIMESTAMPTZ")


def _page_hash_one_name(con: duckdb.DuckDBPyConnection) -> None:
    """raw_documents.sha256 becomes raw_sha256, the name articles and article_revisions give
    the same key, so the archive joins with USING."""
    con.execute("ALTER TABLE raw_documents RENAME COLUMN sha256 TO raw_sha256")


def _event_openings(con: duckdb.DuckDBPyConnection) -> None:
    """Each report's cues keep what its title and first sentences tell (event grouping asks
    two reports to share it); cues stored before have none, and are read again from the
    stored text (their events_version is older) when their articles are next compared."""
    con.execute("ALTER TABLE event_cues ADD COLUMN opening TEXT DEFAULT ''")


def _event_places_and_bodies(con: duckdb.DuckDBPyConnection) -> None:
    """Each report's cues keep the capital its title or first sentence places the event in,
    the multilateral body its title opens with, and the bodies it names first (event grouping
    keeps reports placed in two capitals, or a body's act and a report not naming the body,
    apart); cues stored before have none, and are read again as after migration 25."""
    for column in ("venue", "lead", "bodies"):
        con.execute(f"ALTER TABLE event_cues ADD COLUMN {column} TEXT DEFAULT ''")


def _events_and_alerts(con: duckdb.DuckDBPyConnection) -> None:
    """Events (independent reports of one occurrence grouped), `articles.event_id`, and the
    alerts raised after runs (issue 23); `derived.rebuild` then groups the stored articles."""
    con.execute(_EVENTS_SQL)
    con.execute(_ALERTS_SQL)


# Frozen here, as migrations are: warehouse/events.py and warehouse/alerts.py describe them.
_EVENTS_SQL = """
CREATE TABLE event_cues (
    article_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    earliest DATE NOT NULL,
    latest DATE NOT NULL,
    basis TEXT NOT NULL,
    kinds TEXT NOT NULL,
    names TEXT NOT NULL,
    figures TEXT NOT NULL,
    terms TEXT NOT NULL,
    events_version TEXT NOT NULL
);
CREATE TABLE event_keys (
    article_id TEXT NOT NULL,
    key TEXT NOT NULL,
    earliest DATE NOT NULL,
    latest DATE NOT NULL
);
CREATE TABLE event_links (first_id TEXT NOT NULL, second_id TEXT NOT NULL, score DOUBLE NOT NULL);
ALTER TABLE articles ADD COLUMN event_id TEXT;
CREATE TABLE events (
    event_id TEXT NOT NULL,
    title TEXT,
    event_day DATE,
    first_reported_at TIMESTAMPTZ,
    last_reported_at TIMESTAMPTZ,
    parties TEXT[],
    areas TEXT[],
    kinds TEXT[],
    articles BIGINT,
    stories BIGINT,
    sources BIGINT,
    source_list TEXT[],
    titles TEXT[]
);
CREATE VIEW event_coverage AS
SELECT event_id, title, event_day, first_reported_at, last_reported_at, sources, stories,
       articles, source_list, parties, areas, kinds, titles
FROM events;
"""
_ALERTS_SQL = """
CREATE TABLE alerts (
    alert_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    run_id TEXT,
    detected_at TIMESTAMPTZ NOT NULL,
    country_a TEXT NOT NULL,
    country_b TEXT NOT NULL,
    area TEXT,
    week DATE,
    events INTEGER NOT NULL,
    baseline DOUBLE,
    p_value DOUBLE,
    summary TEXT NOT NULL,
    evidence JSON NOT NULL,
    delivered_at TIMESTAMPTZ,
    delivery_error TEXT
);
"""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _initial),
    Migration(2, "feed state, source health, article versions", _fetch_state),
    Migration(3, "article revisions and near-duplicate index", _revisions_and_lsh),
    Migration(4, "analyst views and full-text search", _analyst_views_and_search, True),
    Migration(7, "organisations and dyads", _organisations_and_dyads),
    Migration(8, "stored shingles for near-duplicate checks", _stored_shingles),
    Migration(9, "raw pages without a primary key", _raw_documents_without_key),
    Migration(10, "article tables without primary keys", _article_tables_without_keys),
    Migration(17, "the page hash is raw_sha256 everywhere", _page_hash_one_name),
    Migration(20, "the process that runs each run", _run_processes),
    Migration(22, "articles in every language: search and views", _languages, True),
    Migration(23, "events and alerts", _events_and_alerts, True),
    Migration(24, "the Entente version of each run", _run_versions),
    Migration(25, "event cues: what a report tells first", _event_openings),
    Migration(26, "event cues: where, and which body tells", _event_places_and_bodies),
)


# A lake (warehouse/lake.py) starts at this version: its first migration makes, at once, the
# relations migrations 1 to 24 leave in a DuckDB file, without what DuckLake has not (keys).
# Later migrations apply to files and lakes alike, so each must be one DuckLake can run.
LAKE_BASELINE = 24
# The table whose one row every write to a lake claims (warehouse/lake.py).
LAKE_COMMITS = "lake_commits"


def _file_schema_at(version: int) -> duckdb.DuckDBPyConnection:
    """An empty in-memory DuckDB at schema `version`, made by the file migrations."""
    scratch = duckdb.connect()
    try:
        migrate(scratch, tuple(m for m in MIGRATIONS if m.version <= version))
    except BaseException:
        scratch.close()
        raise
    return scratch


def _lake_baseline(con: duckdb.DuckDBPyConnection) -> None:
    """The relations of a DuckDB file at LAKE_BASELINE, made on a lake: the same tables,
    columns, types, NOT NULLs and defaults (read from the file migrations' own result, so
    the two cannot drift apart), no primary keys; the same views; the search macro."""
    with _file_schema_at(LAKE_BASELINE) as scratch:
        tables = [
            row[0]
            for row in scratch.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
                " AND table_name <> 'schema_migrations' ORDER BY table_oid"
            ).fetchall()
        ]
        columns = scratch.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY table_name, column_index"
        ).fetchall()
        views = scratch.execute(
            "SELECT sql FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
            " ORDER BY view_oid"
        ).fetchall()
    for table in tables:
        definitions = ", ".join(
            f'"{name}" {kind}'
            + ("" if nullable else " NOT NULL")
            + ("" if default is None else f" DEFAULT {default}")
            for owner, name, kind, nullable, default in columns
            if owner == table
        )
        con.execute(f"CREATE TABLE {table} ({definitions})")
    for (sql,) in views:
        con.execute(sql)
    load_extension(con)
    con.execute(_MULTILINGUAL_SEARCH_MACRO_SQL)  # as migration 22 left it
    con.execute(f"CREATE TABLE {LAKE_COMMITS} (commits BIGINT NOT NULL)")
    con.execute(f"INSERT INTO {LAKE_COMMITS} VALUES (0)")
    con.executemany(
        "INSERT INTO schema_migrations VALUES (?, ?, now())",
        [(m.version, m.name) for m in MIGRATIONS if m.version <= LAKE_BASELINE],
    )


def _migrations_table(con: duckdb.DuckDBPyConnection, lake: bool) -> None:
    key = "" if lake else " PRIMARY KEY"  # DuckLake has no keys; the lake writes it serially
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        f"version INTEGER{key}, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the connection's default database (a file or a lake) has the table `name`."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = ?",
        [name],
    ).fetchone()
    return bool(row and row[0])


def pending(con: duckdb.DuckDBPyConnection, migrations: tuple[Migration, ...] = MIGRATIONS) -> bool:
    """Whether any migration is still to apply (reads only)."""
    if not has_table(con, "schema_migrations"):
        return True
    applied = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    return any(m.version not in applied for m in migrations)


def migrate(
    con: duckdb.DuckDBPyConnection,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    rebuild: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
) -> int:
    """Apply pending migrations in order; return the schema version.

    Each migration is its own transaction. When one of them adds relations derived from
    the articles (`rebuilds`) and the caller passes `rebuild` (which derives them, on the
    schema as it stands after the last migration), every pending migration and the rebuild
    share one transaction: a warehouse never has those relations without their rows.

    A new lake starts with the relations of LAKE_BASELINE (`_lake_baseline`) instead of the
    migrations up to it.
    """
    lake = is_lake(con)
    _migrations_table(con, lake)
    applied = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    if lake and not applied:
        with transaction(con):
            _lake_baseline(con)
        applied = {m.version for m in MIGRATIONS if m.version <= LAKE_BASELINE}
    # Apply every missing version, not only those above the highest: branches that each
    # added a migration may land in any order.
    pending = sorted((m for m in migrations if m.version not in applied), key=lambda m: m.version)
    together = rebuild is not None and any(m.rebuilds for m in pending)
    with transaction(con) if together else nullcontext(con):
        for migration in pending:
            with transaction(con):
                migration.apply(con)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, now())",
                    [migration.version, migration.name],
                )
            applied.add(migration.version)
        if together and rebuild is not None:
            rebuild(con)
    return max(applied, default=0)
