"""The `backfill` flow: the ingest pipeline over archived items published in a date range."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from prefect import State, flow
from pydantic import Field

from entente.flows.ingest import conclude, run_flow
from entente.flows.steps import Plan
from entente.ingest.discover import Window
from entente.ingest.settings import Source, load_settings
from entente.transforms.errors import ConfigError

DEFAULT_DAYS = 30


def backfill_window(since: date | None, until: date | None, today: date | None = None) -> Window:
    """The run's window: `until` defaults to today, `since` to 30 days before `until`."""
    last = until or today or datetime.now(UTC).date()
    first = since or last - timedelta(days=DEFAULT_DAYS)
    return Window.from_days(first, last)


def pick_sources(sources: tuple[Source, ...], only: Collection[str]) -> tuple[Source, ...]:
    """Every active source, or exactly the named ones (active or not)."""
    if not only:
        return tuple(s for s in sources if s.active)
    by_name = {s.name: s for s in sources}
    unknown = sorted(set(only) - set(by_name))
    if unknown:
        raise ConfigError(f"unknown source name(s): {', '.join(unknown)}")
    return tuple(by_name[name] for name in dict.fromkeys(only))


@flow(name="backfill", log_prints=True)
def backfill_flow(
    since: date | None = None,
    until: date | None = None,
    sources: str | None = None,
    only: list[str] | None = None,
    db: str | None = None,
    max_articles_per_source: Annotated[int, Field(ge=1, le=100_000)] = 500,
    lake: str | None = None,
    lake_data: str | None = None,
) -> dict[str, object] | State[Any]:
    """Ingest archived items published between two days, from sitemaps and older feed pages.

    Args:
        since: First publication day to fetch, inclusive (UTC). Empty: 30 days before `until`.
        until: Last publication day to fetch, inclusive (UTC). Empty: today.
        sources: Sources file (TOML). Empty: $ENTENTE_SOURCES, else the bundled list.
        only: Names of the sources to backfill. Empty: every active source.
        db: DuckDB warehouse file. Empty: $ENTENTE_DB, else ./entente.duckdb.
        max_articles_per_source: At most this many article pages fetched per source, newest
            first; a later backfill picks up the rest.
        lake: DuckLake catalog, in place of `db`. Empty: $ENTENTE_LAKE, else the file.
        lake_data: Where the lake's Parquet files go. Empty: $ENTENTE_LAKE_DATA.
    """
    settings = load_settings(db, sources, lake=lake, lake_data=lake_data)
    window = backfill_window(since, until)
    chosen = pick_sources(settings.sources, only or ())
    plan = Plan("backfill", window=window, limit=max_articles_per_source)
    return conclude(run_flow(settings, plan, chosen), {"window": str(window)})
