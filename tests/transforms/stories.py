"""Four short diplomatic articles written for these tests, and the ways copies of them differ."""

from __future__ import annotations

from collections.abc import Callable

PIPELINE = """By Hina Qureshi

Pakistan and Russia agreed on Tuesday to restart work on the 1,100-kilometre gas pipeline from \
Karachi to Lahore, after two days of talks between their energy ministers in Islamabad.

Russian Energy Minister Pavel Sorokin said his government would finance 74 percent of the \
project and that construction could resume within 18 months. "The pipeline is a commitment, \
not a promise," he told reporters after the meeting.

The two delegations also discussed the situation in Afghanistan and agreed that a political \
settlement led by Afghans was the only durable path to peace. Pakistan's minister, Ayesha \
Baloch, said both sides would keep the Moscow format consultations going.

Officials said a joint working group on counterterrorism would meet in Moscow in September to \
review intelligence sharing along the western border.

Trade between the two countries reached 1.2 billion dollars last year, and both ministers said \
they wanted to double that figure by 2030."""

# The same meeting, written up independently by another outlet: same facts, other sentences.
PIPELINE_INDEPENDENT = """Moscow is ready to pay for most of a long-delayed gas link across \
Pakistan, a Russian minister said in Islamabad on Tuesday, reviving a plan that has stalled for \
almost a decade.

Pavel Sorokin, who spent two days with his Pakistani counterpart Ayesha Baloch, put Russia's \
share at 74 percent and suggested building could restart in a year and a half. Pakistani \
officials were more cautious, saying financing terms still had to be written down.

Afghanistan was also on the agenda. Diplomats present said the ministers backed an Afghan-led \
settlement and kept the Moscow format alive, while security officials will meet in September \
on counterterrorism.

Two-way commerce stands at about 1.2 billion dollars a year, a figure both governments say \
they hope to double before 2030."""

RAILWAY = """Uzbekistan and Pakistan signed a framework agreement in Tashkent on Friday to \
build a railway through Afghanistan that would link Central Asia to the Arabian Sea ports of \
Karachi and Gwadar.

The 760-kilometre line would run from Termez through Mazar-i-Sharif and Kabul to Peshawar. \
Uzbek Transport Minister Ilkhom Makhkamov said feasibility studies funded by the World Bank \
would be completed by March.

Pakistani Foreign Secretary Saima Rauf called the corridor a "generational investment" and \
said the two countries would invite the Afghan authorities to a trilateral meeting in \
Islamabad within 60 days.

The agreement also sets up a customs working group to cut border waiting times for freight \
trucks, which now average four days at the Torkham crossing.

Officials estimate the railway would cost 4.8 billion dollars and carry 15 million tonnes of \
cargo a year once complete."""

# What RAILWAY became after the outlet updated it in place.
RAILWAY_UPDATED = RAILWAY.replace(
    "within 60 days.", "within 60 days. The Afghan side confirmed on Saturday that it would attend."
).replace("4.8 billion dollars", "5.1 billion dollars")

# A release on RAILWAY's template about another agreement: the words match, the figures do not.
RAILWAY_OTHER_FIGURES = (
    RAILWAY.replace("760", "540")
    .replace("March", "June")
    .replace("60 days", "90 days")
    .replace("4.8 billion", "2.3 billion")
    .replace("15 million", "9 million")
    .replace("four days", "six days")
)

WATER = """Kyrgyzstan and Tajikistan agreed on Thursday to share water from the Isfara river \
under a new seasonal schedule, ending a dispute that led to deadly clashes on their border two \
years ago.

Under the deal, signed by the two foreign ministers in Bishkek, Kyrgyzstan will release 40 \
percent of the river's summer flow to Tajik farms downstream, while Tajikistan will supply \
electricity to Kyrgyz villages during the winter months.

A joint commission of 12 engineers will monitor the Tortkul reservoir and publish its \
readings every week, officials said.

Kyrgyz Foreign Minister Jeenbek Kulubaev said the agreement "turns the river from a line of \
conflict into a shared resource", and his Tajik counterpart Sirojiddin Muhriddin said the \
border demarcation talks would resume in November."""

VACCINES = """The European Union and the Association of Southeast Asian Nations launched a \
pandemic preparedness partnership on Monday worth 300 million euros, focused on vaccine \
production and disease surveillance across the region.

Under the plan, manufacturing hubs in Indonesia, Vietnam and Thailand will receive technology \
transfers to produce 50 million doses of mRNA vaccines a year by 2028.

EU Commissioner Katarina Lindqvist said the partnership would "bring production closer to the \
people who need it", while ASEAN Secretary-General Kao Kim Hourn said member states would \
share genomic data through a new regional centre in Jakarta.

The programme also funds training for 2,000 laboratory technicians and sets up a joint \
stockpile of protective equipment to be stored in Singapore and Manila."""

ORIGINALS = {"pipeline": PIPELINE, "railway": RAILWAY, "water": WATER, "vaccines": VACCINES}


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def remove_byline(text: str) -> str:
    return "\n\n".join(p for p in paragraphs(text) if not p.startswith("By "))


def add_byline(text: str) -> str:
    return "By Tomas Lindgren, Meridian Wire\n\n" + text


def wire_prefix(text: str) -> str:
    paras = paragraphs(remove_byline(text))
    paras[0] = "ISLAMABAD (Reuters) - " + paras[0]
    return "\n\n".join(paras)


def photo_caption(text: str) -> str:
    paras = paragraphs(text)
    caption = "Delegations pose for a photograph before the talks. Photo: Foreign Ministry handout"
    return "\n\n".join([paras[0], caption, *paras[1:]])


def drop_paragraph(text: str) -> str:
    paras = paragraphs(text)
    return "\n\n".join(paras[:2] + paras[3:])


def respace_and_requote(text: str) -> str:
    return (
        text.replace('"', "“", 1)
        .replace('"', "”", 1)
        .replace("'", "’")
        .replace(". ", ".  ")
        .replace("\n\n", "\n \n\t")
        .replace(", ", " ,  ")
    )


def prefix_and_cut(text: str) -> str:
    return drop_paragraph(wire_prefix(text))


VARIANTS: dict[str, Callable[[str], str]] = {
    "byline-removed": remove_byline,
    "byline-added": add_byline,
    "wire-prefix": wire_prefix,
    "photo-caption": photo_caption,
    "paragraph-dropped": drop_paragraph,
    "whitespace-and-quotes": respace_and_requote,
    "prefix-and-cut": prefix_and_cut,
}
