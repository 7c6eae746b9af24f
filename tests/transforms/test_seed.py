"""The article the project was created from gets its areas, evidence and parties."""

from __future__ import annotations

from pathlib import Path

import pytest

from entente.transforms.classify import Taxonomy, classify
from entente.transforms.countries import find_countries
from entente.transforms.sentences import split_sentences

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed"
EXPECTED = {
    "energy",
    "trade_investment",
    "security",
    "counterterrorism",
    "defense",
    "peace_process",
    "education_culture",
}


@pytest.fixture(scope="module")
def seed() -> tuple[str, str]:
    text = (SEED / "000_939baf877a38910c.txt").read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    return title.strip(), body


def test_seed_areas_are_those_named_in_the_design(
    seed: tuple[str, str], taxonomy: Taxonomy
) -> None:
    title, body = seed
    labels = classify(title, body, taxonomy)
    areas = {label.area for label in labels}
    assert areas >= EXPECTED
    assert areas - EXPECTED <= {"human_rights"}


def test_seed_evidence_is_made_of_sentences_of_the_article(
    seed: tuple[str, str], taxonomy: Taxonomy
) -> None:
    title, body = seed
    sentences = set(split_sentences(title)) | set(split_sentences(body))
    for label in classify(title, body, taxonomy):
        assert label.evidence
        rest = label.evidence
        while rest:
            head = next((s for s in sentences if rest.startswith(s)), None)
            assert head is not None, f"{label.area}: {rest[:80]!r} is not a sentence of the seed"
            rest = rest[len(head) :].removeprefix(" ")


def test_seed_parties_and_mentioned_countries(seed: tuple[str, str]) -> None:
    title, body = seed
    roles = {mention.country: mention.role for mention in find_countries(title, body)}
    assert roles["PAK"] == "party"
    assert roles["RUS"] == "party"
    for country in ("AFG", "IND", "USA"):
        assert roles[country] == "mentioned"
