"""Alerts: new cooperation that a run brought, stored with the evidence that raised them.

Two kinds (the table `alerts`, migration 23):

    new_pair_area   a pair of parties and an area that the run's articles report, with nothing
                    stored about that pair and area in the QUIET_DAYS before (nor after: a
                    backfill of old news is not news), where the warehouse did hold other
                    articles of those days (a first run raises nothing: everything is new)
    surge           a week whose count of events between a pair is far above the pair's
                    trailing weeks (transforms/alerts.py says which test and why)

Only what the run brought is examined (articles fetched since the run started), so the cost
follows the run, and an alert is raised once: its id is a hash of what it is about.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from entente.transforms.alerts import QUIET_DAYS, TRAILING_WEEKS, surge
from entente.warehouse.bulk import SEP, joined
from entente.warehouse.db import Warehouse
from entente.warehouse.session import transaction
from entente.warehouse.snapshot import read_connection

NEW_PAIR_AREA = "new_pair_area"
SURGE = "surge"
MAX_EVIDENCE = 5


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    kind: str
    run_id: str | None
    detected_at: datetime
    country_a: str
    country_b: str
    area: str | None
    week: date | None
    events: int
    baseline: float | None
    p_value: float | None
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    delivered_at: datetime | None = None
    delivery_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "run_id": self.run_id,
            "detected_at": self.detected_at.isoformat(),
            "country_a": self.country_a,
            "country_b": self.country_b,
            "area": self.area,
            "week": self.week.isoformat() if self.week else None,
            "events": self.events,
            "baseline": self.baseline,
            "p_value": self.p_value,
            "summary": self.summary,
            "evidence": self.evidence,
        }


def _alert_id(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]


_NEW_FACTS = """
CREATE OR REPLACE TEMP TABLE run_facts AS
SELECT f.country_a, f.country_b, f.area, f.week, f.article_id, f.published_at,
       coalesce(a.event_id, a.story_id) AS event_id
FROM cooperation_facts f JOIN articles a USING (article_id)
WHERE a.fetched_at >= ? AND NOT f.is_copy
"""

_NEW_PAIR_AREAS = f"""
WITH keys AS (
    SELECT country_a, country_b, area, min(published_at) AS first_at
    FROM run_facts GROUP BY ALL
)
SELECT k.country_a, k.country_b, k.area, k.first_at
FROM keys k
WHERE NOT EXISTS (
    SELECT 1 FROM cooperation_facts f JOIN articles a USING (article_id)
    WHERE f.country_a = k.country_a AND f.country_b = k.country_b AND f.area = k.area
      AND a.fetched_at < $since AND f.published_at >= k.first_at - INTERVAL {QUIET_DAYS} DAY
)
-- "first in 90 days" means something only where the warehouse watched those 90 days: a
-- first run, or a backfill into an empty stretch, raises nothing
AND EXISTS (
    SELECT 1 FROM articles a
    WHERE a.fetched_at < $since
      AND coalesce(a.published_at, a.fetched_at) >= k.first_at - INTERVAL {QUIET_DAYS} DAY
      AND coalesce(a.published_at, a.fetched_at) < k.first_at
)
ORDER BY ALL
"""

_EVIDENCE = """
SELECT f.article_id, ar.title, ar.url, ar.source, f.published_at, f.event_id, aa.evidence
FROM run_facts f
JOIN articles ar USING (article_id)
JOIN article_areas aa ON aa.article_id = f.article_id AND aa.area = f.area
WHERE f.country_a = ? AND f.country_b = ? AND f.area = ?
ORDER BY f.published_at, f.article_id
"""

_WEEK_COUNTS = f"""
WITH touched AS (
    SELECT DISTINCT country_a, country_b, week FROM run_facts r
    -- a surge is measured against weeks the warehouse watched
    WHERE EXISTS (
        SELECT 1 FROM articles a
        WHERE a.fetched_at < ?
          AND coalesce(a.published_at, a.fetched_at) >= r.week - INTERVAL {7 * TRAILING_WEEKS} DAY
          AND coalesce(a.published_at, a.fetched_at) < r.week
    )
)
SELECT t.country_a, t.country_b, t.week, f.week AS other,
       count(DISTINCT coalesce(a.event_id, a.story_id)) AS events
FROM touched t
JOIN cooperation_facts f
  ON f.country_a = t.country_a AND f.country_b = t.country_b
 AND f.week BETWEEN t.week - INTERVAL {7 * TRAILING_WEEKS} DAY AND t.week
