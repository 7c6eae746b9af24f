"""The BM25 index behind `entente search`, kept current by small incremental steps.

DuckDB's fts extension supplies the analysis (its Porter stemmer, its English stopwords and
its tokenizing rule), so a term here is exactly the term its `match_bm25` would use, and our
scores equal the extension's. The index itself is ours: `create_fts_index` can only rebuild
from scratch and stores one row per token, which costs minutes and seconds per query at a
million articles. We keep one posting per (term, article) instead, sorted by term so that a
query reads only the few row groups holding its terms, and append to it after every load.

    search_docs(article_id, len)          one row per indexed article, len = indexed tokens
    search_postings(term, article_id, tf) one row per distinct term of an article
    search_stopwords(word)                the extension's English list, copied once
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import duckdb

from transforms.errors import WarehouseError

STEMMER = "porter"

# The extension's own tokenizer: lower-case, strip accents, punctuation and digits to spaces.
TOKENIZE_SQL = (
    "string_split_regex(regexp_replace(lower(strip_accents(CAST({text} AS VARCHAR))),"
    " '[0-9!@#$%^&*()_+={{}}\\[\\]:;<>,.?~\\\\/\\|''''\"`-]+', ' ', 'g'), '\\s+')"
)

# A tail of unsorted postings longer than this is merged into the sorted body.
COMPACT_AFTER_ROWS = 2_000_000


def extension_path() -> Path:
    """Where the fts extension from the `duckdb-extension-fts` wheel lies on disk."""
    spec = importlib.util.find_spec("duckdb_extension_fts")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError("the duckdb-extension-fts package is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    version = duckdb.__version__
    path = root / "extensions" / f"v{version}" / "fts.duckdb_extension"
    if not path.is_file():
        found = sorted(root.rglob("fts.duckdb_extension"))
        raise WarehouseError(
            f"no fts extension for duckdb {version} under {root}"
            f" (found: {', '.join(str(p.parent.name) for p in found) or 'none'});"
            " install duckdb-extension-fts with the same version as duckdb"
        )
    return path


def load_extension(con: duckdb.DuckDBPyConnection) -> None:
    """Load fts from the installed wheel; never from the network."""
    con.execute(f"LOAD '{extension_path()}'")


def terms_sql(text: str) -> str:
    """SQL for the stemmed tokens of `text` (an SQL expression), before stopword removal."""
    return f"stem(unnest({TOKENIZE_SQL.format(text=text)}), '{STEMMER}')"


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS search_docs (article_id TEXT NOT NULL, len INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS search_postings (
            term TEXT NOT NULL, article_id TEXT NOT NULL, tf INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS search_stopwords (word TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS search_state (
            sorted_rows BIGINT NOT NULL, compacted_at TIMESTAMPTZ);
        """
    )


