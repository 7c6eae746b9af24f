"""The one road from sources to stored rows: `run`, `backfill` and `reprocess` all go through
`execute`, with or without Prefect.

A run opens the warehouse for its writes (`holding`), records itself in `runs`, opens one
crawler that every harvest shares (connection pools, per-host gates, robots.txt), and drives
each source through the steps of flows/steps.py: harvest (feed, sitemap or archive walk, or
for a reprocess the stored pages), process (extraction in the worker pool), store (archive,
load and refresh every derived relation, settle). How a step runs is the caller's: called
here in threads (`plain_stages`), or as Prefect tasks (flows/ingest.py). Nothing here
imports Prefect.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from entente.flows.alerting import raise_alerts
from entente.flows.lifecycle import is_gone, this_process
from entente.flows.progress import Progress, report
from entente.flows.steps import (
    Plan,
    Run,
    SourceWork,
    StoredSlice,
    harvest_step,
    load_taxonomy,
    process_step,
    read_step,
    store_step,
    stored_slices,
    warehouse_of,
)
from entente.flows.summary import RunSummary
from entente.ingest.collect import crawling
from entente.ingest.politeness import process_gates
from entente.ingest.process import MIN_PARALLEL, warm_pool
from entente.ingest.settings import Settings, Source
from entente.transforms.health import poll_verdict
from entente.warehouse import load, state
from entente.warehouse.alerts import Alert
from entente.warehouse.db import Connection, holding, write, writer
from entente.warehouse.lake import Lake, maintain_if_due
from entente.warehouse.snapshot import refresh_snapshot

J = TypeVar("J")
Log = logging.Logger | logging.LoggerAdapter[logging.Logger]


@dataclass(frozen=True, slots=True)
class Started:
    """A stage's work under way: `done` completes when it ends, then `result` gives it."""

    done: Future[Any]
    result: Callable[[], SourceWork]


def started(future: Future[SourceWork]) -> Started:
    return Started(future, future.result)


@dataclass(frozen=True, slots=True)
class Stages(Generic[J]):
    """How the driver runs each step for a job (a source, or a slice of stored pages)."""

    harvest: Callable[[J], Started]
    process: Callable[[SourceWork], Started]
    store: Callable[[SourceWork], Started]


# Sources in memory at once beyond the one being stored and the one being processed:
# enough harvests under way to keep the network busy while the cores extract, few enough
# that memory holds a bounded number of harvests however many sources there are.
LOOKAHEAD = 4
# With nothing harvested yet, one more harvest starts after this many seconds (see drive).
RAMP_SECONDS = 1.0


def drive(
    jobs: Sequence[J],
    stages: Stages[J],
    summary: RunSummary,
    log: Log,
    lookahead: int = LOOKAHEAD,
    ramp: float = RAMP_SECONDS,
    count_sources: bool = True,
) -> None:
    """Harvest, process and store every job, overlapping the three, each in the order the
    previous stage finishes them: a slow source holds only itself.

    At most `lookahead` harvests run at once, and at most `lookahead` + 2 jobs are held in
    memory (harvested, processing, processed, storing). One batch is processed at a time
    (it has the worker pool to itself) and one store runs at a time.

    The harvests ramp up: the first source is harvested alone, then one more is let in
    after each harvest that ends, or after `ramp` seconds without one. Harvests share the
    fetch loop, so four started at once would each take four times as long while the
    workers waited for the first batch; but a source that answers slowly must not keep
    the others from starting.
    """
    queue: deque[J] = deque(jobs)
    shown = _Shown(len(jobs), fetches=count_sources)
    harvesting: dict[Future[Any], Started] = {}
    harvested: deque[SourceWork] = deque()
    processed: deque[SourceWork] = deque()
    processing: Started | None = None
    storing: Started | None = None
    ahead = 1

    def held() -> int:
        return (
            len(harvesting)
            + len(harvested)
            + len(processed)
            + (processing is not None)
            + (storing is not None)
        )

    def fill() -> None:
        while queue and len(harvesting) < ahead and held() < lookahead + 2:
            step = stages.harvest(queue.popleft())
            harvesting[step.done] = step

    fill()
    try:
        while held():
            waiting = [*harvesting]
            waiting += [s.done for s in (processing, storing) if s is not None]
            ramping = bool(queue) and ahead < lookahead
            with _timed(summary, "driver_wait"):
                done, _ = wait(waiting, ramp if ramping else None, FIRST_COMPLETED)
            if not done:
                ahead += 1  # the harvests under way are slow: let one more start
            for future in [f for f in harvesting if f in done]:
                work = harvesting.pop(future).result()
                ahead = min(max(1, lookahead), ahead + 1)
                if count_sources:
                    summary.add_harvest(work.harvest)
                if not work.harvest.feed_ok:
                    log.warning("source %s failed: %s", work.name, work.harvest.error)
                shown.harvested(work)
                harvested.append(work)
            if processing is not None and processing.done in done:
                processed.append(processing.result())
                processing = None
            if storing is not None and storing.done in done:
                shown.stored(_stored(storing.result(), summary, log))
                storing = None
            if processing is None and harvested:
                processing = stages.process(harvested.popleft())
            if storing is None and processed:
                storing = stages.store(processed.popleft())
            fill()
    except BaseException:
        # The run is failing: still let the store in flight end (and count it) before the
        # caller records the crash and closes the warehouse under it.
        if storing is not None:
            with contextlib.suppress(Exception):
                _stored(storing.result(), summary, log)
        raise


