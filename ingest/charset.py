"""Decoding page bytes whose declared charset may be wrong.

Headers lie more often than bytes: a server labels everything ISO-8859-1, a CMS writes
`<meta charset="utf-8">` over Windows-1252 text. So the bytes are asked first:

1. a byte-order mark;
2. valid UTF-8 with non-ASCII text in it (legacy 8-bit text almost never is valid UTF-8);
3. the page's own `<meta charset>`, then the Content-Type header, each only if the bytes
   decode cleanly with it (Latin-1 labels read as Windows-1252, as browsers do);
4. statistical detection (charset_normalizer), ties going to the commonest web encoding;
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


# Legacy encodings a web page may use (WHATWG), commonest first; others are never guessed.
WEB_ENCODINGS = (
    "cp1252",
    "cp1251",
    "cp1250",
    "gb18030",
    "gbk",
    "shift_jis",
    "euc_kr",
    "big5",
    "euc_jp",
    "iso8859_2",
    "cp1256",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1257",
    "cp1258",
    "cp874",
    "koi8_r",
    "koi8_u",
    "iso8859_5",
    "iso8859_7",
    "iso8859_8",
    "iso8859_9",
    "iso8859_15",
    "iso8859_4",
    "iso8859_13",
    "iso8859_16",
    "iso8859_3",
    "iso8859_6",
    "iso8859_10",
    "iso8859_14",
    "cp866",
    "iso2022_jp",
    "utf_16",
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
    guess = _guess(body)
    return guess if guess is not None else "cp1252"


def _guess(body: bytes) -> str | None:
    """charset_normalizer's pick among encodings the web uses, exact ties to the commonest.

    On short Latin text several code pages score the same; it would name any of them
    (Windows-1250 for French), where a browser's prior is Windows-1252.
    """
    best: tuple[float, float] | None = None
    tied: list[str] = []
    for match in from_bytes(body[:65536]):
        encoding = str(match.encoding)
        if encoding not in WEB_ENCODINGS or _strict(body, encoding) is None:
            continue
        score = (round(match.chaos, 3), round(match.coherence, 3))
        if best is None:
            best = score
        if score == best:
            tied.append(encoding)
    return min(tied, key=WEB_ENCODINGS.index) if tied else None


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode a page to text, never raising, trusting the bytes over a header that lies."""
    return body.decode(detect_encoding(body, declared), errors="replace")
