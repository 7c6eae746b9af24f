"""The real-article index and the label checker (issue 18)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from bench.classify import real_check, real_index

INDEX: dict[str, dict[str, Any]] = {
    "a1": {"id": "a1", "set": "fundus-dev", "title": "Chad and Niger sign a grain deal", "part": 1},
}
BODIES = {"a1": "The two governments agreed on wheat exports.\nRice said it was a good day."}


def problems(row: dict[str, Any], part: int | None = 1) -> list[str]:
    return real_check.check_line(row, "labels-1.jsonl:1", INDEX, BODIES, part)


def good() -> dict[str, Any]:
    return {
        "id": "a1",
        "areas": {"agriculture_food": "The two governments agreed on wheat exports."},
        "parties": {"TCD": "Chad and Niger sign a grain deal"},
        "mentioned": [],
        "relations": True,
    }


def test_a_correct_line_has_no_problem() -> None:
    row = good()
    row["parties"]["NER"] = row["parties"]["TCD"]
    assert problems(row) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"areas": {"agriculture": "Rice said it was a good day."}}, "unknown area 'agriculture'"),
        ({"areas": {"agriculture_food": "They agreed on wheat."}}, "not found"),
        ({"parties": {"XKX": "Chad and Niger sign a grain deal"}}, "bad ISO3 code 'XKX'"),
        ({"mentioned": ["TCD"]}, "TCD both party and mentioned"),
        ({"mentioned": ["NER", "BEN"]}, "mentioned is not sorted"),
        ({"relations": False}, "relations is false but areas or parties are given"),
        ({"id": "zz"}, "unknown id"),
        ({"note": "two\nlines"}, "note must be one line"),
    ],
)
def test_each_problem_is_one_line(change: dict[str, Any], expected: str) -> None:
    row = good() | change
    found = problems(row)
    assert any(expected in line for line in found), found


def test_a_label_in_another_part_file_is_flagged() -> None:
    assert any("belongs to part 1, not 2" in line for line in problems(good(), part=2))


def shared_available() -> bool:
    try:
        return (real_check.shared_dir() / "eval").is_dir()
    except SystemExit:
        return False


@pytest.mark.skipif(not shared_available(), reason="needs ../shared/eval")
def test_the_committed_index_is_what_the_script_builds() -> None:
    assert real_index.build() == real_index.OUT.read_text(encoding="utf-8")


@pytest.mark.skipif(not shared_available(), reason="needs ../shared/eval")
def test_the_worked_examples_pass_the_checker() -> None:
    index = real_check.load_index()
    bodies = real_check.load_bodies(index)
    path = real_check.REAL / "labels-0.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    for number, line in enumerate(lines, 1):
        found = real_check.check_line(json.loads(line), f"labels-0:{number}", index, bodies, 0)
        assert found == []
    assert {row["id"] for row in map(json.loads, lines)} == set(real_index.EXAMPLES)
    assert all(index[page_id]["split"] == "tune" for page_id in real_index.EXAMPLES)


def test_shared_dir_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ENTENTE_SHARED", os.fspath(tmp_path))
    assert real_check.shared_dir() == tmp_path
    assert real_index.shared_dir() == tmp_path


# sha256 of the index's lines for parts 0..4 (extraction-benchmark and fundus-dev) as they were
# labelled, before the Wikinews wave was added: adding sets must never move those articles.
FIRST_WAVE_SHA256 = "71b737c2943f7bd1a1adbb5393ef1ef78b623af0a2e79bdf35c0711124bf5573"


def test_the_first_wave_lines_are_unchanged() -> None:
    lines = real_index.OUT.read_text(encoding="utf-8").splitlines(keepends=True)
    first = [line for line in lines if json.loads(line)["set"] != real_index.WIKINEWS]
    digest = hashlib.sha256("".join(first).encode("utf-8")).hexdigest()
    assert digest == FIRST_WAVE_SHA256
    assert {json.loads(line)["part"] for line in first} == {0, 1, 2, 3, 4}
    later = [json.loads(line) for line in lines if line not in first]
    assert {row["part"] for row in later} == set(real_index.WIKINEWS_PARTS)


def test_round_robin_gives_each_stratum_its_turn_in_sha256_order() -> None:
    strata = {"big": [f"b{n}" for n in range(20)], "small": ["s1", "s2"], "shared": ["b3", "x"]}
    chosen = real_index.round_robin(strata, 8)
    assert len(chosen) == 8
    assert sorted(i for i, name in chosen.items() if name == "small") == ["s1", "s2"]
    assert {i for i, name in chosen.items() if name == "shared"} <= {"b3", "x"}
    assert any(name == "shared" for name in chosen.values())
    big = sorted((i for i, name in chosen.items() if name == "big"), key=real_index.sha_key)
    remaining = [i for i in strata["big"] if i not in chosen]
    assert max(map(real_index.sha_key, big)) < min(map(real_index.sha_key, remaining))
    reordered = {name: list(reversed(ids)) for name, ids in reversed(strata.items())}
    assert real_index.round_robin(reordered, 8) == chosen
    with pytest.raises(SystemExit, match="only 23 candidates"):
        real_index.round_robin(strata, 30)


@pytest.mark.skipif(not shared_available(), reason="needs ../shared/eval")
def test_the_wikinews_sample_is_reproducible_and_stratified() -> None:
    records = real_index.wikinews_records(real_index.shared_dir())
    sample = real_index.wikinews_sample(records)
    assert real_index.wikinews_sample(list(reversed(records))) == sample
    by_id = {record["id"]: record for record in records}
    international = [i for i in sample if by_id[i]["international"]]
    assert (len(international), len(sample)) == (180, 240)
    strata = {name for i, name in sample.items() if i in international}
    assert strata == {*real_index.AREA_TOPICS, real_index.POLITICS}
    rows = [json.loads(line) for line in real_index.OUT.read_text(encoding="utf-8").splitlines()]
    wikinews = [row for row in rows if row["set"] == real_index.WIKINEWS]
    assert {row["id"] for row in wikinews} == set(sample)
    for row in wikinews:
        year = by_id[row["id"]]["date"][:4]
        assert row["split"] == ("aside" if year in {"2007", "2009"} else "tune")
        assert row["words"] == len(by_id[row["id"]]["text"].split())
    loads = [sum(r["words"] for r in wikinews if r["part"] == p) for p in (5, 6, 7, 8)]
    assert max(loads) - min(loads) < 0.02 * max(loads)


def test_the_checker_reads_wikinews_texts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "eval" / "wikinews-dev"
    folder.mkdir(parents=True)
    text = "GAZA - Egypt and Israel agreed to reopen the crossing.\u2028Aid trucks wait.\n\nMore."
    record = {"id": "wn-1", "title": "Crossing to reopen", "date": "2007-05-01", "text": text}
    other = {"id": "wn-2", "title": "Other", "date": "2005-01-01", "text": "x"}
    lines = [json.dumps(record), json.dumps(other)]
    (folder / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    row = {"id": "wn-1", "set": "wikinews-dev", "site": "wikinews", "title": record["title"]}
    index_path = tmp_path / "index.jsonl"
    index_path.write_text(json.dumps(row | {"words": 14, "split": "aside", "part": 5}) + "\n")
    monkeypatch.setenv("ENTENTE_SHARED", os.fspath(tmp_path))
    monkeypatch.setattr(real_check, "INDEX", index_path)
    index = real_check.load_index()
    bodies = real_check.load_bodies(index)
    assert bodies == {"wn-1": text}
    label = {
        "id": "wn-1",
        "areas": {"humanitarian_aid": "Aid trucks wait."},
        "parties": {"EGY": "Egypt and Israel agreed to reopen the crossing."},
        "mentioned": [],
        "relations": True,
    }
    assert real_check.check_line(label, "labels-5:1", index, bodies, 5) == []
    label["parties"] = {"ISR": "Israel agreed to reopen the crossing today."}
    found = real_check.check_line(label, "labels-5:1", index, bodies, 5)
    assert any("evidence for party ISR not found" in line for line in found), found
    monkeypatch.setattr("sys.argv", ["real_check.py", "--show", "wn-1"])
    real_check.main()
    shown = capsys.readouterr().out
    assert shown.startswith("wn-1 (wikinews-dev, wikinews, part 5, aside, dated 2007-05-01)")
    assert "TITLE: Crossing to reopen\n" + text in shown
