from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from entente.warehouse.db import writer
from entente.warehouse.schema import MIGRATIONS, UNKEYED_ARTICLE_TABLES, Migration, migrate
from entente.warehouse.search import search
from entente.warehouse.state import save_versions
from tests.warehouse.sample import corpus

SNAPSHOT_SQL = (
    "SELECT a.article_id, a.title, a.story_id, a.duplicate_of, a.published_at,"
    " list(DISTINCT aa.area ORDER BY aa.area), list(DISTINCT ac.country ORDER BY ac.country)"
    " FROM articles a JOIN article_areas aa USING (article_id)"
    " JOIN article_countries ac USING (article_id) GROUP BY ALL ORDER BY 1"
)


def insert_as_version_1(con: duckdb.DuckDBPyConnection) -> None:
    """Write the sample corpus the way the version 1 loader did: exact copies join a story."""
    first: dict[str, str] = {}
    for r in sorted(corpus(), key=lambda r: (r.fetched_at, r.article_id)):
        original = first.setdefault(r.content_hash, r.article_id)
        duplicate_of = None if original == r.article_id else original
        con.execute(
            "INSERT INTO articles (article_id, url, source, title, published_at, language,"
            " body_text, word_count, story_id, duplicate_of, fetched_at, pipeline_version,"
            " content_hash, raw_sha256, classifier_version, extraction_method, truncated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                r.article_id,
                r.url,
                r.source,
                r.title,
                r.published_at,
                r.language,
                r.body_text,
                r.word_count,
                original,
                duplicate_of,
                r.fetched_at,
                r.pipeline_version,
                r.content_hash,
                r.raw_sha256,
                r.classifier_version,
                r.extraction_method,
                r.truncated,
            ],
        )
        for a in r.areas:
            con.execute(
                "INSERT INTO article_areas VALUES (?, ?, ?, ?, ?)",
                [r.article_id, a.area, a.score, a.evidence, r.classifier_version],
            )
        for c in r.countries:
            con.execute(
                "INSERT INTO article_countries VALUES (?, ?, ?, ?)",
                [r.article_id, c.country, c.mentions, c.role],
            )


def test_a_version_1_warehouse_is_upgraded_with_its_data_intact(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        assert migrate(con, MIGRATIONS[:1]) == 1
        insert_as_version_1(con)
        before = con.execute(SNAPSHOT_SQL).fetchall()
        assert con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'cooperation_by_month'"
        ).fetchone() == (0,)

    with writer(db) as con:
        versions = [
            r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        ]
        after = con.execute(SNAPSHOT_SQL).fetchall()
        by_month = con.execute(
            "SELECT stories, articles FROM cooperation_by_month WHERE country_a = 'PAK'"
            " AND country_b = 'RUS' AND area = 'energy'"
        ).fetchall()
        indexed = con.execute("SELECT count(*) FROM search_docs").fetchone()
    assert versions == [m.version for m in MIGRATIONS]
    assert after == before and len(after) == len(corpus())
    # The new objects answer from the old rows straight away, before any new load.
    assert by_month == [(2, 3)]
    assert indexed == (len(corpus()),)
    assert [h.article_id for h in search(db, "turkey naval exercise")][:1] == ["s4"]


def _up_to(version: int) -> tuple[Migration, ...]:
    return tuple(m for m in MIGRATIONS if m.version <= version)


def _keyed(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ?"
        " AND constraint_type = 'PRIMARY KEY'",
        [table],
    ).fetchone()
    return bool(row and row[0])


