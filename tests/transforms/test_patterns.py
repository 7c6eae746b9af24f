"""The word index that the classifier matches cues through."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from entente.transforms._patterns import (
    WordIndex,
    build_matcher,
    key_finder,
    lower_text,
    pattern_keys,
)
from tests.taxonomies import bundled_taxonomy

_MATCHERS = bundled_taxonomy().matchers
_WORDS = st.sampled_from(
    ["oil", "oils", "oily", "trade", "tra", "in", "intern", "Gas", "ÉNERGIE", "s-400", "the", "é"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=30))
def test_the_key_finder_indexes_exactly_the_words_some_pattern_can_start(words: list[str]) -> None:
    assert _MATCHERS is not None and _MATCHERS.finder is not None
    lowered = lower_text(" ".join(words))
    keys = _MATCHERS.by_key.keys() | _MATCHERS.cased_by_key.keys()
    every = WordIndex.of(lowered).by_key
    found = WordIndex.of(lowered, _MATCHERS.finder).by_key
    assert dict(found) == {key: every[key] for key in every if key in keys}


def test_a_short_key_is_a_whole_word() -> None:
    finder = key_finder({"oil", "trad"})
    assert [m.group() for m in finder.finditer("oil oily oils trade tra trad")] == [
        "oil",
        "trad",
        "trad",
    ]


# Stems shorter than the index's key, followed by \w, in the scripts Entente reads: the letters
# after the stem are the script's own, not ASCII.
_STEMS = [r"رفض\w*", r"توج\w*", r"мид\w*", r"сш\w+", r"sé\w*", r"gr\w*ße", r"oil\w*"]
_TEXT_WORDS = st.sampled_from(
    ["رفضت", "رفض", "توجه", "мида", "мид", "сша", "séjour", "sé", "größe", "oils", "oil", "the"]
)


def _plain_spans(pattern: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", text)]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_STEMS), st.lists(_TEXT_WORDS, max_size=12))
def test_the_index_finds_what_the_plain_pattern_finds(pattern: str, words: list[str]) -> None:
    text = " ".join(words)
    lowered = lower_text(text)
    matcher = build_matcher([pattern])
    found = [(start, end) for start, end, _ in matcher.spans(text, lowered, WordIndex.of(lowered))]
    assert found == _plain_spans(pattern, lowered)


def test_a_short_arabic_stem_is_tried_at_its_inflected_words() -> None:
    # "رفض\w*" (refuse) listed only ASCII letters after the stem, so "رفضت" (she refused) was
    # never tried and the cue was silently lost.
    assert pattern_keys(r"رفض\w*") is not None
    assert "رفضت" in (pattern_keys(r"رفض\w*") or set())
