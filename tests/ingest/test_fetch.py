from __future__ import annotations

import gzip

import pytest

from ingest.fetch import check_destination, fetch, make_client
from ingest.settings import FetchSettings
from tests.loopback import Reply, free_port_refusing, serve
from transforms.errors import FetchError

OPEN = FetchSettings(
    allow_private_networks=True,
    read_timeout=1.0,
    total_timeout=3.0,
    max_bytes=100_000,
    max_redirects=3,
)


def _fetch(url: str, settings: FetchSettings = OPEN) -> object:
    with make_client(settings) as client:
        return fetch(client, url, settings)


def test_fetch_ok_and_user_agent() -> None:
    with serve() as site:
        url = site.add("/a", Reply(200, b"hello", {"Content-Type": "text/plain"}))
        response = _fetch(url)
        assert response.body == b"hello"  # type: ignore[attr-defined]
        assert "Entente" in site.log[0].headers["User-Agent"]


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (Reply(500, b"boom"), "http_error"),
        (Reply(404, b"gone"), "http_error"),
        (Reply(200, b"x" * 200_000), "too_large"),
        (Reply(200, gzip.compress(b"\0" * 5_000_000), {"Content-Encoding": "gzip"}), "too_large"),
        (Reply(200, b"slow", delay=2.0), "timeout"),
    ],
)
def test_failures_have_an_outcome_and_one_line(reply: Reply, outcome: str) -> None:
    with serve() as site:
        url = site.add("/x", reply)
        with pytest.raises(FetchError) as info:
            _fetch(url)
    assert info.value.outcome == outcome
    assert "\n" not in str(info.value)


def test_redirects_are_limited_and_loops_detected() -> None:
    with serve() as site:
        site.add("/loop", Reply(302, headers={"Location": "/loop2"}))
        site.add("/loop2", Reply(302, headers={"Location": "/loop"}))
        for i in range(6):
            site.add(f"/r{i}", Reply(301, headers={"Location": f"/r{i + 1}"}))
        site.add("/r6", Reply(200, b"end"))
        with pytest.raises(FetchError) as loop:
            _fetch(site.origin + "/loop")
        with pytest.raises(FetchError) as chain:
            _fetch(site.origin + "/r0")
        ok = _fetch(site.origin + "/r4")
    assert loop.value.outcome == "redirect_loop"
    assert chain.value.outcome == "too_many_redirects"
    assert ok.body == b"end"  # type: ignore[attr-defined]


def test_connection_refused() -> None:
    with pytest.raises(FetchError) as info:
        _fetch(f"http://127.0.0.1:{free_port_refusing()}/")
    assert info.value.outcome == "connect_error"


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


def test_guard_checks_every_redirect() -> None:
    guarded = FetchSettings(allow_private_networks=False)
    with serve() as site:
        url = site.add("/", Reply(302, headers={"Location": "http://169.254.169.254/"}))
        with pytest.raises(FetchError) as info, make_client(guarded) as client:
            fetch(client, url, guarded)
    assert info.value.outcome == "blocked_address"
    assert site.log == []  # refused before any connection was made
