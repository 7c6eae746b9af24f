"""The `ingest` flow: one pass over every active source, a harvest and a store task per source.

Every flow runs the driver (flows/driver.py); this module wraps its steps as Prefect tasks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar, cast

from prefect import State, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.utilities.annotations import quote

from entente.flows import driver
from entente.flows.alerting import alerts_table
from entente.flows.steps import (
    Plan,
    Run,
    SourceWork,
    StoredSlice,
    harvest_step,
    log_fetches,
    read_step,
)
from entente.flows.summary import RunSummary
from entente.ingest.collect import failed_harvest
from entente.ingest.settings import Settings, Source, load_settings
from entente.transforms.errors import first_line

T = TypeVar("T")


def unwalked(value: T) -> T:
    """`value` wrapped in Prefect's quote(), which hands it to the task as it is without
    walking it for futures; typed as the value, since that is what the task receives."""
    return cast(T, quote(value))


@task(name="harvest-source", cache_policy=NO_CACHE, task_run_name="harvest-{name}")
def harvest_task(run: Run, source: Source, name: str) -> SourceWork | State[Any]:
    """Fetch a source's feed (or walk its archives) and new pages, and log the fetches (IO;
    the fetcher retries). The pages are archived by the source's store task."""
    work = harvest_step(run, source)
    if not work.harvest.feed_ok:
        # The task shows as Failed in the UI; the flow reads the work and goes on.
        return Failed(message=f"{name}: {work.harvest.error}", data=work)
    return work


@task(name="read-stored-pages", cache_policy=NO_CACHE, task_run_name="read-{name}")
def read_task(run: Run, pages: StoredSlice, name: str) -> SourceWork:
    return read_step(run, pages)


@task(
    name="store-source",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
    task_run_name="store-{name}",
)
def store_task(run: Run, work: SourceWork, name: str) -> SourceWork:
    """Archive a source's pages, load its batch (refreshing what derives from it), then its
    feed state and health (IO, retried: each of these writes is safe to repeat)."""
    return driver.timed_store(run, work)


def _bridged(future: PrefectFuture[Any], result: Callable[[], SourceWork]) -> driver.Started:
    done: Future[None] = Future()
    future.add_done_callback(lambda _: done.set_result(None))
    return driver.Started(done, result)


def prefect_stages(run: Run, threads: ThreadPoolExecutor) -> driver.Stages[Any]:
    """Two Prefect tasks per source, none per article: the harvest (fetching, where sources
    fail, shown per source; a backfill's is named after it) and the store (retried).
    Processing runs in `threads` as in a plain run: it only hands pages to the worker
    processes and waits, and a task run costs the Prefect server CPU taken from those same
    workers.

    Arguments go through unwalked(): Prefect otherwise walks every argument, down to each
    page and record of a batch and each cue of the taxonomy, looking for futures to wait on.
    """
    harvesting = harvest_task
    if run.plan.flow == "backfill":
        harvesting = harvest_task.with_options(task_run_name="backfill-{name}")

    def harvest(job: Any) -> driver.Started:
        if isinstance(job, StoredSlice):
            read = read_task.submit(unwalked(run), unwalked(job), job.name)
            return _bridged(read, read.result)
        source: Source = job
        future = harvesting.submit(unwalked(run), unwalked(source), source.name)

        def result() -> SourceWork:
            value = future.result(raise_on_failure=False)
            if isinstance(value, SourceWork):
                return value
            error = f"harvest task failed: {first_line(value)}"
            work = SourceWork(source.name, failed_harvest(source, error))
            # Best effort: what failed the task may be the warehouse itself.
            with contextlib.suppress(Exception):
                log_fetches(run, work.harvest)
            return work

        return _bridged(future, result)

    def store(work: SourceWork) -> driver.Started:
        future = store_task.submit(unwalked(run), unwalked(work), work.name)
        return _bridged(future, future.result)

    return driver.Stages(harvest, driver.threaded_process(run, threads), store)


def run_flow(settings: Settings, plan: Plan, sources: tuple[Source, ...]) -> RunSummary:
    """The driver, in a flow: its steps as tasks, its summary and its alerts as artifacts."""
    run_id = str(flow_run.get_id() or "") or None
    summary = driver.execute(
        settings, plan, sources, prefect_stages, get_run_logger(), run_id=run_id
    )
    count = len(summary.alerts)
    create_table_artifact(
        key=f"{plan.flow}-alerts",
        table=alerts_table(summary.alerts),
        description=f"{count} new alert{'' if count == 1 else 's'}",
    )
    create_markdown_artifact(
        key=f"{plan.flow}-summary",
        markdown=summary.to_markdown(),
        description=f"{plan.flow} run summary",
    )
    return summary


def conclude(
    summary: RunSummary, extra: dict[str, object] | None = None
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
    db: str | None = None,
    sources: str | None = None,
    lake: str | None = None,
    lake_data: str | None = None,
) -> dict[str, object] | State[Any]:
    """One ingestion pass over every active source.

    Args:
        db: DuckDB warehouse file. Empty: $ENTENTE_DB, else ./entente.duckdb.
        sources: Sources file (TOML). Empty: $ENTENTE_SOURCES, else the bundled list.
        lake: DuckLake catalog, in place of `db`. Empty: $ENTENTE_LAKE, else the file.
        lake_data: Where the lake's Parquet files go. Empty: $ENTENTE_LAKE_DATA.
    """
    settings = load_settings(db, sources, lake=lake, lake_data=lake_data)
    active = tuple(s for s in settings.sources if s.active)
    return conclude(run_flow(settings, Plan("ingest"), active))
