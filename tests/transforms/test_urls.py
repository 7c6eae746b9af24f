from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from transforms.urls import article_id, canonical_url


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
