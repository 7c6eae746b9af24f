"""Event grouping's cost as the warehouse grows: the same batch of new reports, refreshed
into warehouses holding more and more history.

    python -m bench.events.scale [--sizes 2000 8000 32000] [--batch-days 5] [--rounds 3]

Candidates are blocked by party keys and event days (warehouse/events.py), so refreshing a
batch should cost what the batch and its candidates cost, not what the warehouse holds.
Each warehouse holds about `size` synthetic reports at a constant density (as a warehouse
grows by collecting days, not by crowding them): 40 events a day between 40 countries, each
reported one to three times by different outlets, with its own people, places and figures.
The batch is the next five days' reports, the same in every warehouse (same seed, same dates
relative to the end). A small warehouse warms the process up first. Printed per size: the
load of the batch (everything derived), wall and CPU seconds (the process's, DuckDB's threads
included, which a busy machine inflates less), each the median of `rounds` loads into fresh
copies of the same history, checkpointed first; then `events.refresh` of it alone (the
median of `rounds` repeats, which redo the same links); each with its ratio to the smallest
warehouse in the same process; the Python heap's peak during one refresh (tracemalloc) and
the process's peak RSS so far. Never fails on timing.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from entente.transforms.events import event_cues
from entente.transforms.records import AreaLabel, ArticleRecord, CountryMention
from entente.warehouse import events, load
from entente.warehouse.db import writer

COUNTRIES = {
    "PAK": "Pakistan", "RUS": "Russia", "CHN": "China", "IND": "India", "USA": "United States",
    "AFG": "Afghanistan", "IRN": "Iran", "TUR": "Turkey", "SAU": "Saudi Arabia",
    "QAT": "Qatar", "EGY": "Egypt", "GBR": "United Kingdom", "FRA": "France",
    "DEU": "Germany", "ITA": "Italy", "JPN": "Japan", "KOR": "South Korea",
    "IDN": "Indonesia", "MYS": "Malaysia", "BGD": "Bangladesh", "LKA": "Sri Lanka",
    "NPL": "Nepal", "UZB": "Uzbekistan", "KAZ": "Kazakhstan", "AZE": "Azerbaijan",
    "UKR": "Ukraine", "POL": "Poland", "BRA": "Brazil", "ZAF": "South Africa",
    "NGA": "Nigeria", "KEN": "Kenya", "ETH": "Ethiopia", "ESP": "Spain", "CAN": "Canada",
    "AUS": "Australia", "MEX": "Mexico", "ARG": "Argentina", "VNM": "Vietnam",
    "THA": "Thailand", "OMN": "Oman",
}  # fmt: skip
TOPICS = {
    "energy": "a gas pipeline and power lines",
    "trade_investment": "tariffs and a new investment fund",
    "defense": "joint naval training and arms purchases",
    "health": "vaccine production and hospitals",
    "agriculture_food": "wheat exports and fertiliser plants",
    "infrastructure_transport": "a railway corridor and port terminals",
}
SURNAMES = [f"{a}{b}" for a in ("Kar", "Sol", "Mer", "Tav", "Ond", "Bel", "Rus", "Hal")
            for b in ("ovic", "anda", "etti", "ssen", "ara", "imov", "ezza", "ulan")]  # fmt: skip
PLACES = [f"{a}{b}" for a in ("Port ", "Lake ", "Fort ", "Saint ", "New ")
          for b in ("Aurel", "Benna", "Corvo", "Delmar", "Esten", "Falco", "Galen")]  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PER_DAY = 40
START = datetime(2024, 1, 1, 6, tzinfo=UTC)


def reports(first_day: int, days: int, seed: int) -> Iterator[ArticleRecord]:
    """PER_DAY events a day for `days` days from `first_day`, each between two countries on
    a topic and reported one to three times (two on average); the same seed, the same reports."""
    codes = sorted(COUNTRIES)
    for day in range(first_day, first_day + days):
        rng = random.Random(seed * 100_003 + day)
        at = START + timedelta(days=day)
        made = 0
        while made < PER_DAY:
            a, b = sorted(rng.sample(codes, 2))
            area = rng.choice(sorted(TOPICS))
            person, place = rng.choice(SURNAMES), rng.choice(PLACES)
            figure = rng.randrange(10, 900)
            for outlet in range(rng.randint(1, 3)):
                published = at + timedelta(hours=2 + 3 * outlet)
                title = f"{COUNTRIES[a]} and {COUNTRIES[b]} discuss {TOPICS[area]}"
                body = (
                    f"Ministers of {COUNTRIES[a]} and {COUNTRIES[b]} met in {place} on"
                    f" {WEEKDAYS[at.weekday()]} to discuss {TOPICS[area]}, said {person},"
                    f" the spokesman. They agreed on {figure} million dollars of projects."
                    f" Report {day}-{made} by outlet {outlet} for the record."
                )
                aid = f"d{day}-{made}-{outlet}"
                yield ArticleRecord(
                    article_id=aid,
                    url=f"https://outlet{outlet}.example/{aid}",
                    source=f"outlet{outlet}",
                    title=title,
                    published_at=published,
                    language="en",
                    body_text=body,
                    word_count=len(body.split()),
                    content_hash=f"h-{aid}",
                    raw_sha256=None,
                    fetched_at=published + timedelta(minutes=30),
                    pipeline_version="bench",
                    classifier_version="bench",
                    areas=(AreaLabel(area, 0.9, body.split(". ", maxsplit=1)[0]),),
                    countries=(CountryMention(a, 3, "party"), CountryMention(b, 3, "party")),
                    event_cues=event_cues(title, body, published, (a, b), "en"),
                )
            made += 1


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(folder: Path, size: int, batch_days: int, rounds: int) -> dict[str, float]:
    db = folder / f"events-{size}.duckdb"
    days = max(1, size // (2 * PER_DAY))  # two reports an event on average
    history = list(reports(0, days, seed=1))
    with writer(db) as con:
        for start in range(0, len(history), 1000):
            load.load_articles(con, history[start : start + 1000])
        # Fold the history's log into the file: otherwise whether the batch's commit
        # passes DuckDB's checkpoint_threshold, and pays for writing the history out,
        # depends on how much log the history happened to leave.
        con.execute("CHECKPOINT")
    batch = list(reports(days, batch_days, seed=2))
    ids = [r.article_id for r in batch]
    # Loading a batch twice changes nothing, so each round loads it into its own copy of
    # the history.
    loaded: list[float] = []
    cpu: list[float] = []  # the process's CPU seconds: DuckDB's threads and Python's
    for round_ in range(rounds):
        copy = folder / f"events-{size}-{round_}.duckdb"
        for suffix in ("", ".wal"):
            if Path(f"{db}{suffix}").exists():
                shutil.copy(f"{db}{suffix}", f"{copy}{suffix}")
        with writer(copy) as con:
            begun, begun_cpu = time.perf_counter(), time.process_time()
            load.load_articles(con, batch)
            loaded.append(time.perf_counter() - begun)
            cpu.append(time.process_time() - begun_cpu)
    with writer(copy) as con:
        seconds = []
        for _ in range(rounds):
            begun = time.perf_counter()
            events.refresh(con, ids)
            seconds.append(time.perf_counter() - begun)
        tracemalloc.start()
        events.refresh(con, ids)
        heap = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        stored, grouped = con.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM articles"
        ).fetchone() or (0, 0)
    return {
        "articles": stored,
        "events": grouped,
        "batch": len(batch),
        "load": statistics.median(loaded),
        "load_cpu": statistics.median(cpu),
        "refresh": statistics.median(seconds),
        "heap_mb": heap,
        "rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 32000])
    parser.add_argument("--batch-days", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        "stored  events  batch   load s  ratio  load CPU s  ratio   refresh s  ratio   heap MB"
        "  peak RSS MB"
    )
    base: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="entente-events-scale-") as tmp:
        # not printed: the first warehouse of a process also pays for imports and warm-up
        measure(Path(tmp), 400, args.batch_days, 1)
        for size in args.sizes:
            m = measure(Path(tmp), size, args.batch_days, args.rounds)
            base = base or m
            print(
                f"{int(m['articles']):6d}  {int(m['events']):6d}  {int(m['batch']):5d}"
                f"  {m['load']:7.3f}  {m['load'] / base['load']:5.2f}x"
                f"  {m['load_cpu']:10.3f}  {m['load_cpu'] / base['load_cpu']:5.2f}x"
                f"  {m['refresh']:9.3f}  {m['refresh'] / base['refresh']:5.2f}x"
                f"  {m['heap_mb']:7.1f}  {m['rss_mb']:11.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
