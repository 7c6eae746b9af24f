"""Word shingles, MinHash signatures and LSH band keys for near-duplicate detection.

The signature is one-permutation MinHash (Li, Owen and Zhang 2012) with rotation densification
(Shrivastava and Li 2014): every shingle is hashed once and falls into one of `BINS` bins, each
bin keeps its smallest hash, and an empty bin borrows from its nearest non-empty neighbour. Two
texts agree on a bin with probability close to the Jaccard similarity of their shingle sets, as
with classic MinHash, at the cost of one hash per shingle instead of one per shingle and
permutation: about ten times faster in pure Python.

Bins are grouped into `BANDS` bands of `ROWS` rows; a band's key is a 64-bit hash of its rows and
its position. The warehouse takes as candidates the stored texts sharing at least two band keys
with a new one (one shared key is mostly boilerplate, and grows with the warehouse), verified
afterwards on their shingle sets. With 48 bands of 3 rows the number of shared keys is
binomial(48, J**3): at least two with probability 0.987 at J = 0.5, 0.9996 at J = 0.6, 0.05 at
J = 0.2.

Everything here is persisted by the warehouse, so changing a constant changes every stored key:
bump `SCHEME` with it.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterable, Sequence

import numpy as np

from entente.transforms.text import normalise_text

SCHEME = "oph-w5-b48r3-v1"
SHINGLE_WORDS = 5
BANDS = 48
ROWS = 3
BINS = BANDS * ROWS

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # odd multiplier that spreads a 32-bit CRC over 64 bits
_EMPTY = 1 << 64
_BORROW = (1 << 64) // BINS + 1  # larger than any in-bin value, so borrowed values never collide
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str, normalised: str | None = None) -> list[str]:
    """The `\\w+` tokens of the normalised text: case, quotes, dashes and spacing do not count.

    `normalised` is `normalise_text(text)` when the caller already has it.
    """
    return _WORD.findall(normalise_text(text) if normalised is None else normalised)


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """Hashes of every run of `size` consecutive words; a shorter text is one shingle."""
    return shingle_words(words(text), size)


def shingle_words(tokens: Sequence[str], size: int = SHINGLE_WORDS) -> frozenset[int]:
    if not tokens:
        return frozenset()
    if len(tokens) < size:
        return frozenset({zlib.crc32(" ".join(tokens).encode())})
    runs = zip(*(tokens[i:] for i in range(size)), strict=False)
    return frozenset(zlib.crc32(" ".join(run).encode()) for run in runs)


def signature(hashes: Iterable[int], bins: int = BINS) -> tuple[int, ...]:
    """One-permutation MinHash of a shingle set, densified; all bins empty for an empty set."""
    sig = [_EMPTY] * bins
    for h in hashes:
        mixed = (h * _GOLDEN) & _MASK
        slot = mixed % bins
        value = mixed // bins
        if value < sig[slot]:  # noqa: PLR1730 (min() costs a call per shingle)
            sig[slot] = value
    if all(v == _EMPTY for v in sig):
        return tuple(sig)
    dense = list(sig)
    for slot, value in enumerate(sig):
        if value != _EMPTY:
            continue
        step = 1
        while sig[(slot + step) % bins] == _EMPTY:
            step += 1
        dense[slot] = sig[(slot + step) % bins] + step * _BORROW
    return tuple(dense)


def band_keys(sig: Sequence[int], bands: int = BANDS, rows: int = ROWS) -> tuple[int, ...]:
    """One signed 64-bit key per band (DuckDB BIGINT), distinct across band positions."""
    keys = []
    for band in range(bands):
        chunk = sig[band * rows : (band + 1) * rows]
        if all(v == _EMPTY for v in chunk):
            continue  # an empty text matches nothing
        payload = b"".join(v.to_bytes(9, "little") for v in chunk) + band.to_bytes(2, "little")
        key = int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "little")
        keys.append(key - (1 << 64) if key >= 1 << 63 else key)
    return tuple(keys)


def pack_signature(sig: Sequence[int]) -> bytes:
    """A signature as bytes, to store beside its text: each bin as 64 bits (a borrowed value
    wraps around, which keeps equal bins equal), read back with one struct call."""
    return struct.pack(f"<{len(sig)}Q", *(v & _MASK for v in sig))


def unpack_signature(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(data) // 8}Q", data)


def pack_shingles(hashes: Iterable[int]) -> bytes:
    """A shingle set as bytes (each CRC-32 as 32 bits, ascending), to store beside its text:
    verifying a stored candidate then reads 4 bytes a shingle instead of normalising and
    shingling its text again."""
    ordered = sorted(hashes)
    return struct.pack(f"<{len(ordered)}I", *ordered)


def unpack_shingles(data: bytes) -> frozenset[int]:
    return frozenset(struct.unpack(f"<{len(data) // 4}I", data))


def estimated_jaccard_bytes(a: bytes, b: bytes) -> float:
    """The share of agreeing bins of two signatures as `pack_signature` stores them.

    A new text is compared with every stored candidate of its bands, several per text;
    numpy compares the 144 bins at once, where a Python loop over the unpacked values took
    a third of the time a batch spent finding candidates.
    """
    if not a or len(a) != len(b) or len(a) % 8:
        return 0.0
    agree = np.count_nonzero(np.frombuffer(a, dtype="<u8") == np.frombuffer(b, dtype="<u8"))
    return int(agree) / (len(a) // 8)


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def estimated_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """The share of agreeing bins: an estimate of the Jaccard similarity of the two sets."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y and x != _EMPTY) / len(a)
