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

import functools
import logging
from collections.abc import Collection

import duckdb

from entente.transforms.segment import SEGMENTED, spaced_words
from entente.warehouse.bulk import SEP, joined
from entente.warehouse.session import (
    WRITER_MEMORY_LIMIT,
    in_transaction,
    is_lake,
    load_extension,
    transaction,
)

log = logging.getLogger(__name__)

STEMMER = "porter"

# The extension's own tokenizer: lower-case, strip accents, punctuation and digits to spaces.
TOKENIZE_SQL = (
    "string_split_regex(regexp_replace(lower(strip_accents(CAST({text} AS VARCHAR))),"
    " '[0-9!@#$%^&*()_+={{}}\\[\\]:;<>,.?~\\\\/\\|''''\"`-]+', ' ', 'g'), '\\s+')"
)

# Articles in these languages (ISO 639-1) are indexed with their language's Snowball stemmer
# from the fts extension, and queries are analysed with each of them as well as with Porter.
# Every other language, English included, keeps the extension's own analysis (above).
STEMMERS = {
    "ru": "russian", "fr": "french", "es": "spanish", "de": "german", "ar": "arabic",
    "it": "italian", "pt": "portuguese", "nl": "dutch", "sv": "swedish", "no": "norwegian",
    "da": "danish", "fi": "finnish", "tr": "turkish", "ro": "romanian", "hu": "hungarian",
}  # fmt: skip
# Their tokenizer: letters only, so that «», ،؛؟ and 。，、 separate words too. Accents stay
# (the stemmers read them: "cooperación", "Verträge"); ё is written е as often as not.
WORDS_SQL = (
    "string_split_regex(regexp_replace(replace(lower(CAST({text} AS VARCHAR)), 'ё', 'е'),"
    " '[^\\p{{L}}]+', ' ', 'g'), '\\s+')"
)


def analyser_sql(language: str) -> str:
    """SQL: what analyses an article, from its `language` column: the language itself when it
    has a stemmer above or is segmented (Chinese), else 'en'."""
    listed = ", ".join(f"'{code}'" for code in sorted({*STEMMERS, *SEGMENTED}))
    return f"CASE WHEN {language} IN ({listed}) THEN {language} ELSE 'en' END"


def term_sql(token: str, analyser: str) -> str:
    """SQL: the indexed term of `token` under `analyser`; segmented words are not stemmed."""
    branches = " ".join(
        f"WHEN '{code}' THEN stem({token}, '{stemmer}')" for code, stemmer in STEMMERS.items()
    )
    segmented = " ".join(f"WHEN '{code}' THEN {token}" for code in sorted(SEGMENTED))
    return f"CASE {analyser} {branches} {segmented} ELSE stem({token}, '{STEMMER}') END"


def tokens_sql(text: str, analyser: str) -> str:
    """SQL: the list of tokens of `text` under `analyser`."""
    return (
        f"CASE WHEN {analyser} = 'en' THEN {TOKENIZE_SQL.format(text=text)}"
        f" ELSE {WORDS_SQL.format(text=text)} END"
    )


def has_han(text: str) -> bool:
    """Whether `text` holds Chinese characters, to be segmented before it is tokenized."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# Label postings: never produced by the tokenizer, which turns '#' and ':' into spaces.
AREA_LABEL = "#area:"
COUNTRY_LABEL = "#country:"

# Articles indexed per step of a first build (memory grows with it).
INDEX_CHUNK = 100_000

# A tail of unsorted postings longer than this is merged into the sorted body.
COMPACT_AFTER_ROWS = 2_000_000


@functools.cache
def english_stopwords() -> tuple[str, ...]:
    """The extension's English stopword list, read once per process from a scratch index."""
    with duckdb.connect() as scratch:
        load_extension(scratch)
        scratch.execute("CREATE TABLE probe (id INTEGER, t TEXT)")
        scratch.execute("PRAGMA create_fts_index('probe', 'id', 't')")
        rows = scratch.execute("SELECT sw FROM fts_main_probe.stopwords ORDER BY sw").fetchall()
    return tuple(r[0] for r in rows)


def _copy_stopwords(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT count(*) FROM search_stopwords").fetchone()
    if row and row[0]:
        return
    con.execute(
        "INSERT INTO search_stopwords SELECT unnest(?::TEXT[])", [list(english_stopwords())]
    )


def index_articles(con: duckdb.DuckDBPyConnection, article_ids: Collection[str]) -> int:
    """Index these articles as they are stored now, replacing what the index held for any of
    them; return how many were indexed.

    Runs in the caller's transaction when it has one (a load's), so the index changes with
    the articles; the caller then calls `compact_if_due`, outside it. Stopwords are dropped
    before stemming and each distinct token is stemmed once, as the extension's own indexer
    does. Goes by chunks of INDEX_CHUNK articles, to bound its memory on a first build.
    """
    load_extension(con)
    _copy_stopwords(con)
    ids = list(dict.fromkeys(article_ids))
    added = 0
    with transaction(con):
        for start in range(0, len(ids), INDEX_CHUNK):
            chunk = joined(ids[start : start + INDEX_CHUNK])
            con.execute(
                "CREATE OR REPLACE TEMP TABLE index_ids AS"
                f" SELECT unnest(string_split(?, '{SEP}')) AS article_id",
                [chunk],
            )
            _forget(con)
            added += _index_chunk(
                con, "SELECT * FROM articles SEMI JOIN index_ids USING (article_id)"
            )
        con.execute("DROP TABLE IF EXISTS index_ids")
    return added


def _forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what the index holds for the articles in `index_ids`; new ones cost one look."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stale_docs AS"
        " SELECT docid FROM search_docs SEMI JOIN index_ids USING (article_id)"
    )
    row = con.execute("SELECT count(*) FROM stale_docs").fetchone()
    if row and row[0]:
        con.execute("DELETE FROM search_postings WHERE docid IN (SELECT docid FROM stale_docs)")
        con.execute("DELETE FROM search_docs WHERE docid IN (SELECT docid FROM stale_docs)")
    con.execute("DROP TABLE stale_docs")