def test_raw_pages_keep_their_rows_and_lose_their_key_index(tmp_path: Path) -> None:
    db = tmp_path / "raw.duckdb"
    body = b"\x28\xb5\x2f\xfd compressed page"
    with duckdb.connect(str(db)) as con:
        migrate(con, _up_to(8))
        con.execute(
            "INSERT INTO raw_documents VALUES ('k', 'https://x/a', 'https://x/a', 's',"
            " 'text/html', '2026-06-01 08:00:00+00', 40, 'zstd', ?, 't', NULL, NULL)",
            [body],
        )
        keyed = _keyed(con, "raw_documents")
    with writer(db) as con:
        rows = con.execute("SELECT raw_sha256, body, feed_title FROM raw_documents").fetchall()
        still_keyed = _keyed(con, "raw_documents")
    assert [m.name for m in MIGRATIONS if m.version == 9] == ["raw pages without a primary key"]
    assert keyed and not still_keyed
    assert rows == [("k", body, "t")]


def test_article_tables_keep_rows_columns_and_rules_without_their_key_indexes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "articles.duckdb"
    with duckdb.connect(str(db)) as con:
        migrate(con, _up_to(9))
        insert_as_version_1(con)
        con.execute(
            "INSERT INTO article_state VALUES ('s1', 'src', 'https://x/s1', NULL,"
            " '2026-06-01 08:00:00+00')"
        )
        before = con.execute(SNAPSHOT_SQL).fetchall()
        columns_sql = (
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM duckdb_columns() WHERE table_name IN"
            " ('articles', 'article_areas', 'article_countries', 'article_organisations',"
            " 'article_state') ORDER BY table_name, column_index"
        )
        columns_before = con.execute(columns_sql).fetchall()
        keyed = [_keyed(con, t) for t in UNKEYED_ARTICLE_TABLES]
    with writer(db) as con:
        after = con.execute(SNAPSHOT_SQL).fetchall()
        columns_after = con.execute(columns_sql).fetchall()
        still_keyed = [_keyed(con, t) for t in UNKEYED_ARTICLE_TABLES]
        # the NOT NULL rules and defaults came through: a missing text is refused, and a
        # row that leaves out `truncated` and `revision` gets false and 1
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO article_areas VALUES ('s1', 'energy', 1.0, NULL, 'v')")
        con.execute(
            "INSERT INTO articles (article_id, url, source, body_text, word_count, story_id,"
            " fetched_at, pipeline_version, content_hash, classifier_version,"
            " extraction_method) VALUES ('n1', 'https://x/n1', 'src', 'text', 1, 'n1',"
            " now(), 'p', 'h', 'c', 'm')"
        )
        defaults = con.execute(
            "SELECT truncated, revision FROM articles WHERE article_id = 'n1'"
        ).fetchone()
    # page versions are still upserted: one row per article, the latest
    save_versions_at(db, "s1", datetime(2026, 6, 2, tzinfo=UTC))
    with writer(db) as con:
        state = con.execute("SELECT article_id, fetched_at FROM article_state").fetchall()
    assert all(keyed) and not any(still_keyed)
    assert after == before and len(after) == len(corpus())
    # ...and the only column added since is migration 23's articles.event_id
    added = [c for c in columns_after if c not in columns_before]
    assert [c for c in columns_after if c not in added] == columns_before
    assert [c[:2] for c in added] == [("articles", "event_id")]
    assert defaults == (False, 1)
    assert state == [("s1", datetime(2026, 6, 2, tzinfo=UTC))]


def save_versions_at(db: Path, article_id: str, fetched_at: datetime) -> None:
    with writer(db) as con:
        save_versions(con, [(article_id, "src", f"https://x/{article_id}", None, fetched_at)])


def test_a_failed_migration_leaves_the_old_version(tmp_path: Path) -> None:
    def broken(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE half_done (i INTEGER)")
        con.execute("SELECT * FROM no_such_table")

    db = tmp_path / "f.duckdb"
    with duckdb.connect(str(db)) as con:
        migrate(con, MIGRATIONS[:1])
        with pytest.raises(duckdb.Error):
            migrate(con, (*MIGRATIONS[:1], Migration(99, "broken", broken)))
        version = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        leftover = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half_done'"
        ).fetchone()
    assert version == (1,)
    assert leftover == (0,)
