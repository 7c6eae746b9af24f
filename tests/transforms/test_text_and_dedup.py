from __future__ import annotations

from transforms.dedup import StoryAssignment, assign_stories
from transforms.text import content_hash, normalise_text, word_count


def test_hash_ignores_layout_quotes_and_case() -> None:
    a = "“Energy ties,” he said.\n\nThe  talks   went on — late."
    b = '"energy ties," He said. the talks went on - late.'
    assert normalise_text(a) == normalise_text(b)
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a + " More.")
    assert word_count("Pakistan's 1,100 km pipeline") == 6  # \w+ tokens


def test_first_copy_starts_the_story_later_copies_point_at_it() -> None:
    known = {"h-old": ("old-1", "story-old")}
    got = assign_stories([("a", "h1"), ("b", "h1"), ("c", "h-old"), ("d", "h2")], known)
    assert got == [
        StoryAssignment("a", "a", None),
        StoryAssignment("b", "a", "a"),
        StoryAssignment("c", "story-old", "old-1"),
        StoryAssignment("d", "d", None),
    ]