def _index_chunk(con: duckdb.DuckDBPyConnection, todo: str) -> int:
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE pending_docs AS
        SELECT (SELECT coalesce(max(docid), 0) FROM search_docs)
                   + row_number() OVER (ORDER BY article_id) AS docid,
               article_id, story_id, coalesce(published_at, fetched_at) AS published_at,
               {analyser_sql("language")} AS analyser,
               coalesce(title, '') || ' ' || body_text AS text
        FROM ({todo})
        """
    )
    _segment_pending(con)
    row = con.execute("SELECT count(*) FROM pending_docs").fetchone()
    count = int(row[0]) if row else 0
    if count:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE pending_terms AS
            WITH tokens AS (
                SELECT docid, analyser, unnest({tokens_sql("text", "analyser")}) AS token
                FROM pending_docs
            ),
            counted AS (
                SELECT docid, analyser, token, count(*) AS tf FROM tokens
                WHERE token <> '' AND token NOT IN (SELECT word FROM search_stopwords)
                GROUP BY docid, analyser, token
            ),
            stems AS (
                SELECT analyser, token, {term_sql("token", "analyser")} AS term
                FROM (SELECT DISTINCT analyser, token FROM counted)
            )
            SELECT term, docid, sum(tf)::INTEGER AS tf
            FROM counted JOIN stems USING (analyser, token)
            GROUP BY term, docid
            """
        )
        con.execute(
            """
            INSERT INTO search_docs
            SELECT d.docid, d.article_id, d.story_id, d.published_at,
                   coalesce(sum(p.tf), 0)::INTEGER
            FROM pending_docs d LEFT JOIN pending_terms p USING (docid)
            GROUP BY ALL
            """
        )
        # Labels ride along as postings with tf 0 ('#area:energy', '#country:PAK'), so the
        # search filters read a few sorted row groups of integers instead of joining text.
        con.execute(
            f"""
            INSERT INTO search_postings
            SELECT * FROM (
                SELECT t.term, t.docid, t.tf, d.len
                FROM pending_terms t JOIN search_docs d USING (docid)
                UNION ALL
                SELECT DISTINCT '{AREA_LABEL}' || aa.area, d.docid, 0, 0
                FROM pending_docs d JOIN article_areas aa USING (article_id)
                UNION ALL
                SELECT DISTINCT '{COUNTRY_LABEL}' || ac.country, d.docid, 0, 0
                FROM pending_docs d JOIN article_countries ac USING (article_id)
            ) ORDER BY 1, 2
            """
        )
        con.execute("DROP TABLE pending_terms")
    con.execute("DROP TABLE pending_docs")
    return count


def _segment_pending(con: duckdb.DuckDBPyConnection) -> None:
    """Put spaces between the words of the pending Chinese texts, which have none."""
    rows = con.execute(
        "SELECT docid, text FROM pending_docs WHERE list_contains($codes, analyser)",
        {"codes": sorted(SEGMENTED)},
    ).fetchall()
    if rows:
        con.execute(
            "UPDATE pending_docs SET text = s.text FROM"
            " (SELECT unnest($ids) AS docid, unnest($texts) AS text) s"
            " WHERE pending_docs.docid = s.docid",
            {"ids": [r[0] for r in rows], "texts": [spaced_words(r[1]) for r in rows]},
        )


def _unsorted_tail(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT (SELECT count(*) FROM search_postings)"
        " - coalesce((SELECT max(sorted_rows) FROM search_state), 0)"
    ).fetchone()
    return int(row[0]) if row else 0


# Memory DuckDB may use while it sorts the postings; the sort spills past it, which kept
# the peak down with no loss of time (bench/warehouse).
COMPACT_MEMORY = "64MB"


