"""The demo corpus's real case: two syndicated copies and two independent reports of an event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from entente.ingest.extract import extract_article
from entente.transforms.pipeline import build_record
from entente.transforms.records import ArticleRecord
from entente.warehouse import load
from entente.warehouse.db import writer
from tests.taxonomies import bundled_taxonomy

CORPUS = Path(__file__).resolve().parents[2] / "flows" / "demo_corpus"
BASE = "http://127.0.0.1:8123"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def records() -> dict[str, ArticleRecord]:
    taxonomy = bundled_taxonomy()
    out = {}
    for i, item in enumerate(sorted(MANIFEST, key=lambda m: m["published"])):
        site = item["site"]
        html = (CORPUS / item["path"]).read_text("utf-8").replace("{{BASE}}", f"{BASE}/{site}")
        url = f"{BASE}/{item['path']}"
        fetched = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(hours=i)
        extracted = extract_article(html, url)
        out[item["path"]] = build_record(extracted, url, site, fetched, None, taxonomy)
    return out


def test_demo_copies_join_their_original_and_the_independent_report_does_not(
    tmp_path: Path,
) -> None:
    by_path = records()
    ordered = sorted(by_path.values(), key=lambda r: r.fetched_at)
    db = tmp_path / "demo.duckdb"
    half = len(ordered) // 2
    with writer(db) as con:  # two separate runs, as if a day apart
        load.load_articles(con, ordered[:half])
    with writer(db) as con:
        load.load_articles(con, ordered[half:])
        rows = con.execute(
            "SELECT article_id, story_id, duplicate_of, similarity FROM articles"
        ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert len(got) == len(MANIFEST)  # nothing dropped
    syndicated = [m for m in MANIFEST if m["syndicated_of"]]
    independent = [m for m in MANIFEST if m["independent_of"]]
    assert len(syndicated) == 2 and len(independent) == 2  # one in English, one in Russian
    for item in syndicated:
        copy = by_path[item["path"]].article_id
        first = by_path[item["syndicated_of"]].article_id
        story, duplicate_of, similarity = got[copy]
        assert (story, duplicate_of) == (first, first), item["path"]
        assert similarity is not None and similarity >= 0.5
    for item in independent:
        report = by_path[item["path"]].article_id
        assert got[report][:2] == (report, None)
    marked = {aid for aid, (_, dup, _) in got.items() if dup is not None}
    assert marked == {by_path[m["path"]].article_id for m in syndicated}
