"""Exact-duplicate detection: which earlier article, if any, a new one copies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    article_id: str
    story_id: str
    duplicate_of: str | None


def assign_stories(
    new: Iterable[tuple[str, str]], known: Mapping[str, tuple[str, str]]
) -> list[StoryAssignment]:
    """Give each new (article_id, content_hash) its story.

    `known` maps a content hash to (first article_id, story_id) of copies already stored.
    The first copy of a text starts a story; later copies point at that first copy.
    """
    seen = dict(known)
    out: list[StoryAssignment] = []
    for article_id, digest in new:
        first = seen.get(digest)
        if first is None:
            seen[digest] = (article_id, article_id)
            out.append(StoryAssignment(article_id, article_id, None))
        else:
            out.append(StoryAssignment(article_id, first[1], first[0]))
    return out
