"""Events in the warehouse: reports grouped as they arrive, in any order, copies included."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from entente.transforms.classify import Taxonomy
from entente.transforms.events import EVENTS_VERSION
from entente.transforms.pipeline import build_record
from entente.transforms.records import ArticleRecord, ExtractedArticle
from entente.warehouse import load
from entente.warehouse.db import writer
from entente.warehouse.events import _reports
from tests.taxonomies import bundled_taxonomy
from tests.transforms.stories import PIPELINE, PIPELINE_INDEPENDENT, RAILWAY

TUESDAY = datetime(2026, 3, 3, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return bundled_taxonomy()


COPY = "ISLAMABAD (Meridian) - " + PIPELINE
LATER = """Pakistani and Russian officials met in Moscow on Tuesday for technical talks on how \
to finance the gas pipeline from Karachi to Lahore, a week after their energy ministers met \
in Islamabad.

The working group, led by deputy ministers, discussed the share of Russian state banks in the \
project loan and the tariff Pakistan would pay. A Pakistani official said no agreement had \
been reached and the talks would continue in April."""


def page(
    taxonomy: Taxonomy, source: str, slug: str, title: str, body: str, at: datetime
) -> ArticleRecord:
    extracted = ExtractedArticle(
        url=f"https://{source}.example/{slug}", title=title, body_text=body, published_at=at
    )
    return build_record(extracted, extracted.url, source, at + timedelta(hours=1), None, taxonomy)


def reports(taxonomy: Taxonomy) -> dict[str, ArticleRecord]:
    """A ministry and a wire on one meeting, a copy of the ministry's text, the same pair's
    meeting a week later, and another pair's railway deal the same day."""
    week = timedelta(days=7)
    return {
        "ministry": page(taxonomy, "mofa", "m", "Pakistan and Russia agree to restart pipeline",
                         PIPELINE, TUESDAY),
        "wire": page(taxonomy, "wire", "w", "Russia ready to fund most of Pakistan gas link",
                     PIPELINE_INDEPENDENT, TUESDAY + timedelta(hours=2)),
        "copy": page(taxonomy, "paper", "c", "Pakistan and Russia agree to restart pipeline",
                     COPY, TUESDAY + timedelta(hours=5)),
        "later": page(taxonomy, "mofa", "l", "Pakistan, Russia experts discuss pipeline finance",
                      LATER, TUESDAY + week),
        "railway": page(taxonomy, "wire", "r", "Uzbekistan, Pakistan sign railway deal",
                        RAILWAY, TUESDAY),
    }  # fmt: skip


def load_in(path: Path, batches: list[list[ArticleRecord]]) -> dict[str, str]:
    with writer(path) as con:
        for batch in batches:
            load.load_articles(con, batch)
        rows = con.execute("SELECT url, event_id FROM articles").fetchall()
    return dict(rows)


def named(records: dict[str, ArticleRecord], events: dict[str, str]) -> dict[str, str]:
    """Each report's event, as the name of the report that names it."""
    by_id = {r.article_id: name for name, r in records.items()}
    return {name: by_id[events[r.url]] for name, r in records.items()}


def test_independent_reports_and_copies_share_an_event(tmp_path: Path, taxonomy: Taxonomy) -> None:
    records = reports(taxonomy)
    events = named(records, load_in(tmp_path / "e.duckdb", [list(records.values())]))
    assert events == {
        "ministry": "ministry",
        "wire": "ministry",
        "copy": "ministry",
        "later": "later",
        "railway": "railway",
    }
    with duckdb.connect(str(tmp_path / "e.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT articles, stories, sources, parties, event_day, title FROM event_coverage"
            " WHERE event_id = ?",
            [records["ministry"].article_id],
        ).fetchone()
        assert row is not None
        assert row[:5] == (3, 2, 3, ["PAK", "RUS"], TUESDAY.date())
        assert row[5] == "Pakistan and Russia agree to restart pipeline"
        assert con.execute("SELECT count(*) FROM events").fetchone() == (3,)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_order_and_batching_gives_the_same_events(
    tmp_path: Path, taxonomy: Taxonomy, seed: int
) -> None:
    records = reports(taxonomy)
    expected = named(records, load_in(tmp_path / "all.duckdb", [list(records.values())]))
    order = list(records.values())
    random.Random(seed).shuffle(order)
    batches = [[r] for r in order]
    assert named(records, load_in(tmp_path / f"one-{seed}.duckdb", batches)) == expected


def test_a_revised_report_leaves_its_event(tmp_path: Path, taxonomy: Taxonomy) -> None:
    records = reports(taxonomy)
    db = tmp_path / "r.duckdb"
    load_in(db, [list(records.values())])
    moved = replace(
        records["wire"],
        title="Uzbekistan and Pakistan sign railway framework",
        body_text=RAILWAY,
        content_hash="railway-now",
        fetched_at=records["wire"].fetched_at + timedelta(hours=1),
        event_cues=None,
    )
    with writer(db) as con:
        load.load_articles(con, [moved])
        rows = dict(con.execute("SELECT url, event_id FROM articles").fetchall())
        stale = con.execute(
            "SELECT count(*) FROM event_coverage WHERE event_id = ? AND stories = 2",
            [records["ministry"].article_id],
        ).fetchone()
    assert rows[records["wire"].url] != rows[records["ministry"].url]
    assert rows[records["copy"].url] == rows[records["ministry"].url]
    assert stale == (0,)  # the ministry's event counts one story now


BOTH_SIDES = """Defence Secretary John Healey and Norwegian Defence Minister Tore Sandvik signed \
an agreement in Oslo on Tuesday under which Norway will buy five Type 26 frigates built on the \
Clyde, worth 10 billion pounds.

The ships will hunt submarines in the North Atlantic."""
ONE_SIDE = """Shipyard workers in Govan cheered the order for five Type 26 frigates that Healey \
and Sandvik signed in Oslo on Tuesday, worth 10 billion pounds to the Clyde."""


@pytest.mark.parametrize("one_side_first", [True, False])
def test_a_report_naming_one_side_joins_whichever_arrives_first(
    tmp_path: Path, taxonomy: Taxonomy, one_side_first: bool
) -> None:
    # The yard's paper names Norway only: Britain is there by its people and its river.
    both = page(taxonomy, "mod", "b", "UK and Norway sign frigate agreement", BOTH_SIDES, TUESDAY)
    one = page(taxonomy, "paper", "o", "Clyde yards celebrate Norwegian frigate order", ONE_SIDE,
               TUESDAY + timedelta(hours=3))  # fmt: skip
    batches = [[one], [both]] if one_side_first else [[both], [one]]
    events = load_in(tmp_path / "s.duckdb", batches)
    assert events[one.url] == events[both.url] == both.article_id


def test_a_stored_report_whose_cues_an_older_version_read_is_read_again(
    tmp_path: Path, taxonomy: Taxonomy
) -> None:
    # Cues stored before the opening was kept (events_version 2) say nothing of it: when a
    # new report meets such a report, its cues are read again from its stored text.
    records = reports(taxonomy)
    db = tmp_path / "v.duckdb"
    load_in(db, [[records["ministry"]]])
    with writer(db) as con:
        con.execute("UPDATE event_cues SET opening = '', events_version = '2'")
    events = load_in(db, [[records["wire"]]])
    assert events[records["wire"].url] == events[records["ministry"].url]
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT events_version, opening FROM event_cues WHERE article_id = ?",
            [records["ministry"].article_id],
        ).fetchone()
    assert row is not None and row[0] == EVENTS_VERSION
    assert "restart" in row[1]


