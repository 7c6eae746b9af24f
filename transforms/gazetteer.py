"""Names of countries and bodies in each language, as one matcher per language.

English reads transforms/countries.toml on top of pycountry's ISO names. Every other language
reads transforms/lang/<ISO 639-1>.toml, on top of pycountry's translations of the ISO names
into that language (its iso3166-1 locale files), and spells each name's inflected forms with
transforms/inflect.py. A language file also holds the words that make a country an actor in
that language (officials, dealings, the words that join two names, the words that make a
name a place), and for Chinese the one-character short forms (中, 俄, 巴) and the patterns
that use them (中方, 中巴关系, 访华).
"""

from __future__ import annotations

import gettext
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pycountry

from entente.transforms._patterns import lower_pattern
from entente.transforms.errors import ConfigError
from entente.transforms.inflect import AR_FOLD, INFLECT

ENGLISH = "en"
# Where a name can start in English: a capital letter, Latin with or without accents.
CAPITAL = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž]")

# pycountry's locale for each language's ISO 3166 translations.
_LOCALES = {"ru": "ru", "fr": "fr", "es": "es", "ar": "ar", "zh": "zh_CN", "de": "de"}


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # name, demonym, seat, leader, organisation, none
    code: str
    combining: bool = False  # only the first half of a hyphenated pair: "российско-"


@dataclass(frozen=True, slots=True)
class PartyWords:
    """What makes a named country an actor in one language (patterns on lower-cased text)."""

    officials: re.Pattern[str]  # near the name: minister, delegation, government, counterpart
    dealings: re.Pattern[str]  # in the sentence: signed, talks, agreed, cooperation
    links: re.Pattern[str]  # the whole gap between two names of a pair: "и", "et", "-"
    places: re.Pattern[str]  # just before a name that makes it a place or topic: "в", "au"
    visits: re.Pattern[str]  # just before a name that makes it a host: "визит в", "visite au"
    acts: re.Pattern[str]  # just after a name that makes it the subject: "заявил", "a signé"
    window: int  # characters either side of a name read for officials
    # Just before a name that makes it the subject, where the verb leads (Arabic "انتقدت إسرائيل").
    acts_before: re.Pattern[str] | None = None
    # Just before a name that makes it the other side of a dealing, even after a preposition that
    # otherwise makes a place: the recipient of a verb of giving ("fournira à l'Italie",
    # "abastecerá a Paraguay"), the accused ("accuse Kigali"), a partner ("un accord avec le").
    object_before: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class ShortForms:
    """Chinese: one-character forms of names, read only in the patterns that use them."""

    codes: dict[str, tuple[str, ...]]  # 巴 -> (PAK, BRA, ...): the first unless another is named
    full: dict[str, tuple[str, ...]]  # 巴 -> (巴基斯坦, 巴西, ...): full names, same order
    side: re.Pattern[str]  # 中方, 俄方: a party
    pair: re.Pattern[str]  # 中巴关系, 中俄: both parties
    official: re.Pattern[str]  # 俄外长: a party
    visit: re.Pattern[str]  # 访华: a party; 驻华, 在华: a place


@dataclass(frozen=True, slots=True)
class Gazetteer:
    language: str
    regex: re.Pattern[str]
    entries: dict[str, Entry]
    fold: dict[int, str] | None = None  # one-for-one character folding of text before matching
    party: PartyWords | None = None
    short: ShortForms | None = field(default=None)

    def prepare(self, text: str) -> str:
        """The text as the regex reads it (same length, so offsets hold)."""
        return text.translate(self.fold) if self.fold else text


def trie_pattern(phrases: list[str]) -> str:
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


def _read(name: str) -> dict[str, object]:
    return tomllib.loads(
        resources.files("entente.transforms").joinpath(name).read_text(encoding="utf-8")
    )


@cache
def english() -> Gazetteer:
    data = _read("countries.toml")
    entries: dict[str, Entry] = {}

    def add(phrase: str, entry: Entry, upper: bool = False) -> None:
        variants = [phrase]
        if upper and len(phrase) > 3:
            variants.append(phrase.upper())
        for variant in variants:
            if CAPITAL.match(variant):
                entries.setdefault(variant, entry)

    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    for phrase in tables["none"]["phrases"]:
        add(phrase, Entry("none", ""), upper=True)
    for name, aliases in tables["organisations"].items():
        for alias in aliases:
            add(alias, Entry("organisation", name))
    for code, names in tables["names"].items():
        for name in names:
            add(name, Entry("name", code), upper=True)
    for code, names in tables["demonyms"].items():
        for name in names:
            add(name, Entry("demonym", code), upper=True)
            add(name + "s", Entry("demonym", code))
    for code, names in tables["seats"].items():
        for name in names:
            add(name, Entry("seat", code), upper=True)
    for code, names in tables["leaders"].items():
        for name in names:
            add(name, Entry("leader", code))
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name and "," not in name:
                add(name, Entry("name", country.alpha_3))
    # "Russia-Pakistan", "Saudi-led", "U.S.-China": a hyphen does not hide a name.
    # Every name starts with a capital: the lookahead rejects other places before the trie is tried.
    pattern = r"(?=" + CAPITAL.pattern + r")\b(?:" + trie_pattern(sorted(entries)) + r")(?!\w)"
    return Gazetteer(ENGLISH, re.compile(pattern), entries)


