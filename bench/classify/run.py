"""Score the classifier and country finder on the labelled development set.

Run from the repository root: `python -m bench.classify.run [--splits dev,heldout,fresh,final]`.
Prints, per split, per-area precision, recall and F1, macro-F1 and party-country F1; then
throughput against a baseline measured in the same run, and peak memory.

The cues were first written from "dev", then (classifier 3) tuned on "dev", "heldout" and "fresh"
together. The "final" split was written and committed before that tuning and never examined while
tuning: it is the headline score.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from entente.transforms.classify import Taxonomy, classify, default_taxonomy_text, parse_taxonomy
from entente.transforms.countries import find_countries, find_organisations
from entente.transforms.sentences import split_sentences

DEVSET = Path(__file__).with_name("devset.jsonl")
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED = SHARED / "seed"
# Real article bodies (general news, MIT licence): realistic lengths for the throughput figure.
REAL = SHARED / "eval" / "extraction-benchmark" / "ground-truth.json"


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    split: str
    title: str
    body: str
    areas: frozenset[str]
    parties: frozenset[str]
    mentioned: frozenset[str]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Iterable[str], predicted: Iterable[str]) -> None:
        gold_set, predicted_set = set(gold), set(predicted)
        self.tp += len(gold_set & predicted_set)
        self.fp += len(predicted_set - gold_set)
        self.fn += len(gold_set - predicted_set)

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def f1(self) -> float:
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path = DEVSET) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(
                Example(
                    row["id"],
                    row["split"],
                    row["title"],
                    row["body"],
                    frozenset(row["areas"]),
                    frozenset(row["parties"]),
                    frozenset(row["mentioned"]),
                )
            )
    return examples


def evaluate(examples: list[Example], taxonomy: Taxonomy) -> dict[str, object]:
    slugs = [area.slug for area in taxonomy.areas]
    per_area = {slug: Counts() for slug in slugs}
    parties = Counts()
    countries = Counts()
    errors: list[str] = []
    for example in examples:
        predicted = {label.area for label in classify(example.title, example.body, taxonomy)}
        for slug in slugs:
            per_area[slug].add(
                [slug] if slug in example.areas else [], [slug] if slug in predicted else []
            )
        found = find_countries(example.title, example.body)
        predicted_parties = {m.country for m in found if m.role == "party"}
        parties.add(example.parties, predicted_parties)
        countries.add(example.parties | example.mentioned, {m.country for m in found})
        if predicted != example.areas or predicted_parties != example.parties:
            errors.append(
                f"{example.id}: areas +{sorted(predicted - example.areas)} "
                f"-{sorted(example.areas - predicted)}; parties "
                f"+{sorted(predicted_parties - example.parties)} "
                f"-{sorted(example.parties - predicted_parties)}"
            )
    macro = sum(c.f1() for c in per_area.values()) / len(per_area)
    return {
        "per_area": per_area,
        "macro_f1": macro,
        "parties": parties,
        "countries": countries,
        "errors": errors,
    }


def throughput(texts: list[tuple[str, str]], taxonomy: Taxonomy, rounds: int = 5) -> float:
    """Articles per CPU second through classify + find_countries + find_organisations.

    CPU time of this process (one core), best of `rounds` passes: the machine may be shared.
    Texts should be distinct, as the pipeline's are, so no cache serves a repeat.
    """
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for title, body in texts:
            classify(title, body, taxonomy)
            find_countries(title, body)
            find_organisations(title, body)
        best = min(best, time.process_time() - start)
    return len(texts) / best


def baseline(texts: list[tuple[str, str]], rounds: int = 5) -> float:
    """Articles per CPU second for the least any classifier does: split and lower-case the text."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for title, body in texts:
            split_sentences(title)
            split_sentences(body.lower())
        best = min(best, time.process_time() - start)
    return len(texts) / best


def speed(label: str, texts: list[tuple[str, str]], taxonomy: Taxonomy, rounds: int) -> None:
    rate = throughput(texts, taxonomy, rounds)
    floor = baseline(texts, rounds)
    print(
        f"throughput: {rate:.0f} articles/s ({label}, one core); "
        f"{floor / rate:.1f}x the time of splitting sentences alone ({floor:.0f}/s)"
    )


def report(name: str, result: dict[str, object], count: int) -> None:
    per_area = result["per_area"]
    assert isinstance(per_area, dict)
    print(f"\n== {name} ({count} articles)")
    print(f"{'area':26} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for slug, c in per_area.items():
        print(
            f"{slug:26} {c.precision():6.3f} {c.recall():6.3f} {c.f1():6.3f} "
            f"{c.tp:4d} {c.fp:4d} {c.fn:4d}"
        )
    parties = result["parties"]
    countries = result["countries"]
    assert isinstance(parties, Counts) and isinstance(countries, Counts)
    print(f"macro-F1 {result['macro_f1']:.3f}")
    print(
        f"party-country F1 {parties.f1():.3f} (P {parties.precision():.3f} "
        f"R {parties.recall():.3f})"
    )
    print(f"any-country F1 {countries.f1():.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", help="comma-separated splits whose errors to list")
    parser.add_argument(
        "--splits", default="dev,heldout,fresh,final", help="comma-separated splits to score"
    )
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput runs")
    args = parser.parse_args()
    taxonomy = parse_taxonomy(default_taxonomy_text())
    examples = load()
    print(f"taxonomy {taxonomy.version}")
    headline: list[str] = []
    for split in args.splits.split(","):
        subset = [e for e in examples if e.split == split]
        result = evaluate(subset, taxonomy)
        report(split, result, len(subset))
        parties = result["parties"]
        assert isinstance(parties, Counts)
        headline.append(
            f"{split}: macro-F1 {result['macro_f1']:.3f}, party-country F1 {parties.f1():.3f}"
        )
        if args.errors and split in args.errors.split(","):
            errors = result["errors"]
            assert isinstance(errors, list)
            print("\n".join(errors))
    print("\n" + "\n".join(headline))
    if args.no_speed:
        return
    texts = [(e.title, e.body) for e in examples]
    size = sum(len(body) for _, body in texts) // len(texts)
    print()
    speed(f"development set, {size} characters each", texts, taxonomy, 5)
    seed = sorted(SEED.glob("*.txt")) if SEED.exists() else []
    if seed:
        title, _, body = seed[0].read_text(encoding="utf-8").partition("\n")
        # Distinct copies, so that no cache serves a repeat of the same text.
        copies = [(title, f"{body}\nCopy {n}.") for n in range(100)]
        speed(f"seed article, {len(body)} characters", copies, taxonomy, 3)
    if REAL.exists():
        bodies = [
            str(page.get("articleBody") or "")
            for page in json.loads(REAL.read_text(encoding="utf-8")).values()
        ]
        real = [("", body) for body in bodies if body]
        size = sum(len(body) for _, body in real) // len(real)
        speed(f"{len(real)} real article bodies, {size} characters on average", real, taxonomy, 3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory: {peak / 1024:.0f} MiB (resident set of this process)")


if __name__ == "__main__":
    main()
