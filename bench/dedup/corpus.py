"""A synthetic wire corpus: template-written diplomatic articles, their copies and look-alikes.

Every article is built from sentence templates filled with its own facts (countries, city,
minister, figures, dates). From one article we derive:

- copies (positives): byline added or removed, a wire dateline prefix, a photo caption, a
  paragraph cut, other whitespace and quotes, and combinations of these;
- hard negatives: the same templates in the same order with other facts (all re-drawn, or only
  the figures, dates and places, as two press releases of one ministry a week apart);
- independent reports: the same facts told through other templates.

Seeded, so every run generates the same corpus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

COUNTRIES = [
    "Pakistan",
    "Russia",
    "China",
    "India",
    "Iran",
    "Turkey",
    "Qatar",
    "Egypt",
    "Ethiopia",
    "Kenya",
    "Nigeria",
    "Brazil",
    "Mexico",
    "Japan",
    "Indonesia",
    "Vietnam",
    "Germany",
    "France",
    "Poland",
    "Ukraine",
    "Kazakhstan",
    "Uzbekistan",
    "Azerbaijan",
    "Armenia",
    "Morocco",
    "Algeria",
    "Senegal",
    "Ghana",
    "Peru",
    "Chile",
    "Argentina",
    "Norway",
    "Sweden",
    "Italy",
    "Spain",
    "Greece",
    "Oman",
    "Jordan",
    "Malaysia",
    "Thailand",
    "Philippines",
    "Bangladesh",
    "Nepal",
    "Mongolia",
    "Georgia",
]
CITIES = [
    "Islamabad",
    "Moscow",
    "Beijing",
    "Delhi",
    "Tehran",
    "Ankara",
    "Doha",
    "Cairo",
    "Addis",
    "Nairobi",
    "Abuja",
    "Brasilia",
    "Tokyo",
    "Jakarta",
    "Hanoi",
    "Berlin",
    "Paris",
    "Warsaw",
    "Kyiv",
    "Astana",
    "Tashkent",
    "Baku",
    "Yerevan",
    "Rabat",
    "Geneva",
    "Vienna",
    "Brussels",
    "Riyadh",
    "Muscat",
    "Amman",
    "Bangkok",
    "Manila",
    "Dhaka",
    "Kathmandu",
    "Tbilisi",
]
NAMES = [
    "Amina Rahman",
    "Sergei Volkov",
    "Li Wei",
    "Arjun Mehta",
    "Reza Karimi",
    "Elif Demir",
    "Khalid Al-Thani",
    "Nadia Farouk",
    "Tesfaye Bekele",
    "Grace Wanjiru",
    "Chinedu Okafor",
    "Lucas Pereira",
    "Sofia Herrera",
    "Kenji Sato",
    "Dewi Lestari",
    "Nguyen Van An",
    "Katrin Vogel",
    "Claire Martin",
    "Piotr Nowak",
    "Olena Shevchenko",
    "Aigerim Nurlanova",
    "Bobur Karimov",
    "Leyla Aliyeva",
    "Armen Sargsyan",
    "Youssef Benali",
    "Marta Silva",
]
TOPICS = (
    "energy",
    "trade",
    "counterterrorism",
    "maritime security",
    "water sharing",
    "railway links",
    "education exchanges",
    "public health",
    "climate finance",
    "food security",
    "migration",
    "defence production",
)
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
AGENCIES = ("Reuters", "AFP", "AP", "Xinhua", "Anadolu", "APP")

# {a},{b}: countries; {c}: city; {m},{n}: people; {t},{u}: topics; {x},{y},{z}: figures;
# {mo}: month; {d}: day.
TEMPLATES = (
    "{a} and {b} agreed on {d} {mo} to expand cooperation in {t}, officials said in {c}.",
    "The foreign ministers of {a} and {b} met in {c} for talks on {t} and {u}.",
    "{m}, the foreign minister of {a}, said the two sides had reached an understanding on {t}.",
    "Under the agreement {b} will invest {x} million dollars in {t} projects over {y} years.",
    "Officials said a joint working group on {u} would meet in {mo} to draft a road map.",
    "{n} told reporters that {b} valued its long partnership with {a} and wanted it to grow.",
    "Trade between the two countries stood at {x} million dollars last year, up {y} percent.",
    "The talks in {c} followed a visit by {n} to {a} in {mo}, the first in {y} years.",
    "Both delegations condemned terrorism in all its forms and pledged to share intelligence.",
    "The ministers also discussed the situation in the region and the need for dialogue.",
    "A memorandum on {u} was signed, covering training for {z} officials each year.",
    "{a} asked {b} to ease visa rules for its students and business travellers.",
    "Analysts in {c} said the deal could lift bilateral trade to {z} million dollars.",
    "The two governments will open a consulate in {c} before the end of {mo}.",
    "{m} said a pipeline feasibility study would be finished within {y} months.",
    "The joint statement welcomed progress on {t} and called for a ceasefire in the region.",
    "{b} pledged {z} tonnes of wheat and {y} mobile clinics for flood-hit districts.",
    "Next year's session of the joint commission will be held in {c} in {mo}.",
    "Diplomats said the meeting lasted {y} hours and ended with a working lunch.",
    "{n} invited {m} to visit {b} later this year, and the invitation was accepted.",
    "The sides agreed to hold the next round of consultations on {u} in {c}.",
    "According to the ministry, {x} companies from {b} already operate in {a}.",
    "Security officials from both countries will meet every {y} months on border issues.",
    "The agreement on {t} still needs the approval of the parliament of {a}.",
    "{m} described the talks as frank and productive and thanked {n} for the hospitality.",
)
REPORT_TEMPLATES = (  # the same facts told by another hand, for independent reports
    "In {c}, envoys from {a} and {b} spent the day on {t}, according to people at the meeting.",
    "It was {n}'s first trip to {a} in {y} years, and {m} met the visitor at the airport.",
    "{b} is ready to put {x} million dollars into {t}, {n} said at a news conference.",
    "Commerce between {a} and {b} reached {x} million dollars last year, customs data show.",
    "Neither side gave a date for signing, but a group on {u} is due to convene in {mo}.",
    "Observers in {c} cautioned that earlier pledges on {t} were slow to materialise.",
    "{m} spoke of a new chapter, while {n} stressed that details remained to be settled.",
    "Opposition lawmakers in {a} asked to see the text of the accord before any vote.",
    "Business groups welcomed the visit and called for lower tariffs on both sides.",
    "The visit ended on {d} {mo} with a dinner hosted by the president of {a}.",
)
CAPTIONS = (
    "Photo: {m} and {n} shake hands before talks in {c}. (Handout)",
    "FILE PHOTO: Flags of {a} and {b} are seen at a ministry building in {c}.",
    "{m}, left, speaks with {n} in {c} on {d} {mo}. Photograph: ministry press office",
)


@dataclass(frozen=True, slots=True)
class Article:
    key: str
    body: str


def _facts(rng: random.Random) -> dict[str, str]:
    a, b = rng.sample(COUNTRIES, 2)
    m, n = rng.sample(NAMES, 2)
    t, u = rng.sample(TOPICS, 2)
    return {
        "a": a,
        "b": b,
        "c": rng.choice(CITIES),
        "m": m,
        "n": n,
        "t": t,
        "u": u,
        "x": str(rng.randrange(20, 9000)),
        "y": str(rng.randrange(2, 40)),
        "z": str(rng.randrange(50, 5000)),
        "mo": rng.choice(MONTHS),
        "d": str(rng.randrange(1, 29)),
    }


def _redraw_figures(rng: random.Random, facts: dict[str, str]) -> dict[str, str]:
    """Same parties and people; other figures, dates, place and topics."""
    fresh = _facts(rng)
    keep = {"a", "b", "m", "n"}
    return {k: facts[k] if k in keep else fresh[k] for k in facts}


@dataclass(frozen=True, slots=True)
class Plan:
    """An article's structure: template indices per paragraph, and the facts filled in."""

    paragraphs: tuple[tuple[int, ...], ...]
    facts: dict[str, str]


