"""Each language's cue file reads as a taxonomy of the same areas, with its words around cues."""

from __future__ import annotations

import re

import pytest

from entente.transforms.classify import default_taxonomy_text, parse_taxonomy
from entente.transforms.errors import ConfigError
from entente.transforms.languages import LANGUAGES, area_taxonomy_text, language_words

ENGLISH = parse_taxonomy(default_taxonomy_text())


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_cues_for_every_area_with_the_english_definitions(
    language: str,
) -> None:
    taxonomy = parse_taxonomy(area_taxonomy_text(language, default_taxonomy_text()))
    assert [a.slug for a in taxonomy.areas] == [a.slug for a in ENGLISH.areas]
    assert [a.definition for a in taxonomy.areas] == [a.definition for a in ENGLISH.areas]
    assert taxonomy.version.endswith(f"+{language}.2026.12.1")


def cue_matches(language: str, area: str, text: str) -> bool:
    taxonomy = parse_taxonomy(area_taxonomy_text(language, default_taxonomy_text()))
    words = language_words(language)
    prepared = words.prepare(text.lower())
    found = next(a for a in taxonomy.areas if a.slug == area)
    return any(re.fullmatch(cue.pattern, prepared) for cue in found.cues)


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        ("ru", "energy", "газопровода"),
        ("fr", "counterterrorism", "antiterroriste"),
        ("es", "trade_investment", "aranceles"),
        ("de", "energy", "Energiepartnerschaft"),
        ("ar", "counterterrorism", "والإرهاب"),  # clitic and article, hamza folded
        ("ar", "energy", "بالطاقة النووية"),
        ("zh", "energy", "能源合作"),
    ],
)
def test_cues_match_the_forms_texts_use(language: str, area: str, text: str) -> None:
    assert cue_matches(language, area, text)


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("ru", "стороны подписали соглашение о сотрудничестве"),
        ("fr", "les deux pays ont signé un accord de coopération"),
        ("es", "ambos países firmaron un acuerdo de cooperación"),
        ("de", "beide länder unterzeichneten ein abkommen"),
        ("ar", "وقع البلدان اتفاقية للتعاون"),
        ("zh", "双方签署合作协议"),
    ],
)
def test_words_of_dealings_are_read_in_each_language(language: str, sentence: str) -> None:
    words = language_words(language)
    prepared = words.prepare(sentence)
    assert words.context.search(prepared)
    assert words.interaction.search(prepared)
    assert not words.negation.search(prepared)


def test_chinese_is_matched_without_word_boundaries() -> None:
    assert not language_words("zh").spaced
    assert language_words("zh").context.search("中巴双方同意加强合作")
    assert language_words("ru").spaced


def test_a_language_without_cues_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="'pt'"):
        language_words("pt")
