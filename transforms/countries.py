"""Countries and multilateral bodies named in an article, and which countries are the parties.

Countries are found from names, demonyms, capitals and seats of government ("Moscow said", "the
Kremlin"), and leaders by name (the bundled countries.toml, on top of pycountry's ISO names). A
country is a party when the text makes it an actor of the talks or agreement: it heads the title,
its officials speak or sign ("Pakistan's foreign minister", "his Russian counterpart"), it is paired
with another country ("Moscow-Islamabad", "Pakistan and Russia signed") or visited ("a visit to
Hanoi"); any other country is only mentioned.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from entente.transforms._patterns import lower_text
from entente.transforms.gazetteer import ENGLISH, Entry, Gazetteer, for_language
from entente.transforms.records import CountryMention
from entente.transforms.sentences import sentence_spans

PARTY = "party"
MENTIONED = "mentioned"


@dataclass(frozen=True, slots=True)
class OrganisationMention:
    """A multilateral body an article names, such as the EU, ASEAN or the UN."""

    organisation: str
    mentions: int


# Titles and bodies that make a country an actor when they follow its name or demonym.
_OFFICIALS = (
    r"(?i:foreign|prime|president|presidents|presidential|minister|ministers|ministry|ministries"
    r"|counterparts?|delegations?|officials?|government|govt|leaders?|leadership|king|emir"
    r"|crown|sultan|ambassadors?|envoys?|side|state|authorities|diplomats?|secretary|chancellor"
    r"|premier|vice|deputy|top|chief|senior|head|cabinet|parliament|lawmakers|embassy|high"
    r"|foreign office|counterpart|administration|negotiators|team|military|army|navy|defen[cs]e"
    r"|trade|commerce|economy|finance|energy|interior|health|education|agriculture|transport"
    r"|national|federal|central|council|company|companies|firms?|businesses|investors|troops"
    r"|forces|coast guard|police|officers|experts|scientists|researchers|universities|donors?)"
)
# "Pakistan, Russia", "Japan, Canada and the United States": a list of capitalised names.
_LIST = r"(?:\s*(?:,|and|&)\s*(?:the\s+)?[A-Z][\w.-]+(?:\s+[A-Z][\w.-]+)*)*"
# ", which holds the presidency," between a country and its verb.
_APPOSITIVE = r"(?:,\s+(?:which|who)\s+[^,]{1,60},)?"
_AFTER_OFFICIAL = re.compile(r"^(?:['’]s)?" + _LIST + r"\s+(?:[\w-]+\s+)?" + _OFFICIALS + r"\b")
_AFTER_VERB = re.compile(
    r"^(?:['’]s)?" + _LIST + _APPOSITIVE + r"\s+(?:has\s+|have\s+|had\s+|will\s+"
    r"|would\s+|on\s+\w+\s+|also\s+|jointly\s+|formally\s+|today\s+)?"
    r"(?:said|says|signed|signs?|agreed|agrees?|discuss(?:ed|es)?|held|holds?|pledged|pledges?"
    r"|announced|announces?|welcomed|welcomes?|offered|offers?|reached|reaffirmed|vowed|urged"
    r"|called|expressed|committed|plans?|planned|seeks?|sought|wants?|hosted|hosts?|launched"
    r"|launch(?:es)?|opened|opens?|inaugurated|sent|sends?|delivered|delivers?|donated|donates?"
    r"|provided|provides?|granted|grants?|will|to\s+\w+|met|meets?|renewed|renews?|extended"
    r"|extends?|approved|approves?|ratified|ratifies|concluded|concludes?|began|begins?"
    r"|completed|completes?|established|established|set|sealed|seals?|struck|strikes?|boost"
    r"|boosts?|expand|expands?|deepen|deepens?|step|steps?|resumed|resumes?|wrapped|finalised"
    r"|finalized|initialled|inked|inks?|hold|talks?|ties|relations|cooperation|partnership"
    r"|accord|agreement|deal|pact|summit|dialogue|joint|bilateral|strategic|counterparts|backed"
    r"|backs?|supported|supports?|proposed|proposes?|pushed|pushes|pressed|presses|rejected"
    r"|rejects?|opposed|opposes?|criticised|criticized|accused|accuses?|warned|warns?|chaired"
    r"|chairs?|promised|promises?|asked|asks?|demanded|demands?|joined|joins?|mediated|mediates?"
    r"|brokered|facilitated|facilitates?|invited|invites?|thanked|thanks|praised|praises?"
    r"|condemned|condemns?|agreed|recommitted|recognised|recognized|summoned|exported|exports?"
    r"|imported|imports?|bought|buys?|sold|sells?|supplied|supplies|lifted|lifts?|imposed"
    r"|imposes?|banned|bans?|restored|restores?|upgraded|upgrades?|ordered|orders?|paid|pays?"
    r"|contributed|contributes?|funded|funds?|financed|finances?|trained|trains?|accepted"
    r"|accepts?|released|releases?|returned|returns?|received|receives?|exchanged|exchanges?)\b"
)
# Words that make the country right after them (and an optional "the") an actor: "a visit to",
# "talks with the". Compared with the last words before a name, lower-cased.
_ACTOR_BEFORE = frozenset(
    tuple(phrase.split())
    for phrase in [
        "visit", "visits", "visited", "visiting", "visit to", "visits to", "visited to",
        *(f"{noun} with" for noun in (
            "talks", "agreement", "agreements", "deal", "deals", "ties", "relations",
            "cooperation", "partnership", "accord", "accords", "pact", "pacts", "memorandum",
            "meeting", "meetings", "consultations", "dialogue", "summit", "treaty", "contract",
            "contracts", "negotiations", "mou", "trade", "exercises", "drills", "signed",
            "partnered", "partners", "met",
        )),
        *(f"{noun} to" for noun in (
            "trip", "travel", "travels", "travelled", "traveled", "aid", "assistance", "support",
            "donated", "delivered", "sent", "supplies", "supply", "export", "exports", "loan",
        )),
        *(f"{noun} from" for noun in (
            "counterpart", "counterparts", "delegation", "delegations", "officials", "ministers",
            "leaders",
        )),
        *(f"{noun} of" for noun in (
            "leaders", "ministers", "president", "government", "foreign minister",
            "foreign ministers", "prime minister", "minister", "emir", "king", "queen",
            "crown prince", "sultan", "ambassador", "ambassadors", "envoy", "delegation",
            "governments", "presidents", "leader",
        )),
        "arrived in", "met", "hosted by", "support for", "help", "helping", "helped", "helps",
        # The recipient of aid, relief or a loan is a party to it (docs/labelling.md).
        *(f"{noun} for" for noun in (
            "aid", "relief", "assistance", "loan", "loans", "grant", "grants", "funding",
            "credit", "bailout",
        )),
        "between", "joined", "joins", "join", "welcomed", "host", "hosts", "hosted", "with",
    ]
)  # fmt: skip
# Prepositions that make the country after them (or after one more word) a place or a topic.
_TOPIC_BEFORE = frozenset(
    [
        "in", "on", "over", "about", "regarding", "concerning", "against", "near", "across", "at",
        "into", "of", "toward", "towards", "for", "inside", "within", "throughout", "around",
    ]
)  # fmt: skip
_PLAIN_WORD = re.compile(r"[\w-]+")


def _words_before(text: str, start: int) -> list[str]:
    """The last few words before `start`, lower-cased, without a final "the"."""
    words = text[max(0, start - 50) : start].lower().split()[-5:]
    if start > 0 and not text[start - 1].isspace():
        return []  # "(Pakistan", "/Russia": not a phrase that leads to the name
    if words and words[-1] == "the":
        words.pop()
    return words


def _after_actor_words(words: list[str]) -> bool:
    return any(tuple(words[-n:]) in _ACTOR_BEFORE for n in (1, 2, 3) if len(words) >= n)


def _after_topic_words(words: list[str]) -> bool:
    if words and words[-1] in _TOPIC_BEFORE:
        return True
    # One word between: "in eastern Congo", "on the Afghan border" is handled by the caller.
    if len(words) >= 2 and _PLAIN_WORD.fullmatch(words[-1]):
        rest = words[:-1]
        if rest[-1] == "the":
            rest = rest[:-1]
        return bool(rest) and rest[-1] in _TOPIC_BEFORE
    return False


# "Malaysia-brokered talks", "a Saudi-led coalition": the country acts.
_ACTOR_COMPOUND = re.compile(
    r"^-(?:led|brokered|mediated|hosted|backed|sponsored|funded|financed|built|made|proposed)\b"
)
_LINK = re.compile(r"^\s*(?:[-–—/]|,|and|&)\s*(?:the\s+)?$")
_PAIR_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+)?(?:talks|relations|ties|cooperation|agreement|accord|deal|pact|summit"
    r"|dialogue|partnership|rapprochement|relationship|commission|forum|meeting|council|border"
    r"|trade|joint|leaders|ministers|foreign|governments|officials|sides|have|has|had|will"
    r"|signed|agreed|discussed|held|hold|sign|agree|discuss|to|are|were|also|jointly|on|said"
    r"|launched|pledged|committed|reaffirmed)\b"
)

# A country is a party when its score reaches _PARTY_MIN and this share of the strongest
# country's. Real reports name several parties of unequal weight (the host, the visitor, the
# members of a bloc named once): at 0.35 the lesser ones fell to "mentioned", the commonest
# party error on the real tuned-on pages and Wikinews articles; 0.2 was best there
# (bench/classify/README.md).
_PARTY_SHARE = 0.2
_PARTY_MIN = 1.2


@dataclass(frozen=True, slots=True)
class _Found:
    entry: Entry
    source: int
    start: int
    end: int
    sentence: int


@lru_cache(maxsize=16)
def _scan(title: str, body: str, language: str = ENGLISH) -> tuple[_Found, ...]:
    """Every name of a country or organisation in title and body (kept for the next caller)."""
    gazetteer = for_language(language)
    found: list[_Found] = []
    sentence_index = 0
    for source, text in enumerate((title, body)):
        spans = sentence_spans(text)
        starts = [start for start, _ in spans]
        prepared = gazetteer.prepare(text)
        named = "name" in gazetteer.regex.groupindex
        compounds = "tail" in gazetteer.regex.groupindex
        matches = [
            (m.start(), m.end(), entry)
            for m in gazetteer.regex.finditer(prepared)
            if (entry := gazetteer.entries.get(m.group("name") if named else m.group())) is not None
            # "российско-" names a country only as the first half of a pair
            and (not entry.combining or prepared[m.end() : m.end() + 1] == "-")
            # "Kremlsprecher": a compound opens with a name of four letters or more
            and not (compounds and m.group("tail") and len(m.group("name")) < 4)
        ]
        if gazetteer.short is not None:
            matches = _with_short_forms(gazetteer, prepared, matches)
        for start, end, entry in matches:
            position = bisect_right(starts, start) - 1
            found.append(_Found(entry, source, start, end, sentence_index + max(position, 0)))
        sentence_index += len(spans)
    return tuple(found)


# Chinese short forms, by what the pattern makes of the country: party or place.
_SHORT_ACTOR = "short"
_SHORT_PLACE = "short_place"
_COUNTRY_KINDS = frozenset({"name", "demonym", "seat", "leader", _SHORT_ACTOR, _SHORT_PLACE})


def _with_short_forms(
    gazetteer: Gazetteer, text: str, matches: list[tuple[int, int, Entry]]
) -> list[tuple[int, int, Entry]]:
    """Add the one-character forms (中方, 中巴关系, 俄外长, 访华) outside the full names found.

    A character stands for the country among its candidates whose full name the text uses
    (巴 is Brazil in a story that names 巴西), else for the first (巴: Pakistan).
    """
    short = gazetteer.short
    assert short is not None
    taken = [(start, end) for start, end, _ in matches]

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    def code(char: str) -> str:
        candidates = short.codes[char]
        for candidate, name in zip(candidates, short.full[char], strict=True):
            if name and name in text:
                return candidate
        return candidates[0]

    added: list[tuple[int, int, Entry]] = []
    for pattern, kind in (
        (short.pair, _SHORT_ACTOR),
        (short.side, _SHORT_ACTOR),
        (short.official, _SHORT_ACTOR),
        (short.visit, _SHORT_ACTOR),
    ):
        for match in pattern.finditer(text):
            start, end = match.span(1)
            if not free(start, end):
                continue
            for offset, char in enumerate(match.group(1)):
                visited = pattern is short.visit and text[match.start()] in "驻在对涉"
                entry = Entry(_SHORT_PLACE if visited else kind, code(char))
                added.append((start + offset, start + offset + 1, entry))
            taken.append((start, end))
    return sorted(matches + added, key=lambda item: item[0])


def _place(found: _Found, first_body_sentence: int) -> float:
    if found.source == 0:
        return 1.5
    index = found.sentence - first_body_sentence
    # The actors of a story are named first; reactions of third countries come last.
    return (1.2, 1.0, 0.8, 0.7)[index] if index < 4 else 0.6


def _actor_score(found: _Found, text: str, before: list[str]) -> float:
    """How strongly the words around one mention make its country an actor."""
    after = text[found.end : found.end + 80]
    kind = found.entry.kind
    if kind == "leader":
        return 1.5
    if kind in ("name", "seat") and after[:2] in ("'s", "’s"):
        return 2.0 if _AFTER_OFFICIAL.match(after) else 1.0
    if _AFTER_OFFICIAL.match(after):
        return 2.0
    if _ACTOR_COMPOUND.match(after):
        return 1.5
    if kind != "demonym" and _AFTER_VERB.match(after) and not _after_topic_words(before):
        return 1.5
    if kind != "demonym" and _after_actor_words(before):
        return 1.5
    return 0.0


def _party_scores(found: tuple[_Found, ...], title: str, body: str) -> dict[str, float]:
    texts = (title, body)
    countries = [f for f in found if f.entry.kind in _COUNTRY_KINDS]
    first_body = len(sentence_spans(title))
    scores: dict[str, float] = {}
    for i, f in enumerate(countries):
        text = texts[f.source]
        place = _place(f, first_body)
        before = _words_before(text, f.start)
        score = 0.3 + _actor_score(f, text, before)
        if f.source == 0 and f.entry.kind != "demonym" and not _after_topic_words(before):
            score += 2.0
        # Pairs: "Pakistan and Russia signed", "the Moscow-Islamabad rapprochement".
        for j in (i - 1, i + 1):
            if not 0 <= j < len(countries):
                continue
            other = countries[j]
            if other.source != f.source or other.sentence != f.sentence:
                continue
            if other.entry.code == f.entry.code:
                continue
            first, second = (other, f) if j < i else (f, other)
            gap = text[first.end : second.start]
            after = text[second.end : second.end + 80]
            if gap in ("-", "–", "—", "/") or (
                _LINK.match(gap) and (_PAIR_AFTER.match(after) or _AFTER_VERB.match(after))
            ):
                score += 1.5
        scores[f.entry.code] = scores.get(f.entry.code, 0.0) + score * place
    return scores


def _generic_party_scores(
    found: tuple[_Found, ...], title: str, body: str, gazetteer: Gazetteer
) -> dict[str, float]:
    """Party scores in a language other than English, from its own words (lang/<code>.toml).

    Word order differs between languages ("министр иностранных дел России", "le ministre
    russe", "وزير الخارجية الروسي", "俄罗斯外长"), so officials count on either side of a name,
    within a few words and before any other country; the other signals are the English ones:
    the title, a pair of countries joined by "and" or a hyphen in a sentence of dealings, a
    visit, and a name that starts a sentence of dealings.
    """
    words = gazetteer.party
    assert words is not None
    texts = (title, body)
    lowered = (lower_text(title), lower_text(body))
    countries = [f for f in found if f.entry.kind in _COUNTRY_KINDS]
    first_body = len(sentence_spans(title))
    sentence_bounds = [sentence_spans(text) for text in texts]
    dealings: dict[tuple[int, int], bool] = {}  # by (source, sentence): read once
    readings: list[tuple[_Found, float, float, bool, bool]] = []
    scores: dict[str, float] = {}
    for i, f in enumerate(countries):
        text = lowered[f.source]
        spans = sentence_bounds[f.source]
        local = f.sentence - (first_body if f.source else 0)
        s_start, s_end = spans[local] if 0 <= local < len(spans) else (0, len(text))
        dealing = dealings.get((f.source, local))
        if dealing is None:
            dealing = dealings[f.source, local] = bool(words.dealings.search(text, s_start, s_end))
        previous = countries[i - 1] if i and _same_sentence(countries[i - 1], f) else None
        following = (
            countries[i + 1]
            if i + 1 < len(countries) and _same_sentence(countries[i + 1], f)
            else None
        )
        left_floor = max(s_start, f.start - words.window, previous.end if previous else 0)
        right_ceiling = min(s_end, f.end + words.window)
        if following:
            right_ceiling = min(right_ceiling, following.start)
        left, right = text[left_floor : f.start], text[f.end : right_ceiling]
        kind = f.entry.kind
        # "fournira à l'Italie": the preposition of a place, after a verb of giving, names the
        # recipient.
        other_side = words.object_before is not None and bool(words.object_before.search(left))
        place_word = not other_side and bool(words.places.search(left))
        actor = 0.0
        if kind in ("leader", _SHORT_ACTOR):
            actor = 2.0
        elif words.visits.search(left):
            actor = 1.5
        elif not place_word and (words.officials.search(left) or words.officials.search(right)):
            actor = 2.0
        elif other_side and kind in ("name", "seat"):
            actor = 1.5
        elif kind in ("name", "seat") and not place_word and words.acts.match(right):
            actor = 1.5  # "Москва заявляет...", "la France a remis...": the subject of the news
        elif (
            kind in ("name", "seat")
            and not place_word
            and words.acts_before is not None
            and words.acts_before.search(left)
        ):
            actor = 1.5  # "انتقدت إسرائيل": the verb leads, the subject follows
        extra = 2.0 if f.source == 0 and kind != _SHORT_PLACE and not place_word else 0.0
        linked = False
        if previous is not None:
            gap = text[previous.end : f.start]
            # Arabic writes "and" on the next word: "باكستان وروسيا"
            linked = bool(words.links.fullmatch(gap)) or (gap.isspace() and text[f.start] == "و")
        for other in (previous, following):
            if other is None or other.entry.code == f.entry.code:
                continue
            first, second = (other, f) if other.start < f.start else (f, other)
            gap = text[first.end : second.start]
            if first.entry.combining or (
                dealing
                and (words.links.fullmatch(gap) or (gap.isspace() and text[second.start] == "و"))
            ):
                extra += 1.5
        readings.append((f, actor, extra, place_word, linked))
    # A list shares its actors: "the foreign ministers of Saudi Arabia, Egypt, Jordan and Norway".
    shared = [actor for _, actor, _, _, _ in readings]
    for i in range(1, len(readings)):
        if readings[i][4]:
            shared[i] = max(shared[i], shared[i - 1])
    for i in range(len(readings) - 2, -1, -1):
        if readings[i + 1][4]:
            shared[i] = max(shared[i], shared[i + 1])
    for (f, _, extra, place_word, _), actor in zip(readings, shared, strict=True):
        credit = actor if not place_word or f.entry.kind in ("leader", _SHORT_ACTOR) else 0.0
        score = 0.3 + credit + extra
        scores[f.entry.code] = scores.get(f.entry.code, 0.0) + score * _place(f, first_body)
    return scores


@lru_cache(maxsize=16)
def _scores(title: str, body: str, language: str = ENGLISH) -> dict[str, float]:
    """Each named country's score as an actor, kept for the next caller (the classifier reads
    them before the pipeline asks for the parties). Callers must not change the dict."""
    gazetteer = for_language(language)
    found = _scan(title, body, gazetteer.language)
    if gazetteer.party is None:
        return _party_scores(found, title, body)
    return _generic_party_scores(found, title, body, gazetteer)


def actor_strengths(title: str | None, body: str, language: str | None = None) -> list[float]:
    """How strongly the text makes each country it names an actor, strongest first (the scores
    find_countries reads parties from)."""
    scores = _scores(title or "", body, for_language(language).language)
    return sorted(scores.values(), reverse=True)


def _same_sentence(a: _Found, b: _Found) -> bool:
    return a.source == b.source and a.sentence == b.sentence


def find_countries(
    title: str | None, body: str, language: str | None = None
) -> tuple[CountryMention, ...]:
    """The countries an article names (ISO 3166-1 alpha-3), parties first.

    `language` (ISO 639-1) chooses the names and words to read; None reads English.
    """
    title = title or ""
    gazetteer = for_language(language)
    found = _scan(title, body, gazetteer.language)
    mentions: dict[str, int] = {}
    for f in found:
        if f.entry.kind in _COUNTRY_KINDS:
            mentions[f.entry.code] = mentions.get(f.entry.code, 0) + 1
    if not mentions:
        return ()
    scores = _scores(title, body, gazetteer.language)
    top = max(scores.values())
    parties = {
        code
        for code, score in scores.items()
        if score >= _PARTY_MIN and score >= _PARTY_SHARE * top
    }
    ordered = sorted(mentions, key=lambda code: (code not in parties, -scores.get(code, 0.0), code))
    return tuple(
        CountryMention(code, mentions[code], PARTY if code in parties else MENTIONED)
        for code in ordered
    )


@dataclass(frozen=True, slots=True)
class NameSpan:
    """Where a text names a country or a multilateral body, and how (`name`, `demonym`,
    `seat`, `leader` or `organisation`)."""

    start: int
    end: int
    kind: str
    code: str


def name_spans(
    title: str, body: str, language: str | None = None
) -> tuple[tuple[NameSpan, ...], tuple[NameSpan, ...]]:
    """Every name of a country or organisation the country finder knows, in the title and in
    the body (offsets into each). Read off the scan that labelling made of the same article."""
    found = _scan(title, body, for_language(language).language)
    spans: tuple[list[NameSpan], list[NameSpan]] = ([], [])
    for f in found:
        if f.entry.kind not in ("none", ""):
            spans[f.source].append(NameSpan(f.start, f.end, f.entry.kind, f.entry.code))
    return tuple(spans[0]), tuple(spans[1])


def count_actors(title: str | None, body: str, language: str | None = None) -> int:
    """How many distinct countries and multilateral bodies an article names."""
    found = _scan(title or "", body, for_language(language).language)
    return len({f.entry.code for f in found if f.entry.kind not in ("none", "")})


def find_organisations(
    title: str | None, body: str, language: str | None = None
) -> tuple[OrganisationMention, ...]:
    """The multilateral bodies an article names, most mentioned first."""
    counts: dict[str, int] = {}
    for f in _scan(title or "", body, for_language(language).language):
        if f.entry.kind == "organisation":
            counts[f.entry.code] = counts.get(f.entry.code, 0) + 1
    return tuple(
        OrganisationMention(name, count)
        for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
