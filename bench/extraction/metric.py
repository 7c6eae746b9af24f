"""The shingle metric of the article-extraction benchmark, as DESIGN.md describes it.

Text is split into ``\\w+`` tokens and cut into 4-token shingles. Per page, true positives,
false positives and false negatives come from shingle counts and are normalised by their sum.
Precision is the mean over pages with tp + fp > 0, recall the mean over pages with tp + fn > 0,
and F1 the harmonic mean of those two means.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4


def shingles(text: str, n: int = SHINGLE) -> Counter[str]:
    """Count the n-token shingles of a text; a text shorter than n tokens is one shingle."""
    tokens = _TOKEN.findall(text or "")
    grams = (" ".join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(g for g in grams if g)


@dataclass(frozen=True, slots=True)
class PageScore:
    """Normalised shingle matches of one page."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp > 0 else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn > 0 else None


def score_page(truth: str, predicted: str) -> PageScore:
    """Compare one extracted text with its ground truth."""
    true_counts, pred_counts = shingles(truth), shingles(predicted)
    tp = fp = fn = 0
    for key in true_counts.keys() | pred_counts.keys():
        t, p = true_counts.get(key, 0), pred_counts.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True, slots=True)
class Summary:
    """Corpus-level scores."""

    f1: float
    precision: float
    recall: float


def summarise(pages: Iterable[PageScore]) -> Summary:
    """Average precision and recall over the pages where each is defined; F1 from the means."""
    scores = list(pages)
    precisions = [p for s in scores if (p := s.precision) is not None]
    recalls = [r for s in scores if (r := s.recall) is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Summary(f1, precision, recall)
