"""The bundled demo corpus is well formed and its manifest tells the truth about it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import feedparser
import pytest
import trafilatura
from bs4 import BeautifulSoup

from tests.contract import AREAS

CORPUS = Path(__file__).resolve().parent.parent / "flows" / "demo_corpus"
BASE = "http://127.0.0.1:8123"
BOILERPLATE = ("cookie", "Subscribe", "newsletter", "Sign me up", "Accept all", "in your inbox")

MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
SITES = sorted(p.name for p in CORPUS.iterdir() if (p / "feed.xml").exists())


def served(site: str, text: str) -> str:
    """What the demo server sends: the placeholder replaced by the site's root."""
    return text.replace("{{BASE}}", f"{BASE}/{site}")


def local_path(url: str) -> Path:
    assert url.startswith(BASE + "/"), url
    return CORPUS / url[len(BASE) + 1 :]


def article_paragraphs(path: Path) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    body = soup.select_one(".entry-content, .story-body, .article-text, .post-content")
    assert body is not None, path
    return [p.get_text() for p in body.find_all("p")]


def test_corpus_has_enough_sites_and_articles() -> None:
    assert len(SITES) >= 3
    assert len(MANIFEST) >= 28
    assert {m["site"] for m in MANIFEST} == set(SITES)


@pytest.mark.parametrize("site", SITES)
def test_feed_parses_and_every_link_exists(site: str) -> None:
    parsed = feedparser.parse(served(site, (CORPUS / site / "feed.xml").read_text("utf-8")))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries
    listed = {str(local_path(entry.link).relative_to(CORPUS)) for entry in parsed.entries}
    for entry in parsed.entries:
        assert entry.title and entry.get("summary") and entry.get("id")
        assert entry.get("published_parsed") or entry.get("updated_parsed")
        assert local_path(entry.link).is_file(), entry.link
    assert listed == {m["path"] for m in MANIFEST if m["site"] == site}


@pytest.mark.parametrize("site", SITES)
def test_sitemap_lists_every_article_with_lastmod(site: str) -> None:
    xml = served(site, (CORPUS / site / "sitemap.xml").read_text("utf-8"))
    locs = re.findall(r"<loc>(.*?)</loc>", xml)
    assert len(re.findall(r"<lastmod>\d{4}-\d\d-\d\dT[^<]+</lastmod>", xml)) == len(locs)
    assert {str(local_path(u).relative_to(CORPUS)) for u in locs} == {
        m["path"] for m in MANIFEST if m["site"] == site
    }


def test_at_least_one_feed_is_atom_and_one_is_rss() -> None:
    heads = [(CORPUS / s / "feed.xml").read_text("utf-8")[:300] for s in SITES]
    assert any('<feed xmlns="http://www.w3.org/2005/Atom"' in h for h in heads)
    assert any('<rss version="2.0"' in h for h in heads)


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda m: m["path"])
def test_page_metadata_is_complete(entry: dict[str, object]) -> None:
    path = CORPUS / str(entry["path"])
    html = served(str(entry["site"]), path.read_text(encoding="utf-8"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html is not None and soup.html.get("lang")
    assert soup.title is not None and soup.title.string
    for selector in (
        'meta[name="description"]',
        'meta[property="og:title"]',
        'meta[property="og:url"]',
        'link[rel="canonical"]',
    ):
        assert soup.select_one(selector) is not None, selector
    blocks = soup.find_all("script", type="application/ld+json")
    assert blocks
    data = json.loads(blocks[0].string)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] and data["author"] and data["publisher"]
    assert re.search(r"(Z|[+-]\d\d:\d\d)$", data["datePublished"])
    assert data["datePublished"] == entry["published"]
    for tag in soup.find_all(["a", "link", "img"]):
        url = tag.get("href") or tag.get("src") or ""
        if url.startswith(BASE):
            assert local_path(url.split("#")[0]).is_file(), url
    assert 4 <= len(article_paragraphs(path)) <= 9


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda m: m["path"])
def test_trafilatura_extracts_the_article_without_boilerplate(entry: dict[str, object]) -> None:
    path = CORPUS / str(entry["path"])
    text = trafilatura.extract(path.read_text(encoding="utf-8"), favor_precision=False)
    assert text is not None
    for paragraph in article_paragraphs(path):
        assert paragraph in text, paragraph[:60]
    for phrase in BOILERPLATE:
        assert phrase not in text, phrase


def test_manifest_labels_cover_every_area_twice() -> None:
    counts = Counter(a for m in MANIFEST if m["syndicated_of"] is None for a in m["areas"])
    assert set(counts) == AREAS
    assert min(counts.values()) >= 2, counts


def test_manifest_labels_are_well_formed() -> None:
    paths = {m["path"] for m in MANIFEST}
    for m in MANIFEST:
        assert set(m["areas"]) <= AREAS
        assert all(re.fullmatch(r"[A-Z]{3}", c) for c in m["parties"] + m["mentioned"])
        assert not set(m["parties"]) & set(m["mentioned"])
        for ref in (m["syndicated_of"], m["independent_of"]):
            assert ref is None or ref in paths
        assert "2026-06-01" <= m["published"][:10] <= "2026-11-20"


def test_syndicated_copies_match_their_originals() -> None:
    copies = [m for m in MANIFEST if m["syndicated_of"]]
    assert len(copies) >= 2
    kinds = set()
    for m in copies:
        copy = article_paragraphs(CORPUS / m["path"])
        original = article_paragraphs(CORPUS / m["syndicated_of"])
        assert m["site"] != m["syndicated_of"].split("/")[0]
        if copy == original:
            kinds.add("verbatim")
        else:
            assert len(copy) == len(original) - 1
            assert copy[0].endswith(original[0]) and copy[0] != original[0]
            assert set(copy[1:]) < set(original[1:])
            kinds.add("wire")
    assert kinds == {"verbatim", "wire"}


def test_independent_report_shares_facts_not_wording() -> None:
    pairs = [m for m in MANIFEST if m["independent_of"]]
    assert pairs
    for m in pairs:
        ours = set(article_paragraphs(CORPUS / m["path"]))
        theirs = set(article_paragraphs(CORPUS / m["independent_of"]))
        assert not ours & theirs
        assert m["syndicated_of"] is None


def test_several_countries_discussed_energy_with_pakistan() -> None:
    partners = {
        c
        for m in MANIFEST
        if "energy" in m["areas"] and "PAK" in m["parties"]
        for c in m["parties"]
        if c != "PAK"
    }
    assert len(partners) >= 2, partners