def _plan(rng: random.Random) -> Plan:
    count = rng.randrange(9, 16)
    chosen = rng.sample(range(len(TEMPLATES)), count)
    paragraphs: list[tuple[int, ...]] = []
    while chosen:
        size = min(len(chosen), rng.randrange(2, 4))
        paragraphs.append(tuple(chosen[:size]))
        chosen = chosen[size:]
    return Plan(tuple(paragraphs), _facts(rng))


def _render(plan: Plan, templates: tuple[str, ...] = TEMPLATES) -> list[str]:
    return [" ".join(templates[i].format(**plan.facts) for i in para) for para in plan.paragraphs]


def _byline(rng: random.Random) -> str:
    return f"By {rng.choice(NAMES)}"


def copy_variant(rng: random.Random, plan: Plan, kind: str) -> str:
    """One syndicated copy of a planned article, edited the way `kind` says."""
    paras = _render(plan)
    f = plan.facts
    kinds = kind.split("+")
    if "cut" in kinds and len(paras) > 3:
        del paras[rng.randrange(1, len(paras))]
    if "prefix" in kinds:
        paras[0] = f"{f['c'].upper()} ({rng.choice(AGENCIES)}) - {paras[0]}"
    if "caption" in kinds:
        paras.insert(rng.randrange(0, 2), rng.choice(CAPTIONS).format(**f))
    if "byline" in kinds:
        paras.insert(0, _byline(rng))
    text = "\n\n".join(paras)
    if "quotes" in kinds:
        text = text.replace("'", "’").replace(" - ", " — ").replace("\n\n", "\n \n  ")
        text = text.replace(". ", ".  ")
    return text


