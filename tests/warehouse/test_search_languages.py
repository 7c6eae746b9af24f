"""Search in each article's language: stemmed Russian, French, Spanish, German and Arabic, and
segmented Chinese, from `entente search` and from the SQL macro alike."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from entente.warehouse import fts
from entente.warehouse.search import search
from entente.warehouse.session import load_extension
from tests.warehouse.sample import article, day, stored

WRITTEN = [
    ("ru-gas", "ru", "Россия и Пакистан обсудили газопровод",
     "Стороны договорились ускорить строительство газопровода «Пакистанский поток»."),
    ("fr-energy", "fr", "Coopération énergétique entre Paris et Rabat",
     "Les deux pays ont signé un accord de coopération énergétique et hydrogène."),
    ("es-trade", "es", "Argentina y Brasil firman acuerdos comerciales",
     "Los presidentes firmaron acuerdos de cooperación comercial en Brasilia."),
    ("de-arms", "de", "Deutschland liefert Rüstungsgüter",
     "Die Verträge über Lieferungen von Luftabwehrsystemen wurden unterzeichnet."),
    ("ar-coop", "ar", "باكستان وروسيا تبحثان التعاون",
     "بحث وزيرا خارجية البلدين سبل تعزيز التعاون في مجال الطاقة، والأمن."),
    ("zh-corridor", "zh", "中巴经济走廊能源合作取得进展",
     "双方同意加强能源合作，推动中巴经济走廊建设。"),
    ("en-gas", "en", "Gas pipeline talks", "Pakistan and Russia discussed the gas pipeline."),
    ("en-other", "en", "Cricket", "The series ended in a draw."),
]  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = [
        dataclasses.replace(article(aid, title=title, body=body, at=day(2026, 3, 1 + i)),
                            language=language)
        for i, (aid, language, title, body) in enumerate(WRITTEN)
    ]  # fmt: skip
    return stored(tmp_path_factory.mktemp("search") / "w.duckdb", records)


def found(db: Path, query: str) -> list[str]:
    return [hit.article_id for hit in search(db, query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("газопроводы", "ru-gas"),  # another case of the same word
        ("coopérations énergétiques", "fr-energy"),
        ("acuerdo comercial", "es-trade"),
        ("Vertrag Lieferung", "de-arms"),
        ("الطاقة والتعاون", "ar-coop"),
        ("能源合作", "zh-corridor"),
        ("经济走廊", "zh-corridor"),
    ],
)
def test_words_are_found_in_other_forms_in_their_language(
    db: Path, query: str, expected: str
) -> None:
    assert found(db, query)[:1] == [expected]


def test_english_is_analysed_as_before(db: Path) -> None:
    assert found(db, "gas pipelines") == ["en-gas"]


def test_each_article_is_indexed_with_its_languages_stemmer(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        load_extension(con)
        terms = {
            row[0]
            for row in con.execute(
                "SELECT term FROM search_postings JOIN search_docs USING (docid)"
                " WHERE article_id = 'ru-gas'"
            ).fetchall()
        }
    assert "газопровод" in terms  # russian stem of газопровода
    assert "газопровода" not in terms


def test_the_sql_macro_searches_every_language(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        load_extension(con)
        for query, expected in (("газопроводы", "ru-gas"), ("能源合作", "zh-corridor")):
            rows = con.execute("SELECT article_id FROM search_articles(?)", [query]).fetchall()
            assert rows[0][0] == expected


def test_the_best_sentence_of_a_chinese_hit_shows_its_words(db: Path) -> None:
    hit = search(db, "能源合作")[0]
    assert hit.sentence == "双方同意加强能源合作，推动中巴经济走廊建设。"
    assert set(hit.matched) >= {"能源", "合作"}


def test_query_terms_cover_every_analysis() -> None:
    with duckdb.connect() as con:
        load_extension(con)
        con.execute("CREATE TABLE search_stopwords (word TEXT)")
        terms = fts.query_terms(con, "газопровода 中巴能源合作 pipelines")
    assert {"газопровод", "能源", "合作", "pipelin"} <= set(terms)


def test_every_view_says_which_languages_its_articles_are_in(tmp_path: Path) -> None:
    body = "Pakistan and Russia signed a gas deal."
    records = [
        dataclasses.replace(
            article(aid, title="Gas deal", body=body, at=day(2026, 3, 2),
                    areas={"energy": body}, digest="same"),
            language=language, source=source,
        )
        for aid, language, source in (("en-1", "en", "wire"), ("ru-1", "ru", "tass"))
    ]  # fmt: skip
    db = stored(tmp_path / "w.duckdb", records)
    with duckdb.connect(str(db), read_only=True) as con:
        evidence = con.execute(
            "SELECT article_id, language FROM cooperation_evidence ORDER BY 1"
        ).fetchall()
        assert evidence == [("en-1", "en"), ("ru-1", "ru")]
        for view in ("cooperation_by_month", "cooperation_by_week", "country_counterparts"):
            assert con.execute(f"SELECT DISTINCT languages FROM {view}").fetchall() == [
                (["en", "ru"],)
            ]
        assert con.execute("SELECT languages FROM story_coverage").fetchall() == [(["en", "ru"],)]
