"""Build bench/classify/real/index.jsonl: the real articles to label (issue 18).

Run from the repository root: `python bench/classify/real_index.py` (add `--check` to compare with
the committed file instead of writing it). Standard library, py3langid and lxml only; it imports
nothing from the project, so it keeps working while the packages are renamed.

Reads three shared sets (never copies their text; titles only):
- `eval/extraction-benchmark/`: English when py3langid says "en" for the articleBody, unless
  OVERRIDES says otherwise; title from the page's og:title, else <title>, whitespace-normalised.
- `eval/fundus-dev/`: English when `language == "en"`; title from the ground truth,
  whitespace-normalised.
- `eval/wikinews-dev/` (the second wave, parts 5 to 8): a sample of 240 of its 3,412 articles,
  because the first two sets hold only about 15 articles about relations between countries out of
  201. Title from the record, words from its text. See "Wikinews" below; the third wave (parts 11
  and 12) adds 120 more, see "The third Wikinews wave".

Each line: id, set, site, title, words, split, part (sorted by set, then id).
- site: URL hostname without "www." (benchmark), the publisher (fundus-dev), "wikinews".
- split: by site, so every page of a site lands in the same split: "aside" when the first 8 hex
  digits of sha256(host) read as a fraction of 2**32 are below ASIDE_FRACTION, else "tune". The
  host is the URL hostname without "www." for both sets (for fundus-dev it is the publisher's one
  host), so a publisher present in both sets (BBC, Reuters, TechCrunch, Fox News...) never
  straddles the two splits.
- part: 0 for the worked examples (EXAMPLES); 1..4 otherwise, hosts packed greedily (largest total
  words first, each to the part with fewest words so far) so the four labellers get about the same
  number of words and a site's pages stay with one labeller.

Wikinews (set "wikinews-dev"). The lines of the first two sets do not depend on it: parts 0..4 and
their labels stay as they were.
- sample: 180 of the articles the set marks `international` and 60 of the others, each group
  drawn round-robin from strata, each stratum's candidates in the order of sha256(id), so the
  sample is reproducible and no editor's choice of article order leaks in. International strata:
  one per cooperation area, an article being a candidate of every area one of whose editors' topic
  categories it carries (AREA_TOPICS), plus "politics" for those with none (talks, visits,
  disputes with no sector). Strata take turns, the one with fewest candidates first, so every area
  gets an equal share up to what it has. The others are hard negatives: domestic articles filed
  under cue-like topics (NEGATIVE_TOPICS: crime, the military, business, health, elections,
  domestic politics).
- split: by year, as the classifier bench (bench/classify/data.py on branch classify,
  WIKINEWS_ASIDE_YEARS): an article dated in 2007 or 2009 is "aside", the others "tune". Not by
  site, as for the other sets: Wikinews is one publisher, so a site split would put all of it on
  one side; whole years keep a running story (a war, a round of talks) on one side of the split.
- part: 5..8, articles packed greedily like the hosts above (largest first, each to the part with
  fewest words so far), so the four labellers of the second wave get about the same words.

Non-English fundus-dev pages (issue 22: the dev data of the other languages). Appended after the
Wikinews lines, so every earlier line keeps its bytes and its place.
- Every fundus-dev page whose `language` is not "en" (89: 57 German and 32 in 17 other languages),
  sorted by id, each line with one more field, `lang`: the ground truth's ISO 639-1 code. The
  earlier lines have no `lang` (they are all English); readers take a missing `lang` as "en".
- split: by host, the rule of the first wave (split_of), so a publisher's pages stay on one side;
  the build stops if a publisher's hosts (ZDF has two) ever fall on both sides.
- part: 9 for the pages in languages other than German (one labeller), 10 for the German ones.

The third Wikinews wave (parts 11 and 12), appended after the non-English lines, so every earlier
line keeps its bytes and its place. The labelled Wikinews articles about relations are what the
learned scorer lacks most, so this wave draws more of them.
- sample: the second wave's draw (same strata, same sha256 order, same round-robin) over the
  articles the second wave did not pick: 96 international (six per stratum) and 24 hard negatives.
- split: by year, as the second wave (2007 and 2009 aside).
- part: 11 and 12, 60 articles each, packed by words like the second wave (largest first, each
  to the part with fewest words among those still under 60 articles).

The shared folder is found through the environment variable ENTENTE_SHARED, else as the first
folder named `shared` (with `eval/` inside) beside the repository root or one of its ancestors.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import py3langid
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "classify" / "real" / "index.jsonl"
BENCHMARK = "extraction-benchmark"
FUNDUS = "fundus-dev"
WIKINEWS = "wikinews-dev"
ASIDE_FRACTION = 0.4
PARTS = 4
OTHER_LANGUAGES_PART = 9
GERMAN_PART = 10
WIKINEWS_ASIDE_YEARS = frozenset({"2007", "2009"})
WIKINEWS_PARTS = (5, 6, 7, 8)
WIKINEWS_INTERNATIONAL = 180
WIKINEWS_OTHER = 60
# The third wave (parts 11 and 12): more articles about relations, drawn as the second wave was.
THIRD_WAVE_PARTS = (11, 12)
THIRD_WAVE_INTERNATIONAL = 96  # six per international stratum
THIRD_WAVE_OTHER = 24

# The Wikinews editors' topic categories that make an international article a candidate of an
# area's stratum, chosen from the categories the set holds (every one is checked to occur). They
# find articles likely to touch the area; they are not labels, and the labellers never see them.
AREA_TOPICS: dict[str, tuple[str, ...]] = {
    "energy": (
        "Energy", "Nuclear power", "OPEC", "Renewable energy", "Oil price surge, 2005",
        "Nuclear waste and reprocessing", "Nuclear technology", "Nuclear accidents", "Mining",
    ),
    "trade_investment": (
        "Economy and business", "World Trade Organization", "International Monetary Fund",
        "World Bank", "2008 financial crisis", "2008-09 financial crisis", "European Central Bank",
        "Euro", "Organisation for Economic Co-operation and Development", "Stock market", "G8",
    ),
    "defense": (
        "Military", "Iraq War", "2006 Israel-Lebanon conflict", "War in South Ossetia (2008)",
        "Israel Defense Forces", "Royal Air Force", "Submarines", "Civil war",
    ),
    "counterterrorism": (
        "US War on Terror", "Al-Qaeda", "Afghan Taliban", "Pakistani Taliban", "Al-Shabaab",
        "Lashkar-e-Toiba", "9/11", "2005-07-07 London bombings", "Terrorism alerts",
        "Terrorism convictions", "Guantanamo Bay",
    ),
    "security": (
        "Nuclear proliferation", "Nuclear weapons", "Weapons of mass destruction",
        "Chemical weapons", "Biological weapons", "Piracy", "Interpol", "Drugs", "Cocaine",
        "Heroin", "Opium", "United Nations Office on Drugs and Crime", "Diplomatic immunity",
        "2007 Iranian seizure of Royal Navy personnel", "Crime and law",
    ),
    "peace_process": (
        "Israel/Palestine Conflict", "Sri Lankan Civil War", "Liberation Tigers of Tamil Eelam",
        "Bosnian War", "Kosovo", "Kashmir", "Darfur", "African Union Mission to Somalia",
        "Blockade of the Gaza Strip",
    ),
    "education_culture": (
        "Education", "Culture and entertainment", "Museums", "Tourism", "Language", "Olympics",
        "Beijing 2008 Olympic and Paralympic Summer Games",
    ),
    "human_rights": (
        "Human rights", "Free speech", "Freedom of the press", "War crimes", "Death penalty",
        "Right to a fair trial", "Human Rights Watch", "Amnesty International",
        "Reporters Without Borders", "European Court of Human Rights",
        "International Criminal Court", "Hunger strikes", "LGBT", "Women",
        "Abu Ghraib prisoner abuse affair",
    ),
    "health": (
        "Health", "Disease", "Infectious disease", "Influenza", "Avian Flu", "Swine flu", "AIDS",
        "Malaria", "Vaccination", "World Health Organisation",
        "Centers for Disease Control and Prevention",
    ),
    "climate_environment": (
        "Environment", "Climate change", "2007 United Nations Climate Change Conference",
        "Species endangerment", "Whales", "Whaling", "International Whaling Commission",
        "Greenpeace", "Oil spills", "Amazon rainforest",
    ),
    "science_technology": (
        "Science and technology", "Space", "Internet", "Computing", "Software", "NASA",
        "European Space Agency", "International Space Station", "Biotechnology",
    ),
    "humanitarian_aid": (
        "International aid", "Red Cross and Red Crescent", "Médecins Sans Frontières",
        "Disasters and accidents", "Natural disasters", "Earthquakes", "Floods",
        "2004 Indian Ocean Tsunami", "Cyclone Nargis", "Oil-for-Food Programme", "Darfur",
    ),
    "migration": (
        "Refugees", "Immigration", "Australian immigration policies", "Human trafficking",
    ),
    "infrastructure_transport": (
        "Transport", "Aviation", "Rail transport", "Merchant shipping",
        "International Civil Aviation Organisation",
    ),
    "agriculture_food": (
        "Agriculture", "Food", "Food and Agriculture Organization", "Avian Flu",
    ),
}  # fmt: skip
# International articles with none of the topics above: talks, visits, disputes with no sector.
POLITICS = "politics"
# The hard negatives: articles not marked international, filed under topics full of cue words.
NEGATIVE_TOPICS = (
    "Crime and law",
    "Military",
    "Economy and business",
    "Health",
    "Elections",
    "Politics and conflicts",
)

# Benchmark pages whose language py3langid gets wrong: id -> (is_english, reason).
# Checked by eye (issue 18): every page near the boundary (printed on stderr) is what py3langid
# says it is. The English ones with most non-English-looking lines are tables or lists of names
# (tour dates, sports scores, Korean cast lists, Nigerian senators); the non-English ones have no
# English paragraph at all (a Japanese page with "en-" in its URL included). Nothing to override.
OVERRIDES: dict[str, tuple[bool, str]] = {}

# The worked examples of bench/classify/real/labels-0.jsonl: part 0, nobody labels them again.
# All from split "tune" (checked below). Their sites' other pages, if any, go to one part as usual.
EXAMPLES = frozenset(
    {
        # polygraph.info: a dispute over a camp and a base
        "1ee91d1fce65e09be8b8d2d29eab771546d98ca2ba5c862941e660e9fec12432",
        "na-TheNamibian-2023_11_16",  # Namibia-South Africa green hydrogen pipeline
        "us-FoxNews-2023_04_28",  # Chinese police stations in the US: a foreign operation
        "be-PoliticoEu-2025_10_23",  # Irish presidential election: NATO, EU, defence words
        "jp-TheJapanNews-2024_10_13",  # Japanese election debate about the Japan-U.S. pact
        "pt-ThePortugalNews-2025_02_03",  # property investment across borders by private buyers
    }
)


def shared_dir() -> Path:
    env = os.environ.get("ENTENTE_SHARED")
    if env:
        return Path(env)
    for folder in (ROOT, *ROOT.parents):
        candidate = folder.parent / "shared"
        if (candidate / "eval").is_dir():
            return candidate
    raise SystemExit("real_index: cannot find the shared folder; set ENTENTE_SHARED")


def normalise(text: str) -> str:
    return " ".join(text.split())


def page_title(path: Path) -> str:
    raw = gzip.decompress(path.read_bytes())
    try:
        raw.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        declared = re.search(rb"""<meta[^>]+charset=["']?([-\w]+)""", raw[:20000], re.I)
        encoding = declared.group(1).decode("ascii") if declared else "cp1252"
    doc = lxml_html.document_fromstring(raw, parser=lxml_html.HTMLParser(encoding=encoding))
    for content in doc.xpath('//meta[@property="og:title"]/@content'):
        if normalise(content):
            return normalise(content)
    for element in doc.xpath("//title"):
        if normalise(element.text_content()):
            return normalise(element.text_content())
    return ""


