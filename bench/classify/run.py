"""Score the classifier and the country finder on every labelled set, tuned-on and set-aside.

Run from the repository root: `python -m bench.classify.run [--sets real,devset,plover,wikinews]`.
For each set and each split (see bench/classify/data.py) it prints per-area precision, recall and
F1, then a headline of pairs (tuned-on / set-aside); then the cost of classifying against a
baseline measured in the same run, and the memory the classifier adds.

- real, devset: exact areas and parties; macro-F1 over the 15 areas and party-country F1. The real
  set is also scored in its short form (title and first two body sentences, gold: the areas whose
  evidence lies there), as a feed item without its page would be.
- plover: cooperative sentences with a mapped context: family recall (any area of the context's
  family) and areas per sentence; conflictual sentences: what the classifier says of them.
- wikinews: headline and first sentence: family recall on international items with a mapped
  topic, and the share of domestic items given any area.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.classify.data import (
    ASIDE,
    COOPERATIVE,
    TUNE,
    Article,
    Item,
    load_devset,
    load_multilingual,
    load_plover,
    load_real,
    load_wikinews,
    shared_dir,
    wave,
)
from entente.transforms.classify import (
    Taxonomy,
    cue_signals,
    default_taxonomy_text,
    parse_taxonomy,
)
from entente.transforms.countries import PARTY
from entente.transforms.languages import LANGUAGES
from entente.transforms.pipeline import label_article
from entente.transforms.scorer import features
from entente.transforms.sentences import sentence_spans

SPLITS = (TUNE, ASIDE)
# An article or an item: what `--tuned-only` filters by its split.
Labelled = TypeVar("Labelled", Article, Item)


def only(items: Sequence[Labelled], splits: Collection[str]) -> list[Labelled]:
    """The items of these splits: every split, or with `--tuned-only` the tuned-on ones alone."""
    return [item for item in items if item.split in splits]


# What the classifier under test answers for one text: its areas and its party countries.
Predict = Callable[[str, str], tuple[frozenset[str], frozenset[str]]]


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


@dataclass(slots=True)
class Scores:
    """Per-area counts of one split, and party-country counts where the set has parties."""

    per_area: dict[str, Counts]
    parties: Counts = field(default_factory=Counts)
    count: int = 0
    errors: list[str] = field(default_factory=list)

    def macro_f1(self) -> float:
        return sum(c.f1() for c in self.per_area.values()) / len(self.per_area)


def predictor(taxonomy: Taxonomy, language: str | None = None) -> Predict:
    """The pipeline's own labelling (transforms.pipeline.label_article), for texts in
    `language` (ISO 639-1; None: English)."""

    def predict(title: str, body: str) -> tuple[frozenset[str], frozenset[str]]:
        areas, countries = label_article(title, body, taxonomy, language)
        return (
            frozenset(label.area for label in areas),
            frozenset(m.country for m in countries if m.role == PARTY),
        )

    return predict


def score_articles(
    articles: Sequence[Article], slugs: Sequence[str], predict: Predict, with_parties: bool = True
) -> Scores:
    scores = Scores({slug: Counts() for slug in slugs})
    for article in articles:
        predicted, parties = predict(article.title, article.body)
        for slug in slugs:
            scores.per_area[slug].add(
                [slug] if slug in article.areas else [], [slug] if slug in predicted else []
            )
        parties = parties if with_parties else article.parties
        scores.parties.add(article.parties, parties)
        scores.count += 1
        if predicted != article.areas or (with_parties and parties != article.parties):
            scores.errors.append(
                f"{article.id}: areas +{sorted(predicted - article.areas)} "
                f"-{sorted(article.areas - predicted)}; parties "
                f"+{sorted(parties - article.parties)} -{sorted(article.parties - parties)}"
            )
    return scores


def short_form(article: Article, sentences: int = 2) -> Article:
    """The title and the first body sentences; gold: the areas whose evidence lies in them."""
    spans = sentence_spans(article.body)[:sentences]
    body = "\n".join(article.body[start:end] for start, end in spans)
    kept = frozenset(
        area for area, evidence in article.evidence if evidence in article.title or evidence in body
    )
    return Article(
        article.id, article.split, article.title, body, kept, article.parties, article.mentioned
    )


@dataclass(slots=True)
class TopicScores:
    """Family recall on topical items, areas given, and domestic items labelled."""

    per_area: dict[str, Counts]
    topical: int = 0
    hits: int = 0
    areas_given: int = 0
    domestic: int = 0
    domestic_labelled: int = 0
    single: int = 0  # domestic items naming at most one country (Wikinews: in their categories)
    single_labelled: int = 0
    given: Counter[str] = field(default_factory=Counter)

    def recall(self) -> float:
        return self.hits / self.topical if self.topical else 0.0

    def areas_per_item(self) -> float:
        return self.areas_given / self.topical if self.topical else 0.0

    def domestic_share(self) -> float:
        return self.domestic_labelled / self.domestic if self.domestic else 0.0

    def single_share(self) -> float:
        return self.single_labelled / self.single if self.single else 0.0

    def macro_f1(self) -> float:
        return sum(c.f1() for c in self.per_area.values()) / len(self.per_area)


def score_items(items: Sequence[Item], slugs: Sequence[str], predict: Predict) -> TopicScores:
    """Family-lenient per-area counts: an area given to an item is right when in its family; an
    item none of whose family areas is given is a miss for each of them."""
    scores = TopicScores({slug: Counts() for slug in slugs})
    for item in items:
        predicted = predict(item.title, item.body)[0]
        scores.given.update(predicted)
        if not item.international:
            scores.domestic += 1
            scores.domestic_labelled += bool(predicted)
            if item.countries <= 1:
                scores.single += 1
                scores.single_labelled += bool(predicted)
            for slug in predicted:
                scores.per_area[slug].fp += 1
            continue
        if not item.family:
            continue
        scores.topical += 1
        scores.areas_given += len(predicted)
        hit = bool(predicted & item.family)
        scores.hits += hit
        for slug in predicted:
            if slug in item.family:
                scores.per_area[slug].tp += 1
            else:
                scores.per_area[slug].fp += 1
        if not hit:
            for slug in item.family:
                scores.per_area[slug].fn += 1
    return scores


def print_table(name: str, per_area: dict[str, Counts]) -> None:
    print(f"\n== {name}")
    print(f"{'area':26} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for slug, c in per_area.items():
        if c.tp + c.fp + c.fn:
            print(
                f"{slug:26} {c.precision():6.3f} {c.recall():6.3f} {c.f1():6.3f} "
                f"{c.tp:4d} {c.fp:4d} {c.fn:4d}"
            )


def pair(values: dict[str, float], digits: int = 3) -> str:
    return " / ".join(f"{values[s]:.{digits}f}" if s in values else "-" for s in SPLITS)


def run_articles(
    name: str,
    articles: list[Article],
    slugs: list[str],
    predict: Predict,
    headline: list[str],
    show_errors: bool,
    groups: bool = False,
) -> None:
    macro: dict[str, float] = {}
    party: dict[str, float] = {}
    counts: dict[str, int] = {}
    for split in SPLITS:
        subset = [a for a in articles if a.split == split]
        if not subset:
            continue
        scores = score_articles(subset, slugs, predict)
        print_table(f"{name}, {split} ({len(subset)} articles)", scores.per_area)
        print(f"macro-F1 {scores.macro_f1():.3f}; party-country F1 {scores.parties.f1():.3f} "
              f"(P {scores.parties.precision():.3f} R {scores.parties.recall():.3f})")  # fmt: skip
        macro[split], party[split], counts[split] = (
            scores.macro_f1(),
            scores.parties.f1(),
            len(subset),
        )
        if show_errors and split == TUNE:
            print("\n".join(scores.errors))
    if groups:
        for group in sorted({a.group for a in articles}):
            subset = [a for a in articles if a.group == group]
            scores = score_articles(subset, slugs, predict)
            print(f"{name} {group}: macro-F1 {scores.macro_f1():.3f}, "
                  f"party F1 {scores.parties.f1():.3f} ({len(subset)})")  # fmt: skip
    sizes = " / ".join(str(counts.get(s, 0)) for s in SPLITS)
    headline.append(f"{name} ({sizes}): macro-F1 {pair(macro)}; party F1 {pair(party)}")


def run_real(
    articles: list[Article], slugs: list[str], predict: Predict, headline: list[str], errors: bool
) -> None:
    """The pages (benchmark and fundus) and the Wikinews articles labelled by hand, apart and
    together."""
    if not articles:
        headline.append("real: no labels yet")
        return
    for name, subset in (
        ("real pages", [a for a in articles if a.group == "pages"]),
        ("real Wikinews", [a for a in articles if a.group == "wikinews"]),
        ("real, all", articles),
    ):
        if not subset:
            continue
        run_articles(name, subset, slugs, predict, headline, errors and name != "real, all")
        short = [short_form(a) for a in subset]
        macro: dict[str, float] = {}
        for split in SPLITS:
            part = [a for a in short if a.split == split]
            if part:
                scores = score_articles(part, slugs, predict, with_parties=False)
                print_table(f"{name}, short form, {split} ({len(part)})", scores.per_area)
                print(f"macro-F1 {scores.macro_f1():.3f}")
                macro[split] = scores.macro_f1()
        headline.append(f"{name}, title + 2 sentences: macro-F1 {pair(macro)}")


def run_items(
    name: str, items: list[Item], slugs: list[str], predict: Predict, headline: list[str]
) -> dict[str, TopicScores]:
    results: dict[str, TopicScores] = {}
    for split in SPLITS:
        subset = [i for i in items if i.split == split]
        if not subset:
            continue
        scores = score_items(subset, slugs, predict)
        results[split] = scores
        print_table(f"{name}, {split} (family-lenient per area)", scores.per_area)
        line = (
            f"family recall {scores.recall():.3f} ({scores.hits}/{scores.topical}), "
            f"{scores.areas_per_item():.2f} areas per item"
        )
        if scores.domestic:
            line += (
                f"; domestic labelled {scores.domestic_share():.3f} "
                f"({scores.domestic_labelled}/{scores.domestic}), naming one country at most "
                f"{scores.single_share():.3f} ({scores.single_labelled}/{scores.single})"
            )
        print(line)
    recall = {s: r.recall() for s, r in results.items()}
    per = {s: r.areas_per_item() for s, r in results.items()}
    sizes = " / ".join(str(results[s].topical) if s in results else "0" for s in SPLITS)
    text = f"{name} ({sizes}): family recall {pair(recall)}; areas per item {pair(per, 2)}"
    if any(r.domestic for r in results.values()):
        text += (
            f"; domestic labelled {pair({s: r.domestic_share() for s, r in results.items()})}"
            f", one country at most {pair({s: r.single_share() for s, r in results.items()})}"
        )
    headline.append(text)
    return results


def run_plover(items: list[Item], slugs: list[str], predict: Predict, headline: list[str]) -> None:
    cooperative = [i for i in items if i.kind in COOPERATIVE]
    run_items("plover cooperative", cooperative, slugs, predict, headline)
    # Conflictual reports: what the classifier makes of them (docs/classification.md decides).
    conflictual = [i for i in items if i.kind not in COOPERATIVE]
    print("\n== plover conflictual: share given an area, and the areas, by event type")
    for kind in sorted({i.kind for i in conflictual}):
        given: Counter[str] = Counter()
        labelled = 0
        subset = [i for i in conflictual if i.kind == kind]
        for item in subset:
            predicted = predict(item.title, item.body)[0]
            labelled += bool(predicted)
            given.update(predicted)
        # ties by name: areas come from sets, whose order changes with the hash salt
        ranked = sorted(given.items(), key=lambda item: (-item[1], item[0]))
        common = ", ".join(f"{a} {n}" for a, n in ranked[:4])
        print(f"{kind:12} {labelled:3d}/{len(subset):<3d} {common}")
    mapped = [i for i in conflictual if i.family]
    run_items("plover conflictual, mapped context", mapped, slugs, predict, headline)


def reliability(articles: list[Article], taxonomy: Taxonomy) -> None:
    """Calibration: of the (article, area) pairs scored near p, how many are right."""
    scorer = taxonomy.scorer
    if scorer is None:
        return
    for split in SPLITS:
        bins: dict[int, list[tuple[float, bool]]] = {}
        for article in (a for a in articles if a.split == split):
            signals = cue_signals(article.title, article.body, taxonomy)
            read = features(article.title, article.body, signals, scorer.areas)
            gate, areas = scorer.read(read)
            for area, p_area in areas.items():
                p = scorer.calibrated(gate, p_area, "cued", read.shares.get(area, 0.0))
                bins.setdefault(min(int(p * 10), 9), []).append((p, area in article.areas))
        if not bins:
            continue
        print(f"\n== reliability, real and devset articles, {split}: every (article, area) pair")
        print(f"{'score':>9} {'pairs':>6} {'mean score':>10} {'right':>6}")
        for key in sorted(bins):
            pairs = bins[key]
            mean = sum(p for p, _ in pairs) / len(pairs)
            right = sum(ok for _, ok in pairs) / len(pairs)
            print(f"{key / 10:.1f}-{(key + 1) / 10:.1f} {len(pairs):6d} {mean:10.3f} {right:6.3f}")


def run_languages(
    taxonomy: Taxonomy,
    slugs: list[str],
    shared: Path,
    headline: list[str],
    errors: bool,
    splits: Collection[str],
) -> None:
    """Issue 22: each language's wire reports (bench/classify/multilingual) and its real pages,
    read as the pipeline reads an article detected in that language; the English devset,
    scored the same way, is the reference each language must come within 0.05 of."""
    english: dict[str, float] = {}
    for split in SPLITS:
        subset = [a for a in only(load_devset(), splits) if a.split == split]
        if subset:
            english[split] = score_articles(subset, slugs, predictor(taxonomy)).macro_f1()
    lines = [f"languages: English devset macro-F1 {pair(english)} (the reference)"]
    for language in LANGUAGES:
        predict = predictor(taxonomy, language)
        articles = only(load_multilingual(language), splits)
        run_articles(f"devset {language}", articles, slugs, predict, lines, errors)
        macro = {
            split: score_articles(
                [a for a in articles if a.split == split], slugs, predict
            ).macro_f1()
            for split in english
        }
        gaps = {split: macro[split] - english[split] for split in english}
        lines.append(f"  {language} against English: {pair(gaps)}")
        aside = [a for a in articles if a.split == ASIDE]
        if any(wave(a.id) == 2 for a in aside):
            parts = []
            for number in (1, 2):
                part = [a for a in aside if wave(a.id) == number]
                got = score_articles(part, slugs, predict)
                f1s = f"{got.macro_f1():.3f}; {got.parties.f1():.3f}"
                parts.append(f"wave {number} ({len(part)}) {f1s}")
            lines.append(f"  {language} set aside by wave, macro-F1; party F1: {', '.join(parts)}")
        real = only(load_real(shared, language=language), splits)
        if real:
            run_articles(f"real {language}", real, slugs, predict, lines, errors)
    headline.extend(lines)


def cost_report() -> None:
    """CPU per article and added memory, in a fresh process so its resident set is its own."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.classify.cost"], capture_output=True, text=True, check=False
    )
    print(out.stdout.rstrip() or out.stderr.rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="real,devset,plover,wikinews,languages")
    parser.add_argument(
        "--errors", action="store_true", help="list the errors of the tuned-on splits"
    )
    parser.add_argument("--no-cost", action="store_true", help="skip the cost measurement")
    parser.add_argument(
        "--tuned-only",
        action="store_true",
        help="score the tuned-on splits alone: while tuning, no set-aside figure is printed",
    )
    args = parser.parse_args(argv)
    wanted = (TUNE,) if args.tuned_only else SPLITS

    taxonomy = parse_taxonomy(default_taxonomy_text())
    slugs = [area.slug for area in taxonomy.areas]
    predict = predictor(taxonomy)
    print(f"taxonomy {taxonomy.version}")
    headline: list[str] = []
    sets = args.sets.split(",")
    shared = shared_dir()
    if "real" in sets:
        run_real(only(load_real(shared), wanted), slugs, predict, headline, args.errors)
    if "devset" in sets:
        devset = only(load_devset(), wanted)
        run_articles("devset", devset, slugs, predict, headline, args.errors, groups=True)
    if "plover" in sets:
        run_plover(only(load_plover(shared), wanted), slugs, predict, headline)
    if "wikinews" in sets:
        run_items("wikinews", only(load_wikinews(shared), wanted), slugs, predict, headline)
    if "languages" in sets:
        run_languages(taxonomy, slugs, shared, headline, args.errors, wanted)
    if "real" in sets or "devset" in sets:
        reliability(only(load_real(shared), wanted) + only(load_devset(), wanted), taxonomy)
    print("\n== headline: tuned-on / set-aside")
    print("\n".join(headline))
    if not args.no_cost:
        print()
        cost_report()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
