"""The pipeline's steps as plain functions: the flows wrap them, benchmarks call them bare.

Each step opens what it needs (a client, a short write connection) and closes it before
returning, so a step can run in any task, thread or process.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from entente.ingest.collect import (
    BENIGN_OUTCOMES,
    SourceHarvest,
    failed_harvest,
    harvest_source,
)
from entente.ingest.politeness import process_gates
from entente.ingest.process import ProcessedBatch, process_documents, warm_pool
from entente.ingest.settings import Settings, Source
from entente.transforms.classify import Taxonomy, default_taxonomy_text, parse_taxonomy
from entente.transforms.errors import ConfigError, first_line
from entente.transforms.health import HealthPolicy, after_failure, after_success, poll_verdict
from entente.transforms.records import FeedEntry, RawDocument
from entente.transforms.urls import article_id
from entente.warehouse import load, state
from entente.warehouse.db import holding, writer
from entente.warehouse.snapshot import refresh_snapshot


def load_taxonomy(settings: Settings) -> Taxonomy:
    if settings.taxonomy_path is None:
        return parse_taxonomy(default_taxonomy_text())
    try:
        text = settings.taxonomy_path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read taxonomy {settings.taxonomy_path}: {exc.strerror}"
        ) from None
    return parse_taxonomy(text)


@dataclass(slots=True)
class RunSummary:
    """What a run did, for the terminal, the `runs` row and the Prefect artifact."""

    run_id: str
    flow: str
    started_at: datetime
    sources_ok: list[str] = field(default_factory=list)
    sources_failed: dict[str, str] = field(default_factory=dict)
    sources_skipped: dict[str, str] = field(default_factory=dict)  # disabled or backing off
    fetched: int = 0
    fetch_failures: int = 0
    articles_new: int = 0
    duplicates: int = 0
    extraction_failures: int = 0
    area_counts: dict[str, int] = field(default_factory=dict)
    finished_at: datetime | None = None
    # Seconds per stage: wall time for the steps the driver waits on, CPU time for
    # extraction and derivation (summed over worker processes), for the profile of a run.
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, seconds: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds

    @property
    def status(self) -> str:
        if self.sources_failed and not self.sources_ok:
            return "failed"
        return "completed"

    def counts(self) -> dict[str, int]:
        return {
            "sources_ok": len(self.sources_ok),
            "sources_failed": len(self.sources_failed),
            "fetched": self.fetched,
            "fetch_failures": self.fetch_failures,
            "articles_new": self.articles_new,
            "duplicates": self.duplicates,
            "extraction_failures": self.extraction_failures,
        }

    def add_harvest(self, harvest: SourceHarvest) -> None:
        if harvest.feed_ok:
            self.sources_ok.append(harvest.source)
        else:
            self.sources_failed[harvest.source] = harvest.error or "unknown error"
        self.fetched += sum(1 for f in harvest.fetches if f.outcome in BENIGN_OUTCOMES)
        self.fetch_failures += sum(1 for f in harvest.fetches if f.outcome not in BENIGN_OUTCOMES)

    def add_load(self, batch: ProcessedBatch, result: load.LoadResult) -> None:
        self.extraction_failures += len(batch.failures)
        self.articles_new += result.new
        self.duplicates += result.duplicates
        for area, count in result.area_counts.items():
            self.area_counts[area] = self.area_counts.get(area, 0) + count
        for stage, seconds in batch.seconds.items():
            self.timed(stage, seconds)

    def to_markdown(self) -> str:
        lines = [
            f"# {self.flow} run {self.run_id}",
            "",
            "| measure | value |",
            "|---|---|",
            f"| status | {self.status} |",
            f"| sources ok | {len(self.sources_ok)} |",
            f"| sources failed | {len(self.sources_failed)} |",
            f"| pages fetched | {self.fetched} |",
            f"| failed fetches | {self.fetch_failures} |",
            f"| new articles | {self.articles_new} |",
            f"| duplicates | {self.duplicates} |",
            f"| extraction failures | {self.extraction_failures} |",
        ]
        if self.area_counts:
            lines += ["", "| area | new articles |", "|---|---|"]
            lines += [f"| {a} | {n} |" for a, n in sorted(self.area_counts.items())]
        if self.sources_failed:
            lines += ["", "| failed source | reason |", "|---|---|"]
            lines += [
                f"| {name} | {reason.replace('|', '/')} |"
                for name, reason in sorted(self.sources_failed.items())
            ]
        return "\n".join(lines)

    def to_text(self) -> str:
        areas = ", ".join(f"{a} {n}" for a, n in sorted(self.area_counts.items())) or "none"
        lines = [
            f"{self.flow} run {self.run_id}: {self.status}",
            f"  sources: {len(self.sources_ok)} ok, {len(self.sources_failed)} failed",
            f"  pages fetched: {self.fetched}, failed fetches: {self.fetch_failures}",
            f"  new articles: {self.articles_new}, duplicates: {self.duplicates},"
            f" extraction failures: {self.extraction_failures}",
            f"  areas: {areas}",
        ]
        lines += [f"  failed: {n}: {r}" for n, r in sorted(self.sources_failed.items())]
        lines += [f"  skipped: {n}: {r}" for n, r in sorted(self.sources_skipped.items())]
        return "\n".join(lines)


def start_run(settings: Settings, run_id: str, flow: str) -> RunSummary:
    summary = RunSummary(run_id=run_id, flow=flow, started_at=datetime.now(UTC))
    with writer(settings.db_path) as con:
        load.start_run(con, run_id, flow, summary.started_at)
    return summary


def finish_run(settings: Settings, summary: RunSummary) -> RunSummary:
    summary.finished_at = datetime.now(UTC)
    with writer(settings.db_path) as con:
        load.finish_run(
            con,
            summary.run_id,
            summary.finished_at,
            summary.status,
            summary.counts(),
            summary.area_counts,
        )
        refresh_snapshot(con, settings.db_path)
    return summary


def due_sources(
    settings: Settings, sources: tuple[Source, ...], now: datetime | None = None
) -> tuple[tuple[Source, ...], dict[str, str]]:
    """The sources to poll now, and why each other one waits (disabled, or backing off)."""
    now = now or datetime.now(UTC)
    with writer(settings.db_path) as con:
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


def harvest_step(settings: Settings, source: Source) -> SourceHarvest:
    """Fetch one source's feed (conditionally) and the article pages it has new or updated."""

    def stored(ids: Collection[str]) -> dict[str, datetime | None]:
        with writer(settings.db_path) as con:
            return state.stored_versions(con, ids)

    with writer(settings.db_path) as con:
        feed_state = state.feed_state(con, source.name)
    fetch = settings.fetch
    gates = process_gates(fetch.max_connections_per_host, fetch.min_host_delay)
    return harvest_source(source, fetch, stored, feed_state, gates)


