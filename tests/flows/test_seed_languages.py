"""The seed article translated into Russian and into French, served and ingested end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from entente.flows import driver
from entente.ingest.language import detect_language
from entente.ingest.settings import load_settings
from entente.warehouse.query import run_query
from tests.flows.helpers import seed_page, sources_file
from tests.loopback import Reply, rss, serve

TRANSLATIONS = Path(__file__).resolve().parents[2] / "bench" / "classify" / "multilingual"
SEED_AREAS = {
    "peace_process", "trade_investment", "energy", "counterterrorism", "defense", "security",
    "education_culture", "human_rights",
}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("seed-languages")
    with serve() as site:
        feeds = {}
        for language in ("ru", "fr"):
            text = (TRANSLATIONS / f"seed-{language}.txt").read_text(encoding="utf-8")
            page = site.add(
                f"/{language}/2021/04/pakistan-russia.html",
                Reply(200, seed_page(text), {"Content-Type": "text/html; charset=utf-8"}),
            )
            feed = rss([(text.splitlines()[0], page, "Wed, 07 Apr 2021 10:00:00 GMT")])
            feeds[f"seed-{language}"] = site.add(
                f"/{language}/feed.xml", Reply(200, feed, {"Content-Type": "application/rss+xml"})
            )
        settings = load_settings(
            str(tmp / "seed.duckdb"), str(sources_file(tmp, feeds)), environ={}
        )
        summary = driver.run_plain(settings, settings.sources)
    assert summary.status == "completed", summary
    return settings.db_path


@pytest.mark.parametrize("language", ["ru", "fr"])
def test_the_translated_seed_gets_the_seeds_areas_and_parties(
    warehouse: Path, language: str
) -> None:
    _, rows = run_query(
        warehouse, f"SELECT article_id, language FROM articles WHERE source = 'seed-{language}'"
    )
    assert [r[1] for r in rows] == [language]
    article = rows[0][0]
    _, areas = run_query(
        warehouse, f"SELECT area, evidence FROM article_areas WHERE article_id = '{article}'"
    )
    assert {a for a, _ in areas} >= SEED_AREAS
    _, parties = run_query(
        warehouse,
        f"SELECT country FROM article_countries WHERE article_id = '{article}'"
        " AND role = 'party' ORDER BY country",
    )
    assert [p for (p,) in parties] == ["PAK", "RUS"]
    _, stored = run_query(
        warehouse, f"SELECT title, body_text FROM articles WHERE article_id = '{article}'"
    )
    title, body = stored[0]
    for area, evidence in areas:
        # Evidence is the article's own sentences, in its language.
        assert evidence in body or evidence in title or evidence.split(" ")[0] in body, area
        assert detect_language(evidence)[0] == language, (area, evidence)
