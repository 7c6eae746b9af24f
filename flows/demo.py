"""`entente demo`: the bundled corpus served on loopback, ingested into a demo database."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

PLACEHOLDER = b"{{BASE}}"


def corpus_root() -> Path:
    return Path(str(resources.files("entente.flows").joinpath("demo_corpus")))


def demo_sites(root: Path | None = None) -> list[str]:
    root = root or corpus_root()
    return sorted(p.name for p in root.iterdir() if (p / "feed.xml").is_file())


def feed_entries(site: str, root: Path | None = None) -> int:
    """How many entries a demo site's feed holds (RSS items or Atom entries)."""
    feed = ((root or corpus_root()) / site / "feed.xml").read_text("utf-8")
    return feed.count("<item>") + feed.count("<entry>")


class _CorpusHandler(SimpleHTTPRequestHandler):
    """Serves the corpus with `{{BASE}}` replaced by the site's address on this server."""

    def __init__(self, *args: object, root: str, origin: str, **kwargs: object) -> None:
        self.origin = origin
        super().__init__(*args, directory=root, **kwargs)  # type: ignore[arg-type]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        site = self.path.lstrip("/").split("/", 1)[0]
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes().replace(PLACEHOLDER, f"{self.origin}/{site}".encode())
        content_type = (
            "application/rss+xml" if path.suffix == ".xml" else "text/html; charset=utf-8"
        )
        if path.name == "sitemap.xml":
            content_type = "application/xml"
        elif path.suffix == ".json":
            content_type = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve_corpus(root: Path | None = None) -> Iterator[str]:
    """Serve a corpus folder on a free loopback port; yield its origin URL."""
    root = root or corpus_root()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = partial(_CorpusHandler, root=str(root), origin=origin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


def demo_sources_toml(origin: str, sites: list[str]) -> str:
    """A sources file for the demo: its loopback feeds, with private addresses allowed."""
    # The corpus is local: no need to space requests as for a real newsroom.
    lines = ["[fetch]", "allow_private_networks = true", "min_host_delay = 0", ""]
    for site in sites:
        lines += [
            "[[sources]]",
            f'name = "demo-{site}"',
            f'url = "{origin}/{site}/feed.xml"',
            'kind = "feed"',
            f'sitemap = "{origin}/{site}/sitemap.xml"',
            "",
        ]
    return "\n".join(lines)


def run_demo(db: Path) -> Any:
    """Serve the bundled corpus on loopback, run the ingest flow over it into `db`; its state."""
    from entente.flows.ingest import ingest_flow

    with serve_corpus() as origin, tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "demo-sources.toml"
        sources.write_text(demo_sources_toml(origin, demo_sites()), "utf-8")
        print(f"demo: serving the bundled corpus at {origin}, loading into {db}")
        return ingest_flow(db=str(db), sources=str(sources), return_state=True)