def compact_if_due(con: duckdb.DuckDBPyConnection) -> bool:
    """Compact when the unsorted tail has grown past COMPACT_AFTER_ROWS; return whether it did.

    Never inside another transaction: a failed compaction must not take a load down with
    it. One that runs out of memory leaves the postings as they were (queries stay right,
    only slower) and is tried again after the next load.
    """
    if is_lake(con) or in_transaction(con) or _unsorted_tail(con) <= COMPACT_AFTER_ROWS:
        # A lake's files are merged by its own maintenance (warehouse/lake.py, `maintain`);
        # rewriting the table here would conflict with every concurrent load.
        return False
    try:
        compact(con)
    except duckdb.OutOfMemoryException as exc:
        log.warning("search index not compacted: %s", str(exc).splitlines()[0])
        return False
    return True


def compact(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite the postings sorted by term, so each query term reads few row groups."""
    limit = _memory_limit(con)
    try:
        try:
            con.execute(f"SET memory_limit = '{COMPACT_MEMORY}'")
            lowered = True
        except duckdb.OutOfMemoryException:
            # More than that is in DuckDB's buffers now; it keeps the setting it could not
            # reach, so put the writer's back and sort within it.
            con.execute(f"SET memory_limit = '{limit}'")
            lowered = False
        try:
            _rewrite_sorted(con)
        except duckdb.OutOfMemoryException:
            if not lowered or in_transaction(con):
                # the same sort under the same limit would fail again, and a spoilt
                # transaction of the caller's cannot retry anything
                raise
            con.execute(f"SET memory_limit = '{limit}'")  # the sort needed more: give it back
            _rewrite_sorted(con)
    finally:
        if not in_transaction(con) or _usable(con):
            con.execute(f"SET memory_limit = '{limit}'")


def _usable(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1")
    except duckdb.TransactionException:
        return False  # aborted: the caller rolls back, and then sets the limit back
    return True


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    """The connection's memory limit, to put back. DuckDB shows it rounded (256MB reads
    '244.1 MiB', which sets a little less): a writer's gets its exact setting back."""
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    shown = str(row[0]) if row else ""
    with duckdb.connect() as scratch:
        scratch.execute(f"SET memory_limit = '{WRITER_MEMORY_LIMIT}'")
        writer_row = scratch.execute("SELECT current_setting('memory_limit')").fetchone()
    return WRITER_MEMORY_LIMIT if writer_row and writer_row[0] == shown else shown


def _rewrite_sorted(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        con.execute(
            "CREATE OR REPLACE TABLE search_postings AS"
            " SELECT * FROM search_postings ORDER BY term, docid"
        )
        con.execute("DELETE FROM search_state")
        con.execute("INSERT INTO search_state SELECT count(*), now() FROM search_postings")


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """The distinct indexed terms of a query, analysed as the articles of every language were:
    Porter's terms, each Snowball stemmer's, and the words of the query segmented as Chinese."""
    stems = ", ".join(f"stem(token, '{stemmer}')" for stemmer in STEMMERS.values())
    rows = con.execute(
        f"""
        WITH en AS (SELECT unnest({TOKENIZE_SQL.format(text="$q")}) AS token),
        words AS (SELECT unnest({WORDS_SQL.format(text="$q")}) AS token),
        segmented AS (SELECT unnest({WORDS_SQL.format(text="$spaced")}) AS token),
        terms AS (
            SELECT stem(token, '{STEMMER}') AS term FROM en
            WHERE token NOT IN (SELECT word FROM search_stopwords)
            UNION ALL
            SELECT unnest([{stems}]) FROM words
            WHERE token NOT IN (SELECT word FROM search_stopwords)
            UNION ALL
            SELECT token FROM segmented
        )
        SELECT DISTINCT term FROM terms WHERE term <> '' ORDER BY term
        """,
        {"q": query, "spaced": spaced_words(query) if has_han(query) else ""},
    ).fetchall()
    return [r[0] for r in rows]


K1 = 1.2
B = 0.75


def bm25_sql(terms: str, filters: str = "", dated: bool = False) -> str:
    """BM25 scores per indexed document for the terms in `terms` (a list of SQL literals or a
    subquery), as the fts extension computes them: base-10 log idf, k1 = 1.2, b = 0.75, title
    and body counted as one field. `filters` is an SQL condition on `p.docid`, and on `d`
    (search_docs) when `dated`. Each posting carries its document's length, so scoring reads
    only the sorted postings of the query terms: the cost follows the number of matches."""
    docs = "JOIN search_docs d USING (docid)" if dated else ""
    return f"""
        p AS (SELECT term, docid, tf, len FROM search_postings WHERE term IN ({terms})),
        df AS (SELECT term, count(*) AS df FROM p GROUP BY term),
        st AS (SELECT count(*) AS n, avg(len) AS avgdl FROM search_docs),
        scored AS (
            SELECT p.docid,
                   sum(log((st.n - df.df + 0.5) / (df.df + 0.5) + 1)
                       * p.tf * ({K1} + 1)
                       / (p.tf + {K1} * (1 - {B} + {B} * p.len / st.avgdl))) AS score
            FROM p JOIN df USING (term) {docs} CROSS JOIN st
            {"WHERE " + filters if filters else ""}
            GROUP BY p.docid
        )"""


def label_filter(label: str) -> str:
    """SQL: the document carries `label` (an escaped literal such as '#area:energy')."""
    return f"p.docid IN (SELECT docid FROM search_postings WHERE term = {label})"
