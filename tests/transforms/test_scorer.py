"""The learned layer over the cues: bundled, offline, calibrated, and what it changes."""

from __future__ import annotations

import pickle
import socket
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from entente.transforms import scorer as scorer_module
from entente.transforms.classify import (
    Assessment,
    Taxonomy,
    assess,
    classify,
    cue_signals,
    default_taxonomy_text,
    parse_taxonomy,
)
from entente.transforms.pipeline import label_article
from entente.transforms.scorer import bundled_scorer, embed, features, two_sides
from tests.taxonomies import bundled_taxonomy


def test_the_bundled_scorer_was_fitted_on_the_bundled_cues(taxonomy: Taxonomy) -> None:
    # Its features come from the cues: change the taxonomy, refit (python -m bench.classify.fit).
    rules = bundled_taxonomy(learned=False)
    scorer = taxonomy.scorer
    assert scorer is not None and rules.scorer is None
    assert scorer.fitted_on == rules.version
    assert set(scorer.areas) == {area.slug for area in taxonomy.areas}
    assert taxonomy.version == f"{rules.version}+{scorer.version}"


def test_no_scorer_for_a_language_it_was_not_fitted_for() -> None:
    assert bundled_scorer("xx") is None
    taxonomy = parse_taxonomy(default_taxonomy_text(), language="xx")
    assert taxonomy.scorer is None


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network refused by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    scorer_module._embedder.cache_clear()
    yield
    scorer_module._embedder.cache_clear()


@pytest.mark.usefixtures("no_network")
def test_the_embedding_loads_and_runs_with_no_network() -> None:
    vectors = embed(["Pakistan and Russia discuss energy cooperation", "", "Ministers met."])
    assert vectors.shape == (3, 256)
    norms = np.linalg.norm(vectors, axis=1)
    assert abs(norms[0] - 1) < 1e-4 and abs(norms[2] - 1) < 1e-4
    assert norms[1] == 0.0  # no words, no direction
    close = embed(["Russia and Pakistan talk about energy cooperation"])[0]
    far = embed(["The recipe needs two eggs and a cup of flour"])[0]
    assert float(vectors[0] @ close) > float(vectors[0] @ far)


def test_probabilities_are_probabilities_and_scores_are_reported(taxonomy: Taxonomy) -> None:
    scorer = taxonomy.scorer
    assert scorer is not None
    title = "Japan and India sign defence pact"
    body = (
        "Japan and India signed a defence agreement on Tuesday that allows joint exercises "
        "and the supply of military equipment. The two prime ministers met in Tokyo."
    )
    signals = cue_signals(title, body, taxonomy)
    gate, areas = scorer.read(features(title, body, signals, scorer.areas))
    assert 0.5 < gate <= 1.0
    assert all(0.0 <= p <= 1.0 for p in areas.values())
    labels = classify(title, body, taxonomy)
    assert labels[0].area == "defense"
    assert labels[0].score == pytest.approx(scorer.calibrated(gate, areas["defense"]), abs=1e-4)


def test_a_short_item_gets_an_area_from_words_the_cues_never_met(taxonomy: Taxonomy) -> None:
    # Neither "bolster" nor "fleet" is a cue; what the item is about still shows.
    title = "US, Philippines agree to bolster naval fleet"
    body = "Washington and Manila agreed on Monday to bolster the Philippine navy's fleet."
    rules = bundled_taxonomy(learned=False)
    assert classify(title, body, rules) == ()  # the cues alone find nothing
    labels = classify(title, body, taxonomy)
    assert "defense" in {label.area for label in labels}
    for label in labels:
        assert label.evidence in (title, body) or label.evidence in title + " " + body


def test_a_match_between_two_national_teams_is_not_relations(taxonomy: Taxonomy) -> None:
    title = "Brazil beat Argentina 2-1 in the Copa America final"
    body = (
        "Brazil's striker scored twice as Argentina fell in the final in Rio de Janeiro on "
        "Sunday. The coach praised his defence and the fans who travelled from Buenos Aires."
    )
    areas, countries = label_article(title, body, taxonomy)
    assert areas == ()
    assert {c.country for c in countries} >= {"BRA", "ARG"}
    assert all(c.role == "mentioned" for c in countries)


def test_a_domestic_page_full_of_cue_words_is_not_relations(taxonomy: Taxonomy) -> None:
    title = "Senate passes defence budget after energy and health debate"
    body = (
        "The Senate on Thursday passed the annual defence budget, including new money for the "
        "army and navy. Senators also debated energy prices and hospital funding. The bill now "
        "goes to the president, who is expected to sign it next week. Opposition senators said "
        "the budget ignored rural health care and the cost of electricity for farmers."
    )
    assert assess(title, body, taxonomy).areas == ()


