"""Each language's cue file reads as a taxonomy of the same areas, with its words around cues."""

from __future__ import annotations

import re

import pytest

from entente.transforms.classify import (
    cue_signals,
    default_taxonomy_text,
    for_language,
    parse_taxonomy,
)
from entente.transforms.countries import find_organisations
from entente.transforms.errors import ConfigError
from entente.transforms.languages import LANGUAGES, area_taxonomy_text, language_words
from entente.transforms.pipeline import label_article
from tests.taxonomies import bundled_taxonomy

ENGLISH = bundled_taxonomy()
# Each language file's version: bumped whenever its cues or names label differently.
VERSIONS = {"ru": "2026.12.5", "fr": "2026.12.6", "es": "2026.12.5", "de": "2026.12.5",
            "ar": "2026.12.6", "zh": "2026.12.3"}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_cues_for_every_area_with_the_english_definitions(
    language: str,
) -> None:
    taxonomy = parse_taxonomy(area_taxonomy_text(language, default_taxonomy_text()))
    assert [a.slug for a in taxonomy.areas] == [a.slug for a in ENGLISH.areas]
    assert [a.definition for a in taxonomy.areas] == [a.definition for a in ENGLISH.areas]
    assert taxonomy.version.endswith(f"+{language}.{VERSIONS[language]}")


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


TAXONOMY = bundled_taxonomy()


@pytest.mark.parametrize(
    ("language", "title", "body", "area"),
    [
        ("ru", "Россия и Казахстан подписали соглашение о поставках газа",
         "Стороны договорились увеличить поставки природного газа по газопроводу.", "energy"),
        ("fr", "La France et le Maroc signent un accord sur l'hydrogène vert",
         "Les deux pays ont signé un accord de coopération énergétique.", "energy"),
        ("es", "España y Marruecos firman un acuerdo de migración circular",
         "Ambos países firmaron un memorando sobre migración laboral.", "migration"),
        ("de", "Deutschland und Namibia vereinbaren Wasserstoffpartnerschaft",
         "Beide Länder unterzeichneten eine Absichtserklärung zur Energiepartnerschaft.",
         "energy"),
        ("ar", "مصر والسعودية توقعان اتفاقية للتعاون في مكافحة الإرهاب",
         "وقع البلدان مذكرة تفاهم لتعزيز التعاون في مكافحة الإرهاب.", "counterterrorism"),
        ("zh", "中巴签署能源合作协议", "双方同意加强能源合作，推动中巴经济走廊建设。", "energy"),
    ],
)  # fmt: skip
def test_an_article_is_read_with_its_languages_cues(
    language: str, title: str, body: str, area: str
) -> None:
    areas, countries = label_article(title, body, TAXONOMY, language)
    assert area in {label.area for label in areas}
    for label in areas:
        assert label.evidence in f"{title} {body}" or label.evidence.split(" ")[0] in body
    assert len([c for c in countries if c.role == "party"]) >= 2


def test_english_and_languages_without_cues_keep_the_english_taxonomy() -> None:
    assert for_language(TAXONOMY, None) is TAXONOMY
    assert for_language(TAXONOMY, "en") is TAXONOMY
    assert for_language(TAXONOMY, "pt") is TAXONOMY
    assert for_language(TAXONOMY, "ru-RU").version.endswith(f"+ru.{VERSIONS['ru']}")


def test_a_dealing_recalled_from_the_past_weighs_less() -> None:
    russian = for_language(TAXONOMY, "ru")
    # Background only weighs past the lead (the first four sentences).
    lead = "".join(f"Россия и Казахстан провели встречу номер {n}. " for n in range(9))
    now = "Стороны подписали соглашение о поставках газа."
    then = "В 2019 году стороны подписали соглашение о поставках газа."
    current = cue_signals("", lead + now, russian).areas["energy"].best
    recalled = cue_signals("", lead + then, russian).areas["energy"].best
    assert recalled < current


def test_german_nouns_count_although_capitalised() -> None:
    body = "Berlin und Windhuk vereinbarten eine Wasserstoffpartnerschaft und Energieprojekte."
    areas, _ = label_article("Deutschland und Namibia", body, TAXONOMY, "de")
    assert "energy" in {label.area for label in areas}


