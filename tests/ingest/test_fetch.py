from __future__ import annotations

import asyncio
import random
import socket
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from entente.ingest.fetch import (
    Fetcher,
    GuardedBackend,
    Response,
    backoff_delay,
    check_destination,
    fetch_once,
    parse_retry_after,
    run_async,
)
from entente.ingest.settings import FetchSettings
from entente.transforms.errors import FetchError
from tests.ingest.faults import (
    FaultHandler,
    Served,
    endless,
    fault_site,
    gzip_bomb,
    refused_origin,
)

OPEN = FetchSettings(
    allow_private_networks=True,
    read_timeout=1.0,
    total_timeout=2.0,
    max_bytes=2_000_000,
    max_redirects=3,
    retries=1,
    backoff_base=0.01,
    min_host_delay=0.0,
    max_retry_after=1.0,
    contact_url="https://example.org/entente-contact",
)
# The guard on, loopback let through: what a deployment with an intranet feed would set.
GUARDED = OPEN.model_copy(
    update={"allow_private_networks": False, "allowed_networks": ("127.0.0.0/8",)}
)


def _get(url: str, settings: FetchSettings = OPEN, **kwargs: Any) -> Response:
    return fetch_once(url, settings, **kwargs)


def _fails(url: str, settings: FetchSettings = OPEN) -> FetchError:
    with pytest.raises(FetchError) as info:
        _get(url, settings)
    assert "\n" not in str(info.value)
    return info.value


def test_ok_user_agent_carries_the_contact_url() -> None:
    with fault_site() as site:
        url = site.add(site.origins[0], "/a", Served(200, b"hello", {"Content-Type": "text/plain"}))
        response = _get(url)
    assert response.body == b"hello" and response.attempts == 1
    assert "https://example.org/entente-contact" in site.hits[0].headers["User-Agent"]


def test_conditional_request_gets_304_without_a_body() -> None:
    def conditional(handler: FaultHandler) -> Served:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Served(304, b"", {"ETag": '"v1"'})
        return Served(200, b"<rss/>", {"ETag": '"v1"'})

    with fault_site() as site:
        url = site.add(site.origins[0], "/feed", conditional)
        first = _get(url)
        second = _get(url, headers={"If-None-Match": first.etag or ""})
    assert (first.status, first.etag) == (200, '"v1"')
    assert (second.status, second.body) == (304, b"")


def test_a_5xx_is_retried_and_a_4xx_never() -> None:
    with fault_site() as site:
        origin = site.origins[0]
        error = _fails(site.add(origin, "/500", Served(500, b"boom")))
        missing = _fails(site.add(origin, "/404", Served(404, b"gone")))
        limited = _fails(site.add(origin, "/429", Served(429, b"slow down", {"Retry-After": "30"})))
        hits = {path: len(site.hits_to(origin + path)) for path in ("/500", "/404", "/429")}
    assert (error.outcome, error.status) == ("http_error", 500)
    assert "after 2 attempts" in str(error)
    assert (missing.outcome, missing.status) == ("http_error", 404)
    assert (limited.outcome, limited.status) == ("rate_limited", 429)
    assert hits == {"/500": 2, "/404": 1, "/429": 1}


def test_503_then_200_waits_out_retry_after() -> None:
    calls: list[int] = []

    def flaky(handler: FaultHandler) -> Served:
        calls.append(1)
        if len(calls) == 1:
            return Served(503, b"busy", {"Retry-After": "1"})
        return Served(200, b"fine")

    with fault_site() as site:
        url = site.add(site.origins[0], "/flaky", flaky)
        response = _get(url)
        first, second = site.hits
    assert (response.status, response.body, response.attempts) == (200, b"fine", 2)
    assert second.started - first.finished >= 0.95


def test_429_retry_after_holds_back_the_whole_host() -> None:
    settings = OPEN.model_copy(update={"max_retry_after": 5.0})

    async def scenario(first: str, second: str) -> tuple[FetchError, Response]:
        async with Fetcher(settings) as fetcher:
            with pytest.raises(FetchError) as info:
                await fetcher.get(first)
            return info.value, await fetcher.get(second)

    with fault_site() as site:
        origin = site.origins[0]
        limited = site.add(origin, "/limited", Served(429, b"", {"Retry-After": "1"}))
        other = site.add(origin, "/other", Served(200, b"ok"))
        error, response = run_async(scenario(limited, other))
        (hit_limited,) = site.hits_to(limited)
        (hit_other,) = site.hits_to(other)
    assert error.outcome == "rate_limited" and response.body == b"ok"
    assert hit_other.started - hit_limited.finished >= 0.95


