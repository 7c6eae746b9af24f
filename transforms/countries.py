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
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import pycountry

from entente.transforms.records import CountryMention
from entente.transforms.sentences import sentence_spans

# Where a name can start: a capital letter, Latin with or without accents ("Élysée", "Türkiye").
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž]")

PARTY = "party"
MENTIONED = "mentioned"


@dataclass(frozen=True, slots=True)
class OrganisationMention:
    """A multilateral body an article names, such as the EU, ASEAN or the UN."""

    organisation: str
    mentions: int


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str  # name, demonym, seat, leader, organisation, none
    code: str


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    regex: re.Pattern[str]
    entries: dict[str, _Entry]


def _trie_pattern(phrases: list[str]) -> str:
    """A regex alternation of `phrases` shaped as a trie, so matching does not try each in turn."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            # Longest first: the optional tail is tried before stopping here.
            return "(?:" + body + ")?"
        return body

    return render(trie)


@cache
def _gazetteer() -> _Gazetteer:
    data = tomllib.loads(
        resources.files("entente.transforms").joinpath("countries.toml").read_text(encoding="utf-8")
    )
    entries: dict[str, _Entry] = {}

    def add(phrase: str, entry: _Entry, upper: bool = False) -> None:
        variants = [phrase]
        if upper and len(phrase) > 3:
            variants.append(phrase.upper())
        for variant in variants:
            if _CAPITAL.match(variant):
                entries.setdefault(variant, entry)

    for phrase in data["none"]["phrases"]:
        add(phrase, _Entry("none", ""), upper=True)
    for name, aliases in data["organisations"].items():
        for alias in aliases:
            add(alias, _Entry("organisation", name))
    for code, names in data["names"].items():
        for name in names:
            add(name, _Entry("name", code), upper=True)
    for code, names in data["demonyms"].items():
        for name in names:
            add(name, _Entry("demonym", code), upper=True)
            add(name + "s", _Entry("demonym", code))
    for code, names in data["seats"].items():
        for name in names:
            add(name, _Entry("seat", code), upper=True)
    for code, names in data["leaders"].items():
        for name in names:
            add(name, _Entry("leader", code))
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name and "," not in name:
                add(name, _Entry("name", country.alpha_3))
    # "Russia-Pakistan", "Saudi-led", "U.S.-China": a hyphen does not hide a name.
    # Every name starts with a capital: the lookahead rejects other places before the trie is tried.
    pattern = r"(?=" + _CAPITAL.pattern + r")\b(?:" + _trie_pattern(sorted(entries)) + r")(?!\w)"
    return _Gazetteer(re.compile(pattern), entries)


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

_PARTY_SHARE = 0.35
_PARTY_MIN = 1.2


@dataclass(frozen=True, slots=True)
class _Found:
    entry: _Entry
    source: int
    start: int
    end: int
    sentence: int


@lru_cache(maxsize=16)
def _scan(title: str, body: str) -> tuple[_Found, ...]:
    """Every name of a country or organisation in title and body (kept for the next caller)."""
    gazetteer = _gazetteer()
    found: list[_Found] = []
    sentence_index = 0
    for source, text in enumerate((title, body)):
        spans = sentence_spans(text)
        starts = [start for start, _ in spans]
        for match in gazetteer.regex.finditer(text):
            entry = gazetteer.entries.get(match.group())
            if entry is None:
                continue
            position = bisect_right(starts, match.start()) - 1
            found.append(
                _Found(entry, source, match.start(), match.end(), sentence_index + max(position, 0))
            )
        sentence_index += len(spans)
    return tuple(found)


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
    countries = [f for f in found if f.entry.kind in ("name", "demonym", "seat", "leader")]
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


def find_countries(title: str | None, body: str) -> tuple[CountryMention, ...]:
    """The countries an article names (ISO 3166-1 alpha-3), parties first."""
    title = title or ""
    found = _scan(title, body)
    mentions: dict[str, int] = {}
    for f in found:
        if f.entry.kind in ("name", "demonym", "seat", "leader"):
            mentions[f.entry.code] = mentions.get(f.entry.code, 0) + 1
    if not mentions:
        return ()
    scores = _party_scores(found, title, body)
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


def count_actors(title: str | None, body: str) -> int:
    """How many distinct countries and multilateral bodies an article names."""
    return len({f.entry.code for f in _scan(title or "", body) if f.entry.kind not in ("none", "")})


def find_organisations(title: str | None, body: str) -> tuple[OrganisationMention, ...]:
    """The multilateral bodies an article names, most mentioned first."""
    counts: dict[str, int] = {}
    for f in _scan(title or "", body):
        if f.entry.kind == "organisation":
            counts[f.entry.code] = counts.get(f.entry.code, 0) + 1
    return tuple(
        OrganisationMention(name, count)
        for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
