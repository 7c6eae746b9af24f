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


# sha256 of the whole index (parts 0..8, all English) before the non-English pages of issue 22
# were appended: those lines must keep their bytes and their place at the head of the file.
ENGLISH_INDEX_SHA256 = "a74fcebde23c3de42f327e4b0ac88fa9bab78c83187290ed172b1b14040a2c79"


def test_the_first_wave_lines_are_unchanged() -> None:
    lines = real_index.OUT.read_text(encoding="utf-8").splitlines(keepends=True)
    english = [line for line in lines if "lang" not in json.loads(line)]
    first = [line for line in english if json.loads(line)["set"] != real_index.WIKINEWS]
    digest = hashlib.sha256("".join(first).encode("utf-8")).hexdigest()
    assert digest == FIRST_WAVE_SHA256
    assert {json.loads(line)["part"] for line in first} == {0, 1, 2, 3, 4}
    later = [json.loads(line) for line in english if line not in first]
    waves = {*real_index.WIKINEWS_PARTS, *real_index.THIRD_WAVE_PARTS}
    assert {row["part"] for row in later} == waves


# sha256 of the whole index (parts 0..10, 530 lines) before the third Wikinews wave was appended.
BEFORE_THIRD_WAVE_SHA256 = "8a3be21dc7463ec7db1cb79ea785d84464a56f6f4d97657fc42e937a85141fe3"
BEFORE_THIRD_WAVE_LINES = 530


def test_the_english_lines_of_parts_0_to_8_are_unchanged_and_come_first() -> None:
    lines = real_index.OUT.read_text(encoding="utf-8").splitlines(keepends=True)
    english = [line for line in lines if "lang" not in json.loads(line)]
    first = [line for line in english if json.loads(line)["part"] <= max(real_index.WIKINEWS_PARTS)]
    assert lines[: len(first)] == first
    assert hashlib.sha256("".join(first).encode("utf-8")).hexdigest() == ENGLISH_INDEX_SHA256


def test_the_third_wave_is_appended_after_every_earlier_line() -> None:
    lines = real_index.OUT.read_text(encoding="utf-8").splitlines(keepends=True)
    head = "".join(lines[:BEFORE_THIRD_WAVE_LINES])
    assert hashlib.sha256(head.encode("utf-8")).hexdigest() == BEFORE_THIRD_WAVE_SHA256
    rest = [json.loads(line) for line in lines[BEFORE_THIRD_WAVE_LINES:]]
    assert {row["part"] for row in rest} == set(real_index.THIRD_WAVE_PARTS)
    assert all(tuple(row) == real_index.KEYS and row["set"] == real_index.WIKINEWS for row in rest)


@pytest.mark.skipif(not shared_available(), reason="needs ../shared/eval")
def test_every_non_english_fundus_page_is_indexed_with_its_language() -> None:
    truth_path = real_index.shared_dir() / "eval" / real_index.FUNDUS / "ground-truth.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    lines = real_index.OUT.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if "lang" in json.loads(line)]
    assert [row["id"] for row in rows] == sorted(i for i in truth if truth[i]["language"] != "en")
    assert len(rows) == 89
    publisher_splits: dict[str, set[str]] = {}
    for line, row in zip([line for line in lines if '"lang"' in line], rows, strict=True):
        page = truth[row["id"]]
        assert tuple(json.loads(line)) == real_index.LANG_KEYS
        assert row["set"] == real_index.FUNDUS
        assert (row["lang"], row["site"]) == (page["language"], page["publisher"])
        assert row["words"] == len(page["articleBody"].split())
        assert row["split"] == real_index.split_of(real_index.host(page["url"]))
        assert row["part"] == (10 if page["language"] == "de" else 9)
        publisher_splits.setdefault(row["site"], set()).add(row["split"])
    assert all(len(splits) == 1 for splits in publisher_splits.values())
    assert sum(row["part"] == 10 for row in rows) == 57
    assert {row["split"] for row in rows if row["part"] == 9} == {"aside", "tune"}


def write_fundus(tmp_path: Path, pages: dict[str, dict[str, str]]) -> Path:
    folder = tmp_path / "eval" / real_index.FUNDUS
    folder.mkdir(parents=True)
    (folder / "ground-truth.json").write_text(json.dumps(pages), encoding="utf-8")
    return tmp_path


def page(language: str, publisher: str, url: str) -> dict[str, str]:
    return {
        "language": language,
        "publisher": publisher,
        "url": url,
        "title": "  Ein  Titel ",
        "articleBody": "Zwei Wörter",
    }