def test_each_language_taxonomy_is_versioned_in_the_record() -> None:
    from datetime import UTC, datetime

    from entente.transforms.pipeline import build_record
    from entente.transforms.records import ExtractedArticle

    extracted = ExtractedArticle(
        "https://news.example/a", "Россия и Пакистан обсудили газопровод",
        "Стороны договорились ускорить строительство газопровода.", language="ru",
    )  # fmt: skip
    record = build_record(
        extracted, "https://news.example/a", "s", datetime.now(UTC), None, TAXONOMY
    )
    assert record.classifier_version == for_language(TAXONOMY, "ru").version
    assert "energy" in {label.area for label in record.areas}


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        # Concepts the English cues name strongly: import bans, loans granted, executions.
        ("de", "trade_investment", "Einfuhrverbot"),
        ("fr", "trade_investment", "interdiction des importations"),
        ("es", "trade_investment", "prohibición de las exportaciones"),
        ("ru", "trade_investment", "запрет на импорт"),
        ("ar", "trade_investment", "حظر الاستيراد"),
        ("zh", "trade_investment", "进口禁令"),
        ("de", "trade_investment", "gewährt Kenia zinsgünstige Kredite"),
        ("fr", "trade_investment", "accorde au Sénégal un prêt"),
        ("es", "trade_investment", "otorgó a Ecuador un préstamo"),
        ("de", "human_rights", "Hinrichtung"),
        ("fr", "human_rights", "condamné à mort"),
        ("ru", "human_rights", "смертный приговор"),
        ("ar", "human_rights", "الإعدام"),
    ],
)
def test_cues_name_what_the_english_cues_name(language: str, area: str, text: str) -> None:
    assert cue_matches(language, area, text)


def test_a_french_credit_line_is_not_a_carbon_credit() -> None:
    assert not cue_matches("fr", "trade_investment", "a reçu des crédits carbone")


@pytest.mark.parametrize(
    ("language", "title", "body"),
    [
        ("de", "Deutschland und Ghana schließen Migrationsabkommen",
         "Berlin und Accra unterzeichneten ein Abkommen über die Rückführung von Migranten. "
         "Menschenrechtsorganisationen kritisierten das Abkommen und verwiesen auf Folter."),
        ("ru", "Россия и Киргизия подписали соглашение о трудовой миграции",
         "Стороны договорились об оргнаборе трудовых мигрантов. "
         "Правозащитники раскритиковали соглашение, указав на пытки."),
        ("fr", "La France et le Sénégal signent un accord migratoire",
         "Les deux pays ont signé un accord sur la migration circulaire. "
         "Des organisations de défense des droits de l'homme ont critiqué l'accord."),
    ],
)  # fmt: skip
def test_a_rights_groups_reaction_is_not_a_human_rights_dealing(
    language: str, title: str, body: str
) -> None:
    # As in English ("human rights groups" is a weak cue): what others say of the deal is a
    # reaction, weighed as a mere report.
    areas = {label.area for label in label_article(title, body, TAXONOMY, language)[0]}
    assert "migration" in areas
    assert "human_rights" not in areas


def test_a_companys_results_naming_markets_get_no_area() -> None:
    title = "Repsol gana un 20 % menos por la caída del petróleo"
    body = (
        "Repsol obtuvo un beneficio neto de 603 millones de euros en el semestre, lastrado por "
        "la caída de los precios del petróleo y del gas. Su producción en Brasil y Libia creció."
    )
    areas, countries = label_article(title, body, TAXONOMY, "es")
    assert not any(c.role == "party" for c in countries)
    assert areas == ()
    # The same words with two states acting keep their area.
    acting = "España y Marruecos firman un acuerdo de suministro de gas natural"
    areas = label_article(acting, body, TAXONOMY, "es")[0]
    assert "energy" in {label.area for label in areas}


def test_the_european_parliament_is_an_actor_in_arabic() -> None:
    found = find_organisations("المملكة ترفض قرار البرلمان الأوروبي", "", "ar")
    assert [o.organisation for o in found] == ["EU"]


def areas_of(language: str, title: str, body: str) -> set[str]:
    return {label.area for label in label_article(title, body, TAXONOMY, language)[0]}


