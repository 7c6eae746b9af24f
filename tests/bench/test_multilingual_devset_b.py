"""The Arabic, Chinese and German development reports (issue 22): their shape and labels."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pycountry
import pytest

from entente.transforms.classify import default_taxonomy_text, parse_taxonomy

FOLDER = Path(__file__).resolve().parents[2] / "bench" / "classify" / "multilingual"
LANGS = ("ar", "zh", "de")
FIELDS = {"id", "lang", "split", "title", "body", "areas", "parties", "mentioned"}
AREAS = {area.slug for area in parse_taxonomy(default_taxonomy_text()).areas}
# Body length: words for Arabic and German, characters without spaces for Chinese.
LENGTH = {"ar": (40, 180), "de": (40, 180), "zh": (80, 300)}


def load(lang: str) -> list[dict[str, Any]]:
    path = FOLDER / f"{lang}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


ROWS = {lang: load(lang) for lang in LANGS}


def is_iso3(code: str) -> bool:
    return (
        bool(re.fullmatch(r"[A-Z]{3}", code)) and pycountry.countries.get(alpha_3=code) is not None
    )


def test_ids_are_unique_across_the_three_files() -> None:
    ids = [row["id"] for rows in ROWS.values() for row in rows]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("lang", LANGS)
def test_each_line_has_the_fields_and_its_files_language(lang: str) -> None:
    for row in ROWS[lang]:
        assert set(row) == FIELDS, row["id"]
        assert row["lang"] == lang, row["id"]
        assert re.fullmatch(rf"{lang}-\d{{3}}", row["id"]), row["id"]
        assert row["split"] in {"tune", "aside"}, row["id"]
        assert row["title"].strip() and row["body"].strip(), row["id"]


@pytest.mark.parametrize("lang", LANGS)
def test_bodies_are_wire_length(lang: str) -> None:
    low, high = LENGTH[lang]
    for row in ROWS[lang]:
        body = row["body"]
        size = len(re.sub(r"\s", "", body)) if lang == "zh" else len(body.split())
        assert low <= size <= high, (row["id"], size)


@pytest.mark.parametrize("lang", LANGS)
def test_labels_are_taxonomy_areas_and_iso3_codes(lang: str) -> None:
    for row in ROWS[lang]:
        assert set(row["areas"]) <= AREAS, row["id"]
        assert len(set(row["areas"])) == len(row["areas"]), row["id"]
        for code in row["parties"] + row["mentioned"]:
            assert is_iso3(code), (row["id"], code)
        assert not set(row["parties"]) & set(row["mentioned"]), row["id"]
        assert row["mentioned"] == sorted(set(row["mentioned"])), row["id"]
        if row["areas"]:
            assert row["parties"], f"{row['id']}: an area needs a party"


@pytest.mark.parametrize("lang", LANGS)
def test_every_area_twice_and_enough_reports_and_negatives(lang: str) -> None:
    rows = ROWS[lang]
    assert len(rows) >= 36
    counts = Counter(area for row in rows for area in row["areas"])
    assert {area: counts[area] for area in AREAS if counts[area] < 2} == {}
    assert sum(not row["areas"] for row in rows) >= 6


@pytest.mark.parametrize("lang", LANGS)
def test_about_a_third_is_set_aside_including_negatives(lang: str) -> None:
    rows = ROWS[lang]
    aside = [row for row in rows if row["split"] == "aside"]
    assert 0.28 <= len(aside) / len(rows) <= 0.38, len(aside)
    assert any(not row["areas"] for row in aside)
    assert len({area for row in aside for area in row["areas"]}) >= 12
