"""The fetcher's asyncio network layer: TLS, kept-alive connections, and how it fails."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import trustme

from entente.ingest.fetch import Fetcher, Response, run_async
from entente.ingest.settings import FetchSettings
from entente.transforms.errors import FetchError
from tests.loopback import Reply, serve

SETTINGS = FetchSettings(
    allow_private_networks=True,
    connect_timeout=0.5,
    read_timeout=1.0,
    total_timeout=3.0,
    retries=0,
    min_host_delay=0.0,
)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def _get_all(
    urls: list[str], settings: FetchSettings = SETTINGS, trust: ssl.SSLContext | None = None
) -> list[Response]:
    async def run() -> list[Response]:
        async with Fetcher(settings, ssl_context=trust) as fetcher:
            return [await fetcher.get(url) for url in urls]

    return run_async(run())


def test_https_pages_come_over_one_verified_kept_alive_connection(ca: trustme.CA) -> None:
    with serve(tls=_server_context(ca)) as site:
        urls = [site.add(f"/{n}", Reply(body=f"page {n}".encode() * 500)) for n in range(3)]
        got = _get_all(urls, trust=_trusting(ca))
    assert [r.body for r in got] == [f"page {n}".encode() * 500 for n in range(3)]
    assert all(r.status == 200 and r.final_url.startswith("https://") for r in got)
    # one TLS handshake for the three: the connection was kept and reused
    ports = {r.peer_port for r in site.log}
    assert len(site.log) == 3 and len(ports) == 1


def test_an_untrusted_certificate_is_a_one_line_connect_error(ca: trustme.CA) -> None:
    with serve(tls=_server_context(ca)) as site:
        url = site.add("/", Reply(body=b"secret"))
        with pytest.raises(FetchError) as info:
            _get_all([url])  # the system's CAs, which never signed the test CA
    assert info.value.outcome == "connect_error"
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) and "\n" not in str(info.value)


@contextmanager
def _raw_server(handle: Callable[[socket.socket], object]) -> Iterator[tuple[int, list[int]]]:
    """A TCP server whose connections go to `handle(conn)`; yields (port, accepted count)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        listener.close()


def test_a_tls_handshake_that_never_comes_times_out(ca: trustme.CA) -> None:
    silent: list[socket.socket] = []
    with _raw_server(silent.append) as (port, _), pytest.raises(FetchError) as info:
        _get_all([f"https://127.0.0.1:{port}/"], trust=_trusting(ca))
    for conn in silent:
        conn.close()
    assert info.value.outcome == "timeout"


def _answer_once(conn: socket.socket) -> None:
    """Read one request and answer it as if keeping the connection alive."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def _answer_once_then_hang_up(conn: socket.socket) -> None:
    with conn:
        _answer_once(conn)


def _answer_then_time_out(conn: socket.socket) -> None:
    """Answer one request, then send a 408 on the idle connection and close it."""
    with conn:
        _answer_once(conn)
        time.sleep(0.05)
        conn.sendall(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize(
    "server",
    [_answer_once_then_hang_up, _answer_then_time_out],
    ids=["closed", "stale 408 then closed"],
)
def test_an_idle_connection_the_server_is_done_with_is_not_reused(
    server: Callable[[socket.socket], None],
) -> None:
    async def run(port: int) -> list[Response]:
        async with Fetcher(SETTINGS) as fetcher:
            first = await fetcher.get(f"http://127.0.0.1:{port}/a")
            await asyncio.sleep(0.3)  # the server answers again or hangs up meanwhile
            return [first, await fetcher.get(f"http://127.0.0.1:{port}/b")]

    with _raw_server(server) as (port, accepted):
        got = run_async(run(port))
    # without retries, the second GET only succeeds on a fresh connection, and a stale
    # 408 is never read as its answer
    assert [(r.status, r.body) for r in got] == [(200, b"ok"), (200, b"ok")]
    assert len(accepted) == 2


def test_fetchers_share_one_loaded_ca_bundle() -> None:
    # loading the CA bundle costs about 20 ms, and a run makes a fetcher per source
    first, second = Fetcher(SETTINGS), Fetcher(SETTINGS)
    assert first._ssl() is second._ssl()
    assert first._ssl().verify_mode == ssl.CERT_REQUIRED
