from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from entente.transforms.records import AreaLabel
from entente.warehouse import load
from entente.warehouse.db import writer
from tests.warehouse.sample import GAS, article, corpus, day, stored


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return stored(tmp_path / "v.duckdb", corpus())


def rows(path: Path, sql: str, params: object = None) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_cooperation_by_month_counts_stories_once_and_every_copy(db: Path) -> None:
    got = rows(
        db,
        "SELECT month, area, stories, articles, sources FROM cooperation_by_month"
        " WHERE country_a = 'PAK' AND country_b = 'RUS' ORDER BY month, area",
    )
    assert got == [
        (date(2026, 3, 1), "energy", 2, 3, 2),
        (date(2026, 3, 1), "peace_process", 1, 2, 2),
    ]


def test_pairs_are_unordered_and_only_between_parties(db: Path) -> None:
    pairs = rows(db, "SELECT DISTINCT country_a, country_b FROM cooperation_by_month ORDER BY 1, 2")
    assert pairs == [("CHN", "PAK"), ("IND", "JPN"), ("PAK", "RUS"), ("PAK", "TUR")]
    # Afghanistan is only mentioned in s1, so it is nobody's partner.
    assert not rows(db, "SELECT * FROM cooperation_evidence WHERE 'AFG' IN (country_a, country_b)")


def test_cooperation_by_week_uses_monday_weeks(db: Path) -> None:
    got = rows(
        db,
        "SELECT week, stories, articles FROM cooperation_by_week"
        " WHERE country_a = 'PAK' AND country_b = 'RUS' AND area = 'energy' ORDER BY week",
    )
    # 3 and 4 March 2026 fall in the week of Monday 2 March; 20 March in the week of the 16th.
    assert got == [(date(2026, 3, 2), 1, 2), (date(2026, 3, 16), 1, 1)]


def test_country_counterparts_ranks_by_stories(db: Path) -> None:
    got = rows(
        db,
        "SELECT area, rank, counterpart, stories FROM country_counterparts"
        " WHERE country = 'PAK' ORDER BY area, rank, counterpart",
    )
    assert got == [
        ("counterterrorism", 1, "CHN", 2),
        ("defense", 1, "TUR", 1),
        ("energy", 1, "RUS", 2),
        ("peace_process", 1, "RUS", 1),
        ("trade_investment", 1, "CHN", 1),
    ]
    # Both directions are there: Russia's counterpart in energy is Pakistan.
    assert rows(db, "SELECT counterpart FROM country_counterparts WHERE country = 'RUS'") == [
        ("PAK",),
        ("PAK",),
    ]


def test_story_coverage_puts_widely_carried_stories_first(db: Path) -> None:
    got = rows(
        db,
        "SELECT story_id, sources, articles, source_list, areas, parties FROM story_coverage"
        " ORDER BY sources DESC, story_id LIMIT 2",
    )
    assert got[0] == (
        "s1",
        2,
        2,
        ["daily", "wire"],
        ["energy", "peace_process"],
        ["PAK", "RUS"],
    )
    assert got[1][1] == 1


def test_evidence_rows_are_the_articles_behind_a_number(db: Path) -> None:
    number = rows(
        db,
        "SELECT articles FROM cooperation_by_month WHERE country_a = 'PAK'"
        " AND country_b = 'RUS' AND area = 'energy' AND month = DATE '2026-03-01'",
    )
    behind = rows(
        db,
        "SELECT article_id, is_copy, evidence, url FROM cooperation_evidence"
        " WHERE country_a = 'PAK' AND country_b = 'RUS' AND area = 'energy'"
        " AND month = DATE '2026-03-01' ORDER BY article_id",
    )
    assert number == [(len(behind),)]
    assert [r[0] for r in behind] == ["s1", "s1-copy", "s2"]
    assert [r[1] for r in behind] == [False, True, False]
    assert all(r[2] == GAS for r in behind)
    assert behind[0][3] == "https://news.example/wire/s1"


def test_views_follow_new_loads_and_reprocessing(db: Path) -> None:
    extra = article(
        "s7",
        title="Second copy of the pipeline story",
        body="Pakistan and Russia agreed to speed up work on the pipeline.",
        at=day(2026, 3, 5),
        areas={"energy": GAS},
        source="radio",
        digest="h-s1",
    )
    with writer(db) as con:
        load.load_articles(con, [extra])
    assert rows(db, "SELECT sources, articles FROM story_coverage WHERE story_id = 's1'") == [
        (3, 3)
    ]
    # Reprocessing relabels s2 as trade: the views follow in the same write.
    relabelled = replace(
        corpus()[2], areas=(AreaLabel("trade_investment", 0.7, "Trade was discussed."),)
    )
    with writer(db) as con:
        assert load.replace_derived(con, [relabelled]) == 1
    got = rows(
        db,
        "SELECT area, stories FROM cooperation_by_month WHERE country_b = 'RUS'"
        " AND month = DATE '2026-03-01' ORDER BY area",
    )
    assert got == [("energy", 1), ("peace_process", 1), ("trade_investment", 1)]
