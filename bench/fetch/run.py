"""Fetch throughput: Entente's polite concurrent fetcher against a plain sequential httpx loop.

A loopback site of many hosts (one server per 127.0.0.x address, each answering after a
fixed think time, like a distant newsroom) serves small pages. Each client runs in a child
process of its own, so its peak memory (ru_maxrss, with the interpreter and imports as
"base") is its own.

Per-host limits are checked from the client's request log (when each request entered the
transport and when its response was closed): the most requests in flight to one host and
the shortest gap between two starts to one host. The server's own log is printed too, but
the server shares two busy cores with the client, so its clock reads arrivals bunched by
scheduling (a gap of 0 there is two requests read in one wake-up, not sent together).

    /work/venv/bin/python -m bench.fetch.run [--pages 4000 --hosts 50 --latency-ms 50]

Clients:
  sequential  httpx.Client, one GET after another (keep-alive), no politeness at all; it
              fetches --baseline-pages of the URLs (its pages/s is what is compared)
  fetcher     one entente.ingest.fetch.Fetcher over every URL, spread by host
              (entente.ingest.collect.map_by_host)
  harvest     harvest_source per host-source, one thread each, sharing the per-host gates:
              what the ingest flow does (feed, robots.txt, pages), minus Prefect and DuckDB
Timing never fails the run: the numbers are printed, with the ratio to the sequential loop.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PAGE_WORDS = "Ministers met to discuss energy, trade and security cooperation. " * 12


# --- the server ---------------------------------------------------------------------------


@dataclass
class HostLog:
    in_flight: int = 0
    peak: int = 0
    requests: int = 0
    last_start: float | None = None
    min_gap: float = float("inf")


@dataclass
class Site:
    latency: float
    pages_per_host: int
    hosts: dict[str, HostLog] = field(default_factory=dict)

    def reset(self) -> None:
        self.hosts = {name: HostLog() for name in self.hosts}

    def body(self, origin: str, path: str) -> tuple[int, bytes, str]:
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>Page {i}</title><link>{origin}/p/{i}.html</link></item>"
                for i in range(self.pages_per_host)
            )
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{origin}</title>'
            return 200, (feed + items + "</channel></rss>").encode(), "application/rss+xml"
        if path.startswith("/p/"):
            page = (
                f"<!doctype html><html><head><title>{path}</title></head><body><article>"
                f"<h1>{path}</h1><p>{PAGE_WORDS}</p></article></body></html>"
            )
            return 200, page.encode(), "text/html; charset=utf-8"
        return 404, b"not found", "text/plain"


async def _serve_connection(
    site: Site, host: str, origin: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    log = site.hosts[host]
    try:
        while True:
            request = await reader.readline()
            if not request:
                return
            while await reader.readline() not in {b"\r\n", b"\n", b""}:
                pass
            now = time.monotonic()
            log = site.hosts[host]
            log.requests += 1
            log.in_flight += 1
            log.peak = max(log.peak, log.in_flight)
            if log.last_start is not None:
                log.min_gap = min(log.min_gap, now - log.last_start)
            log.last_start = now
            try:
                await asyncio.sleep(site.latency)
                status, body, content_type = site.body(origin, request.split()[1].decode())
                writer.write(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
            finally:
                log.in_flight -= 1
    except (ConnectionError, OSError):
        return
    finally:
        writer.close()


def start_site(hosts: int, latency: float, pages_per_host: int) -> tuple[Site, list[str]]:
    """Serve in a background thread; return the site and one origin per host."""
    site = Site(latency, pages_per_host)
    origins: list[str] = []
    ready = threading.Event()

    async def main() -> None:
        for n in range(hosts):
            address = f"127.0.0.{n + 2}"
            site.hosts[address] = HostLog()
            holder: dict[str, str] = {}

            def handler(
                r: asyncio.StreamReader,
                w: asyncio.StreamWriter,
                a: str = address,
                h: dict[str, str] = holder,
            ) -> asyncio.Task[None]:
                return asyncio.ensure_future(_serve_connection(site, a, h["origin"], r, w))

            server = await asyncio.start_server(handler, address, 0, backlog=256)
            port = server.sockets[0].getsockname()[1]
            holder["origin"] = f"http://{address}:{port}"
            origins.append(holder["origin"])
        ready.set()
        await asyncio.Event().wait()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()
    ready.wait(30)
    return site, origins


# --- the clients (each in its own process) -------------------------------------------------


class RequestLog:
    """Client-side: when each request left and when its response was closed, per host.

    The server's own log is also printed, but on a loaded machine its clock reads arrivals
    bunched by scheduling; this one reads the moments the fetcher itself chose.
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()

    def add(self, host: str, started: float, finished: float) -> None:
        with self._lock:
            self.events.append((host, started, finished))

    def short_gaps(self, delay: float) -> tuple[int, int]:
        """(gaps between starts to one host shorter than `delay`, all such gaps)."""
        by_host: dict[str, list[float]] = {}
        for host, started, _ in self.events:
            by_host.setdefault(host, []).append(started)
        gaps = [b - a for s in by_host.values() for a, b in itertools.pairwise(sorted(s))]
        return sum(1 for g in gaps if g < delay), len(gaps)

    def limits(self) -> tuple[int, float]:
        """(most requests in flight to one host, shortest gap between starts to one host)."""
        peak, gap = 0, float("inf")
        by_host: dict[str, list[tuple[float, float]]] = {}
        for host, started, finished in self.events:
            by_host.setdefault(host, []).append((started, finished))
        for spans in by_host.values():
            marks = sorted([(s, 1) for s, _ in spans] + [(f, -1) for _, f in spans])
            level = 0
            for _, step in marks:
                level += step
                peak = max(peak, level)
            starts = sorted(s for s, _ in spans)
            gap = min([gap, *(b - a for a, b in itertools.pairwise(starts))])
        return peak, gap


