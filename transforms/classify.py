"""Cooperation areas of an article, scored sentence by sentence from a taxonomy held as data.

A cue is a weighted pattern; a negative pattern hides the cues it overlaps (so "new energy in
relations" is not energy). Each sentence scores min(0.95, sum of its distinct cue weights), times
its place (headline and lead above the tail) and its context (talks, agreements and cooperation
above background); a negated cue ("denied any military cooperation") counts for nothing. An area's
score is the noisy-or of its sentence scores, and its evidence the best one or two sentences.
An article that names fewer than two countries or bodies and no dealings between anyone (domestic
news) gets no area at all.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from entente.transforms._patterns import (
    Matcher,
    MatcherSet,
    UnboundedMatcherSet,
    WordIndex,
    build_matcher,
    lower_text,
)
from entente.transforms.countries import actor_strengths, count_actors
from entente.transforms.errors import ConfigError
from entente.transforms.languages import (
    LANGUAGES,
    LanguageWords,
    area_taxonomy_text,
    language_words,
)
from entente.transforms.records import AreaLabel
from entente.transforms.scorer import Scorer, bundled_scorer
from entente.transforms.sentences import sentence_spans

# The code's part of the version: bumped when the same taxonomy labels differently (5: parties;
# 6: a full article the scorer is unsure of needs two sides acting).
CLASSIFIER_VERSION = "6"

_AREA_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_SENTENCE_SCORE = 0.95


@dataclass(frozen=True, slots=True)
class Cue:
    """A weighted pattern that points at an area."""

    pattern: str
    weight: float
    # The pattern matched as written: a match it spells ("Red Cross", "WHO") names something,
    # while a word it spells in lower case, written capitalised, may sit inside a name ("Rice").
    exact: re.Pattern[str] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Area:
    """One cooperation area: what it means, what points at it, what only looks like it."""

    slug: str
    definition: str
    cues: tuple[Cue, ...]
    negative: tuple[str, ...]
    cue_matcher: Matcher
    negative_matcher: Matcher | None


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The areas to classify into; `version` combines the code's and the file's versions."""

    version: str
    areas: tuple[Area, ...]
    threshold: float = 0.5
    support: float = 0.55  # the best sentence must reach this on its own
    # All areas' cues and negatives (2i, 2i + 1), matched in one pass; built by parse_taxonomy.
    matchers: MatcherSet | UnboundedMatcherSet | None = field(
        default=None, repr=False, compare=False
    )
    # The learned layer over the cues (transforms/scorer.py); None: the cues decide alone.
    scorer: Scorer | None = field(default=None, repr=False, compare=False)
    # What the classifier reads around cues (English unless a language taxonomy says otherwise).
    words: LanguageWords | None = field(default=None, repr=False, compare=False)


def _matcher_set(areas: tuple[Area, ...]) -> MatcherSet:
    empty = build_matcher([])
    return MatcherSet.of(
        [m for area in areas for m in (area.cue_matcher, area.negative_matcher or empty)]
    )


def area_names(text: str) -> tuple[str, ...]:
    """The areas a taxonomy's TOML text declares, without reading their cues; () when the
    text is not a taxonomy (parse_taxonomy says why, where it matters)."""
    try:
        areas = tomllib.loads(text).get("areas")
    except (tomllib.TOMLDecodeError, RecursionError):
        return ()
    return tuple(sorted(areas)) if isinstance(areas, dict) else ()


def default_taxonomy_text() -> str:
    """The taxonomy bundled with Entente (transforms/taxonomy.toml)."""
    return (
        resources.files("entente.transforms").joinpath("taxonomy.toml").read_text(encoding="utf-8")
    )


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"taxonomy: {where}: invalid pattern {pattern!r}: {exc}") from None
    if compiled.groups:
        raise ConfigError(
            f"taxonomy: {where}: pattern {pattern!r} has a capturing group; use (?:...)"
        )
    if compiled.match(""):
        raise ConfigError(f"taxonomy: {where}: pattern {pattern!r} matches the empty string")
    return compiled


