"""The learned layer over the cues: a calibrated probability for each area of an article.

The cues stay: they find candidate areas and the evidence sentence. The scorer adds what cues
cannot see, the meaning of the headline and lead, as a static embedding (wordllama, whose wheel
ships its weights), and weighs both with logistic models fitted on labelled real text
(bench/classify/fit.py writes the parameters, `scorer.<language>.json` beside this file):

- a gate: the probability that the article is about relations between countries at all;
- per area: the probability of the area given relations, from the embedding, the article's
  actors and dealing words, and the area's cue signals (score, best sentence, lead, title);
- a Platt calibration of their product, fitted on held-out predictions, so that 0.7 means right
  about 70% of the time.

An area applies at `threshold` or above. Its evidence is the cues' when any cue counts, else the
sentence of the headline and lead whose meaning is closest to the area.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from entente.transforms.records import AreaLabel
from entente.transforms.sentences import sentence_spans

if TYPE_CHECKING:
    from entente.transforms.classify import CueSignals

# How many body sentences, after the headline, say what an article is about.
LEAD_SENTENCES = 3
MAX_AREAS = 3
_AREA_FEATURES = 6
_ARTICLE_FEATURES = 3


@cache
def _embedder() -> Any:
    """wordllama's bundled model, loaded once per process, never from the network."""
    import wordllama

    # cache_dir at the package itself: its weights and tokenizer ship in the wheel.
    return wordllama.WordLlama.load(
        cache_dir=os.path.dirname(wordllama.__file__), disable_download=True
    )


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors for `texts` (rows), from the bundled static embedding."""
    vectors = np.asarray(_embedder().embed(texts, norm=True), dtype=np.float32)
    return np.nan_to_num(vectors)


def lead_sentences(title: str, body: str) -> list[str]:
    """The headline and the first body sentences: what the article says it is about."""
    spans = sentence_spans(body)
    sentences = [title] if title.strip() else []
    sentences.extend(body[start:end] for start, end in spans[:LEAD_SENTENCES])
    return sentences or [body[:500]]


def article_features(signals: CueSignals, body: str) -> list[float]:
    return [
        min(signals.actors, 4) / 4,
        1.0 if signals.dealings else 0.0,
        1.0 if len(body) < 400 else 0.0,  # a feed summary, not a page
    ]


def area_features(signals: CueSignals, area: str) -> list[float]:
    signal = signals.areas.get(area)
    if signal is None:
        return [0.0] * _AREA_FEATURES
    return [
        signal.score,
        signal.best,
        signal.lead,
        1.0 if signal.in_title else 0.0,
        math.log1p(signal.sentences) / 2,
        1.0 if signal.passes else 0.0,
    ]


@dataclass(frozen=True, slots=True)
class Features:
    """One article as the scorer reads it."""

    lead: list[str]
    embedding: np.ndarray  # of the headline and lead together
    article: list[float]
    areas: dict[str, list[float]]


def features(title: str, body: str, signals: CueSignals, areas: tuple[str, ...]) -> Features:
    lead = lead_sentences(title, body)
    return Features(
        lead,
        embed([" ".join(lead)])[0],
        article_features(signals, body),
        {area: area_features(signals, area) for area in areas},
    )


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass(frozen=True, slots=True)
class Scorer:
    """Fitted parameters of the gate, the area models and the calibration."""

    language: str
    version: str
    fitted_on: str  # the taxonomy version whose cues made the training features
    areas: tuple[str, ...]
    gate: np.ndarray  # weights over [embedding, article features, best area features]
    gate_bias: float
    weights: np.ndarray  # one row per area over [embedding, article features, area features]
    biases: np.ndarray
    calibration: tuple[float, float]  # Platt: p = sigmoid(a * logit(q) + b)
    threshold: float
    directions: np.ndarray = field(repr=False)  # per area, the unit embedding part of its weights

    @classmethod
    def from_json(cls, text: str) -> Scorer:
        data = json.loads(text)
        weights = np.asarray(data["weights"], dtype=np.float32)
        size = weights.shape[1] - _ARTICLE_FEATURES - _AREA_FEATURES
        directions = weights[:, :size] / np.maximum(
            np.linalg.norm(weights[:, :size], axis=1, keepdims=True), 1e-9
        )
        return cls(
            data["language"],
            data["version"],
            data["fitted_on"],
            tuple(data["areas"]),
            np.asarray(data["gate"], dtype=np.float32),
            float(data["gate_bias"]),
            weights,
            np.asarray(data["biases"], dtype=np.float32),
            (float(data["calibration"][0]), float(data["calibration"][1])),
            float(data["threshold"]),
            directions,
        )

    def probabilities(self, read: Features) -> dict[str, float]:
        """The calibrated probability of each area."""
        base = np.concatenate([read.embedding, np.asarray(read.article, dtype=np.float32)])
        strongest = np.max(np.asarray(list(read.areas.values()), dtype=np.float32), axis=0)
        gate = _sigmoid(float(self.gate @ np.concatenate([base, strongest]) + self.gate_bias))
        a, b = self.calibration
        result: dict[str, float] = {}
        for row, area in enumerate(self.areas):
            x = np.concatenate([base, np.asarray(read.areas[area], dtype=np.float32)])
            joint = gate * _sigmoid(float(self.weights[row] @ x + self.biases[row]))
            joint = min(max(joint, 1e-6), 1 - 1e-6)
            result[area] = _sigmoid(a * math.log(joint / (1 - joint)) + b)
        return result

    def label(self, title: str, body: str, signals: CueSignals) -> tuple[AreaLabel, ...]:
        read = features(title, body, signals, self.areas)
        chosen = sorted(
            ((p, area) for area, p in self.probabilities(read).items() if p >= self.threshold),
            reverse=True,
        )[:MAX_AREAS]
        if not chosen:
            return ()
        sentence_vectors: np.ndarray | None = None
        labels = []
        for p, area in chosen:
            signal = signals.areas.get(area)
            if signal is not None:
                evidence = signal.evidence
            else:
                # No cue: the lead sentence closest in meaning to what the model learned.
                if sentence_vectors is None:
                    sentence_vectors = embed(read.lead)
                row = self.areas.index(area)
                evidence = read.lead[int(np.argmax(sentence_vectors @ self.directions[row]))]
            labels.append(AreaLabel(area, round(p, 4), evidence))
        return tuple(labels)


@cache
def bundled_scorer(language: str = "en") -> Scorer | None:
    """The scorer fitted for `language` and shipped with Entente, if there is one."""
    resource = resources.files("entente.transforms").joinpath(f"scorer.{language}.json")
    if not resource.is_file():
        return None
    return Scorer.from_json(resource.read_text(encoding="utf-8"))
