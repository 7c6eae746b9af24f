"""Decoding page bytes whose declared charset may be wrong.

Headers lie more often than bytes: a server labels everything ISO-8859-1, a CMS writes
`<meta charset="utf-8">` over Windows-1252 text. So the bytes are asked first:

1. a byte-order mark;
2. valid UTF-8 with non-ASCII text in it (legacy 8-bit text almost never is valid UTF-8);
3. the page's own `<meta charset>`, then the Content-Type header, each only if the bytes
   decode cleanly with it (Latin-1 labels read as Windows-1252, as browsers do);
4. statistical detection (charset_normalizer);
5. Windows-1252 with replacement characters, so decoding never fails.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Labels that browsers treat as Windows-1252, which fills in what ISO-8859-1 leaves undefined.
LATIN1_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"}
)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in LATIN1_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _strict(body: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def meta_charset(body: bytes) -> str | None:
    match = META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def detect_encoding(body: bytes, declared: str | None = None) -> str:
    """The encoding the bytes are most likely in, by the order in the module docstring."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return encoding
    if _strict(body, "utf-8") is not None:
        return "utf-8"
    for label in (meta_charset(body), declared):
        codec = _codec(label)
        if codec and codec not in {"utf-8", "utf_8"} and _strict(body, codec) is not None:
            return codec
    best = from_bytes(body[:65536]).best()
    if best is not None and _strict(body, best.encoding) is not None:
        return str(best.encoding)
    return "cp1252"


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode a page to text, never raising, trusting the bytes over a header that lies."""
    return body.decode(detect_encoding(body, declared), errors="replace")
