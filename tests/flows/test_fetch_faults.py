"""The ingest flow against a fault-injection server: every fault recorded, nothing else lost.

Each fault sits on its own loopback address (a host of its own for politeness), beside good
articles that must load. The run is repeated to check conditional requests and that no
article page is fetched twice.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.flows.helpers import page
from tests.ingest.faults import (
    FaultHandler,
    FaultSite,
    Served,
    endless,
    fault_site,
    gzip_bomb,
    refused_origin,
    rss_feed,
)

HOSTS = [f"127.0.0.{n}" for n in range(1, 10)]
HTML = {"Content-Type": "text/html; charset=utf-8"}
FRENCH = (
    "Le ministre des Affaires étrangères a reçu à Genève son homologue pour une réunion"
    " consacrée à la coopération énergétique et à la sécurité régionale."
)


def conditional(body: bytes, etag: str) -> object:
    def route(handler: FaultHandler) -> Served:
        headers = {"ETag": etag, "Content-Type": "application/rss+xml"}
        if handler.headers.get("If-None-Match") == etag:
            return Served(304, b"", headers)
        return Served(200, body, headers)

    return route


def then_ok(first: Served, later: Served) -> object:
    calls: list[int] = []

    def route(handler: FaultHandler) -> Served:
        calls.append(1)
        return first if len(calls) == 1 else later

    return route


def build_site(site: FaultSite) -> tuple[dict[str, str], dict[str, str]]:
    """Serve every case; return the sources and the URLs of interest by name."""
    good, lim, flaky, faults, loop, meta, html, bad = site.origins[:8]
    urls: dict[str, str] = {}
    rss = {"Content-Type": "application/rss+xml"}

    # A plain healthy source, no validators: its second run gets a full 200 feed.
    a1 = site.add(good, "/news/one.html", Served(200, page("Good one"), HTML))
    a2 = site.add(good, "/news/two.html", Served(200, page("Good two"), HTML))
    urls |= {"good_one": a1, "good_two": a2}
    good_feed = site.add(good, "/feed.xml", Served(200, rss_feed([("One", a1), ("Two", a2)]), rss))

    # 429 with Retry-After on a feed.
    limited = site.add(lim, "/feed.xml", Served(429, b"", {"Retry-After": "1"}))

    # 503 then 200 on a feed.
    a3 = site.add(flaky, "/a/three.html", Served(200, page("Good three"), HTML))
    flaky_feed = site.add(
        flaky,
        "/feed.xml",
        then_ok(Served(503, b"busy"), Served(200, rss_feed([("Three", a3)]), rss)),  # type: ignore[arg-type]
    )
    urls["good_three"] = a3

    # Article-level faults beside a good article, behind a feed with an ETag (304 next run).
    cases = {
        "fine": Served(200, page("Good four"), HTML),
        "drip": Served(200, page("Drip"), HTML, drip=1.0),
        "huge": Served(200, b"", HTML),  # replaced below by a streamed route
        "bomb": Served(200, gzip_bomb(64 * 1024 * 1024), {**HTML, "Content-Encoding": "gzip"}),
        "charset": Served(200, page("Genève talks", FRENCH, "cp1252"), HTML),
        "pdf": Served(200, b"%PDF-1.7 binary", {"Content-Type": "application/pdf"}),
        "feedpage": Served(200, rss_feed([("x", "http://x.example/")]), HTML),
        "flaky": Served(200, b""),  # replaced below
    }
    for name, served in cases.items():
        urls[name] = site.add(faults, f"/p/{name}.html", served)
    site.add(faults, "/p/huge.html", lambda h: Served(200, endless(300 * 1024 * 1024), HTML))
    site.add(
        faults,
        "/p/flaky.html",
        then_ok(Served(503, b"", {"Retry-After": "1"}), Served(200, page("Good five"), HTML)),  # type: ignore[arg-type]
    )
    items = [(name, urls[name]) for name in cases]
    # Hostile feed details: a relative link, a duplicate GUID, an entry without a link.
    items_xml = rss_feed(items).replace(
        b"</channel>",
        b"<item><title>Relative</title><link>/p/fine.html</link><guid>rel</guid></item>"
        b"<item><title>Dup</title><link>" + urls["fine"].encode() + b"?dup</link>"
        b"<guid>" + urls["fine"].encode() + b"</guid></item>"
        b"<item><title>No link</title><description>nothing</description></item></channel>",
    )
    faults_feed = site.add(faults, "/feed.xml", conditional(items_xml, '"faults-v1"'))  # type: ignore[arg-type]

    loop_feed = site.add(loop, "/feed.xml", Served(302, headers={"Location": "/feed2.xml"}))
    site.add(loop, "/feed2.xml", Served(302, headers={"Location": "/feed.xml"}))
    meta_feed = site.add(
        meta, "/feed.xml", Served(302, headers={"Location": "http://169.254.169.254/latest/"})
    )
    html_feed = site.add(html, "/feed.xml", Served(200, page("Not a feed"), HTML))
    del bad
    sources = {
        "good": good_feed,
        "limited": limited,
        "flaky": flaky_feed,
        "faults": faults_feed,
        "loop": loop_feed,
        "metadata": meta_feed,
        "html": html_feed,
        "refused": refused_origin() + "/feed.xml",
    }
    return sources, urls


def write_sources(tmp_path: Path, sources: dict[str, str]) -> Path:
    lines = [
        "[fetch]",
        "allow_private_networks = false",  # the guard is on ...
        'allowed_networks = ["127.0.0.0/8"]',  # ... and lets only the test's loopback through
        "read_timeout = 1.5",
        "total_timeout = 2",
        "retries = 1",
        "backoff_base = 0.05",
        "max_retry_after = 2",
        "min_host_delay = 0",
        "max_connections_per_host = 4",
        "max_bytes = 5000000",
        'contact_url = "https://example.org/contact"',
        "",
    ]
    for name, url in sources.items():
        lines += ["[[sources]]", f'name = "{name}"', f'url = "{url}"', ""]
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(lines), "utf-8")
    return path


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_faults_are_recorded_and_good_articles_load(tmp_path: Path) -> None:
    from entente.flows.ingest import ingest_flow

    db = tmp_path / "faults.duckdb"
    with fault_site(HOSTS) as site:
        sources, urls = build_site(site)
        sources_path = write_sources(tmp_path, sources)
        started = time.monotonic()
        first = ingest_flow(db=str(db), sources=str(sources_path))
        first_elapsed = time.monotonic() - started
        between = time.monotonic()
        second = ingest_flow(db=str(db), sources=str(sources_path))
        hits = site.hits

    assert first["status"] == "completed" and second["status"] == "completed"
    # Worst case per URL: 2 attempts x 2 s total timeout + backoff; Prefect adds its own.
    assert first_elapsed < 40, first_elapsed

    with duckdb.connect(str(db), read_only=True) as con:
        run1, run2 = (
            r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY started_at").fetchall()
        )
        rows = con.execute(
            "SELECT url, kind, status, outcome, error, bytes, elapsed_ms FROM fetches"
            " WHERE run_id = ?",
            [run1],
        ).fetchall()
        second_rows = con.execute(
            "SELECT url, kind, status, outcome FROM fetches WHERE run_id = ?", [run2]
        ).fetchall()
        bodies = dict(con.execute("SELECT url, body_text FROM articles").fetchall())
        health = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT source, consecutive_failures, last_error, disabled FROM source_health"
            ).fetchall()
        }

    # Every URL touched in run 1 has exactly one row, with an outcome and, on failure, a reason.
    by_url: dict[str, tuple[object, ...]] = {}
    for url, *rest in rows:
        assert url not in by_url, f"two rows for {url}"
        by_url[url] = tuple(rest)
    outcome = {url: r[2] for url, r in by_url.items()}
    for url, (_kind, _status, result, error, _bytes, elapsed) in by_url.items():
        assert result in {"ok", "robots_absent"} or (error and "\n" not in error), url
        assert isinstance(elapsed, int)

    assert outcome[sources["good"]] == "ok"
    assert by_url[sources["limited"]][:3] == ("feed", 429, "rate_limited")
    assert outcome[sources["flaky"]] == "ok"
    assert outcome[sources["loop"]] == "redirect_loop"
    assert outcome[sources["metadata"]] == "blocked_address"
    assert by_url[sources["html"]][2:4] == ("parse_error", by_url[sources["html"]][3])
    assert "HTML page" in str(by_url[sources["html"]][3])
    assert outcome[sources["refused"]] == "connect_error"
    assert outcome[urls["drip"]] == "timeout"
    assert outcome[urls["huge"]] == "too_large"
    assert outcome[urls["bomb"]] == "decompression_bomb"
    assert outcome[urls["pdf"]] == "not_html"
    assert outcome[urls["feedpage"]] == "not_html"
    assert outcome[urls["charset"]] == "ok"
    assert outcome[urls["flaky"]] == "ok"
    assert by_url[urls["fine"]][4] > 0  # bytes recorded

    # Good articles beside the faults are loaded, the mislabelled page decoded right.
    for name in ("good_one", "good_two", "good_three", "fine", "flaky", "charset"):
        assert urls[name] in bodies, name
    assert "Affaires étrangères" in bodies[urls["charset"]]
    # Failed pages keep their feed entry's summary rather than vanish.
    assert urls["pdf"] in bodies and "summary text" in bodies[urls["pdf"]]

    # Retries: the flaky feed and page were asked twice, a 4xx once, the bomb once.
    run1_hits = [h for h in hits if h.started < between]
    run2_hits = [h for h in hits if h.started >= between]

    def asked(url: str, among: list[object]) -> int:
        return sum(1 for h in among if f"http://{h.address}{h.path}" == url)  # type: ignore[attr-defined]

    assert asked(sources["flaky"], run1_hits) == 2
    assert asked(urls["flaky"], run1_hits) == 2
    assert asked(sources["limited"], run1_hits) == 1
    assert asked(urls["bomb"], run1_hits) == 1

    # Run 2: conditional requests, a 304 that costs no parsing, and no article page twice.
    (faults_feed_hit,) = [
        h
        for h in run2_hits
        if h.path == "/feed.xml" and f"http://{h.address}/feed.xml" == sources["faults"]
    ]
    assert faults_feed_hit.headers.get("If-None-Match") == '"faults-v1"'
    second_outcome = {url: result for url, _kind, _status, result in second_rows}
    assert second_outcome[sources["faults"]] == "not_modified"
    assert second_outcome[sources["good"]] == "ok"
    article_paths = [h for h in run2_hits if h.path not in {"/feed.xml", "/robots.txt"}]
    assert article_paths == [], [h.path for h in article_paths]
    # Failing sources back off: not polled again at once.
    assert "limited" in second["text"] and "refused" in second["text"]  # type: ignore[operator]
    assert asked(sources["limited"], run2_hits) == 0
    assert health["limited"][0] == 1 and "429" in str(health["limited"][1])
    assert health["good"][0] == 0
