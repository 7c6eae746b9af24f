"""A fault-injection HTTP server on loopback: streamed, dripped, compressed and stateful replies.

Every request is logged with the address it reached and when it started and finished, so
tests can assert politeness (parallel requests per host, gaps between them) and that a second
run asked conditionally and fetched no page twice.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    """What a route answers. A non-bytes body is streamed chunked, as the iterable yields it."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before the status line
    drip: float = 0.0  # seconds between single bytes of a bytes body


@dataclass(frozen=True)
class Hit:
    address: str  # host:port the request reached
    path: str
    headers: dict[str, str]
    started: float
    finished: float
    client: str = ""  # the client's host:port, i.e. which connection carried it


Route = Served | Callable[["FaultHandler"], Served]


class FaultSite:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self._hits: list[Hit] = []
        self.active = 0
        self.bytes_sent: dict[str, int] = {}
        self._lock = threading.Lock()
        self.origins: list[str] = []

    def add(self, origin: str, path: str, route: Route) -> str:
        self.routes[(origin, path)] = route
        return origin + path

    @property
    def hits(self) -> list[Hit]:
        """Requests served so far, after letting the ones still being answered finish (<= 2 s)."""
        deadline = time.monotonic() + 2.0
        while self.active and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            return list(self._hits)

    def hits_to(self, url: str) -> list[Hit]:
        return [h for h in self.hits if f"http://{h.address}{h.path}" == url]


class FaultHandler(BaseHTTPRequestHandler):
    site: FaultSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        started = time.monotonic()
        with self.site._lock:
            self.site.active += 1
        address = "{}:{}".format(*self.server.server_address[:2])
        origin = f"http://{address}"
        route = self.site.routes.get((origin, self.path))
        try:
            if route is None:
                served = Served(404, b"not found")
            elif isinstance(route, Served):
                served = route
            else:
                served = route(self)
            self._finished = time.monotonic()
            self._send(served, origin + self.path)
        finally:
            # The moment the last byte was handed over, not when this thread got round to
            # logging: the client may already be on its next request by now.
            peer = "{}:{}".format(*self.client_address[:2])
            hit = Hit(address, self.path, dict(self.headers), started, self._finished, peer)
            with self.site._lock:
                self.site._hits.append(hit)
                self.site.active -= 1

    def _write(self, data: bytes) -> None:
        self._finished = time.monotonic()
        self.wfile.write(data)

    def _count(self, url: str, size: int) -> None:
        with self.site._lock:
            self.site.bytes_sent[url] = self.site.bytes_sent.get(url, 0) + size

    def _send(self, served: Served, url: str) -> None:
        if served.delay:
            time.sleep(served.delay)
        self.send_response(served.status)
        streamed = not isinstance(served.body, bytes)
        headers = dict(served.headers)
        if streamed:
            headers.setdefault("Transfer-Encoding", "chunked")
        else:
            headers.setdefault("Content-Length", str(len(served.body)))  # type: ignore[arg-type]
        for name, value in headers.items():
            self.send_header(name, value)
        self._finished = time.monotonic()
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
            if isinstance(served.body, bytes):
                if served.drip:
                    for i in range(len(served.body)):
                        self._write(served.body[i : i + 1])
                        self.wfile.flush()
                        self._count(url, 1)
                        time.sleep(served.drip)
                else:
                    self._write(served.body)
                    self._count(url, len(served.body))
                return
            for chunk in served.body:
                self._write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self._count(url, len(chunk))
            self._write(b"0\r\n\r\n")


@contextmanager
def fault_site(addresses: Iterable[str] = ("127.0.0.1",)) -> Iterator[FaultSite]:
    """One server per loopback address (each a distinct host for politeness), one shared log."""
    site = FaultSite()
    handler = type("BoundFaultHandler", (FaultHandler,), {"site": site})
    servers = []
    for address in addresses:
        server = ThreadingHTTPServer((address, 0), handler)
        server.daemon_threads = True
        servers.append(server)
        site.origins.append(f"http://{address}:{server.server_address[1]}")
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield site
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def refused_origin() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def endless(total: int, chunk: int = 65_536) -> Iterator[bytes]:
    """`total` bytes of filler, produced as they are sent: nothing this big is ever held."""
    block = b"x" * chunk
    sent = 0
    while sent < total:
        piece = block[: min(chunk, total - sent)]
        sent += len(piece)
        yield piece


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(inflated: int) -> bytes:
    """A gzip body inflating to `inflated` zero bytes (a thousandth of that on the wire)."""
    if inflated not in _BOMBS:
        z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = b"\0" * 1_048_576
        parts = [z.compress(zeros) for _ in range(inflated // len(zeros))]
        parts.append(z.flush())
        _BOMBS[inflated] = b"".join(parts)
    return _BOMBS[inflated]


def max_parallel(hits: list[Hit]) -> int:
    """The most requests that were being served at the same moment."""
    events = sorted([(h.started, 1) for h in hits] + [(h.finished, -1) for h in hits])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def start_gaps(hits: list[Hit]) -> list[tuple[float, bool]]:
    """Gaps between consecutive request starts, each with whether the earlier request was the
    first on its connection: that one's start is logged late by the connection's setup (accept,
    a new server thread), so the gap after it looks shorter than the client made it."""
    ordered = sorted(hits, key=lambda h: h.started)
    seen: set[str] = set()
    gaps = []
    for earlier, later in itertools.pairwise(ordered):
        opened = earlier.client not in seen
        seen.add(earlier.client)
        gaps.append((later.started - earlier.started, opened))
    return gaps


def rss_feed(items: list[tuple[str, str]], title: str = "Faults") -> bytes:
    """RSS 2.0 of (title, link) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Wed, 07 Apr 2021 10:00:00 GMT</pubDate><description>{t} summary text"
        f"</description></item>"
        for t, link in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>http://example.org/</link>{body}</channel></rss>"
    ).encode()
