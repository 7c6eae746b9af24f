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


# A server picks the Content-Encoding header, and the error that names it reaches the terminal.
SERVER_TEXT = "x\x9b5mblink"


def test_error_messages_carry_no_controls() -> None:
    from entente.transforms.errors import ConfigError, FetchError

    for error in (FetchError("decode_error", f"uses {SERVER_TEXT}"), ConfigError(SERVER_TEXT)):
        assert raw_controls(str(error)) == []
        assert "x\\x9b5mblink" in str(error)


def test_sources_check_prints_server_text_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.loopback import Reply, rss, serve

    with serve() as site:
        feed = rss([("A", "http://x.example/a", "")])
        url = site.add("/feed", Reply(200, feed, {"Content-Encoding": SERVER_TEXT}))
        sources = tmp_path / "s.toml"
        sources.write_text(
            f'[fetch]\nallow_private_networks = true\n[[sources]]\nname = "enc"\nurl = "{url}"\n'
        )
        assert main(["sources", "check", "--sources", str(sources)]) == 0
    out = capsys.readouterr().out
    assert "Content-Encoding x\\x9b5mblink" in out
    assert raw_controls(out) == []


def test_sources_prints_stored_errors_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors stored before messages were escaped, or by another tool, print escaped."""
    from entente.transforms.health import SourceHealth
    from entente.warehouse.db import writer
    from entente.warehouse.state import save_source_health

    db = tmp_path / "h.duckdb"
    with writer(db) as con:
        save_source_health(
            con,
            SourceHealth(
                "enc", 3, last_error=SERVER_TEXT, disabled=True, disabled_reason=SERVER_TEXT
            ),
        )
    sources = tmp_path / "s.toml"
    sources.write_text('[[sources]]\nname = "enc"\nurl = "https://enc.example/feed"\n')
    assert main(["sources", "--sources", str(sources), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.count("x\\x9b5mblink") == 2
    assert raw_controls(out) == []
