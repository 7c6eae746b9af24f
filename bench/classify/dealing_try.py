"""Does the dealing's place in an article tell a topic from a passing mention? Tuned-on only.

Run from the repository root: `python -m bench.classify.dealing_try [rank] [floor] [short]`
(issue 18; bench/classify/README.md, 2026-12-08, has the figures). It reads no set-aside split.

- rank: over the areas the cues give (AreaSignal.passes) in the tuned-on articles about
  relations, the AUC with which each signal ranks the gold areas above the others: the
  committed scorer's gate x area and area model, and the raw cue signals of where the area
  stands (its cue score, share of sentences, how near the top its first mention is, its score
  against the article's strongest area). The real Wikinews articles are not the fit's training
  data; the pages and the devset are.
- floor: the pipeline's tuned-on macro-F1 when a full article drops a given area that few of
  its sentences state (share under s) unless its calibrated score reaches p.
- short: for short texts instead (angle (a) of the brief), on the fit's 5-fold held-out
  predictions of the tuned-on Wikinews items: what an area that a cue names but the two-actor
  rule blocks would add, given when the gate and its meaning score reach thresholds, in family
  recall and in domestic items labelled, beside the meaning path's own trade-off.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import roc_auc_score

from bench.classify import fit as fitmod
from bench.classify.data import TUNE, Article, load_devset, load_real
from entente.transforms.classify import (
    AreaSignal,
    CueSignals,
    Taxonomy,
    cue_signals,
    default_taxonomy_text,
    parse_taxonomy,
)
from entente.transforms.pipeline import label_article
from entente.transforms.scorer import features

SIGNALS: dict[str, Callable[[AreaSignal, CueSignals], float]] = {
    "cue score": lambda s, _: s.score,
    "share of sentences": lambda s, _: s.share,
    "first mention near the top": lambda s, _: 1.0 - s.first,
    "against the strongest area": lambda s, all_: (
        s.score / max(a.score for a in all_.areas.values())
    ),
}


def groups() -> dict[str, list[Article]]:
    real = [a for a in load_real() if a.split == TUNE]
    return {
        "real Wikinews (not training data)": [a for a in real if a.group == "wikinews"],
        "real pages (training data)": [a for a in real if a.group == "pages"],
        "devset (training data)": [a for a in load_devset() if a.split == TUNE],
    }


def rank(taxonomy: Taxonomy) -> None:
    scorer = taxonomy.scorer
    assert scorer is not None
    print("== rank: AUC over the areas the cues give, articles about relations")
    for name, articles in groups().items():
        gold: list[int] = []
        values: dict[str, list[float]] = {key: [] for key in ("gate x area", "area", *SIGNALS)}
        for article in articles:
            signals = cue_signals(article.title, article.body, taxonomy)
            if not article.relations or not signals.related:
                continue
            gate, areas = scorer.read(features(article.title, article.body, signals, scorer.areas))
            for slug, signal in signals.areas.items():
                if not signal.passes:
                    continue
                gold.append(int(slug in article.areas))
                values["gate x area"].append(gate * areas[slug])
                values["area"].append(areas[slug])
                for key, read in SIGNALS.items():
                    values[key].append(read(signal, signals))
        aucs = ", ".join(f"{key} {roc_auc_score(gold, v):.3f}" for key, v in values.items())
        print(f"{name}: {len(gold)} pairs, {sum(gold)} gold; {aucs}")


def _macro(
    labelled: Sequence[tuple[Article, dict[str, tuple[float, float]]]],
    slugs: Sequence[str],
    keep: Callable[[float, float], bool],
) -> float:
    f1s = []
    for slug in slugs:
        tp = fp = fn = 0
        for article, given in labelled:
            predicted = slug in given and keep(*given[slug])
            tp += predicted and slug in article.areas
            fp += predicted and slug not in article.areas
            fn += not predicted and slug in article.areas
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return float(np.mean(f1s))


def floor(taxonomy: Taxonomy) -> None:
    slugs = [area.slug for area in taxonomy.areas]
    print("== floor: tuned-on macro-F1 when an area under share s and score p is dropped")
    labelled: dict[str, list[tuple[Article, dict[str, tuple[float, float]]]]] = {}
    for name, articles in groups().items():
        labelled[name] = []
        for article in articles:
            areas, _ = label_article(article.title, article.body, taxonomy)
            signals = cue_signals(article.title, article.body, taxonomy)
            given = {
                label.area: (
                    label.score,
                    signals.areas[label.area].share if label.area in signals.areas else 1.0,
                )
                for label in areas
            }
            labelled[name].append((article, given))
    print("share < s, score < p: " + "; ".join(labelled))
    for p in (0.5, 0.7, 1.01):
        for s in (0.0, 0.05, 0.1, 0.15):
            figures = [
                _macro(part, slugs, lambda score, share, s=s, p=p: not (share < s and score < p))
                for part in labelled.values()
            ]
            print(f"s {s:.2f}, p {p:.2f}: " + "; ".join(f"{f:.3f}" for f in figures))


def short(taxonomy: Taxonomy) -> None:
    """The cue-backed short path against the meaning path, on held-out predictions."""
    slugs = [area.slug for area in taxonomy.areas]
    data = fitmod.rows(taxonomy, slugs)
    gate, areas = fitmod.held_out(data, slugs)
    platt = fitmod.calibrate(data, gate[:, None] * areas, slugs)
    limits, _ = fitmod.choose_thresholds(data, gate, areas, platt, slugs)
    joint = fitmod._logit(gate[:, None] * areas)
    cued = fitmod.cued_probability(platt, joint, fitmod.shares(data, slugs))
    a, b = platt["meaning"]
    meaning = 1 / (1 + np.exp(-(a * joint + b)))
    wiki = [i for i, r in enumerate(data) if r.source == "wikinews"]
    topical = [i for i in wiki if data[i].family]
    domestic = [i for i in wiki if data[i].relations is False]

    def given(i: int, trial: dict[str, float]) -> set[str]:
        return fitmod._chosen(data[i], gate[i], meaning[i], cued[i], trial, slugs)

    def figures(trial: dict[str, float], extra: Callable[[int], set[str]]) -> tuple[float, float]:
        out = {i: given(i, trial) or extra(i) for i in topical + domestic}
        recall = float(np.mean([bool(out[i] & data[i].family) for i in topical]))
        return recall, float(np.mean([bool(out[i]) for i in domestic]))

    print("== short: held-out Wikinews items, family recall and domestic items labelled")
    for g in (0.75, 0.8, 0.85, 0.9):
        trial = {**limits, "short_gate": g}
        recall, share = figures(trial, lambda i: set())
        print(f"meaning path alone, gate {g:.2f}: recall {recall:.3f}, domestic {share:.3f}")
    base, base_share = figures(limits, lambda i: set())
    for s in (0.3, 0.5, 0.7):
        for g in (0.6, 0.7, 0.8):

            def backed(i: int, s: float = s, g: float = g) -> set[str]:
                if gate[i] < g:
                    return set()
                cue = [(meaning[i][j], slug) for j, slug in enumerate(slugs)
                       if data[i].read.areas[slug][0] >= s]  # fmt: skip
                return {slug for _, slug in sorted(cue, reverse=True)[:1]}

            recall, share = figures(limits, backed)
            print(
                f"meaning path at the fit's thresholds and a cue of score >= {s} where the gate "
                f">= {g}: recall {base:.3f} -> {recall:.3f}, domestic {base_share:.3f} -> "
                f"{share:.3f}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="*", choices=("rank", "floor", "short"))
    args = parser.parse_args(argv)
    taxonomy = parse_taxonomy(default_taxonomy_text())
    for report in args.reports or ["rank", "floor", "short"]:
        if report == "short":
            short(parse_taxonomy(default_taxonomy_text(), learned=False))
        else:
            {"rank": rank, "floor": floor}[report](taxonomy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