def test_retry_after_beyond_the_cap_skips_the_host_for_this_run() -> None:
    async def scenario(first: str, second: str) -> tuple[FetchError, FetchError, float]:
        async with Fetcher(OPEN) as fetcher:
            with pytest.raises(FetchError) as one:
                await fetcher.get(first)
            started = time.monotonic()
            with pytest.raises(FetchError) as two:
                await fetcher.get(second)
            return one.value, two.value, time.monotonic() - started

    with fault_site() as site:
        origin = site.origins[0]
        busy = site.add(origin, "/busy", Served(503, b"", {"Retry-After": "3600"}))
        later = site.add(origin, "/later", Served(200, b"never asked"))
        first, second, waited = run_async(scenario(busy, later))
        assert site.hits_to(later) == []
    assert (first.outcome, first.status) == ("http_error", 503)
    assert second.outcome == "rate_limited" and "3600" in str(second)
    assert waited < 0.5


def test_size_cap_is_enforced_while_streaming() -> None:
    big = 300 * 1024 * 1024
    with fault_site() as site:
        origin = site.origins[0]
        streamed = site.add(origin, "/stream", lambda h: Served(200, endless(big)))
        declared = site.add(
            origin, "/declared", Served(200, b"x" * 10, {"Content-Length": str(big)})
        )
        started = time.monotonic()
        error = _fails(streamed)
        elapsed = time.monotonic() - started
        declared_error = _fails(declared)
        sent = site.bytes_sent.get(streamed, 0)
    assert error.outcome == "too_large" and declared_error.outcome == "too_large"
    assert "declares" in str(declared_error)
    # The server stopped long before 300 MB: the client hung up at the cap.
    assert sent < 64 * 1024 * 1024, sent
    assert elapsed < 10


def test_gzip_bomb_is_refused_before_it_inflates() -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)
    with fault_site() as site:
        url = site.add(
            site.origins[0],
            "/bomb",
            Served(200, bomb, {"Content-Encoding": "gzip", "Content-Type": "text/html"}),
        )
        error = _fails(url)  # the ratio trips before the 2 MB size cap
    assert error.outcome == "decompression_bomb"


def test_gzip_pages_still_decode() -> None:
    import gzip

    page = b"<html><body>" + b"<p>Ordinary compressed page text.</p>" * 200 + b"</body></html>"
    with fault_site() as site:
        url = site.add(
            site.origins[0], "/gz", Served(200, gzip.compress(page), {"Content-Encoding": "gzip"})
        )
        response = _get(url)
    assert response.body == page


def test_a_drip_feed_hits_the_total_timeout() -> None:
    settings = OPEN.model_copy(update={"read_timeout": 3.0, "total_timeout": 1.5, "retries": 0})
    with fault_site() as site:
        url = site.add(site.origins[0], "/drip", Served(200, b"x" * 100, drip=1.0))
        started = time.monotonic()
        error = _fails(url, settings)
        elapsed = time.monotonic() - started
    assert error.outcome == "timeout"
    assert elapsed < 3.0


def test_a_server_that_drips_is_tried_twice_at_most_one_that_is_silent_as_set() -> None:
    """A timeout after the server began to answer (a drip) is retried once whatever
    `retries` says; a timeout before any answer is retried as configured."""
    settings = OPEN.model_copy(
        update={"read_timeout": 3.0, "total_timeout": 0.5, "retries": 3, "backoff_base": 0.01}
    )
    with fault_site() as site:
        drip = site.add(site.origins[0], "/drip", Served(200, b"x" * 100, drip=0.2))
        silent = site.add(site.origins[0], "/silent", Served(200, b"late", delay=1.0))
        assert _fails(drip, settings).outcome == "timeout"
        assert _fails(silent, settings).outcome == "timeout"
        tries = {url: len(site.hits_to(url)) for url in (drip, silent)}
    assert tries == {drip: 2, silent: 4}


def test_a_silent_server_hits_the_read_timeout() -> None:
    settings = OPEN.model_copy(update={"read_timeout": 0.5, "retries": 0})
    with fault_site() as site:
        url = site.add(site.origins[0], "/silent", Served(200, b"late", delay=2.0))
        error = _fails(url, settings)
    assert error.outcome == "timeout"


