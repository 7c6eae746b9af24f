from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entente.transforms.countries import (
    OrganisationMention,
    count_actors,
    find_countries,
    find_organisations,
)


def roles(title: str | None, body: str) -> dict[str, str]:
    return {m.country: m.role for m in find_countries(title, body)}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Moscow said the talks were useful.", "RUS"),
        ("Officials in Islamabad welcomed the visit.", "PAK"),
        ("The Kremlin did not comment.", "RUS"),
        ("Pakistani officials spoke first.", "PAK"),
        ("ISLAMABAD: The ministers met.", "PAK"),
        ("The U.S. and its allies agreed.", "USA"),
        ("US troops left the base.", "USA"),
        ("Britain's prime minister arrived.", "GBR"),
        ("Ivory Coast exports cocoa.", "CIV"),
        ("Türkiye hosted the meeting.", "TUR"),
        ("President Vladimir Putin spoke.", "RUS"),
        ("Emirati investors signed.", "ARE"),
        ("Filipinos work abroad.", "PHL"),
    ],
)
def test_names_demonyms_capitals_and_leaders_point_at_countries(text: str, code: str) -> None:
    assert code in roles(None, text)


@pytest.mark.parametrize(
    "text",
    [
        "Ships crossed the Indian Ocean.",
        "Leaders of Latin America met in the South China Sea region.",
        "The African Union and the European Union agreed.",
        "ASEAN, the SCO and the GCC issued statements.",
        "The Washington Post reported on the UN Security Council.",
        "They used the Pakistan-Stream pipeline.",
    ],
)
def test_regions_seas_and_organisations_are_not_countries(text: str) -> None:
    assert roles(None, text) == {}


def test_organisations_are_recorded_apart() -> None:
    body = (
        "The EU and ASEAN met the African Union. The UN Security Council and NATO spoke, "
        "as did the Shanghai Cooperation Organisation and the Gulf Cooperation Council. "
        "The European Union said more."
    )
    found = {m.organisation: m.mentions for m in find_organisations(None, body)}
    assert found == {"EU": 2, "ASEAN": 1, "AU": 1, "UN": 1, "NATO": 1, "SCO": 1, "GCC": 1}
    assert all(isinstance(m, OrganisationMention) for m in find_organisations(None, body))
    assert find_countries(None, body) == ()


def test_parties_are_the_actors_and_others_are_mentioned() -> None:
    title = "Japan and Vietnam agree on wind power"
    body = (
        "Japanese and Vietnamese ministers signed the agreement in Hanoi on Monday. "
        "The project will supply power to the grid. "
        "China and the United States were not part of the deal."
    )
    assert roles(title, body) == {
        "JPN": "party",
        "VNM": "party",
        "CHN": "mentioned",
        "USA": "mentioned",
    }


def test_a_topic_country_in_the_title_is_not_a_party() -> None:
    title = "Qatar and Egypt push for Gaza ceasefire"
    body = "Egyptian and Qatari mediators met on Sunday. Officials in Doha were hopeful."
    result = roles(title, body)
    assert result["QAT"] == "party"
    assert result["EGY"] == "party"
    assert result["PSE"] == "mentioned"


def test_mentions_are_counted_and_parties_come_first() -> None:
    found = find_countries(
        "Russia and Pakistan sign energy deal",
        "Moscow and Islamabad agreed. Russian firms will build it. India watched.",
    )
    assert [m.country for m in found][:2] in (["RUS", "PAK"], ["PAK", "RUS"])
    counts = {m.country: m.mentions for m in found}
    assert counts == {"RUS": 3, "PAK": 2, "IND": 1}
    assert found[-1].role == "mentioned"


def test_no_countries_no_mentions() -> None:
    assert find_countries(None, "The ministers met and agreed.") == ()
    assert find_countries("", "") == ()


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("U.S.-China talks resumed.", {"USA", "CHN"}),
        ("Sino-Indian ties improved.", {"CHN", "IND"}),
        ("The Moscow-Islamabad rapprochement grew.", {"RUS", "PAK"}),
        ("North Korea and South Sudan were absent.", {"PRK", "SSD"}),
        ("Niger and Nigeria agreed.", {"NER", "NGA"}),
        ("The DRC and the Republic of Congo met.", {"COD", "COG"}),
        ("The Indo-Pacific strategy was discussed.", set()),
    ],
)
def test_compounds_and_near_names(text: str, codes: set[str]) -> None:
    assert set(roles(None, text)) == codes


def test_a_country_leading_a_compound_acts() -> None:
    assert roles("Philippines backs Malaysia-brokered talks", "")["MYS"] == "party"


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=80)), st.text(max_size=400))
def test_any_text_gives_valid_countries(title: str | None, body: str) -> None:
    for mention in find_countries(title, body):
        assert len(mention.country) == 3 and mention.country.isupper()
        assert mention.mentions >= 1
        assert mention.role in ("party", "mentioned")
    for organisation in find_organisations(title, body):
        assert organisation.mentions >= 1


def test_count_actors_counts_countries_and_bodies_once() -> None:
    assert count_actors("Pakistan and Russia talk", "Islamabad and the EU agreed.") == 3
    assert count_actors(None, "Rain fell on the city all day.") == 0