def parties_of(language: str, title: str, body: str) -> set[str]:
    countries = label_article(title, body, TAXONOMY, language)[1]
    return {c.country for c in countries if c.role == "party"}


@pytest.mark.parametrize(
    ("language", "title", "lead", "recalled"),
    [
        ("ar", "الجزائر تتسلم مقاتلات روسية",
         "تسلم الجيش الجزائري مقاتلات روسية في إطار صفقة تسليح مع موسكو.",
         "وكانت الجزائر قد وقعت مع روسيا اتفاقية للتعاون في مجال الطاقة النووية."),
        ("de", "Deutschland liefert der Ukraine Luftabwehr",
         "Berlin hat Kiew weitere Systeme zur Luftabwehr und Munition zugesagt.",
         "Beide Länder hatten zuvor eine Energiepartnerschaft vereinbart."),
    ],
)  # fmt: skip
def test_a_dealing_recalled_by_its_tense_is_background_even_in_the_lead(
    language: str, title: str, lead: str, recalled: str
) -> None:
    # The pluperfect ("وكان ... قد", "hatte ... vereinbart") tells what came before the news.
    assert "energy" not in areas_of(language, title, f"{lead} {recalled}")
    # The same dealing told as news is an area.
    present = recalled.replace("وكانت الجزائر قد وقعت", "ووقعت الجزائر").replace(
        "hatten zuvor eine Energiepartnerschaft vereinbart",
        "vereinbarten zudem eine Energiepartnerschaft",
    )
    assert "energy" in areas_of(language, title, f"{lead} {present}")


def test_in_arabic_the_verb_before_a_name_makes_it_an_actor() -> None:
    title = "مجلس الأمن يمدد ولاية قوة حفظ السلام في لبنان"
    body = (
        "اعتمد مجلس الأمن القرار الذي صاغته فرنسا بتمديد ولاية قوات حفظ السلام في لبنان، "
        "ودعا القرار إلى الالتزام بوقف إطلاق النار. "
        "ورحبت الحكومة اللبنانية بالقرار، فيما انتقدت إسرائيل صيغة القرار."
    )
    assert {"FRA", "ISR", "LBN"} <= parties_of("ar", title, body)


def test_in_german_a_proposal_of_a_country_in_the_genitive_makes_it_an_actor() -> None:
    title = "Atomgespräche in Genf"
    body = (
        "Der Iran hat einen Vorschlag Deutschlands zur Begrenzung seines Atomprogramms "
        "zurückgewiesen. Teheran nannte die Bedingungen inakzeptabel."
    )
    assert {"DEU", "IRN"} <= parties_of("de", title, body)


