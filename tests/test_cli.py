from __future__ import annotations

from pathlib import Path

import pytest

from entente.flows.cli import build_parser, main

COMMANDS = [
    "run",
    "backfill",
    "reprocess",
    "serve",
    "deploy",
    "sql",
    "search",
    "sources",
    "export",
    "report",
    "demo",
    "alerts",
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
    from entente.warehouse.db import writer

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


def test_sources_check_reports_each_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.loopback import Reply, free_port_refusing, rss, serve

    with serve() as site:
        good = site.add("/feed", Reply(200, rss([("A", "http://x.example/a", "")])))
        html = site.add("/html", Reply(200, b"<!doctype html><html><body>hi</body></html>"))
        sources = tmp_path / "s.toml"
        sources.write_text(
            "[fetch]\nallow_private_networks = true\nmin_host_delay = 0\n"
            f'[[sources]]\nname = "good"\nurl = "{good}"\n'
            f'[[sources]]\nname = "html"\nurl = "{html}"\n'
            f'[[sources]]\nname = "down"\nurl = "http://127.0.0.1:{free_port_refusing()}/"\n'
        )
        assert main(["sources", "check", "--sources", str(sources)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ok") and "good" in lines[0] and "1 entries" in lines[0]
    assert lines[1].startswith("FAIL") and "HTML page" in lines[1]
    assert lines[2].startswith("FAIL") and "cannot connect" in lines[2]
    assert lines[3] == "1 of 3 sources answer with a usable feed or sitemap"


@pytest.mark.parametrize(
    "data",
    [
        '[[sources]]\nname = "x"\nurl = "https://caf\u00e9.example/"\n'.encode("latin-1"),
        '[[sources]]\nname = "x"\nurl = "https://x/"\n'.encode("utf-16"),
        b'[[sources]]\nname = "x"\nurl = "https://exa mple.org:99999/"\n',
        b'[[sources]]\nname = "x"\nurl = "http://"\n',
    ],
)
def test_unusable_sources_file_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes
) -> None:
    """Issue 20, items 11 and 12, through the command line."""
    bad = tmp_path / "bad.toml"
    bad.write_bytes(data)
    for command in (["sources"], ["sources", "check"], ["run", "--db", str(tmp_path / "w")]):
        assert main([*command, "--sources", str(bad)]) == 1
        captured = capsys.readouterr()
        err = captured.err.strip()
        assert err.startswith(f"entente: {bad}: ") and "\n" not in err
        assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "gas\udc9b5m"],  # bytes that are not UTF-8, as Python hands them over
        ["search", "gas", "--country", "\udc9b"],
        ["sql", "SELECT '\udcff'"],
    ],
)
def test_an_argument_that_is_not_utf8_is_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--db", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("entente: ") and "UTF-8" in err and err.count("\n") == 1, err
