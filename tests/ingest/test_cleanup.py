"""Line cleanup: boilerplate goes, prose stays, whatever words it contains."""

from __future__ import annotations

import pytest

from entente.ingest.cleanup import (
    clean_body,
    drop_link_lines,
    is_boilerplate,
    prose_share,
    strip_glued_lead,
    tokens,
)


@pytest.mark.parametrize(
    "line",
    [
        "Share",
        "Share this article",
        "Short URL https://x.example.com/abc",
        "Updated 12 March 2024, 16:05",
        "Last updated: 3 hours ago",
        "Published on Nov. 19, 2019",
        "Read more: Ministers to meet again in June",
        "Related: The long road to the river accord",
        "Sign up for our World Briefing newsletter",
        "Get the day's top stories delivered to your inbox every morning.",
        "We use cookies to improve your experience on our site.",
        "By Amira Hassan",
        "By Amira Hassan and Tomas Lindqvist, Reuters",
        "Reporting by Ann Lee; Editing by Bob Ray",
        "Maria Costa contributed reporting from Lisbon.",
        "Photo: Government press office",
        "(Image credit: Ministry of Foreign Affairs)",
        "Leia também: Acordo comercial avança",
        "Lesen Sie auch",
        "5 min read",
        "sexta-feira, 22 de outubro de 2010 às 20:13",
        "November 20, 2019 - 11:28 AMT",
        "5:45 AM PST 11/19/2019 by Ann Lee",
        "19.11.2019",
        "Text size",
        "Order Reprints",
        "Listen: https://pod.example.com/ep/615",
        "Email Ann Lee at ann@example.com or follow her on Twitter.",
        "Follow the ministry's coverage at https://example.com/briefings",
        "Tags",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "The minister said the agreement would be updated every five years.",
        "Share prices in Norvia rose by 3% after the announcement of the accord.",
        "Small investors welcomed the deal, subscribing for more shares than were on offer.",
        "By the end of the week, both delegations had agreed on a draft text.",
        "Related talks on fisheries will begin in the spring, officials said, after the "
        "summer recess ends and both parliaments have approved the mandate.",
        "- Sign up for the joint scholarship programme before June",
        "WHAT THE TREATY SAYS",
        "29 November 2018 | 20 January 2019",
        "— Ann Lee (@annlee) November 18, 2019",
        "The talks ended on 19.11.2019 without a joint statement, both sides said.",
        "More than 200 delegates attended.",
        "Four teams from there will join the field of 20.",
        "Also on Monday, the two sides signed a memorandum on energy.",
        "More from the minister's speech will be published by the agency.",
        "Published in 2019, the report found that trade between them had doubled.",
        "Updated figures from the customs office show exports rose by 12% in 2023.",
        "The podcast was launched by the embassy in 2019.",
    ],
)
def test_prose_and_headings_stay(line: str) -> None:
    assert not is_boilerplate(line)


def test_clean_body_drops_repeated_headline_and_teaser_block_keeps_paragraphs() -> None:
    text = "\n".join(
        [
            "Lakeland and Norvia sign river water accord",
            "Lakeland and Norvia signed an agreement on Tuesday.",
            "Under the accord, Norvia will release a minimum flow.",
            "Don't miss",
            "Drought hits Senna valley farmers",
            "- Norvia opens new dam",
            "The commission will meet twice a year.",
        ]
    )
    cleaned = clean_body(text, ["Lakeland and Norvia sign river water accord | Gazette"])
    assert cleaned.split("\n") == [
        "Lakeland and Norvia signed an agreement on Tuesday.",
        "Under the accord, Norvia will release a minimum flow.",
        "The commission will meet twice a year.",
    ]


def test_headline_deeper_in_the_body_is_kept() -> None:
    lines = ["One.", "Two.", "Three.", "Four.", "Accord signed"]
    assert clean_body("\n".join(lines), ["Accord signed"]).endswith("Accord signed")


