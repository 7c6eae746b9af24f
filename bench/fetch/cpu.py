"""CPU per fetched page: the fetcher on asyncio streams against the same fetcher on anyio.

On two cores every millisecond the loading process spends fetching is taken from the
extraction workers, so what matters here is CPU, not wall time. A loopback server in its own
process (bench.pipeline.server) serves --pages pages of about --kb kilobytes; one Fetcher
gets them all, 16 at a time over kept-alive connections, with Entente's network layer
(entente.ingest.netio) and then with httpcore's anyio backend in its place, alternating for
--rounds rounds in this one process. Prints CPU milliseconds a page and their ratio.

    /work/venv/bin/python -m bench.fetch.cpu [--pages 2000 --kb 140 --rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpcore

import entente.ingest.fetch
from bench.pipeline.run import REPO, free_port
from entente.ingest.fetch import Fetcher
from entente.ingest.settings import FetchSettings

PARAGRAPH = (
    "<p>The two delegations reviewed the pipeline project, the training of officers and "
    "the next round of trade talks, and agreed to meet again before the summit.</p>\n"
)


def write_site(root: Path, pages: int, kb: int) -> None:
    (root / "pages").mkdir(parents=True)
    body = PARAGRAPH * max(1, kb * 1024 // len(PARAGRAPH))
    for n in range(pages):
        page = f"<html><head><title>Page {n}</title></head><body>{body}</body></html>"
        (root / "pages" / f"{n}.html").write_text(page, "utf-8")


async def fetch_all(urls: list[str], settings: FetchSettings) -> int:
    async with Fetcher(settings) as fetcher:
        limit = asyncio.Semaphore(16)

        async def one(url: str) -> int:
            async with limit:
                return len((await fetcher.get(url)).body)

        return sum(await asyncio.gather(*(one(url) for url in urls)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--kb", type=int, default=140)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    settings = FetchSettings(
        allow_private_networks=True, min_host_delay=0, max_connections_per_host=16
    )
    backends = {
        "asyncio (entente.ingest.netio)": entente.ingest.fetch.AsyncioBackend,
        "anyio": None,
    }
    with tempfile.TemporaryDirectory(prefix="entente-bench-fetch-") as temp:
        write_site(Path(temp), args.pages, args.kb)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.pipeline.server", temp, str(port)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            server.stdout.readline()  # "ready"
            urls = [f"http://127.0.0.1:{port}/pages/{n}.html" for n in range(args.pages)]
            asyncio.run(fetch_all(urls[:50], settings))  # imports and first connections
            cpu: dict[str, list[float]] = {name: [] for name in backends}
            for _ in range(args.rounds):
                for name, backend in backends.items():
                    entente.ingest.fetch.AsyncioBackend = backend or httpcore.AnyIOBackend  # type: ignore[misc]
                    started = time.process_time()
                    size = asyncio.run(fetch_all(urls, settings))
                    cpu[name].append((time.process_time() - started) / args.pages * 1000)
        finally:
            entente.ingest.fetch.AsyncioBackend = backends["asyncio (entente.ingest.netio)"]  # type: ignore[misc]
            server.kill()
            server.wait()
    print(f"{args.pages} pages of {size / args.pages / 1024:.0f} KB, {args.rounds} rounds")
    for name, values in cpu.items():
        shown = " ".join(f"{v:.3f}" for v in values)
        print(f"  {name:24s} CPU ms a page: median {statistics.median(values):.3f} ({shown})")
    ours, theirs = (statistics.median(v) for v in cpu.values())
    print(f"asyncio / anyio CPU: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
