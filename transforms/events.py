"""Events: independent reports of one real-world meeting, visit, signing or exercise, grouped.

Near-duplicate detection (`dedup`) links copies of one text into a story. Reports of the same
event written independently share facts, not sentences: the same parties, the same day (the
event's day, read from the text relative to the publication time: "on Tuesday", "yesterday",
"on 11 April"), the same people and places, the same figures, the same kind of event. Two
reports are linked when their parties agree, their event days agree (the same day, or
overlapping spans: "last week", "two days of talks", a report without a date published the
morning after; weakly, a day apart where one report gives no date), their kinds do not
contradict each other (a phone call is not a visit; a meeting about drills is a meeting) and
their content overlaps enough (`LINK_THRESHOLD`, chosen on bench/events' labelled pairs; a
weak agreement on parties or day asks for more, and so do openings that share little: reports
of one event tell it in their first lines, days of one crisis share their background). Two
reports that place their event in two capitals are two events, and so are a title telling a
multilateral body's act and a report that does not name the body up front.
An event is a connected group of linked reports: the links depend on the two reports only,
so the same reports give the same events in any order, and the event is named after its
earliest report.

Copies of one story belong to one event: only a story's first copy is compared, and its
copies follow it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from entente.transforms.countries import NameSpan, name_spans
from entente.transforms.records import CountryMention
from entente.transforms.sentences import sentence_spans

EVENTS_VERSION = "6"

# Chosen on bench/events' labelled pairs (its README has the sweep): every different event of
# the tuning split scored below 0.07, every report of one event but one above 0.12.
LINK_THRESHOLD = 0.1

# --- event day -------------------------------------------------------------------------------

_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# Weekdays, months and relative days in the other languages reports come in (Spanish, French,
# German, Portuguese, Italian, Russian in the forms that follow "в"/"во"): a Spanish report's
# "este martes" dates its event as an English one's "on Tuesday" does.
_WEEKDAYS_OTHER = [
    "lunes lundi montag segunda-feira lunedì понедельник",
    "martes mardi dienstag terça-feira martedì вторник",
    "miércoles mercredi mittwoch quarta-feira mercoledì среду среда",
    "jueves jeudi donnerstag quinta-feira giovedì четверг",
    "viernes vendredi freitag sexta-feira venerdì пятницу пятница",
    "sábado samedi samstag sonnabend sabato субботу суббота",
    "domingo dimanche sonntag domenica воскресенье",
]
_WEEKDAYS.update(
    {name: index for index, names in enumerate(_WEEKDAYS_OTHER) for name in names.split()}
)
_MONTHS_OTHER = [
    "enero janvier januar janeiro gennaio января",
    "febrero février februar fevereiro febbraio февраля",
    "marzo mars märz março марта",
    "abril avril aprile апреля",
    "mayo mai maio maggio мая",
    "junio juin juni junho giugno июня",
    "julio juillet juli julho luglio июля",
    "agosto août августа",
    "septiembre setiembre septembre setembro settembre сентября",
    "octubre octobre oktober outubro ottobre октября",
    "noviembre novembre november novembro ноября",
    "diciembre décembre dezember dezembro dicembre декабря",
]
_MONTHS.update(
    {name: index for index, names in enumerate(_MONTHS_OTHER, start=1) for name in names.split()}
)
_RELATIVE_OTHER = {
    "hoy": 0, "aujourd'hui": 0, "aujourd’hui": 0, "heute": 0, "hoje": 0, "oggi": 0,
    "сегодня": 0, "اليوم": 0,
    "ayer": -1, "hier": -1, "gestern": -1, "ontem": -1, "ieri": -1, "вчера": -1, "أمس": -1,
    "امس": -1,
    "anteayer": -2, "avant-hier": -2, "vorgestern": -2, "anteontem": -2, "позавчера": -2,
}  # fmt: skip
# Each relative day's offset from the publication day ("today", "tonight", "this morning": 0).
_RELATIVE_DAYS = {
    "the day before yesterday": -2,
    "yesterday": -1,
    "last night": -1,
    "tomorrow": 1,
    **_RELATIVE_OTHER,
}


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of words, longest first (so "mars" is not read as "mar")."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November"
    r"|December|" + _alternatives(w for n in _MONTHS_OTHER for w in n.split()) + r"|Jan|Feb|Mar"
    r"|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_MONTH2 = _MONTH.replace("?P<month>", "?P<month2>")
_ORD = r"(?:st|nd|rd|th)?"
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# Another language's weekday counts after the words that make it a day ("este martes", "ce
# lundi", "am Montag", "nesta terça-feira", "во вторник"): alone it may be a name (Domingo).
_WEEKDAY_OTHER = (
    r"\b(?:el|este|ese|del|pasado|pr[oó]xim[oa]|[uú]ltim[oa]|ce|le|am|vom|diesen|letzten"
    r"|n[aä]chsten|kommenden|nesta|neste|nessa|nesse|na|no|esta|questo|il|во|в)\s+"
    r"(?P<weekday_other>" + _alternatives(w for n in _WEEKDAYS_OTHER for w in n.split()) + r")\b"
)

# Alternatives of one regex, so the first expression of a sentence wins whatever its form.
_TEMPORAL = re.compile(
    "|".join(
        [
            # 10-11 April 2026, 26 January, 15th of March
            r"\b(?:(?P<day_from>\d{1,2})"
            + _ORD
            + r"\s*[-–]\s*)?(?P<day>\d{1,2})"
            + _ORD
            + r"\.?\s+(?:of\s+|de\s+)?"
            + _MONTH
            + r"(?:,?\s+(?:de\s+)?(?P<year>\d{4}))?\b",
            # January 15, Nov. 5, 2026, April 10-11
            r"\b"
            + _MONTH2
            + r"\s+(?P<day2>\d{1,2})"
            + _ORD
            + r"(?:\s*[-–]\s*(?P<day2_to>\d{1,2})"
            + _ORD
            + r")?(?:,?\s+(?P<year2>\d{4}))?\b",
            # 2026-06-03
            r"\b(?P<iso>\d{4}-\d{2}-\d{2})\b",
            r"\b(?P<relative>the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow"
            r"|this\s+(?:morning|afternoon|evening)|earlier\s+today|last\s+night|"
            + _alternatives(_RELATIVE_OTHER)
            + r")\b",
            r"\b(?P<week>(?:last|this|next)\s+week(?:end)?|(?:at|over)\s+the\s+weekend"
            r"|earlier\s+this\s+week|later\s+this\s+week)\b",
            r"\b(?P<weekday_mod>last|this|next|on|from|until|by|since)?\s*"
            + _WEEKDAY
            + r"(?:['’]s)?\b",
            _WEEKDAY_OTHER,
        ]
    ),
    re.IGNORECASE,
)
# Words before an expression, in its sentence, that put it in the future: "will travel on
# Thursday", "is to visit", "plans to", "ahead of".
_FUTURE = re.compile(
    r"\b(?:will|shall|is\s+to|are\s+to|to\s+(?:hold|visit|travel|meet|sign|host|attend|begin"
    r"|start|open)|plans?\s+to|planned|scheduled|expected\s+to|due\s+to|ahead\s+of|would\s+host"
    r"|next"
    # ...and the same words of other languages: "el próximo martes", "mardi prochain" (the
    # word may follow), "wird am Montag", "будет", "prevista para"
    r"|pr[oó]xim[oa]s?|prochaine?s?|n[aä]chste[nmrs]?|wird|werden|будет|будут|следующ\w*"
    r"|previst[oa]s?|prévue?s?|se\s+rendra|viajar[aá]|visitar[aá]|se\s+reunir[aá]n?)\b",
    re.IGNORECASE,
)
# An expression right after these words dates the reporting, not the event: "said on Monday".
_REPORTING = re.compile(
    r"\b(?:said|says|announced|told|stated|reported|confirmed|added|tweeted|wrote|posted"
    r"|according\s+to\s+[\w\s]{1,40}?)\s*,?\s*$",
    re.IGNORECASE,
)
# ...and right before these: "today announced".
_REPORTING_AFTER = re.compile(
    r"^\s*,?\s*(?:announced|said|told|confirmed|stated|reported)\b", re.IGNORECASE
)
# An expression in an aside that tells what happened before the event ("the trawler, detained
# on Monday, was released on Thursday"; "held since Monday"): the aside opens after a comma
# with a past participle or "who"/"which" and closes with a comma right after the expression.
_ASIDE_OPENS = re.compile(
    r",\s*(?:who|which|[a-z]+ed|held|taken|seized|caught|shot|kept|brought|sent|struck|hit"
    r"|stolen|begun|known)\b[^,;:]*$"
)
_ASIDE_CLOSES = re.compile(r"^\s*,")
_SINCE = re.compile(r"\bsince\s*$", re.IGNORECASE)
_LEDE_SENTENCES = 3
# What a report tells first: its title and this many sentences (`EventCues.opening`).
OPENING_SENTENCES = 2
_SENTENCE_WORDS = 6


@dataclass(frozen=True, slots=True)
class EventDay:
    """When a report says its event happened: between `earliest` and `latest` (one day for
    "on Tuesday", several for "last week"); `basis` says how it was read."""

    earliest: date
    latest: date
    basis: str  # "date", "relative", "weekday", "week", "publication"

    @property
    def day(self) -> date:
        """The one day that stands for the event: the latest day it can have happened."""
        return self.latest


def _weekday_date(anchor: date, weekday: int, modifier: str, future: bool) -> date:
    if modifier == "next":
        ahead = (weekday - anchor.weekday()) % 7 or 7
        return anchor + timedelta(days=ahead)
    if modifier == "last":
        back = (anchor.weekday() - weekday) % 7 or 7
        return anchor - timedelta(days=back)
    if future:
        return anchor + timedelta(days=(weekday - anchor.weekday()) % 7)
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7)


def _nearest_year(anchor: date, month: int, day: int) -> date | None:
    best: date | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - anchor).days) < abs((best - anchor).days):
            best = candidate
    return best


def _resolve(match: re.Match[str], anchor: date, future: bool) -> EventDay | None:
    groups = match.groupdict()
    if groups["month"] or groups["month2"]:
        month = _MONTHS[(groups["month"] or groups["month2"]).lower().rstrip(".")]
        day = int(groups["day"] or groups["day2_to"] or groups["day2"])
        first = groups["day_from"] or (groups["day2"] if groups["day2_to"] else None)
        year = groups["year"] or groups["year2"]
        try:
            latest = date(int(year), month, day) if year else _nearest_year(anchor, month, day)
            earliest = latest.replace(day=int(first)) if first and latest else latest
        except ValueError:
            return None
        if latest is None or earliest is None or earliest > latest:
            return None
        return EventDay(earliest, latest, "date")
    if groups["iso"]:
        try:
            day_ = date.fromisoformat(groups["iso"])
        except ValueError:
            return None
        return EventDay(day_, day_, "date")
    if groups["relative"]:
        word = " ".join(groups["relative"].lower().split())
        offset = _RELATIVE_DAYS.get(word, 0)
        day_ = anchor + timedelta(days=offset)
        return EventDay(day_, day_, "relative")
    if groups["week"]:
        word = " ".join(groups["week"].lower().split())
        if word.startswith("last"):
            return EventDay(anchor - timedelta(days=10), anchor - timedelta(days=4), "week")
        if word.startswith("next"):
            return EventDay(anchor + timedelta(days=4), anchor + timedelta(days=10), "week")
        if word == "later this week":
            return EventDay(anchor, anchor + timedelta(days=5), "week")
        return EventDay(anchor - timedelta(days=5), anchor + timedelta(days=1), "week")
    if groups["weekday"] or groups["weekday_other"]:
        weekday = _WEEKDAYS[(groups["weekday"] or groups["weekday_other"]).lower()]
        modifier = (groups["weekday_mod"] or "").lower()
        day_ = _weekday_date(anchor, weekday, modifier, future)
        return EventDay(day_, day_, "weekday")
    return None


# "two days of talks", "a six-day exercise": an event that lasts, read from the same sentence.
_DURATION = re.compile(
    r"\b(?P<n>two|three|four|five|six|seven|[2-7])[- ]days?\b(?:\s+of\b)?", re.IGNORECASE
)
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_STARTS = re.compile(
    r"\b(?:began|begins?|begun|start(?:s|ed)?|open(?:s|ed)?|launch(?:es|ed)?"
    r"|kick(?:s|ed)\s+off|set\s+out|arriv(?:es|ed))\b",
    re.IGNORECASE,
)
# An explicit date this many days before the publication is background ("the sailors captured
# on March 23"), not the day of what the report tells.
BACKGROUND_DAYS = 3
MORNING_ENDS = 12


def _lasting(found: EventDay, sentence: str) -> EventDay:
    """`found` widened to the length a sentence gives its event: forward from a start ("began
    two days of talks on Monday"), else back from an end ("after two days of talks")."""
    match = _DURATION.search(sentence)
    if match is None or found.earliest != found.latest:
        return found
    word = match.group("n").lower()
    days = _COUNTS.get(word) or int(word)
    if _STARTS.search(sentence):
        return EventDay(found.earliest, found.earliest + timedelta(days=days - 1), found.basis)
    return EventDay(found.latest - timedelta(days=days - 1), found.latest, found.basis)


def event_day(
    title: str | None, body: str, published: datetime, language: str | None = None
) -> EventDay:
    """The day a report's event happened, read from its lede relative to its publication.

    The first date expression of the lede that does not date the reporting ("said on
    Monday") wins; then one that does; then the title's; else the publication day, or the
    day before it for a report published in the morning. An explicit date well before the
    publication is background and skipped; an event said to last days covers them.
    """
    anchor = published.date()
    background: EventDay | None = None
    for text, sentences in ((body, _LEDE_SENTENCES), (title or "", 1)):
        reporting: EventDay | None = None
        for start, end in sentence_spans(text)[:sentences]:
            sentence = text[start:end]
            for match in _TEMPORAL.finditer(sentence):
                before = sentence[: match.start()]
                future = bool(_FUTURE.search(before[-60:])) or (
                    (match.groupdict().get("weekday_mod") or "").lower() == "next"
                )
                found = _resolve(match, anchor, future)
                if found is None or (language == "de" and match.group().lower() == "hier"):
                    continue  # German "hier" is "here", not the French "yesterday"
                if found.basis == "date" and (anchor - found.latest).days > BACKGROUND_DAYS:
                    continue
                found = _lasting(found, sentence)
                after = sentence[match.end() :]
                if (
                    (match.groupdict().get("weekday_mod") or "").lower() == "since"
                    or _SINCE.search(before)
                    or (_ASIDE_OPENS.search(before) and _ASIDE_CLOSES.match(after))
                ):
                    background = background or found
                    continue
                if _REPORTING.search(before[-40:]) or _REPORTING_AFTER.match(after):
                    reporting = reporting or found
                    continue
                return found
        if reporting is not None:
            return reporting
    if background is not None:
        return background
    # Nothing in the text says when: the day of publication, or the day before for a report
    # published in the morning (local time, where the publication time says it).
    earliest = anchor - timedelta(days=1) if published.hour < MORNING_ENDS else anchor
    return EventDay(earliest, anchor, "publication")


def day_gap(a: EventDay, b: EventDay) -> int:
    """Days between two event days (0 when their spans overlap)."""
    return max(0, (a.earliest - b.latest).days, (b.earliest - a.latest).days)


# How well two reports agree on who or when (`parties_agree`, `days_agree`).
STRONG = "strong"
WEAK = "weak"

# A report that says nothing of when is dated by its publication, a guess: it may tell of the
# day before, or the other report may date a later step of the same visit ("returned this
# morning"). Its day may be this many days off the other report's, an agreement as weak as
# a party seen from one side only (`link_score`).
UNDATED_SLACK = 1


def days_agree(a: EventDay, b: EventDay) -> str | None:
    """Whether two reports' event days can be one: `STRONG` when their spans overlap, `WEAK`
    when they are a day apart and either report states no day, None otherwise."""
    gap = day_gap(a, b)
    if not gap:
        return STRONG
    slack = UNDATED_SLACK if "publication" in (a.basis, b.basis) else 0
    return WEAK if gap <= slack else None


def key_span(day: EventDay) -> tuple[date, date]:
    """The span a report's candidate keys cover: its event day, widened by the slack of a
    report that states no day, so that reports whose `days_agree` have overlapping spans."""
    slack = timedelta(days=UNDATED_SLACK if day.basis == "publication" else 0)
    return day.earliest - slack, day.latest + slack


# --- kinds -----------------------------------------------------------------------------------

# What sort of event a report describes, from its title and lede. A report can be several
# (a visit during which a deal was signed); only kinds that exclude each other separate two
# reports: a phone call is not a visit, an exercise is not a negotiation.
_KINDS: dict[str, re.Pattern[str]] = {
    "call": re.compile(
        r"\b(?:(?:tele)?phone\s+(?:calls?|conversations?|talks?)|by\s+(?:tele)?phone|phoned"
        r"|video\s*(?:call|conference|link)|(?:tele)?phone\s+with)\b",
        re.IGNORECASE,
    ),
    "exercise": re.compile(
        r"\b(?:exercises?|drills?|war\s*games|manoeuvres|maneuvers)\b", re.IGNORECASE
    ),
    "incident": re.compile(
        r"\b(?:clash(?:ed|es)?|exchanged\s+fire|firefight|shell(?:ed|ing)|kill(?:ed|ing|s)"
        r"|ambush(?:ed)?|(?:air|drone|missile)\s*strikes?|drones?\s+(?:hit|attack)(?:ed|s)?)\b",
        re.IGNORECASE,
    ),
    "operation": re.compile(
        r"\b(?:arrest(?:ed|ing|s)?|dismantled?|seized|busted|detained)\b", re.IGNORECASE
    ),
    # Two sides dealing with each other: in person or not, the rest can be its subject.
    "meeting": re.compile(
        r"\b(?:talks|met|meets?|meeting|visit(?:s|ed|ing)?|discuss(?:es|ed|ing)?|conferred"
        r"|received|receives|hosted|hosts|summit|signed|signs|agreed|agree|called\s+on)\b",
        re.IGNORECASE,
    ),
}
# Kinds that cannot describe the same event as the other kind in a pair.
_EXCLUSIVE = ("call", "exercise", "incident", "operation")
# Exclusive kinds that a meeting can have as its subject: ministers who "agreed to expand
# joint drills" or met "days after a bombing killed 19" report a meeting, not the drill or
# the bombing. A call is never a meeting in person.
_SUBJECTS = frozenset({"exercise", "incident", "operation"})


def event_kinds(title: str | None, body: str) -> frozenset[str]:
    """The kinds (`call`, `exercise`, `incident`, `operation`, `meeting`) a report's title and
    lede name."""
    spans = sentence_spans(body)[:1]
    lede = " ".join([title or "", *(body[s:e] for s, e in spans)])
    return frozenset(kind for kind, pattern in _KINDS.items() if pattern.search(lede))


def kinds_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two reports' kinds can describe one event: neither names an exclusive kind
    the other lacks, unless that report also tells of a meeting and the kind can be its
    subject."""
    for kind in _EXCLUSIVE:
        if (kind in a) == (kind in b):
            continue
        holder = a if kind in a else b
        if not (kind in _SUBJECTS and "meeting" in holder):
            return False
    return True


# --- content ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(
    r"(?<![\w.])(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?:-\s*)?"
    r"(?P<scale>billion|bn|million|mn|m|trillion|thousand|k|مليار|مليون)?\b",
    re.IGNORECASE,
)
# The same, written as most of continental Europe and Latin America write it: "9.800
# millones", "1,5 Milliarden", "20 000 barriles", "4 milliards", "1,2 mil milhões".
_NUMBER_CONTINENTAL = re.compile(
    r"(?<![\w.,])(?P<value>\d{1,3}(?:[.\u00a0\u202f ]\d{3})+(?![\d,])|\d+(?:,\d+)?)\s*"
    r"(?P<scale>mil\s+mill[oó]n(?:es)?|mil\s+milh(?:ão|ões)|millones|mill[oó]n|milh(?:ão|ões)"
    r"|bilh(?:ão|ões)|milliards?|milliarden|milliarde|millions?|millionen|mrd|mio|mil"
    r"|млрд|миллиард(?:а|ов)?|млн|миллион(?:а|ов)?)?\b",
    re.IGNORECASE,
)
# Languages that write a decimal comma and group thousands with a point or a space.
_CONTINENTAL = frozenset({"es", "fr", "de", "pt", "it", "ru", "nl", "pl", "ro", "tr", "id"})
_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "mil": 1e3,
    "millones": 1e6,
    "millon": 1e6,
    "millón": 1e6,
    "milhão": 1e6,
    "milhões": 1e6,
    "millions": 1e6,
    "millionen": 1e6,
    "mio": 1e6,
    "milliard": 1e9,
    "milliards": 1e9,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "mrd": 1e9,
    "bilhão": 1e9,
    "bilhões": 1e9,
    "مليار": 1e9,
    "مليون": 1e6,
    "млрд": 1e9,
    "миллиард": 1e9,
    "миллиарда": 1e9,
    "миллиардов": 1e9,
    "млн": 1e6,
    "миллион": 1e6,
    "миллиона": 1e6,
    "миллионов": 1e6,
}
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
}  # fmt: skip

# Capitalised words that are not names: sentence openers, titles, institutions, calendar.
_NOT_NAMES_TEXT = """
    a an the this that these those it its he she his her they their we our i you in on at to of
    for by from with and or but as after before during while when where which who whom whose
    under over about against between into through than then there here also however meanwhile
    mr mrs ms dr sir his her prince princess sheikh emir king queen president presidents prime
    minister ministers ministry secretary state deputy vice chief general gen lt col adm
    chancellor premier head government governments foreign affairs defence defense interior
    trade commerce economy energy finance health education agriculture transport justice
    planning development industry electricity environment national federal central council
    commission committee department office agency press service republic kingdom union
    parliament senate assembly cabinet army navy air force forces coast guard police
    ambassador embassy delegation spokesman spokeswoman spokesperson officials official leader
    leaders team house palace day week month year monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october
    november december today yesterday tomorrow joint first second third new high level
    annual international world global north south east west northern southern eastern western
    united people statement agreement memorandum treaty summit talks meeting visit news
    outcomes minister's secretary-general undersecretary director-general chairman chair
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# Words every report of diplomacy uses: they say nothing about which event it is.
_GENERIC_TEXT = """
    about above after again against agreed agree agrees agreement agreements along also although
    among another around because been before being between both bilateral called came can
    cannot capital close closer cooperation could countries country counterpart counterparts
    day days deal deals delegation delegations discuss discussed discussion discussions during
    each either expected first foreign from further government governments have having held hold
    holds including into issues joint just last late later leader leaders like made make many
    meet meeting meetings meets ministers minister ministry more most much must need neighbours
    news next officials official other over part partners partnership people president relations
    relationship said says second side sides signed sign signing since some spokesman statement
    still such talks than that their them then there these they this those though three through
    time told took toward towards two under until upon very visit visited visiting visits want
    wanted week well were what when where which while will with within without would year years
    according added announced asked based began begin between both came called country's
    governments' including itself new next now only over per said since their today tuesday
    monday wednesday thursday friday saturday sunday yesterday tomorrow percent cent
"""
_GENERIC = frozenset(_GENERIC_TEXT.split())


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    # Cached: a report's words repeat, and so do a run's (names, the area's vocabulary).
    text = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")


# Names written in Cyrillic, spelled in Latin letters as English-language reports spell them
# (Лавренев: Lavrenev, Ахметов: Akhmetov): a Russian report and an English one then share the
# names of the people they both tell of.
_CYRILLIC = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        "ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
        "ь": "", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
    }
)  # fmt: skip