def _parse_area(slug: str, table: object) -> Area:
    if not _AREA_SLUG.match(slug):
        raise ConfigError(f"taxonomy: area {slug!r}: name must be a lower-case slug")
    if not isinstance(table, dict):
        raise ConfigError(f"taxonomy: area {slug!r}: must be a table")
    unknown = set(table) - {"definition", "cues", "negative"}
    if unknown:
        raise ConfigError(f"taxonomy: area {slug!r}: unknown field {sorted(unknown)[0]!r}")
    definition = table.get("definition")
    if not isinstance(definition, str) or not definition.strip():
        raise ConfigError(f"taxonomy: area {slug!r}: field 'definition' must be a non-empty string")
    raw_cues = table.get("cues")
    if not isinstance(raw_cues, dict) or not raw_cues:
        raise ConfigError(
            f"taxonomy: area {slug!r}: field 'cues' must be a table of pattern = weight"
        )
    cues: list[Cue] = []
    for pattern, weight in raw_cues.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise ConfigError(
                f"taxonomy: area {slug!r}: field 'cues': weight of {pattern!r} must be in (0, 1]"
            )
        _compile(pattern, f"area {slug!r}: field 'cues'")
        cues.append(Cue(pattern, float(weight), re.compile(pattern)))
    raw_negative = table.get("negative", [])
    if not isinstance(raw_negative, list) or not all(isinstance(p, str) for p in raw_negative):
        raise ConfigError(f"taxonomy: area {slug!r}: field 'negative' must be a list of patterns")
    for pattern in raw_negative:
        _compile(pattern, f"area {slug!r}: field 'negative'")
    return Area(
        slug,
        definition.strip(),
        tuple(cues),
        tuple(raw_negative),
        build_matcher([cue.pattern for cue in cues]),
        build_matcher(raw_negative) if raw_negative else None,
    )


