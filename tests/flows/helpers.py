"""Pages, feeds and settings that several flow tests build alike."""

from __future__ import annotations

import html
from pathlib import Path

from entente.ingest.settings import Settings, load_settings
from tests.loopback import Reply, Site, rss


def seed_page(text: str) -> bytes:
    """Wrap the seed article in the kind of page a news site would serve."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0]
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies?</div>
<main><article><h1>{html.escape(title)}</h1>
{paragraphs}
</article></main>
<aside><h3>Related</h3><ul><li><a href="/x">Markets close higher</a></li></ul></aside>
<footer>Copyright 2021 Example News. All rights reserved.</footer></body></html>""".encode()


def sources_file(tmp_path: Path, feeds: dict[str, str]) -> Path:
    lines = [
        "[fetch]",
        "allow_private_networks = true",
        # one loopback host serves every feed: politeness (tested in tests/ingest) and retries'
        # backoff would only wait
        "min_host_delay = 0",
        "backoff_base = 0.05",
        "read_timeout = 5",
        "total_timeout = 10",
        "",
    ]
    for name, url in feeds.items():
        lines += ["[[sources]]", f'name = "{name}"', f'url = "{url}"', ""]
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(lines), "utf-8")
    return path


def serve_seed(site: Site, seed_text: str) -> str:
    page = site.add(
        "/2021/04/pakistan-russia.html",
        Reply(200, seed_page(seed_text), {"Content-Type": "text/html; charset=utf-8"}),
    )
    feed = rss([("Pakistan, Russia discuss Afghan peace", page, "Wed, 07 Apr 2021 10:00:00 GMT")])
    return site.add("/feed.xml", Reply(200, feed, {"Content-Type": "application/rss+xml"}))


def page(title: str, lead: str = "", encoding: str = "utf-8") -> bytes:
    paragraphs = [
        lead or f"{title}: ministers met on Tuesday to discuss energy and trade cooperation.",
        "The two delegations agreed to expand cooperation on pipelines, ports and power grids,"
        " and to meet again before the end of the year to review progress on the projects.",
        "Officials said the talks covered investment, customs procedures and a joint working"
        " group on renewable energy, with a memorandum of understanding expected in spring.",
        "Both sides also discussed regional security and the fight against terrorism, and"
        " pledged to share information through their embassies and foreign ministries.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{body}</article></body></html>"
    ).encode(encoding)


def feed_settings(tmp_path: Path, feed: str, **fetch: object) -> Settings:
    """Settings for one source, `flaky`, at `feed` on a local test site."""
    extra = "".join(f"{k} = {v}\n" for k, v in fetch.items())
    path = tmp_path / "sources.toml"
    path.write_text(
        "[fetch]\nallow_private_networks = true\nretries = 0\nmin_host_delay = 0\n"
        f'{extra}\n[[sources]]\nname = "flaky"\nurl = "{feed}"\n',
        "utf-8",
    )
    return load_settings(str(tmp_path / "h.duckdb"), str(path), environ={})
