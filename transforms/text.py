"""Text normalisation and content hashes for exact-duplicate detection."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "−": "-",
    }
)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Fold case, Unicode forms, quotes, dashes and whitespace: what a copy keeps of an original."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _SPACE.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """Hash of the normalised text: equal for copies that differ only in layout and quotes."""
    return normalised_hash(normalise_text(text))


def normalised_hash(normalised: str) -> str:
    """`content_hash` of a text already through `normalise_text` (it is not cheap to redo)."""
    return hashlib.sha256(normalised.encode()).hexdigest()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