def parse_taxonomy(text: str, language: str = "en", learned: bool = True) -> Taxonomy:
    """Parse and check a taxonomy file; ConfigError names the area and field at fault.

    With `learned`, the scorer bundled for `language` decides over the cues when it was fitted
    on this very taxonomy (same version); its version then joins the taxonomy's.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"taxonomy: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses into nested arrays and tables
        raise ConfigError("taxonomy: not valid TOML: nested too deeply") from None
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise ConfigError("taxonomy: field 'version' must be a non-empty string")
    threshold = _fraction(data, "threshold", 0.5)
    support = _fraction(data, "support", 0.55)
    areas = data.get("areas")
    if not isinstance(areas, dict) or not areas:
        raise ConfigError("taxonomy: field 'areas' must hold at least one area")
    unknown = set(data) - {"version", "threshold", "support", "areas"}
    if unknown:
        raise ConfigError(f"taxonomy: unknown field {sorted(unknown)[0]!r}")
    parsed = tuple(_parse_area(slug, table) for slug, table in areas.items())
    cues_version = f"{CLASSIFIER_VERSION}+{version.strip()}"
    scorer = bundled_scorer(language) if learned else None
    # The scorer reads the cues' signals: it holds for the cues it was fitted on. A taxonomy a
    # user edited (and so versioned anew) is decided by its own cues until a scorer is refitted.
    if scorer is not None and scorer.fitted_on != cues_version:
        scorer = None
    return Taxonomy(
        cues_version + (f"+{scorer.version}" if scorer else ""),
        parsed,
        threshold,
        support,
        _matcher_set(parsed),
        scorer,
    )


def _fraction(data: dict[str, object], name: str, default: float) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"taxonomy: field {name!r} must be a number")
    if not 0 < value < 1:
        raise ConfigError(f"taxonomy: field {name!r} must be between 0 and 1")
    return float(value)


# Words that make a sentence about talks, deals or cooperation rather than background (lower-case).
_CONTEXT = re.compile(
    r"\b(?:cooperat\w*|co-operat\w*|collaborat\w*|agree\w*|accords?|deals?|pacts?|treat(?:y|ies)"
    r"|memorand\w*|mous?|talks|discuss\w*|meet\w*|met|sign\w*|partner\w*|ties|relations\w*"
    r"|joint(?:ly)?|bilateral|trilateral|multilateral|pledg\w*|commit\w*|exchang\w*|review\w*"
    r"|strengthen\w*|expand\w*|boost\w*|deepen\w*|enhanc\w*|promot\w*|support\w*|assist\w*"
    r"|help\w*|provid\w*|donat\w*|dialogue|summit\w*|visit\w*|framework|initiative\w*"
    r"|programmes?|programs?|projects?|negotiat\w*|disput\w*|tensions?|rows?|sanction\w*"
    r"|fund\w*|financ\w*|invest\w*|build\w*|launch\w*|establish\w*|set up|work\w* together"
    r"|views|consult\w*|coordinat\w*|offer\w*|deliver\w*|send\w*|sent|receiv\w*|welcom\w*"
    r"|announc\w*|plan\w*|propos\w*|urg\w*|called for|focus\w*|priorit\w*|commission"
    r"|agenda|conference|forum|mission|delegation\w*|envoys?|ministers?|talked|held|hold\w*"
    r"|train\w*|supply\w*|supplie\w*|purchas\w*|buy\w*|bought|sell\w*|sold|export\w*|import\w*"
    r"|opened|open\w*|host\w*|vow\w*|resum\w*|accus\w*|protest\w*|condemn\w*|demand\w*"
    r"|rais\w*|ban\w*|restor\w*|grant\w*|exercis\w*|drills?|manoeuvres|maneuvers|patrol\w*|operations?"
    r"|conduct\w*|began|begin\w*|start\w*|carr(?:y|ied|ies) out|deploy\w*)(?!\w)"
)
# A negation a few words before a cue, in the same clause: "denied any military cooperation".
_NEGATOR = re.compile(
    r"(?:\b(?:no|not|never|nor|neither|without|den(?:y|ies|ied|ying)|reject\w*|dismiss\w*"
    r"|refus\w*|declin\w*|ruled out|rules out|ruling out|halt\w*|suspend\w*|froze|freez\w*"
    r"|cancel\w*|call\w* off|scrap\w*|nothing)|n['’]t)(?!\w)(?! only)"
)
# Mere reporting: what others claim or speculate is weaker evidence than what the parties did.
_HEDGE = re.compile(
    r"\b(?:reportedly|rumou?rs?|rumou?red|speculat\w*|unconfirmed|alleged(?:ly)?"
    r"|purported(?:ly)?|media reports?|reports? (?:that|of|claiming|suggesting)"
    r"|according to (?:media|unnamed|anonymous)|could one day|might one day|is said to)(?!\w)"
)
_HEDGE_FACTOR = 0.5
# Background: a dealing recalled with a past date or "earlier" explains the news, it is not the
# news (docs/labelling.md): "after the Soviet invasion in 1979", "last year's agreement".
_BACKGROUND = re.compile(
    r"\b(?:in|since|until|by|from|during|before) (?:the )?(?:early |late |mid-?)?"
    r"(?:19|20)\d\d(?:s)?\b"
    r"|\b(?:last|previous) (?:year|decade)|\b(?:years|decades) ago\b|\bpreviously\b|\bin the past\b"
    r"|\bhistorically\b|\bit comes (?:after|as)\b|\bcame after\b|\bsince then\b"
)
_BACKGROUND_FACTOR = 0.7
# The least a sentence must score for a headline confirmed by its lead to label an area where the
# cues decide alone (`_headline_confirmed`): a weak word of the area (0.45), not one of company.
_HEADLINE_FLOOR = 0.4
# A dealing recalled by the verb's own tense (Arabic "وكان ... قد", German "hatte ... vereinbart")
# is background wherever it stands after the first body sentence, which states the news.
_RECALLED_FACTOR = 0.5
# Where the cues decide alone, an article with words of dealings but no area is still about
# relations when two countries act on it (a call, a summoned ambassador): each reaches this actor
# score of the country finder, as the scorer's two sides do.
_SIDE = 3.0
# What may stand between a negation and its cue: up to eight words, no clause boundary.
_NEGATION_GAP = re.compile(r"(?:[^\w,;:.!?()“”\"]+[\w'’-]+){0,8}[^\w,;:.!?()“”\"]*")
_NEGATION_WINDOW = 80


# Words of states or bodies dealing with each other, for an article naming fewer than two.
_INTERACTION = re.compile(
    r"\b(?:bilateral|agreements?|agreed|deals?|signed|signs?|talks|treat(?:y|ies)|pacts?"
    r"|memorand\w*|mous?|accords?|cooperat\w*|co-operat\w*|partnerships?|summits?|counterparts?"
    r"|delegations?|ambassadors?|embass(?:y|ies)|envoys?|visit\w*|two countries|two sides"
    r"|both countries|joint(?:ly)?|donors?|aid|assistance|sanctions?|tariffs?|negotiat\w*"
    r"|dispute\w*|ceasefire|truce|mediat\w*|discuss\w*|foreign minist\w*)(?!\w)"
)
ENGLISH = LanguageWords(
    "en", _CONTEXT, _NEGATOR, _HEDGE, _INTERACTION, None, True, _BACKGROUND, True
)


@cache
def language_taxonomy(language: str) -> Taxonomy:
    """The bundled taxonomy's areas with cues written in `language` (transforms/lang/).

    Its cues alone decide (no scorer is fitted for other languages), with the language's own
    words around them; Chinese cues match anywhere, having no word boundaries to match on.
    """
    words = language_words(language)
    parsed = parse_taxonomy(area_taxonomy_text(language, default_taxonomy_text()), language)
    matchers = (
        parsed.matchers
        if words.spaced
        else UnboundedMatcherSet.of(
            [
                patterns
                for area in parsed.areas
                for patterns in ([cue.pattern for cue in area.cues], list(area.negative))
            ]
        )
    )
    return dataclasses.replace(parsed, matchers=matchers, words=words)


def for_language(taxonomy: Taxonomy, language: str | None) -> Taxonomy:
    """The taxonomy to read an article in `language` (ISO 639-1) with: the language's own where
    Entente has cues for it, else `taxonomy` (English cues, the learned layer)."""
    code = (language or "").split("-")[0].lower()
    return language_taxonomy(code) if code in LANGUAGES else taxonomy


# A capitalised run that ends in one of these names a dealing ("the Free Trade Agreement", "the
# Non-Proliferation Treaty"), whose words count; other runs name a person, place or body.
_DEALING_NAME = re.compile(
    r"(?:Agreements?|Treat(?:y|ies)|Accords?|Pacts?|Partnerships?|Initiatives?|Programmes?"
    r"|Programs?|Corridors?|Forums?|Summits?|Dialogues?|Conferences?|Conventions?|Zones?|Areas?"
    r"|Frameworks?|Declarations?|Protocols?|Plans?|Mechanisms?|Funds?|Talks|Cooperation"
    r"|Co-operation|Exercises?|Drills?|Deals?|Week|Year|Day|Strategy|Compact|Routes?)(?!\w)"
)
_NAME_LINK = frozenset({"of", "and", "for", "on", "the", "&", "de", "du", "des", "la", "al"})
_WORD = re.compile(r"[\w’'.-]+")


class _Names:
    """Whether a cue written capitalised sits in a name: "Rice", "Defence Minister", "Hope"."""

    __slots__ = ("_always", "_body", "_title")

    def __init__(self, title: str, body: str) -> None:
        self._title, self._body = title, body
        self._always: dict[str, bool] = {}

    def always_capitalised(self, word: str) -> bool:
        """The article writes `word` capitalised inside prose and never in lower case."""
        known = self._always.get(word)
        if known is None:
            lower = re.compile(r"(?<!\w)" + re.escape(word.lower()) + r"(?!\w)")
            known = False
            if not (lower.search(self._title) or lower.search(self._body)):
                capital = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")
                for found in capital.finditer(self._body):
                    before = self._body[: found.start()].rstrip(" \t\"“‘'(")
                    if before and before[-1] not in ".!?:\n":
                        known = True
                        break
            self._always[word] = known
        return known

    def holds(
        self, text: str, start: int, end: int, sentence_start: int, sentence_end: int
    ) -> bool:
        matched = text[start:end]
        word = _WORD.match(matched)
        if word is None or _DEALING_NAME.search(matched):
            return False
        if _title_like(text, sentence_start, sentence_end) or not text[sentence_start:start].strip(
            " \t\"“‘'(-•"
        ):
            # Headlines and sentence starts capitalise every word: only the article's own usage
            # tells a name.
            return self.always_capitalised(word.group())
        # Mid-sentence and capitalised: a name, unless its run names a dealing ("the Free Trade
        # Agreement", "the Convention on Climate Change").
        following = text[end:sentence_end].split()[:6]
        preceding = text[sentence_start:start].split()[-6:][::-1]
        for tokens in (following, preceding):
            for token in tokens:
                bare = token.strip(",;:()“”\"'’")
                if _DEALING_NAME.fullmatch(bare):
                    return False
                if not (bare[:1].isupper() or bare in _NAME_LINK) or bare != token:
                    break
        return True


def _title_like(text: str, start: int, end: int) -> bool:
    """Most words of four letters or more capitalised: a headline in title case, or all caps."""
    words = [w for w in text[start:end].split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) * 2 >= len(words)


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    end: int
    source: int  # 0: title, 1: body
    weight: float


def _place_weight(index: int) -> float:
    """Lead sentences count fully, later ones less: the subject of a story is stated early."""
    if index < 4:
        return 1.0
    if index < 8:
        return 0.85
    if index < 16:
        return 0.75
    return 0.65


def _sentences(title: str, body: str) -> list[_Sentence]:
    """The distinct sentences of title and body with their place weights."""
    seen: set[str] = set()
    sentences: list[_Sentence] = []
    for start, end in sentence_spans(title):
        text = title[start:end]
        if text not in seen:
            seen.add(text)
            sentences.append(_Sentence(start, end, 0, 1.0))
    index = 0
    for start, end in sentence_spans(body):
        text = body[start:end]
        if text in seen:
            continue
        seen.add(text)
        sentences.append(_Sentence(start, end, 1, _place_weight(index)))
        # Captions and lines like "Short Url" do not push the lead further down.
        if len(text) > 40:
            index += 1
    return sentences


def _overlaps(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of the sorted spans."""
    i = bisect_right(starts, start) - 1
    if i >= 0 and spans[i][1] > start:
        return True
    return i + 1 < len(spans) and spans[i + 1][0] < end


