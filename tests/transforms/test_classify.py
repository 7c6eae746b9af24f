from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entente.transforms.classify import (
    CLASSIFIER_VERSION,
    Taxonomy,
    classify,
    parse_taxonomy,
)
from entente.transforms.errors import ConfigError
from tests.contract import AREAS
from tests.taxonomies import bundled_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """The cues' mechanics are tested on the cues alone; test_scorer.py tests the learned layer."""
    return bundled_taxonomy(learned=False)


def areas(taxonomy: Taxonomy, title: str | None, body: str) -> set[str]:
    return {label.area for label in classify(title, body, taxonomy)}


def test_the_bundled_taxonomy_has_the_fifteen_areas(taxonomy: Taxonomy) -> None:
    assert {area.slug for area in taxonomy.areas} == AREAS
    assert all(area.definition and area.cues for area in taxonomy.areas)
    assert taxonomy.version.startswith(CLASSIFIER_VERSION + "+")


def test_clear_cooperation_is_found_with_its_evidence(taxonomy: Taxonomy) -> None:
    title = "Kazakhstan and China sign gas pipeline deal"
    body = (
        "The two countries signed an agreement to expand the gas pipeline on Tuesday. "
        "Officials also discussed the weather."
    )
    labels = classify(title, body, taxonomy)
    assert [label.area for label in labels] == ["energy"]
    assert 0.5 <= labels[0].score <= 1.0
    assert "gas pipeline" in labels[0].evidence
    assert "weather" not in labels[0].evidence


@pytest.mark.parametrize(
    ("text", "area"),
    [
        (
            "The two leaders pledged to bring new energy to relations between the neighbours.",
            "energy",
        ),
        ("The UN Security Council met on Monday to discuss the situation.", "security"),
        (
            "The ministers called for a culture of dialogue between the two countries.",
            "education_culture",
        ),
        ("The agreement gives exporters peace of mind for the next decade.", "peace_process"),
        ("The two governments traded barbs over the maritime incident.", "trade_investment"),
        (
            "The presidents discussed the political climate ahead of elections.",
            "climate_environment",
        ),
        (
            "Both sides agreed to build bridges between their communities.",
            "infrastructure_transport",
        ),
        ("The talks, officials said, will bear fruit soon.", "agriculture_food"),
        ("Ministers agreed to cooperate on artificial intelligence research.", "security"),
    ],
)
def test_hard_negatives_are_not_their_area(taxonomy: Taxonomy, text: str, area: str) -> None:
    assert area not in areas(taxonomy, None, text)


def test_negated_cooperation_is_not_an_area(taxonomy: Taxonomy) -> None:
    body = "Iran's foreign ministry denied any military cooperation with Russia on Monday."
    assert "defense" not in areas(taxonomy, None, body)
    assert "defense" in areas(
        taxonomy, None, "Iran's foreign ministry confirmed military cooperation with Russia."
    )


def test_not_only_is_not_a_negation(taxonomy: Taxonomy) -> None:
    body = (
        "The partners agreed to cooperate not only on trade agreements but also on energy supply."
    )
    assert {"trade_investment", "energy"} <= areas(taxonomy, None, body)


def test_a_passing_weak_word_is_not_an_area(taxonomy: Taxonomy) -> None:
    body = (
        "The foreign ministers met in Astana to discuss trade agreements. "
        "Several soldiers stood outside the building. "
        "Later the delegations had lunch near the army barracks."
    )
    assert areas(taxonomy, None, body) == {"trade_investment"}


def test_headline_outweighs_the_tail(taxonomy: Taxonomy) -> None:
    filler = " ".join(f"Sentence {n} of the story says little of note." for n in range(20))
    tail = " Farmers were mentioned."
    in_title = classify("Ministers discuss farmers and their crops", filler, taxonomy)
    in_tail = classify("Ministers meet", filler + tail, taxonomy)
    assert "agriculture_food" in {label.area for label in in_title}
    assert "agriculture_food" not in {label.area for label in in_tail}


def test_evidence_is_one_or_two_sentences_of_the_input(taxonomy: Taxonomy) -> None:
    title = "Japan and Vietnam agree on offshore wind"
    body = "Japan will fund a wind farm. Vietnam said clean power matters. Nothing else."
    for label in classify(title, body, taxonomy):
        pieces = [p for p in (title, *body.split(" Vietnam")) if p]
        assert label.evidence
        assert any(label.evidence.startswith(p[:10]) for p in pieces) or label.evidence in body