def iso_names(language: str) -> dict[str, set[str]]:
    """pycountry's ISO 3166 names translated into `language`, by alpha-3 code.

    A translated name with a comma ("Iran, République islamique d'") gives its part before
    the comma when no other country's name starts the same way ("Corée, République de" does not).
    """
    locale = _LOCALES.get(language)
    if locale is None:
        return {}
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )
    found: dict[str, set[str]] = {}
    heads: dict[str, set[str]] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if not name:
                continue
            translated = translation.gettext(name)
            if "," in translated:
                head = translated.split(",")[0].strip()
                heads.setdefault(head, set()).add(country.alpha_3)
                continue
            found.setdefault(country.alpha_3, set()).add(translated.strip())
    for head, codes in heads.items():
        if len(codes) == 1 and len(head) > 3:
            found.setdefault(next(iter(codes)), set()).add(head)
    return found


def _party_words(table: object, language: str) -> PartyWords:
    if not isinstance(table, dict):
        raise ConfigError(f"lang/{language}.toml: field 'party' must be a table")

    def pattern(name: str) -> re.Pattern[str]:
        value = table.get(name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"lang/{language}.toml: party.{name} must be a pattern")
        try:
            # Run on lower-cased text (countries.py lowers it once): faster than IGNORECASE.
            return re.compile(lower_pattern(value))
        except re.error as exc:
            raise ConfigError(f"lang/{language}.toml: party.{name}: {exc}") from None

    window = table.get("window", 40)
    if not isinstance(window, int):
        raise ConfigError(f"lang/{language}.toml: party.window must be a number")
    return PartyWords(
        pattern("officials"),
        pattern("dealings"),
        pattern("links"),
        pattern("places"),
        pattern("visits"),
        pattern("acts"),
        window,
        pattern("acts_before") if "acts_before" in table else None,
        pattern("object_before") if "object_before" in table else None,
    )


def _shortest(name: str) -> tuple[int, str]:
    return len(name), name


def _short_forms(table: object, names: dict[str, set[str]]) -> ShortForms:
    if not isinstance(table, dict):
        raise ConfigError("lang/zh.toml: field 'short' must be a table")
    codes: dict[str, tuple[str, ...]] = {
        char: tuple(value) for char, value in table["codes"].items()
    }
    full: dict[str, tuple[str, ...]] = {}
    for char, candidates in codes.items():
        # the shortest name, then the first in code point order: 俄罗斯 and 俄联邦 are as long
        full[char] = tuple(
            next((n for n in sorted(names.get(code, ()), key=_shortest) if n.startswith(char)), "")
            for code in candidates
        )

    def chars(name: str) -> str:
        """A character class of the short forms a pattern reads (all of them by default)."""
        listed = table.get(name)
        return "[" + re.escape(listed if isinstance(listed, str) else "".join(codes)) + "]"

    return ShortForms(
        codes,
        full,
        re.compile(
            rf"(?<![{table['not_before_side']}])({chars('side_chars')})方"
            rf"(?![{table['not_after_side']}])"
        ),
        re.compile(rf"({chars('pair_chars')}{{2,4}})(?={table['pair_after']})"),
        re.compile(rf"({chars('official_chars')})(?={table['official_after']})"),
        re.compile(rf"(?:{table['visit_before']})({chars('visit_chars')})"),
    )


@cache
def for_language(language: str | None) -> Gazetteer:
    """The gazetteer of `language` (ISO 639-1); English for None and languages without one."""
    if not language or language == ENGLISH or language not in INFLECT:
        return english()
    data = _read(f"lang/{language}.toml")
    inflect = INFLECT[language]
    fold = data.get("fold")
    table = AR_FOLD if language == "ar" else str.maketrans(fold) if isinstance(fold, dict) else None
    entries: dict[str, Entry] = {}
    cased = language in ("ru", "fr", "es", "de")

    def add(phrase: str, entry: Entry) -> None:
        # Sorted, standing-alone forms first: where a form is both a word of its own and the
        # first half of a pair ("deutsch"), it is the word; a set's order would pick either,
        # differently in each process.
        for spelled, combining in sorted(inflect(phrase, entry.kind), key=lambda f: (f[1], f[0])):
            form = spelled.translate(table) if table else spelled
            found = Entry(entry.kind, entry.code, combining)
            entries.setdefault(form, found)
            if cased and len(form) > 3 and entry.kind in ("name", "seat"):
                entries.setdefault(form.upper(), found)

    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    for phrase in tables.get("none", {}).get("phrases", []):
        add(phrase, Entry("none", ""))
    for name, aliases in tables.get("organisations", {}).items():
        for alias in aliases:
            add(alias, Entry("organisation", name))
    names: dict[str, set[str]] = {}
    for code, spelled in tables.get("names", {}).items():
        names.setdefault(code, set()).update(spelled)
    for code, spelled in iso_names(language).items():
        names.setdefault(code, set()).update(spelled)
    for code, spelled in names.items():
        for name in sorted(spelled):
            add(name, Entry("name", code))
    for kind, section in (("demonym", "demonyms"), ("seat", "seats"), ("leader", "leaders")):
        for code, spelled in tables.get(section, {}).items():
            for name in spelled:
                add(name, Entry(kind, code))
    for code, spelled in tables.get("combining", {}).items():
        for form in spelled:  # "sino-", "franco-": irregular first halves of pairs
            for variant in (form, form[:1].upper() + form[1:]):
                entries.setdefault(variant, Entry("demonym", code, combining=True))
    body = trie_pattern(sorted(entries))
    if language == "zh":
        pattern = f"(?P<name>{body})"
    elif data.get("compounds"):
        # German: a name may open a compound, "Kremlsprecher", "Chinareise" (see _scan).
        pattern = rf"(?<!\w)(?P<name>{body})(?P<tail>[a-zäöüß]{{3,}})?(?!\w)"
    else:
        pattern = rf"(?<!\w)(?P<name>{body})(?!\w)"
    short = _short_forms(tables["short"], names) if "short" in tables else None
    return Gazetteer(
        language,
        re.compile(pattern),
        entries,
        table,
        _party_words(tables.get("party"), language),
        short,
    )
