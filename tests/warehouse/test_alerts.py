"""Alerts from stored articles: a pair and area new in 90 days, and a week far above usual."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from entente.transforms.alerts import poisson_tail, surge
from entente.warehouse import alerts, load
from entente.warehouse.db import writer
from tests.warehouse.sample import GAS, energy

START = datetime(2026, 6, 1, 9, tzinfo=UTC)  # a Monday


def test_the_poisson_tail() -> None:
    assert poisson_tail(0, 2.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, rel=1e-9)
    assert poisson_tail(3, 0.5) == pytest.approx(0.0143877, rel=1e-4)


def test_a_surge_needs_a_rare_week_and_a_few_events() -> None:
    assert surge(2, [0] * 12) is None  # two events in a quiet pair's week: news, not a surge
    found = surge(5, [0] * 11 + [1])
    assert found is not None and found.p_value < 0.001
    assert surge(5, [4, 5, 6, 5, 4, 5, 6, 5, 4, 5, 6, 5]) is None  # a busy pair's usual week


def detect(db: Path, records: list, since: datetime) -> list[alerts.Alert]:  # type: ignore[type-arg]
    with writer(db) as con:
        load.load_articles(con, records)
        return alerts.detect(con, "run", since, since + timedelta(hours=1))


def test_a_pair_and_area_new_in_90_days(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    # A first run has nothing to compare with: it alerts on nothing.
    watched = START - timedelta(days=20)
    assert detect(db, [energy("w1", watched, ("IND", "JPN"))], watched) == []
    first = detect(db, [energy("e1", START)], START)
    assert [(a.kind, a.country_a, a.country_b, a.area) for a in first] == [
        ("new_pair_area", "PAK", "RUS", "energy")
    ]
    assert first[0].evidence["articles"][0]["sentence"] == GAS
    # The same pair and area a month later is not new; 100 days after the last, it is.
    later = START + timedelta(days=30)
    assert detect(db, [energy("e2", later)], later) == []
    much_later = later + timedelta(days=100)
    quiet_but_watched = much_later - timedelta(days=10)
    unrelated = replace(energy("w2", quiet_but_watched), countries=())  # no pair: no alert
    assert detect(db, [unrelated], quiet_but_watched) == []
    again = detect(db, [energy("e3", much_later)], much_later)
    assert [a.kind for a in again] == ["new_pair_area"]
    # Old news loaded by a backfill is not new cooperation.
    backfill = much_later + timedelta(days=1)
    assert detect(db, [energy("e0", START - timedelta(days=200))], backfill) == []


def test_a_week_far_above_the_trailing_weeks(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    quiet = [energy(f"q{n}", START - timedelta(weeks=n)) for n in (3, 9)]
    detect(db, quiet, START - timedelta(weeks=10))
    # Six meetings on six days of one week (afternoons: each report is of its own day).
    busy = [energy(f"b{n}", START + timedelta(days=n, hours=6)) for n in range(6)]
    found = detect(db, busy, START)
    (spike,) = [a for a in found if a.kind == "surge"]
    assert (spike.country_a, spike.country_b, spike.week, spike.events) == (
        "PAK", "RUS", START.date(), 6,
    )  # fmt: skip
    assert spike.p_value is not None and spike.p_value < 0.001
    assert spike.evidence["trailing_weeks"][2] == 1 and len(spike.evidence["events"]) == 6
    # Raised once: the same week does not alert again.
    assert detect(db, [energy("b9", START + timedelta(hours=9))], START) == []
