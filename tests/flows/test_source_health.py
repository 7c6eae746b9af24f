"""Source health, conditional state and updated entries through the plain steps (no Prefect)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from entente.flows.cli import main
from entente.flows.driver import run_plain
from entente.flows.summary import RunSummary
from entente.ingest.settings import Settings
from entente.transforms.health import (
    HealthPolicy,
    SourceHealth,
    after_failure,
    after_success,
    poll_verdict,
)
from tests.flows.helpers import feed_settings, page
from tests.ingest.faults import FaultHandler, FaultSite, Served, fault_site

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
POLICY = HealthPolicy(poll_interval=600, max_poll_interval=3600, disable_after_failures=3)
HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_failures_back_off_then_disable_with_a_reason() -> None:
    h = after_failure(None, "s", "HTTP 500", NOW, POLICY)
    assert (h.consecutive_failures, h.next_poll_at) == (1, NOW + timedelta(seconds=600))
    h = after_failure(h, "s", "HTTP 500", NOW, POLICY)
    assert h.next_poll_at == NOW + timedelta(seconds=1200) and not h.disabled
    assert poll_verdict(h, NOW) is not None  # backing off
    assert poll_verdict(h, NOW + timedelta(seconds=1201)) is None
    h = after_failure(h, "s", "timeout", NOW, POLICY, retry_after=7200)
    assert h.disabled and h.disabled_reason is not None
    assert "3 consecutive failures" in h.disabled_reason and "timeout" in h.disabled_reason
    assert h.next_poll_at == NOW + timedelta(seconds=7200)  # Retry-After beyond the backoff
    assert poll_verdict(h, NOW + timedelta(days=30)) == h.disabled_reason


def test_success_resets_failures_and_healthy_sources_are_always_due() -> None:
    failing = SourceHealth("s", consecutive_failures=2, last_error="x", next_poll_at=NOW)
    h = after_success(failing, "s", NOW, POLICY)
    assert (h.consecutive_failures, h.last_success_at) == (0, NOW)
    assert poll_verdict(h, NOW) is None
    assert poll_verdict(None, NOW) is None


def _one_pass(settings: Settings) -> RunSummary:
    """What the ingest flow does for its sources, minus Prefect."""
    return run_plain(settings, settings.sources)


def test_a_failing_source_is_disabled_listed_and_re_enabled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fault_site() as site:
        feed = site.add(site.origins[0], "/feed.xml", Served(500, b"down"))
        settings = feed_settings(
            tmp_path, feed, poll_interval=0.001, max_poll_interval=0.001, disable_after_failures=3
        )
        for _ in range(4):
            summary = _one_pass(settings)
        assert len(site.hits_to(feed)) == 3  # the fourth run skipped the disabled source
    assert "flaky" in summary.sources_skipped
    sources_args = ["--db", str(settings.db_path), "--sources", str(settings.sources_path)]
    assert main(["sources", *sources_args]) == 0
    out = capsys.readouterr().out
    assert "DISABLED" in out and "3 consecutive failures" in out and "HTTP 500" in out
    assert main(["sources", "enable", "flaky", *sources_args]) == 0
    assert "re-enabled" in capsys.readouterr().out
    assert main(["sources", *sources_args]) == 0
    assert "DISABLED" not in capsys.readouterr().out


def _updating_site(site: FaultSite, updated: list[str]) -> tuple[str, str]:
    origin = site.origins[0]
    versions = iter([page("First version"), page("Second version"), page("Never asked")])
    current: list[bytes] = [next(versions)]

    def article(handler: FaultHandler) -> Served:
        body = current[0]
        current[0] = next(versions)
        return Served(200, body, HTML)

    url = site.add(origin, "/a.html", article)

    def feed(handler: FaultHandler) -> Served:
        item = (
            f"<item><title>A</title><link>{url}</link><guid>{url}</guid>"
            f"<atom:updated>{updated[0]}</atom:updated><description>s</description></item>"
        )
        return Served(
            200,
            (
                '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
                f"<channel><title>T</title>{item}</channel></rss>"
            ).encode(),
            {"Content-Type": "application/rss+xml"},
        )

    return site.add(origin, "/feed.xml", feed), url


def test_a_stored_article_is_fetched_again_only_when_its_entry_is_updated(
    tmp_path: Path,
) -> None:
    updated = ["2026-11-01T10:00:00Z"]
    with fault_site() as site:
        feed, url = _updating_site(site, updated)
        settings = feed_settings(tmp_path, feed)
        _one_pass(settings)
        _one_pass(settings)  # same entry: the page is not asked again
        assert len(site.hits_to(url)) == 1
        updated[0] = "2026-11-02T10:00:00Z"
        _one_pass(settings)
        _one_pass(settings)
        assert len(site.hits_to(url)) == 2
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        ((title, body, raw),) = con.execute(
            "SELECT title, body_text, raw_sha256 FROM articles"
        ).fetchall()
        (stored,) = con.execute(
            "SELECT raw_sha256 FROM raw_documents WHERE url = ? ORDER BY fetched_at DESC LIMIT 1",
            [url],
        ).fetchone()  # type: ignore[misc]
    assert "Second version" in f"{title} {body}"
    assert raw == stored


def test_a_page_that_failed_for_a_passing_reason_is_asked_again_and_replaces_its_summary(
    tmp_path: Path,
) -> None:
    calls: dict[str, int] = {}

    def once_busy(handler: FaultHandler) -> Served:
        calls[handler.path] = calls.get(handler.path, 0) + 1
        if calls[handler.path] == 1:
            return Served(503, b"busy")
        return Served(200, page("Full text at last"), HTML)

    with fault_site() as site:
        origin = site.origins[0]
        busy = site.add(origin, "/busy.html", once_busy)
        gone = site.add(origin, "/gone.html", Served(404, b"gone"))
        items = "".join(
            f"<item><title>{t}</title><link>{u}</link><description>{t} summary</description></item>"
            for t, u in (("Busy", busy), ("Gone", gone))
        )
        feed = site.add(
            origin,
            "/feed.xml",
            Served(
                200, f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
            ),
        )
        settings = feed_settings(tmp_path, feed)
        _one_pass(settings)
        _one_pass(settings)
        _one_pass(settings)
        asked = {url: len(site.hits_to(url)) for url in (busy, gone)}
    # The 503 page is asked once more and then held; the 404 page never again.
    assert asked == {busy: 2, gone: 1}
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        rows = dict(con.execute("SELECT url, extraction_method FROM articles").fetchall())
        body = con.execute("SELECT body_text FROM articles WHERE url = ?", [busy]).fetchone()
    assert rows[gone] == "feed-summary" and rows[busy] != "feed-summary"
    assert body is not None and "Full text at last" in body[0]