def settle_step(
    settings: Settings, harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
) -> None:
    """After a load: refresh updated articles, remember page versions, feed state and health.

    Runs last, so a run that dies before loading leaves the feed to be fetched in full again.
    """
    fetch = settings.fetch
    policy = HealthPolicy(
        fetch.poll_interval, fetch.max_poll_interval, fetch.disable_after_failures
    )
    now = datetime.now(UTC)
    with writer(settings.db_path) as con:
        state.save_versions(
            con,
            [
                (
                    article_id(d.url),
                    d.source,
                    d.url,
                    d.entry.updated_at if d.entry else None,
                    d.fetched_at,
                )
                for d in harvest.documents
            ],
        )
        if harvest.feed_state is not None:
            state.save_feed_state(con, harvest.feed_state)
        previous = state.source_health(con, [harvest.source]).get(harvest.source)
        if harvest.feed_ok:
            health = after_success(previous, harvest.source, now, policy)
        else:
            error = harvest.error or "unknown error"
            health = after_failure(
                previous, harvest.source, error, now, policy, harvest.retry_after
            )
        state.save_source_health(con, health)


def archive_step(settings: Settings, run_id: str, harvest: SourceHarvest) -> list[str]:
    """Archive raw pages and log every fetch, before anything is derived from them (the
    backfill's order; an ingest run logs at harvest and archives at store)."""
    keys = page_keys(harvest)
    archive_pages(settings, harvest, keys)
    log_fetches(settings, run_id, harvest)
    return keys


def page_keys(harvest: SourceHarvest) -> list[str]:
    """The archive keys (raw_sha256) of a harvest's pages, in order."""
    return [load.raw_sha256(doc.body) for doc in harvest.documents]


def archive_pages(settings: Settings, harvest: SourceHarvest, keys: list[str]) -> None:
    """Archive a harvest's raw pages under `keys`, their page_keys."""
    if harvest.documents:
        with writer(settings.db_path) as con:
            load.archive_raw(con, harvest.documents, keys)


def log_fetches(settings: Settings, run_id: str, harvest: SourceHarvest) -> None:
    """Log every fetch of a harvest, failures included, in the `fetches` table."""
    if harvest.fetches:
        with writer(settings.db_path) as con:
            load.record_fetches(con, run_id, harvest.fetches)


