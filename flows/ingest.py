"""The `ingest` flow: one pass over every active source, a harvest and a store task per source."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from prefect import State, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.utilities.annotations import quote

from entente.flows import steps
from entente.ingest.collect import SourceHarvest, failed_harvest
from entente.ingest.process import ProcessedBatch, warm_pool
from entente.ingest.settings import Settings, Source, load_settings
from entente.transforms.classify import Taxonomy
from entente.transforms.errors import first_line
from entente.warehouse import load
from entente.warehouse.db import holding, writer
from entente.warehouse.load import LoadResult

T = TypeVar("T")


def unwalked(value: T) -> T:
    """`value` wrapped in Prefect's quote(), which hands it to the task as it is without
    walking it for futures; typed as the value, since that is what the task receives."""
    return cast(T, quote(value))


@task(name="harvest-source", cache_policy=NO_CACHE, task_run_name="harvest-{source.name}")
def harvest_task(
    settings: Settings, run_id: str, source: Source
) -> tuple[SourceHarvest, list[str]] | State[Any]:
    """Fetch a source's feed and new pages, and log the fetches (IO; the fetcher retries).
    The pages are archived by the source's store task."""
    harvest, keys = steps.harvest_and_log(settings, run_id, source)
    if not harvest.feed_ok:
        # The task shows as Failed in the UI; the flow reads the harvest and goes on.
        return Failed(message=f"{source.name}: {harvest.error}", data=(harvest, keys))
    return harvest, keys


@task(name="archive-raw", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def archive_task(settings: Settings, run_id: str, harvest: SourceHarvest) -> list[str]:
    return steps.archive_step(settings, run_id, harvest)


@task(name="load-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def load_task(settings: Settings, batch: ProcessedBatch) -> LoadResult:
    return steps.load_step(settings, batch)


@task(
    name="store-source",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
    task_run_name="store-{harvest.source}",
)
def store_task(
    settings: Settings, harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
) -> LoadResult:
    """Archive a source's pages, load its batch, then its feed state and health (IO,
    retried: each of these writes is safe to repeat)."""
    return steps.timed_store(settings, harvest, keys, batch)


def prefect_stages(
    settings: Settings, run_id: str, taxonomy: Taxonomy, threads: ThreadPoolExecutor
) -> steps.Stages:
    """Two Prefect tasks per source, none per article: the harvest (fetching, where sources
    fail, shown per source) and the store (retried). Processing runs in `threads` as in a
    plain run: it only hands pages to the worker processes and waits, and a task run costs
    about 35 ms of the Prefect server's CPU, taken from those same workers on two cores.

    Arguments go through unwalked(): Prefect otherwise walks every argument, down to each page and
    record of a batch and each cue of the taxonomy, looking for futures to wait on.
    """

    def harvest(source: Source) -> Callable[[], tuple[SourceHarvest, list[str]]]:
        future = harvest_task.submit(unwalked(settings), run_id, unwalked(source))

        def wait() -> tuple[SourceHarvest, list[str]]:
            future.wait()
            result = future.result(raise_on_failure=False)
            if isinstance(result, tuple):
                return result
            harvest = failed_harvest(source, f"harvest task failed: {first_line(result)}")
            # Best effort: what failed the task may be the warehouse itself.
            with contextlib.suppress(Exception):
                steps.log_fetches(settings, run_id, harvest)
            return harvest, []

        return wait

    def store(
        harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
    ) -> Callable[[], LoadResult]:
        future = store_task.submit(
            unwalked(settings), unwalked(harvest), unwalked(keys), unwalked(batch)
        )
        return future.result

    return steps.Stages(harvest, steps.threaded_process(threads, taxonomy), store)


def run_sources(
    settings: Settings, flow_name: str, sources: tuple[Source, ...]
) -> steps.RunSummary:
    logger = get_run_logger()
    if sources:
        warm_pool()  # the workers start while the run opens and the first source is fetched
    run_id = str(flow_run.get_id() or uuid.uuid4())
    taxonomy = steps.load_taxonomy(settings)
    with holding(settings.db_path):
        summary = steps.start_run(settings, run_id, flow_name)
        sources, summary.sources_skipped = steps.due_sources(settings, sources)
        for name, reason in summary.sources_skipped.items():
            logger.info("source %s skipped: %s", name, reason)
        with (
            crash_recorded(settings, summary),
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="entente-process") as threads,
        ):
            stages = prefect_stages(settings, run_id, taxonomy, threads)
            steps.drive(sources, stages, summary, logger)
        publish(settings, summary, flow_name)
    return summary


@contextlib.contextmanager
def crash_recorded(settings: Settings, summary: steps.RunSummary) -> Iterator[None]:
    """If a run dies half way, its `runs` row says `crashed` instead of staying `running`."""
    try:
        yield
    except Exception:
        # Best effort: when the warehouse itself is what failed, the row cannot be written.
        with contextlib.suppress(Exception), writer(settings.db_path, patience=10) as con:
            load.finish_run(
                con,
                summary.run_id,
                datetime.now(UTC),
                "crashed",
                summary.counts(),
                summary.area_counts,
            )
        raise


def publish(settings: Settings, summary: steps.RunSummary, flow_name: str, extra: str = "") -> None:
    """Close the run's `runs` row and publish its summary as a markdown artifact."""
    steps.finish_run(settings, summary)
    create_markdown_artifact(
        key=f"{flow_name}-summary",
        markdown=summary.to_markdown() + ("\n" + extra if extra else ""),
        description=f"{flow_name} run summary",
    )


def conclude(
    summary: steps.RunSummary, extra: dict[str, object] | None = None
) -> dict[str, object] | State[Any]:
    """The flow's return: its counts, or a Failed state when every source failed."""
    result: dict[str, object] = {
        "text": summary.to_text(),
        "status": summary.status,
        **summary.counts(),
        "stage_seconds": {k: round(v, 3) for k, v in summary.stage_seconds.items()},
        **(extra or {}),
    }
    if summary.status == "failed":
        failed = ", ".join(sorted(summary.sources_failed))
        return Failed(message=f"every source failed: {failed}", data=result)
    return result


@flow(name="ingest", log_prints=True)
def ingest_flow(
    db: str | None = None, sources: str | None = None
) -> dict[str, object] | State[Any]:
    """One ingestion pass over every active source.

    Args:
        db: DuckDB warehouse file. Empty: $ENTENTE_DB, else ./entente.duckdb.
        sources: Sources file (TOML). Empty: $ENTENTE_SOURCES, else the bundled list.
    """
    settings = load_settings(db, sources)
    active = tuple(s for s in settings.sources if s.active)
    summary = run_sources(settings, "ingest", active)
    return conclude(summary)
