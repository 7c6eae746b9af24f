"""The benchmark's shingle metric."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.extraction.metric import PageScore, score_page, shingles, summarise


def test_shingles_of_short_and_long_texts() -> None:
    assert shingles("one two") == {"one two": 1}
    assert shingles("a b c d e") == {"a b c d": 1, "b c d e": 1}
    assert shingles("") == {}


def test_perfect_and_disjoint_pages() -> None:
    assert score_page("a b c d e", "a, b. c d e!") == PageScore(1.0, 0.0, 0.0)
    assert score_page("a b c d", "w x y z") == PageScore(0.0, 0.5, 0.5)


def test_counts_matter() -> None:
    # "a b c d a b c d": the truth's shingle twice, three others once
    score = score_page("a b c d", "a b c d\na b c d")
    assert (score.tp, score.fp, score.fn) == pytest.approx((0.2, 0.8, 0.0))


def test_pages_without_prediction_count_for_recall_only() -> None:
    summary = summarise([score_page("a b c d", "a b c d"), score_page("a b c d", "")])
    assert summary.precision == 1.0
    assert summary.recall == 0.5
    assert summary.f1 == pytest.approx(2 / 3)


@given(st.text(), st.text())
def test_normalised_parts_sum_to_one_or_zero(truth: str, predicted: str) -> None:
    score = score_page(truth, predicted)
    assert score.tp + score.fp + score.fn == pytest.approx(1.0) or score == PageScore(0, 0, 0)
