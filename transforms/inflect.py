"""The written forms of a country's name or demonym in a language that inflects it.

A gazetteer lists each name once, in its dictionary form ("Россия", "russe", "باكستان"); these
functions spell the forms a text may use instead: Russian cases ("России", "Россией",
"российско-"), French and Spanish gender and number ("pakistanaise", "rusas"), German case
endings ("Litauens", "russischen"), Arabic clitics and the article ("وروسيا", "بالصين",
"الروسية"). They over-generate on purpose: a form no one writes costs a trie branch, a form
missing costs a country.

Each returns (form, combining) pairs: a combining form stands only before a hyphen, as the
first half of a compound that names two countries ("российско-пакистанские", "deutsch-polnisch").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import product

Forms = set[tuple[str, bool]]

# Russian adjective endings, all genders, numbers and cases.
_RU_ADJECTIVE = (
    "ий", "ый", "ой", "ого", "ому", "им", "ым", "ом", "ая", "яя", "ую", "ою", "ое", "ее",
    "ие", "ые", "их", "ых", "ими", "ыми", "ей", "юю",
)  # fmt: skip
_RU_ADJECTIVE_ENDS = ("ий", "ый", "ой", "ая", "яя", "ое", "ее", "ие", "ые")
_RU_VOWELS = set("аеёиоуыэюя")


# Case endings, nominative to prepositional (alternatives within a case joined by "/").
_RU_CASES = {
    "ая": ("ая", "ой", "ой", "ую", "ой/ою", "ой"),
    "яя": ("яя", "ей", "ей", "юю", "ей", "ей"),
    "ий": ("ий", "ого", "ому", "ий/ого", "им", "ом"),
    "ый": ("ый", "ого", "ому", "ый/ого", "ым", "ом"),
    "ой": ("ой", "ого", "ому", "ой/ого", "ым/им", "ом"),
    "ое": ("ое", "ого", "ому", "ое", "ым/им", "ом"),
    "ее": ("ее", "его", "ему", "ее", "им", "ем"),
    "ие": ("ие", "их", "им", "ие/их", "ими", "их"),
    "ые": ("ые", "ых", "ым", "ые/ых", "ыми", "ых"),
}
_RU_NOUN_CASES = {
    "ия": ("ия", "ии", "ии", "ию", "ией/иею", "ии"),
    "я": ("я", "и", "е", "ю", "ей/ею", "е"),
    "а": ("а", "ы/и", "е", "у", "ой/ою", "е"),
    "й": ("й", "я", "ю", "й", "ем", "е"),
    "ь": ("ь", "я/и", "ю/и", "ь", "ем/ью", "е/и"),
    "ы": ("ы", "ов/", "ам", "ы", "ами", "ах"),
    "": ("", "а", "у", "", "ом/ем", "е"),
}


def _ru_cases(word: str) -> list[set[str]]:
    """A word's forms in each of the six cases; an indeclinable word keeps one form."""
    if "-" in word:  # Гвинея-Бисау, Улан-Батор: the last part declines
        head, _, tail = word.rpartition("-")
        return [{f"{head}-{form}" for form in case} for case in _ru_cases(tail)]
    if len(word) < 3 or word.isupper() or any(ch.isdigit() for ch in word):
        return [{word}] * 6  # РФ, США, КНДР: abbreviations do not decline
    lower = word.lower()
    noun_ends = ("ия", "я", "а", "й", "ь", "ы")
    for table, ends in ((_RU_CASES, tuple(_RU_CASES)), (_RU_NOUN_CASES, noun_ends)):
        for end in ends:
            if lower.endswith(end) and (table is _RU_NOUN_CASES or len(word) > 4):
                stem = word[: -len(end)]
                return [{stem + e for e in case.split("/")} for case in table[end]]
    if lower[-1] in _RU_VOWELS:
        return [{word}] * 6  # Конго, Того, Чили, Перу, Мали: indeclinable
    return [{word + e for e in case.split("/")} for case in _RU_NOUN_CASES[""]]


def _ru_phrase(words: list[str], cases: Callable[[str], list[set[str]]]) -> set[str]:
    """Each case of a phrase, its words agreeing: "Южная Корея" -> "Южной Кореи"."""
    per_word = [cases(word) for word in words]
    forms: set[str] = set()
    for case in range(6):
        forms |= {" ".join(p) for p in product(*(w[case] for w in per_word))}
    return forms


def russian(phrase: str, kind: str) -> Forms:
    """Case forms of a name (each word declined) or of a demonym (adjective or noun)."""
    words = phrase.split()
    if kind == "demonym" and len(words) == 1 and phrase[-2:] in _RU_ADJECTIVE_ENDS:
        stem = phrase[:-2]
        forms: Forms = set()
        for e in _RU_ADJECTIVE:
            forms |= {(stem + e, False), (stem[:1].upper() + stem[1:] + e, False)}
        forms.add((stem + "о", True))  # российско-пакистанские
        forms.add((stem[:1].upper() + stem[1:] + "о", True))
        return forms
    cases = _ru_leader_cases if kind == "leader" else _ru_cases
    return {(form, False) for form in _ru_phrase(words, cases)}