def logging_transport(log: RequestLog) -> Any:
    """A wrapper for Entente's own per-origin transports that logs each request's span."""
    import httpx

    class Logged(httpx.AsyncByteStream):
        def __init__(self, inner: httpx.AsyncByteStream, host: str, started: float) -> None:
            self._inner, self._host, self._started = inner, host, started

        async def __aiter__(self):  # type: ignore[no-untyped-def]
            async for chunk in self._inner:
                yield chunk

        async def aclose(self) -> None:
            await self._inner.aclose()
            log.add(self._host, self._started, time.monotonic())

    class Transport(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self._inner = inner

        async def aclose(self) -> None:
            await self._inner.aclose()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            started = time.monotonic()
            response = await self._inner.handle_async_request(request)
            stream = Logged(response.stream, request.url.host, started)  # type: ignore[arg-type]
            return httpx.Response(
                response.status_code,
                headers=response.headers,
                stream=stream,
                extensions=response.extensions,
            )

    return Transport


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _client(mode: str, spec: dict[str, object]) -> dict[str, object]:
    import httpx

    from entente.ingest.collect import harvest_source, map_by_host
    from entente.ingest.fetch import Fetcher
    from entente.ingest.politeness import HostGates
    from entente.ingest.settings import FetchSettings, Source

    urls: list[str] = spec["urls"]  # type: ignore[assignment]
    feeds: list[str] = spec["feeds"]  # type: ignore[assignment]
    settings = FetchSettings(
        allow_private_networks=True,
        max_connections=int(spec["max_connections"]),  # type: ignore[call-overload]
        max_connections_per_host=int(spec["per_host"]),  # type: ignore[call-overload]
        min_host_delay=float(spec["delay"]),  # type: ignore[arg-type]
        retries=0,
        max_articles_per_source=100_000,
    )
    log = RequestLog()
    before = _peak_mb()
    started = time.perf_counter()
    ok = 0
    if mode == "sequential":
        with httpx.Client(timeout=30) as client:
            for url in urls[: int(spec["baseline_pages"])]:  # type: ignore[call-overload]
                ok += client.get(url).status_code == 200
    elif mode == "fetcher":

        async def run() -> int:
            async with Fetcher(settings, wrap=logging_transport(log)) as fetcher:  # type: ignore[arg-type]

                async def one(url: str) -> int:
                    return len((await fetcher.get(url)).body) > 0

                done = await map_by_host(
                    urls,
                    lambda u: urlsplit(u).hostname or "",
                    settings.max_connections_per_host,
                    one,
                )
            return sum(done)

        ok = asyncio.run(run())
    else:
        gates = HostGates(settings.max_connections_per_host, settings.min_host_delay)

        def nothing(ids: Collection[str]) -> dict[str, datetime]:
            return {}

        sources = [Source(name=f"host-{i}", url=feed) for i, feed in enumerate(feeds)]
        with ThreadPoolExecutor(max_workers=len(sources)) as pool:
            harvests = list(
                pool.map(
                    lambda s: harvest_source(
                        s,
                        settings,
                        nothing,
                        None,
                        gates,
                        logging_transport(log),
                    ),
                    sources,
                )
            )
        ok = sum(len(h.documents) for h in harvests)
    seconds = time.perf_counter() - started
    peak, gap = log.limits() if log.events else (1, float("nan"))
    short, gaps = log.short_gaps(settings.min_host_delay)
    return {
        "mode": mode,
        "ok": ok,
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "base_mb": before,
        "client_peak": peak,
        "client_gap": gap,
        "short_gaps": f"{short}/{gaps}",
    }


def _run_child(mode: str, spec_path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.fetch.run", "--client", mode, "--spec", str(spec_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=4000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="server think time per response"
    )
    parser.add_argument(
        "--baseline-pages",
        type=int,
        default=1000,
        help="pages the sequential loop fetches (its rate is pages/s; all of them takes minutes)",
    )
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.02, help="min seconds between starts")
    parser.add_argument("--max-connections", type=int, default=64)
    parser.add_argument("--modes", default="sequential,fetcher,harvest")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        print(json.dumps(_client(args.client, json.loads(Path(args.spec).read_text()))))
        return

    per_host_pages = -(-args.pages // args.hosts)
    site, origins = start_site(args.hosts, args.latency_ms / 1000, per_host_pages)
    urls = [f"{o}/p/{i}.html" for i in range(per_host_pages) for o in origins][: args.pages]
    spec = {
        "urls": urls,
        "feeds": [f"{o}/feed.xml" for o in origins],
        "per_host": args.per_host,
        "delay": args.delay,
        "max_connections": args.max_connections,
        "baseline_pages": args.baseline_pages,
    }
    print(
        f"bench/fetch: {len(urls)} pages on {args.hosts} hosts, {args.latency_ms:g} ms server"
        f" latency; limits: {args.per_host} connections per host, {args.delay:g} s between"
        f" requests to a host, {args.max_connections} in all"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        for mode in args.modes.split(","):
            site.reset()
            result = _run_child(mode, spec_path)
            logs = [log for log in site.hosts.values() if log.requests]
            result["peak_per_host"] = max(log.peak for log in logs)
            result["min_gap"] = min(log.min_gap for log in logs)
            result["requests"] = sum(log.requests for log in logs)
            results.append(result)
    base = next((r for r in results if r["mode"] == "sequential"), None)
    print(
        f"{'client':11} {'pages':>6} {'requests':>8} {'seconds':>8} {'pages/s':>8} {'ratio':>6}"
        f" {'peak MB':>8} {'(base)':>7} {'max/host':>8} {'min gap':>8} {'server:':>8}"
        f" {'max/host':>8} {'min gap':>8}"
    )
    for r in results:
        rate = float(r["ok"]) / float(r["seconds"])  # type: ignore[arg-type]
        ratio = (
            rate / (float(base["ok"]) / float(base["seconds"]))  # type: ignore[arg-type]
            if base
            else float("nan")
        )
        limits_held = r["mode"] == "sequential" or (
            int(r["client_peak"]) <= args.per_host  # type: ignore[call-overload]
            and float(r["client_gap"]) >= args.delay  # type: ignore[arg-type]
        )
        print(
            f"{r['mode']:11} {r['ok']:>6} {r['requests']:>8} {float(r['seconds']):>8.2f}"  # type: ignore[arg-type]
            f" {rate:>8.1f} {ratio:>5.1f}x {float(r['peak_mb']):>8.1f} {float(r['base_mb']):>7.1f}"  # type: ignore[arg-type]
            f" {r['client_peak']:>8} {float(r['client_gap']):>8.4f} {'':>8}"  # type: ignore[arg-type]
            f" {r['peak_per_host']:>8} {float(r['min_gap']):>8.4f}"  # type: ignore[arg-type]
            + ("" if limits_held else f"  gaps < limit: {r['short_gaps']}")
        )


if __name__ == "__main__":
    main()
