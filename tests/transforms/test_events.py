"""Event grouping: event days read from text, who the parties are, links, and groups."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entente.transforms.classify import Taxonomy
from entente.transforms.events import (
    LINK_THRESHOLD,
    LONE_WEAK_FACTOR,
    WEAK_FACTOR,
    EventCues,
    EventDay,
    EventReport,
    block_keys,
    content_similarity,
    days_agree,
    event_cues,
    event_day,
    event_kinds,
    find_links,
    group_events,
    key_span,
    kinds_agree,
    led_apart,
    link_score,
    openings_agree,
    parties_agree,
    probe_keys,
    venues_agree,
)
from entente.transforms.pipeline import event_report
from tests.transforms.stories import PIPELINE, PIPELINE_INDEPENDENT, RAILWAY

WEDNESDAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def day_of(body: str, published: datetime = WEDNESDAY, title: str = "") -> EventDay:
    return event_day(title, body, published)


@pytest.mark.parametrize(
    ("body", "expected", "basis"),
    [
        ("The ministers met in Islamabad on Tuesday.", date(2026, 3, 3), "weekday"),
        ("The ministers met in Islamabad yesterday.", date(2026, 3, 3), "relative"),
        ("The ministers met in Islamabad today.", date(2026, 3, 4), "relative"),
        ("The ministers met on Wednesday.", date(2026, 3, 4), "weekday"),
        ("The ministers met last Friday in Moscow.", date(2026, 2, 27), "weekday"),
        ("The two sides signed the accord on 2 March 2026.", date(2026, 3, 2), "date"),
        ("The accord was signed on March 3.", date(2026, 3, 3), "date"),
        ("The minister will travel to Addis Ababa on Friday.", date(2026, 3, 6), "weekday"),
        ("The leaders will meet in Seoul on March 15.", date(2026, 3, 15), "date"),
    ],
)
def test_the_event_day_is_read_relative_to_the_publication(
    body: str, expected: date, basis: str
) -> None:
    found = day_of(body)
    assert (found.day, found.basis) == (expected, basis)


def test_a_date_without_a_year_takes_the_nearest_year() -> None:
    found = day_of("The leaders met on 30 December.", datetime(2027, 1, 2, 9, tzinfo=UTC))
    assert found.day == date(2026, 12, 30)


def test_the_local_publication_day_counts_not_the_utc_one() -> None:
    # 07:00 in Kuala Lumpur is 23:00 UTC the day before: "yesterday" is the local yesterday.
    published = datetime(2026, 1, 9, 7, 0, tzinfo=timezone(timedelta(hours=8)))
    assert day_of("The memorandum was signed yesterday.", published).day == date(2026, 1, 8)


def test_a_date_that_dates_the_reporting_gives_way_to_the_events_own() -> None:
    body = "The ministry said on Wednesday that the two ministers had met on Monday in Baku."
    assert day_of(body).day == date(2026, 3, 2)
    # ...and is used when it is the only one
    assert day_of("The two countries agreed a deal, the ministry said on Tuesday.").day == date(
        2026, 3, 3
    )


def test_an_old_explicit_date_is_background_not_the_event() -> None:
    body = "The sailors captured on February 20 were shown on television again on Tuesday."
    assert day_of(body).day == date(2026, 3, 3)


def test_a_stay_of_several_days_covers_them() -> None:
    began = day_of("Negotiators began two days of talks in Geneva on Monday.")
    ended = day_of("The talks ended on Tuesday after two days of negotiations.")
    assert (began.earliest, began.latest) == (date(2026, 3, 2), date(2026, 3, 3))
    assert (ended.earliest, ended.latest) == (date(2026, 3, 2), date(2026, 3, 3))


def test_weeks_are_spans() -> None:
    ahead = day_of("The prime minister will travel to Mexico next week.")
    assert ahead.basis == "week"
    assert ahead.earliest > WEDNESDAY.date() and ahead.latest <= date(2026, 3, 14)


def test_without_a_date_a_morning_report_may_be_of_the_day_before() -> None:
    body = "The two ministers agreed to share data on fishing vessels."
    evening = day_of(body, datetime(2026, 3, 4, 18, tzinfo=UTC))
    morning = day_of(body, datetime(2026, 3, 4, 7, tzinfo=UTC))
    assert evening.basis == morning.basis == "publication"
    assert (evening.earliest, evening.latest) == (date(2026, 3, 4), date(2026, 3, 4))
    assert (morning.earliest, morning.latest) == (date(2026, 3, 3), date(2026, 3, 4))


def test_a_day_in_an_aside_tells_what_came_before_not_the_event() -> None:
    # Wednesday 4 March: the detention was on Monday, the release today.
    body = (
        "The trawler Havbris, detained by the coast guard on Monday, was released on"
        " Wednesday after its owner paid a fine."
    )
    assert day_of(body).day == date(2026, 3, 4)
    assert day_of("The crew, held since Monday, were freed today.").day == date(2026, 3, 4)
    assert day_of("The crew have been held since Monday.").day == date(2026, 3, 2)  # alone
    # a date between commas that opens no aside still dates the event
    assert day_of("The ministers met, on Monday, in Baku.").day == date(2026, 3, 2)


def test_kinds_that_exclude_each_other() -> None:
    call = event_kinds("Leaders discuss tariffs in phone call", "They spoke on Tuesday.")
    visit = event_kinds("Minister visits Hanoi", "The minister called on the prime minister.")
    drill = event_kinds("Navies begin joint exercise", "Warships began drills on Monday.")
    assert call == frozenset({"call", "meeting"})
    assert visit == frozenset({"meeting"})  # "called on" is a courtesy visit, not a call
    assert drill == frozenset({"exercise"})
    assert not kinds_agree(call, visit)
    assert not kinds_agree(drill, visit)
    assert kinds_agree(visit, frozenset())


def test_a_meeting_can_be_about_a_drill_or_an_attack() -> None:
    talks = event_kinds("Defence ministers hold talks in Delhi", "They met on Monday.")
    about_drills = event_kinds("India, France agree to expand joint drills", "")
    after_attack = event_kinds("Minister holds talks in Kabul days after bombing killed 19", "")
    assert {"exercise", "meeting"} <= about_drills and {"incident", "meeting"} <= after_attack
    assert kinds_agree(about_drills, talks)
    assert kinds_agree(after_attack, talks)
    # a drill or an attack told without a meeting is still its own event
    assert not kinds_agree(event_kinds("Navies begin joint exercise", ""), talks)
    assert not kinds_agree(event_kinds("Drone strike kills four near border", ""), talks)


def test_an_undated_report_may_be_a_day_off_but_only_weakly() -> None:
    monday = EventDay(date(2026, 3, 2), date(2026, 3, 2), "weekday")
    tuesday = EventDay(date(2026, 3, 3), date(2026, 3, 3), "weekday")
    undated = EventDay(date(2026, 3, 3), date(2026, 3, 3), "publication")
    assert days_agree(tuesday, undated) == "strong"
    assert days_agree(monday, undated) == "weak"
    assert days_agree(monday, tuesday) is None
    assert days_agree(EventDay(date(2026, 3, 1), date(2026, 3, 1), "weekday"), undated) is None
    # the candidate spans of two reports whose days agree overlap
    (a0, a1), (b0, b1) = key_span(monday), key_span(undated)
    assert a0 <= b1 and b0 <= a1


def report(
    aid: str,
    sides: set[str],
    named: set[str] = frozenset(),  # type: ignore[assignment]
    bodies: set[str] = frozenset(),  # type: ignore[assignment]
) -> EventReport:
    cues = EventCues(EventDay(date(2026, 3, 3), date(2026, 3, 3), "weekday"), *[frozenset()] * 4)
    return EventReport(
        aid,
        WEDNESDAY,
        frozenset(sides),
        frozenset(),
        cues,
        frozenset(named) | frozenset(sides),
        frozenset(bodies),
    )


def test_parties_agree_strongly_weakly_or_not_at_all() -> None:
    assert (
        parties_agree(report("a", {"PAK", "RUS"}), report("b", {"PAK", "RUS", "AFG"})) == "strong"
    )
    # Each found one party and names the other's: one meeting seen from each side.
    assert parties_agree(report("a", {"USA"}, {"MEX"}), report("b", {"MEX"}, {"USA"})) == "weak"
    # Two pairs with one country in common are two events, unless one report names both
    # sides of the other and the other names nothing more (see below): then they agree
    # only weakly, and need 2.5 times the content.
    assert parties_agree(report("a", {"MAR", "NGA"}), report("b", {"MAR", "MRT"})) is None
    assert (
        parties_agree(report("a", {"MAR", "NGA"}, {"MRT"}), report("b", {"MAR", "MRT"})) == "weak"
    )
    # A single party with a body it names can be the same meeting seen from one side.
    eu = report("a", {"BGD"}, {"MMR"}, {"EU"})
    assert parties_agree(eu, report("b", {"BGD", "MMR"})) == "weak"
    assert parties_agree(eu, report("b", {"BGD"}, (), {"ASEAN"})) == "weak"
    # A report that finds one party and names nothing else may be one side's view of a
    # meeting the other report finds both sides of ("Mnangagwa" is Zimbabwe's president)...
    assert parties_agree(report("a", {"ZAF"}), report("b", {"ZAF", "ZWE"})) == "weak"
    assert parties_agree(report("a", {"AFG"}), report("b", {"UZB"}, {"AFG"})) == "weak"
    # ...but not of a pair it is no side of, nor when it names a country the other does not...
    assert parties_agree(report("a", {"CAN"}), report("b", {"MEX", "USA"}, {"CAN"})) is None
    assert parties_agree(report("a", {"USA"}, {"CHN"}), report("b", {"MEX", "USA"})) is None
    # ...unless the two tell the same thing first: Mauritania there by its prime minister's
    # name only, Mali as a subject ("the situation in Mali").
    told = frozenset({"djay", "ghazouani", "faye", "tortue"})
    senegal, pair = report("a", {"SEN"}, {"MLI"}), report("b", {"MRT", "SEN"})
    senegal = replace(senegal, cues=replace(senegal.cues, opening=told - {"tortue"}))
    pair = replace(pair, cues=replace(pair.cues, opening=told - {"ghazouani"}))
    assert parties_agree(senegal, pair) == "weak"
    other_meeting = replace(pair, cues=replace(pair.cues, opening=frozenset({"faye", "gas"})))
    assert parties_agree(senegal, other_meeting) is None
    # A finder that makes a subject a party ("support to Ukraine") sees Finland and Ukraine
    # where a wire sees Estonia and Finland: the wire's two sides are both named by the
    # ministry, and the wire names nothing else...
    ministry = report("m", {"FIN", "UKR"}, {"EST"})
    assert parties_agree(ministry, report("w", {"EST", "FIN"})) == "weak"
    # ...but two meetings with one minister at one conference, each report naming all three
    # countries, stay apart, and so does a report naming a country the other does not.
    assert (
        parties_agree(report("a", {"PAK", "RUS"}, {"AFG"}), report("b", {"AFG", "PAK"}, {"RUS"}))
        is None
    )
    assert parties_agree(ministry, report("w", {"EST", "FIN"}, {"SWE"})) is None


countries = st.sampled_from(["PAK", "RUS", "AFG", "CHN", "IND", "USA"])
side_sets = st.sets(countries, min_size=0, max_size=3)
body_sets = st.sets(st.sampled_from(["EU", "UN"]), max_size=2)


@settings(max_examples=400, deadline=None)
@given(side_sets, side_sets, body_sets, side_sets, side_sets, body_sets)
def test_reports_that_can_agree_always_find_each_other(
    sides_a: set[str],
    named_a: set[str],
    bodies_a: set[str],
    sides_b: set[str],
    named_b: set[str],
    bodies_b: set[str],
) -> None:
    a, b = report("a", sides_a, named_a, bodies_a), report("b", sides_b, named_b, bodies_b)
    if parties_agree(a, b) is not None:
        # whichever of the two is new finds the other
        assert set(probe_keys(a)) & set(block_keys(b))
        assert set(probe_keys(b)) & set(block_keys(a))


def record(aid: str, title: str, body: str, published: datetime, taxonomy: Taxonomy) -> EventReport:
    return event_report(aid, title, body, published, taxonomy, "en")


def test_independent_reports_of_one_meeting_link_and_another_meeting_does_not(
    taxonomy: Taxonomy,
) -> None:
    ministry = record(
        "m", "Pakistan and Russia agree to restart pipeline", PIPELINE, WEDNESDAY, taxonomy
    )
    wire = record(
        "w", "Russia ready to fund most of Pakistan gas link", PIPELINE_INDEPENDENT,
        WEDNESDAY + timedelta(hours=3), taxonomy,
    )  # fmt: skip
    week_later = record(
        "x", "Pakistan and Russia agree to restart pipeline", PIPELINE,
        WEDNESDAY + timedelta(days=7), taxonomy,
    )  # fmt: skip
    railway = record("r", "Uzbekistan, Pakistan sign railway deal", RAILWAY, WEDNESDAY, taxonomy)
    score = link_score(ministry, wire)
    assert score is not None and score >= 0.3
    assert link_score(ministry, week_later) is None  # the same words, another Tuesday
    assert link_score(ministry, railway) is None  # another pair of countries
    links = find_links([ministry, wire, week_later, railway])
    assert [(link.first, link.second) for link in links] == [("m", "w")]


def test_a_phone_call_the_same_day_needs_much_more_in_common(taxonomy: Taxonomy) -> None:
    meeting = record(
        "m", "Pakistan and Russia agree to restart pipeline", PIPELINE, WEDNESDAY, taxonomy
    )
    call = record(
        "c", "Pakistani and Russian ministers discuss pipeline by phone",
        "Pakistan's energy minister Ayesha Baloch spoke by telephone on Tuesday with Russian"
        " Energy Minister Pavel Sorokin about the Karachi-Lahore gas pipeline.",
        WEDNESDAY, taxonomy,
    )  # fmt: skip
    in_person = record(
        "p", "Pakistani and Russian ministers discuss pipeline",
        "Pakistan's energy minister Ayesha Baloch met Russian Energy Minister Pavel Sorokin in"
        " Islamabad on Tuesday about the Karachi-Lahore gas pipeline.",
        WEDNESDAY, taxonomy,
    )  # fmt: skip
    call_score, person_score = link_score(meeting, call), link_score(meeting, in_person)
    assert call_score is not None and person_score is not None
    assert call_score == pytest.approx(person_score / 2, rel=0.35)


def test_a_summit_telephone_talk_is_a_call() -> None:
    assert "call" in event_kinds("Japan-Philippines Summit Telephone Talk", "The leaders spoke.")


def test_two_capitals_the_same_day_are_two_events(taxonomy: Taxonomy) -> None:
    tokyo = record(
        "t", "Indian minister meets Japanese counterpart in Tokyo",
        "India's foreign minister met Japan's foreign minister on Wednesday to review the"
        " high speed rail project and semiconductor supply chains.", WEDNESDAY, taxonomy,
    )  # fmt: skip
    delhi = record(
        "d", "India, Japan coast guards sign rescue pact in New Delhi",
        "The Indian and Japanese coast guards signed a search and rescue memorandum on"
        " Wednesday, as the foreign ministers reviewed the high speed rail project.",
        WEDNESDAY, taxonomy,
    )  # fmt: skip
    assert (tokyo.cues.venue, delhi.cues.venue) == ("JPN", "IND")
    assert not venues_agree(tokyo.cues, delhi.cues)
    assert link_score(tokyo, delhi) is None
    # where the parties will meet next is no venue
    later = event_cues(
        "Ministers launch trade talks",
        "The foreign ministers of India and Japan launched trade talks on Wednesday and agreed"
        " to meet again in Tokyo in April.",
        WEDNESDAY,
    )
    assert later.venue == ""
    assert venues_agree(later, tokyo.cues)


def test_a_bodys_act_is_another_event_than_a_report_not_naming_it(taxonomy: Taxonomy) -> None:
    council = record(
        "u", "UN Security Council calls for release of British sailors held by Iran",
        "The Security Council called on Wednesday for the release of the fifteen British"
        " sailors and marines detained by Iran in the Shatt al-Arab.", WEDNESDAY, taxonomy,
    )  # fmt: skip
    video = record(
        "v", "Iran airs new video of detained British sailors",
        "Iranian television showed on Wednesday a new video of the fifteen British sailors"
        " and marines detained in the Shatt al-Arab.", WEDNESDAY, taxonomy,
    )  # fmt: skip
    vote = record(
        "w", "Britain welcomes UN statement on sailors held by Iran",
        "Britain welcomed on Wednesday the United Nations Security Council's call for the"
        " release of the fifteen sailors and marines detained by Iran.", WEDNESDAY, taxonomy,
    )  # fmt: skip
    assert council.cues.lead == "UN" and video.cues.lead == ""
    assert led_apart(council.cues, video.cues)
    assert link_score(council, video) is None
    assert not led_apart(council.cues, vote.cues)  # it names the council up front
    assert link_score(council, vote) is not None


def test_one_side_telling_the_same_thing_first_asks_half_the_doubt() -> None:
    both = crisis_day("a", {"villages", "shelled", "syunik"})
    one_side = replace(
        crisis_day("b", {"villages", "syunik", "wounded"}), parties=frozenset({"ARM"})
    )
    assert parties_agree(both, one_side) == "weak"
    assert openings_agree(both.cues, one_side.cues)
    similarity = content_similarity(both, one_side)
    assert link_score(both, one_side) == pytest.approx(similarity / LONE_WEAK_FACTOR)
    # ...and the full doubt when the openings tell different things
    other = replace(crisis_day("c", {"drone", "post", "zangilan"}), parties=frozenset({"ARM"}))
    assert link_score(both, other) == pytest.approx(
        content_similarity(both, other) / WEAK_FACTOR**2
    )


def test_the_opening_is_the_title_and_the_first_two_sentences_not_a_byline() -> None:
    cues = event_cues("Pakistan and Russia agree to restart pipeline", PIPELINE, WEDNESDAY)
    # the byline ("By Hina Qureshi") is no sentence of the story: the second one counts
    assert {"restart", "karachi", "1100", "sorokin", "74"} <= cues.opening
    assert "qureshi" in cues.names
    # the third sentence on is background, whatever it names
    assert "afghanistan" not in cues.opening and "september" not in cues.opening
    assert cues.opening <= cues.names | cues.terms | cues.figures


def crisis_day(aid: str, opening: set[str]) -> EventReport:
    """A report of one day of a crisis: the crisis's cast and places in its background, its
    own development up front."""
    cast = {"aliyev", "pashinyan", "lachin"}
    cues = EventCues(
        EventDay(date(2026, 5, 12), date(2026, 5, 12), "publication"),
        frozenset({"incident"}),
        frozenset(cast | {x for x in opening if x[0] != "#"}),
        frozenset(),
        frozenset({f"{aid}-word-{i}" for i in range(20)}),
        frozenset(opening),
    )
    return EventReport(aid, WEDNESDAY, frozenset({"ARM", "AZE"}), frozenset(), cues)


def test_reports_that_tell_different_things_first_need_more_in_common() -> None:
    # Two days' developments of one crisis: the same cast further down, nothing shared up
    # front (villages shelled; a drone strike on a post).
    shelling = crisis_day("a", {"villages", "shelled", "syunik"})
    drone = crisis_day("b", {"drone", "post", "zangilan"})
    assert not openings_agree(shelling.cues, drone.cues)
    similarity = content_similarity(shelling, drone)
    assert similarity >= LINK_THRESHOLD
    assert link_score(shelling, drone) == pytest.approx(similarity / WEAK_FACTOR)
    assert (link_score(shelling, drone) or 0) < LINK_THRESHOLD
    # Two reports of the shelling tell it first, in their own words but with its facts.
    again = crisis_day("c", {"villages", "syunik", "wounded"})
    assert openings_agree(shelling.cues, again.cues)
    assert link_score(shelling, again) == pytest.approx(content_similarity(shelling, again))


def test_openings_in_two_scripts_are_not_asked_to_agree() -> None:
    # A Russian report of the shelling and an English one share no words up front by nature:
    # the rule does not weaken them, where two English reports telling other things are.
    shelling = crisis_day("a", {"villages", "shelled", "syunik"})
    russian = crisis_day("r", {"обстрел", "сёла", "сюник"})
    assert not openings_agree(shelling.cues, russian.cues)
    assert link_score(shelling, russian) == pytest.approx(content_similarity(shelling, russian))


def test_groups_are_named_after_their_earliest_report() -> None:
    t = WEDNESDAY
    reports = {"c": t, "a": t + timedelta(hours=2), "b": t - timedelta(hours=1), "z": t}
    events = group_events(reports, [("a", "c"), ("b", "c")])
    assert events == {"a": "b", "b": "b", "c": "b", "z": "z"}


@settings(max_examples=25, deadline=None)
@given(rng=st.randoms(use_true_random=False), batches=st.integers(min_value=1, max_value=4))
def test_the_same_reports_in_any_order_and_batches_give_the_same_events(
    rng: random.Random, batches: int, taxonomy: Taxonomy
) -> None:
    reports = _scenario(taxonomy)
    expected = group_events(
        {r.article_id: r.published for r in reports}, _pairs(find_links(reports))
    )
    order = list(reports)
    rng.shuffle(order)
    stored: list[EventReport] = []
    links = []
    size = max(1, len(order) // batches)
    for start in range(0, len(order), size):
        batch = order[start : start + size]
        links += find_links(batch, stored)
        stored += batch
    assert group_events({r.article_id: r.published for r in reports}, _pairs(links)) == expected
    assert len(set(expected.values())) == 3  # the meeting, the week-later meeting, the railway


_SCENARIO: list[EventReport] = []
MEETING = "Pakistan and Russia agree to restart pipeline"
FUNDING = "Russia ready to fund Pakistan gas link"


def _scenario(taxonomy: Taxonomy) -> list[EventReport]:
    """Three reports of one meeting, two of the same pair's meeting a week later, a railway."""
    if not _SCENARIO:
        week, hours = timedelta(days=7), timedelta(hours=5)
        for aid, title, body, offset in [
            ("m1", MEETING, PIPELINE, timedelta()),
            ("m2", FUNDING, PIPELINE_INDEPENDENT, timedelta()),
            ("m3", "Moscow to fund gas pipeline", PIPELINE_INDEPENDENT, hours),
            ("n1", MEETING, PIPELINE, week),
            ("n2", FUNDING, PIPELINE_INDEPENDENT, week),
            ("r1", "Uzbekistan, Pakistan sign railway deal", RAILWAY, timedelta()),
        ]:
            _SCENARIO.append(record(aid, title, body, WEDNESDAY + offset, taxonomy))
    return _SCENARIO


