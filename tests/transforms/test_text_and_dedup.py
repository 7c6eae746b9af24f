from __future__ import annotations

from transforms.text import content_hash, normalise_text, word_count


def test_hash_ignores_layout_quotes_and_case() -> None:
    a = "“Energy ties,” he said.\n\nThe  talks   went on — late."
    b = '"energy ties," He said. the talks went on - late.'
    assert normalise_text(a) == normalise_text(b)
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a + " More.")
    assert word_count("Pakistan's 1,100 km pipeline") == 6  # \w+ tokens