def _latin(word: str, folded: str) -> str:
    """A word's folded form in Latin letters: a Cyrillic word transliterated (before folding,
    which would turn й into и), any other as folded."""
    if folded.isascii():
        return folded
    return _fold(word.casefold().translate(_CYRILLIC))


def _stem(word: str) -> str:
    """A crude stem, enough for "pipelines"/"pipeline" and "signed"/"signs" to meet."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + keep
    return word


def _scale(word: str) -> float:
    words = word.lower().split()
    if len(words) == 2:  # "mil millones", "mil milhões": a thousand millions
        return 1e9
    return _SCALES.get(" ".join(words), 1.0)


def _figures(text: str, language: str | None = None) -> set[str]:
    """The figures of a text, normalised (1.2e+09 for "$1.2 billion", "1,2 mil milhões" and
    "1,2 Milliarden" alike), read in the way of writing numbers of its language."""
    found: set[str] = set()
    continental = language in _CONTINENTAL
    for match in (_NUMBER_CONTINENTAL if continental else _NUMBER).finditer(text):
        raw = match.group("value")
        if continental:
            raw = re.sub(r"[.\u00a0\u202f ]", "", raw).replace(",", ".")
        else:
            raw = raw.replace(",", "")
        value = float(raw)
        scale = (match.group("scale") or "").lower()
        value *= _scale(scale)
        if not scale and 1900 <= value <= 2100 and "." not in raw:
            continue  # a year says when, and the event day says that better
        if not scale and value <= 31 and "." not in raw:
            # Small bare numbers are mostly days of a month, counts of ministers, ordinals.
            following = text[match.end() : match.end() + 12].lower()
            if not re.match(r"\s*(?:percent|per\s+cent|%|km|kilomet|mw|megawatt)", following):
                continue
        found.add(f"{value:.4g}")
    for word in _TOKEN.findall(text.lower()):
        if word in _NUMBER_WORDS and _NUMBER_WORDS[word] > 10:
            found.add(f"{float(_NUMBER_WORDS[word]):.4g}")
    return found


@dataclass(frozen=True, slots=True)
class EventCues:
    """What event grouping reads in one report, computed once from its text."""

    day: EventDay
    kinds: frozenset[str]
    names: frozenset[str]  # people, places and bodies, folded, one word each
    figures: frozenset[str]  # amounts, quantities, shares, normalised
    terms: frozenset[str]  # content words of the title and lede, stemmed
    # The names, words and figures above that the title or the first two sentences tell: what
    # the report puts first (`openings_agree`).
    opening: frozenset[str] = frozenset()
    # The capital the title (else the first sentence) places the event in ("talks in Tokyo"),
    # as the country code of its seat; "" when it names none (`venues_agree`).
    venue: str = ""
    # The multilateral body a title opens with, its subject ("Arab League urges..."), or "".
    lead: str = ""
    # The multilateral bodies the title or the first two sentences name.
    bodies: frozenset[str] = frozenset()


def _country_words(found: Iterable[NameSpan], parties: frozenset[str]) -> _Spans:
    """The spans of names that only restate who the parties are: any country's name or
    demonym, and the seat of government of a party ("Islamabad said"). A third country's
    capital (a venue) and a leader's name are kept: they tell events apart."""
    return _Spans(
        (span.start, span.end)
        for span in found
        if span.kind in ("name", "demonym", "organisation")
        or (span.kind == "seat" and span.code in parties)
    )


