"""What the classifier reads in each language other than English: cues and words around them.

For each language (ISO 639-1) in LANGUAGES, transforms/lang/<code>.areas.toml holds cues for
the areas of transforms/taxonomy.toml, written in that language in the taxonomy's own format
(pattern = weight, negatives), and under `[words]` the words the classifier reads around cues:
words of dealings (a sentence about talks or a deal weighs more than background), negations
("не", "ne ... pas", "لم"), hedges, and words of states dealing with each other (an article that
names fewer than two countries needs them to have an area at all).

`area_taxonomy_text` turns such a file into a taxonomy file `parse_taxonomy` reads: the
definitions are the English taxonomy's, so that an area means the same thing in every language.
Two languages need more than words:

- Arabic joins conjunctions, prepositions and the article to the next word ("والتعاون",
  "بالطاقة"): every cue is allowed those clitics in front, so cues are written bare; and text and
  cues are read with alef forms, alef maqsura and ta marbuta folded, as the gazetteer reads them.
- Chinese has no spaces: its cues match anywhere, not on word boundaries (`spaced` is False).

A file may say `headline = true`: then an area whose cues are in the headline and, with another
cue, in the body's lead is labelled even if no one sentence reaches `support` on its own
("Pékin offre un hôpital" over "... des médecins chinois"); see classify.assess.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from entente.transforms._patterns import lower_pattern
from entente.transforms.errors import ConfigError
from entente.transforms.inflect import AR_FOLD

LANGUAGES = ("ru", "fr", "es", "de", "ar", "zh")
# What Arabic may join in front of a word: و or ف, then ب ل ك or the article (ال, لل, بال, ...).
ARABIC_CLITICS = "(?:[وف]?(?:[بلك]|ال|بال|لل|كال|فال)?)"
# An Arabic noun phrase repeats the article on each word ("المساعدات الغذائية" for
# "مساعدات غذائية"): after a space, a cue's next Arabic word may carry it.
_ARABIC_NEXT_WORD = re.compile(r" (?=[\u0621-\u064a])(?!ال)")
_FOLDS: dict[str, dict[int, str]] = {
    "ar": AR_FOLD,
    "ru": str.maketrans({"ё": "е", "Ё": "Е"}),
}
_WORDS = ("context", "negation", "hedge", "interaction", "background", "recalled")
_OPTIONAL = ("background", "recalled")


@dataclass(frozen=True, slots=True)
class LanguageWords:
    """Patterns the classifier runs on a language's lower-cased, folded text."""

    language: str
    context: re.Pattern[str]  # words of dealings: talks, agreements, cooperation
    negation: re.Pattern[str]  # a negation before a cue: "не", "sin", "لم"
    hedge: re.Pattern[str]  # mere reports: "якобы", "presuntamente"
    interaction: re.Pattern[str]  # words of states dealing with each other
    fold: dict[int, str] | None  # one character for one, applied to text and cues
    spaced: bool  # words are separated: cues and words match whole words only
    background: re.Pattern[str] | None = None  # a dealing recalled: "в 2018 году", "en 2019"
    names: bool = True  # a cue capitalised mid-sentence may sit in a name (not in German)
    # A dealing recalled by its tense ("وكان ... قد", "hatte ... vereinbart"): background in any
    # body sentence after the first.
    recalled: re.Pattern[str] | None = None
    # A headline's area confirmed by the body's lead labels it (the file's `headline = true`).
    headline: bool = False

    def prepare(self, lowered: str) -> str:
        """Lower-cased text as these patterns and the cues read it (same length)."""
        return lowered.translate(self.fold) if self.fold else lowered


def _read(language: str) -> dict[str, object]:
    if language not in LANGUAGES:
        raise ConfigError(f"no cues for language {language!r}; known: {', '.join(LANGUAGES)}")
    name = f"lang/{language}.areas.toml"
    try:
        return tomllib.loads(
            resources.files("entente.transforms").joinpath(name).read_text(encoding="utf-8")
        )
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML: {exc}") from None


def _cue(pattern: str, language: str) -> str:
    fold = _FOLDS.get(language)
    written = pattern.translate(fold) if fold else pattern
    if language != "ar":
        return written
    return f"{ARABIC_CLITICS}(?:{_ARABIC_NEXT_WORD.sub(' (?:ال)?', written)})"


def area_taxonomy_text(language: str, english_taxonomy: str) -> str:
    """The language's cues as a taxonomy file, with the English taxonomy's definitions."""
    data = _read(language)
    english = tomllib.loads(english_taxonomy)
    areas = data.get("areas")
    if not isinstance(areas, dict):
        raise ConfigError(f"lang/{language}.areas.toml: field 'areas' must hold the areas")
    lines = [
        f"version = {json.dumps(str(data.get('version', '')))}",
        f"threshold = {data.get('threshold', english.get('threshold', 0.5))}",
        f"support = {data.get('support', english.get('support', 0.55))}",
    ]
    for slug, table in areas.items():
        if slug not in english["areas"] or not isinstance(table, dict):
            raise ConfigError(f"lang/{language}.areas.toml: unknown area {slug!r}")
        lines += ["", f"[areas.{slug}]"]
        lines.append(f"definition = {json.dumps(english['areas'][slug]['definition'])}")
        negative = [_cue(p, language) for p in table.get("negative", [])]
        if negative:
            lines.append(f"negative = {json.dumps(negative, ensure_ascii=False)}")
        lines.append(f"[areas.{slug}.cues]")
        for pattern, weight in table.get("cues", {}).items():
            lines.append(f"{json.dumps(_cue(pattern, language), ensure_ascii=False)} = {weight}")
    return "\n".join(lines) + "\n"


@cache
def language_words(language: str) -> LanguageWords:
    """The words the classifier reads around cues in `language`."""
    table = _read(language).get("words")
    if not isinstance(table, dict):
        raise ConfigError(f"lang/{language}.areas.toml: field 'words' must be a table")
    spaced = language != "zh"
    fold = _FOLDS.get(language)
    compiled: dict[str, re.Pattern[str]] = {}
    for name in _WORDS:
        value = table.get(name)
        if name in _OPTIONAL and value is None:
            continue  # optional
        if not isinstance(value, str) or not value:
            raise ConfigError(f"lang/{language}.areas.toml: words.{name} must be a pattern")
        written = lower_pattern(value.translate(fold) if fold else value)  # text is lowered
        bounded = rf"(?<!\w)(?:{written})(?!\w)" if spaced else f"(?:{written})"
        try:
            compiled[name] = re.compile(bounded)
        except re.error as exc:
            raise ConfigError(f"lang/{language}.areas.toml: words.{name}: {exc}") from None
    return LanguageWords(
        language,
        compiled["context"],
        compiled["negation"],
        compiled["hedge"],
        compiled["interaction"],
        fold,
        spaced,
        compiled.get("background"),
        # German capitalises every noun, so a capital letter there does not mark a name.
        names=language != "de",
        recalled=compiled.get("recalled"),
        headline=_flag(language, "headline"),
    )


def _flag(language: str, name: str) -> bool:
    """A yes-or-no field at the top of the language's file (absent: no)."""
    value = _read(language).get(name, False)
    if not isinstance(value, bool):
        raise ConfigError(f"lang/{language}.areas.toml: {name} must be true or false")
    return value
