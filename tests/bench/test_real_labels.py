"""The real-article index and the label checker (issue 18)."""

from __future__ import annotations

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