@dataclass(frozen=True, slots=True)
class _Text:
    """One text (title or body) prepared once for all areas."""

    text: str
    lowered: str  # lower-cased and folded as the language's words and cues read it
    index: WordIndex
    sentences: list[_Sentence]
    sentence_starts: list[int]
    words: LanguageWords

    @classmethod
    def of(
        cls,
        text: str,
        sentences: list[_Sentence],
        finder: re.Pattern[str] | None,
        words: LanguageWords,
    ) -> _Text:
        lowered = words.prepare(lower_text(text))
        return cls(
            text,
            lowered,
            WordIndex.of(lowered, finder),
            sentences,
            [s.start for s in sentences],
            words,
        )

    def negated(self, start: int, sentence_start: int) -> bool:
        """Whether a negation governs the words at `start` ("denied any military cooperation")."""
        floor = max(sentence_start, start - _NEGATION_WINDOW)
        # Only the short stretch before a cue is read, and only for cues that were found.
        return any(
            _NEGATION_GAP.fullmatch(self.lowered, negation.end(), start)
            for negation in self.words.negation.finditer(self.lowered, floor, start)
        )

    def weight(self, index: int) -> float:
        """Place weight times context: talks above background, acts above mere claims."""
        sentence = self.sentences[index]
        lowered, start, end = self.lowered, sentence.start, sentence.end
        weight = sentence.weight
        words = self.words
        if not words.context.search(lowered, start, end):
            weight *= 0.6
        if words.hedge.search(lowered, start, end):
            weight *= _HEDGE_FACTOR
        # Only past the lead: the first sentences state the news, whatever dates they give.
        background = words.background
        recalled = words.recalled
        if (
            recalled is not None
            and sentence.source == 1
            and index > 0
            and recalled.search(lowered, start, end)
        ):
            weight *= _RECALLED_FACTOR
        elif sentence.weight < 1.0 and background and background.search(lowered, start, end):
            weight *= _BACKGROUND_FACTOR
        return weight


