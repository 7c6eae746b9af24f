"""The labelled sets the classifier is scored on, each with a split fixed before any tuning.

| set | gold | split |
|---|---|---|
| devset (bench/classify/devset.jsonl) | areas, parties | `final` aside; dev, heldout, fresh tuned |
| real (bench/classify/real/) | areas, parties, evidence | the index's, by site: `aside` / `tune` |
| PLOVER (../shared/eval/plover) | context -> family of areas | sha256 of the id below 0.4: aside |
| Wikinews (../shared/eval/wikinews-dev) | categories -> families | 2007 and 2009 aside |

PLOVER and Wikinews are scored as short texts: a sentence, or a headline and its first sentence.
Their families come from bench/classify/families.toml, written before tuning.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry

from entente.transforms.sentences import split_sentences

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEVSET = HERE / "devset.jsonl"
MULTILINGUAL = HERE / "multilingual"
REAL = HERE / "real"
FAMILIES = HERE / "families.toml"

TUNE = "tune"
ASIDE = "aside"
# The multilingual wire reports' first wave (issue 22): ids up to this number per language; a
# second wave (a new set-aside part written before any classifier read it, then more tuned-on
# reports) follows in ar, de, ru, fr and es. bench.classify.run reports the set-aside waves apart.
FIRST_WAVE = {"ru": 42, "fr": 42, "es": 42, "de": 42, "ar": 40, "zh": 40}


def wave(article_id: str) -> int:
    """1 or 2: the multilingual wave an id like "ar-041" belongs to."""
    language, number = article_id.split("-")
    return 1 if int(number) <= FIRST_WAVE[language] else 2


# PLOVER's cooperative event types (its README): the target is on these.
COOPERATIVE = frozenset({"AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE"})
# Wikinews years kept aside: whole years, so no running story sits on both sides.
WIKINEWS_ASIDE_YEARS = frozenset({"2007", "2009"})
_REAL_SETS = {
    "extraction-benchmark": "eval/extraction-benchmark/ground-truth.json",
    "fundus-dev": "eval/fundus-dev/ground-truth.json",
}


@dataclass(frozen=True, slots=True)
class Article:
    """A text with exact gold areas and countries (devset, real set)."""

    id: str
    split: str  # tune or aside
    title: str
    body: str
    areas: frozenset[str]
    parties: frozenset[str]
    mentioned: frozenset[str]
    # Real set only: the sentence that justifies each area, to build the short version.
    evidence: tuple[tuple[str, str], ...] = ()
    group: str = ""  # devset: its own split name; real: "pages" or "wikinews"
    relations: bool = True  # real: the label's `relations`; devset: whether it has an area


@dataclass(frozen=True, slots=True)
class Item:
    """A short text whose gold is a topic (families of acceptable areas), or no relations."""

    id: str
    split: str
    title: str
    body: str
    family: frozenset[str]  # areas that count as a hit; empty: no mapped topic
    topics: tuple[str, ...]  # the contexts or categories that gave the family
    international: bool  # False: a domestic item, which should get no area at all
    kind: str = ""  # PLOVER: the event type
    countries: int = 0  # Wikinews: distinct countries among the editors' categories
    full: str = ""  # Wikinews: the whole body, of which `body` is the first sentence


def shared_dir() -> Path:
    """The read-only evaluation folder: ENTENTE_SHARED, else `shared/` beside the checkout."""
    env = os.environ.get("ENTENTE_SHARED")
    if env:
        return Path(env)
    for folder in (ROOT, *ROOT.parents):
        candidate = folder.parent / "shared"
        if (candidate / "eval").is_dir():
            return candidate
    raise FileNotFoundError("cannot find the shared folder; set ENTENTE_SHARED")


def hashed_split(key: str, aside_share: float = 0.4) -> str:
    """aside when the sha256 of `key` falls in the first `aside_share` of the range."""
    value = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    return ASIDE if value < aside_share else TUNE


def load_devset(path: Path = DEVSET) -> list[Article]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        Article(
            row["id"],
            ASIDE if row["split"] == "final" else TUNE,
            row["title"],
            row["body"],
            frozenset(row["areas"]),
            frozenset(row["parties"]),
            frozenset(row["mentioned"]),
            group=row["split"],
            relations=bool(row["areas"]),
        )
        for row in rows
    ]


def load_multilingual(language: str, folder: Path = MULTILINGUAL) -> list[Article]:
    """The wire reports written in `language` for issue 22 (multilingual/<code>.jsonl), with
    the split fixed when they were written: `aside` is set aside."""
    path = folder / f"{language}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        Article(
            row["id"],
            ASIDE if row["split"] == "aside" else TUNE,
            row["title"],
            row["body"],
            frozenset(row["areas"]),
            frozenset(row["parties"]),
            frozenset(row["mentioned"]),
            group=language,
            relations=bool(row["areas"] or row["parties"]),
        )
        for row in rows
    ]


def load_real(
    shared: Path | None = None, folder: Path = REAL, language: str = "en"
) -> list[Article]:
    """The labelled real articles in `language` (index lines with no `lang` are English), with
    their bodies read from the shared sets; `group` is the set (pages or Wikinews)."""
    index_path = folder / "index.jsonl"
    if not index_path.exists():
        return []
    index = {
        row["id"]: row
        for row in (
            json.loads(line) for line in index_path.read_text(encoding="utf-8").splitlines() if line
        )
        if row.get("lang", "en") == language
    }
    labels: dict[str, dict[str, object]] = {}
    for path in sorted(folder.glob("labels-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["id"] in index:
                    labels[row["id"]] = row
    if not labels:
        return []
    shared = shared or shared_dir()
    bodies: dict[str, str] = {}
    for name, relative in _REAL_SETS.items():
        if not any(row["set"] == name for row in index.values()):
            continue
        truth = json.loads((shared / relative).read_text(encoding="utf-8"))
        for page_id, row in index.items():
            if row["set"] == name and page_id in labels:
                bodies[page_id] = str(truth[page_id]["articleBody"] or "")
    if any(row["set"] == "wikinews-dev" for row in index.values()):
        for item in _wikinews_records(shared):
            if item["id"] in labels:
                bodies[item["id"]] = item["text"]
    articles = []
    for page_id, label in labels.items():
        row = index[page_id]
        areas = label["areas"]
        parties = label["parties"]
        mentioned = label["mentioned"]
        assert isinstance(areas, dict) and isinstance(parties, dict)
        assert isinstance(mentioned, list)
        articles.append(
            Article(
                page_id,
                row["split"],
                row["title"],
                bodies[page_id],
                frozenset(areas),
                frozenset(parties),
                frozenset(mentioned),
                tuple(sorted(areas.items())),
                "wikinews" if row["set"] == "wikinews-dev" else "pages",
                bool(label["relations"]),
            )
        )
    return sorted(articles, key=lambda a: a.id)


def _wikinews_records(shared: Path) -> list[dict[str, Any]]:
    path = shared / "eval" / "wikinews-dev" / "articles.jsonl"
    # Not splitlines(): some texts hold U+2028 (the set's README).
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()
    ]


def _families() -> dict[str, dict[str, list[str]]]:
    return tomllib.loads(FAMILIES.read_text(encoding="utf-8"))


def load_plover(shared: Path | None = None) -> list[Item]:
    """PLOVER's sentences: cooperative ones with their context's family, and the rest."""
    path = (shared or shared_dir()) / "eval" / "plover" / "plover-gsr.jsonl"
    mapping = _families()["plover"]
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        contexts = tuple(c for c in row["context"] if c in mapping)
        family = frozenset(area for c in contexts for area in mapping[c])
        items.append(
            Item(row["id"], hashed_split(row["id"]), "", row["text"], family, contexts, True,
                 row["event"])
        )  # fmt: skip
    return items


def first_sentence(text: str) -> str:
    """The first sentence of a body's first paragraph of prose: a feed summary's worth."""
    for line in text.split("\n"):
        if len(line.strip()) > 40:
            sentences = split_sentences(line)
            return sentences[0] if sentences else line.strip()
    return text.strip()


# Wikinews country categories that pycountry's names do not spell.
_CATEGORY_COUNTRIES = {
    "Georgia (country)": "GEO", "Palestine": "PSE", "Republic of Macedonia": "MKD",
    "England": "GBR", "Scotland": "GBR", "Wales": "GBR", "Northern Ireland": "GBR",
    "Serbia and Montenegro": "SRB", "Yugoslavia": "SRB", "Kosovo": "XKX", "Tibet": "CHN",
}  # fmt: skip


def _category_countries() -> dict[str, str]:
    names = dict(_CATEGORY_COUNTRIES)
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                names.setdefault(name, country.alpha_3)
    gazetteer = tomllib.loads((ROOT / "transforms" / "countries.toml").read_text(encoding="utf-8"))
    for code, spelled in gazetteer["names"].items():
        for name in spelled:
            names.setdefault(name, code)
    return names


def load_wikinews(shared: Path | None = None) -> list[Item]:
    """Wikinews: the headline and the first sentence only, as a feed item would hold."""
    mapping = _families()["wikinews"]
    countries = _category_countries()
    items = []
    for row in _wikinews_records(shared or shared_dir()):
        topics = tuple(c for c in row["categories"] if c in mapping)
        family = frozenset(area for c in topics for area in mapping[c])
        split = ASIDE if row["date"][:4] in WIKINEWS_ASIDE_YEARS else TUNE
        items.append(
            Item(row["id"], split, row["title"], first_sentence(row["text"]), family, topics,
                 bool(row["international"]), countries=len(
                     {countries[c] for c in row["categories"] if c in countries}),
                 full=row["text"])
        )  # fmt: skip
    return items
