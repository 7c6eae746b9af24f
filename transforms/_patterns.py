"""Many word-bounded patterns matched fast, by trying each only where its first letters occur.

A long alternation costs Python's regex engine a test per alternative at every word. Instead each
pattern's possible first three letters are worked out from its parsed form, and a text is indexed
once by the first three letters of its words (fewer for shorter words); a pattern is then tried
only at the words that can start it. Patterns whose start cannot be worked out run as one ordinary
alternation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

try:  # the parser behind `re`; private, so anything unexpected falls back to plain matching
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _sre_parse = None

_KEY = 4
_MAX_PREFIXES = 2000
# What \w, \d and \s can be, for listing prefixes, in lower-cased text. \w lists ASCII word
# characters, and with them the lower-case word characters of every 256-character Unicode block
# the pattern's own letters come from (see _word_characters): a stem in Arabic or Cyrillic is
# followed by letters of its script, so "رفض\w*" must be tried at "رفضت".
_ASCII_WORD = "abcdefghijklmnopqrstuvwxyz0123456789_"
_CATEGORIES = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_SPACE": " ",
}
_WORD_KEY = re.compile(rf"\b\w{{1,{_KEY}}}")
_LEADING_WORD = re.compile(r"\w*")
_WORD_CHARACTER = re.compile(r"\w")


def lower_text(text: str) -> str:
    """`text` lower-cased without changing its length, so offsets stay valid."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern: 'a|b(?:c|d)' -> ['a', 'b(?:c|d)']."""
    parts: list[str] = []
    depth = 0
    in_class = False
    current: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def lower_pattern(pattern: str) -> str:
    """Lower-case the literal letters of a pattern, leaving escapes (\\W, \\S) alone."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out)


class _Unknown(Exception):
    """The start of a pattern cannot be listed."""


def _word_characters(pattern: str) -> str:
    """What \\w can be in a lower-cased text that `pattern`'s matches start in."""
    blocks = sorted({ord(ch) >> 8 for ch in pattern if ord(ch) > 127 and ch.isalpha()})
    return _ASCII_WORD + "".join(_block_word_characters(block) for block in blocks)


@cache
def _block_word_characters(block: int) -> str:
    """The lower-case word characters of one 256-character Unicode block, ASCII left out
    (a few blocks, asked for by thousands of patterns as a taxonomy is built)."""
    return "".join(
        chr(code)
        for code in range(max(block << 8, 128), (block + 1) << 8)
        if _WORD_CHARACTER.match(chr(code)) and chr(code).lower() == chr(code)
    )


def _prefixes(items: list[object], n: int, word: str, depth: int = 0) -> set[str]:
    """Every string of length n (or shorter where a match can end) that a match can start with;
    `word` is what \\w can be."""
    if n == 0 or not items:
        return {""}
    if depth > 30:
        raise _Unknown
    op: Any
    av: Any
    op, av = items[0]  # type: ignore[misc]
    rest = items[1:]
    name = str(op)
    result: set[str]
    if name == "LITERAL":
        result = {chr(av) + tail for tail in _prefixes(rest, n - 1, word, depth + 1)}
    elif name == "IN":
        chars: set[str] = set()
        for item_op, item_av in av:
            if str(item_op) == "LITERAL":
                chars.add(chr(item_av))
            elif str(item_op) == "RANGE" and item_av[1] - item_av[0] < 40:
                chars.update(chr(c) for c in range(item_av[0], item_av[1] + 1))
            elif str(item_op) == "CATEGORY" and str(item_av) == "CATEGORY_WORD":
                chars.update(word)
            elif str(item_op) == "CATEGORY" and str(item_av) in _CATEGORIES:
                chars.update(_CATEGORIES[str(item_av)])
            else:
                raise _Unknown
        tails = _prefixes(rest, n - 1, word, depth + 1)
        # Each character and tail make a distinct prefix, so the count is known before the
        # set is built: "\\w\\w\\w\\w" would build 1.9 million strings only to be refused.
        if len(chars) * len(tails) > _MAX_PREFIXES:
            raise _Unknown
        result = {ch + tail for ch in chars for tail in tails}
    elif name == "BRANCH":
        result = set()
        for branch in av[1]:
            result |= _prefixes(list(branch) + rest, n, word, depth + 1)
            if len(result) > _MAX_PREFIXES:
                raise _Unknown
    elif name == "SUBPATTERN":
        if av[1] or av[2]:  # flags inside: leave it to plain matching
            raise _Unknown
        result = _prefixes(list(av[3]) + rest, n, word, depth + 1)
    elif name in ("MAX_REPEAT", "MIN_REPEAT"):
        low, high, sub = av
        if high == 0:
            return _prefixes(rest, n, word, depth + 1)
        less = high if str(high) == "MAXREPEAT" else high - 1
        again = [(op, (max(low - 1, 0), less, sub))]
        result = _prefixes(list(sub) + again + rest, n, word, depth + 1)
        if low == 0:
            result |= _prefixes(rest, n, word, depth + 1)
    else:
        raise _Unknown
    if len(result) > _MAX_PREFIXES:
        raise _Unknown
    return result


