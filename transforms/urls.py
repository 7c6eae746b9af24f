"""Canonical URLs: one spelling for every way a link to the same article is written."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from courlan import extract_domain, is_navigation_page

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "referrer",
        "cmpid",
        "ocid",
        "_ga",
        "spm",
        "smid",
        "partner",
        "ito",
        "at_medium",
        "at_campaign",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs", "at_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_MOBILE_HOSTS = ("www.", "m.", "mobile.", "amp.")


def _escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else f"%{match.group(1).upper()}"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, for paths that are already absolute."""
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    joined = "/".join(out)
    return joined if joined.startswith("/") else "/" + joined


def _strip_amp(path: str) -> str:
    if path.startswith("/amp/"):
        path = path[len("/amp") :]
    for suffix in ("/amp", "/amp/"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)] or "/"
    for suffix, keep in ((".amp.html", ".html"), (".amp", "")):
        if path.endswith(suffix) and len(path) > len(suffix) + 1:
            path = path[: -len(suffix)] + keep
    return path


def _normalise_path(path: str) -> str:
    """Escapes, dot segments, AMP forms, index pages and trailing slashes, to a fixed point."""
    while True:
        before = path
        path = quote(path or "/", safe=_PATH_SAFE)  # spaces and non-ASCII, percent-encoded
        path = _remove_dot_segments(_ESCAPE.sub(_escape, path))
        path = _strip_amp(path)
        for index in ("/index.html", "/index.htm", "/index.php"):
            if path.endswith(index):
                path = path[: -len(index) + 1]
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        if path == before:
            return path


def canonical_url(url: str) -> str:
    """One spelling per article: scheme, host, port, path, query and fragment; idempotent.

    Conservative on purpose: two URLs that differ here become two articles (and the copy is
    caught as a duplicate), while two articles merged here would lose one of them.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    while host.count(".") >= 2 and host.startswith(_MOBILE_HOSTS):  # AMP and mobile editions
        host = host.split(".", 1)[1]
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    path = _normalise_path(parts.path)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k)
        and not (k.lower() in {"amp", "outputtype"} and v.lower() in {"", "1", "amp"})
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _site(url: str) -> str:
    """The registered domain (courlan knows public suffixes), or host and port for an IP."""
    domain = extract_domain(url)
    if domain:
        return str(domain).lower()
    parts = urlsplit(url)
    return (parts.netloc or "").lower()


def trusted_canonical(page_url: str, claimed: str | None) -> str | None:
    """The page's rel=canonical, canonicalised, when it can stand for the article's identity.

    Trusted only on the page's own site (a syndication partner pointing at the original would
    otherwise erase the copy's own row and source), and never when it names the home page, a
    section above the article or a listing page, the usual CMS mistakes.
    """
    if not claimed or not claimed.strip():
        return None
    target = urljoin(page_url, claimed.strip())
    parts = urlsplit(target)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    if _site(target) != _site(page_url):
        return None
    canonical = canonical_url(target)
    page = canonical_url(page_url)
    path = urlsplit(canonical).path
    if path == "/" or is_navigation_page(canonical):
        return None
    page_path = urlsplit(page).path
    if page_path != path and page_path.startswith(path.rstrip("/") + "/"):
        return None
    return canonical


def article_id(url: str) -> str:
    """A stable id for an article: a short hash of its canonical URL."""
    return hashlib.sha256(canonical_url(url).encode()).hexdigest()[:20]