class _Shown:
    """Each job's milestones for the progress display (flows/progress.py): its harvest in,
    then, once stored, what it stored or why it failed."""

    def __init__(self, total: int, fetches: bool) -> None:
        self.total = total
        self.done = 0
        self.fetches = fetches  # sources that fetch; else a reprocess's slices

    def harvested(self, work: SourceWork) -> None:
        harvest = work.harvest
        if not harvest.feed_ok:
            return  # said once the source is settled, in `stored`
        if not self.fetches:
            pages = len(harvest.documents)
            report(Progress(work.name, "read", self.done, self.total, pages))
            return
        if work.walk is not None:  # a backfill's archive walk
            pages, found = work.walk.pages, len(work.walk.candidates)
        else:  # a run's feed
            pages, found = len(harvest.fetches), harvest.entries
        report(Progress(work.name, "walked", self.done, self.total, pages, found))

    def stored(self, work: SourceWork) -> None:
        self.done += 1
        harvest, result = work.harvest, work.result
        if not harvest.feed_ok or result is None:
            error = harvest.error or "nothing stored"
            report(Progress(work.name, "failed", self.done, self.total, detail=error))
            return
        stage = "stored" if self.fetches else "derived"
        report(
            Progress(
                work.name, stage, self.done, self.total,
                stored=result.new + result.replaced, duplicates=result.duplicates,
            )
        )  # fmt: skip


def _stored(work: SourceWork, summary: RunSummary, log: Log) -> SourceWork:
    """Count what a store loaded."""
    assert work.batch is not None and work.result is not None, "a stored work was loaded"
    summary.add_load(work.batch, work.result)
    summary.out_of_window += work.out_of_window
    if work.walk is not None:
        summary.walks.append(work.walk)
    result = work.result
    log.info(
        "source %s: %d entries, %d new articles, %d duplicates, %d derived again",
        work.name,
        work.harvest.entries,
        result.new,
        result.duplicates,
        result.replaced,
    )
    return work


@contextlib.contextmanager
def _timed(summary: RunSummary, stage: str) -> Iterator[None]:
    begun = time.perf_counter()
    try:
        yield
    finally:
        summary.timed(stage, time.perf_counter() - begun)


StagesFor = Callable[[Run, ThreadPoolExecutor], Stages[Any]]


def execute(
    settings: Settings,
    plan: Plan,
    sources: Sequence[Source],
    stages_for: StagesFor,
    log: Log,
    run_id: str | None = None,
) -> RunSummary:
    """One run of any flow, start to end: the function `run`, `backfill` and `reprocess`
    all call. A run that dies half way is recorded as `crashed`, then the error goes on."""
    run_id = run_id or str(uuid.uuid4())
    taxonomy = load_taxonomy(settings)
    with holding(warehouse_of(settings)):
        summary = start_run(settings, run_id, plan.flow)
        if plan.window is not None:
            summary.window = str(plan.window)
        with _end_recorded(settings, summary):
            jobs: Sequence[Source] | Sequence[StoredSlice]
            if plan.flow == "ingest":
                jobs, summary.sources_skipped = due_sources(settings, tuple(sources))
                for name, reason in summary.sources_skipped.items():
                    log.info("source %s skipped: %s", name, reason)
            elif plan.fetches:
                jobs = sources
            else:
                jobs = stored_slices(settings, plan.since, plan.until)
            if jobs and plan.flow == "reprocess":
                warm_pool()
            with (
                _crawler(settings, plan) as crawler,
                _threads() as threads,
                # inside the threads' shutdown, which waits for harvests in flight
                _end_recorded(settings, summary),
            ):
                run = Run(settings, run_id, plan, taxonomy, crawler)
                drive(jobs, stages_for(run, threads), summary, log, count_sources=plan.fetches)
            # before the run's row is closed, so the snapshot readers see carries its alerts
            summary.alerts = _alerts_of(settings, summary, log)
        return finish_run(settings, summary)


def _alerts_of(settings: Settings, summary: RunSummary, log: Log) -> list[Alert]:
    """The alerts the run raised; none when raising them fails: the run's articles are
    stored, and alerts that fail must not undo it (the next run looks at its own only)."""
    try:
        return raise_alerts(settings, summary.run_id, summary.started_at, log)
    except Exception:
        log.exception("alerts could not be raised for run %s", summary.run_id)
        return []


@contextlib.contextmanager
def _crawler(settings: Settings, plan: Plan) -> Iterator[Any]:
    if not plan.fetches:
        yield None
        return
    fetch = settings.fetch
    # the process's gates: politeness holds across runs served by one process too
    gates = process_gates(fetch.max_connections_per_host, fetch.min_host_delay)
    with crawling(fetch, gates, before_pages=_warm_for) as crawler:
        yield crawler


