"""The benchmark runner end to end, on a two-page data set made here."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.extraction.run import declared_date, declared_instant, main

PAGE = """<html><head><title>{title}</title>
<meta property="article:published_time" content="{date}"></head>
<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"""
TEXT = (
    "The foreign ministers met in the capital on Monday and agreed to resume regular "
    "consultations on trade, energy and border security after a pause of two years."
)


def make_dataset(root: Path) -> Path:
    truth = {}
    (root / "html").mkdir()
    for n, date in enumerate(["2024-03-12T09:30:00+02:00", "2024-03-13"]):
        page_id = f"page{n}"
        body = "".join(f"<p>{TEXT} ({n}.{k})</p>" for k in range(4))
        html = PAGE.format(title=f"Ministers meet {n}", date=date, paragraphs=body)
        (root / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode()))
        truth[page_id] = {
            "url": f"https://news.example.com/{page_id}",
            "articleBody": "\n".join(f"{TEXT} ({n}.{k})" for k in range(4)),
        }
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return root


def test_run_prints_both_extractors_ratio_and_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data", str(make_dataset(tmp_path)), "--repeat", "1", "--worst", "1"]) == 0
    out = capsys.readouterr().out
    assert "entente extract_article F1 1.0000" in out
    assert "bare trafilatura" in out
    assert "time ratio entente / trafilatura:" in out
    assert "dates: 2/2 pages declaring a publication date" in out
    assert "1/1 declaring a full timestamp get that instant" in out


def test_declared_dates_skip_placeholders() -> None:
    html = (
        '<script type="application/ld+json">{"datePublished": "0001-01-01T00:00:00Z"}</script>'
        '<meta name="pubdate" content="2019-11-19T05:45:00Z">'
    )
    assert declared_date(html) == "2019-11-19T05:45:00Z"
    assert declared_instant("2019-11-19") is None
