from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entente.transforms.urls import article_id, canonical_url, trusted_canonical

HOSTS = ["example.org", "www.News.example", "m.example.co.uk", "127.0.0.1:8080", "amp.x.example"]


def test_canonical_forms() -> None:
    assert canonical_url("HTTPS://WWW.Example.org:443/News/Item/?utm_source=x&b=2&a=1#top") == (
        "https://example.org/News/Item?a=1&b=2"
    )
    assert canonical_url("http://example.org:8080/a/amp/") == "http://example.org:8080/a"
    assert canonical_url("https://m.example.org/a?fbclid=1&gclid=2") == "https://example.org/a"
    assert canonical_url("https://example.org") == "https://example.org/"


segments = st.lists(st.text("abcXYZ019-_", min_size=1, max_size=8), max_size=4)
params = st.lists(
    st.tuples(st.sampled_from(["id", "page", "q"]), st.text("abc123", max_size=5)), max_size=3
)
tracking = st.lists(
    st.tuples(
        st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid"]),
        st.text("abc123", min_size=1, max_size=5),
    ),
    max_size=3,
)


@given(
    st.sampled_from(["http", "https"]),
    st.sampled_from(["example.org", "www.News.example"]),
    segments,
    params,
    tracking,
    st.booleans(),
)
def test_idempotent_and_blind_to_tracking(
    scheme: str,
    host: str,
    path: list[str],
    query: list[tuple[str, str]],
    noise: list[tuple[str, str]],
    slash: bool,
) -> None:
    from urllib.parse import urlencode

    base = f"{scheme}://{host}/" + "/".join(path) + ("/" if slash and path else "")
    plain = base + ("?" + urlencode(query) if query else "")
    noisy = base + "?" + urlencode(query + noise) + "#frag"
    assert canonical_url(canonical_url(plain)) == canonical_url(plain)
    assert canonical_url(noisy) == canonical_url(plain)
    assert article_id(noisy) == article_id(plain)


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("https://amp.example.org/news/talks", "https://example.org/news/talks"),
        ("https://example.org/amp/news/talks", "https://example.org/news/talks"),
        ("https://example.org/news/talks/amp/", "https://example.org/news/talks"),
        ("https://example.org/news/talks.amp.html", "https://example.org/news/talks.html"),
        ("https://example.org/news/talks?outputType=amp", "https://example.org/news/talks"),
        ("https://mobile.example.org/news/talks/", "https://example.org/news/talks"),
        ("https://www.m.example.org/news/talks", "https://example.org/news/talks"),
        ("https://example.org/news/./x/../talks", "https://example.org/news/talks"),
        ("https://example.org/%7Eeditor/a%2fb", "https://example.org/~editor/a%2Fb"),
        ("https://example.org/news/index.html", "https://example.org/news"),
        ("http://[::1]:80/a/", "http://[::1]/a"),
    ],
)
def test_variants_of_one_article_share_a_canonical_url(variant: str, plain: str) -> None:
    assert canonical_url(variant) == plain
    assert article_id(variant) == article_id(plain)


def test_canonical_keeps_what_identifies_an_article() -> None:
    assert canonical_url("https://example.org/item?id=1") != canonical_url(
        "https://example.org/item?id=2"
    )
    assert canonical_url("https://example.org/gallery?gallery=2") == (
        "https://example.org/gallery?gallery=2"
    )
    assert canonical_url("https://news.example.org/a") != canonical_url("https://example.org/a")


pieces = [*"abAB09-_.~%/:;@!$&'()*+,=?#[] ", "%2e", "%7E", "%2F", "amp", "index.html", ".."]
hostile = st.lists(st.sampled_from(pieces), max_size=20).map("".join)


@settings(max_examples=300)
@given(st.sampled_from(["http://", "https://", "HTTPS://"]), st.sampled_from(HOSTS), hostile)
def test_canonicalisation_is_idempotent_on_odd_urls(scheme: str, host: str, rest: str) -> None:
    once = canonical_url(scheme + host + "/" + rest)
    assert canonical_url(once) == once


def test_rel_canonical_is_trusted_only_on_the_same_site_for_an_article() -> None:
    page = "https://www.example.org/news/2026/06/talks?utm_source=rss"
    assert trusted_canonical(page, "/news/2026/06/pakistan-russia-talks/") == (
        "https://example.org/news/2026/06/pakistan-russia-talks"
    )
    assert trusted_canonical(page, "https://amp.example.org/p/123") == "https://example.org/p/123"
    assert trusted_canonical(page, None) is None
    assert trusted_canonical(page, "https://wire.example.com/original-story") is None  # partner
    assert trusted_canonical(page, "https://example.org/") is None  # home page
    assert trusted_canonical(page, "https://example.org/news/") is None  # a section above it
    assert trusted_canonical(page, "https://example.org/tag/energy/") is None  # a listing
    assert trusted_canonical(page, "javascript:void(0)") is None
    local = "http://127.0.0.1:8123/eastern-ledger/2026/06/a.html"
    assert trusted_canonical(local, local) == local
    assert trusted_canonical(local, "http://127.0.0.1:9999/eastern-ledger/2026/06/a.html") is None
