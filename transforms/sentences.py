"""Sentence splitting that keeps every sentence an exact substring of the text it came from."""

from __future__ import annotations

import re
from functools import lru_cache

# Words that end with a period without ending the sentence (compared lower-cased, no period).
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cmdr", "adm",
        "sgt", "cpl", "brig", "sen", "rep", "gov", "pres", "amb", "ambs", "hon", "rev", "st",
        "jr", "sr", "messrs", "mme", "mlle", "no", "nos", "vol", "fig", "art", "arts", "sec",
        "dept", "inc", "ltd", "co", "corp", "bros", "jan", "feb", "mar", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec", "vs", "approx", "est", "mt", "ft", "para",
        "e.g", "i.e", "cf", "al", "govt", "min",
        # Russian, French, Spanish, German
        "гг", "им", "ул", "млн", "млрд", "тыс", "руб", "долл", "проф", "акад", "ген",
        "mm", "av", "env", "sra", "dña", "ee.uu", "eeuu", "bzw", "ca", "nr", "mio", "mrd",
        "z.b", "u.a", "d.h", "vgl",
    }
)  # fmt: skip

_LINE = re.compile(r"[^\r\n]+")
_BULLET = re.compile(r"^\s*(?:[•·▪◦‣●○■□►▶➢✓\-–—*]+\s+|\s*)")
# A candidate end: terminal punctuation, closing quotes or brackets, then space before something
# that can open a sentence (a capital, Latin or Cyrillic, a digit, an Arabic letter, which has no
# case, an opening quote or bracket, a bullet); or a full-width end (。！？), which needs no space.
_END = re.compile(
    r"[.!?…؟]+[\"'”’»)\]]*(?=\s+[\"'“‘«„(\[]?[A-Z0-9•А-ЯЁ\u0620-\u064a])"
    r"|[。！？]+[”’」』）)]*"
)
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)*[^\W\d_]$")  # "U.S", "J", "Д": initials, any script


def _is_abbreviation(line: str, end: int) -> bool:
    """Whether the period at `end` closes an abbreviation or an initial, not a sentence."""
    # The run of word characters and periods just before `end`, read backwards: a regex
    # anchored at `end` would be tried from every position of the line before it.
    start = end
    while start > 0 and (line[start - 1].isalnum() or line[start - 1] in "._"):
        start -= 1
    if start == end:
        return False
    word = line[start:end].lower()
    return word in _ABBREVIATIONS or bool(_INITIALS.match(word))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of the sentences of `text`; newlines always end a sentence."""
    return list(_sentence_spans(text))


@lru_cache(maxsize=16)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    # Cached: the classifier and the country finder split the same article.
    spans: list[tuple[int, int]] = []
    for line_match in _LINE.finditer(text):
        line = line_match.group()
        offset = line_match.start()
        bullet = _BULLET.match(line)
        start = bullet.end() if bullet else 0
        for end_match in _END.finditer(line, start):
            # "Gen. Bajwa", "U.S. troops": a lone period after an abbreviation belongs to it.
            if end_match.end() - end_match.start() == 1 and _is_abbreviation(
                line, end_match.start()
            ):
                continue
            _append(spans, line, offset, start, end_match.end())
            start = end_match.end()
        _append(spans, line, offset, start, len(line))
    return tuple(spans)


def _append(spans: list[tuple[int, int]], line: str, offset: int, start: int, end: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if not stripped or not any(ch.isalnum() for ch in stripped):
        return
    lead = len(piece) - len(piece.lstrip())
    spans.append((offset + start + lead, offset + start + lead + len(stripped)))


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each exactly as it appears there (stripped), in order."""
    return [text[start:end] for start, end in sentence_spans(text)]