TOKYO = """India's foreign minister met Japan's foreign minister on Tuesday to review the high \
speed rail project and semiconductor supply chains."""
DELHI = """The Indian and Japanese coast guards signed a search and rescue memorandum on \
Tuesday, as the foreign ministers reviewed the high speed rail project."""


@pytest.mark.parametrize("stored_first", ["tokyo", "delhi"])
def test_stored_venues_keep_two_capitals_apart(
    tmp_path: Path, taxonomy: Taxonomy, stored_first: str
) -> None:
    # Where the event is told is stored with the cues: the report loaded first is compared,
    # from the table, with the one loaded next, in either order.
    tokyo = page(taxonomy, "mea", "t", "Indian minister meets Japanese counterpart in Tokyo",
                 TOKYO, TUESDAY)  # fmt: skip
    delhi = page(taxonomy, "wire", "d", "India, Japan coast guards sign rescue pact in New Delhi",
                 DELHI, TUESDAY + timedelta(hours=2))  # fmt: skip
    first, second = (tokyo, delhi) if stored_first == "tokyo" else (delhi, tokyo)
    db = tmp_path / "v.duckdb"
    events = load_in(db, [[first], [second]])
    assert events[tokyo.url] != events[delhi.url]
    with duckdb.connect(str(db), read_only=True) as con:
        venues = dict(con.execute("SELECT article_id, venue FROM event_cues").fetchall())
    assert venues == {tokyo.article_id: "JPN", delhi.article_id: "IND"}


SANTIAGO_ES = """El canciller Tomás Valdivia recibió este martes en Santiago al canciller de \
Argentina, Federico Irazábal. Ambos firmaron un protocolo para agilizar el paso de camiones por \
el Cristo Redentor y acordaron un calendario de trabajo sobre el litio de Maricunga."""
SANTIAGO_EN = """Argentina and Chile will open a cargo-only lane at the Cristo Redentor pass in \
the Andes, their foreign ministers Federico Irazábal and Tomás Valdivia said on Tuesday after \
meeting in Santiago, and will hold talks on lithium from the Maricunga salt flat."""


@pytest.mark.parametrize("stored_first", ["es", "en"])
def test_a_report_in_another_language_joins_the_stored_one(
    tmp_path: Path, taxonomy: Taxonomy, stored_first: str
) -> None:
    # The language of each article is read with its stored report: two reports in two
    # languages are compared on names, figures and areas, whichever was stored first.
    def with_language(slug: str, title: str, body: str, language: str) -> ArticleRecord:
        extracted = ExtractedArticle(
            url=f"https://{slug}.example/{slug}", title=title, body_text=body,
            published_at=TUESDAY, language=language,
        )  # fmt: skip
        return build_record(extracted, extracted.url, slug, TUESDAY, None, taxonomy)

    spanish = with_language("minrel", "Valdivia recibe a Irazábal en Santiago", SANTIAGO_ES, "es")
    english = with_language("wire", "Argentina, Chile agree faster truck crossing at Andes pass",
                            SANTIAGO_EN, "en")  # fmt: skip
    first, second = (spanish, english) if stored_first == "es" else (english, spanish)
    db = tmp_path / "l.duckdb"
    events = load_in(db, [[first], [second]])
    assert events[spanish.url] == events[english.url]
    with duckdb.connect(str(db), read_only=True) as con:
        stored = _reports(con, [spanish.article_id, english.article_id])
    assert stored[spanish.article_id].language == "es"
    assert stored[english.article_id].language == "en"
