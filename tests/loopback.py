"""A scriptable HTTP server on 127.0.0.1 for tests: routes, faults and a request log."""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    headers: dict[str, str]
    at: float
    peer_port: int = 0  # the client's port: one per connection


Route = Reply | Callable[["Handler"], Reply]


class Site:
    """Routes by path; a route is a Reply or a function of the request giving one."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[LoggedRequest] = []
        self.origin = ""
        self._lock = threading.Lock()

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.origin + path

    def requests_to(self, path: str) -> list[LoggedRequest]:
        return [r for r in self.log if r.path == path]


class Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        site = self.site
        with site._lock:
            site.log.append(
                LoggedRequest(
                    self.path, dict(self.headers), time.monotonic(), self.client_address[1]
                )
            )
        route = site.routes.get(self.path)
        if route is None:
            reply = Reply(404, b"not found")
        elif isinstance(route, Reply):
            reply = route
        else:
            reply = route(self)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        headers = {"Content-Length": str(len(reply.body)), **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(reply.body)


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[Site]:
    """Start a Site on a free loopback port for the duration of the block; over HTTPS when
    given a server-side TLS context."""
    site = Site()
    handler = type("BoundHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    site.origin = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    # a short poll, so that shutdown() at the block's end returns at once, not after 0.5 s
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def receiver(status: int = 204) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A loopback webhook that answers `status` and records every JSON body POSTed to it."""
    received: list[dict[str, object]] = []

    class Receiving(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiving)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def free_port_refusing() -> int:
    """A loopback port with nothing listening: connections to it are refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss(items: list[tuple[str, str, str]], title: str = "Test feed") -> bytes:
    """An RSS 2.0 feed of (title, link, pubDate) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate><description>{t}</description></item>"
        for t, link, date in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>http://example.org/</link>{body}</channel></rss>"
    ).encode()
