"""The `backfill` flow: the ingest pipeline over archived items published in a date range."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from prefect import State, flow
from prefect.artifacts import create_table_artifact
from prefect.states import Failed
from pydantic import Field

from entente.flows.chunks import CHUNK_ARTIFACT, Chunk, chunk_counts, chunks_summary, split_window
from entente.flows.ingest import conclude, run_flow
from entente.flows.steps import Plan
from entente.ingest.discover import Window
from entente.ingest.settings import Settings, Source, load_settings
from entente.transforms.errors import ConfigError, EntenteError

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


def chunks_at_once(settings: Settings, wanted: int) -> int:
    """Chunks to run at once: one on a DuckDB file (it takes one writer), else `wanted`."""
    return wanted if settings.lake else 1


# Parameters of the backfill a chunk takes from its parent; the chunk's own are its source
# and its week, and the parent's `only`, `chunked` and `chunks_at_once` are the parent's.
CHUNK_OWN = frozenset({"source", "since", "until"})


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
    chunked: bool = False,
    chunks_at_once: Annotated[int, Field(ge=1, le=64)] = 4,
) -> dict[str, object] | State[Any]:
    """Ingest archived items published between two days, from sitemaps and older feed pages.

    Args:
        since: First publication day to fetch, inclusive (UTC). Empty: 30 days before `until`.
        until: Last publication day to fetch, inclusive (UTC). Empty: today.
        sources: Sources file (TOML). Empty: $ENTENTE_SOURCES, else the bundled list.
        only: Names of the sources to backfill. Empty: every active source.
        db: DuckDB warehouse file. Empty: $ENTENTE_DB, else ./entente.duckdb.
        max_articles_per_source: At most this many article pages fetched per source, newest
            first; a later backfill picks up the rest. In chunks: per source and week.
        lake: DuckLake catalog, in place of `db`. Empty: $ENTENTE_LAKE, else the file.
        lake_data: Where the lake's Parquet files go. Empty: $ENTENTE_LAKE_DATA.
        chunked: Split the window into one flow run per source and week (the backfill-chunk
            deployment), run by the work pool's workers. `entente deploy` sets it.
        chunks_at_once: In chunks, how many run at once on a lake warehouse (never two of
            one source); a DuckDB file takes them one at a time.
    """
    settings = load_settings(db, sources, lake=lake, lake_data=lake_data)
    window = backfill_window(since, until)
    chosen = pick_sources(settings.sources, only or ())
    if chunked:
        return _in_chunks(settings, window, chosen, chunks_at_once)
    plan = Plan("backfill", window=window, limit=max_articles_per_source)
    return conclude(run_flow(settings, plan, chosen), {"window": str(window)})


def _in_chunks(
    settings: Settings, window: Window, chosen: tuple[Source, ...], wanted: int
) -> dict[str, object] | State[Any]:
    from prefect.runtime import flow_run

    from entente.flows.chunks import backfill_in_chunks

    taken = set(backfill_chunk_flow.parameters.properties) - CHUNK_OWN
    shared = {k: v for k, v in flow_run.parameters.items() if k in taken}
    chunks = split_window(window, [s.name for s in chosen])
    results = backfill_in_chunks(chunks, shared, chunks_at_once(settings, wanted))
    summary = chunks_summary(results)
    summary["window"] = str(window)
    print(summary["text"])
    if summary["status"] == "failed":
        return Failed(message=f"every chunk of {window} failed", data=summary)
    return summary


@flow(name="backfill-chunk", log_prints=True, retries=2, retry_delay_seconds=10)
def backfill_chunk_flow(
    source: str,
    since: date,
    until: date,
    sources: str | None = None,
    db: str | None = None,
    max_articles_per_source: Annotated[int, Field(ge=1, le=100_000)] = 500,
    lake: str | None = None,
    lake_data: str | None = None,
) -> dict[str, object]:
    """One source's archived items published between two days: a chunk of a backfill.

    Args:
        source: Name of the source to backfill.
        since: First publication day to fetch, inclusive (UTC).
        until: Last publication day to fetch, inclusive (UTC).
        sources: Sources file (TOML). Empty: $ENTENTE_SOURCES, else the bundled list.
        db: DuckDB warehouse file. Empty: $ENTENTE_DB, else ./entente.duckdb.
        max_articles_per_source: At most this many article pages fetched, newest first.
        lake: DuckLake catalog, in place of `db`. Empty: $ENTENTE_LAKE, else the file.
        lake_data: Where the lake's Parquet files go. Empty: $ENTENTE_LAKE_DATA.
    """
    settings = load_settings(db, sources, lake=lake, lake_data=lake_data)
    window = Window.from_days(since, until)
    chosen = pick_sources(settings.sources, [source])
    plan = Plan("backfill", window=window, limit=max_articles_per_source)
    summary = run_flow(settings, plan, chosen)
    chunk = Chunk(source, since, until)
    create_table_artifact(
        key=CHUNK_ARTIFACT,
        table=[{"source": source, "week": chunk.week, **chunk_counts(summary)}],
        description=f"backfill chunk {chunk.name}",
    )
    if summary.status == "failed":
        # Raised, not returned as a Failed state: Prefect retries a flow run that raises.
        raise EntenteError(f"chunk {chunk.name} failed: {summary.sources_failed.get(source)}")
    result = conclude(summary, {"window": str(window)})
    assert isinstance(result, dict)
    return result