def _pairs(links: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(link.first, link.second) for link in links]


@pytest.mark.parametrize(
    ("body", "language", "expected", "basis"),
    [
        (
            "El canciller recibió este martes en Santiago a su par.",
            "es",
            date(2026, 3, 3),
            "weekday",
        ),
        (
            "Le ministre a signé ce lundi à Rabat une déclaration.",
            "fr",
            date(2026, 3, 2),
            "weekday",
        ),
        (
            "Die Ministerin hat am Montag ihren Amtskollegen empfangen.",
            "de",
            date(2026, 3, 2),
            "weekday",
        ),
        ("O presidente assinou nesta terça-feira sete acordos.", "pt", date(2026, 3, 3), "weekday"),
        ("Министр провел во вторник в Астане переговоры.", "ru", date(2026, 3, 3), "weekday"),
        ("La comisión se reunió ayer por primera vez.", "es", date(2026, 3, 3), "relative"),
        ("Les deux ministres se sont entretenus hier à Alger.", "fr", date(2026, 3, 3), "relative"),
        ("Firmaron el 2 de marzo de 2026 un acuerdo.", "es", date(2026, 3, 2), "date"),
        ("Les ministres ont signé le 2 mars un accord.", "fr", date(2026, 3, 2), "date"),
        ("Стороны подписали 2 марта соглашение.", "ru", date(2026, 3, 2), "date"),
        # words of the future put the day ahead, as in English
        (
            "Los cancilleres se reunirán el próximo lunes en Lima.",
            "es",
            date(2026, 3, 9),
            "weekday",
        ),
        ("Die Minister werden am Montag in Berlin beraten.", "de", date(2026, 3, 9), "weekday"),
        # alone, a weekday of another language may be a name; German "hier" is "here"
        (
            "Undersecretary Lazaro Domingo said talks went well.",
            "en",
            WEDNESDAY.date(),
            "publication",
        ),
        (
            "Die Minister sind hier in Berlin zusammengekommen.",
            "de",
            WEDNESDAY.date(),
            "publication",
        ),
    ],
)
def test_the_event_day_is_read_in_other_languages(
    body: str, language: str, expected: date, basis: str
) -> None:
    found = event_day("", body, WEDNESDAY, language)
    assert (found.latest, found.basis) == (expected, basis)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("un comercio de 9.800 millones de dólares", "es", {"9.8e+09"}),
        ("une ligne de 1,2 milliard de dollars", "fr", {"1.2e+09"}),
        ("eine Linie von 1,2 Milliarden Dollar", "de", {"1.2e+09"}),
        ("uma linha de 1,2 mil milhões de dólares", "pt", {"1.2e+09"}),
        ("20 000 barriles diarios a 19,28 dólares", "es", {"2e+04", "19.28"}),
        (
            "a $1.2 billion line, 20,000 barrels a day at $19.28",
            "en",
            {"1.2e+09", "2e+04", "19.28"},
        ),
        ("صفقات بقيمة 1.2 مليار دولار", "ar", {"1.2e+09"}),
    ],
)
def test_figures_are_read_as_their_language_writes_numbers(
    text: str, language: str, expected: set[str]
) -> None:
    assert event_cues("", text, WEDNESDAY, (), language).figures == expected


