"""The `reprocess` flow: re-derive stored articles from their archived HTML, fetching nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from prefect import State, flow

from entente.flows.ingest import conclude, run_flow
from entente.flows.steps import Plan
from entente.ingest.settings import load_settings, parse_day


def _day(value: str | None, name: str, end: bool = False) -> datetime | None:
    day = parse_day(value, f"--{name}")
    if day is None:
        return None
    start = datetime.combine(day, time.min).astimezone()
    return start + timedelta(days=1) if end else start


@flow(name="reprocess", log_prints=True)
def reprocess_flow(
    db: str | None = None,
    since: str | None = None,
    until: str | None = None,
    lake: str | None = None,
    lake_data: str | None = None,
) -> dict[str, object] | State[Any]:
    """Re-run extraction and the transforms over stored raw HTML with the current pipeline.

    Args:
        db: DuckDB warehouse file. Empty: $ENTENTE_DB, else ./entente.duckdb.
        since: First fetch day to re-derive, YYYY-MM-DD. Empty: from the first article.
        until: Last fetch day to re-derive, YYYY-MM-DD. Empty: up to the last article.
        lake: DuckLake catalog, in place of `db`. Empty: $ENTENTE_LAKE, else the file.
        lake_data: Where the lake's Parquet files go. Empty: $ENTENTE_LAKE_DATA.
    """
    settings = load_settings(db, lake=lake, lake_data=lake_data)
    plan = Plan("reprocess", since=_day(since, "since"), until=_day(until, "until", end=True))
    summary = run_flow(settings, plan, ())
    return conclude(
        summary,
        {"updated": summary.articles_replaced, "failed": summary.extraction_failures},
    )