def _spelled(cue: Cue, matched: str) -> bool:
    """Whether the cue spells the match's capitals itself ("Red Cross", "WHO", "al-Qaeda")."""
    if cue.exact is None or cue.exact.fullmatch(matched):
        return True
    return any(ch.isupper() for ch in matched[1:]) and bool(
        cue.exact.fullmatch(matched[0].lower() + matched[1:])
    )


def _find_cues(
    prepared: _Text,
    area: Area,
    spans: list[tuple[int, int, int]],
    negative_spans: list[tuple[int, int, int]],
    names: _Names | None,
) -> dict[int, dict[int, float]]:
    """Weights of the cues of `area` that count, by sentence index then cue index."""
    found: dict[int, dict[int, float]] = {}
    sentences = prepared.sentences
    if not sentences or not spans:
        return found
    negative = [(s, e) for s, e, _ in negative_spans]
    negative_starts = [s for s, _ in negative]
    for start, end, cue in spans:
        position = bisect_right(prepared.sentence_starts, start) - 1
        if position < 0 or sentences[position].end < end:
            continue
        if negative and _overlaps(negative, negative_starts, start, end):
            continue
        if prepared.negated(start, sentences[position].start):
            continue
        text = prepared.text
        if (
            names is not None
            and text[start].isupper()
            and not _spelled(area.cues[cue], text[start:end])
            and names.holds(text, start, end, sentences[position].start, sentences[position].end)
        ):
            continue  # a word inside a name: "Condoleezza Rice", "the Defence Minister"
        found.setdefault(position, {})[cue] = area.cues[cue].weight
    return found


