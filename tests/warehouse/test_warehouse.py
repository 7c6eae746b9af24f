from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from entente.transforms.errors import WarehouseError
from entente.transforms.records import AreaLabel, ArticleRecord, CountryMention, RawDocument
from entente.warehouse import load
from entente.warehouse.db import reader, writer
from entente.warehouse.query import format_rows, run_query
from entente.warehouse.schema import MIGRATIONS, migrate
from tests.warehouse.holder import held_elsewhere

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


def record(aid: str, digest: str, source: str = "s1", at: datetime = T0) -> ArticleRecord:
    return ArticleRecord(
        article_id=aid,
        url=f"https://x.example/{aid}",
        source=source,
        title=f"T {aid}",
        published_at=at,
        language="en",
        body_text=f"Body of text {digest}.",  # one text per digest, as content_hash promises
        word_count=4,
        content_hash=digest,
        raw_sha256=None,
        fetched_at=at,
        pipeline_version="t",
        classifier_version="c1",
        areas=(AreaLabel("energy", 0.8, "Body."),),
        countries=(CountryMention("PAK", 2, "party"),),
    )


def test_migrations_are_recorded_and_idempotent(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "m.duckdb")) as con:
        assert migrate(con) == MIGRATIONS[-1].version
        assert migrate(con) == MIGRATIONS[-1].version
        rows = con.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]


def test_query_surface_has_the_contract_columns(tmp_path: Path) -> None:
    contract = {
        "articles": {
            "article_id",
            "url",
            "source",
            "title",
            "published_at",
            "language",
            "body_text",
            "word_count",
            "story_id",
            "duplicate_of",
            "fetched_at",
            "pipeline_version",
        },
        "article_areas": {"article_id", "area", "score", "evidence"},
        "article_countries": {"article_id", "country", "mentions", "role"},
        "stories": {"story_id", "first_seen_at", "articles", "sources", "title"},
        "runs": {"run_id", "flow", "started_at", "finished_at", "status"},
        "fetches": {"run_id", "url", "source", "status", "outcome", "error", "fetched_at"},
    }
    with writer(tmp_path / "c.duckdb") as con:
        for relation, columns in contract.items():
            got = {r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()}
            assert columns <= got, (relation, columns - got)


def test_loads_are_idempotent_and_copies_join_the_first_story(tmp_path: Path) -> None:
    db = tmp_path / "l.duckdb"
    later = datetime(2026, 6, 2, tzinfo=UTC)
    with writer(db) as con:
        first = load.load_articles(con, [record("a", "h1"), record("b", "h2")])
        again = load.load_articles(con, [record("a", "h1"), record("b", "h2")])
        copy = load.load_articles(con, [record("c", "h1", source="s2", at=later)])
        stories = con.execute(
            "SELECT story_id, articles, sources FROM stories ORDER BY 1"
        ).fetchall()
        c = con.execute(
            "SELECT story_id, duplicate_of FROM articles WHERE article_id = 'c'"
        ).fetchone()
        n_areas = con.execute("SELECT count(*) FROM article_areas").fetchone()
    assert (first.new, first.duplicates) == (2, 0)
    assert (again.new, again.duplicates) == (0, 0)
    assert (copy.new, copy.duplicates) == (1, 1)
    assert c == ("a", "a")
    assert stories == [("a", 2, 2), ("b", 1, 1)]
    assert n_areas == (3,)


def test_raw_documents_round_trip_compressed(tmp_path: Path) -> None:
    body = b"<html>" + b"diplomacy " * 1000 + b"</html>"
    doc = RawDocument("https://x/a", "https://x/a", "s", T0, "text/html", body)
    with writer(tmp_path / "r.duckdb") as con:
        load.archive_raw(con, [doc, doc])
        load.archive_raw(con, [doc])
        stored = con.execute(
            "SELECT count(*), max(octet_length(body)) FROM raw_documents"
        ).fetchone()
        assert load.read_raw(con, doc.raw_sha256) == body
    assert stored is not None and stored[0] == 1 and stored[1] < len(body) / 10


def test_pages_are_read_back_a_batch_at_a_time(tmp_path: Path) -> None:
    docs = [
        RawDocument(
            f"https://x/{i}", f"https://x/{i}", "s", T0, "text/html", f"<p>{i}</p>".encode()
        )
        for i in range(5)
    ]
    with writer(tmp_path / "r.duckdb") as con:
        load.archive_raw(con, docs)
        keys = [d.raw_sha256 for d in docs]
        got = load.read_raws(con, [keys[1], keys[3], "not-stored"])
        with pytest.raises(KeyError):
            load.read_raw(con, "not-stored")
    assert got == {keys[1]: b"<p>1</p>", keys[3]: b"<p>3</p>"}


def test_pages_archived_with_zlib_before_zstd_still_read_back(tmp_path: Path) -> None:
    body = b"<html>" + "d\u00e9tente ".encode() * 500 + b"</html>"
    doc = RawDocument("https://x/a", "https://x/a", "s", T0, "text/html", body)
    with writer(tmp_path / "r.duckdb") as con:
        load.archive_raw(con, [doc])
        key = doc.raw_sha256
        assert con.execute("SELECT compression FROM raw_documents").fetchall() == [("zstd",)]
        con.execute(
            "UPDATE raw_documents SET compression = 'zlib', body = ? WHERE raw_sha256 = ?",
            [zlib.compress(body, 6), key],
        )
        assert load.read_raw(con, key) == body