class _Spans:
    """A set of character spans, merged where they overlap or touch, asked whether a word
    falls wholly outside all of them (every word of a report asks, so by bisection)."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(spans):
            if self._ends and start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def outside(self, start: int, end: int) -> bool:
        """Whether [start, end) shares no character with any span."""
        # the first merged span ending after `start` is the only one that can overlap
        index = bisect_right(self._ends, start)
        return index == len(self._ends) or self._starts[index] >= end


def _opening_end(body: str, spans: Sequence[tuple[int, int]]) -> int:
    """Where the first `OPENING_SENTENCES` sentences of a body end, counting only sentences
    of some words (a byline or a dateline on its own line tells nothing)."""
    end, counted = 0, 0
    for start, stop in spans:
        end = stop
        if len(_TOKEN.findall(body, start, stop)) >= _SENTENCE_WORDS:
            counted += 1
            if counted == OPENING_SENTENCES:
                break
    return end


def event_cues(
    title: str | None,
    body: str,
    published: datetime,
    parties: Iterable[str] = (),
    language: str | None = None,
) -> EventCues:
    """Everything event grouping needs of one report's text; `parties` are its parties, and
    `language` the text's (names of countries are found in it, figures read as it writes them,
    a German "hier" is no day); dates are read in English and the other languages listed
    above, whatever `language` says."""
    title = title or ""
    party_set = frozenset(parties)
    names: set[str] = set()
    terms: set[str] = set()
    opening: set[str] = set()
    spans = sentence_spans(body) if body.strip() else []
    lede_end = spans[:_LEDE_SENTENCES][-1][1] if spans else 0
    opening_end = _opening_end(body, spans)
    named = name_spans(title, body, language)
    for text, lede, first, found in (
        (title, len(title), len(title), named[0]),
        (body, lede_end, opening_end, named[1]),
    ):
        skip = _country_words(found, party_set)
        for start, end in sentence_spans(text):
            for index, match in enumerate(_TOKEN.finditer(text, start, end)):
                word = match.group()
                if match.start() >= lede and not word[0].isupper():
                    continue  # past the lede only names count, and this is none
                if not skip.outside(match.start(), match.end()):
                    continue
                folded = _fold(word)
                if (
                    word[0].isupper()
                    and len(word) >= 3
                    and not (word.isupper() and len(word) > 5)  # a title in capitals
                    and folded.removesuffix("'s") not in _NOT_NAMES
                    and not (index == 0 and folded in _GENERIC)
                ):
                    fact = _latin(word, folded).removesuffix("'s")
                    names.add(fact)
                elif (
                    match.start() < lede
                    and len(folded) >= 4
                    and folded not in _GENERIC
                    and folded not in _NOT_NAMES
                    and not folded[0].isdigit()
                ):
                    fact = _stem(folded.removesuffix("'s"))
                    terms.add(fact)
                else:
                    continue
                if match.start() < first:
                    opening.add(fact)
    venue = _venue(title, named[0], (0, len(title))) or _venue(
        body, named[1], spans[0] if spans else (0, 0)
    )
    lead = next(
        (
            x.code
            for x in named[0]
            if x.kind == "organisation" and _LEADS.fullmatch(title[: x.start])
        ),
        "",
    )
    bodies = frozenset(
        x.code
        for part, limit in ((named[0], len(title)), (named[1], opening_end))
        for x in part
        if x.kind == "organisation" and x.start < limit
    )
    figures = _figures(f"{title}\n{body}", language)
    opening |= _figures(f"{title}\n{body[:opening_end]}", language) & figures
    terms -= names
    return EventCues(
        day=event_day(title, body, published, language),
        kinds=event_kinds(title, body),
        names=frozenset(names),
        figures=frozenset(figures),
        terms=frozenset(terms),
        opening=frozenset(opening & (names | terms | figures)),
        venue=venue,
        lead=lead,
        bodies=bodies,
    )


# What may come before the body a title opens with.
_LEADS = re.compile(r"\s*(?:the\s+)?", re.IGNORECASE)
# "in Tokyo", and as other languages say it: "en Santiago", "à Rabat", "em Luanda", "в Минске".
_IN = re.compile(r"(?<!\w)(?:in|at|en|à|em|в|во)\s+$", re.IGNORECASE)


def _venue(text: str, found: Iterable[NameSpan], within: tuple[int, int]) -> str:
    """The country of the first capital that `text` names right after "in" or "at" within
    the span `within`, or "" (a capital after words of the future is where the parties will
    go next: "agreed to meet again in Buenos Aires")."""
    for span in found:
        if span.kind == "seat" and within[0] <= span.start < within[1]:
            before = text[max(within[0], span.start - 60) : span.start]
            if _IN.search(before[-4:]) and not _FUTURE.search(before):
                return span.code
    return ""


def venues_agree(a: EventCues, b: EventCues) -> bool:
    """Whether two reports can tell of one event by where they place it: not when each
    places it in another capital."""
    return not (a.venue and b.venue and a.venue != b.venue)


# --- reports and links -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventReport:
    """One report (a story's first copy) as event grouping sees it."""

    article_id: str
    published: datetime
    parties: frozenset[str]
    areas: frozenset[str]
    cues: EventCues
    # Every country the report names, parties included: a report that finds only one party
    # usually names the other.
    countries: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()
    # The language the text is in (ISO 639-1, as detected at extraction), "" when unknown.
    language: str = ""

    @property
    def sides(self) -> frozenset[str]:
        """Who the event is between: its parties; with one party, the bodies it names too
        (Pakistan and the EU); with none, every country and body it names."""
        if len(self.parties) >= 2:
            return self.parties
        if self.parties:
            return self.parties | self.organisations
        return self.countries | self.organisations

    @property
    def actors(self) -> frozenset[str]:
        return self.countries | self.parties | self.organisations


NAME_WEIGHT = 2.0
FIGURE_WEIGHT = 2.0
TERM_WEIGHT = 1.0
AREA_WEIGHT = 1.0
# Reports whose kinds disagree (a phone call and a visit) need this much more in common.
KIND_PENALTY = 0.5


def _weighted(a: frozenset[str], b: frozenset[str], weight: float) -> tuple[float, float, float]:
    return len(a & b) * weight, len(a) * weight, len(b) * weight


def other_languages(a: EventReport, b: EventReport) -> bool:
    """Whether two reports are known to be written in two languages."""
    return bool(a.language and b.language and a.language != b.language)


def content_similarity(a: EventReport, b: EventReport) -> float:
    """How much two reports' facts overlap, from 0 to 1: names, figures, lede words and areas,
    weighted (a cosine over the weighted features). Reports in two languages are compared on
    the facts that do not depend on the language (names, figures, areas): their lede words
    could only meet by chance, and would weigh on both sides as facts not shared."""
    parts = [
        _weighted(a.cues.names, b.cues.names, NAME_WEIGHT),
        _weighted(a.cues.figures, b.cues.figures, FIGURE_WEIGHT),
        _weighted(a.areas, b.areas, AREA_WEIGHT),
    ]
    if not other_languages(a, b):
        parts.append(_weighted(a.cues.terms, b.cues.terms, TERM_WEIGHT))
    shared = sum(p[0] for p in parts)
    size_a = sum(p[1] for p in parts)
    size_b = sum(p[2] for p in parts)
    if not size_a or not size_b:
        return 0.0
    return float(shared / (size_a * size_b) ** 0.5)


# Reports that agree on their parties only weakly (see parties_agree), on their days (see
# days_agree) or on what they tell first (see openings_agree), need this many times the
# threshold for each.
WEAK_FACTOR = 2.5
# ...but a report that sees one side only, of the same day, kind and telling first as the
# other (its openings agree), and weak in nothing else, asks the square root of that: half the
# doubt, as the other agreements vouch for it.
LONE_WEAK_FACTOR = WEAK_FACTOR**0.5


def _single(report: EventReport) -> frozenset[str] | None:
    """The one country a report makes a party (a body it also names aside), or its one side."""
    if len(report.parties) == 1:
        return report.parties
    if len(report.sides) == 1:
        return report.sides
    return None


def parties_agree(a: EventReport, b: EventReport) -> str | None:
    """Whether two reports can be about the same parties: `STRONG` when they share two sides;
    `WEAK` when one found a single party that the other names, and names one of the other's
    sides (a report that finds only one party usually names the other), or both found the
    same single party, or one found a single party that is a side of the other (or named by
    it, when the other has one side) and names nothing the other does not (the other side
    only by its people: "Mnangagwa", "Clyde"; a country the other does not name is allowed
    when the two openings agree: "the situation in Mali" is a subject), or one report's two
    sides are both named by the other, which shares one of them, and it names nothing the
    other does not (the other made a subject a party: "support to Ukraine"); None otherwise
    (Morocco-Nigeria and Morocco-Mauritania are other pairs, unless one names both sides of
    the other)."""
    if len(a.sides & b.sides) >= 2:
        return STRONG
    for one, other in ((a, b), (b, a)):
        single = _single(one)
        if single is None:
            continue
        if single == _single(other):
            return WEAK
        if single <= other.actors and (other.sides - single) & one.actors:
            return WEAK
        if (one.actors <= other.actors or openings_agree(one.cues, other.cues)) and single <= (
            other.sides if len(other.sides) >= 2 else other.actors
        ):
            return WEAK
    for one, other in ((a, b), (b, a)):
        # The other made a country it names as a subject a party ("support to Ukraine"):
        # one report's two sides are both named by the other, one of them a side of it, and
        # the report names nothing the other does not, least of all the other's other side.
        extra = other.sides - one.sides
        if (
            len(one.sides) >= 2
            and one.sides & other.sides
            and one.actors <= other.actors
            and not one.actors & extra
        ):
            return WEAK
    return None


# Independent reports of one event tell it first: their titles and first sentences share
# names, words or figures (who met where, what was signed). Reports of successive days of one
# crisis share its cast and places further down, in the background, and often little up front.
OPENING_AGREEMENT = 2


def _script(facts: Iterable[str]) -> str:
    """The writing system most of these words are in ("LATIN", "CYRILLIC", "ARABIC"...)."""
    counts: dict[str, int] = {}
    for fact in facts:
        letter = next((ch for ch in fact if ch.isalpha()), None)
        if letter is not None:
            script = unicodedata.name(letter, "").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else ""


def openings_agree(a: EventCues, b: EventCues) -> bool:
    """Whether two reports' titles and first sentences share at least `OPENING_AGREEMENT`
    facts (names, lede words, figures)."""
    return len(a.opening & b.opening) >= OPENING_AGREEMENT


def openings_comparable(a: EventCues, b: EventCues) -> bool:
    """Whether two openings are written in one script: a Russian report's and an English
    one's share no words by nature, and are not asked to (`link_score`)."""
    return _script(a.opening) == _script(b.opening)


def led_apart(a: EventCues, b: EventCues) -> bool:
    """Whether one title tells a multilateral body's own act ("UN Security Council calls
    for...", "Arab League urges...") and the other report names that body neither in its
    title nor in its first sentences: a body's appeal or resolution is another event than the
    parties' own doings it is about, however much the two share."""
    return bool(a.lead and a.lead not in b.bodies) or bool(b.lead and b.lead not in a.bodies)


def link_score(a: EventReport, b: EventReport) -> float | None:
    """The content similarity of two reports that could describe one event (scaled down
    where their parties or days agree only weakly, their openings share too little, or
    their kinds disagree), else None (parties, days or venues disagree, or one tells of a
    body's act the other does not name)."""
    agreement = parties_agree(a, b)
    if agreement is None:
        return None
    days = days_agree(a.cues.day, b.cues.day)
    if days is None or not venues_agree(a.cues, b.cues) or led_apart(a.cues, b.cues):
        return None
    score = content_similarity(a, b)
    openings = openings_agree(a.cues, b.cues)
    told_apart = openings_comparable(a.cues, b.cues) and not openings
    kinds = kinds_agree(a.cues.kinds, b.cues.kinds)
    weak = [x for x in (agreement, days, WEAK if told_apart else STRONG) if x == WEAK]
    if weak == [agreement] and openings and kinds:
        score /= LONE_WEAK_FACTOR
    else:
        score /= WEAK_FACTOR ** len(weak)
    if not kinds:
        score *= KIND_PENALTY
    return score


# A key made of one actor of a report: where a report with that single party, naming nothing
# else, looks for the reports it may be one side's view of.
_NAMED = "+"


def _pair_keys(report: EventReport) -> set[str]:
    actors = report.actors | report.sides
    keys = {"-".join(sorted((x, y))) for x in report.sides for y in actors if x != y}
    return keys | (_single(report) or frozenset())


def block_keys(report: EventReport) -> tuple[str, ...]:
    """The keys a report is filed under: each of its sides paired with another actor it
    names, its single party alone when it has one, and each actor it names, marked."""
    keys = _pair_keys(report) | {x + _NAMED for x in report.actors | report.sides}
    return tuple(sorted(keys))


def probe_keys(report: EventReport) -> tuple[str, ...]:
    """The keys a report looks for candidates under. Of two reports that `parties_agree`,
    each probes a key the other is filed under; so a report is compared only with reports
    sharing a key and a nearby event day."""
    keys = _pair_keys(report)
    single = _single(report)
    if single is not None:
        keys |= {x + _NAMED for x in single}
    # ...and where a report naming nothing but its single party is filed.
    keys |= report.actors | report.sides
    return tuple(sorted(keys))


def build_report(
    article_id: str,
    title: str | None,
    body: str,
    published: datetime,
    countries: Iterable[CountryMention],
    organisations: Iterable[str] = (),
    areas: Iterable[str] = (),
    language: str | None = None,
) -> EventReport:
    """An article as event grouping sees it, from its text and what the pipeline found in it."""
    named = tuple(countries)
    parties = frozenset(c.country for c in named if c.role == "party")
    return EventReport(
        article_id=article_id,
        published=published,
        parties=parties,
        areas=frozenset(areas),
        cues=event_cues(title, body, published, parties, language),
        countries=frozenset(c.country for c in named),
        organisations=frozenset(organisations),
        language=language or "",
    )


@dataclass(frozen=True, slots=True)
class EventLink:
    first: str
    second: str
    score: float


def find_links(
    new: Sequence[EventReport],
    stored: Sequence[EventReport] = (),
    threshold: float = LINK_THRESHOLD,
) -> list[EventLink]:
    """The links of each new report with the other new ones and the stored ones (which the
    caller has already narrowed to candidates). Links are ordered pairs of ids, smaller first."""
    pool = {r.article_id: r for r in stored}
    pool.update((r.article_id, r) for r in new)
    index: dict[str, list[EventReport]] = {}
    for report in pool.values():
        for key in block_keys(report):
            index.setdefault(key, []).append(report)
    links: dict[tuple[str, str], float] = {}
    for report in new:
        for key in probe_keys(report):
            for other in index.get(key, ()):
                if other.article_id == report.article_id:
                    continue
                pair = tuple(sorted((report.article_id, other.article_id)))
                if pair in links:
                    continue
                score = link_score(report, other)
                if score is not None and score >= threshold:
                    links[(pair[0], pair[1])] = round(score, 4)
    return [EventLink(a, b, s) for (a, b), s in sorted(links.items())]


def group_events(
    reports: Mapping[str, datetime], links: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Each report's event: the connected groups of `links`, named after their earliest
    report. `reports` maps each article_id to its publication time."""
    parent = {aid: aid for aid in reports}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a not in parent or b not in parent:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for aid in reports:
        members.setdefault(find(aid), []).append(aid)
    out: dict[str, str] = {}
    for group in members.values():
        earliest = min(group, key=lambda aid: (reports[aid], aid))
        for aid in group:
            out[aid] = earliest
    return out
