"""French and Spanish wire copy (issue 22): what the second wave's tuned-on reports showed missing.

Each case names a rule of `transforms/lang/fr*.toml`, `es*.toml` or the country finder's
`[party] object_before`, and fails without it.
"""

from __future__ import annotations

import re

import pytest

from entente.transforms.classify import cue_signals, for_language
from entente.transforms.countries import find_countries
from entente.transforms.pipeline import label_article
from tests.taxonomies import bundled_taxonomy

TAXONOMY = bundled_taxonomy()


def areas_of(language: str, title: str, body: str) -> set[str]:
    return {label.area for label in label_article(title, body, TAXONOMY, language)[0]}


def parties_of(language: str, title: str, body: str) -> set[str]:
    countries = label_article(title, body, TAXONOMY, language)[1]
    return {c.country for c in countries if c.role == "party"}


def strong_cue(language: str, area: str, text: str) -> bool:
    """Whether a cue of `area` weighing at least 0.6 matches words of `text`."""
    taxonomy = for_language(TAXONOMY, language)
    assert taxonomy.words is not None
    lowered = taxonomy.words.prepare(text.lower())
    return any(
        re.search(rf"(?<!\w)(?:{cue.pattern})(?!\w)", lowered, re.IGNORECASE)
        for found in taxonomy.areas
        if found.slug == area
        for cue in found.cues
        if cue.weight >= 0.6
    )


@pytest.mark.parametrize(
    ("language", "title", "body", "other"),
    [
        # The recipient of a verb of giving, after the preposition that otherwise makes a place.
        ("fr", "Gaz: l'Algérie augmente ses livraisons",
         "L'Algérie fournira à l'Italie quatre milliards de mètres cubes de gaz naturel.", "ITA"),
        ("fr", "Climat: le Canada verse 60 millions au Bangladesh",
         "Le fonds financera des digues et des mangroves.", "BGD"),
        ("es", "Bolivia pacta el suministro de gas licuado",
         "Las estatales firmaron un contrato por el que Bolivia abastecerá a Paraguay de gas "
         "licuado.", "PRY"),
        ("es", "Aterrizan los vuelos de deportados",
         "El acuerdo permite a Washington aumentar los vuelos de deportación a Guatemala.",
         "USA"),
        # The mediator under whose auspices the sides meet.
        ("fr", "RDC: reprise des négociations",
         "Les délégations de Kinshasa et du M23 sont attendues à Doha pour un nouveau cycle de "
         "négociations de paix sous l'égide du Qatar.", "QAT"),
    ],
)  # fmt: skip
def test_the_other_side_of_a_dealing_is_a_party_after_a_preposition(
    language: str, title: str, body: str, other: str
) -> None:
    assert other in parties_of(language, title, body)


def test_the_accused_is_a_party_after_the_verb() -> None:
    title = "Est de la RDC: un cessez-le-feu"
    body = (
        "Les présidents se sont engagés à Luanda à respecter un cessez-le-feu. "
        "Kinshasa accuse Kigali de soutenir les rebelles du M23."
    )
    assert "RWA" in parties_of("fr", title, body)


