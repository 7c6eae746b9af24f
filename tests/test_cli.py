from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import build_parser, main

COMMANDS = [
    "run",
    "backfill",
    "reprocess",
    "serve",
    "sql",
    "search",
    "sources",
    "export",
    "report",
    "demo",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--db" in out
    assert f"entente {command}" in out


def test_top_level_help_lists_every_command() -> None:
    text = build_parser().format_help()
    for command in COMMANDS:
        assert command in text


def test_bad_sources_file_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nurl = "gopher://x"\n')
    assert main(["sources", "--sources", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("entente: ") and "sources[0] ('x') field 'url'" in err
    assert "\n" not in err


def test_sql_refuses_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from warehouse.db import writer

    db = tmp_path / "w.duckdb"
    with writer(db):
        pass
    assert main(["sql", "--db", str(db), "DROP TABLE articles"]) == 1
    assert "read-only" in capsys.readouterr().err
    assert (
        main(["sql", "--db", str(db), "SELECT count(*) AS n FROM articles", "--format", "csv"]) == 0
    )
    assert capsys.readouterr().out.splitlines() == ["n", "0"]


def test_sources_lists_the_default_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources"]) == 0
    assert len(capsys.readouterr().out.splitlines()) >= 15