def test_the_german_federal_government_stands_for_germany() -> None:
    title = "Bundesregierung sagt Ghana Hilfe beim Aufbau einer Impfstoffproduktion zu"
    body = "Die Bundesentwicklungsministerin unterzeichnete in Accra ein Abkommen mit Ghana."
    assert {"DEU", "GHA"} <= parties_of("de", title, body)


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        ("ar", "defense", "لمكافحة تهريب المخدرات والأسلحة"),  # smuggling: security
        ("ar", "agriculture_food", "تهريب حبوب الكبتاغون"),  # pills, not grain
        ("ar", "climate_environment", "وزيرة التغير المناخي والبيئة"),  # a minister's title
        ("ar", "energy", "الوكالة الدولية للطاقة الذرية"),  # a body's name
        ("ar", "energy", "اليورانيوم المخصب"),  # enrichment: security
        ("ar", "infrastructure_transport", "ستهبط في مطار العريش"),  # a place
        ("ar", "security", "مستشار الأمن القومي"),  # a title
        ("ar", "defense", "نزع سلاح الجماعات المسلحة"),  # disarming groups: no arms dealing
        ("ar", "energy", "هيئة الطاقة الذرية الأردنية"),  # a body's name
        ("ar", "agriculture_food", "وزير الفلاحة الجزائري"),  # a minister's title
        ("de", "energy", "Internationalen Atomenergiebehörde"),
        ("de", "defense", "eine sofortige Waffenruhe"),  # peace words, though "Waffen" is in it
        ("ru", "defense", "контролю над ядерными вооружениями"),  # arms control: security
        ("ru", "defense", "совместные антитеррористические учения"),
        ("ru", "trade_investment", "поставки российского газа"),  # a sector's supplies: its area
        ("ru", "energy", "повреждены линии электропередачи"),  # damage, not a dealing
    ],
)
def test_words_inside_names_titles_and_other_dealings_give_no_area(
    language: str, area: str, text: str
) -> None:
    # No cue of the area counts there at all (a negative pattern hides it).
    assert area not in cue_signals("", text, for_language(TAXONOMY, language)).areas


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        ("ru", "security", "контролю над ядерными вооружениями"),
        ("ru", "security", "береговая охрана"),
        ("ru", "human_rights", "приговор российскому журналисту"),
        ("de", "energy", "Wiederaufbau des Stromnetzes"),
        ("de", "security", "internationale Polizeimission"),
        ("de", "human_rights", "Gesetz über ausländische Agenten"),
        ("de", "infrastructure_transport", "beschränkt den Transitverkehr"),
        ("de", "defense", "den russischen Angriffskrieg"),
        ("ar", "trade_investment", "في تمويل المشروع"),
        # The article repeats on each word of an Arabic noun phrase.
        ("ar", "humanitarian_aid", "المساعدات الغذائية الطارئة"),
        ("ar", "humanitarian_aid", "الجسر الجوي الكويتي"),
        ("ar", "migration", "استئناف استقدام العمالة المنزلية"),
        ("ar", "trade_investment", "حظر توريد الأسلحة"),  # an arms embargo: a sector's sanctions
        ("ar", "trade_investment", "منحة نقدية لدعم الموازنة العامة"),
    ],
)
def test_cues_read_the_forms_wires_use(language: str, area: str, text: str) -> None:
    taxonomy = for_language(TAXONOMY, language)
    lowered = taxonomy.words.prepare(text.lower()) if taxonomy.words else text.lower()
    assert any(
        re.search(rf"(?<!\w)(?:{cue.pattern})(?!\w)", lowered, re.IGNORECASE)
        for found in taxonomy.areas
        if found.slug == area
        for cue in found.cues
        if cue.weight >= 0.6
    )


def test_a_national_security_council_is_not_the_un() -> None:
    body = "Der Nationale Sicherheitsrat beschloss eine Strategie gegen Cyberangriffe."
    assert find_organisations("Nationaler Sicherheitsrat tagt", body, "de") == ()


def test_a_dealing_in_no_area_between_two_acting_countries_keeps_its_parties() -> None:
    title = "Лавров и глава МИД Турции провели телефонный разговор"
    body = (
        "Министр иностранных дел России Сергей Лавров провел телефонный разговор с министром "
        "иностранных дел Турции. Стороны обменялись мнениями о двусторонних отношениях, "
        "сообщили в МИД России. Турецкая сторона подтвердила договоренность о визите министра."
    )
    areas, countries = label_article(title, body, TAXONOMY, "ru")
    assert areas == ()
    assert {c.country for c in countries if c.role == "party"} == {"RUS", "TUR"}
    # A match between national teams names two countries but no dealing: no parties.
    match = (
        "Сборная России по хоккею обыграла команду Казахстана со счетом 4:1. "
        "Казахстанцы открыли счет в первом периоде."
    )
    countries = label_article("Россия обыграла Казахстан", match, TAXONOMY, "ru")[1]
    assert not any(c.role == "party" for c in countries)


def test_russian_egypt_keeps_its_fleeting_vowel_out() -> None:
    body = "Россия подписала соглашения о сотрудничестве в сфере образования с Египтом."
    countries = label_article("", body, TAXONOMY, "ru")[1]
    assert "EGY" in {c.country for c in countries}


def test_amman_in_a_jordanian_dateline_is_not_oman() -> None:
    body = "عمان 20 أيلول (بترا)- وقعت الحكومة والولايات المتحدة اتفاقية منحة لدعم الموازنة."
    countries = label_article("الأردن يتسلم منحة أمريكية", body, TAXONOMY, "ar")[1]
    assert "OMN" not in {c.country for c in countries}
    sultanate = label_article("", "استضافت سلطنة عمان المحادثات.", TAXONOMY, "ar")[1]
    assert "OMN" in {c.country for c in sultanate}
