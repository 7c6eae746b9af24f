"""Which pages of the shared evaluation sets are tuned on and which are set aside.

Extraction rules learned from a page tend to fit its site's templates, so pages are split
by where they come from, never one by one: the extraction benchmark by site (the URL's
registered domain, so www. and edition. of one site stay together), fundus-dev by
publisher. A group is set aside when the SHA-256 of its name, salted, is 0 modulo 3: about
a third of the groups, the same on every machine and for every run, and independent of
anything a page contains.

Rule: the errors and diffs of set-aside pages are never read while tuning. Their aggregate
scores decide whether a change is kept, after it is made; `bench.extraction.run` prints
per-page detail for tuned-on pages only.

Decided on 7 Dec 2026, before any tuning for issue 19: benchmark 126 sites, 38 set aside
(54 of 181 pages); fundus-dev 88 publishers, 30 set aside (41 of 129 pages).
"""

from __future__ import annotations

import hashlib
from typing import Literal
from urllib.parse import urlsplit

from tld import get_fld

Split = Literal["tuned", "held"]
SPLITS: tuple[Split, ...] = ("tuned", "held")
_SALT = "entente-split:"


def site_of(url: str) -> str:
    """The site a page belongs to: its registered domain, else its host name."""
    host = (urlsplit(url).hostname or "").lower()
    found = get_fld(host, fix_protocol=True, fail_silently=True) if host else None
    return str(found) if found else host


def split_of(group: str) -> Split:
    """ "held" for about a third of all group names (sites, publishers), "tuned" for the rest."""
    digest = hashlib.sha256((_SALT + group).encode("utf-8")).digest()
    return "held" if int.from_bytes(digest, "big") % 3 == 0 else "tuned"
