"""Text normalisation and content hashes for exact-duplicate detection."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Typographic quotes and dashes, and the ASCII each stands for. Replaced one by one: a text
# holds few of them, and str.translate with a table looks up every character of a non-ASCII
# text, which is far slower.
_QUOTES = (
    ("\u2018", "'"),  # left single quotation mark
    ("\u2019", "'"),  # right single quotation mark
    ("\u201a", "'"),  # single low-9 quotation mark
    ("\u201b", "'"),  # single high-reversed-9 quotation mark
    ("\u201c", '"'),  # left double quotation mark
    ("\u201d", '"'),  # right double quotation mark
    ("\u201e", '"'),  # double low-9 quotation mark
    ("\u00ab", '"'),  # left-pointing double angle quotation mark
    ("\u00bb", '"'),  # right-pointing double angle quotation mark
    ("\u2013", "-"),  # en dash
    ("\u2014", "-"),  # em dash
    ("\u2010", "-"),  # hyphen
    ("\u2212", "-"),  # minus sign
)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
# Control characters (Unicode category Cc: C0, DEL, C1) but tab and newline. A feed title
# with `&#x1b;[5m` would otherwise make every terminal that prints it blink.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Drop control characters, keeping tabs and line breaks (CR LF and CR become LF)."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def escape_controls(text: str) -> str:
    """Show control characters but tab and newline as `\\x1b`, for printing stored text."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def normalise_text(text: str) -> str:
    """Fold case, Unicode forms, quotes, dashes and whitespace: what a copy keeps of an original."""
    text = unicodedata.normalize("NFKC", text)
    for typographic, plain in _QUOTES:
        if typographic in text:
            text = text.replace(typographic, plain)
    return _SPACE.sub(" ", text.casefold()).strip()


def content_hash(text: str) -> str:
    """Hash of the normalised text: equal for copies that differ only in layout and quotes."""
    return normalised_hash(normalise_text(text))


def normalised_hash(normalised: str) -> str:
    """`content_hash` of a text already through `normalise_text` (it is not cheap to redo)."""
    return hashlib.sha256(normalised.encode()).hexdigest()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
