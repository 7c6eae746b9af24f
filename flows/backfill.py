"""The `backfill` flow: the ingest pipeline over archived items published in a date range."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from prefect import State, flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed
from pydantic import Field

from entente.flows import steps
from entente.flows.ingest import (
    archive_task,
    conclude,
    crash_recorded,
    load_task,
    publish,
    unwalked,
)
from entente.ingest.collect import SourceHarvest, failed_harvest
from entente.ingest.discover import Discovery, Window, backfill_source, keep_in_window
from entente.ingest.process import ProcessedBatch
from entente.ingest.settings import Settings, Source, load_settings
from entente.transforms.classify import Taxonomy
from entente.transforms.errors import ConfigError, first_line
from entente.warehouse import load
from entente.warehouse.db import holding, writer

DEFAULT_DAYS = 30
BATCH_SIZE = 50  # article pages archived, processed and loaded per task


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


def discover_step(settings: Settings, source: Source, window: Window, limit: int) -> Discovery:
    """Walk one source's archives for the window and fetch the pages the warehouse lacks."""

    def known(ids: Collection[str]) -> set[str]:
        with writer(settings.db_path) as con:
            return load.existing_article_ids(con, ids)

    return backfill_source(source, window, settings.fetch, known, limit)


def batches(harvest: SourceHarvest, size: int = BATCH_SIZE) -> Iterator[SourceHarvest]:
    """Split a harvest's pages into loads of `size`; the fetch log rides with the first."""
    docs = harvest.documents
    count = max(1, -(-len(docs) // size))
    for index in range(count):
        yield SourceHarvest(
            source=harvest.source,
            feed_ok=harvest.feed_ok,
            error=harvest.error,
            fetches=harvest.fetches if index == 0 else [],
            documents=docs[index * size : (index + 1) * size],
            summaries=harvest.summaries if index == count - 1 else [],
            entries=harvest.entries,
        )


def process_window_step(
    harvest: SourceHarvest, keys: list[str], taxonomy: Taxonomy, window: Window
) -> tuple[ProcessedBatch, int]:
    """Derive the batch's articles and keep those the pages themselves date in the window."""
    batch = steps.process_step(harvest, keys, taxonomy)
    kept, dropped = keep_in_window(batch.records, window)
    return ProcessedBatch(records=kept, failures=batch.failures), dropped


@task(
    name="backfill-source",
    cache_policy=NO_CACHE,
    task_run_name="backfill-{source.name}",
)
def discover_task(
    settings: Settings, source: Source, window: Window, limit: int
) -> Discovery | State[Any]:
    found = discover_step(settings, source, window, limit)
    if not found.harvest.feed_ok:
        # The task shows as Failed in the UI; the flow reads the harvest and goes on.
        return Failed(message=f"{source.name}: {found.harvest.error}", data=found)
    return found


@task(name="process-window-batch", cache_policy=NO_CACHE)
def process_window_task(
    harvest: SourceHarvest, keys: list[str], taxonomy: Taxonomy, window: Window
) -> tuple[ProcessedBatch, int]:
    return process_window_step(harvest, keys, taxonomy, window)


def _discovery(result: object, source: Source) -> Discovery:
    if isinstance(result, Discovery):
        return result
    harvest = failed_harvest(source, f"backfill task failed: {first_line(result)}")
    return Discovery(source=source.name, harvest=harvest)


def backfill_markdown(window: Window, found: list[Discovery], out_of_window: int) -> str:
    lines = [
        "",
        f"## backfill {window}",
        "",
        "| source | pages walked | in window | already stored | fetched |"
        " before | after | undated | over limit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for d in found:
        h = d.harvest
        lines.append(
            f"| {d.source} | {d.pages} | {len(d.candidates)} | {h.skipped_known} |"
            f" {len(h.documents) + len(h.summaries)} | {d.before} | {d.after} | {d.undated} |"
            f" {d.over_limit} |"
        )
    lines += ["", f"Pages whose own date fell outside the window, not loaded: {out_of_window}"]
    return "\n".join(lines)


def run_backfill(
    settings: Settings, sources: tuple[Source, ...], window: Window, limit: int
) -> tuple[steps.RunSummary, str]:
    logger = get_run_logger()
    run_id = str(flow_run.get_id() or uuid.uuid4())
    taxonomy = steps.load_taxonomy(settings)
    with holding(settings.db_path):
        summary = steps.start_run(settings, run_id, "backfill")
        logger.info("backfill %s over %d source(s)", window, len(sources))
        futures = discover_task.map(unmapped(settings), sources, unmapped(window), unmapped(limit))
        found: list[Discovery] = []
        out_of_window = 0
        with crash_recorded(settings, summary):
            for source, future in zip(sources, futures, strict=True):
                future.wait()
                discovery = _discovery(future.result(raise_on_failure=False), source)
                found.append(discovery)
                harvest = discovery.harvest
                summary.add_harvest(harvest)
                if not harvest.feed_ok:
                    logger.warning("source %s failed: %s", source.name, harvest.error)
                for part in batches(harvest):
                    keys = archive_task(unwalked(settings), run_id, unwalked(part))
                    batch, dropped = process_window_task(
                        unwalked(part), unwalked(keys), unwalked(taxonomy), window
                    )
                    out_of_window += dropped
                    summary.add_load(batch, load_task(unwalked(settings), unwalked(batch)))
                logger.info(
                    "source %s: %d pages walked, %d items in window, %d already stored,"
                    " %d fetched, %d over the limit",
                    source.name,
                    discovery.pages,
                    len(discovery.candidates),
                    harvest.skipped_known,
                    len(harvest.documents),
                    discovery.over_limit,
                )
        publish(settings, summary, "backfill", backfill_markdown(window, found, out_of_window))
    return summary, str(window)


@flow(name="backfill", log_prints=True)
def backfill_flow(
    since: date | None = None,
    until: date | None = None,
    sources: str | None = None,
    only: list[str] | None = None,
    db: str | None = None,
    max_articles_per_source: Annotated[int, Field(ge=1, le=100_000)] = 500,
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
    """
    settings = load_settings(db, sources)
    window = backfill_window(since, until)
    chosen = pick_sources(settings.sources, only or ())
    summary, label = run_backfill(settings, chosen, window, max_articles_per_source)
    return conclude(summary, {"window": label})
