from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from entente.transforms.errors import ConfigError
from entente.warehouse import derived, fts, load
from entente.warehouse.db import writer
from entente.warehouse.search import BOLD, PLAIN, format_hits, search, search_connection
from entente.warehouse.session import load_extension
from tests.warehouse.sample import article, corpus, day, stored

WRITTEN = [
    article(
        "both-title",
        title="Gas pipeline agreement signed",
        body="The gas pipeline will carry gas across the border. The pipeline is long.",
        at=day(2026, 1, 5),
        areas={"energy": "The gas pipeline will carry gas."},
    ),
    article(
        "both-body",
        title="Ministers meet",
        body="Talks covered trade, a gas pipeline and visas.",
        at=day(2026, 1, 6),
        parties=("PAK", "CHN"),
    ),
    article(
        "both-long",
        title="Ministers meet again",
        body="Talks covered trade, a gas pipeline and visas among many other topics of the day"
        " including tourism, education, culture, sport, science, health, fisheries, water,"
        " railways, ports, roads, banking, customs, shipping and the weather.",
        at=day(2026, 1, 8),
    ),
    article(
        "gas-only",
        title="Gas prices",
        body="Gas prices rose again this winter in several cities.",
        at=day(2026, 1, 7),
    ),
    article(
        "plural",
        title="New pipelines planned",
        body="Several pipelines are planned for the coming decade.",
        at=day(2026, 2, 1),
    ),
    article(
        "unrelated",
        title="Cricket",
        body="The cricket series ended in a draw after five days.",
        at=day(2026, 2, 2),
    ),
    # Filler, so that the query terms are rare in the collection as they are in real news.
    *(
        article(
            f"filler-{i}",
            title=f"Weekly briefing {i}",
            body="The spokesperson answered questions on visas, students and a visit.",
            at=day(2026, 1, 1 + i),
        )
        for i in range(10)
    ),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return stored(tmp_path / "s.duckdb", WRITTEN)


def ids(hits: list[object]) -> list[str]:
    return [h.article_id for h in hits]  # type: ignore[attr-defined]


def test_ranking_favours_both_terms_short_documents_and_repetition(db: Path) -> None:
    hits = search(db, "gas pipeline")
    order = ids(hits)
    assert order[:2] == ["both-title", "both-body"]
    # The same two words in a much longer text weigh less (BM25's length normalisation).
    assert order.index("both-long") > order.index("both-body")
    # Stemming: "pipelines" matches "pipeline"; unrelated text never appears.
    assert set(order) == {"both-title", "both-body", "both-long", "gas-only", "plural"}
    assert hits[0].score > hits[1].score > 0


def test_stopwords_and_punctuation_do_not_match(db: Path) -> None:
    assert search(db, "the of and") == []
    assert search(db, "!!!") == []
    assert ids(search(db, "CRICKET!")) == ["unrelated"]


def test_scores_equal_the_fts_extensions_own_bm25(db: Path) -> None:
    ours = {h.article_id: h.score for h in search(db, "gas pipeline", limit=50)}
    with duckdb.connect() as con:
        load_extension(con)
        con.execute("CREATE TABLE docs (id TEXT, title TEXT, body TEXT)")
        con.executemany(
            "INSERT INTO docs VALUES (?, ?, ?)",
            [(r.article_id, r.title, r.body_text) for r in WRITTEN],
        )
        con.execute("PRAGMA create_fts_index('docs', 'id', 'title', 'body')")
        theirs = dict(
            con.execute(
                "SELECT id, fts_main_docs.match_bm25(id, 'gas pipeline') AS s FROM docs"
                " WHERE s IS NOT NULL"
            ).fetchall()
        )
    assert ours.keys() == theirs.keys()
    for key, score in theirs.items():
        assert ours[key] == pytest.approx(score, rel=1e-9)


def test_filters_by_area_country_and_date(db: Path) -> None:
    assert ids(search(db, "gas pipeline", area="energy")) == ["both-title"]
    assert ids(search(db, "gas pipeline", country="CHN")) == ["both-body"]
    since = datetime(2026, 1, 10, tzinfo=UTC)
    assert ids(search(db, "gas pipeline", since=since)) == ["plural"]


def test_copies_of_a_story_show_once(tmp_path: Path) -> None:
    path = tmp_path / "c.duckdb"
    with writer(path) as con:
        load.load_articles(con, corpus())
    hits = search(path, "gas pipeline moscow")
    assert ids(hits).count("s1") + ids(hits).count("s1-copy") == 1
    assert next(h for h in hits if h.story_id == "s1").copies == 2


def test_index_is_current_after_each_load_and_matches_a_rebuild(db: Path) -> None:
    late = article(
        "late",
        title="Pipeline talks resume",
        body="Gas pipeline negotiations resumed in Ankara.",
        at=day(2026, 3, 1),
    )
    with writer(db) as con:
        load.load_articles(con, [late])
        incremental = search_connection(con, "gas pipeline", limit=50)
        fts.compact(con)
        compacted = search_connection(con, "gas pipeline", limit=50)
        con.execute("DELETE FROM search_postings")
        con.execute("DELETE FROM search_docs")
        derived.rebuild(con)
        rebuilt = search_connection(con, "gas pipeline", limit=50)
    assert "late" in ids(incremental)
    assert incremental == compacted == rebuilt


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_a_rebuild_indexes_every_article_whatever_the_chunk(
    db: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fts, "INDEX_CHUNK", chunk)
    with writer(db) as con:
        expected = search_connection(con, "gas pipeline", limit=50)
        con.execute("DELETE FROM search_postings")
        con.execute("DELETE FROM search_docs")
        added = derived.rebuild(con)
        rebuilt = search_connection(con, "gas pipeline", limit=50)
        docs = con.execute("SELECT count(*) FROM search_docs").fetchone()
    assert added == len(WRITTEN) and docs == (len(WRITTEN),)
    assert rebuilt == expected


def _memory_limit(con: duckdb.DuckDBPyConnection) -> object:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    return row[0] if row else None


def _watch_sorts(monkeypatch: pytest.MonkeyPatch, failures: int = 0) -> list[object]:
    """Record the memory limit of each compaction sort; the first `failures` of them run
    out of memory instead of sorting."""
    limits: list[object] = []
    rewrite = fts._rewrite_sorted

    def watched(con: duckdb.DuckDBPyConnection) -> None:
        limits.append(_memory_limit(con))
        if len(limits) <= failures:
            raise duckdb.OutOfMemoryException("could not allocate block")
        rewrite(con)

    monkeypatch.setattr(fts, "_rewrite_sorted", watched)
    return limits


def test_compaction_sorts_within_its_own_memory_limit_and_gives_it_back(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _watch_sorts(monkeypatch)
    with writer(db) as con:
        before = search_connection(con, "gas pipeline", limit=50)
        writer_limit = _memory_limit(con)
        fts.compact(con)
        # more than that is in DuckDB's buffers already: compaction keeps the writer's limit
        monkeypatch.setattr(fts, "COMPACT_MEMORY", "1KB")
        fts.compact(con)
        after = search_connection(con, "gas pipeline", limit=50)
        sorted_rows = con.execute("SELECT sorted_rows FROM search_state").fetchall()
        postings = con.execute("SELECT count(*) FROM search_postings").fetchone()
        assert _memory_limit(con) == writer_limit
    assert seen == ["61.0 MiB", writer_limit]
    assert after == before
    assert postings is not None and sorted_rows == [(postings[0],)]


def test_a_sort_that_runs_out_of_memory_is_retried_with_the_writers_limit(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = _watch_sorts(monkeypatch, failures=1)
    with writer(db) as con:
        writer_limit = _memory_limit(con)
        fts.compact(con)
        assert _memory_limit(con) == writer_limit
        unsorted = fts._unsorted_tail(con)
    assert limits == ["61.0 MiB", writer_limit]
    assert unsorted == 0


def test_a_sort_already_under_the_writers_limit_is_not_tried_twice(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = _watch_sorts(monkeypatch, failures=1)
    monkeypatch.setattr(fts, "COMPACT_MEMORY", "1KB")  # cannot be had: the writer's stays
    with writer(db) as con:
        writer_limit = _memory_limit(con)
        with pytest.raises(duckdb.OutOfMemoryException):
            fts.compact(con)
        assert _memory_limit(con) == writer_limit
    assert limits == [writer_limit]


def test_a_compaction_short_of_memory_leaves_the_load_and_the_index_intact(
    db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def out_of_memory(con: duckdb.DuckDBPyConnection) -> None:
        raise duckdb.OutOfMemoryException("could not allocate block")

    monkeypatch.setattr(fts, "_rewrite_sorted", out_of_memory)
    monkeypatch.setattr(fts, "COMPACT_AFTER_ROWS", 0)
    late = article(
        "late",
        title="Pipeline talks resume",
        body="Gas pipeline talks resumed.",
        at=day(2026, 3, 1),
    )
    with writer(db) as con:
        load.load_articles(con, [late])  # compaction was due after it, and failed
        found = ids(search_connection(con, "gas pipeline", limit=50))
        stored = con.execute("SELECT count(*) FROM articles WHERE article_id = 'late'").fetchone()
    assert "late" in found and stored == (1,)
    assert "search index not compacted" in caplog.text


def test_compaction_never_runs_inside_the_callers_transaction(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fts, "COMPACT_AFTER_ROWS", 0)
    with writer(db) as con:
        con.execute("BEGIN TRANSACTION")
        inside = fts.compact_if_due(con)
        con.execute("COMMIT")
        outside = fts.compact_if_due(con)
    assert (inside, outside) == (False, True)


def test_reindexing_a_reprocessed_article_replaces_its_terms(db: Path) -> None:
    with writer(db) as con:
        con.execute("UPDATE articles SET body_text = 'Cricket only.' WHERE article_id = 'plural'")
        con.execute("UPDATE articles SET title = 'Sport' WHERE article_id = 'plural'")
        derived.refresh(con, ["plural"])
        assert "plural" not in ids(search_connection(con, "pipeline"))
        assert "plural" in ids(search_connection(con, "cricket"))


def test_sql_users_get_a_table_macro(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        load_extension(con)
        got = con.execute(
            "SELECT article_id, score FROM search_articles('gas pipeline') LIMIT 2"
        ).fetchall()
    assert [g[0] for g in got] == ["both-title", "both-body"]


def test_copies_crowding_the_candidates_do_not_hide_other_stories(tmp_path: Path) -> None:
    path = tmp_path / "crowd.duckdb"
    copies = [
        article(
            f"copy-{i:03d}",
            title="Gas pipeline gas pipeline",
            body="Gas pipeline talks, gas pipeline deal.",
            at=day(2026, 1, 1),
            source=f"outlet-{i}",
            digest="same-text",
        )
        for i in range(150)
    ]
    other = article(
        "other", title="Pipeline", body="A pipeline was mentioned once.", at=day(2026, 1, 2)
    )
    with writer(path) as con:
        load.load_articles(con, [*copies, other])
    hits = search(path, "gas pipeline", limit=2)
    assert [h.story_id for h in hits] == ["copy-000", "other"]
    assert hits[0].copies == 150


@pytest.mark.parametrize("limit", ["-5", "0", "1001"])
def test_the_limit_is_bounded(db: Path, limit: str, capsys: pytest.CaptureFixture[str]) -> None:
    from entente.flows.cli import main

    assert main(["search", "--db", str(db), "gas", "--limit", limit]) == 1
    assert capsys.readouterr().err == "entente: --limit must be between 1 and 1000\n"
    with pytest.raises(ConfigError):
        search(db, "gas", limit=int(limit))


def test_the_limit_counts_stories(db: Path) -> None:
    assert len(search(db, "gas pipeline", limit=1)) == 1
    assert len(search(db, "gas pipeline", limit=1000)) == 5


def test_each_hit_shows_why(db: Path) -> None:
    hits = {h.article_id: h for h in search(db, "gas pipelines")}
    top = hits["both-title"]
    assert top.areas == ("energy",) and top.parties == ("PAK", "RUS")
    # the sentence with both terms, not the later one with one
    assert top.sentence == "The gas pipeline will carry gas across the border."
    assert top.matched == ("gas", "pipeline")  # "pipelines" found "pipeline"
    assert hits["both-body"].parties == ("CHN", "PAK") and hits["both-body"].areas == ()
    assert hits["plural"].sentence == "Several pipelines are planned for the coming decade."
    assert hits["plural"].matched == ("pipelines",)


def test_a_title_only_match_has_no_sentence(tmp_path: Path) -> None:
    only_title = article("t", title="Pipeline news", body="Nothing here.", at=day(2026, 1, 1))
    path = stored(tmp_path / "t.duckdb", [only_title, *WRITTEN[5:]])
    (hit,) = search(path, "pipeline")
    assert hit.article_id == "t" and hit.sentence is None and hit.matched == ()


def test_the_cli_shows_labels_and_sentence_and_marks_only_terminals(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from entente.flows.cli import main

    assert main(["search", "--db", str(db), "gas pipeline", "--limit", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["areas:", "energy", "parties:", "PAK,", "RUS"]
    assert out[2].strip() == "The gas pipeline will carry gas across the border."
    assert "\x1b" not in "\n".join(out)  # not a terminal: no marks
    marked = format_hits(search(db, "gas pipeline", limit=1), "gas pipeline", marks=True)
    assert f"The {BOLD}gas{PLAIN} {BOLD}pipeline{PLAIN} will carry {BOLD}gas{PLAIN}" in marked


def test_json_for_scripts(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from entente.flows.cli import main

    assert main(["search", "--db", str(db), "gas pipeline", "--format", "json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["article_id"] for r in results[:2]] == ["both-title", "both-body"]
    assert results[0]["areas"] == ["energy"] and results[0]["parties"] == ["PAK", "RUS"]
    assert results[0]["matched"] == ["gas", "pipeline"]
    assert results[0]["published_at"] == "2026-01-05T09:00:00+00:00"


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--country", "pakistan"], "entente: unknown country code 'pakistan'; use ISO 3166-1"),
        (["--area", "enrgy"], "entente: unknown area 'enrgy'; areas: "),
    ],
)
def test_an_unknown_area_or_country_is_refused(
    db: Path, option: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in a filter matched nothing and said '0 stories match', as if there were none."""
    from entente.flows.cli import main

    assert main(["search", "--db", str(db), "gas", *option]) == 1
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err


def test_known_filters_still_search(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from entente.flows.cli import main

    assert main(["search", "--db", str(db), "gas", "--country", "pak", "--area", "energy"]) == 0
    assert "match" in capsys.readouterr().out