JOIN articles a ON a.article_id = f.article_id
WHERE NOT f.is_copy
GROUP BY ALL
"""


def detect(
    con: duckdb.DuckDBPyConnection, run_id: str | None, since: datetime, now: datetime
) -> list[Alert]:
    """Raise the alerts of what was fetched since `since` (a run's start); store the new ones
    and return them."""
    with transaction(con):
        con.execute(_NEW_FACTS, [since])
        try:
            found = _new_pair_areas(con, run_id, since, now) + _surges(con, run_id, since, now)
        finally:
            con.execute("DROP TABLE IF EXISTS run_facts")
        known = {
            row[0]
            for row in con.execute(
                f"SELECT alert_id FROM alerts WHERE alert_id IN"
                f" (SELECT unnest(string_split(?, '{SEP}')))",
                [joined(a.alert_id for a in found)],
            ).fetchall()
        }
        fresh = [a for a in found if a.alert_id not in known]
        if not fresh:
            return []
        con.executemany(
            "INSERT INTO alerts (alert_id, kind, run_id, detected_at, country_a, country_b,"
            " area, week, events, baseline, p_value, summary, evidence)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    a.alert_id,
                    a.kind,
                    a.run_id,
                    a.detected_at,
                    a.country_a,
                    a.country_b,
                    a.area,
                    a.week,
                    a.events,
                    a.baseline,
                    a.p_value,
                    a.summary,
                    json.dumps(a.evidence, sort_keys=True, default=str),
                )
                for a in fresh
            ],
        )
    return fresh


def _new_pair_areas(
    con: duckdb.DuckDBPyConnection, run_id: str | None, since: datetime, now: datetime
) -> list[Alert]:
    out = []
    found = con.execute(_NEW_PAIR_AREAS, {"since": since}).fetchall()
    for country_a, country_b, area, first_at in found:
        rows = con.execute(_EVIDENCE, [country_a, country_b, area]).fetchall()
        events = sorted({row[5] for row in rows})
        titles = [row[1] for row in rows if row[1]]
        evidence = {
            "first_reported_at": first_at.isoformat(),
            "quiet_days": QUIET_DAYS,
            "events": events,
            "articles": [
                {
                    "article_id": aid,
                    "title": title,
                    "url": url,
                    "source": source,
                    "published_at": published.isoformat(),
                    "event_id": event,
                    "sentence": sentence,
                }
                for aid, title, url, source, published, event, sentence in rows[:MAX_EVIDENCE]
            ],
        }
        label = area.replace("_", " ")
        summary = (
            f"new: {country_a}-{country_b} {label}, first in {QUIET_DAYS} days"
            f" ({len(events)} event{'s' if len(events) != 1 else ''})"
            + (f": {titles[0]}" if titles else "")
        )
        out.append(
            Alert(
                _alert_id(NEW_PAIR_AREA, country_a, country_b, area, first_at.date()),
                NEW_PAIR_AREA,
                run_id,
                now,
                country_a,
                country_b,
                area,
                None,
                len(events),
                None,
                None,
                summary,
                evidence,
            )
        )
    return out


def _surges(
    con: duckdb.DuckDBPyConnection, run_id: str | None, since: datetime, now: datetime
) -> list[Alert]:
    counts: dict[tuple[str, str, date], dict[date, int]] = {}
    for country_a, country_b, week, other, events in con.execute(_WEEK_COUNTS, [since]).fetchall():
        counts.setdefault((country_a, country_b, week), {})[other] = int(events)
    out = []
    for (country_a, country_b, week), by_week in sorted(counts.items()):
        trailing = [
            by_week.get(week - timedelta(days=7 * n), 0) for n in range(1, TRAILING_WEEKS + 1)
        ]
        found = surge(by_week.get(week, 0), trailing)
        if found is None:
            continue
        events = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT coalesce(a.event_id, a.story_id) FROM cooperation_facts f"
                " JOIN articles a USING (article_id) WHERE f.country_a = ? AND f.country_b = ?"
                " AND f.week = ? AND NOT f.is_copy ORDER BY 1",
                [country_a, country_b, week],
            ).fetchall()
        ]
        titles = dict(
            con.execute(
                f"SELECT event_id, title FROM events WHERE event_id IN"
                f" (SELECT unnest(string_split(?, '{SEP}')))",
                [joined(events)],
            ).fetchall()
        )
        evidence = {
            "test": "Poisson upper tail against the trailing weeks' mean",
            "week": week.isoformat(),
            "trailing_weeks": trailing,
            "rate": round(found.rate, 4),
            "p_value": found.p_value,
            "events": [{"event_id": e, "title": titles.get(e)} for e in events],
        }
        summary = (
            f"surge: {country_a}-{country_b} {found.events} events in the week of {week}"
            f" against {found.rate:.2f} a week (p = {found.p_value:.1g})"
        )
        out.append(
            Alert(
                _alert_id(SURGE, country_a, country_b, week),
                SURGE,
                run_id,
                now,
                country_a,
                country_b,
                None,
                week,
                found.events,
                round(found.rate, 4),
                found.p_value,
                summary,
                evidence,
            )
        )
    return out


def record_delivery(
    con: duckdb.DuckDBPyConnection,
    alert_ids: Sequence[str],
    at: datetime,
    error: str | None,
) -> None:
    """Note whether the alerts reached the webhook: when, or the reason they did not."""
    if not alert_ids:
        return
    con.execute(
        f"UPDATE alerts SET delivered_at = ?, delivery_error = ?"
        f" WHERE alert_id IN (SELECT unnest(string_split(?, '{SEP}')))",
        [None if error else at, error, joined(alert_ids)],
    )


def list_alerts(
    db: Warehouse, since: datetime | None = None, on_wait: Callable[[str], None] | None = None
) -> list[Alert]:
    """The stored alerts, newest first; those detected since `since` when given."""
    with read_connection(db, on_wait=on_wait) as con:
        rows = con.execute(
            "SELECT alert_id, kind, run_id, detected_at, country_a, country_b, area, week,"
            " events, baseline, p_value, summary, evidence, delivered_at, delivery_error"
            " FROM alerts WHERE ?::TIMESTAMPTZ IS NULL OR detected_at >= ?"
            " ORDER BY detected_at DESC, alert_id",
            [since, since],
        ).fetchall()
    out = []
    for row in rows:
        aid, kind, run_id, detected_at, a, b, area, week, events, baseline, p_value = row[:11]
        summary, evidence, delivered_at, error = row[11:]
        out.append(
            Alert(
                aid,
                kind,
                run_id,
                detected_at,
                a,
                b,
                area,
                week,
                events,
                baseline,
                p_value,
                summary,
                json.loads(evidence),
                delivered_at,
                error,
            )
        )
    return out
