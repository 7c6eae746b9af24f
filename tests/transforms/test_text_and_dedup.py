from __future__ import annotations

from entente.transforms.text import content_hash, normalise_text, word_count


def test_hash_ignores_layout_quotes_and_case() -> None:
    a = "“Energy ties,” he said.\n\nThe  talks   went on — late."
    b = '"energy ties," He said. the talks went on - late.'
    assert normalise_text(a) == normalise_text(b)
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a + " More.")
    assert word_count("Pakistan's 1,100 km pipeline") == 6  # \w+ tokens


def test_every_typographic_quote_and_dash_folds_and_stored_hashes_stay_valid() -> None:
    text = (
        "\u2018a\u2019 \u201ab\u201b \u201cc\u201d \u201ed\u00ab e\u00bb"
        " f\u2013g\u2014h\u2010i\u2212j \u00c9T\u00c9 \ufb01"
    )
    assert normalise_text(text) == '\'a\' \'b\' "c" "d" e" f-g-h-i-j été fi'
    # computed with the str.translate version this replaced: content hashes already stored
    # in warehouses must not change
    assert content_hash(text) == "584d30da23a1f4bb586d091d1e84c95d1305e4b7c584eeec36c8a4571d56379f"
