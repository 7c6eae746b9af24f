"""Line-level cleanup of extracted article text: what a main-text extractor lets through.

Every rule here is site-independent: it looks at the shape and wording of a line (a short
"Read more: ..." teaser, a "Share" widget, an "Updated 3:45 pm" stamp, a newsletter pitch, a
byline, the headline repeated above the first paragraph), never at a site's markup or name.
Long lines are prose and are kept whatever words they contain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence

from entente.ingest.dates import date_span

_WORD = re.compile(r"\w+")

# A line this long is prose, not a widget, whatever its first words are.
_SHORT = 160
_TINY = 60

_TEASER = re.compile(
    r"""^\W*(
        related(\s+(posts?|articles?|stories|story|coverage|content|reading|links?|videos?))?
        |read\s+(more|next|also|this)|also\s+read|see\s+(also|more)|more\s+on\s+this
        |also\s+(on|see)\b.*|you\s+(may|might)\s+(also\s+)?like|recommended(\s+for\s+you)?
        |don'?t\s+miss|most\s+(read|popular|viewed|shared)(\s+in\s+.*)?|popular\s+on\b.*
        |more\s+from\b.*|more\s+stories|top\s+stories|trending(\s+now)?|what\s+to\s+read\s+next
        |leia\s+(também|mais)|veja\s+também|leggi\s+anche|lesen\s+sie\s+auch|mehr\s+zum\s+thema
        |(à\s+)?lire\s+aussi|voir\s+aussi|lee\s+también|te\s+puede\s+interesar|читайте\s+также
        |más\s+información|ver\s+también|more|also|tags|topics|categories|in\s+this\s+article
    )\s*([:|»›>–—-]|\.\.\.|…|$)""",
    re.IGNORECASE | re.VERBOSE,
)

_WIDGET = re.compile(
    r"""^\W*(
        share(\s+(this|on|via|the)\b.*)?|tweet|e-?mail|print|copy\s+link|short\s+url\b.*
        |comments?|\d+\s+comments?|leave\s+a\s+(comment|reply)|tell\s+us\s+what\s+you\s+think.*
        |like\s+this\s+story\?.*|filed\s+under\b.*|tags?\s*:.*|topics?\s*:.*|source\s*:.*
        |advertisement|sponsored(\s+content)?|thanks\s+for\s+signing\s+up.*
        |sorry!?|there\s+was\s+an\s+error\b.*|(reading\s+time|tempo\s+de\s+leitura|lesezeit)\b.*
        |\d+\s+min(ute)?s?\s+read|listen\s+to\s+(this\s+)?article|skip\s+(to\s+content|ad)
        |image\s*:.*|photo\s*:.*|foto\s*:.*|\(?(image|photo|picture)\s+(credit|by)\b.*
        |(photo|image)\s+courtesy\b.*|credit\s*:.*|getty\s+images|ap\s+photo\b.*
        |by|text\s+size|order\s+reprints|reprints?(\s+&\s+permissions)?|print\s+(this\s+)?article
        |an\s+error\s+(has\s+)?occurred\b.*|this\s+article\s+has\s+been\s+sent\s+to.*
        |this\s+copy\s+is\s+for\s+your\s+personal\b.*|\w+:\s*https?://\S+
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)

_STAMP = re.compile(
    r"""^\W*(updated|last\s+updated|last\s+modified|modified|published|first\s+published
        |posted|aktualisiert|mis\s+à\s+jour|publié|atualizado|publicado|actualizado)\b
        \s*(:|on|at)?\s*.{0,80}$""",
    re.IGNORECASE | re.VERBOSE,
)

_CREDIT = re.compile(
    r"""^\W*(
        (additional\s+)?(reporting|writing|editing|compiled|research)\s+by\b.*
        |.{0,120}\bcontributed\s+(reporting|to\s+(this|the)\s+(report|story|article))\b.*
        |follow\s+(him|her|them|us|me|the\s+author)\s+on\b.*
        |(e-?mail\s+.{0,60}\s+at\s+\S+@\S+|write\s+to\s+.{0,60}\s+at\s+\S+@\S+).*
        |(follow|reach)\b.{0,80}\b(on|at)\s+(twitter|facebook|instagram|https?://|@).*
        |.{0,80}\b(can|may)\s+be\s+reached\s+at\b.*
        |have\s+a\s+tip\?.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_BYLINE = re.compile(
    r"""^\W*(?i:by|von|por|par|di|door|av|af)\s+
        [A-ZÀ-ÖØ-Þ][\w.'’-]*(\s+[A-ZÀ-ÖØ-Þ][\w.'’-]*){0,3}
        (\s*(,|and|&|und|y|e|et)\s*[A-ZÀ-ÖØ-Þ][\w.'’-]*(\s+[A-ZÀ-ÖØ-Þ][\w.'’-]*){0,3}){0,3}
        (\s*[,|/–—-]\s*.{0,60})?$""",
    re.VERBOSE,
)

_PITCH_WORDS = re.compile(
    r"\b(newsletters?|sign\s+up|signing\s+up|subscribe|subscribing|subscription|inbox"
    r"|cookies?|podcast|download\s+the\s+app|get\s+the\s+app|our\s+app|alerts|click\s+here"
    r")\b",
    re.IGNORECASE,
)
_PITCH_START = re.compile(
    r"^(sign\s+up|subscribe|get|join|click|tap|start\s+your|enter\s+your|register|download"
    r"|never\s+miss|don'?t\s+miss|want\s+(more|the)|if\s+you\s+(enjoyed|liked|value)|stay\s+(up|on|informed)|we\s+use|this\s+(web)?site\s+uses"
    r"|by\s+(continuing|using|clicking))\b",
    re.IGNORECASE,
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, the unit every comparison here works on."""
    return _WORD.findall(text.casefold())


