"""The extraction benchmark runner end to end, on two small sets made here."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bench.extraction.run import declared_date, main, same_day, same_title

PAGE = """<html><head><title>{title}</title>
<meta property="article:published_time" content="{date}"></head>
<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"""
TEXT = (
    "The foreign ministers met in the capital on Monday and agreed to resume regular "
    "consultations on trade, energy and border security after a pause of two years."
)


def make_set(root: Path, *, fundus: bool) -> None:
    """Two pages; fundus-like sets carry publisher, title and date, and crawl days in ids."""
    truth = {}
    (root / "html").mkdir(parents=True)
    for n, date in enumerate(["2024-03-12T09:30:00+02:00", "2024-03-13"]):
        page_id = f"xx-Paper{n}-2024_03_13" if fundus else f"page{n}"
        body = "".join(f"<p>{TEXT} ({n}.{k})</p>" for k in range(4))
        html = PAGE.format(title=f"Ministers meet {n}", date=date, paragraphs=body)
        (root / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode()))
        truth[page_id] = {
            "url": f"https://news{n}.example.com/{page_id}",
            "articleBody": "\n".join(f"{TEXT} ({n}.{k})" for k in range(4)),
        }
        if fundus:
            publisher = ("Paper 3", "Paper 1")[n]  # set aside, tuned on
            truth[page_id] |= {"publisher": publisher, "title": f"Ministers  meet {n}"}
            truth[page_id] |= {"date": "2024-03-12 07:30:00+00:00" if n == 0 else "2024-03-14"}
            truth[page_id] |= {"language": ("en", "de")[n]}  # the page is English: 1 wrong
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")


def test_run_prints_a_row_per_set_split_and_extractor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_set(tmp_path / "extraction-benchmark", fundus=False)
    make_set(tmp_path / "fundus-dev", fundus=True)
    assert main(["--eval", str(tmp_path), "--repeat", "1", "--worst", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {
        tuple(line.split()[:4]): line.split()
        for line in lines
        if line.startswith(("extraction-benchmark ", "fundus-dev "))
    }
    bench_all = rows[("extraction-benchmark", "all", "2", "entente")]
    assert bench_all[4:8] == ["1.0000", "1.0000", "1.0000", "0"]  # F1, P, R, no text
    assert bench_all[8] == "-"  # the benchmark has no titles
    assert bench_all[9:11] == ["100.0%", "2/2"]  # the days the pages declare
    fundus_all = rows[("fundus-dev", "all", "2", "entente")]
    assert fundus_all[8:10] == ["100.0%", "2/2"]  # titles, whitespace aside
    assert fundus_all[10:13] == ["50.0%", "1/2", "0"]  # the second page's date is not its own
    assert fundus_all[13:15] == ["50.0%", "1/2"]  # languages: one page is said to be German
    assert rows[("fundus-dev", "all", "2", "trafilatura")][13] == "-"  # it names none
    assert bench_all[11] == "0" and bench_all[12] == "-"  # no languages in the benchmark
    assert rows[("fundus-dev", "tuned-non-en", "1", "entente")][13:15] == ["0.0%", "0/1"]
    assert rows[("fundus-dev", "held-non-en", "0", "entente")][7:12] == ["0", "-", "-", "0", "-"]
    splits = {key[1] for key in rows}
    assert splits == {"tuned", "held", "all", "tuned-non-en", "held-non-en"}
    assert sum("CPU time entente / trafilatura" in line for line in lines) == 2


def test_worst_pages_are_tuned_on_pages_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_set(tmp_path / "fundus-dev", fundus=True)
    main(["--eval", str(tmp_path), "--sets", "fundus-dev", "--repeat", "1", "--worst", "5"])
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert [line.split()[0] for line in listed] == ["xx-Paper1-2024_03_13"]


def test_same_day_reads_the_day_in_the_stated_zone() -> None:
    tokyo = timezone(timedelta(hours=9))
    found = datetime(2025, 1, 13, 16, 28, tzinfo=UTC)
    assert same_day(found, "2025-01-14 01:28:54+09:00")
    assert same_day(found.astimezone(tokyo), "2025-01-14")  # no zone: the found wall clock
    assert not same_day(found, "2025-01-14")
    assert not same_day(None, "2025-01-14")
    assert same_title("A  title\n", "A title") and not same_title("A title.", "A title")


def test_declared_dates_skip_placeholders() -> None:
    html = (
        '<script type="application/ld+json">{"datePublished": "0001-01-01T00:00:00Z"}</script>'
        '<meta name="pubdate" content="2019-11-19T05:45:00Z">'
    )
    assert declared_date(html) == "2019-11-19T05:45:00Z"
