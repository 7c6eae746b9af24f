"""Event grouping on real text: pairs of Wikinews articles, labelled by us.

    python -m bench.events.wikinews

`wikinews-pairs.jsonl` lists every pair of articles of ../shared/eval/wikinews-dev that the
country finder gives two common parties, published at most three days apart (300 pairs),
and one pair further apart. We labelled them by reading: the titles, and the texts where the
titles left it open. A pair is the same event when both articles report the same occurrence
(an attack, a visit, a conference, a vote), an announced meeting and its holding included;
a reaction, a later development or another day of fighting is another event. One pair we
could not decide is left out. Most pairs are days of one crisis (the 2006 Lebanon war, the
2007 capture of British sailors by Iran): hard negatives, as real feeds bring them.

Wikinews gives a day, not a time: each article is taken as published at noon UTC.
Printed: precision and recall of the link decision by threshold, and the wrong decisions.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from entente.transforms.classify import default_taxonomy_text, parse_taxonomy
from entente.transforms.events import LINK_THRESHOLD, EventReport, link_score
from entente.transforms.pipeline import event_report

PAIRS = Path(__file__).with_name("wikinews-pairs.jsonl")
WIKINEWS = Path(__file__).resolve().parents[2].parent / "shared/eval/wikinews-dev/articles.jsonl"
THRESHOLDS = (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3)


TAXONOMY = parse_taxonomy(default_taxonomy_text())


def report(row: dict[str, object]) -> EventReport:
    published = datetime.fromisoformat(f"{row['date']}T12:00:00+00:00").astimezone(UTC)
    return event_report(
        str(row["id"]), str(row["title"]), str(row["text"]), published, TAXONOMY, "en"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=LINK_THRESHOLD)
    args = parser.parse_args(argv)
    labels = [json.loads(line) for line in PAIRS.read_text("utf-8").split("\n") if line.strip()]
    wanted = {x for pair in labels for x in (pair["a"], pair["b"])}
    rows = {}
    for line in WIKINEWS.read_text("utf-8").split("\n"):
        if line.strip():
            row = json.loads(line)
            if row["id"] in wanted:
                row["title"] = str(row["title"]).replace("_", " ")
                rows[row["id"]] = row
    reports = {aid: report(row) for aid, row in rows.items()}
    scored = [(p, link_score(reports[p["a"]], reports[p["b"]])) for p in labels]
    positives = sum(p["same"] for p in labels)
    print(f"wikinews: {len(labels)} labelled pairs, {positives} of one event")
    print("threshold  precision  recall   (FP FN)")
    for t in sorted({*THRESHOLDS, args.threshold}):
        linked = [(p, s) for p, s in scored if s is not None and s >= t]
        tp = sum(p["same"] for p, _ in linked)
        fp, fn = len(linked) - tp, positives - tp
        precision = tp / (tp + fp) if tp + fp else 1.0
        mark = " <" if t == args.threshold else ""
        print(f"   {t:5.2f}    {precision:6.3f}   {tp / positives:6.3f}   ({fp} {fn}){mark}")
    print("\nwrong at the threshold:")
    for p, s in scored:
        linked = s is not None and s >= args.threshold
        if linked != p["same"]:
            a, b = reports[p["a"]], reports[p["b"]]
            kind = "false link" if linked else "missed"
            print(
                f"  {kind}: {p['a']} ~ {p['b']} score {s if s is None else round(s, 3)}"
                f" days {a.cues.day.latest}/{a.cues.day.basis}"
                f" {b.cues.day.latest}/{b.cues.day.basis}"
                f"\n    {rows[p['a']]['title']}\n    {rows[p['b']]['title']}"
            )


if __name__ == "__main__":
    main()
