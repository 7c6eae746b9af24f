"""A revised article: after the second run, every analyst surface shows the new text only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from entente.flows.cli import main
from tests.loopback import Reply, Site, serve

URL_PATH = "/2026/06/talks.html"
FIRST = (
    "Pakistan and Russia agree on gas pipeline",
    "Islamabad: Pakistan and Russia signed an agreement on Tuesday to build the Pakistan"
    " Stream gas pipeline from Karachi to Lahore, the foreign ministry said.",
    "The two governments agreed that Russian companies will supply the pipeline compressors"
    " and that Pakistan will buy liquefied natural gas from Russia for fifteen years.",
    "Officials of both countries said the energy partnership would ease the gas shortage in"
    " Punjab before winter.",
    "The ministers will meet again in Moscow next spring to review the construction of the"
    " pipeline.",
)
SECOND = (
    "Pakistan and China hold naval drill",
    "Karachi: Pakistan and China began a joint naval exercise in the Arabian Sea on Tuesday,"
    " the navy said.",
    "Warships and submarines of the two navies will train together for a week, and the"
    " defence ministers signed an agreement on military cooperation and joint training of"
    " officers.",
    "Chinese and Pakistani officers said the drill would improve coordination between the"
    " two navies.",
    "The exercise ends next Monday with a review of the fleet off Karachi.",
)


def article_page(title: str, *paragraphs: str) -> Reply:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="article:published_time" content="2026-06-02T08:00:00Z">'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    return Reply(200, html.encode(), {"Content-Type": "text/html; charset=utf-8"})


def atom(link: str, title: str, updated: str) -> Reply:
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Ministry</title><id>urn:ministry</id><updated>{updated}</updated>"
        f'<entry><title>{title}</title><link href="{link}"/><id>{link}</id>'
        f"<published>2026-06-02T08:00:00Z</published><updated>{updated}</updated></entry></feed>"
    )
    return Reply(200, feed.encode(), {"Content-Type": "application/atom+xml"})


def publish(site: Site, text: tuple[str, ...], updated: str) -> str:
    link = site.add(URL_PATH, article_page(*text))
    return site.add("/feed.xml", atom(link, text[0], updated))


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def searched(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    capsys.readouterr()
    assert main(["search", "--db", str(db), *args]) == 0
    return capsys.readouterr().out


SURFACES = {
    "article_areas": "SELECT area FROM article_areas ORDER BY 1",
    "article_countries": "SELECT country FROM article_countries WHERE role = 'party' ORDER BY 1",
    "dyads": "SELECT country_a, country_b, area FROM dyads ORDER BY ALL",
    "cooperation_evidence": "SELECT country_a, country_b, area, title, evidence"
    " FROM cooperation_evidence ORDER BY ALL",
    "cooperation_by_month": "SELECT country_a, country_b, area, stories, articles"
    " FROM cooperation_by_month ORDER BY ALL",
    "story_coverage": "SELECT title, areas, parties FROM story_coverage",
    "stories": "SELECT title, articles FROM stories",
}


@pytest.mark.usefixtures("prefect_harness")
def test_a_revised_article_shows_its_new_text_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "revised.duckdb"
    sources = tmp_path / "sources.toml"
    run = ["run", "--db", str(db), "--sources", str(sources)]
    with serve() as site:
        feed = publish(site, FIRST, "2026-06-02T08:00:00Z")
        sources.write_text(
            "[fetch]\nallow_private_networks = true\nmin_host_delay = 0\nretries = 0\n\n"
            f'[[sources]]\nname = "ministry"\nurl = "{feed}"\n',
            "utf-8",
        )
        assert main(run) == 0
        before = {name: rows(db, sql) for name, sql in SURFACES.items()}
        publish(site, SECOND, "2026-06-03T09:00:00Z")
        assert main(run) == 0
        fetched = len(site.requests_to(URL_PATH))
    after = {name: rows(db, sql) for name, sql in SURFACES.items()}
    assert fetched == 2  # the later feed date sent the run back to the page

    # The first run stored the first text (so the test tells stale rows from missing ones).
    assert before["article_areas"] == [("energy",)]
    assert before["cooperation_by_month"] == [("PAK", "RUS", "energy", 1, 1)]

    assert rows(db, "SELECT revision, title FROM articles") == [(2, SECOND[0])]
    assert after["article_areas"] == [("defense",)]
    assert after["article_countries"] == [("CHN",), ("PAK",)]
    assert after["dyads"] == [("CHN", "PAK", "defense")]
    ((a, b, area, title, evidence),) = after["cooperation_evidence"]
    assert (a, b, area, title) == ("CHN", "PAK", "defense", SECOND[0])
    assert "naval" in str(evidence) and "pipeline" not in str(evidence)
    assert after["cooperation_by_month"] == [("CHN", "PAK", "defense", 1, 1)]
    assert after["story_coverage"] == [(SECOND[0], ["defense"], ["CHN", "PAK"])]
    assert after["stories"] == [(SECOND[0], 1)]

    assert "0 stories match" in searched(capsys, db, "pipeline compressors")
    assert "0 stories match" in searched(capsys, db, "--country", "RUS", "gas")
    assert "0 stories match" in searched(capsys, db, "--area", "energy", "pipeline")
    for args in (
        ["naval exercise"],
        ["--area", "defense", "naval exercise"],
        ["--country", "CHN", "drill"],
    ):
        out = searched(capsys, db, *args)
        assert SECOND[0] in out and "1 story match" in out, (args, out)
