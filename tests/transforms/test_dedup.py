from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entente.transforms.dedup import (
    NEAR_THRESHOLD,
    Fingerprint,
    StoryAssignment,
    StoryRef,
    assign_stories,
    figures_agree,
    fingerprint,
    is_near_copy,
)
from entente.transforms.minhash import (
    BANDS,
    band_keys,
    estimated_jaccard,
    jaccard,
    shingles,
    signature,
)
from tests.transforms.stories import (
    ORIGINALS,
    PIPELINE,
    PIPELINE_INDEPENDENT,
    RAILWAY,
    RAILWAY_OTHER_FIGURES,
    RAILWAY_UPDATED,
    VARIANTS,
    add_byline,
)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("story", sorted(ORIGINALS))
def test_every_kind_of_syndicated_copy_is_a_near_copy(story: str, variant: str) -> None:
    original = ORIGINALS[story]
    if variant == "byline-removed" and not original.startswith("By "):
        original = add_byline(original)
    copy = VARIANTS[variant](original)
    assert copy != original
    a, b = fingerprint(original), fingerprint(copy)
    assert set(a.band_keys) & set(b.band_keys), "LSH must make the copy a candidate"
    score = is_near_copy(a, b)
    assert score is not None and score >= NEAR_THRESHOLD


def test_whitespace_and_quotes_alone_keep_the_text_identical_for_shingles() -> None:
    copy = VARIANTS["whitespace-and-quotes"](RAILWAY)
    assert jaccard(shingles(RAILWAY), shingles(copy)) == 1.0


def test_an_independent_report_of_the_same_event_is_not_a_copy() -> None:
    a, b = fingerprint(PIPELINE), fingerprint(PIPELINE_INDEPENDENT)
    assert jaccard(a.shingles, b.shingles) < 0.1
    assert is_near_copy(a, b) is None


def test_different_stories_are_not_copies() -> None:
    prints = {k: fingerprint(v) for k, v in ORIGINALS.items()}
    for left, a in prints.items():
        for right, b in prints.items():
            if left != right:
                assert is_near_copy(a, b) is None, (left, right)


def test_an_update_in_place_still_looks_like_the_same_text() -> None:
    # the warehouse makes it a revision by its URL; the text alone says "same story"
    assert is_near_copy(fingerprint(RAILWAY), fingerprint(RAILWAY_UPDATED)) is not None


def test_a_release_on_the_same_template_with_other_figures_is_not_a_copy() -> None:
    a, b = fingerprint(RAILWAY), fingerprint(RAILWAY_OTHER_FIGURES)
    assert jaccard(a.shingles, b.shingles) >= NEAR_THRESHOLD  # the words alone would match
    assert not figures_agree(a.figures, b.figures)
    assert is_near_copy(a, b) is None


def test_figures_are_checked_only_when_both_texts_have_some() -> None:
    assert figures_agree(frozenset(), frozenset({"1", "2", "3"}))
    assert figures_agree(frozenset({"7"}), frozenset({"1", "2"}))
    assert figures_agree(frozenset({"1", "2", "3"}), frozenset({"1", "2", "9", "10"}))
    assert not figures_agree(frozenset({"1", "2", "3"}), frozenset({"4", "5", "6"}))


def _ref(article_id: str, story: str | None = None, root: str | None = None) -> StoryRef:
    return StoryRef(article_id, story or article_id, root or article_id)


def test_first_copy_starts_the_story_and_later_copies_point_at_it() -> None:
    pipeline = fingerprint(PIPELINE)
    railway = fingerprint(RAILWAY)
    cut = fingerprint(VARIANTS["paragraph-dropped"](PIPELINE))
    prefixed = fingerprint(VARIANTS["prefix-and-cut"](PIPELINE))
    independent = fingerprint(PIPELINE_INDEPENDENT)
    got = assign_stories(
        [("a", pipeline), ("b", cut), ("c", prefixed), ("d", independent), ("e", pipeline)],
        exact={railway.content_hash: _ref("old-1", "story-old", "old-0")},
        stored={},
    )
    assert [(g.article_id, g.story_id, g.duplicate_of, g.kind) for g in got] == [
        ("a", "a", None, "first"),
        ("b", "a", "a", "near"),
        ("c", "a", "a", "near"),
        ("d", "d", None, "first"),
        ("e", "a", "a", "exact"),
    ]
    assert got[1].similarity is not None and NEAR_THRESHOLD <= got[1].similarity < 1


def test_stored_texts_are_matched_and_keep_their_root() -> None:
    from entente.transforms.dedup import KnownText

    stored = fingerprint(RAILWAY)
    known = KnownText(_ref("copy-7", "story-1", "first-1"), stored)
    copy = fingerprint(VARIANTS["photo-caption"](RAILWAY))
    exact = {stored.content_hash: known.ref}
    got = assign_stories([("x", copy), ("y", stored)], exact, {"x": [known]})
    assert got[0] == StoryAssignment("x", "story-1", "first-1", "near", got[0].similarity)
    assert got[1] == StoryAssignment("y", "story-1", "first-1", "exact", 1.0)


def test_empty_text_matches_nothing() -> None:
    empty = fingerprint("")
    assert empty.band_keys == () and empty.shingles == frozenset()
    assert is_near_copy(empty, empty) is None


def test_signature_estimates_jaccard() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(400)]
    errors = []
    for _ in range(40):
        base = [rng.choice(vocab) for _ in range(300)]
        other = list(base)
        for _ in range(rng.randrange(0, 150)):
            other[rng.randrange(len(other))] = rng.choice(vocab)
        a, b = shingles(" ".join(base)), shingles(" ".join(other))
        errors.append(abs(estimated_jaccard(signature(a), signature(b)) - jaccard(a, b)))
    assert sum(errors) / len(errors) < 0.05
    assert max(errors) < 0.2


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text("abcdefgh ", min_size=1, max_size=12), min_size=1, max_size=60))
def test_band_keys_are_deterministic_and_one_per_band(parts: list[str]) -> None:
    text = " ".join(parts)
    fp: Fingerprint = fingerprint(text)
    assert fp == fingerprint(text)
    if fp.shingles:
        assert len(fp.band_keys) == BANDS
        assert len(set(fp.band_keys)) == BANDS
        assert band_keys(signature(fp.shingles)) == fp.band_keys
        assert all(-(2**63) <= k < 2**63 for k in fp.band_keys)


@given(
    st.lists(st.integers(min_value=0, max_value=(1 << 65)), min_size=1, max_size=20),
    st.lists(st.integers(min_value=0, max_value=(1 << 65)), min_size=1, max_size=20),
)
def test_the_bytes_estimate_counts_the_bins_that_agree_once_packed(
    a: list[int], b: list[int]
) -> None:
    from entente.transforms.minhash import estimated_jaccard_bytes, pack_signature, unpack_signature

    b = (b * len(a))[: len(a)]  # same length; some bins equal, some not
    b[0] = a[0]
    x, y = unpack_signature(pack_signature(a)), unpack_signature(pack_signature(b))
    expected = sum(1 for p, q in zip(x, y, strict=True) if p == q) / len(a)
    assert estimated_jaccard_bytes(pack_signature(a), pack_signature(b)) == expected
    assert (
        estimated_jaccard_bytes(pack_signature(a), pack_signature(a[:-1])) == 0.0
    )  # lengths differ