def test_click_to_tweet_is_cut_from_the_end_of_a_quote() -> None:
    text = "Cooperation is a habit, not an event.Click To Tweet\nThe minister went on."
    assert clean_body(text) == "Cooperation is a habit, not an event.\nThe minister went on."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "By Ann Lee Monday, November 18, 2019 Earlier this month, the two ministries "
            "announced a new round of talks on the shared river.",
            "Earlier this month, the two ministries announced a new round of talks on the "
            "shared river.",
        ),
        (
            "Updated 3:45 p.m. ET, Tue November 19, 2019 The ministers agreed to resume talks "
            "on trade and energy next month in the capital.",
            "The ministers agreed to resume talks on trade and energy next month in the capital.",
        ),
        (
            "Nov 19, 2019 - 11:28 AM ET A group of ministers agreed to resume talks on trade "
            "and energy next month in the capital.",
            "A group of ministers agreed to resume talks on trade and energy next month in the "
            "capital.",
        ),
        (
            "By Ann Lee WASHINGTON (AP) — The talks between the two delegations resumed on "
            "Monday after a pause.",
            "WASHINGTON (AP) — The talks between the two delegations resumed on Monday after a "
            "pause.",
        ),
    ],
)
def test_glued_byline_and_stamp_are_cut_from_the_lead(line: str, expected: str) -> None:
    assert strip_glued_lead(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "On November 18, 2019 the ministers agreed to resume talks on trade and energy next "
        "month in the capital.",
        "WASHINGTON (AP) — On Nov. 18, 2019 the talks resumed between the delegations of the "
        "two neighbours.",
        "By Ann Lee 18 November 2019 Short.",
    ],
)
def test_leads_that_only_mention_a_date_stay_whole(line: str) -> None:
    assert strip_glued_lead(line) == line


def test_prose_share_tells_paragraphs_from_link_lists() -> None:
    paragraph = (
        "The two delegations met again on Thursday to finish the text of the agreement on "
        "consular services."
    )
    links = "\n".join(["Ministers meet", "- Trade talks resume", "Weather", "Sport"] * 5)
    assert prose_share(paragraph) == 1.0
    assert prose_share(links) == 0.0
    assert prose_share("") == 0.0
    assert 0.0 < prose_share(f"{paragraph}\n{links}") < 0.5


PROSE = (
    "The foreign ministers met in the capital on Monday and agreed to resume regular "
    "consultations on trade, energy and border security after a pause of two years."
)


def link_set(*texts: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(tokens(text)) for text in texts)


def test_teaser_lists_go_wherever_they_are_lists_of_content_stay() -> None:
    links = link_set("Dam talks stall again", "River quota explained", "Dam contract award")
    teasers = ["- Dam talks stall again What went wrong", "- River quota explained Who gets what"]
    # inside the article, items that say more than their link are content
    told = ["- Dam contract award, signed in May", "- River quota explained by the commission"]
    headlines = ["- Dam contract award", "- River quota explained"]
    second = PROSE.replace("Monday", "Tuesday")
    text = "\n".join([PROSE, *told, second, *headlines, second.upper(), *teasers])
    kept = clean_body(text, link_texts=lambda: links).splitlines()
    assert kept == [PROSE, *told, second, second.upper()]
    # one item alone is not a list of teasers, and items not led by links are content
    assert drop_link_lines([PROSE, teasers[0]], lambda: links) == [PROSE, teasers[0]]
    plain = ["- Water for the northern farms", "- A commission before winter"]
    assert drop_link_lines([PROSE, *plain, PROSE], lambda: links) == [PROSE, *plain, PROSE]
    assert drop_link_lines([PROSE, *plain], lambda: links) == [PROSE, *plain]


def test_link_texts_are_read_only_when_a_list_could_be_teasers() -> None:
    def refuse() -> frozenset[tuple[str, ...]]:
        raise AssertionError("link texts read for a body without a trailing list")

    assert clean_body(f"{PROSE}\n{PROSE.upper()}.", link_texts=refuse).count("\n") == 1
