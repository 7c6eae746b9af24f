from __future__ import annotations

import re
import struct
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from entente.flows.cli import main
from entente.transforms.errors import WarehouseError
from entente.warehouse import load
from entente.warehouse.db import writer
from entente.warehouse.report import write_report
from tests.warehouse.sample import GAS, corpus, stored

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "r.duckdb"
    records = corpus()
    records[4] = replace(records[4], title="Naval <script>alert(1)</script> exercise")
    return stored(path, records)


def test_report_shows_counterparts_stories_and_evidence(db: Path, tmp_path: Path) -> None:
    page = write_report(db, "pak", tmp_path / "r.html").read_text("utf-8")
    for name in ("Russian Federation", "China", "Türkiye"):
        assert name in page
    assert "India" not in page  # India-Japan does not involve Pakistan
    # Two events with Russia (one on two areas): counted once each, not once per area.
    assert '<strong>Russian Federation</strong> <span class="muted">2 events</span>' in page
    # Every chart bar and heat-map cell links to an evidence block that exists.
    targets = set(re.findall(r'href="#(ev-[A-Z]{3}-[a-z_]+)"', page))
    anchors = set(re.findall(r'id="(ev-[A-Z]{3}-[a-z_]+)"', page))
    assert "ev-RUS-energy" in targets and targets <= anchors
    assert GAS in page
    # The widest-reported event comes first among the top events.
    stories = page[page.index("Top events") :]
    assert stories.index("Pakistan, Russia discuss gas pipeline") < stories.index("Naval")
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_report_is_self_contained(db: Path, tmp_path: Path) -> None:
    page = write_report(db, "PAK", tmp_path / "r.html").read_text("utf-8")
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(|<img\b", page)
    external = [h for h in re.findall(r'href="([^"#][^"]*)"', page) if "news.example" not in h]
    assert external == []


def test_since_limits_the_period(db: Path, tmp_path: Path) -> None:
    page = write_report(db, "PAK", tmp_path / "r.html", since=date(2026, 5, 1)).read_text("utf-8")
    assert "Türkiye" in page and "Russian Federation" not in page
    empty = write_report(db, "PAK", tmp_path / "e.html", since=date(2027, 1, 1)).read_text("utf-8")
    assert "No cooperation involving Pakistan" in empty


def test_unknown_country_is_refused(db: Path, tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="unknown country code"):
        write_report(db, "XXX", tmp_path / "r.html")


def test_cli_report(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.html"
    args = ["report", "--db", str(db), "--country", "PAK", "--since", "2026-01-01"]
    assert main([*args, "--out", str(out)]) == 0
    assert out.is_file() and f"wrote {out}" in capsys.readouterr().out
    assert main([*args[:-1], "yesterday"]) == 1
    assert "not a date" in capsys.readouterr().err


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.slow
def test_report_renders_in_headless_chromium(db: Path, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    page = write_report(db, "PAK", tmp_path / "report.html")
    shot = tmp_path / "report.png"
    chromium(
        f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri(), profile=tmp_path / "p1"
    )
    assert png_size(shot) == (1200, 1600)
    # A blank page compresses to a few kilobytes; charts, tables and text do not.
    assert shot.stat().st_size > 40_000
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "p2").stdout
    assert dom.count("<figure") == 3  # one chart per counterpart: RUS, CHN, TUR
    assert dom.count("<rect") >= 6
    assert 'id="ev-CHN-counterterrorism"' in dom


def test_report_says_which_languages_its_evidence_comes_from(tmp_path: Path) -> None:
    path = tmp_path / "l.duckdb"
    records = corpus()
    # The first article's copy, as a Russian outlet reported it.
    records[0] = replace(
        records[0],
        language="ru",
        body_text="Пакистан и Россия договорились ускорить работу над газопроводом.",
    )
    with writer(path) as con:
        load.load_articles(con, records)
    page = write_report(path, "PAK", tmp_path / "l.html").read_text("utf-8")
    shown = re.search(r'<p class="muted" id="evidence-languages">([^<]*)</p>', page)
    assert shown is not None
    assert shown.group(1).startswith("Sentences in English (")
    assert "Russian (" in shown.group(1)
    assert '<blockquote lang="ru" dir="auto">' in page


@pytest.mark.parametrize("name", ["r.duckdb", "r.snapshot.duckdb", "r.duckdb.wal", "other.duckdb"])
def test_report_never_writes_over_a_database(
    db: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out` one word off the warehouse must not replace it with HTML."""
    out = db.parent / name
    if name.endswith(".wal"):
        out.write_bytes(b"log")
    elif not out.exists():
        with writer(out):  # another warehouse, or the snapshot beside this one
            pass
    before = out.read_bytes()
    assert main(["report", "--db", str(db), "--country", "PAK", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("entente: refused: ") and err.count("\n") == 1, err
    assert out.read_bytes() == before
