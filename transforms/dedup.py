"""Duplicate detection: which earlier article, if any, a new one copies.

Two tests, in order. An exact copy has the same hash of normalised text (`content_hash`). A
near copy (a wire story with a byline, a dateline prefix, a photo caption or a paragraph cut)
shares LSH band keys with an earlier text and, checked on the shingle sets themselves, reaches
`NEAR_THRESHOLD` Jaccard similarity while reporting the same figures: a release written on the
same template about another meeting shares sentences but not numbers. Reports of the same
event written independently share facts but hardly any five-word run, so they stay apart:
grouping those into events is a different question, deliberately not answered here.

A copy joins the story of the text it matches and points at that story's first copy; the first
copy is never re-labelled, so loading old data again cannot move a story's root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from entente.transforms.minhash import band_keys, jaccard, shingle_words, signature, words
from entente.transforms.text import normalise_text, normalised_hash

# Chosen on bench/dedup's labelled pairs (its output has the sweep): copies with a paragraph cut
# and a caption added sit at 0.56-0.9, reports on one template with other facts at 0.1-0.64.
NEAR_THRESHOLD = 0.5
# Copies keep their figures; a release on the same template about another meeting does not.
# Checked when both texts hold at least MIN_FIGURES distinct numbers.
FIGURES_AGREEMENT = 0.6
MIN_FIGURES = 2


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What duplicate detection needs of one text."""

    content_hash: str
    shingles: frozenset[int]
    figures: frozenset[str]
    band_keys: tuple[int, ...]
    signature: tuple[int, ...] = ()


def fingerprint(
    text: str, digest: str | None = None, bands: bool = True, normalised: str | None = None
) -> Fingerprint:
    """Shingles, figures and band keys of a text; `digest` when its content hash is known, and
    `bands=False` for a stored text that is only being verified against. `normalised` is
    `normalise_text(text)` when the caller already has it."""
    if normalised is None:
        normalised = normalise_text(text)
    tokens = words(text, normalised)
    hashes = shingle_words(tokens)
    figures = frozenset(t for t in tokens if t.isdigit())
    digest = digest or normalised_hash(normalised)
    if not bands:
        return Fingerprint(digest, hashes, figures, ())
    sig = signature(hashes)
    return Fingerprint(digest, hashes, figures, band_keys(sig), sig)


def figures_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two texts report the same numbers, as far as they both report numbers."""
    if len(a) < MIN_FIGURES or len(b) < MIN_FIGURES:
        return True
    return len(a & b) / min(len(a), len(b)) >= FIGURES_AGREEMENT


def is_near_copy(a: Fingerprint, b: Fingerprint, threshold: float = NEAR_THRESHOLD) -> float | None:
    """The Jaccard similarity of two texts when one is a near copy of the other, else None."""
    score = jaccard(a.shingles, b.shingles)
    if score >= threshold and figures_agree(a.figures, b.figures):
        return score
    return None


@dataclass(frozen=True, slots=True)
class StoryRef:
    """Where a stored text belongs: the article holding it, its story and the story's root."""

    article_id: str
    story_id: str
    root_id: str


@dataclass(frozen=True, slots=True)
class KnownText:
    """A stored text that shares a band key with something new, with its shingles to verify."""

    ref: StoryRef
    fingerprint: Fingerprint


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    article_id: str
    story_id: str
    duplicate_of: str | None
    kind: str  # "first", "exact" or "near"
    similarity: float | None = None


def assign_stories(
    new: Sequence[tuple[str, Fingerprint]],
    exact: Mapping[str, StoryRef],
    stored: Mapping[str, Sequence[KnownText]],
    threshold: float = NEAR_THRESHOLD,
) -> list[StoryAssignment]:
    """Give each new (article_id, fingerprint), in order, its story.

    `exact` maps content hashes already stored to their story; `stored` maps a new article_id
    to the stored texts that share band keys with it (its LSH candidates). Earlier items of
    `new` are candidates for later ones through their own band keys.
    """
    seen_exact = dict(exact)
    index: dict[int, list[KnownText]] = {}
    out: list[StoryAssignment] = []
    for article_id, fp in new:
        match = seen_exact.get(fp.content_hash)
        if match is not None:
            assignment = StoryAssignment(article_id, match.story_id, match.root_id, "exact", 1.0)
        else:
            batch = [known for key in fp.band_keys for known in index.get(key, ())]
            candidates = [*stored.get(article_id, ()), *batch]
            assignment = _near_match(article_id, fp, candidates, threshold)
        out.append(assignment)
        ref = StoryRef(article_id, assignment.story_id, assignment.duplicate_of or article_id)
        seen_exact.setdefault(fp.content_hash, ref)
        known = KnownText(ref, fp)
        for key in fp.band_keys:
            index.setdefault(key, []).append(known)
    return out


def _near_match(
    article_id: str,
    fp: Fingerprint,
    candidates: Sequence[KnownText],
    threshold: float,
) -> StoryAssignment:
    best: tuple[float, StoryRef] | None = None
    checked: set[int] = set()  # one KnownText per stored revision, met once per shared key
    for known in candidates:
        if id(known) in checked or known.ref.article_id == article_id:
            continue
        checked.add(id(known))
        score = is_near_copy(fp, known.fingerprint, threshold)
        if score is not None and (best is None or score > best[0]):
            best = (score, known.ref)
    if best is None:
        return StoryAssignment(article_id, article_id, None, "first")
    score, ref = best
    return StoryAssignment(article_id, ref.story_id, ref.root_id, "near", round(score, 4))
