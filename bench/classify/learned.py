"""Would a learned layer beat the rules? Cross-validated logistic regression on the rules' output.

Run from the repository root: `python -m bench.classify.learned`. For each article and area the
rules give a score (with the area's threshold lowered so that every cue counts), whether the title
is part of the evidence, how many sentences the evidence holds and whether the article names two
actors; a logistic regression with one bias per area learns from these on k - 1 folds of the
tuning splits (dev, heldout, fresh) and is scored on the k-th, next to the rules on the same fold.
Plain Python (no scikit-learn): the model is a dot product, and the data are small.
"""

from __future__ import annotations

import dataclasses
import math
import random

from bench.classify.run import Counts, Example, load
from entente.transforms.classify import Taxonomy, classify, default_taxonomy_text, parse_taxonomy
from entente.transforms.countries import count_actors

_FOLDS = 5
_SPLITS = ("dev", "heldout", "fresh")


def features(example: Example, loose: Taxonomy, slugs: list[str]) -> dict[str, list[float]]:
    """For each area, the rules' signals (zeros where no cue fired) and a one-hot area bias."""
    labels = {label.area: label for label in classify(example.title, example.body, loose)}
    two_actors = 1.0 if count_actors(example.title, example.body) >= 2 else 0.0
    rows: dict[str, list[float]] = {}
    for number, slug in enumerate(slugs):
        label = labels.get(slug)
        bias = [1.0 if n == number else 0.0 for n in range(len(slugs))]
        if label is None:
            rows[slug] = [0.0, 0.0, 0.0, two_actors, *bias]
            continue
        in_title = 1.0 if example.title and label.evidence.startswith(example.title) else 0.0
        two = 1.0 if len(label.evidence) > 1.3 * len(label.evidence.split(". ")[0]) else 0.0
        rows[slug] = [label.score, in_title, two, two_actors, *bias]
    return rows


def train(
    xs: list[list[float]], ys: list[int], epochs: int = 300, rate: float = 0.5
) -> list[float]:
    """Logistic regression by batch gradient descent with a little L2."""
    w = [0.0] * len(xs[0])
    for _ in range(epochs):
        grad = [0.0] * len(w)
        for x, y in zip(xs, ys, strict=True):
            p = 1 / (1 + math.exp(-sum(a * b for a, b in zip(w, x, strict=True))))
            for i, value in enumerate(x):
                grad[i] += (p - y) * value
        w = [wi - rate * (g / len(xs) + 1e-3 * wi) for wi, g in zip(w, grad, strict=True)]
    return w


def macro(per_area: dict[str, Counts]) -> float:
    return sum(c.f1() for c in per_area.values()) / len(per_area)


def main() -> None:
    taxonomy = parse_taxonomy(default_taxonomy_text())
    loose = dataclasses.replace(taxonomy, threshold=0.01, support=0.01)
    slugs = [area.slug for area in taxonomy.areas]
    examples = [e for e in load() if e.split in _SPLITS]
    random.Random(6).shuffle(examples)
    rows = [features(e, loose, slugs) for e in examples]
    rules_scores, learned_scores = [], []
    for fold in range(_FOLDS):
        test = [i for i in range(len(examples)) if i % _FOLDS == fold]
        xs = [rows[i][s] for i in range(len(examples)) if i % _FOLDS != fold for s in slugs]
        ys = [
            int(s in examples[i].areas)
            for i in range(len(examples))
            if i % _FOLDS != fold
            for s in slugs
        ]
        w = train(xs, ys)
        rules = {s: Counts() for s in slugs}
        learned = {s: Counts() for s in slugs}
        for i in test:
            example = examples[i]
            predicted = {label.area for label in classify(example.title, example.body, taxonomy)}
            for s in slugs:
                gold = [s] if s in example.areas else []
                rules[s].add(gold, [s] if s in predicted else [])
                z = sum(a * b for a, b in zip(w, rows[i][s], strict=True))
                learned[s].add(gold, [s] if z > 0 else [])
        rules_scores.append(macro(rules))
        learned_scores.append(macro(learned))
        print(
            f"fold {fold}: rules macro-F1 {rules_scores[-1]:.3f}, learned {learned_scores[-1]:.3f}"
        )
    mean_rules = sum(rules_scores) / _FOLDS
    mean_learned = sum(learned_scores) / _FOLDS
    print(f"mean over {_FOLDS} folds: rules {mean_rules:.3f}, learned {mean_learned:.3f}")
    print("keep the learned layer" if mean_learned > mean_rules else "keep the rules alone")


if __name__ == "__main__":
    main()