@dataclass(frozen=True, slots=True)
class AreaSignal:
    """What the cues say of one area in one article, before any threshold."""

    score: float  # noisy-or of the sentence scores
    best: float  # the best sentence's score
    lead: float  # the best score among the title and the first four body sentences
    in_title: bool
    sentences: int  # how many sentences have a cue of the area that counts
    evidence: str  # the best one or two sentences, each an exact substring of title or body
    passes: bool  # the rules alone label it: score >= threshold and best >= support
    # The headline names the area and a lead sentence of the body confirms it with another cue:
    # where the cues decide alone in another language, that labels it too (`assess`).
    headline: bool = False
    # Where the area stands in the article: the share of its sentences with a cue that counts,
    # and how far down the first of them is (0: the title or first body sentence, 1: the last).
    share: float = 0.0
    first: float = 0.0


def _headline_confirmed(
    cues_in: tuple[set[int], set[int]], best_in: list[float], score: float, taxonomy: Taxonomy
) -> bool:
    """The title names the area and a lead sentence of the body confirms it with another cue,
    each sentence with a word of the area (a hospital, a road), not one of company (a border):
    together they name the topic, where one weak word repeated does not."""
    title, body = cues_in
    return (
        len(title | body) >= 2 and min(best_in) >= _HEADLINE_FLOOR and score >= taxonomy.threshold
    )


@dataclass(frozen=True, slots=True)
class CueSignals:
    """The cues' reading of an article: whether it looks like relations, and each area's signal."""

    actors: int  # distinct countries and multilateral bodies named
    dealings: bool  # words of states dealing with each other ("talks", "aid", "sanctions")
    areas: dict[str, AreaSignal]

    @property
    def related(self) -> bool:
        """Two actors, or words of dealings: domestic news with a cue word stays out."""
        return self.actors >= 2 or self.dealings


