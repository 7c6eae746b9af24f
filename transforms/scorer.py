"""The learned layer over the cues: a calibrated probability for each area of an article.

The cues stay: they find candidate areas and the evidence sentence. The scorer adds what cues
cannot see, the meaning of the headline and lead, as a static embedding (wordllama, whose wheel
ships its weights), and weighs both with logistic models fitted on labelled real text
(bench/classify/fit.py writes the parameters, `scorer.<language>.json` beside this file):

- a gate: the probability that the text is about relations between countries at all, one model
  for short texts (a headline and a sentence or two, as a feed item) and one for full articles;
- per area: the probability of the area given relations, from the embedding, the article's
  actors and dealing words, and the area's cue signals (score, best sentence, lead, title);
- a Platt calibration of their product, fitted on held-out predictions, so that 0.7 means right
  about 70% of the time: one for areas the cues give, one for areas from meaning alone (short
  texts, where "right" is an area of the item's topic).

An article keeps the areas its cues give it (docs/classification.md) when the gate says it is
about relations and the area's calibrated probability is not so low that it is a passing
mention: in a full article the scorer removes, it does not add areas no sentence states. A short
text has too few words for cues to find everything: where they find nothing, meaning alone may
give up to two areas, when the gate and the area model each reach their thresholds and the text
names two actors (or the gate is nearly sure). Evidence is the cues' when any cue
counts, else the sentence of the headline and lead whose meaning is closest to the area.
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

from entente.transforms.countries import actor_strengths, find_organisations
from entente.transforms.records import AreaLabel
from entente.transforms.sentences import sentence_spans

if TYPE_CHECKING:
    from entente.transforms.classify import CueSignals

# How many body sentences, after the headline, say what an article is about.
LEAD_SENTENCES = 3
# A body of this many sentences or fewer is a short text: a feed summary, a wire sentence.
SHORT_SENTENCES = 2
MAX_MEANING_AREAS = 2
RELATIONS_GATE = 0.5
# A full article whose countries do not act on two sides (two_sides) needs the gate this sure:
# under it the gate is unsure, and there the tuned-on real pages it passed were one-sided
# stories (a company's listing abroad, a minister's dismissal at home). 0.8 also gained on the
# tuned-on Wikinews articles but lost on the set-aside ones (bench/classify/README.md).
ONE_SIDED_GATE = 0.7
# A side's strength as find_countries scores its countries: 3 is a country in the headline, or
# one whose officials or verbs speak in the lead more than once.
SIDE_STRENGTH = 3.0
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
    """Unit vectors for `texts` (rows), from the bundled static embedding; zeros for no words."""
    vectors = np.asarray(_embedder().embed(texts, norm=False), dtype=np.float32)
    vectors = np.nan_to_num(vectors)  # a text with no token averages nothing
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0))


def lead_sentences(title: str, body: str) -> list[str]:
    """The headline and the first body sentences: what the article says it is about."""
    spans = sentence_spans(body)
    sentences = [title] if title.strip() else []
    sentences.extend(body[start:end] for start, end in spans[:LEAD_SENTENCES])
    return sentences or [body[:500]]


def is_short(body: str) -> bool:
    return len(sentence_spans(body)) <= SHORT_SENTENCES


def article_features(signals: CueSignals, body: str) -> list[float]:
    return [
        min(signals.actors, 4) / 4,
        1.0 if signals.dealings else 0.0,
        1.0 if is_short(body) else 0.0,
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


def two_sides(title: str, body: str) -> bool:
    """Whether the country finder reads two sides acting: besides the strongest country, others
    that act (named in the headline, their officials or their verbs: find_countries' scores;
    a list of donors together is a side), or one country that acts and a multilateral body.
    A dealing passes between two sides (docs/labelling.md)."""
    strengths = actor_strengths(title, body)
    if not strengths or strengths[0] < SIDE_STRENGTH:
        return False
    return sum(strengths[1:]) >= SIDE_STRENGTH or bool(find_organisations(title, body))


@dataclass(frozen=True, slots=True)
class Features:
    """One article as the scorer reads it."""

    lead: list[str]
    embedding: np.ndarray  # of the headline and lead together
    article: list[float]
    areas: dict[str, list[float]]
    # Per area the cues give, the share of the article's sentences that state it: a topic is
    # told again and again, a passing mention once (the calibration reads it, see Scorer).
    shares: dict[str, float] = field(default_factory=dict)


def features(title: str, body: str, signals: CueSignals, areas: tuple[str, ...]) -> Features:
    lead = lead_sentences(title, body)
    return Features(
        lead,
        embed([" ".join(lead)])[0],
        article_features(signals, body),
        {area: area_features(signals, area) for area in areas},
        {area: signal.share for area, signal in signals.areas.items()},
    )


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass(frozen=True, slots=True)
class Gate:
    """Logistic weights over [embedding, article features, strongest area features]."""

    weights: np.ndarray
    bias: float

    def probability(self, base: np.ndarray, strongest: np.ndarray) -> float:
        return _sigmoid(float(self.weights @ np.concatenate([base, strongest]) + self.bias))


@dataclass(frozen=True, slots=True)
class Thresholds:
    cued_gate: float  # gate probability an article needs to keep the areas its cues give
    cued: float  # calibrated probability under which a cue-given area is a passing mention
    short_gate: float  # gate probability a short text needs for an area from meaning alone
    short_area: float  # calibrated probability (meaning) the area needs
    short_sure: float  # gate probability that stands in for a second actor


@dataclass(frozen=True, slots=True)
class Scorer:
    """Fitted parameters of the gates, the area models and the calibration."""

    language: str
    version: str
    fitted_on: str  # the taxonomy version whose cues made the training features
    areas: tuple[str, ...]
    gates: dict[bool, Gate]  # by is_short
    weights: np.ndarray  # one row per area over [embedding, article features, area features]
    biases: np.ndarray
    # Platt, p = sigmoid(a * logit(gate * area) + b [+ c * share]): for cue-given areas, for
    # meaning alone.
    calibration: dict[str, tuple[float, ...]]
    thresholds: Thresholds
    directions: np.ndarray = field(repr=False)  # per area, the unit embedding part of its weights

    @classmethod
    def from_json(cls, text: str) -> Scorer:
        data = json.loads(text)
        weights = np.asarray(data["weights"], dtype=np.float32)
        size = weights.shape[1] - _ARTICLE_FEATURES - _AREA_FEATURES
        directions = weights[:, :size] / np.maximum(
            np.linalg.norm(weights[:, :size], axis=1, keepdims=True), 1e-9
        )
        gates = {
            short: Gate(np.asarray(data["gates"][key]["weights"], dtype=np.float32),
                        float(data["gates"][key]["bias"]))
            for short, key in ((True, "short"), (False, "long"))
        }  # fmt: skip
        return cls(
            data["language"],
            data["version"],
            data["fitted_on"],
            tuple(data["areas"]),
            gates,
            weights,
            np.asarray(data["biases"], dtype=np.float32),
            {key: tuple(float(x) for x in values) for key, values in data["calibration"].items()},
            Thresholds(**data["thresholds"]),
            directions,
        )

    def read(self, read: Features) -> tuple[float, dict[str, float]]:
        """The gate's probability, and each area's probability given relations."""
        base = np.concatenate([read.embedding, np.asarray(read.article, dtype=np.float32)])
        strongest = np.max(np.asarray(list(read.areas.values()), dtype=np.float32), axis=0)
        gate = self.gates[read.article[2] > 0].probability(base, strongest)
        areas = {
            area: _sigmoid(
                float(
                    self.weights[row]
                    @ np.concatenate([base, np.asarray(read.areas[area], dtype=np.float32)])
                    + self.biases[row]
                )
            )
            for row, area in enumerate(self.areas)
        }
        return gate, areas

    def calibrated(self, gate: float, area: float, path: str = "cued", share: float = 0.0) -> float:
        """Platt over the logit of gate x area and, where fitted, the area's share of sentences."""
        joint = min(max(gate * area, 1e-6), 1 - 1e-6)
        a, b, *rest = self.calibration[path]
        return _sigmoid(a * math.log(joint / (1 - joint)) + b + (rest[0] * share if rest else 0.0))

    def choose(self, read: Features, passing: set[str]) -> tuple[float, list[tuple[float, str]]]:
        """The gate's probability, and the areas that apply with their calibrated probabilities.

        `passing`: the areas the cues alone would give a full article (see classify).
        """
        gate, areas = self.read(read)
        short = read.article[2] > 0
        limits = self.thresholds
        cued = {area: self.calibrated(gate, areas[area], "cued", read.shares.get(area, 0.0))
                for area in passing}  # fmt: skip
        chosen = [
            (p, area) for area, p in cued.items() if gate >= limits.cued_gate and p >= limits.cued
        ]
        # Meaning fills in where the cues are silent: a short text whose words they never met.
        if (
            short
            and not chosen
            and gate >= limits.short_gate
            and (read.article[0] >= 0.5 or gate >= limits.short_sure)  # two actors, or sure
        ):
            added = sorted(
                (p, area)
                for area, p_area in areas.items()
                if (p := self.calibrated(gate, p_area, "meaning")) >= limits.short_area
            )
            chosen = added[-MAX_MEANING_AREAS:]
        return gate, sorted(chosen, reverse=True)

    def label(
        self, title: str, body: str, signals: CueSignals
    ) -> tuple[tuple[AreaLabel, ...], bool]:
        """The areas that apply, best first, with evidence; and whether it is about relations.

        An article with no area can still report a dealing (an expulsion of diplomats): its
        countries are parties when the gate passes (0.5 for a full article, where party F1 of
        the tuned-on real articles was best; a short text's own, stricter gate).
        """
        read = features(title, body, signals, self.areas)
        passing = (
            {area for area, signal in signals.areas.items() if signal.passes}
            if signals.related
            else set()
        )
        gate, chosen = self.choose(read, passing)
        short = read.article[2] > 0
        relations = gate >= (self.thresholds.short_gate if short else RELATIONS_GATE)
        if not short and gate < ONE_SIDED_GATE and not two_sides(title, body):
            # A full article that names countries but where no second side acts: the gate
            # alone must be sure that it reports a dealing.
            chosen, relations = [], False
        if not chosen:
            return (), relations
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
        return tuple(labels), True


@cache
def bundled_scorer(language: str = "en") -> Scorer | None:
    """The scorer fitted for `language` and shipped with Entente, if there is one."""
    resource = resources.files("entente.transforms").joinpath(f"scorer.{language}.json")
    if not resource.is_file():
        return None
    return Scorer.from_json(resource.read_text(encoding="utf-8"))