def test_cyrillic_names_meet_their_latin_spelling() -> None:
    russian = event_cues(
        "", "Министр Сергей Лавренев провел переговоры с Ерланом Ахметовым.", WEDNESDAY, (), "ru"
    )
    english = event_cues("", "Minister Sergey Lavrenev held talks with Yerlan Akhmetov.", WEDNESDAY)
    assert {"sergey", "lavrenev"} <= russian.names & english.names


def test_reports_in_two_languages_are_compared_on_names_figures_and_areas() -> None:
    day = EventDay(date(2026, 3, 3), date(2026, 3, 3), "weekday")
    names, figures = frozenset({"valdivia", "irazabal"}), frozenset({"9.8e+09"})
    spanish = EventCues(day, frozenset(), names, figures, frozenset({"camion", "litio"}))
    english = EventCues(day, frozenset(), names, figures, frozenset({"truck", "lithium"}))
    sides = frozenset({"ARG", "CHL"})
    a = EventReport("a", WEDNESDAY, sides, frozenset({"trade"}), spanish, sides, language="es")
    b = EventReport("b", WEDNESDAY, sides, frozenset({"trade"}), english, sides, language="en")
    # the lede words of two languages cannot meet: they are left out, not counted as unshared
    assert content_similarity(a, b) == pytest.approx(1.0)
    # in one language they count
    assert content_similarity(a, replace(b, language="es")) < 0.8
    assert content_similarity(a, replace(b, language="")) < 0.8


@pytest.mark.parametrize(
    ("title", "language", "venue"),
    [
        ("Le ministre reçoit son homologue à Rabat", "fr", "MAR"),
        ("El canciller recibe a su par chileno en Buenos Aires", "es", "ARG"),
        ("Ministerin empfängt Amtskollegen in Berlin", "de", "DEU"),
    ],
)
def test_the_venue_is_read_in_other_languages(title: str, language: str, venue: str) -> None:
    assert (
        event_cues(title, "Les deux ministres ont parlé.", WEDNESDAY, (), language).venue == venue
    )
