"""Stories across loads: copies, revisions and independent reports on a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from entente.transforms.dedup import fingerprint
from entente.transforms.minhash import unpack_shingles
from entente.transforms.records import AreaLabel, ArticleRecord
from entente.transforms.text import content_hash, word_count
from entente.warehouse import load
from entente.warehouse.db import writer
from entente.warehouse.schema import MIGRATIONS, migrate
from tests.transforms.stories import (
    PIPELINE,
    PIPELINE_INDEPENDENT,
    RAILWAY,
    RAILWAY_OTHER_FIGURES,
    RAILWAY_UPDATED,
    VACCINES,
    VARIANTS,
    WATER,
)

T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)


def article(aid: str, text: str, source: str, at: datetime = T0) -> ArticleRecord:
    return ArticleRecord(
        article_id=aid,
        url=f"https://{source}.example/{aid}",
        source=source,
        title=text.split("\n", maxsplit=1)[0][:60],
        published_at=at,
        language="en",
        body_text=text,
        word_count=word_count(text),
        content_hash=content_hash(text),
        raw_sha256=None,
        fetched_at=at,
        pipeline_version="t",
        classifier_version="c1",
        areas=(AreaLabel("energy", 0.8, "x"),) if "gas" in text else (),
    )


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def test_syndicated_copies_share_the_story_and_keep_their_rows(tmp_path: Path) -> None:
    copies = [
        article(f"copy-{name}", vary(PIPELINE), f"site-{i}", T0 + timedelta(hours=i + 1))
        for i, (name, vary) in enumerate(sorted(VARIANTS.items()))
    ]
    batch = [article("orig", PIPELINE, "wire"), *copies, article("other", WATER, "wire")]
    with writer(tmp_path / "s.duckdb") as con:
        result = load.load_articles(con, batch)
        got = rows(
            con,
            "SELECT article_id, story_id, duplicate_of, duplicate_kind FROM articles"
            " WHERE article_id LIKE 'copy-%' ORDER BY 1",
        )
        story = rows(con, "SELECT articles, sources FROM stories WHERE story_id = 'orig'")
        orig = rows(con, "SELECT story_id, duplicate_of FROM articles WHERE article_id = 'orig'")
    assert result.new == len(batch) and result.duplicates == len(VARIANTS)
    assert [(r[1], r[2]) for r in got] == [("orig", "orig")] * len(VARIANTS)
    assert {r[3] for r in got} == {"near"}
    assert story == [(len(VARIANTS) + 1, len(VARIANTS) + 1)]
    assert orig == [("orig", None)]


def test_a_copy_a_day_later_in_a_separate_run_is_matched(tmp_path: Path) -> None:
    db = tmp_path / "later.duckdb"
    with writer(db) as con:
        load.load_articles(con, [article("a", RAILWAY, "wire"), article("b", VACCINES, "wire")])
    copy = VARIANTS["prefix-and-cut"](RAILWAY)
    with writer(db) as con:  # tomorrow: a new connection, nothing carried over in memory
        result = load.load_articles(con, [article("c", copy, "gazette", T0 + timedelta(days=1))])
        got = rows(
            con, "SELECT story_id, duplicate_of, similarity FROM articles WHERE article_id = 'c'"
        )
        bands = rows(con, "SELECT count(DISTINCT article_id) FROM lsh_bands")
    assert result.duplicates == 1
    assert got[0][:2] == ("a", "a")
    assert isinstance(got[0][2], float) and 0.5 <= got[0][2] < 1.0
    assert bands == [(3,)]


def test_keys_held_by_many_stored_texts_bring_no_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # four releases on the railway story's template, other figures: the keys they share
    # with it are held by five stored texts, boilerplate once the bound is three
    monkeypatch.setattr(load, "MAX_KEY_HOLDERS", 3)
    mates = [
        article(f"mate-{i}", RAILWAY_OTHER_FIGURES, f"site-{i}", T0 + timedelta(hours=i + 1))
        for i in range(4)
    ]
    copy = VARIANTS["prefix-and-cut"](RAILWAY)
    near = [(0, fingerprint(copy))]
    with writer(tmp_path / "hot.duckdb") as con:
        load.load_articles(con, [article("a", RAILWAY, "wire"), *mates])
        bounded = {hit[1] for hit in load._candidates(con, near)}
        with monkeypatch.context() as unbounded:
            unbounded.setattr(load, "MAX_KEY_HOLDERS", 1_000_000)
            every = {hit[1] for hit in load._candidates(con, near)}
        result = load.load_articles(con, [article("c", copy, "gazette", T0 + timedelta(days=1))])
        got = rows(con, "SELECT story_id, duplicate_of FROM articles WHERE article_id = 'c'")
    assert every == {"a", *(m.article_id for m in mates)}  # the template's keys bring them all
    assert bounded == {"a"}  # the copy still shares keys of its own with the original
    assert result.duplicates == 1 and got == [("a", "a")]


def test_an_independent_report_starts_its_own_story(tmp_path: Path) -> None:
    with writer(tmp_path / "i.duckdb") as con:
        load.load_articles(con, [article("ministry", PIPELINE, "mofa")])
        result = load.load_articles(
            con, [article("paper", PIPELINE_INDEPENDENT, "ledger", T0 + timedelta(hours=5))]
        )
        got = rows(con, "SELECT story_id, duplicate_of FROM articles WHERE article_id = 'paper'")
        stories = rows(con, "SELECT count(*) FROM stories")
    assert result.duplicates == 0
    assert got == [("paper", None)]
    assert stories == [(2,)]


def test_an_updated_article_is_one_article_with_two_revisions(tmp_path: Path) -> None:
    db = tmp_path / "rev.duckdb"
    later = T0 + timedelta(hours=20)
    with writer(db) as con:
        load.load_articles(con, [article("rail", RAILWAY, "wire")])
        load.load_articles(con, [article("rail-copy", RAILWAY, "gazette", T0 + timedelta(hours=1))])
    with writer(db) as con:
        result = load.load_articles(con, [article("rail", RAILWAY_UPDATED, "wire", later)])
        again = load.load_articles(con, [article("rail", RAILWAY_UPDATED, "wire", later)])
        art = rows(
            con,
            "SELECT count(*), any_value(revision), any_value(body_text), any_value(story_id),"
            " any_value(duplicate_of), any_value(fetched_at), any_value(revised_at)"
            " FROM articles WHERE article_id = 'rail'",
        )
        history = rows(
            con,
            "SELECT revision, body_text FROM article_revisions"
            " WHERE article_id = 'rail' ORDER BY revision",
        )
        story = rows(con, "SELECT articles, sources FROM stories WHERE story_id = 'rail'")
    assert (result.new, result.revisions) == (0, 1)
    assert (again.new, again.revisions) == (0, 0)
    assert art == [(1, 2, RAILWAY_UPDATED, "rail", None, T0, later)]
    assert history == [(1, RAILWAY), (2, RAILWAY_UPDATED)]
    assert story == [(2, 2)]


def test_a_copy_of_the_updated_text_joins_the_story(tmp_path: Path) -> None:
    db = tmp_path / "rev2.duckdb"
    with writer(db) as con:
        load.load_articles(con, [article("rail", RAILWAY, "wire")])
        load.load_articles(con, [article("rail", RAILWAY_UPDATED, "wire", T0 + timedelta(hours=2))])
    with writer(db) as con:
        copy = VARIANTS["photo-caption"](RAILWAY_UPDATED)
        load.load_articles(con, [article("late", copy, "gazette", T0 + timedelta(days=2))])
        got = rows(con, "SELECT story_id, duplicate_of FROM articles WHERE article_id = 'late'")
    assert got == [("rail", "rail")]


def test_reruns_never_relabel_the_first_copy(tmp_path: Path) -> None:
    db = tmp_path / "rerun.duckdb"
    first = article("first", WATER, "a", T0 + timedelta(days=1))
    earlier_copy = article("older", VARIANTS["wire-prefix"](WATER), "b", T0)  # published before
    with writer(db) as con:
        load.load_articles(con, [first])
    with writer(db) as con:
        load.load_articles(con, [earlier_copy])
        load.load_articles(con, [first, earlier_copy])  # a rerun over both
        got = rows(con, "SELECT article_id, story_id, duplicate_of FROM articles ORDER BY 1")
    assert got == [("first", "first", None), ("older", "first", "first")]


def test_copies_of_a_copy_point_at_the_first_copy(tmp_path: Path) -> None:
    with writer(tmp_path / "chain.duckdb") as con:
        load.load_articles(con, [article("a", PIPELINE, "wire")])
        load.load_articles(con, [article("b", VARIANTS["byline-removed"](PIPELINE), "x")])
        load.load_articles(con, [article("c", PIPELINE.replace("By Hina", "By Hina"), "y")])
        load.load_articles(
            con, [article("d", VARIANTS["byline-removed"](PIPELINE), "z", T0 + timedelta(1))]
        )
        got = rows(con, "SELECT article_id, duplicate_of, duplicate_kind FROM articles ORDER BY 1")
    assert got == [
        ("a", None, None),
        ("b", "a", "near"),
        ("c", "a", "exact"),
        ("d", "a", "exact"),
    ]


def test_migration_indexes_articles_stored_before_it(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        migrate(con, MIGRATIONS[:1])
        rec = article("old", VACCINES, "wire")
        con.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                rec.article_id,
                rec.url,
                rec.source,
                rec.title,
                rec.published_at,
                rec.language,
                rec.body_text,
                rec.word_count,
                "old",
                None,
                rec.fetched_at,
                "t",
                rec.content_hash,
                None,
                "c1",
                "trafilatura",
                False,
            ],
        )
    with writer(db) as con:
        revisions = rows(con, "SELECT article_id, revision FROM article_revisions")
        copy = VARIANTS["paragraph-dropped"](VACCINES)
        load.load_articles(con, [article("new", copy, "gazette", T0 + timedelta(days=30))])
        got = rows(con, "SELECT duplicate_of FROM articles WHERE article_id = 'new'")
    assert revisions == [("old", 1)]
    assert got == [("old",)]


def test_a_revision_stores_its_shingles_and_figures(tmp_path: Path) -> None:
    with writer(tmp_path / "sh.duckdb") as con:
        load.load_articles(con, [article("rail", RAILWAY, "wire")])
        packed, figures = con.execute(
            "SELECT shingles, figures FROM article_revisions WHERE article_id = 'rail'"
        ).fetchone() or (None, None)
    expected = fingerprint(RAILWAY)
    assert unpack_shingles(packed) == expected.shingles
    assert set(figures.split()) == expected.figures and "760" in figures.split()


def test_stored_copies_are_verified_from_their_stored_shingles(tmp_path: Path) -> None:
    db = tmp_path / "verify.duckdb"
    with writer(db) as con:
        load.load_articles(con, [article("a", RAILWAY, "wire")])
        # The stored text no longer says what was shingled: only the stored shingles can
        # still recognise a copy of RAILWAY.
        con.execute("UPDATE article_revisions SET body_text = ?", [WATER])
    copy = VARIANTS["prefix-and-cut"](RAILWAY)
    with writer(db) as con:
        result = load.load_articles(con, [article("c", copy, "gazette", T0 + timedelta(days=1))])
    assert result.duplicates == 1


def test_stored_figures_still_tell_a_template_release_apart(tmp_path: Path) -> None:
    db = tmp_path / "template.duckdb"
    with writer(db) as con:
        load.load_articles(con, [article("a", RAILWAY, "mofa")])
    with writer(db) as con:
        result = load.load_articles(
            con, [article("b", RAILWAY_OTHER_FIGURES, "mofa", T0 + timedelta(days=7))]
        )
        got = rows(con, "SELECT story_id FROM articles WHERE article_id = 'b'")
    assert result.duplicates == 0 and got == [("b",)]


def test_reprocess_with_a_changed_text_records_a_revision(tmp_path: Path) -> None:
    with writer(tmp_path / "re.duckdb") as con:
        load.load_articles(con, [article("w", WATER, "wire")])
        assert load.replace_derived(con, [article("w", WATER, "wire")]) == 1
        unchanged = rows(con, "SELECT count(*) FROM article_revisions")
        load.replace_derived(con, [article("w", WATER + "\n\nA new closing line.", "wire")])
        got = rows(con, "SELECT revision, content_hash FROM articles")
        history = rows(con, "SELECT count(*) FROM article_revisions")
    assert unchanged == [(1,)]
    assert got == [(2, content_hash(WATER + "\n\nA new closing line."))]
    assert history == [(2,)]