def _copy_stopwords(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT count(*) FROM search_stopwords").fetchone()
    if row and row[0]:
        return
    with duckdb.connect() as scratch:
        load_extension(scratch)
        scratch.execute("CREATE TABLE probe (id INTEGER, t TEXT)")
        scratch.execute("PRAGMA create_fts_index('probe', 'id', 't')")
        rows = scratch.execute("SELECT sw FROM fts_main_probe.stopwords").fetchall()
        words = [r[0] for r in rows]
    con.executemany("INSERT INTO search_stopwords VALUES (?)", [(w,) for w in words])


def index_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str] | None = None) -> int:
    """Index articles not in the index yet (or re-index `article_ids`); return how many.

    Runs in the caller's connection, so it belongs to the same short write window as the load.
    """
    load_extension(con)
    _copy_stopwords(con)
    con.execute("BEGIN TRANSACTION")
    try:
        if article_ids is not None:
            ids = list(article_ids)
            con.execute("DELETE FROM search_docs WHERE list_contains(?, article_id)", [ids])
            con.execute("DELETE FROM search_postings WHERE list_contains(?, article_id)", [ids])
            pending = "SELECT article_id FROM articles WHERE list_contains($ids, article_id)"
            params: dict[str, object] = {"ids": ids}
        else:
            pending = "SELECT article_id FROM articles ANTI JOIN search_docs USING (article_id)"
            params = {}
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE pending_terms AS
            WITH todo AS ({pending}),
            tokens AS (
                SELECT a.article_id,
                       {terms_sql("coalesce(a.title, '') || ' ' || a.body_text")} AS term
                FROM articles a SEMI JOIN todo USING (article_id)
            )
            SELECT article_id, term, count(*)::INTEGER AS tf
            FROM tokens
            WHERE term <> '' AND term NOT IN (SELECT word FROM search_stopwords)
            GROUP BY article_id, term
            """,
            params,
        )
        con.execute(
            f"""
            INSERT INTO search_docs
            SELECT t.article_id, coalesce(sum(p.tf), 0)::INTEGER
            FROM ({pending}) t LEFT JOIN pending_terms p USING (article_id)
            GROUP BY t.article_id
            """,
            params,
        )
        added = con.execute("SELECT count(DISTINCT article_id) FROM pending_terms").fetchone()
        con.execute(
            "INSERT INTO search_postings SELECT term, article_id, tf FROM pending_terms"
            " ORDER BY term"
        )
        con.execute("DROP TABLE pending_terms")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if _unsorted_tail(con) > COMPACT_AFTER_ROWS:
        compact(con)
    return int(added[0]) if added else 0


def _unsorted_tail(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT (SELECT count(*) FROM search_postings)"
        " - coalesce((SELECT max(sorted_rows) FROM search_state), 0)"
    ).fetchone()
    return int(row[0]) if row else 0


def compact(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite the postings sorted by term, so each query term reads few row groups."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "CREATE OR REPLACE TABLE search_postings AS"
            " SELECT * FROM search_postings ORDER BY term, article_id"
        )
        con.execute("DELETE FROM search_state")
        con.execute("INSERT INTO search_state SELECT count(*), now() FROM search_postings")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """The distinct indexed terms of a query, analysed exactly as the articles were."""
    rows = con.execute(
        f"SELECT DISTINCT term FROM (SELECT {terms_sql('$q')} AS term)"
        " WHERE term <> '' AND term NOT IN (SELECT word FROM search_stopwords) ORDER BY term",
        {"q": query},
    ).fetchall()
    return [r[0] for r in rows]


K1 = 1.2
B = 0.75


def bm25_sql(terms: str) -> str:
    """BM25 scores per article for the terms in relation `terms(term)`, as the fts extension
    computes them (base-10 log idf, k1 = 1.2, b = 0.75, title and body as one field)."""
    return f"""
        p AS (SELECT term, article_id, tf FROM search_postings WHERE term IN ({terms})),
        df AS (SELECT term, count(*) AS df FROM p GROUP BY term),
        st AS (SELECT count(*) AS n, avg(len) AS avgdl FROM search_docs),
        scored AS (
            SELECT p.article_id,
                   sum(log((st.n - df.df + 0.5) / (df.df + 0.5) + 1)
                       * p.tf * ({K1} + 1)
                       / (p.tf + {K1} * (1 - {B} + {B} * d.len / st.avgdl))) AS score
            FROM p JOIN df USING (term) JOIN search_docs d USING (article_id) CROSS JOIN st
            GROUP BY p.article_id
        )"""


def macro_sql() -> str:
    """The `search_articles(q)` table macro for SQL users (needs the fts extension loaded)."""
    terms = (
        f"SELECT DISTINCT term FROM (SELECT {terms_sql('q')} AS term)"
        " WHERE term <> '' AND term NOT IN (SELECT word FROM search_stopwords)"
    )
    return f"""
        CREATE OR REPLACE MACRO search_articles(q) AS TABLE
        WITH {bm25_sql(terms)}
        SELECT s.score, a.article_id, a.story_id, a.title, a.source, a.url,
               coalesce(a.published_at, a.fetched_at) AS published_at
        FROM scored s JOIN articles a USING (article_id)
        ORDER BY s.score DESC, a.article_id
        """