def is_boilerplate(line: str) -> bool:
    """Whether one line of extracted text is a widget, teaser, stamp or credit, not prose."""
    text = line.strip()
    if not text:
        return False
    if len(text) <= _SHORT and (_WIDGET.match(text) or _CREDIT.match(text)):
        return True
    # a teaser is a link title, not a sentence: "Also on Monday, the sides met." is prose
    if len(text) <= _SHORT and _TEASER.match(text) and not _is_sentence(text):
        return True
    if len(text) <= 100 and _STAMP.match(text) and _is_stamp(text):
        return True
    if len(text) <= _TINY and _BYLINE.match(text):
        return True
    if len(text) <= 100 and _is_date_line(text):
        return True
    return _is_pitch(text)


def _is_sentence(text: str) -> bool:
    """Ends like a sentence and has a verb-sized body (more than a label with a full stop)."""
    return text.endswith((".", "!", "?")) and len(text.split()) >= 6 and not text.endswith("...")


def _is_stamp(text: str) -> bool:
    """'Updated 3:45 pm', 'Published on 19 Nov 2019': a date or time, hardly anything else."""
    if len(text.split()) > 12:
        return False
    return bool(
        date_span(text) or _CLOCK.search(text) or re.search(r"\bago\b", text, re.IGNORECASE)
    )


def _is_date_line(text: str) -> bool:
    """A dateline standing alone: a date, a time, a weekday, perhaps a short byline."""
    if text.startswith(("-", "—", "–")):
        return False  # "— Name (@handle) November 18, 2019" closes a quoted post
    span = date_span(text)
    if span is None:
        return False
    rest = text[: span[0]] + " " + text[span[1] :]
    if date_span(rest) is not None:
        return False  # a range ("29 November 2018 | 20 January 2019") is content
    words = sum(any(c.isalpha() for c in word) for word in rest.split())
    # a time of day marks a publication stamp; without one, only the bare date qualifies
    return words <= 5 if _CLOCK.search(rest) else words == 0


_CLOCK = re.compile(r"\b\d{1,2}[:h]\d{2}\b")
_CLICK_TO_TWEET = re.compile(r"\s*click\s+to\s+tweet\s*$", re.IGNORECASE)


