"""Stored control characters print as visible escapes, never as terminal commands (issue 20)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from entente.flows.cli import main
from tests.warehouse.sample import GAS, article, day, stored

# Stored before ingest stripped them, or written by another tool.
TITLE = "Pakistan\x1b[5m gas\x9b2J talks\x07"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    record = article("blink", title=TITLE, body=GAS, at=day(2026, 3, 3), areas={"energy": GAS})
    return stored(tmp_path / "e.duckdb", [record])


def raw_controls(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n"]


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_sql_shows_controls_escaped(db: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(db), "SELECT title FROM articles", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert raw_controls(out) == []
    assert "Pakistan\\x1b[5m gas\\x9b2J talks\\x07" in out


def test_sql_json_escapes_and_keeps_the_value(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(db), "SELECT title FROM articles", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert raw_controls(out) == []
    assert json.loads(out) == [{"title": TITLE}]


def test_column_names_are_escaped_too(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", str(db), 'SELECT 1 AS "a\x1b[5m"']) == 0
    assert raw_controls(capsys.readouterr().out) == []


def test_search_shows_controls_escaped(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--db", str(db), "gas"]) == 0
    out = capsys.readouterr().out
    assert raw_controls(out) == []
    assert "Pakistan\\x1b[5m gas" in out
