"""restore_paragraphs: left-out paragraphs marked up like the kept ones come back, furniture not."""

from __future__ import annotations

from lxml.html import HtmlElement, document_fromstring

from entente.ingest.blocks import restore_paragraphs

P = [
    "The two delegations met in the capital for a second day of talks on water rights.",
    "Their joint statement promised a commission on the shared river before winter.",
    "Farmers downstream have asked for a say in how the quotas are set each season.",
    "The next round is due in March, when the engineers report on the new dam.",
    "Both ministers said the talks had gone further than any since the treaty of 1994.",
]


def page(body: str) -> HtmlElement:
    return document_fromstring(f"<html><body><main>{body}</main></body></html>")


def para(text: str, cls: str = "para") -> str:
    return f'<p class="{cls}">{text}</p>'


def test_the_second_half_after_an_advertisement_comes_back() -> None:
    tree = page(
        f'<div class="story">{para(P[0])}{para(P[1])}</div>'
        '<div class="ad-slot"><span>Advertisement</span></div>'
        f'<div class="story">{para(P[2])}{para(P[3])}</div>'
    )
    assert restore_paragraphs(tree, f"{P[0]}\n{P[1]}").splitlines() == P[:4]


def test_a_short_linked_paragraph_between_kept_ones_comes_back_in_place() -> None:
    linked = 'It also <a href="/x">co-ordinates plans and joint exercises</a>.'
    tree = page(f'<div class="story">{para(P[0])}{para(linked)}{para(P[1])}</div>')
    restored = restore_paragraphs(tree, f"{P[0]}\n{P[1]}").splitlines()
    assert restored == [P[0], "It also co-ordinates plans and joint exercises.", P[1]]


def test_teasers_comments_and_other_markup_stay_out() -> None:
    tree = page(
        f'<div class="story">{para(P[0])}'
        f"{para('<a href=/other>Minister resigns over the dam contract</a>')}"
        f"{para(P[1])}{para(P[2], 'caption')}{para(P[3])}</div>"
        f'<div class="comments-area">{para(P[4])}</div>'
    )
    # all-link teaser, a caption's other class, and a comment after the article's end
    assert restore_paragraphs(tree, f"{P[0]}\n{P[1]}\n{P[3]}").splitlines() == [P[0], P[1], P[3]]


def test_unmarked_paragraphs_return_only_between_kept_ones() -> None:
    tree = page(f"<div><p>{P[0]}</p><p>{P[1]}</p><p>{P[2]}</p><p>{P[3]}</p><p>{P[4]}</p></div>")
    restored = restore_paragraphs(tree, f"{P[0]}\n{P[2]}\n{P[3]}").splitlines()
    # a bare <p> after the last kept one could be anyone's; between kept ones it is the article's
    assert restored == [P[0], P[1], P[2], P[3]]


def test_text_already_kept_is_not_repeated() -> None:
    tree = page(
        f'<div class="story">{para(P[0])}{para(P[1] + " " + P[2])}{para(P[2])}{para(P[3])}</div>'
    )
    kept = f"{P[0]}\n{P[1]}\n{P[2]}\n{P[3]}"  # the extractor split the second paragraph
    assert restore_paragraphs(tree, kept) == kept


def test_one_kept_paragraph_names_no_markup() -> None:
    tree = page(f'<div class="story">{para(P[0])}{para(P[1])}</div>')
    assert restore_paragraphs(tree, P[0]) == P[0]