def _without_tweet_prompt(line: str) -> str:
    """The line without a closing "Click to tweet". The pattern runs only on a line that
    ends in "tweet", and _is_pitch tests the length first: clean_body runs on every page."""
    if line.rstrip()[-5:].lower() != "tweet":
        return line
    return _CLICK_TO_TWEET.sub("", line)


def _is_pitch(text: str) -> bool:
    """A newsletter, app, podcast or cookie pitch: short, and either imperative or a bare label."""
    # length first: every paragraph reaches this test, and a long one is never a pitch
    if len(text) > 200 or not _PITCH_WORDS.search(text):
        return False
    if text.startswith(("- ", "• ", "* ")):
        return False
    if len(text) <= _TINY and not _is_sentence(text):
        return True  # a label: "Pick Six Newsletter", "Subscribe to our podcast"
    return len(text) <= 200 and _PITCH_START.match(text) is not None


def _same_text(line: str, reference: Sequence[str]) -> bool:
    words = tokens(line)
    if not words or not reference:
        return False
    if words == list(reference):
        return True
    # "Headline | Site" titles: the headline is the title's opening words
    return len(words) >= 4 and list(reference[: len(words)]) == words


def drop_repeated_headline(lines: list[str], headlines: Iterable[str | None]) -> list[str]:
    """Drop the headline (and a repeat of it) from the first lines of the body."""
    references = [tokens(h) for h in headlines if h]
    head, rest = lines[:3], lines[3:]
    kept = [line for line in head if not any(_same_text(line, ref) for ref in references)]
    return kept + rest


_GLUED_PREFIX = re.compile(
    r"^\W*((updated|published|posted|last\s+updated|by\s+[A-ZÀ-Þ][\w.'’-]*)\b|"
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)",
    re.IGNORECASE,
)
_GLUED_BYLINE = re.compile(
    r"^By\s+[A-ZÀ-Þ][\w.'’-]+(\s+[A-ZÀ-Þ][\w.'’-]+){0,2}(\s*,\s*[A-Z][\w&.' ]{0,30}?)?"
    r"\s+(?=[A-ZÀ-Þ]{3,}[A-ZÀ-Þ ,.]*\s*(\(|—|–|--|-|:))"
)
# what sits between a glued date and the prose: separators, a time, a zone ("ET", "GMT")
_LEAD_SEPARATORS = re.compile(
    r"^(\s*(\||·|•|—|–|-|,|at\b|à\b|às\b|um\b|\d{1,2}[:h.]\d{2}(\s*[apAP]\.?[mM]\.?)?"
    r"|[A-Z]{2,4}T?\b|Uhr\b|h\b))*\s*"
)


def strip_glued_lead(line: str, headlines: Sequence[Sequence[str]] = ()) -> str:
    """Cut a byline, stamp or repeated headline glued in front of the first paragraph.

    "By Ann Lee Monday, November 18, 2019 Earlier this month, ..." -> "Earlier this month, ..."
    "By Ann Lee WASHINGTON (AP) — The talks ..." -> "WASHINGTON (AP) — The talks ..."
    The rest must still be a paragraph of prose, or the line is left alone.
    """
    if match := _GLUED_BYLINE.match(line):
        rest = line[match.end() :]
        return rest if len(rest) >= 80 else line
    span = date_span(line[:200])
    if span is None:
        return line
    prefix = line[: span[0]]
    prefix_words = tokens(prefix)
    glued = not prefix_words or (
        len(prefix_words) <= 20
        and (
            _GLUED_PREFIX.match(prefix) is not None
            or " by " in f" {prefix.casefold()} "
            or any(
                ref and list(ref[: len(prefix_words)]) == prefix_words[: len(ref)]
                for ref in headlines
            )
        )
    )
    if not glued:
        return line
    rest = line[span[1] :]
    rest = rest[_LEAD_SEPARATORS.match(rest).end() :]  # type: ignore[union-attr]
    return rest if len(rest) >= 80 and rest[:1].isupper() else line


def _is_link_list_item(line: str) -> bool:
    return line.startswith(("- ", "• ", "* ")) and len(line) <= 250