def cue_signals(title: str | None, body: str, taxonomy: Taxonomy) -> CueSignals:
    """Every area some cue of which counts in the article, with its scores and evidence."""
    texts = (title or "", body)
    words = taxonomy.words or ENGLISH
    actors = count_actors(texts[0], texts[1], None if words is ENGLISH else words.language)
    sentences = _sentences(texts[0], texts[1])
    matchers = taxonomy.matchers or _matcher_set(taxonomy.areas)
    prepared = [
        _Text.of(
            texts[source], [s for s in sentences if s.source == source], matchers.finder, words
        )
        for source in (0, 1)
    ]
    dealings = any(words.interaction.search(part.lowered) for part in prepared)
    weights: dict[tuple[int, int], float] = {}  # (source, index): filled for sentences with cues
    spans = [matchers.spans(part.text, part.lowered, part.index) for part in prepared]
    signals: dict[str, AreaSignal] = {}
    # German capitalises every noun: a capitalised cue there says nothing of a name.
    names = _Names(texts[0], texts[1]) if words.names else None
    for number, area in enumerate(taxonomy.areas):
        scored: list[tuple[float, int, int]] = []  # (score, source, index in its part)
        lead = 0.0
        # Distinct cues of the title and of the body's lead, and the best sentence of each.
        cues_in: tuple[set[int], set[int]] = (set(), set())
        best_in = [0.0, 0.0]
        for source in (0, 1):
            found = _find_cues(
                prepared[source],
                area,
                spans[source][2 * number],
                spans[source][2 * number + 1],
                names,
            )
            for index, cues in found.items():
                raw = min(_MAX_SENTENCE_SCORE, sum(cues.values()))
                weight = weights.get((source, index))
                if weight is None:
                    weight = weights[source, index] = prepared[source].weight(index)
                scored.append((raw * weight, source, index))
                if prepared[source].sentences[index].weight == 1.0:
                    lead = max(lead, raw * weight)
                    cues_in[source].update(cues)
                    best_in[source] = max(best_in[source], raw * weight)
        if not scored:
            continue
        miss = 1.0
        for value, _, _ in scored:
            miss *= 1.0 - value
        score = round(1.0 - miss, 4)
        top = max(item[0] for item in scored)
        # One sentence must carry the area on its own: scattered weak words do not add up to it.
        passes = score >= taxonomy.threshold and top >= taxonomy.support
        best = sorted(scored, key=lambda item: (-item[0], item[1], item[2]))[:2]
        best = [item for item in best if item[0] >= best[0][0] / 2]
        best.sort(key=lambda item: (item[1], item[2]))
        evidence = " ".join(
            texts[source][
                prepared[source].sentences[index].start : prepared[source].sentences[index].end
            ]
            for _, source, index in best
        )
        body_sentences = len(prepared[1].sentences)
        signals[area.slug] = AreaSignal(
            score,
            top,
            lead,
            any(source == 0 for _, source, _ in scored),
            len(scored),
            evidence,
            passes,
            _headline_confirmed(cues_in, best_in, score, taxonomy),
            round(len(scored) / max(len(sentences), 1), 4),
            round(
                min(
                    index / max(body_sentences - 1, 1) if source else 0.0
                    for _, source, index in scored
                ),
                4,
            ),
        )
    return CueSignals(actors, dealings, signals)


@dataclass(frozen=True, slots=True)
class Assessment:
    """An article's areas, and whether it reports dealings between countries at all."""

    areas: tuple[AreaLabel, ...]
    relations: bool  # its countries can be parties (an expulsion of diplomats has no area)
    learned: bool = False  # the scorer decided (it reads the article's language)


def assess(
    title: str | None, body: str, taxonomy: Taxonomy, language: str | None = None
) -> Assessment:
    """The areas of one article, best first, and whether it is about relations.

    The scorer decides for texts in its language (or of unknown language); for others the
    cues decide alone.
    """
    signals = cue_signals(title, body, taxonomy)
    scorer = taxonomy.scorer
    if scorer is not None and (language is None or language.split("-")[0] == scorer.language):
        return Assessment(*scorer.label(title or "", body, signals), learned=True)
    if not signals.related:
        return Assessment((), False)
    # In another language the cues are fewer and weaker than English's: where the language's
    # file says so, a headline confirmed by its lead labels an area too (English keeps its rule,
    # under which the scorer was fitted).
    confirmed = taxonomy.words is not None and taxonomy.words.headline
    labels = [
        AreaLabel(slug, signal.score, signal.evidence)
        for slug, signal in signals.areas.items()
        if signal.passes or (confirmed and signal.headline)
    ]
    labels.sort(key=lambda label: (-label.score, label.area))
    if labels or not signals.dealings or taxonomy.words is None:
        return Assessment(tuple(labels), bool(labels))
    strengths = actor_strengths(title, body, taxonomy.words.language)
    return Assessment((), len(strengths) >= 2 and strengths[1] >= _SIDE)


def classify(title: str | None, body: str, taxonomy: Taxonomy) -> tuple[AreaLabel, ...]:
    """The areas of one article, best first, each with its score and evidence sentences."""
    return assess(title, body, taxonomy).areas