def _warm_for(pages: int) -> None:
    """Start the extraction workers once a harvest is about to fetch a batch big enough to
    use them: their start (imports, the language model: about a second of CPU) overlaps the
    fetching, and a run whose batches are all small (most scheduled runs) starts none."""
    if pages >= MIN_PARALLEL:
        warm_pool()


def _threads() -> ThreadPoolExecutor:
    # the harvests under way, the batch being processed and the one being stored
    return ThreadPoolExecutor(max_workers=LOOKAHEAD + 2, thread_name_prefix="entente")


@contextlib.contextmanager
def _end_recorded(settings: Settings, summary: RunSummary) -> Iterator[None]:
    """If a run dies half way, its `runs` row says so instead of staying `running`:
    `crashed` on an error, `interrupted` when stopped (Ctrl-C, SIGTERM). Once per run: the
    first of these blocks the error leaves records it."""
    try:
        yield
    except BaseException as exc:
        if summary.finished_at is None:
            summary.finished_at = datetime.now(UTC)
            status = "crashed" if isinstance(exc, Exception) else "interrupted"
            # Best effort: when the warehouse itself is what failed, the row cannot be
            # written; the next run marks it, finding its process gone.
            ended = summary.finished_at
            with contextlib.suppress(Exception):
                write(
                    warehouse_of(settings),
                    lambda con: load.finish_run(
                        con, summary.run_id, ended, status, summary.counts(), summary.area_counts
                    ),
                    patience=3,
                )
        raise


def start_run(settings: Settings, run_id: str, flow: str) -> RunSummary:
    """Open the run's row; first, close the rows of runs on this host whose process is gone
    (killed outright, they could not close their own)."""
    summary = RunSummary(run_id=run_id, flow=flow, started_at=datetime.now(UTC))

    def open_row(con: Connection) -> None:
        for other, process in load.running_runs(con):
            if is_gone(process):
                load.close_run(con, other, summary.started_at, "crashed")
        load.start_run(con, run_id, flow, summary.started_at, this_process())

    write(warehouse_of(settings), open_row)
    return summary


def finish_run(settings: Settings, summary: RunSummary) -> RunSummary:
    summary.finished_at = datetime.now(UTC)
    ended = summary.finished_at
    db = warehouse_of(settings)

    def close_row(con: Connection) -> None:
        load.finish_run(
            con, summary.run_id, ended, summary.status, summary.counts(), summary.area_counts
        )

    if isinstance(db, Lake):
        write(db, close_row)
        maintain_if_due(db)  # a lake has no snapshot: readers never wait for it
        return summary
    with writer(db) as con:
        close_row(con)
        refresh_snapshot(con, db)
    return summary


def due_sources(
    settings: Settings, sources: tuple[Source, ...], now: datetime | None = None
) -> tuple[tuple[Source, ...], dict[str, str]]:
    """The sources to poll now, and why each other one waits (disabled, or backing off)."""
    now = now or datetime.now(UTC)
    with writer(warehouse_of(settings)) as con:
        health = state.source_health(con, [s.name for s in sources])
    due: list[Source] = []
    skipped: dict[str, str] = {}
    for source in sources:
        reason = poll_verdict(health.get(source.name), now)
        if reason is None:
            due.append(source)
        else:
            skipped[source.name] = reason
    return tuple(due), skipped


def plain_stages(run: Run, threads: ThreadPoolExecutor) -> Stages[Any]:
    """The steps called directly, each in `threads`."""

    def harvest(job: Any) -> Started:
        if isinstance(job, StoredSlice):
            return started(threads.submit(read_step, run, job))
        return started(threads.submit(harvest_step, run, job))

    def store(work: SourceWork) -> Started:
        return started(threads.submit(timed_store, run, work))

    return Stages(harvest, threaded_process(run, threads), store)


def threaded_process(run: Run, threads: ThreadPoolExecutor) -> Callable[[SourceWork], Started]:
    """The process stage of every kind of run: a thread hands the batch to the worker
    processes and waits for it (not a Prefect task: it does no work of its own)."""

    def process(work: SourceWork) -> Started:
        return started(threads.submit(process_step, run, work))

    return process


def timed_store(run: Run, work: SourceWork) -> SourceWork:
    """store_step, its wall time added to the batch's stage seconds as "store"."""
    begun = time.perf_counter()
    try:
        return store_step(run, work)
    finally:
        if work.batch is not None:
            seconds = work.batch.seconds
            seconds["store"] = seconds.get("store", 0.0) + time.perf_counter() - begun


def run_plain(
    settings: Settings, sources: Sequence[Source], plan: Plan | None = None
) -> RunSummary:
    """A run without Prefect: the same driver and steps, for benchmarks and tools."""
    log = logging.getLogger("entente.run")
    return execute(settings, plan or Plan("ingest"), sources, plain_stages, log)