@pytest.mark.parametrize(
    ("language", "text", "code"),
    [
        ("fr", "Le Gabon et la Guinée équatoriale signent un protocole", "GNQ"),
        ("fr", "Alger et Tunis mènent un exercice", "TUN"),
        ("fr", "Le gouvernement centrafricain a signé un accord", "CAF"),
        ("fr", "Paul Kagame a reçu son homologue", "RWA"),
        ("es", "Los presidentes Gustavo Petro y Daniel Noboa firmaron", "ECU"),
        ("es", "Burkina Faso y Malí firmaron un acuerdo", "BFA"),
    ],
)
def test_names_wires_use(language: str, text: str, code: str) -> None:
    assert code in {c.country for c in find_countries("", text, language)}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "des patrouilles dans le golfe de Guinée"),  # a sea, not Guinea
        ("es", "las patrullas en el golfo de Guinea"),
    ],
)
def test_places_that_hold_a_country_word_name_none(language: str, text: str) -> None:
    assert find_countries("", text, language) == ()


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        ("fr", "security", "la piraterie"),
        ("fr", "security", "le trafic d'armes"),
        ("fr", "security", "a fermé ses frontières"),
        ("fr", "security", "espionnait"),
        ("fr", "human_rights", "l'État de droit"),
        ("fr", "humanitarian_aid", "des vivres"),
        ("fr", "migration", "en situation irrégulière"),
        ("fr", "education_culture", "formera 2 000 ingénieurs"),
        ("fr", "agriculture_food", "fruits, légumes"),
        ("fr", "defense", "soutenir les rebelles"),
        ("fr", "defense", "exercice combiné"),
        ("es", "security", "espías"),
        ("es", "security", "contrabando de armas de fuego"),
        ("es", "security", "fentanilo"),
        ("es", "security", "reclama como propia"),
        ("es", "security", "vigilar la frontera"),
        ("es", "climate_environment", "contaminan"),
        ("es", "climate_environment", "vertidos"),
        ("es", "migration", "en situación irregular"),
        ("es", "education_culture", "formar a técnicos mexicanos"),
        ("es", "defense", "ejercicio combinado"),
    ],
)
def test_cues_read_the_french_and_spanish_wire_register(
    language: str, area: str, text: str
) -> None:
    assert strong_cue(language, area, text)


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        ("fr", "defense", "le renseignement militaire russe"),  # intelligence: security
        ("fr", "defense", "un exercice conjoint contre les groupes terroristes"),
        ("fr", "agriculture_food", "la pêche illégale"),  # as in English: security
        ("es", "defense", "el contrabando de armas de fuego"),  # smuggling: security
        ("es", "defense", "la ofensiva del presidente contra las bandas"),  # a crackdown at home
        ("es", "health", "los servicios sanitarios agrícolas"),  # plant health
        ("es", "health", "un caso de gripe aviar"),
        ("es", "agriculture_food", "las campañas agrícolas"),  # seasonal work: migration
    ],
)
def test_words_of_other_dealings_give_no_area(language: str, area: str, text: str) -> None:
    assert area not in cue_signals("", text, for_language(TAXONOMY, language)).areas


def test_a_candidates_promise_weighs_as_a_mere_report() -> None:
    title = "Présidentielle: les candidats promettent de revoir la coopération militaire"
    body = (
        "À dix jours du premier tour, la plupart des candidats promettent de revoir la "
        "coopération militaire avec la France."
    )
    assert "defense" not in areas_of("fr", title, body)
    # The same words from a government are a dealing.
    acting = body.replace("la plupart des candidats promettent", "le gouvernement gabonais a")
    news = title.replace("les candidats promettent", "Libreville veut")
    assert "defense" in areas_of("fr", news, acting)


def test_an_expulsion_is_a_dealing_in_no_area() -> None:
    title = "Le Burkina Faso expulse trois diplomates français"
    body = (
        "Le gouvernement burkinabè a déclaré persona non grata trois diplomates français. "
        "Paris a réfuté les accusations."
    )
    areas, countries = label_article(title, body, TAXONOMY, "fr")
    assert areas == ()
    assert len([c for c in countries if c.role == "party"]) == 2


def test_a_resolution_denouncing_abuses_is_a_human_rights_dealing() -> None:
    title = "Le Parlement européen dénonce l'arrestation d'avocats en Tunisie"
    body = (
        "Le Parlement européen a adopté jeudi une résolution dénonçant la dégradation de "
        "l'État de droit en Tunisie. Tunis a convoqué la cheffe de la délégation de l'UE."
    )
    assert "human_rights" in areas_of("fr", title, body)


def test_an_agreed_pact_is_a_sentence_of_dealings_in_spanish() -> None:
    # "acuerdan", "pactaron": the verbs of agreeing weigh a cue as "acuerdo" does.
    title = "Colombia y Ecuador refuerzan su relación"
    body = (
        "Los presidentes de Colombia y Ecuador se reunieron este viernes en la frontera. "
        "Pactaron un registro de los ecuatorianos en situación irregular en Colombia."
    )
    assert "migration" in areas_of("es", title, body)
    assert "migration" not in areas_of("es", title, body.replace("Pactaron", "Hay"))


