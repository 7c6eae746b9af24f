"""Decoding page bytes whose declared charset may be wrong.

Headers lie more often than bytes: a server labels everything ISO-8859-1, a CMS writes
`<meta charset="utf-8">` over Windows-1252 text. So the bytes are asked first:

1. a byte-order mark;
2. valid UTF-8 with non-ASCII text in it (legacy 8-bit text almost never is valid UTF-8);
3. the page's own `<meta charset>`, then the Content-Type header, each only if the bytes
   decode cleanly with it (Latin-1 labels read as Windows-1252, as browsers do, and a
   header's Latin-1 gives way to an East Asian encoding the detector finds);
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
# Named by the Python codec that decodes them as browsers do: a page labelled Shift_JIS is
# decoded as Windows-31J (cp932), EUC-KR as Windows-949, GBK and GB2312 as GB18030.
WEB_ENCODINGS = (
    "cp1252",
    "cp1251",
    "cp1250",
    "gb18030",
    "cp932",
    "cp949",
    "big5hkscs",
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


# Codecs (as Python names them, labels' and the detector's) read with the superset a
# browser uses; EUC-JP's JIS X 0213 extension is tried when plain EUC-JP fails.
SUPERSETS = {
    "shift_jis": "cp932",
    "shift_jis_2004": "cp932",
    "shift_jisx0213": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "euc_jis_2004": "euc_jp",
    "euc_jisx0213": "euc_jp",
    "tis_620": "cp874",
    "iso8859_11": "cp874",
}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in LATIN1_LABELS:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return SUPERSETS.get(name, name)


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
    for label, own in ((meta_charset(body), True), (declared, False)):
        codec = _codec(label)
        if codec and codec not in {"utf-8", "utf_8"}:
            if not own and codec == "cp1252" and _paired_high_bytes(body):
                # the usual server default, said of pages in any encoding: Windows-1252
                # decodes nearly any bytes, so an East Asian reading of them wins
                guess = _guess(body)
                if guess is not None and guess in _MULTIBYTE:
                    return guess
            for candidate in _with_extension(codec):
                if _strict(body, candidate) is not None:
                    return candidate
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
        named = str(match.encoding)
        web = SUPERSETS.get(named, named)
        if web not in WEB_ENCODINGS:
            continue
        encoding = next((c for c in _with_extension(web) if _strict(body, c) is not None), None)
        if encoding is None:
            continue
        score = (round(match.chaos, 3), round(match.coherence, 3))
        if best is None:
            best = score
        if score == best:
            tied.append(encoding)
    return min(tied, key=_rank) if tied else None


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _paired_high_bytes(body: bytes) -> bool:
    """Whether most non-ASCII bytes come in runs, as East Asian text does; accented Latin
    letters stand alone between ASCII ones."""
    runs = [len(run) for run in _HIGH_RUN.findall(body[:65536])]
    return sum(runs) > 0 and sum(n for n in runs if n >= 2) >= 0.6 * sum(runs)


_MULTIBYTE = frozenset(
    {"gb18030", "cp932", "cp949", "big5hkscs", "euc_jp", "euc_jis_2004", "iso2022_jp"}
)


def _rank(encoding: str) -> int:
    return WEB_ENCODINGS.index(SUPERSETS.get(encoding, encoding))


def _with_extension(codec: str) -> tuple[str, ...]:
    """The codec, then the extension a page in it may use (EUC-JP's JIS X 0213)."""
    return (codec, "euc_jis_2004") if codec == "euc_jp" else (codec,)


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode a page to text, never raising, trusting the bytes over a header that lies."""
    if not body.startswith(tuple(bom for bom, _ in BOMS)):
        text = _strict(body, "utf-8")  # most pages: decoded once, not checked then decoded
        if text is not None:
            return text
    return body.decode(detect_encoding(body, declared), errors="replace")
