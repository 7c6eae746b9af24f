"""Build bench/classify/real/index.jsonl: the English real articles to label (issue 18).

Run from the repository root: `python bench/classify/real_index.py` (add `--check` to compare with
the committed file instead of writing it). Standard library, py3langid and lxml only; it imports
nothing from the project, so it keeps working while the packages are renamed.

Reads the two shared sets (never copies their text; titles only):
- `eval/extraction-benchmark/`: English when py3langid says "en" for the articleBody, unless
  OVERRIDES says otherwise; title from the page's og:title, else <title>, whitespace-normalised.
- `eval/fundus-dev/`: English when `language == "en"`; title from the ground truth,
  whitespace-normalised.

Each line: id, set, site, title, words, split, part (sorted by set, then id).
- site: URL hostname without "www." (benchmark) or the publisher (fundus-dev).
- split: by site, so every page of a site lands in the same split: "aside" when the first 8 hex
  digits of sha256(host) read as a fraction of 2**32 are below ASIDE_FRACTION, else "tune". The
  host is the URL hostname without "www." for both sets (for fundus-dev it is the publisher's one
  host), so a publisher present in both sets (BBC, Reuters, TechCrunch, Fox News...) never
  straddles the two splits.
- part: 0 for the worked examples (EXAMPLES); 1..4 otherwise, hosts packed greedily (largest total
  words first, each to the part with fewest words so far) so the four labellers get about the same
  number of words and a site's pages stay with one labeller.

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
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import py3langid
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "classify" / "real" / "index.jsonl"
BENCHMARK = "extraction-benchmark"
FUNDUS = "fundus-dev"
ASIDE_FRACTION = 0.4
PARTS = 4

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


def build() -> str:
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
    keys = ("id", "set", "site", "title", "words", "split", "part")
    return "".join(json.dumps({k: row[k] for k in keys}, ensure_ascii=False) + "\n" for row in rows)


def summary(text: str) -> str:
    rows = [json.loads(line) for line in text.splitlines()]
    lines = []
    for key in ("set", "split", "part"):
        values = sorted({row[key] for row in rows}, key=str)
        for value in values:
            chosen = [row for row in rows if row[key] == value]
            lines.append(
                f"{key}={value}: {len(chosen)} articles, {sum(r['words'] for r in chosen)} words, "
                f"{len({r['site'] for r in chosen})} sites"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed index")
    args = parser.parse_args()
    text = build()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(
                f"real_index: {OUT.relative_to(ROOT)} differs from what the script builds"
            )
        print("real_index: index reproduced byte for byte")
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text, encoding="utf-8")
    print(summary(text))


if __name__ == "__main__":
    main()