def _is_teaser_heading(line: str) -> bool:
    """A bare teaser heading ("Related", "You may also like:"), not a one-line teaser."""
    if len(line) > 40 or not _TEASER.match(line):
        return False
    _head, _, tail = line.partition(":")
    return not tail.strip()


def drop_teaser_blocks(lines: list[str]) -> list[str]:
    """Drop a teaser heading ("Related", "Don't miss") together with the list that follows it."""
    kept: list[str] = []
    skipping = False
    for line in lines:
        stripped = line.strip()
        if skipping and (
            _is_link_list_item(stripped)
            or (0 < len(stripped) <= 120 and not stripped.endswith((".", "!", "?", ":", '"', "”")))
        ):
            continue
        skipping = False
        if _is_teaser_heading(stripped):
            skipping = True
            continue
        kept.append(line)
    return kept


_SENTENCE_END = (".", "!", "?", '"', "”", "’", "»", ")", "。", "！", "？")


def prose_share(text: str) -> float:
    """Share of a text's characters in paragraph-like lines: long, ending like a sentence.

    Navigation, link lists and teasers are short lines without a full stop; an article is
    mostly paragraphs. Used to judge a recall-oriented extraction before trusting it.
    """
    lines = [line.strip() for line in text.splitlines()]
    total = sum(len(line) for line in lines)
    if not total:
        return 0.0
    prose = sum(len(line) for line in lines if len(line) >= 80 and line.endswith(_SENTENCE_END))
    return prose / total


_BULLET = ("- ", "• ", "* ")
# A link text shorter than this many words may lead an item without making it a teaser.
_MIN_LINK_WORDS = 3


def _link_led(words: Sequence[str], links: Collection[tuple[str, ...]]) -> bool:
    """Whether the words open with the whole text of one of the page's links."""
    return any(tuple(words[:n]) in links for n in range(len(words), _MIN_LINK_WORDS - 1, -1))


def _is_prose(line: str) -> bool:
    """A paragraph of running text: long, not a list item, ending like a sentence."""
    return len(line) >= 80 and not line.startswith(_BULLET) and line.endswith(_SENTENCE_END)


LinkTexts = Callable[[], Collection[tuple[str, ...]]]


def drop_link_lines(lines: list[str], link_texts: LinkTexts) -> list[str]:
    """Drop runs of list items that are teasers for other pages.

    `link_texts()` gives the token sequences of the page's link texts (asked only when
    there are list items). After the last paragraph of prose, an item led by a link and
    beside another is a teaser ("- Title Blurb"). Before it, only items that are nothing
    but a link's whole text, beside another, go (the headlines of other stories set
    between paragraphs): an item that says more than its link is content (a list of
    products, sources, the day's stories).
    """
    last_prose = max((i for i, line in enumerate(lines) if _is_prose(line)), default=-1)
    if sum(line.startswith(_BULLET) for line in lines) < 2:
        return lines
    links = link_texts()
    led = [
        line.startswith(_BULLET)
        and len(words := tokens(line)) >= _MIN_LINK_WORDS
        and (tuple(words) in links if i < last_prose else _link_led(words, links))
        for i, line in enumerate(lines)
    ]
    return [
        line
        for i, line in enumerate(lines)
        if not (led[i] and ((i > 0 and led[i - 1]) or (i + 1 < len(led) and led[i + 1])))
    ]


def clean_body(
    text: str, headlines: Iterable[str | None] = (), link_texts: LinkTexts | None = None
) -> str:
    """Remove boilerplate lines from an extracted body, keeping one paragraph per line.

    `link_texts`, when given, lists the page's link texts: it lets teaser lists go.
    """
    lines = [_without_tweet_prompt(line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if link_texts is not None:
        lines = drop_link_lines(lines, link_texts)
    names = [h for h in headlines if h]
    lines = drop_repeated_headline(lines, names)
    references = [tokens(h) for h in names]
    lines[:2] = [strip_glued_lead(line, references) for line in lines[:2]]
    lines = drop_teaser_blocks(lines)
    lines = [line for line in lines if not is_boilerplate(line)]
    return "\n".join(lines)
