"""Teaser and paywall detection."""

from __future__ import annotations

from typing import Any

from lxml.html import fromstring

from entente.ingest.paywall import is_truncated

TEASER = "Negotiators met for three nights in a windowless room to rescue the treaty."
LONG = " ".join([TEASER] * 40)


def check(body: str, html: str = "<html><body><p>x</p></body></html>", **ld: Any) -> bool:
    return is_truncated(body, html, fromstring(html), ld or None)


def test_not_free_jsonld_with_a_short_body() -> None:
    assert check(TEASER, isAccessibleForFree=False)
    assert check(TEASER, isAccessibleForFree="false")
    assert check(TEASER, hasPart=[{"isAccessibleForFree": "False"}])


def test_not_free_but_full_text_served_is_not_truncated() -> None:
    assert not check(LONG, isAccessibleForFree=False)


def test_declared_word_count_far_above_ours() -> None:
    assert check(LONG, wordCount=2400)
    assert not check(LONG, wordCount=500)


def test_paywall_wording_or_markup_on_the_page() -> None:
    wording = "<html><body><p>Subscribe to continue reading.</p></body></html>"
    markup = '<html><body><div class="article-paywall">Become a member today</div></body></html>'
    assert check(TEASER, wording)
    assert check(TEASER, markup)


def test_paywall_named_page_chrome_alone_is_not_a_wall() -> None:
    chrome = '<html><body><div class="paywall-header-wrap">Subscribe</div></body></html>'
    empty = '<html><body><div class="paywall">x</div></body></html>'
    assert not check(TEASER, chrome)
    assert not check(TEASER, empty)


def test_read_more_ellipsis() -> None:
    assert check("The ministers agreed to resume talks on… Read more")


def test_a_short_free_article_is_not_truncated() -> None:
    assert not check(TEASER)


def test_login_prompt_in_the_page_header_alone_is_not_a_wall() -> None:
    header = "<html><body><header>Already a subscriber? Log in</header></body></html>"
    assert not check(TEASER, header)
    assert check(f"{TEASER}\nAlready a subscriber? Log in.", header)
