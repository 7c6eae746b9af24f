"""Countries in Russian, French, Spanish, German, Arabic and Chinese: inflections, short forms."""

from __future__ import annotations

from typing import Any

import pytest

from entente.transforms import gazetteer
from entente.transforms.countries import count_actors, find_countries, find_organisations
from entente.transforms.gazetteer import for_language, iso_names
from entente.transforms.inflect import arabic, russian
from entente.transforms.sentences import split_sentences


def named(text: str, language: str) -> set[str]:
    return {m.country for m in find_countries(None, text, language)}


def parties(title: str, body: str, language: str) -> set[str]:
    return {m.country for m in find_countries(title, body, language) if m.role == "party"}


@pytest.mark.parametrize(
    ("text", "language", "code"),
    [
        ("Делегация прибыла из России.", "ru", "RUS"),
        ("Соглашение с Россией подписано.", "ru", "RUS"),
        ("Договор с Узбекистаном вступил в силу.", "ru", "UZB"),
        ("Поставки в Гвинею выросли.", "ru", "GIN"),
        ("Министр встретился с послом Южной Кореи.", "ru", "KOR"),
        ("Переговоры прошли в Кишинёве.", "ru", "MDA"),
        ("Он говорил с Сергеем Лавровым.", "ru", "RUS"),
        ("L'aide à l'Inde augmente.", "fr", "IND"),
        ("Le contrat d'Algérie est signé.", "fr", "DZA"),
        ("Les soldats sont arrivés aux États-Unis.", "fr", "USA"),
        ("La délégation nigérienne est arrivée.", "fr", "NER"),
        ("Las autoridades rusas firmaron.", "es", "RUS"),
        ("La visita de EE.UU. terminó.", "es", "USA"),
        ("Die Regierung Litauens stimmte zu.", "de", "LTU"),
        ("Der russischen Delegation wurde gedankt.", "de", "RUS"),
        ("Ein Kremlsprecher äußerte sich.", "de", "RUS"),
        ("وقعت باكستان وروسيا اتفاقا.", "ar", "RUS"),
        ("وصل الوفد بالصين امس.", "ar", "CHN"),
        ("قدم الدعم للصين.", "ar", "CHN"),
        ("قال الوزير الروسي إن الزيارة مهمة.", "ar", "RUS"),
        ("俄罗斯外长拉夫罗夫抵达伊斯兰堡。", "zh", "PAK"),
    ],
)
def test_inflected_forms_clitics_and_seats_name_their_country(
    text: str, language: str, code: str
) -> None:
    assert code in named(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Корабли прошли через Южно-Китайское море.", "ru"),
        ("Les navires croisent dans l'océan Indien.", "fr"),
        ("La hidrovía Paraguay-Paraná está seca.", "es"),
        ("Die Schiffe kreuzen im Südchinesischen Meer.", "de"),
        ("تعززت صادرات الخام عبر البحر الاحمر ودعم مالي كبير.", "ar"),
        ("代表团在日内瓦举行会议。", "zh"),
    ],
)
def test_seas_regions_and_lookalikes_are_not_countries(text: str, language: str) -> None:
    assert named(text, language) == set()


def test_a_russian_compound_adjective_holds_two_countries() -> None:
    assert named("Российско-пакистанские отношения развиваются.", "ru") == {"RUS", "PAK"}
    assert parties("", "Российско-пакистанские отношения развиваются.", "ru") == {"RUS", "PAK"}


def test_chinese_short_forms_read_only_in_their_patterns() -> None:
    assert parties("中巴经济走廊取得新进展", "双方同意加强合作。", "zh") == {"CHN", "PAK"}
    # 巴 is Brazil in a story that names 巴西 in full.
    assert named("中巴地球资源卫星由中国和巴西共同研制。", "zh") == {"CHN", "BRA"}
    assert "USA" in parties("", "美方表示愿意对话。", "zh")
    assert named("西方国家和各方代表出席。", "zh") == set()


def test_parties_are_the_actors_not_the_places() -> None:
    title = "Пакистан и Россия обсудили сотрудничество"
    body = "Министр иностранных дел России прибыл в Исламабад. Встреча прошла в Афганистане."
    found = {m.country: m.role for m in find_countries(title, body, "ru")}
    assert found["PAK"] == found["RUS"] == "party"
    assert found["AFG"] == "mentioned"


def test_organisations_in_other_languages() -> None:
    assert [o.organisation for o in find_organisations(None, "Совет Безопасности ООН.", "ru")] == [
        "UN"
    ]
    assert count_actors(None, "欧盟与东盟签署协议。", "zh") == 2


def test_pycountry_translations_are_used() -> None:
    assert "Пакистан" in iso_names("ru")["PAK"]
    assert "Allemagne" in iso_names("fr")["DEU"]
    assert any("باكستان" in name for name in iso_names("ar")["PAK"])


def test_unknown_languages_read_english() -> None:
    assert for_language("pt") is for_language(None) is for_language("en")
    assert named("Pakistan and Russia met.", "pt") == {"PAK", "RUS"}


def test_russian_cases_agree_and_arabic_clitics_join() -> None:
    forms = {form for form, _ in russian("Южная Корея", "name")}
    assert {"Южной Кореи", "Южную Корею", "Южной Кореей"} <= forms
    forms = {form for form, _ in arabic("الصين", "name")}
    assert {"للصين", "بالصين", "والصين"} <= forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("双方同意加强合作。他说：“很好。”然后走了",
         ["双方同意加强合作。", "他说：“很好。”", "然后走了"]),
        ("وقع البلدان اتفاقية. وقال الوزير إن الزيارة مهمة؟ نعم.",
         ["وقع البلدان اتفاقية.", "وقال الوزير إن الزيارة مهمة؟", "نعم."]),
        ("Соглашение подписано. Д. Медведев прибыл.",
         ["Соглашение подписано.", "Д. Медведев прибыл."]),
    ],
)  # fmt: skip
def test_sentences_end_at_chinese_and_arabic_punctuation(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize("language", ["en", "ru", "fr", "es", "de", "ar", "zh"])
def test_no_phrase_that_names_nothing_hides_a_name(language: str) -> None:
    """A `[none]` phrase is read first and wins over any entry spelled the same, so one listed
    in both silently loses the entry ("Arab League" named no organisation): none may be."""
    data: dict[str, Any] = gazetteer._read(
        "countries.toml" if language == "en" else f"lang/{language}.toml"
    )
    nothing = set(data.get("none", {}).get("phrases", []))
    clashes = [
        (table, key, alias)
        for table in ("organisations", "names", "demonyms", "seats", "leaders")
        for key, aliases in data.get(table, {}).items()
        for alias in aliases
        if alias in nothing
    ]
    assert clashes == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The Arab League condemned the strike.", "en"),
        ("أدانت جامعة الدول العربية الهجوم.", "ar"),
    ],
)
def test_the_arab_league_is_an_organisation(text: str, language: str) -> None:
    assert [m.organisation for m in find_organisations(None, text, language)] == ["Arab League"]
    assert named(text, language) == set()
