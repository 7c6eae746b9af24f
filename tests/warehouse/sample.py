"""Hand-made articles with known answers, for the view, search, export and report tests."""

from __future__ import annotations

import atexit
import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from entente.transforms.records import AreaLabel, ArticleRecord, CountryMention
from entente.warehouse import load
from entente.warehouse.db import writer


def article(
    aid: str,
    *,
    title: str,
    body: str,
    at: datetime,
    parties: tuple[str, ...] = ("PAK", "RUS"),
    mentioned: tuple[str, ...] = (),
    areas: dict[str, str] | None = None,
    source: str = "wire",
    digest: str | None = None,
) -> ArticleRecord:
    return ArticleRecord(
        article_id=aid,
        url=f"https://news.example/{source}/{aid}",
        source=source,
        title=title,
        published_at=at,
        language="en",
        body_text=body,
        word_count=len(body.split()),
        content_hash=digest or f"h-{aid}",
        raw_sha256=None,
        fetched_at=at + timedelta(hours=1),
        pipeline_version="test",
        classifier_version="test",
        areas=tuple(AreaLabel(a, 0.9, ev) for a, ev in (areas or {}).items()),
        countries=tuple(CountryMention(c, 3, "party") for c in parties)
        + tuple(CountryMention(c, 1, "mentioned") for c in mentioned),
    )


def stored(path: Path, records: list[ArticleRecord]) -> Path:
    """A warehouse at `path` holding `records` (the load brings every derived relation up to
    date).

    The same records are loaded once per session, into a template whose files (the database
    and its log) are copied for each caller: a load into a new file costs most of a second,
    a copy a millisecond, and every test still gets a warehouse of its own.
    """
    key = repr(records)
    template = _TEMPLATES.get(key)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix="entente-warehouse-")) / "template.duckdb"
        with writer(template) as con:
            load.load_articles(con, records)
        _TEMPLATES[key] = template
    for suffix in ("", ".wal"):
        if template.with_name(template.name + suffix).exists():
            shutil.copyfile(
                template.with_name(template.name + suffix), path.with_name(path.name + suffix)
            )
    return path


_TEMPLATES: dict[str, Path] = {}


@atexit.register
def _remove_templates() -> None:
    for template in _TEMPLATES.values():
        shutil.rmtree(template.parent, ignore_errors=True)


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, tzinfo=UTC)


GAS = "Pakistan and Russia agreed to speed up work on the Pakistan Stream gas pipeline."


WORDS = [
    "refinery",
    "tariff",
    "turbine",
    "corridor",
    "storage",
    "terminal",
    "barrel",
    "quota",
    "subsidy",
    "grid",
]


def energy(aid: str, at: datetime, parties: tuple[str, str] = ("PAK", "RUS")) -> ArticleRecord:
    """An energy article of its own (not a copy of another: its words are drawn for it)."""
    rng = random.Random(aid)
    filler = " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(40))
    return article(
        aid, title=f"Talks {aid}", body=f"{GAS} {filler}", at=at, parties=parties,
        areas={"energy": GAS}, source=f"s-{aid}",
    )  # fmt: skip


PEACE = "The ministers discussed the Afghan peace process and regional stability."
TRADE = "Both sides signed a memorandum to expand bilateral trade and investment."
DEFENSE = "The two navies will hold a joint exercise in the Arabian Sea."
CT = "China and Pakistan pledged to deepen counterterrorism cooperation."


def corpus() -> list[ArticleRecord]:
    """Pakistan with Russia, China and Turkey over three months, with wire copies.

    Known answers: PAK-RUS energy in March 2026 is 2 stories and 3 articles (story s1 has a
    copy from a second outlet); PAK's top energy counterpart is RUS; story s1 has 2 sources.
    """
    return [
        article(
            "s1",
            title="Pakistan, Russia discuss gas pipeline and Afghan peace",
            body=f"{GAS} {PEACE} Officials met in Moscow on Tuesday.",
            at=day(2026, 3, 3),
            mentioned=("AFG",),
            areas={"energy": GAS, "peace_process": PEACE},
        ),
        article(
            "s1-copy",
            title="Pakistan, Russia discuss gas pipeline and Afghan peace",
            body=f"{GAS} {PEACE} Officials met in Moscow on Tuesday.",
            at=day(2026, 3, 4),
            mentioned=("AFG",),
            areas={"energy": GAS, "peace_process": PEACE},
            source="daily",
            digest="h-s1",
        ),
        article(
            "s2",
            title="Russian energy delegation visits Islamabad",
            body=f"{GAS} The delegation also toured a power plant near Karachi.",
            at=day(2026, 3, 20),
            areas={"energy": GAS},
            source="daily",
        ),
        article(
            "s3",
            title="Pakistan and China sign trade memorandum",
            body=f"{TRADE} {CT} The agreement covers the economic corridor.",
            at=day(2026, 4, 8),
            parties=("PAK", "CHN"),
            areas={"trade_investment": TRADE, "counterterrorism": CT},
        ),
        article(
            "s4",
            title="Naval exercise with Turkey announced",
            body=f"{DEFENSE} Pakistan and Turkey described the drills as routine.",
            at=day(2026, 5, 12),
            parties=("PAK", "TUR"),
            areas={"defense": DEFENSE},
            source="gov",
        ),
        article(
            "s5",
            title="Pakistan and China review counterterrorism steps",
            body=f"{CT} Security officials met in Beijing.",
            at=day(2026, 5, 14),
            parties=("PAK", "CHN"),
            areas={"counterterrorism": CT},
            source="gov",
        ),
        article(
            "s6",
            title="India and Japan talk about railways",
            body="India and Japan discussed a high speed railway line and port upgrades.",
            at=day(2026, 5, 20),
            parties=("IND", "JPN"),
            areas={"infrastructure_transport": "They discussed a high speed railway line."},
        ),
    ]