def process_step(harvest: SourceHarvest, keys: list[str], taxonomy: Taxonomy) -> ProcessedBatch:
    summaries = [(harvest.source, entry) for entry in harvest.summaries]
    return process_documents(harvest.documents, keys, taxonomy, summaries)


def load_step(
    settings: Settings, batch: ProcessedBatch, replace: Collection[str] = ()
) -> load.LoadResult:
    with writer(settings.db_path) as con:
        return load.load_articles(con, batch.records, replace)


def store_step(
    settings: Settings, harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
) -> load.LoadResult:
    """Archive a source's raw pages, load its processed batch, then settle it: the writes
    that end a source, in that order, so that no article is stored before its page.

    Each is safe to run again (a retried store): a page already archived is kept, and the
    loader and the settle write each article and source once.
    """
    archive_pages(settings, harvest, keys)
    result = load_step(settings, batch, harvest.updated)
    settle_step(settings, harvest, keys, batch)
    return result


@dataclass(frozen=True, slots=True)
class Stages:
    """How the driver runs each step: called here, or as Prefect tasks.

    Each starts its work and returns a function that waits for the result, so the driver
    can keep several sources in flight.
    """

    harvest: Callable[[Source], Callable[[], tuple[SourceHarvest, list[str]]]]
    process: Callable[[SourceHarvest, list[str]], Callable[[], ProcessedBatch]]
    store: Callable[[SourceHarvest, list[str], ProcessedBatch], Callable[[], load.LoadResult]]


# Sources whose harvest may run ahead of processing: enough to keep the network busy while
# the cores extract, few enough that memory holds a bounded number of harvests whatever
# the number of sources (a harvest is at most max_articles_per_source pages).
LOOKAHEAD = 4


def drive(
    sources: tuple[Source, ...],
    stages: Stages,
    summary: RunSummary,
    log: logging.Logger | logging.LoggerAdapter[logging.Logger],
    lookahead: int = LOOKAHEAD,
) -> None:
    """Harvest, process and store every source, overlapping the three.

    Harvests run up to `lookahead` sources ahead; a source's batch is processed while the
    previous one is stored, and the next one is handed to the workers as soon as that store
    has started (not when it ends). Stores run one at a time, in the order of `sources`.

    The look-ahead ramps up: the first source is harvested alone, then one more source is
    let ahead after each harvest taken, up to `lookahead`. Harvests share the fetch loop,
    so four started at once would each take four times as long, and the workers would wait
    for the first batch with nothing to do.
    """
    queue = iter(sources)
    harvesting: deque[Callable[[], tuple[SourceHarvest, list[str]]]] = deque()
    ahead = 1

    def fill() -> None:
        while len(harvesting) < ahead:
            source = next(queue, None)
            if source is None:
                return
            harvesting.append(stages.harvest(source))

    fill()
    stored: tuple[SourceHarvest, list[str], Callable[[], ProcessedBatch]] | None = None
    storing: _Storing | None = None
    try:
        while harvesting or stored is not None:
            job = None
            if harvesting:
                with _timed(summary, "harvest_wait"):
                    harvest, keys = harvesting.popleft()()
                ahead = min(max(1, lookahead), ahead + 1)
                fill()
                summary.add_harvest(harvest)
                if not harvest.feed_ok:
                    log.warning("source %s failed: %s", harvest.source, harvest.error)
                job = (harvest, keys, stages.process(harvest, keys))
            if stored is not None:
                harvest, keys, wait = stored
                with _timed(summary, "process_wait"):
                    batch = wait()
                if storing is not None:
                    previous, storing = storing, None
                    _stored(previous, summary, log)
                storing = (harvest, batch, stages.store(harvest, keys, batch))
            stored = job
    except BaseException:
        # The run is failing: still let the store in flight end (and count it) before the
        # caller records the crash and closes the warehouse under it.
        if storing is not None:
            with contextlib.suppress(Exception):
                _stored(storing, summary, log)
        raise
    if storing is not None:
        _stored(storing, summary, log)


_Storing = tuple[SourceHarvest, ProcessedBatch, Callable[[], load.LoadResult]]