WORDS = [
    "energy", "gas pipeline", "trade agreement", "UN Security Council", "military", "drills",
    "peace talks", "ceasefire", "students", "human rights", "vaccines", "climate change",
    "satellite", "humanitarian aid", "refugees", "railway", "wheat", "not", "denied", "new energy",
    "Mr.", "U.S.", "said", "agreed", "cooperation", "the", "and", ".", "!", "?", "\n", "•", "“",
    "”",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.none(), st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)),
    st.lists(st.sampled_from(WORDS), max_size=80).map(" ".join),
)
def test_evidence_is_always_a_substring_of_the_input(title: str | None, body: str) -> None:
    taxonomy = _TAXONOMY
    for label in classify(title, body, taxonomy):
        assert 0.0 <= label.score <= 1.0
        assert label.area in AREAS
        # Each evidence sentence is an exact substring of the title or the body.
        assert label.evidence
        assert _is_made_of_substrings(label.evidence, [title or "", body])


def _is_made_of_substrings(evidence: str, texts: list[str]) -> bool:
    if any(evidence in text for text in texts):
        return True
    # Two sentences joined by one space: some split point gives two substrings.
    for i, ch in enumerate(evidence):
        if ch == " ":
            left, right = evidence[:i], evidence[i + 1 :]
            if any(left in t for t in texts) and any(right in t for t in texts):
                return True
    return False


_TAXONOMY = bundled_taxonomy()


MINIMAL = """
version = "t1"
[areas.energy]
definition = "Energy."
[areas.energy.cues]
'gas' = 1.0
"""


def test_a_minimal_taxonomy_parses_and_combines_versions() -> None:
    taxonomy = parse_taxonomy(MINIMAL)
    assert taxonomy.version == f"{CLASSIFIER_VERSION}+t1"
    assert [area.slug for area in taxonomy.areas] == ["energy"]
    assert [label.area for label in classify("Gas deal signed", "", taxonomy)] == ["energy"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = ", "not valid TOML"),
        ("[areas.energy]\ndefinition = 'x'\ncues = {'gas' = 1.0}", "'version'"),
        ("version = 'v'\n", "'areas'"),
        ("version = 'v'\nthreshold = 2\n[areas.e]\ndefinition='x'\ncues={'a'=1}", "'threshold'"),
        (
            "version = 'v'\n[areas.energy]\ncues = {'gas' = 1.0}",
            "area 'energy': field 'definition'",
        ),
        ("version = 'v'\n[areas.energy]\ndefinition = 'x'", "area 'energy': field 'cues'"),
        (
            "version = 'v'\n[areas.energy]\ndefinition = 'x'\ncues = {'gas' = 1.5}",
            "area 'energy': field 'cues': weight",
        ),
        (
            "version = 'v'\n[areas.energy]\ndefinition = 'x'\ncues = {'(gas' = 1.0}",
            "area 'energy': field 'cues': invalid pattern",
        ),
        (
            "version = 'v'\n[areas.energy]\ndefinition = 'x'\ncues = {'(gas)' = 1.0}",
            "capturing group",
        ),
        (
            "version = 'v'\n[areas.energy]\ndefinition = 'x'\ncues = {'g?' = 1.0}",
            "empty string",
        ),
        (
            "version = 'v'\n[areas.energy]\ndefinition = 'x'\ncues = {'gas' = 1.0}\nnegative = 'x'",
            "area 'energy': field 'negative'",
        ),
        (
            "version = 'v'\n[areas.energy]\ndefinition = 'x'\ncues = {'gas' = 1.0}\n"
            "negative = ['(']",
            "area 'energy': field 'negative': invalid pattern",
        ),
        (
            "version = 'v'\n[areas.energy]\ndefinition = 'x'\ncues = {'gas' = 1.0}\ncolour = 1",
            "area 'energy': unknown field 'colour'",
        ),
        ("version = 'v'\n[areas.Energy]\ndefinition = 'x'\ncues = {'gas' = 1.0}", "'Energy'"),
    ],
)
def test_invalid_taxonomies_raise_one_line_config_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_taxonomy(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_case_sensitive_cues_only_match_their_case() -> None:
    taxonomy = parse_taxonomy(
        "version = 'v'\n[areas.health]\ndefinition = 'x'\ncues = {'(?-i:WHO)' = 1.0}"
    )
    assert areas(taxonomy, None, "The WHO agreed to help.") == {"health"}
    assert areas(taxonomy, None, "Those who agreed to help.") == set()


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("Several joint projects are in the pipeline, the ministers agreed.", "energy"),
        ("The talks reflected competition between the great powers.", "energy"),
        ("The host welcomed the delegation with open arms.", "defense"),
        ("They recalled the treaty of peace and friendship signed in 1950.", "peace_process"),
        (
            "Decisions are made in the corridors of power, the envoy said.",
            "infrastructure_transport",
        ),
        ("The two sides agreed to exercise restraint along the line of control.", "defense"),
        ("Officials said the health of the relationship had improved.", "health"),
        ("The ministers agreed that a climate of trust now exists.", "climate_environment"),
    ],
)
def test_idioms_are_not_their_area(taxonomy: Taxonomy, text: str, area: str) -> None:
    assert area not in areas(taxonomy, None, text)