def _key(prefix: str) -> str:
    """The word characters a prefix starts with: "oil" -> "oil", "un security" -> "un"."""
    match = _LEADING_WORD.match(prefix)
    return match.group() if match else ""


def pattern_keys(pattern: str) -> set[str] | None:
    """The keys (first word characters, up to three) a lower-case pattern's matches start with.

    None when they cannot be listed: such a pattern is matched the ordinary way.
    """
    if _sre_parse is None:
        return None
    try:
        prefixes = _prefixes(list(_sre_parse.parse(pattern).data), _KEY, _word_characters(pattern))
    except (_Unknown, re.error, TypeError, ValueError, IndexError, AttributeError):
        return None
    keys = {_key(prefix) for prefix in prefixes}
    if not keys or "" in keys:
        return None
    return keys


@dataclass(frozen=True, slots=True, eq=False)
class WordIndex:
    """Where the words of one lower-cased text start, by their first (up to three) characters."""

    by_key: dict[str, list[int]]

    @classmethod
    def of(cls, lowered: str, finder: re.Pattern[str] | None = None) -> WordIndex:
        """Index the words of `lowered`; with a `finder` (see key_finder), only those it finds."""
        by_key: defaultdict[str, list[int]] = defaultdict(list)
        for match in (finder or _WORD_KEY).finditer(lowered):
            by_key[match[0]].append(match.start())
        return cls(by_key)


def key_finder(keys: set[str] | frozenset[str]) -> re.Pattern[str]:
    """A regex that finds exactly the word keys in `keys`, as _WORD_KEY would cut them.

    Shaped as a trie, so that the words no pattern can start with cost no Python-level work.
    """
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, dict], depth: int) -> str:  # type: ignore[type-arg]
        branches = [
            re.escape(ch) + render(child, depth + 1) for ch, child in sorted(node.items()) if ch
        ]
        if "" in node and depth < _KEY:
            # A key shorter than _KEY letters is a whole word: no word character may follow.
            branches.append(r"(?!\w)")
        if not branches:
            return ""
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return re.compile(r"\b" + render(trie, 0))


def _word(pattern: str) -> str:
    return rf"(?<!\w)(?:{pattern})(?!\w)"


@dataclass(frozen=True, slots=True, eq=False)
class _Bucket:
    """The alternatives that can start with one key; group n came from pattern indexes[n - 1]."""

    regex: re.Pattern[str]
    indexes: tuple[int, ...]


def _bucket(alternatives: list[tuple[str, int]], flags: int = 0) -> _Bucket:
    body = "|".join(f"({alternative})" for alternative, _ in alternatives)
    return _Bucket(re.compile(f"(?:{body})(?!\\w)", flags), tuple(i for _, i in alternatives))


@dataclass(frozen=True, slots=True, eq=False)
class Matcher:
    """Word-bounded patterns; a match reports the first listed pattern that fits it.

    Compared and hashed by identity (eq=False), so a Taxonomy that holds matchers stays hashable.
    """

    buckets: dict[str, _Bucket]  # run on the lower-cased text
    cased_buckets: dict[str, _Bucket]  # run on the text itself
    fallback: re.Pattern[str] | None  # patterns whose start is unknown, lower-cased text
    cased_fallback: re.Pattern[str] | None  # the same, on the text itself
    # (alternative, index of the pattern it came from, whether it runs on the original text)
    alternatives: tuple[tuple[re.Pattern[str], int, bool], ...]
    keys: frozenset[str] = field(default_factory=frozenset)
    cased_keys: frozenset[str] = field(default_factory=frozenset)

    def spans(self, text: str, lowered: str, index: WordIndex) -> list[tuple[int, int, int]]:
        """(start, end, pattern index) of all matches, sorted and not overlapping."""
        found: list[tuple[int, int, int]] = []
        for buckets, keys, source in (
            (self.buckets, self.keys, lowered),
            (self.cased_buckets, self.cased_keys, text),
        ):
            for key in keys.intersection(index.by_key):
                _match_at(buckets[key], source, index.by_key[key], found)
        return self.finish(found, text, lowered)

    def finish(
        self, found: list[tuple[int, int, int]], text: str, lowered: str
    ) -> list[tuple[int, int, int]]:
        """Add the fallback matches to those found through the index; sort; drop overlaps."""
        for fallback, source in ((self.fallback, lowered), (self.cased_fallback, text)):
            if fallback:
                for match in fallback.finditer(source):
                    start, end = match.span()
                    found.append((start, end, self._which(text, lowered, start, end)))
        if len(found) < 2:
            return found
        # the pattern index breaks ties, so that which of two patterns matching the same words
        # wins does not depend on the order sets were walked in (that changes per process)
        found.sort(key=lambda span: (span[0], -span[1], span[2]))
        kept: list[tuple[int, int, int]] = []
        for span in found:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        return kept

    def _which(self, text: str, lowered: str, start: int, end: int) -> int:
        """The index of the first listed pattern that matches text[start:end] whole."""
        for alternative, index, cased in self.alternatives:
            if alternative.fullmatch(text if cased else lowered, start, end):
                return index
        return self.alternatives[0][1]