def english_share(body: str) -> float:
    """Share of the body's characters, in lines of 5 words or more, that py3langid calls English."""
    lines = [line for line in body.split("\n") if len(line.split()) >= 5]
    total = sum(len(line) for line in lines)
    if not total:
        return 0.0
    return sum(len(line) for line in lines if py3langid.classify(line)[0] == "en") / total


def benchmark_rows(shared: Path) -> list[dict[str, Any]]:
    folder = shared / "eval" / BENCHMARK
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    rows = []
    for page_id in sorted(truth):
        page = truth[page_id]
        body = page["articleBody"]
        english = py3langid.classify(body)[0] == "en"
        share = english_share(body)
        if english != (share >= 0.5) or 0.05 < share < 0.9:
            print(
                f"boundary: {page_id[:12]} langid={'en' if english else 'not en'} "
                f"english lines={share:.2f} {page['url'][:80]}",
                file=sys.stderr,
            )
        if page_id in OVERRIDES:
            english, reason = OVERRIDES[page_id]
            print(f"override: {page_id[:12]} english={english}: {reason}", file=sys.stderr)
        if not english:
            continue
        rows.append(
            {
                "id": page_id,
                "set": BENCHMARK,
                "site": host(page["url"]),
                "host": host(page["url"]),
                "title": page_title(folder / "html" / f"{page_id}.html.gz"),
                "words": len(body.split()),
            }
        )
    return rows