def test_mere_reports_weigh_less_than_acts(taxonomy: Taxonomy) -> None:
    reported = "The two countries reportedly discussed an arms deal, according to unnamed sources."
    done = "The two countries signed an arms deal on Monday."
    assert "defense" not in areas(taxonomy, None, reported)
    assert "defense" in areas(taxonomy, None, done)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=80)), st.text(max_size=400))
def test_any_text_classifies_without_error(title: str | None, body: str) -> None:
    for label in classify(title, body, _TAXONOMY):
        assert _is_made_of_substrings(label.evidence, [title or "", body])


def test_a_taxonomy_can_be_hashed_and_pickled(taxonomy: Taxonomy) -> None:
    copy = pickle.loads(pickle.dumps(taxonomy))
    assert copy.version == taxonomy.version
    assert hash(taxonomy) == hash(taxonomy)
    assert classify("Gas deal", "They signed a gas pipeline deal.", copy)[0].area == "energy"


def test_a_taxonomy_built_by_hand_classifies_like_a_parsed_one(taxonomy: Taxonomy) -> None:
    by_hand = Taxonomy(taxonomy.version, taxonomy.areas, taxonomy.threshold, taxonomy.support)
    title, body = "Gas deal signed", "Both sides agreed on a gas pipeline and wheat exports."
    assert classify(title, body, by_hand) == classify(title, body, taxonomy)


def test_domestic_news_with_cue_words_gets_no_area(taxonomy: Taxonomy) -> None:
    title = "Heatwave pushes Spain's electricity demand to a record"
    body = (
        "Electricity demand hit an all-time high on Monday as households switched on air "
        "conditioning, the grid operator said. Solar plants supplied a third of the power."
    )
    assert areas(taxonomy, title, body) == set()
    # The same words in dealings between two countries are energy.
    dealings = title.replace("Heatwave pushes", "Portugal to export electricity as")
    assert "energy" in areas(taxonomy, dealings, body)


def test_one_country_with_words_of_dealings_still_gets_its_areas(taxonomy: Taxonomy) -> None:
    body = "Kenya signed a loan agreement to build a new railway line to the port of Mombasa."
    assert "infrastructure_transport" in areas(taxonomy, None, body)


@pytest.mark.parametrize(
    "sentence",
    [
        "Australia's foreign minister said she had raised concerns about his health.",
        "The two countries agreed to reopen border markets closed since the pandemic.",
        "India also deployed a field hospital and rescue teams to the quake zone.",
        "The agreement will fund new roads, schools and hospitals in the border region.",
        "The laboratory will test cattle for foot-and-mouth disease and other livestock diseases.",
    ],
)
def test_passing_health_words_are_not_health(taxonomy: Taxonomy, sentence: str) -> None:
    body = f"Pakistan and China signed an agreement on Monday. {sentence}"
    assert "health" not in areas(taxonomy, "Pakistan and China sign agreement", body)


@pytest.mark.parametrize(
    ("sentence", "area"),
    [
        ("The two countries agreed to cooperate on cyber security and cyber defence.", "security"),
        ("Manila said Chinese coast guard vessels fired water cannon at its boat.", "security"),
        ("The ministers raised the detention of journalists and freedom of expression.",
         "human_rights"),
        ("Officials urged a moratorium on executions and the release of political prisoners.",
         "human_rights"),
        ("The treaty settles their border, ending decades of deadly clashes.", "peace_process"),
    ],
)  # fmt: skip
def test_cues_cover_common_phrasings(taxonomy: Taxonomy, sentence: str, area: str) -> None:
    assert area in areas(taxonomy, "Estonia and Japan hold talks", sentence)


def test_a_cue_inside_a_name_does_not_count(taxonomy: Taxonomy) -> None:
    body = (
        "Secretary of State Condoleezza Rice met Japan's foreign minister in Tokyo on Monday. "
        "Rice and her counterpart discussed North Korea's nuclear talks."
    )
    found = areas(taxonomy, "Rice visits Japan for talks", body)
    assert "agriculture_food" not in found
    assert "security" in found


def test_the_same_word_in_lower_case_still_counts(taxonomy: Taxonomy) -> None:
    body = "Thailand and the Philippines agreed on Monday to expand the rice trade between them."
    assert "agriculture_food" in areas(taxonomy, "Thailand, Philippines sign rice deal", body)


def test_a_capitalised_dealing_keeps_its_words(taxonomy: Taxonomy) -> None:
    body = "Japan and India on Monday signed a Comprehensive Economic Partnership Agreement."
    assert "trade_investment" in areas(taxonomy, "", body)


def test_an_office_title_is_not_its_area(taxonomy: Taxonomy) -> None:
    body = (
        "Kenya's Defence Minister Aden Duale met the Ugandan ambassador on Tuesday to discuss "
        "the election calendar and a football tournament."
    )
    assert "defense" not in areas(taxonomy, "", body)
