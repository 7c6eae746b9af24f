"""Canonical URLs: one spelling for every way a link to the same article is written."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def canonical_url(url: str) -> str:
    """Normalise scheme, host, port, path, query and fragment; idempotent."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if host.startswith("m.") and host.count(".") >= 2:
        host = host[2:]
    netloc = host
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    path = parts.path or "/"
    for suffix in ("/amp", "/amp/"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)] or "/"
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k)
        and not (k.lower() in {"amp", "outputtype"} and v.lower() in {"", "1", "amp"})
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def article_id(url: str) -> str:
    """A stable id for an article: a short hash of its canonical URL."""
    return hashlib.sha256(canonical_url(url).encode()).hexdigest()[:20]
