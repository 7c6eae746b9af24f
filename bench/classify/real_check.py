"""Check the labels of the real articles: bench/classify/real/labels-<part>.jsonl (issue 18).

Run from anywhere: `python bench/classify/real_check.py [--part N] [FILE ...]`, or `python
bench/classify/real_check.py --show ID` to print an article's title and body exactly as the checker
reads them (copy evidence from there), with its language when it is not English. The body is the
articleBody of the extraction-benchmark and fundus-dev ground truth, or the `text` of a Wikinews
record. With no FILE it reads every labels-*.jsonl beside index.jsonl. It joins the labels with the
index and the shared texts and prints one line per problem, then exits 1 if there was any: bad JSON
or fields, unknown id, duplicate id, id in the wrong part's file, unknown area, evidence that is
not an exact substring of the title (as in the index) or of the body, bad ISO 3166-1 alpha-3 code,
mentioned unsorted or repeated, a country both party and mentioned, areas or parties on a
`relations: false` line, and an index id with no label (only for the parts given with --part, else
for every part).

The rules are in docs/labelling.md. Standard library and pycountry only; nothing from the project.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pycountry

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "bench" / "classify" / "real"
INDEX = REAL / "index.jsonl"

# The 15 cooperation areas of DESIGN.md ("Cooperation areas").
AREAS = frozenset(
    {
        "energy",
        "trade_investment",
        "defense",
        "counterterrorism",
        "security",
        "peace_process",
        "education_culture",
        "human_rights",
        "health",
        "climate_environment",
        "science_technology",
        "humanitarian_aid",
        "migration",
        "infrastructure_transport",
        "agriculture_food",
    }
)
KEYS = {"id", "areas", "parties", "mentioned", "relations"}
OPTIONAL = {"note"}
SETS = {
    "extraction-benchmark": "eval/extraction-benchmark/ground-truth.json",
    "fundus-dev": "eval/fundus-dev/ground-truth.json",
}
WIKINEWS = "wikinews-dev"
WIKINEWS_FILE = "eval/wikinews-dev/articles.jsonl"


def shared_dir() -> Path:
    env = os.environ.get("ENTENTE_SHARED")
    if env:
        return Path(env)
    for folder in (ROOT, *ROOT.parents):
        candidate = folder.parent / "shared"
        if (candidate / "eval").is_dir():
            return candidate
    raise SystemExit("real_check: cannot find the shared folder; set ENTENTE_SHARED")


def load_index() -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in INDEX.read_text(encoding="utf-8").splitlines() if line]
    return {row["id"]: row for row in rows}


def wikinews_records(shared: Path) -> dict[str, dict[str, Any]]:
    text = (shared / WIKINEWS_FILE).read_text(encoding="utf-8")
    # Not splitlines(): the set's README warns that texts may hold U+2028.
    records = (json.loads(line) for line in text.split("\n") if line.strip())
    return {record["id"]: record for record in records}


def load_bodies(index: dict[str, dict[str, Any]]) -> dict[str, str]:
    shared = shared_dir()
    bodies: dict[str, str] = {}
    present = {row["set"] for row in index.values()}
    for name, relative in SETS.items():
        if name in present:
            truth = json.loads((shared / relative).read_text(encoding="utf-8"))
            for page_id, row in index.items():
                if row["set"] == name:
                    bodies[page_id] = truth[page_id]["articleBody"]
    if WIKINEWS in present:
        records = wikinews_records(shared)
        for page_id, row in index.items():
            if row["set"] == WIKINEWS:
                bodies[page_id] = records[page_id]["text"]
    return bodies


def valid_country(code: object) -> bool:
    return (
        isinstance(code, str)
        and re.fullmatch(r"[A-Z]{3}", code) is not None
        and pycountry.countries.get(alpha_3=code) is not None
    )


def check_line(
    row: object,
    where: str,
    index: dict[str, dict[str, Any]],
    bodies: dict[str, str],
    part: int | None,
) -> list[str]:
    if not isinstance(row, dict):
        return [f"{where}: not a JSON object"]
    page_id = row.get("id")
    if not isinstance(page_id, str):
        return [f"{where}: no id"]
    where = f"{where}: {page_id}"
    if page_id not in index:
        return [f"{where}: unknown id"]
    problems = []
    missing = KEYS - row.keys()
    extra = row.keys() - KEYS - OPTIONAL
    if missing:
        problems.append(f"{where}: missing {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"{where}: unknown field {', '.join(sorted(extra))}")
    if part is not None and index[page_id]["part"] != part:
        problems.append(f"{where}: belongs to part {index[page_id]['part']}, not {part}")
    title, body = index[page_id]["title"], bodies[page_id]
    areas = row.get("areas", {})
    parties = row.get("parties", {})
    mentioned = row.get("mentioned", [])
    relations = row.get("relations")
    if not isinstance(relations, bool):
        problems.append(f"{where}: relations must be true or false")
    note = row.get("note", "")
    if not isinstance(note, str) or "\n" in note:
        problems.append(f"{where}: note must be one line of text")
    for field, labels, known in (("area", areas, AREAS), ("party", parties, None)):
        if not isinstance(labels, dict):
            problems.append(f"{where}: {field} labels must be an object of label: evidence")
            continue
        for label, evidence in labels.items():
            if known is not None and label not in known:
                problems.append(f"{where}: unknown area {label!r}")
            if known is None and not valid_country(label):
                problems.append(f"{where}: bad ISO3 code {label!r} in parties")
            if not isinstance(evidence, str) or not evidence.strip():
                problems.append(f"{where}: no evidence for {field} {label}")
            elif evidence != evidence.strip():
                problems.append(f"{where}: evidence for {field} {label} starts or ends with spaces")
            elif evidence not in title and evidence not in body:
                problems.append(
                    f"{where}: evidence for {field} {label} not found: {evidence[:60]!r}"
                )
    if not isinstance(mentioned, list):
        problems.append(f"{where}: mentioned must be a list")
        mentioned = []
    for code in mentioned:
        if not valid_country(code):
            problems.append(f"{where}: bad ISO3 code {code!r} in mentioned")
    if len(set(map(str, mentioned))) != len(mentioned):
        problems.append(f"{where}: a country listed twice in mentioned")
    elif list(map(str, mentioned)) != sorted(map(str, mentioned)):
        problems.append(f"{where}: mentioned is not sorted")
    if isinstance(parties, dict):
        both = sorted(set(parties) & set(map(str, mentioned)))
        if both:
            problems.append(f"{where}: {', '.join(both)} both party and mentioned")
    if relations is False and (areas or parties):
        problems.append(f"{where}: relations is false but areas or parties are given")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", type=int, action="append", help="only require labels for this part"
    )
    parser.add_argument(
        "--show", metavar="ID", help="print this article's title and body, then stop"
    )
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    index = load_index()
    bodies = load_bodies(index)
    if args.show:
        if args.show not in index:
            raise SystemExit(f"real_check: unknown id {args.show}")
        row = index[args.show]
        dated = ""
        if row["set"] == WIKINEWS:
            dated = f", dated {wikinews_records(shared_dir())[args.show]['date']}"
        # Only the non-English lines carry `lang` (issue 22); the others are English.
        lang = f", {row['lang']}" if "lang" in row else ""
        print(
            f"{row['id']} ({row['set']}, {row['site']}{lang}, part {row['part']}, "
            f"{row['split']}{dated})"
        )
        print(f"TITLE: {row['title']}")
        print(bodies[args.show])
        return
    files = args.files or sorted(REAL.glob("labels-*.jsonl"))
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in files:
        match = re.fullmatch(r"labels-(\d+)\.jsonl", path.name)
        part = int(match.group(1)) if match else None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{number}"
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"{where}: bad JSON ({error.msg})")
                continue
            problems.extend(check_line(row, where, index, bodies, part))
            page_id = row.get("id") if isinstance(row, dict) else None
            if isinstance(page_id, str):
                if page_id in seen:
                    problems.append(f"{where}: {page_id}: duplicate id (first in {seen[page_id]})")
                else:
                    seen[page_id] = where
    wanted = set(args.part) if args.part else None
    for page_id, row in index.items():
        if page_id not in seen and (wanted is None or row["part"] in wanted):
            problems.append(f"index: {page_id}: part {row['part']} has no label")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"real_check: {len(seen)} labels, no problem")


if __name__ == "__main__":
    main()