def _stored(
    storing: _Storing,
    summary: RunSummary,
    log: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> None:
    """Wait for a store to end and count what it loaded."""
    harvest, batch, wait = storing
    with _timed(summary, "store_wait"):
        result = wait()
    summary.add_load(batch, result)
    log.info(
        "source %s: %d entries, %d new articles, %d duplicates",
        harvest.source,
        harvest.entries,
        result.new,
        result.duplicates,
    )


@contextmanager
def _timed(summary: RunSummary, stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        summary.timed(stage, time.perf_counter() - started)


def harvest_and_log(
    settings: Settings, run_id: str, source: Source
) -> tuple[SourceHarvest, list[str]]:
    """A source's harvest with its pages' keys (raw_sha256), its fetches logged at once.

    The pages are archived by the source's store (store_step), not here: their processing
    starts as soon as they are fetched. At the start of a run the first source's archive
    (0.3 to 0.5 s for 200 pages) otherwise held back the first batch while the extraction
    workers waited; later ones ran beside the previous source's processing anyway.

    A harvest that raises (the warehouse unreachable, a bug) fails its source, not the run.
    """
    try:
        harvest = harvest_step(settings, source)
    except Exception as exc:
        harvest = failed_harvest(source, f"harvest failed: {type(exc).__name__}: {first_line(exc)}")
    log_fetches(settings, run_id, harvest)
    return harvest, page_keys(harvest)


def plain_stages(
    settings: Settings, run_id: str, taxonomy: Taxonomy, threads: ThreadPoolExecutor
) -> Stages:
    """The steps called directly, with harvests and processing in `threads`."""

    def harvest(source: Source) -> Callable[[], tuple[SourceHarvest, list[str]]]:
        return threads.submit(harvest_and_log, settings, run_id, source).result

    def store(
        harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
    ) -> Callable[[], load.LoadResult]:
        return threads.submit(timed_store, settings, harvest, keys, batch).result

    return Stages(harvest, threaded_process(threads, taxonomy), store)


def threaded_process(
    threads: ThreadPoolExecutor, taxonomy: Taxonomy
) -> Callable[[SourceHarvest, list[str]], Callable[[], ProcessedBatch]]:
    """The process stage of both kinds of run: a thread hands the batch to the worker
    processes and waits for it (not a Prefect task: it does no work of its own)."""

    def process(harvest: SourceHarvest, keys: list[str]) -> Callable[[], ProcessedBatch]:
        return threads.submit(process_step, harvest, keys, taxonomy).result

    return process


def timed_store(
    settings: Settings, harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
) -> load.LoadResult:
    """store_step, its wall time added to the batch's stage seconds as "store"."""
    started = time.perf_counter()
    try:
        return store_step(settings, harvest, keys, batch)
    finally:
        batch.seconds["store"] = batch.seconds.get("store", 0.0) + time.perf_counter() - started


def run_plain(settings: Settings, sources: tuple[Source, ...], flow: str = "ingest") -> RunSummary:
    """An ingest run without Prefect: the same steps and driver, for benchmarks and tools."""
    log = logging.getLogger("entente.ingest")
    if sources:
        warm_pool()  # the workers start while the run opens and the first source is fetched
    run_id = str(uuid.uuid4())
    taxonomy = load_taxonomy(settings)
    with holding(settings.db_path):
        summary = start_run(settings, run_id, flow)
        sources, summary.sources_skipped = due_sources(settings, sources)
        # the harvests ahead, the batch being processed and the one being stored
        threads = LOOKAHEAD + 3
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="entente") as pool:
            drive(sources, plain_stages(settings, run_id, taxonomy, pool), summary, log)
        return finish_run(settings, summary)


def reprocess_step(
    settings: Settings, since: datetime | None, until: datetime | None, batch_size: int = 500
) -> tuple[int, int]:
    """Re-derive stored articles from their archived pages; return (updated, failed)."""
    taxonomy = load_taxonomy(settings)
    with writer(settings.db_path) as con:
        pages = load.stored_pages(con, since, until)
    updated = failed = 0
    for start in range(0, len(pages), batch_size):
        chunk = pages[start : start + batch_size]
        with writer(settings.db_path) as con:
            bodies = load.read_raws(con, (p.raw_sha256 for p in chunk if p.raw_sha256))
        documents = [page_document(p, bodies.get(p.raw_sha256 or "", b"")) for p in chunk]
        batch = process_documents(documents, [p.raw_sha256 for p in chunk], taxonomy)
        failed += len(batch.failures)
        with writer(settings.db_path) as con:
            updated += load.replace_derived(con, batch.records)
    return updated, failed


def page_document(page: load.StoredPage, body: bytes) -> RawDocument:
    entry = FeedEntry(
        link=page.url,
        title=page.feed_title,
        summary=page.feed_summary,
        published_at=page.feed_published_at,
        updated_at=None,
        guid=None,
    )
    return RawDocument(
        url=page.url,
        final_url=page.final_url,
        source=page.source,
        fetched_at=page.fetched_at,
        content_type="text/html",
        body=body,
        entry=entry,
    )
