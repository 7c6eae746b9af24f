"""Issue 22: English's strong concepts and negatives, area by area, in each language's cues;
and a headline confirmed by its lead.

`lang_concepts.json` writes, for French, German, Russian and Arabic, what the English cues name
on their own in each area (a gas pipeline, debt relief, air defence, a prisoner exchange, a
hospital built, a high-speed line...), as a wire report would put it. One mention in a sentence
where two countries sign an agreement must give the area. It was written from the English cue
list, not from any error; concepts English itself weighs low (tourism, technology transfer) are
not in it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from entente.transforms.classify import assess, cue_signals, for_language
from tests.taxonomies import bundled_taxonomy

TAXONOMY = bundled_taxonomy()
CONCEPTS = json.loads(Path(__file__).with_name("lang_concepts.json").read_text(encoding="utf-8"))
SENTENCE = {
    "fr": "La France et le Maroc ont signé jeudi un accord sur {}.",
    "de": "Deutschland und Marokko unterzeichneten am Donnerstag ein Abkommen über {}.",
    "ru": "Россия и Марокко подписали в четверг соглашение о {}.",
    "ar": "وقعت مصر والمغرب يوم الخميس اتفاقية بشأن {}.",
}


@pytest.mark.parametrize("language", sorted(CONCEPTS))
def test_english_strong_concepts_name_their_area_in_each_language(language: str) -> None:
    taxonomy = for_language(TAXONOMY, language)
    missed = [
        (area, phrase)
        for area, phrases in CONCEPTS[language].items()
        for phrase in phrases
        if area
        not in {
            label.area
            for label in assess("", SENTENCE[language].format(phrase), taxonomy, language).areas
        }
    ]
    assert missed == []


def test_the_concepts_cover_every_area() -> None:
    areas = {area.slug for area in TAXONOMY.areas}
    for language, table in CONCEPTS.items():
        assert set(table) == areas, language
        assert all(len(phrases) >= 5 for phrases in table.values()), language


# A headline with a weak word of health (0.45) and a lead with another: neither sentence
# reaches `support` alone, together they state the topic.
TITLE = "La Chine aide le Congo dans la santé"
BODY = (
    "BRAZZAVILLE (AFP) - La Chine et le Congo ont signé mercredi un accord pour les hôpitaux "
    "de Pointe-Noire, a indiqué le ministère congolais des Affaires étrangères."
)


def areas(title: str, body: str, language: str, headline: bool | None = None) -> set[str]:
    taxonomy = for_language(TAXONOMY, language)
    if headline is not None:
        assert taxonomy.words is not None
        words = dataclasses.replace(taxonomy.words, headline=headline)
        taxonomy = dataclasses.replace(taxonomy, words=words)
    return {label.area for label in assess(title, body, taxonomy, language).areas}


def test_a_headline_confirmed_by_its_lead_labels_the_area() -> None:
    assert "health" in areas(TITLE, BODY, "fr")
    assert "health" not in areas(TITLE, BODY, "fr", headline=False)


def test_one_weak_word_repeated_in_headline_and_lead_does_not() -> None:
    title = "La Chine aide le Congo pour les hôpitaux de Pointe-Noire"
    assert "health" not in areas(title, BODY, "fr")


def test_a_weak_headline_alone_does_not() -> None:
    body = "BRAZZAVILLE (AFP) - La Chine et le Congo ont signé mercredi un accord."
    assert "health" not in areas(TITLE, body, "fr")


OPTED_IN = [("fr", True), ("de", True), ("ru", True), ("ar", True), ("es", False), ("zh", False)]


@pytest.mark.parametrize(("language", "headline"), OPTED_IN)
def test_which_languages_read_a_confirmed_headline(language: str, headline: bool) -> None:
    taxonomy = for_language(TAXONOMY, language)
    assert taxonomy.words is not None
    assert taxonomy.words.headline is headline


def test_english_keeps_its_own_rule() -> None:
    english = dataclasses.replace(TAXONOMY, scorer=None)
    title = "China helps Congo with health"
    body = (
        "BRAZZAVILLE - China and Congo signed an agreement on Wednesday for the hospitals of "
        "Pointe-Noire, the Congolese foreign ministry said."
    )
    assert english.words is None
    assert "health" not in {label.area for label in assess(title, body, english).areas}


# English's negatives, area by area, in each language: a phrase that only looks like an area.
TRAPS = [
    ("fr", "climate_environment", "le climat des affaires"),
    ("fr", "infrastructure_transport", "une feuille de route"),
    ("fr", "security", "la sécurité énergétique"),
    ("fr", "migration", "les oiseaux migrateurs"),
    ("de", "climate_environment", "das Investitionsklima"),
    ("de", "trade_investment", "die Rüstungsexporte"),
    ("de", "security", "die Münchner Sicherheitskonferenz"),
    ("ru", "energy", "сокращение парниковых газов"),
    ("ru", "security", "Организация Договора о коллективной безопасности"),
    ("ru", "infrastructure_transport", "транзит казахстанской нефти"),
    ("ar", "human_rights", "مؤتمر صحفي"),
    ("ar", "defense", "انقلاب عسكري"),
    ("ar", "migration", "هجرة العقول"),
]


@pytest.mark.parametrize(("language", "area", "phrase"), TRAPS)
def test_a_phrase_that_only_looks_like_an_area_gives_none(
    language: str, area: str, phrase: str
) -> None:
    taxonomy = for_language(TAXONOMY, language)
    signals = cue_signals("", f"{phrase}.", taxonomy)
    assert area not in signals.areas