def _match_at(
    bucket: _Bucket, source: str, positions: list[int], found: list[tuple[int, int, int]]
) -> None:
    for position in positions:
        match = bucket.regex.match(source, position)
        if match:
            found.append((position, match.end(), bucket.indexes[(match.lastindex or 1) - 1]))


@dataclass(frozen=True, slots=True, eq=False)
class MatcherSet:
    """Several matchers run together: one pass over the words of a text serves them all."""

    matchers: tuple[Matcher, ...]
    # key -> (matcher number, bucket), for the lower-cased and the original text
    by_key: dict[str, tuple[tuple[int, _Bucket], ...]]
    cased_by_key: dict[str, tuple[tuple[int, _Bucket], ...]]
    finder: re.Pattern[str] | None = None  # finds the words some bucket can start at

    @classmethod
    def of(cls, matchers: list[Matcher]) -> MatcherSet:
        by_key: dict[str, list[tuple[int, _Bucket]]] = {}
        cased_by_key: dict[str, list[tuple[int, _Bucket]]] = {}
        for number, matcher in enumerate(matchers):
            for key, bucket in matcher.buckets.items():
                by_key.setdefault(key, []).append((number, bucket))
            for key, bucket in matcher.cased_buckets.items():
                cased_by_key.setdefault(key, []).append((number, bucket))
        return cls(
            tuple(matchers),
            {key: tuple(value) for key, value in by_key.items()},
            {key: tuple(value) for key, value in cased_by_key.items()},
            key_finder(by_key.keys() | cased_by_key.keys()) if by_key or cased_by_key else None,
        )

    def spans(self, text: str, lowered: str, index: WordIndex) -> list[list[tuple[int, int, int]]]:
        """For each matcher, what its `spans` would return."""
        found: list[list[tuple[int, int, int]]] = [[] for _ in self.matchers]
        for table, source in ((self.by_key, lowered), (self.cased_by_key, text)):
            for key in table.keys() & index.by_key.keys():
                positions = index.by_key[key]
                for number, bucket in table[key]:
                    _match_at(bucket, source, positions, found[number])
        return [
            matcher.finish(spans, text, lowered)
            for matcher, spans in zip(self.matchers, found, strict=True)
        ]


@dataclass(frozen=True, slots=True, eq=False)
class UnboundedMatcherSet:
    """Matchers for a language written without spaces (Chinese): a pattern matches anywhere in
    the lower-cased text, not only on word boundaries, which such a text does not have."""

    regexes: tuple[re.Pattern[str] | None, ...]  # one per matcher: its patterns, one group each
    finder: re.Pattern[str] | None = None  # no word index to narrow the search

    @classmethod
    def of(cls, pattern_lists: list[list[str]]) -> UnboundedMatcherSet:
        return cls(
            tuple(
                re.compile("|".join(f"({lower_pattern(p)})" for p in patterns))
                if patterns
                else None
                for patterns in pattern_lists
            )
        )

    def spans(self, text: str, lowered: str, index: WordIndex) -> list[list[tuple[int, int, int]]]:
        """For each matcher, (start, end, pattern index) of its matches, in order."""
        return [
            [(m.start(), m.end(), (m.lastindex or 1) - 1) for m in regex.finditer(lowered)]
            if regex
            else []
            for regex in self.regexes
        ]


def build_matcher(patterns: list[str]) -> Matcher:
    """A matcher for patterns in precedence order (case-insensitive but for (?-i:...) parts)."""
    keyed: dict[str, list[tuple[str, int]]] = {}
    cased_keyed: dict[str, list[tuple[str, int]]] = {}
    fallback: list[str] = []
    cased_fallback: list[str] = []
    alternatives: list[tuple[re.Pattern[str], int, bool]] = []
    for index, pattern in enumerate(patterns):
        for alternative in split_alternatives(pattern):
            if "(?-i" in alternative:
                # Found through the lower-cased index, then matched on the text itself.
                keys = pattern_keys(lower_pattern(alternative.replace("(?-i:", "(?:")))
                for key in keys or ():
                    cased_keyed.setdefault(key, []).append((alternative, index))
                if keys is None:
                    cased_fallback.append(alternative)
                alternatives.append((re.compile(alternative, re.IGNORECASE), index, True))
                continue
            low = lower_pattern(alternative)
            alternatives.append((re.compile(low), index, False))
            keys = pattern_keys(low)
            if keys is None:
                fallback.append(low)
                continue
            for key in keys:
                keyed.setdefault(key, []).append((low, index))
    buckets = {key: _bucket(alts) for key, alts in keyed.items()}
    cased_buckets = {key: _bucket(alts, re.IGNORECASE) for key, alts in cased_keyed.items()}
    return Matcher(
        buckets,
        cased_buckets,
        re.compile(_word("|".join(fallback))) if fallback else None,
        re.compile(_word("|".join(cased_fallback)), re.IGNORECASE) if cased_fallback else None,
        tuple(alternatives),
        frozenset(buckets),
        frozenset(cased_buckets),
    )