def test_foreign_rows_take_language_and_part_and_skip_english(tmp_path: Path) -> None:
    assert real_index.split_of("srf.ch") == "aside"
    shared = write_fundus(
        tmp_path,
        {
            "b-de": page("de", "SRF", "https://www.srf.ch/a"),
            "a-fr": page("fr", "SRF", "https://srf.ch/b"),
            "c-en": page("en", "SRF", "https://srf.ch/c"),
        },
    )
    rows = real_index.fundus_foreign_rows(shared)
    assert [(r["id"], r["lang"], r["part"], r["split"]) for r in rows] == [
        ("a-fr", "fr", 9, "aside"),
        ("b-de", "de", 10, "aside"),
    ]
    assert rows[0]["title"] == "Ein Titel" and rows[0]["words"] == 2
    rendered = [json.loads(line) for line in real_index.render(rows).splitlines()]
    assert [tuple(row) for row in rendered] == [real_index.LANG_KEYS] * 2


def test_a_publisher_on_both_sides_of_the_split_stops_the_build(tmp_path: Path) -> None:
    assert (real_index.split_of("srf.ch"), real_index.split_of("20min.ch")) == ("aside", "tune")
    shared = write_fundus(
        tmp_path,
        {
            "x-1": page("de", "Both", "https://srf.ch/a"),
            "x-2": page("de", "Both", "https://20min.ch/b"),
        },
    )
    with pytest.raises(SystemExit, match="both sides of the split: \\['Both'\\]"):
        real_index.fundus_foreign_rows(shared)


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
    wikinews = [row for row in rows if row["part"] in real_index.WIKINEWS_PARTS]
    assert {row["id"] for row in wikinews} == set(sample)
    for row in wikinews:
        year = by_id[row["id"]]["date"][:4]
        assert row["split"] == ("aside" if year in {"2007", "2009"} else "tune")
        assert row["words"] == len(by_id[row["id"]]["text"].split())
    loads = [sum(r["words"] for r in wikinews if r["part"] == p) for p in (5, 6, 7, 8)]
    assert max(loads) - min(loads) < 0.02 * max(loads)


@pytest.mark.skipif(not shared_available(), reason="needs ../shared/eval")
def test_the_third_wikinews_wave_is_new_reproducible_and_split_by_year() -> None:
    records = real_index.wikinews_records(real_index.shared_dir())
    second = real_index.wikinews_sample(records)
    third = real_index.third_wave_sample(records)
    assert real_index.third_wave_sample(list(reversed(records))) == third
    assert not set(third) & set(second)
    by_id = {record["id"]: record for record in records}
    international = [i for i in third if by_id[i]["international"]]
    assert (len(international), len(third)) == (96, 120)
    # Six per international stratum: every one still has that many candidates left.
    assert all(
        sum(name == stratum for name in third.values()) == 6
        for stratum in (*real_index.AREA_TOPICS, real_index.POLITICS)
    )
    rows = [json.loads(line) for line in real_index.OUT.read_text(encoding="utf-8").splitlines()]
    wave = [row for row in rows if row["part"] in real_index.THIRD_WAVE_PARTS]
    assert [row["id"] for row in wave] == sorted(third)
    for row in wave:
        year = by_id[row["id"]]["date"][:4]
        assert row["split"] == ("aside" if year in {"2007", "2009"} else "tune")
        assert row["words"] == len(by_id[row["id"]]["text"].split())
    assert [sum(r["part"] == p for r in wave) for p in real_index.THIRD_WAVE_PARTS] == [60, 60]
    loads = [sum(r["words"] for r in wave if r["part"] == p) for p in real_index.THIRD_WAVE_PARTS]
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


def test_show_names_the_language_of_a_non_english_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = write_fundus(tmp_path, {"fr-X-1": page("fr", "X", "https://x.fr/a")})
    row = real_index.fundus_foreign_rows(shared)[0] | {"title": "Un titre"}
    index_path = tmp_path / "index.jsonl"
    index_path.write_text(real_index.render([row]), encoding="utf-8")
    monkeypatch.setenv("ENTENTE_SHARED", os.fspath(shared))
    monkeypatch.setattr(real_check, "INDEX", index_path)
    monkeypatch.setattr("sys.argv", ["real_check.py", "--show", "fr-X-1"])
    real_check.main()
    shown = capsys.readouterr().out
    header = f"fr-X-1 (fundus-dev, X, fr, part 9, {row['split']})"
    assert shown == f"{header}\nTITLE: Un titre\nZwei Wörter\n"