def test_a_taxonomy_with_its_scorer_pickles_and_classifies_the_same(taxonomy: Taxonomy) -> None:
    copy = pickle.loads(pickle.dumps(taxonomy))
    title = "Kazakhstan and China sign gas pipeline deal"
    body = "The two countries signed an agreement to expand the gas pipeline on Tuesday."
    assert classify(title, body, copy) == classify(title, body, taxonomy)
    assert [label.area for label in classify(title, body, taxonomy)] == ["energy"]


def test_an_unsure_gate_needs_two_sides_acting(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A company's share sale abroad: words of trade and investment, countries named, nobody
    # dealing with anybody. The gate is unsure of it; no second side acts, so no area.
    title = "Alibaba to raise $13bn in Hong Kong share listing"
    body = (
        "The Chinese e-commerce giant Alibaba is set to raise up to $13 billion in a secondary "
        "listing in Hong Kong, the biggest share sale of the year. The deal will give investors "
        "in Asia a way to trade its shares, and bankers said demand from funds was strong. "
        "Alibaba said the money would be invested in new technology and its logistics network. "
        "Trading is due to start next week."
    )
    scorer = taxonomy.scorer
    assert scorer is not None
    gate, _ = scorer.read(features(title, body, cue_signals(title, body, taxonomy), scorer.areas))
    assert scorer_module.RELATIONS_GATE <= gate < scorer_module.ONE_SIDED_GATE
    assert not two_sides(title, body)
    assert assess(title, body, taxonomy) == Assessment((), False, learned=True)
    areas, countries = label_article(title, body, taxonomy)
    assert areas == () and all(c.role == "mentioned" for c in countries)
    # The rule is what removes them: without it the gate lets the cues' areas through.
    monkeypatch.setattr(scorer_module, "ONE_SIDED_GATE", 0.0)
    assert "trade_investment" in {label.area for label in classify(title, body, taxonomy)}
    # Two sides acting keep their areas however unsure the gate.
    monkeypatch.setattr(scorer_module, "ONE_SIDED_GATE", 1.01)
    title = "Japan and India sign defence pact"
    body = (
        "Japan and India signed a defence agreement on Tuesday that allows joint exercises and "
        "the supply of military equipment. The two prime ministers met in Tokyo."
    )
    assert two_sides(title, body)
    assert [label.area for label in classify(title, body, taxonomy)] == ["defense"]


def test_a_body_and_one_country_acting_are_two_sides() -> None:
    title = "EU pledges flood relief for Pakistan"
    body = (
        "The European Union pledged 50 million euros in emergency relief for Pakistan on Monday "
        "after floods displaced two million people. Pakistani officials thanked Brussels."
    )
    assert two_sides(title, body)
    # One country in a domestic story, however strongly it acts, is one side.
    assert not two_sides(
        "Ukraine's president fires defence minister",
        "Ukraine's president dismissed the defence minister on Sunday after a rift over "
        "procurement. Ukraine's parliament will vote on a successor next week.",
    )


def test_where_an_area_stands_in_the_article(taxonomy: Taxonomy) -> None:
    title = "Norway and Poland hold talks in Oslo"
    body = (
        "The prime ministers of Norway and Poland met in Oslo on Tuesday for a day of talks. "
        "They spoke about the war in the region and the weather of the past summer months. "
        "Norway will send more gas to Poland through the Baltic Pipe gas pipeline next year. "
        "The two leaders then visited a museum of modern art in the centre of the city. "
        "A dinner followed at the royal palace, where the king welcomed the Polish guests."
    )
    signals = cue_signals(title, body, taxonomy)
    energy = signals.areas["energy"]
    # One sentence of six (the title counts), the third of five in the body.
    assert energy.sentences == 1
    assert energy.share == pytest.approx(1 / 6, abs=1e-4)
    assert energy.first == pytest.approx(0.5)
    read = features(title, body, signals, tuple(a.slug for a in taxonomy.areas))
    assert read.shares["energy"] == energy.share
    assert "agriculture_food" not in read.shares


def test_a_calibration_may_read_the_share_of_sentences(taxonomy: Taxonomy) -> None:
    # The committed fit does not (fit.py --share); a scorer fitted with it weighs the share.
    scorer = taxonomy.scorer
    assert scorer is not None
    assert len(scorer.calibration["cued"]) == 2
    assert scorer.calibrated(0.9, 0.5, "cued", 0.8) == scorer.calibrated(0.9, 0.5)
    with_share = replace(scorer, calibration={**scorer.calibration, "cued": (1.0, 0.0, 2.0)})
    assert with_share.calibrated(0.9, 0.5, "cued", 0.0) == pytest.approx(0.45)
    assert with_share.calibrated(0.9, 0.5, "cued", 0.5) > with_share.calibrated(0.9, 0.5)
