"""Language of an article's text, from a real detector (py3langid) with a confidence."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Enough text to decide (the detector walks the text in Python, so more costs): 300
# characters name the same language as 500 on every page of bench/extraction's tuned-on
# splits, and 500 the same as 1,200 on 223 of bench/pipeline's pages.
_SAMPLE = 300
# Below this many letters the detector is guessing; the page's own lang attribute is better.
_MIN_LETTERS = 20


@lru_cache(maxsize=1)
def identifier() -> LanguageIdentifier:
    """The detector, loaded once per process on first use (not at import): about 100 MB and
    0.7 s of CPU. The extraction workers get it from their forkserver (entente.ingest.preload)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, declared: str | None = None) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability 0..1) for a text; the declared language if text is too short.

    `declared` is the page's own claim (an html lang attribute such as "pt-BR"), used only
    when there is too little text to detect anything, and then without a confidence.
    """
    sample = text[:_SAMPLE]
    if sum(c.isalpha() for c in sample) >= _MIN_LETTERS:
        code, probability = identifier().classify(sample)
        return str(code), round(float(probability), 4)
    if declared:
        code = declared.replace("_", "-").split("-")[0].strip().lower()
        if 2 <= len(code) <= 3 and code.isalpha():
            return code, None
    return None, None