def original(rng: random.Random, plan: Plan, with_byline: bool) -> str:
    paras = _render(plan)
    if with_byline:
        paras.insert(0, _byline(rng))
    return "\n\n".join(paras)


COPY_KINDS = (
    "byline",
    "prefix",
    "caption",
    "cut",
    "quotes",
    "prefix+cut",
    "byline+caption",
    "prefix+caption+cut",
    "byline+prefix+quotes",
)


@dataclass(frozen=True, slots=True)
class Pair:
    left: str
    right: str
    duplicate: bool
    kind: str


def independent_report(rng: random.Random, plan: Plan) -> str:
    chosen = rng.sample(range(len(REPORT_TEMPLATES)), rng.randrange(6, 10))
    sentences = [REPORT_TEMPLATES[i].format(**plan.facts) for i in chosen]
    return "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))


def generate(n: int, seed: int = 7, copy_share: float = 0.2) -> tuple[list[Article], list[Pair]]:
    """About `n` articles in arrival order, and labelled pairs among them.

    Of every ten originals, roughly two get a copy, one a hard negative with all facts re-drawn,
    one a hard negative with only figures and places re-drawn, and one an independent report.
    """
    rng = random.Random(seed)
    articles: list[Article] = []
    pairs: list[Pair] = []
    pending: list[tuple[int, Article, Pair]] = []  # (arrival slot, article, its label)
    serial = 0
    while len(articles) + len(pending) < n:
        plan = _plan(rng)
        key = f"o{serial}"
        serial += 1
        articles.append(Article(key, original(rng, plan, rng.random() < 0.5)))
        roll = rng.random()
        derived: tuple[str, str, bool] | None = None
        if roll < copy_share:
            kind = rng.choice(COPY_KINDS)
            derived = (kind, copy_variant(rng, plan, kind), True)
        elif roll < copy_share + 0.1:
            other = Plan(plan.paragraphs, _facts(rng))
            derived = ("template-all-facts", original(rng, other, False), False)
        elif roll < copy_share + 0.2:
            other = Plan(plan.paragraphs, _redraw_figures(rng, plan.facts))
            derived = ("template-figures", original(rng, other, False), False)
        elif roll < copy_share + 0.3:
            derived = ("independent", independent_report(rng, plan), False)
        if derived is not None:
            kind, body, dup = derived
            item = Article(f"{key}-{kind}", body)
            # arrives a little later, possibly in a later batch
            later = len(articles) + rng.randrange(1, 400)
            pending.append((later, item, Pair(key, item.key, dup, kind)))
        ready = [p for p in pending if p[0] <= len(articles)]
        for entry in ready:
            pending.remove(entry)
            articles.append(entry[1])
            pairs.append(entry[2])
    for _, item, label in pending:
        articles.append(item)
        pairs.append(label)
    return articles, pairs
