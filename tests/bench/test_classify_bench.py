"""The classification bench's yardsticks: splits, families, short forms and topic scores."""

from __future__ import annotations

import pytest

from bench.classify import run
from bench.classify.data import (
    ASIDE,
    TUNE,
    Article,
    Item,
    first_sentence,
    hashed_split,
    load_devset,
    load_plover,
    load_wikinews,
)
from bench.classify.run import score_items, short_form

SLUGS = ["energy", "defense", "security", "health"]


def item(family: set[str], international: bool = True, split: str = TUNE) -> Item:
    return Item("x", split, "t", "b", frozenset(family), (), international)


def test_family_recall_counts_any_area_of_the_family_and_domestic_labels() -> None:
    answers = iter(
        (frozenset(a), frozenset[str]()) for a in ({"defense"}, {"health"}, set(), {"energy"})
    )
    items = [
        item({"defense", "security"}),  # hit through defense
        item({"energy"}),  # health given: a miss and a wrong area
        item(set()),  # no mapped topic: not counted
        item(set(), international=False),  # domestic, labelled energy
    ]
    scores = score_items(items, SLUGS, lambda title, body: next(answers))
    assert (scores.topical, scores.hits) == (2, 1)
    assert scores.recall() == 0.5
    assert scores.areas_per_item() == 1.0
    assert (scores.domestic, scores.domestic_labelled) == (1, 1)
    assert scores.per_area["defense"].tp == 1
    assert scores.per_area["security"].fn == 0  # the item was recalled through defense
    assert scores.per_area["energy"].fn == 1 and scores.per_area["energy"].fp == 1
    assert scores.per_area["health"].fp == 1


def test_short_form_keeps_the_areas_whose_evidence_it_holds() -> None:
    body = "First line about gas. Second line about drills.\nThird line about vaccines."
    article = Article(
        "a", TUNE, "Title", body, frozenset({"energy", "health"}), frozenset(), frozenset(),
        (("energy", "First line about gas."), ("health", "Third line about vaccines.")),
    )  # fmt: skip
    short = short_form(article)
    assert short.body == "First line about gas.\nSecond line about drills."
    assert short.areas == {"energy"}


def test_splits_are_fixed_and_both_sides_are_used() -> None:
    assert hashed_split("PLOVER-GSR01-AGREE-0001") == hashed_split("PLOVER-GSR01-AGREE-0001")
    plover = load_plover()
    wikinews = load_wikinews()
    for items in (plover, wikinews):
        assert {i.split for i in items} == {TUNE, ASIDE}
    # 2007 and 2009: 765 international and 402 domestic articles.
    assert sum(i.split == ASIDE for i in wikinews) == 1167
    devset = load_devset()
    assert {a.group for a in devset if a.split == ASIDE} == {"final"}


def test_wikinews_items_are_a_headline_and_one_sentence() -> None:
    items = load_wikinews()
    assert len(items) == 3412
    assert sum(i.international for i in items) == 2275
    assert all("\n" not in i.body and i.body for i in items)
    assert sum(1 for i in items if i.international and i.family) > 1000


def test_first_sentence_skips_short_lines_and_keeps_abbreviations() -> None:
    text = "Photo\n\nThe U.S. and Japan agreed on Monday to hold talks on trade. Later, more."
    assert first_sentence(text) == "The U.S. and Japan agreed on Monday to hold talks on trade."


@pytest.mark.parametrize("tuned_only", [False, True])
def test_tuned_only_prints_no_set_aside_figure(
    tuned_only: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    run.main(["--sets", "devset", "--no-cost"] + (["--tuned-only"] if tuned_only else []))
    out = capsys.readouterr().out
    assert f"devset, {TUNE} (" in out
    assert (f"devset, {ASIDE} (" in out) is not tuned_only
    headline = next(line for line in out.splitlines() if line.startswith("devset ("))
    assert headline.endswith(" / -") is tuned_only