@pytest.mark.parametrize(
    ("language", "title", "body"),
    [
        ("fr", "La Banque du Canada abaisse son taux directeur",
         "La Banque du Canada a abaissé son taux directeur, invoquant les droits de douane "
         "imposés par les États-Unis."),
        ("es", "El Banco Central de Chile mantiene su tasa",
         "El Banco Central de Chile mantuvo la tasa de política monetaria, citando los "
         "aranceles impuestos por Estados Unidos."),
    ],
)  # fmt: skip
def test_a_central_banks_rate_decision_citing_tariffs_is_no_trade_dealing(
    language: str, title: str, body: str
) -> None:
    # Markets that only name a trade dispute as a cause are not relations (labelling.md).
    assert "trade_investment" not in areas_of(language, title, body)


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        ("fr", "counterterrorism", "financer les islamistes radicaux chabab"),
        ("fr", "peace_process", "le texte du traité de paix"),
        ("fr", "security", "avait violé son espace aérien"),
        ("fr", "security", "la protection des frontières"),
        ("fr", "human_rights", "libérer un blogueur"),
        ("fr", "human_rights", "condamné à quinze ans de prison"),
        ("fr", "human_rights", "détenu sans avoir été jugé"),
        ("fr", "health", "des équipements médicaux"),
        ("fr", "infrastructure_transport", "une route de 380 kilomètres"),
        ("es", "security", "la protección de fronteras"),
        ("es", "human_rights", "detenido hace tres meses sin cargos"),
        ("es", "human_rights", "liberar a los periodistas"),
        ("es", "health", "máquinas de hemodiálisis"),
        ("es", "climate_environment", "financiación climática"),
        ("es", "climate_environment", "un canje de deuda por naturaleza"),
        ("es", "infrastructure_transport", "un ramal de carga"),
        ("es", "trade_investment", "levanta el veto"),
    ],
)
def test_cues_the_third_batch_showed_missing(language: str, area: str, text: str) -> None:
    assert strong_cue(language, area, text)


@pytest.mark.parametrize(
    ("language", "text", "code"),
    [
        ("fr", "l'enseignement du portugais dans les écoles sénégalaises", "PRT"),
        ("es", "la enseñanza del portugués en 500 escuelas argentinas", "PRT"),
    ],
)
def test_a_language_is_not_its_country(language: str, text: str, code: str) -> None:
    assert code not in {c.country for c in find_countries("", text, language)}
    # The same word for a person of the country still names it.
    person = "le président portugais" if language == "fr" else "el presidente portugués"
    assert code in {c.country for c in find_countries("", person, language)}


def test_sanitary_barriers_in_trade_are_no_public_health() -> None:
    text = "Japón autorizó la entrada de carne tras veinte años de restricciones sanitarias."
    assert "health" not in cue_signals("", text, for_language(TAXONOMY, "es")).areas


def test_a_lifted_ban_and_a_quota_are_sentences_of_dealings_in_spanish() -> None:
    title = "Japón levanta el veto a la carne bovina uruguaya"
    body = "Japón autorizó este lunes la entrada de carne bovina de Uruguay."
    assert "agriculture_food" in areas_of("es", title, body)


def test_members_that_obtain_access_are_parties_in_spanish() -> None:
    title = "El Mercosur y la AELC firman su tratado de libre comercio"
    body = (
        "Los países del Mercosur y de la AELC firmaron un tratado de libre comercio. "
        "Brasil, Argentina, Paraguay y Uruguay obtienen acceso libre de cuotas para su carne."
    )
    assert {"BRA", "ARG", "PRY", "URY"} <= parties_of("es", title, body)


def test_a_named_train_project_is_transport_though_capitalised() -> None:
    # "Tren Maya" is a name, but a railway's: the cue spells the capital, so it counts.
    text = "México y Guatemala acuerdan prolongar el Tren Maya hasta la frontera."
    signals = cue_signals("", text, for_language(TAXONOMY, "es"))
    assert signals.areas["infrastructure_transport"].best >= 0.55


@pytest.mark.parametrize(
    ("language", "area", "text"),
    [
        ("fr", "defense", "le futur char de combat"),  # the singular: "chars" only read plurals
        ("fr", "health", "un hôpital général de 300 lits"),
        ("fr", "science_technology", "la numérisation de l'état civil"),
        ("fr", "infrastructure_transport", "le dragage du chenal"),
        ("fr", "trade_investment", "un nouveau décaissement"),
        ("es", "security", "los pandilleros con órdenes de detención"),
        ("es", "health", "un centro oncológico de 120 camas"),
        ("es", "climate_environment", "salvar de la tala"),
        ("es", "infrastructure_transport", "el dragado del canal"),
        ("es", "trade_investment", "aprobó un desembolso"),
        ("es", "science_technology", "la digitalización de la administración"),
    ],
)
def test_cues_the_fourth_batch_showed_missing(language: str, area: str, text: str) -> None:
    assert strong_cue(language, area, text)


def test_the_congo_alone_is_brazzavilles_in_french() -> None:
    found = {c.country for c in find_countries("", "La Chine a remis au Congo un hôpital.", "fr")}
    assert found == {"CHN", "COG"}
    # The river and Kinshasa's state are not.
    assert find_countries("", "un pont sur le fleuve Congo", "fr") == ()
    rdc = find_countries("", "la République démocratique du Congo", "fr")
    assert {c.country for c in rdc} == {"COD"}
