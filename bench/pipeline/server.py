"""A small static file server for the pipeline benchmark: HTTP/1.1 keep-alive, files read once.

Python's http.server spends about a millisecond of CPU per request, which on two cores
would be taken from the pipeline it serves. This one answers from memory with a few
microseconds of work per request, so the benchmark measures Entente, not its test site.

    python -m bench.pipeline.server DIR PORT
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/rss+xml", ".txt": "text/plain"}


def load_site(root: Path) -> dict[str, tuple[bytes, str]]:
    site: dict[str, tuple[bytes, str]] = {}
    for path in root.rglob("*"):
        if path.is_file():
            kind = TYPES.get(path.suffix, "application/octet-stream")
            site["/" + path.relative_to(root).as_posix()] = (path.read_bytes(), kind)
    return site


def response(status: str, body: bytes, kind: str) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


async def serve(root: Path, port: int) -> None:
    site = load_site(root)
    missing = response("404 Not Found", b"not found", "text/plain")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1").split("?", 1)[0]
                page = site.get(target)
                writer.write(missing if page is None else response("200 OK", *page))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), int(sys.argv[2])))
