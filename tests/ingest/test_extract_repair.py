"""extract._repaired makes trafilatura's structural repairs; forbidden characters cost nothing."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.utils import repair_faulty_html

from entente.ingest.extract import _XML_FORBIDDEN, _repaired, extract_article

# One pass in C over a page, not a Python loop over its characters: the benchmark's 181 pages
# hold 31 million of them.
_FORBIDDEN = re.compile("[" + re.escape("".join(_XML_FORBIDDEN)) + "]")


def _same_as_trafilatura(html: str) -> None:
    """Equal on pages without forbidden characters (those are handled after parsing)."""
    html = _FORBIDDEN.sub("", html)
    beginning = html[:50].lower()
    assert _repaired(html, beginning) == repair_faulty_html(html, beginning)


@pytest.mark.parametrize(
    "html",
    [
        "<!DOCTYPE html/>\n<html><body><p>text</p></body></html>",
        "<!doctype html>\n<html><body><p>text</p></body></html>",
        '<html lang="en"/>\n<body><p>text</p></body>',
        "<!DOCTYPE html>\n<head></head>\n<html/>\n<body>x</body>",
        "<html><body>" + "\n" * 10 + "<html/></body></html>",  # past the first lines: kept
        "<html><body><p>tab\tnewline\nreturn\r</p></body></html>",  # allowed controls
        "",
    ],
)
def test_the_same_repairs_as_trafilatura(html: str) -> None:
    _same_as_trafilatura(html)


def test_every_forbidden_character_in_a_page_is_deleted_and_the_text_kept() -> None:
    sentence = "The delegations agreed on a joint statement about the border crossings."
    paragraphs = [f"{sentence} {c}Part {n}." for n, c in enumerate(_XML_FORBIDDEN)]
    html = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    body = extract_article(html + "</article></body></html>", "https://x.example/a").body_text
    assert body.splitlines() == [f"{sentence} Part {n}." for n in range(len(_XML_FORBIDDEN))]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["<!DOCTYPE html/>", "<!doctype html>", "<html", "/>", ">", "\n", "x", "\t", "é"]
        )
        | st.characters(max_codepoint=0x20)
        | st.sampled_from(["\ufffe", "\uffff", "\ufffd"]),
        max_size=40,
    ).map("".join)
)
def test_the_same_on_generated_pages(html: str) -> None:
    _same_as_trafilatura(html)


def test_the_same_on_the_extraction_benchmark(shared: Path) -> None:
    pages = sorted((shared / "eval" / "extraction-benchmark" / "html").glob("*.html.gz"))
    assert len(pages) > 100
    for page in pages:
        _same_as_trafilatura(gzip.decompress(page.read_bytes()).decode("utf-8", "replace"))