def fundus_rows(shared: Path) -> list[dict[str, Any]]:
    truth = json.loads((shared / "eval" / FUNDUS / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        {
            "id": page_id,
            "set": FUNDUS,
            "site": truth[page_id]["publisher"],
            "host": host(truth[page_id]["url"]),
            "title": normalise(truth[page_id]["title"]),
            "words": len(truth[page_id]["articleBody"].split()),
        }
        for page_id in sorted(truth)
        if truth[page_id]["language"] == "en"
    ]


def fundus_foreign_rows(shared: Path) -> list[dict[str, Any]]:
    """The non-English fundus-dev pages (issue 22), split by host, German in its own part."""
    truth = json.loads((shared / "eval" / FUNDUS / "ground-truth.json").read_text(encoding="utf-8"))
    rows = []
    splits: dict[str, set[str]] = {}
    for page_id in sorted(truth):
        page = truth[page_id]
        if page["language"] == "en":
            continue
        split = split_of(host(page["url"]))
        splits.setdefault(page["publisher"], set()).add(split)
        rows.append(
            {
                "id": page_id,
                "set": FUNDUS,
                "site": page["publisher"],
                "lang": page["language"],
                "title": normalise(page["title"]),
                "words": len(page["articleBody"].split()),
                "split": split,
                "part": GERMAN_PART if page["language"] == "de" else OTHER_LANGUAGES_PART,
            }
        )
    straddling = sorted(name for name, seen in splits.items() if len(seen) > 1)
    if straddling:
        raise SystemExit(f"real_index: publishers on both sides of the split: {straddling}")
    return rows


def wikinews_records(shared: Path) -> list[dict[str, Any]]:
    text = (shared / "eval" / WIKINEWS / "articles.jsonl").read_text(encoding="utf-8")
    # Not splitlines(): the set's README warns that texts may hold U+2028.
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def sha_key(page_id: str) -> str:
    return hashlib.sha256(page_id.encode("utf-8")).hexdigest()


def round_robin(strata: dict[str, list[str]], total: int) -> dict[str, str]:
    """Pick `total` ids, strata taking turns (fewest candidates first): id -> its stratum."""
    order = sorted(strata, key=lambda name: (len(strata[name]), name))
    queues = {name: sorted(strata[name], key=sha_key) for name in order}
    position = dict.fromkeys(order, 0)
    chosen: dict[str, str] = {}
    while len(chosen) < total:
        progress = False
        for name in order:
            queue = queues[name]
            while position[name] < len(queue) and queue[position[name]] in chosen:
                position[name] += 1
            if position[name] < len(queue) and len(chosen) < total:
                chosen[queue[position[name]]] = name
                position[name] += 1
                progress = True
        if not progress:
            raise SystemExit(f"real_index: only {len(chosen)} candidates for {total} picks")
    return chosen


def wikinews_sample(
    records: list[dict[str, Any]],
    international_total: int = WIKINEWS_INTERNATIONAL,
    other_total: int = WIKINEWS_OTHER,
    exclude: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The sampled Wikinews ids, each with the stratum that picked it; ids in `exclude` (an
    earlier wave's) are never candidates."""
    present = {category for record in records for category in record["categories"]}
    unknown = {t for topics in AREA_TOPICS.values() for t in topics} - present
    unknown |= set(NEGATIVE_TOPICS) - present
    if unknown:
        raise SystemExit(f"real_index: topics not in the Wikinews set: {sorted(unknown)}")
    international: dict[str, list[str]] = {name: [] for name in (*AREA_TOPICS, POLITICS)}
    other: dict[str, list[str]] = {name: [] for name in NEGATIVE_TOPICS}
    for record in records:
        if record["id"] in exclude:
            continue
        categories = set(record["categories"])
        if record["international"]:
            areas = [area for area, topics in AREA_TOPICS.items() if categories & set(topics)]
            for area in areas or [POLITICS]:
                international[area].append(record["id"])
        else:
            for topic in NEGATIVE_TOPICS:
                if topic in categories:
                    other[topic].append(record["id"])
    chosen = round_robin(international, international_total)
    negatives = round_robin(other, other_total)
    return chosen | {page_id: f"not international: {name}" for page_id, name in negatives.items()}


def third_wave_sample(records: list[dict[str, Any]]) -> dict[str, str]:
    """The third wave: the second wave's draw again, without the second wave's articles."""
    second = frozenset(wikinews_sample(records))
    return wikinews_sample(records, THIRD_WAVE_INTERNATIONAL, THIRD_WAVE_OTHER, second)


def wikinews_rows(
    shared: Path,
    wave: Callable[[list[dict[str, Any]]], dict[str, str]] = wikinews_sample,
    parts: tuple[int, ...] = WIKINEWS_PARTS,
) -> list[dict[str, Any]]:
    """A wave's lines, sorted by id, packed into `parts` by words (largest first, each to the part
    with fewest words among those not yet holding their equal share of articles)."""
    records = wikinews_records(shared)
    sample = wave(records)
    rows = [
        {
            "id": record["id"],
            "set": WIKINEWS,
            "site": "wikinews",
            "title": normalise(record["title"]),
            "words": len(record["text"].split()),
            "split": "aside" if record["date"][:4] in WIKINEWS_ASIDE_YEARS else "tune",
            "stratum": sample[record["id"]],
        }
        for record in records
        if record["id"] in sample
    ]
    loads = dict.fromkeys(parts, 0)
    counts = dict.fromkeys(parts, 0)
    share = -(-len(rows) // len(parts))
    for row in sorted(rows, key=lambda r: (-r["words"], r["id"])):
        part = min((p for p in parts if counts[p] < share), key=lambda p: (loads[p], p))
        row["part"] = part
        loads[part] += row["words"]
        counts[part] += 1
    return sorted(rows, key=lambda r: r["id"])


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def split_of(host_name: str) -> str:
    fraction = int(hashlib.sha256(host_name.encode("utf-8")).hexdigest()[:8], 16) / 2**32
    return "aside" if fraction < ASIDE_FRACTION else "tune"


def assign_parts(rows: list[dict[str, Any]]) -> None:
    host_words: dict[str, int] = {}
    for row in rows:
        if row["id"] not in EXAMPLES:
            host_words[row["host"]] = host_words.get(row["host"], 0) + row["words"]
    loads = [0] * PARTS
    part_of: dict[str, int] = {}
    for name in sorted(host_words, key=lambda h: (-host_words[h], h)):
        part = min(range(PARTS), key=lambda p: (loads[p], p))
        part_of[name] = part + 1
        loads[part] += host_words[name]
    for row in rows:
        row["part"] = 0 if row["id"] in EXAMPLES else part_of[row["host"]]


KEYS = ("id", "set", "site", "title", "words", "split", "part")
# The non-English lines carry their language; the English ones keep the fields they were built with.
LANG_KEYS = ("id", "set", "site", "lang", "title", "words", "split", "part")


def build_rows() -> list[dict[str, Any]]:
    shared = shared_dir()
    rows = benchmark_rows(shared) + fundus_rows(shared)
    for row in rows:
        row["split"] = split_of(row["host"])
    missing = EXAMPLES - {row["id"] for row in rows}
    if missing:
        raise SystemExit(f"real_index: examples not in the index: {sorted(missing)}")
    for row in rows:
        if row["id"] in EXAMPLES and row["split"] != "tune":
            raise SystemExit(
                f"real_index: example {row['id']} is in split {row['split']}, not tune"
            )
    assign_parts(rows)
    third = wikinews_rows(shared, third_wave_sample, THIRD_WAVE_PARTS)
    return rows + wikinews_rows(shared) + fundus_foreign_rows(shared) + third


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(
        json.dumps({k: row[k] for k in (LANG_KEYS if "lang" in row else KEYS)}, ensure_ascii=False)
        + "\n"
        for row in rows
    )


def build() -> str:
    return render(build_rows())


def summary(rows: list[dict[str, Any]]) -> str:
    lines = []
    groups = ("set", "split", "set split", "part", "stratum", "lang split")
    # A line without `lang` is English (module docstring).
    default = {"lang": "en"}
    for key in groups:
        value_of = {
            id(row): " ".join(str(row.get(k, default.get(k, ""))) for k in key.split())
            for row in rows
        }
        values = sorted({value_of[id(row)] for row in rows if key in row or " " in key}, key=str)
        for value in values:
            chosen = [row for row in rows if value_of[id(row)] == value]
            lines.append(
                f"{key}={value}: {len(chosen)} articles, {sum(r['words'] for r in chosen)} words, "
                f"{len({r['site'] for r in chosen})} sites"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed index")
    args = parser.parse_args()
    rows = build_rows()
    text = render(rows)
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(
                f"real_index: {OUT.relative_to(ROOT)} differs from what the script builds"
            )
        print("real_index: index reproduced byte for byte")
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text, encoding="utf-8")
    print(summary(rows))


if __name__ == "__main__":
    main()
