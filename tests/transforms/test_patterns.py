"""The word index that the classifier matches cues through."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from entente.transforms._patterns import WordIndex, key_finder, lower_text
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