def test_reprocess_replaces_derived_rows_and_keeps_the_story(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    with writer(db) as con:
        load.load_articles(con, [record("a", "h1")])
        changed = replace(
            record("a", "h1"), classifier_version="c2", areas=(AreaLabel("defense", 0.9, "Body."),)
        )
        assert load.replace_derived(con, [changed]) == 1
        rows = con.execute("SELECT area, classifier_version FROM article_areas").fetchall()
        art = con.execute("SELECT story_id, classifier_version FROM articles").fetchone()
    assert rows == [("defense", "c2")]
    assert art == ("a", "c2")


def test_an_article_met_twice_in_a_reprocess_keeps_one_set_of_labels(tmp_path: Path) -> None:
    # Two URLs that canonicalise to one id give two records; the label tables have no key
    # index to refuse the second, so the latest fetch alone is written. An id that is not
    # stored gets no labels.
    db = tmp_path / "twice.duckdb"
    later = datetime(2026, 6, 2, tzinfo=UTC)
    with writer(db) as con:
        load.load_articles(con, [record("a", "h1")])
        older = replace(record("a", "h1"), areas=(AreaLabel("energy", 0.5, "Old."),))
        newer = replace(record("a", "h1", at=later), areas=(AreaLabel("defense", 0.9, "New."),))
        stray = replace(record("b", "h2"), areas=(AreaLabel("trade", 0.7, "Stray."),))
        replaced = load.replace_derived(con, [newer, older, stray])
        areas = con.execute("SELECT article_id, area FROM article_areas ORDER BY 1, 2").fetchall()
        countries = con.execute(
            "SELECT article_id, country, count(*) FROM article_countries GROUP BY ALL"
        ).fetchall()
    assert replaced == 1
    assert areas == [("a", "defense")]
    assert all(n == 1 for _, _, n in countries) and {a for a, _, _ in countries} == {"a"}


def test_sql_is_read_only_and_formats(tmp_path: Path) -> None:
    db = tmp_path / "q.duckdb"
    with writer(db) as con:
        load.load_articles(con, [record("a", "h1")])
    with pytest.raises(WarehouseError, match="read-only"):
        run_query(db, "DELETE FROM articles")
    with pytest.raises(WarehouseError, match="read-only"):
        run_query(db, "CREATE TABLE x (i INT)")
    columns, rows = run_query(db, "SELECT article_id, published_at FROM articles")
    assert format_rows(columns, rows, "csv").splitlines() == [
        "article_id,published_at",
        "a,2026-06-01T12:00:00+00:00",
    ]
    assert '"article_id": "a"' in format_rows(columns, rows, "json")
    assert "(1 row)" in format_rows(columns, rows, "table")
    with pytest.raises(WarehouseError, match="no warehouse"):
        run_query(tmp_path / "missing.duckdb", "SELECT 1")


def test_second_process_waits_for_the_lock_instead_of_failing(tmp_path: Path) -> None:
    db = tmp_path / "lock.duckdb"
    with writer(db):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, time, sys
            con = duckdb.connect({str(db)!r})
            print("locked", flush=True)
            time.sleep(1.5)
            con.close()
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    waits: list[float] = []
    started = time.monotonic()
    with reader(db, patience=30, on_wait=waits.append) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    holder.wait(timeout=30)
    assert waits, "the reader should have reported that it was waiting"
    assert time.monotonic() - started >= 1.0


def test_lock_held_too_long_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    with writer(db):
        pass
    with (
        held_elsewhere(db, seconds=5),
        pytest.raises(WarehouseError, match="locked by another Entente process"),
        reader(db, patience=0.5),
    ):
        pass


def test_dyads_pair_the_parties_per_area_and_organisations_are_kept(tmp_path: Path) -> None:
    trilateral = replace(
        record("t", "h-t"),
        areas=(AreaLabel("energy", 0.9, "Gas."), AreaLabel("trade_investment", 0.7, "Trade.")),
        countries=(
            CountryMention("PAK", 3, "party"),
            CountryMention("AFG", 2, "party"),
            CountryMention("UZB", 2, "party"),
            CountryMention("USA", 1, "mentioned"),
        ),
        organisations=(("SCO", 2), ("UN", 1)),
    )
    with writer(tmp_path / "d.duckdb") as con:
        load.load_articles(con, [trilateral])
        dyads = con.execute(
            "SELECT country_a, country_b, area, evidence FROM dyads ORDER BY 3, 1, 2"
        ).fetchall()
        orgs = con.execute("SELECT organisation, mentions FROM article_organisations").fetchall()
        load.replace_derived(con, [replace(trilateral, organisations=(("EU", 4),))])
        after = con.execute("SELECT organisation, mentions FROM article_organisations").fetchall()
    assert dyads == [
        ("AFG", "PAK", "energy", "Gas."),
        ("AFG", "UZB", "energy", "Gas."),
        ("PAK", "UZB", "energy", "Gas."),
        ("AFG", "PAK", "trade_investment", "Trade."),
        ("AFG", "UZB", "trade_investment", "Trade."),
        ("PAK", "UZB", "trade_investment", "Trade."),
    ]
    assert sorted(orgs) == [("SCO", 2), ("UN", 1)]
    assert after == [("EU", 4)]
    assert all(c not in {"SCO", "UN", "EU"} for row in dyads for c in row[:2])


def test_a_page_met_twice_in_one_batch_is_archived_as_its_first_sighting(
    tmp_path: Path,
) -> None:
    body = b"<html>" + b"syndicated text " * 200 + b"</html>"
    first = RawDocument("https://one/a", "https://one/a", "one", T0, "text/html", body)
    second = RawDocument("https://two/b", "https://two/b", "two", T0, "text/html", body)
    with writer(tmp_path / "r.duckdb") as con:
        load.archive_raw(con, [first, second])
        rows = con.execute("SELECT url, source FROM raw_documents").fetchall()
    assert first.raw_sha256 == second.raw_sha256
    assert rows == [("https://one/a", "one")]
