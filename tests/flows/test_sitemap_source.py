"""A `kind = "sitemap"` source in scheduled runs (the URLs new since the last run) and in
`entente sources check`, not only in backfill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from entente.flows.cli import main
from entente.flows.driver import run_plain
from entente.ingest.settings import load_settings
from tests.flows.helpers import page
from tests.loopback import Reply, Site, serve

HTML = {"Content-Type": "text/html; charset=utf-8"}


def sitemap(site: Site, items: list[tuple[str, datetime | None]]) -> bytes:
    urls = "".join(
        f"<url><loc>{site.origin}{path}</loc>"
        + (f"<lastmod>{when:%Y-%m-%dT%H:%M:%SZ}</lastmod>" if when else "")
        + "</url>"
        for path, when in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def write_sources(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        "[fetch]\nallow_private_networks = true\nmin_host_delay = 0\nretries = 0\n"
        "max_articles_per_source = 3\n\n"
        f'[[sources]]\nname = "ministry"\nurl = "{url}"\nkind = "sitemap"\n',
        "utf-8",
    )
    return path


def test_a_sitemap_source_runs_and_each_run_fetches_what_is_new(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with serve() as site:
        items: list[tuple[str, datetime | None]] = []
        for n in range(5):
            path = f"/news/{n}.html"
            site.add(path, Reply(200, page(f"Ministers met, part {n}"), HTML))
            items.append((path, now - timedelta(days=10 + n)))
        site.add("/sitemap.xml", Reply(200, sitemap(site, items)))
        settings = load_settings(
            str(tmp_path / "s.duckdb"), str(write_sources(tmp_path, site.origin + "/sitemap.xml"))
        )
        first = run_plain(settings, settings.sources)
        asked_first = sorted(r.path for r in site.log if r.path.startswith("/news/"))
        # a new page appears, and the sitemap lists it first
        site.add("/news/new.html", Reply(200, page("Ministers met again"), HTML))
        items.insert(0, ("/news/new.html", now))
        site.add("/sitemap.xml", Reply(200, sitemap(site, items)))
        second = run_plain(settings, settings.sources)
        asked_second = sorted(r.path for r in site.log if r.path.startswith("/news/"))
    # the first poll takes the newest max_articles_per_source URLs, as pages, not as a feed
    assert first.sources_failed == {} and first.sources_ok == ["ministry"]
    assert asked_first == ["/news/0.html", "/news/1.html", "/news/2.html"]
    assert first.articles_new == 3
    # the next asks only for the URL new since: the older ones it never took are not new
    assert second.sources_failed == {}
    assert asked_second == sorted([*asked_first, "/news/new.html"])
    assert second.articles_new == 1
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        health = con.execute(
            "SELECT consecutive_failures, last_success_at IS NOT NULL FROM source_health"
        ).fetchall()
    assert health == [(0, True)]


def test_sources_check_reads_a_sitemap_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve() as site:
        site.add("/sitemap.xml", Reply(200, sitemap(site, [("/a.html", None), ("/b.html", None)])))
        site.add("/not-a-sitemap.xml", Reply(200, b"<html><body>no</body></html>"))
        sources = write_sources(tmp_path, site.origin + "/sitemap.xml")
        with sources.open("a", encoding="utf-8") as out:
            out.write(
                f'\n[[sources]]\nname = "broken"\nurl = "{site.origin}/not-a-sitemap.xml"\n'
                'kind = "sitemap"\n'
            )
        code = main(["sources", "check", "--sources", str(sources)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    ministry = next(line for line in lines if "ministry" in line)
    broken = next(line for line in lines if "broken" in line)
    assert ministry.startswith("ok") and "2 URLs" in ministry
    assert broken.startswith("FAIL") and "not a sitemap" in broken
    assert lines[-1] == "1 of 2 sources answer with a usable feed or sitemap"
