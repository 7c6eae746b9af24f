from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from entente.transforms.sentences import split_sentences


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = "Gen. Bajwa met U.S. officials and Mr. Khan on Monday. They agreed."
    assert split_sentences(text) == [
        "Gen. Bajwa met U.S. officials and Mr. Khan on Monday.",
        "They agreed.",
    ]


def test_quotes_stay_with_their_sentence() -> None:
    text = "“We agree,” Qureshi said. “We reviewed our cooperation.” The visit ended."
    assert split_sentences(text) == [
        "“We agree,” Qureshi said.",
        "“We reviewed our cooperation.”",
        "The visit ended.",
    ]


def test_newlines_and_bullets_are_boundaries() -> None:
    text = "Headline without a period\n  • First point\n- Second point\n\nBody starts here. Ends."
    assert split_sentences(text) == [
        "Headline without a period",
        "First point",
        "Second point",
        "Body starts here.",
        "Ends.",
    ]


def test_questions_and_exclamations() -> None:
    assert split_sentences("Is it over? Yes! It is.") == ["Is it over?", "Yes!", "It is."]


def test_lines_without_letters_or_digits_are_dropped() -> None:
    assert split_sentences("---\n•\nReal text.") == ["Real text."]


@given(st.text(alphabet=st.sampled_from(list("ab .?!\n•“”'\"GenU.S-")), max_size=200))
def test_sentences_are_stripped_substrings_in_order(text: str) -> None:
    position = 0
    for sentence in split_sentences(text):
        assert sentence == sentence.strip()
        assert sentence
        found = text.find(sentence, position)
        assert found >= 0
        position = found + len(sentence)


@given(
    st.text(alphabet=st.sampled_from("ab.Z_9é -\u0301"), max_size=30),
    st.integers(min_value=0, max_value=30),
)
def test_the_word_before_a_period_is_the_run_a_regex_would_find(line: str, end: int) -> None:
    """_is_abbreviation reads the word backwards; it must see what `[\\w.]+$` sees."""
    import re

    from entente.transforms.sentences import _ABBREVIATIONS, _INITIALS, _is_abbreviation

    end = min(end, len(line))
    match = re.search(r"[\w.]+$", line[:end])
    word = match.group().lower() if match else None
    expected = word is not None and (word in _ABBREVIATIONS or bool(_INITIALS.match(word)))
    assert _is_abbreviation(line, end) == expected