def _ru_leader_cases(word: str) -> list[set[str]]:
    """Surnames in -ов, -ев, -ин decline as their own kind ("Лаврова", "Лавровым")."""
    if word.endswith(("ов", "ев", "ин", "ын")):
        return [{word + e for e in case.split("/")} for case in ("", "а", "у", "а", "ым", "е")]
    return _ru_cases(word)


def _fr_es_adjective(word: str, language: str) -> set[str]:
    if language == "fr":
        if word.endswith("e"):
            return {word, word + "s"}
        if word.endswith(("ais", "ois", "s", "x")):
            return {word, word + "e", word + "es"}
        if word.endswith(("ien", "en")):
            return {word, word + "s", word + "ne", word + "nes"}
        if word.endswith("al"):
            return {word, word + "e", word + "es", word[:-2] + "aux"}
        return {word, word + "s", word + "e", word + "es"}
    # Spanish
    if word.endswith("o"):
        return {word[:-1] + e for e in ("o", "a", "os", "as")}
    if word.endswith(("e", "a")):
        return {word, word + "s"}
    if word.endswith(("í", "ú")):
        return {word, word + "es", word + "s"}
    accented = {"és": "es", "án": "an", "ín": "in", "ón": "on"}
    for end, plain in accented.items():
        if word.endswith(end):
            stem = word[: -len(end)] + plain
            return {word, stem + word[-1] + "a", stem + word[-1] + "es", stem + word[-1] + "as"}
    return {word, word + "a", word + "es", word + "as"}


def _capitalised(forms: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for form in forms:
        out.add(form)
        out.add(form[:1].upper() + form[1:])
    return out


def french(phrase: str, kind: str) -> Forms:
    if kind == "demonym" and " " not in phrase:
        forms = _capitalised(_fr_es_adjective(phrase, "fr"))
        combining = {(f[:-1] + "o", True) for f in forms if f.endswith("e")}  # franco-, russo-
        return {(f, False) for f in forms} | combining
    return {(phrase, False)}


def spanish(phrase: str, kind: str) -> Forms:
    if kind == "demonym" and " " not in phrase:
        forms = _capitalised(_fr_es_adjective(phrase, "es"))
        return {(f, False) for f in forms}
    return {(phrase, False)}


def german(phrase: str, kind: str) -> Forms:
    words = phrase.split()
    if kind == "demonym" and len(words) == 1:
        if phrase[0].islower():  # an adjective: russisch, russische, russischen, ...
            forms = {phrase + e for e in ("", "e", "en", "er", "es", "em")}
            return {(f, False) for f in _capitalised(forms)} | {(phrase, True)}
        if phrase.endswith(("e", "er")):  # Russe, Pakistaner: nationals
            stem = phrase[:-1] if phrase.endswith("e") else phrase
            return {(f, False) for f in (phrase, phrase + "n", stem + "in", stem + "innen")}
        return {(phrase, False), (phrase + "en", False), (phrase + "in", False)}
    if kind in ("name", "seat", "leader"):
        last = words[-1]
        forms = {phrase}
        if not last.endswith(("s", "x", "z", "ß")):
            forms.add(" ".join([*words[:-1], last + "s"]))  # Litauens, Moskaus, Putins
        if len(words) > 1 and words[0].endswith("e") and words[0][0].isupper():
            forms.add(" ".join([words[0] + "n", *words[1:]]))  # der Vereinigten Staaten
        return {(f, False) for f in forms}
    return {(phrase, False)}


# Arabic: the conjunctions and prepositions written joined to the next word.
_AR_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل")
_AR_DIACRITICS = dict.fromkeys(map(ord, "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"), None)
# Letters written in several ways, folded to one in both the gazetteer and the text (one
# character for one, so that offsets into the text stay valid).
AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def fold_arabic(text: str) -> str:
    return text.translate(AR_FOLD)


def _ar_with_clitics(word: str) -> set[str]:
    """A word with the clitics a text may join to it: وروسيا، لباكستان، بالصين، للصين."""
    forms = {prefix + word for prefix in _AR_PREFIXES}
    if word.startswith("ال"):
        bare = word[2:]
        forms |= {prefix + "لل" + bare for prefix in ("", "و", "ف")}
        forms -= {"ل" + word, "ول" + word, "فل" + word}
    return forms


def arabic(phrase: str, kind: str) -> Forms:
    phrase = phrase.translate(_AR_DIACRITICS)
    words = phrase.split()
    firsts: set[str] = set()
    if kind == "demonym" and len(words) == 1 and not phrase.startswith("ال"):
        # روسي: روسية، روسيان، روسيون، روسيين، روسيات، and each with the article.
        stem = phrase[:-1] if phrase.endswith("ي") else phrase
        bases = {stem + e for e in ("ي", "ية", "يان", "يتان", "يون", "يين", "يات", "يا")}
        for base in bases | {phrase}:
            firsts |= _ar_with_clitics(base) | _ar_with_clitics("ال" + base)
    else:
        firsts = _ar_with_clitics(words[0])
    rest = " ".join(words[1:])
    return {(fold_arabic(f + (" " + rest if rest else "")), False) for f in firsts}


def chinese(phrase: str, kind: str) -> Forms:
    return {(phrase, False)}


INFLECT: dict[str, Callable[[str, str], Forms]] = {
    "ru": russian,
    "fr": french,
    "es": spanish,
    "de": german,
    "ar": arabic,
    "zh": chinese,
}