def test_redirects_are_limited_and_loops_detected() -> None:
    with fault_site() as site:
        origin = site.origins[0]
        site.add(origin, "/loop", Served(302, headers={"Location": "/loop2"}))
        site.add(origin, "/loop2", Served(302, headers={"Location": "/loop"}))
        for i in range(6):
            site.add(origin, f"/r{i}", Served(301, headers={"Location": f"/r{i + 1}"}))
        site.add(origin, "/r6", Served(200, b"end"))
        loop = _fails(origin + "/loop")
        chain = _fails(origin + "/r0")
        ok = _get(origin + "/r4")
    assert loop.outcome == "redirect_loop"
    assert chain.outcome == "too_many_redirects"
    assert ok.body == b"end" and ok.final_url == origin + "/r6"


def test_connection_refused_is_retried_then_recorded() -> None:
    error = _fails(refused_origin() + "/feed")
    assert error.outcome == "connect_error" and "after 2 attempts" in str(error)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/",
        "http://[::1]/",
        "http://localhost/",
        "http://0.0.0.0/",
    ],
)
def test_guard_refuses_internal_addresses(url: str) -> None:
    with pytest.raises(FetchError) as info:
        check_destination(url, FetchSettings())
    assert info.value.outcome == "blocked_address"


def test_guard_sits_in_the_connection_itself() -> None:
    """With the guard on, the fetcher cannot reach loopback at all: no request arrives."""
    with fault_site() as site:
        url = site.add(site.origins[0], "/", Served(200, b"internal"))
        error = _fails(url, FetchSettings(retries=0))
        assert site.hits == []
    assert error.outcome == "blocked_address"


def test_guard_checks_every_redirect() -> None:
    with fault_site() as site:
        url = site.add(
            site.origins[0],
            "/",
            Served(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
        )
        error = _fails(url, GUARDED)
        assert len(site.hits) == 1  # the first hop is allowed; the metadata hop is not
    assert error.outcome == "blocked_address" and "169.254.169.254" in str(error)


def test_guard_connects_to_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: each connection resolves once, vets, and uses that very answer."""
    answers = ["127.0.0.1", "169.254.169.254"]
    asked: list[str] = []

    async def resolve(self: Any, host: str, port: int, **kwargs: Any) -> list[Any]:
        asked.append(host)
        address = answers[min(len(asked) - 1, 1)]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", resolve)
    with fault_site() as site:
        port = site.origins[0].rsplit(":", 1)[1]
        site.add(site.origins[0], "/", Served(200, b"first answer"))
        first = _get(f"http://rebind.test:{port}/", GUARDED)
        second = _fails(f"http://rebind.test:{port}/", GUARDED)
    assert first.body == b"first answer"
    assert second.outcome == "blocked_address" and asked == ["rebind.test", "rebind.test"]


def test_guarded_backend_is_what_the_fetcher_uses() -> None:
    async def backend_type() -> str:
        async with Fetcher(FetchSettings()) as fetcher:
            client = fetcher.client_for("https://example.org/")
            pool = client._transport._pool  # type: ignore[attr-defined]
            return type(pool._network_backend._inner).__name__

    assert run_async(backend_type()) == GuardedBackend.__name__


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Fri, 27 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Fri, 27 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(attempt, 1.0, rng) for attempt in range(12)]
    assert all(1.0 <= d <= min(60.0, 2**a) for a, d in enumerate(delays))
    assert max(delays) <= 60.0
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not a fixed ladder


def test_a_fetch_after_the_run_stopped_says_so() -> None:
    """Found stopping a run (issue 20, second pass): harvests still queued asked the closed
    fetcher and logged 37 `internal_error` rows, 'AssertionError ... use Fetcher as async
    with', as if Entente had a bug; the page is worth asking for at the next run."""

    async def after_close(url: str) -> FetchError:
        fetcher = Fetcher(FetchSettings(retries=0, min_host_delay=0))
        async with fetcher:
            pass
        with pytest.raises(FetchError) as info:
            await fetcher.get(url)
        return info.value

    error = run_async(after_close("https://example.com/a"))
    assert error.outcome == "stopped"
    assert str(error) == "https://example.com/a not fetched: the run was stopping"


def test_a_page_not_fetched_because_the_run_stopped_is_asked_again(tmp_path: Any) -> None:
    import duckdb

    from entente.warehouse.state import TRANSIENT_SQL

    with duckdb.connect() as con:
        row = con.execute(
            f"SELECT {TRANSIENT_SQL} FROM (SELECT 'stopped' AS outcome, NULL AS status)"
        )
        assert row.fetchone() == (True,)
