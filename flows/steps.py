"""The pipeline's steps as plain functions: the driver calls them, the flows wrap them as tasks.

Every step takes the run (`Run`: settings, run id, plan, taxonomy, the run's crawler) and
one source's `SourceWork`, and gives the SourceWork back with its part done. A step opens
what it needs of the warehouse (a short write connection) and closes it before returning.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from entente.ingest.collect import Crawler, SourceHarvest, failed_harvest, harvest_feed
from entente.ingest.discover import (
    Discovery,
    Window,
    backfill_walk,
    harvest_sitemap,
    keep_in_window,
)
from entente.ingest.fetch import run_async
from entente.ingest.process import ProcessedBatch, process_documents
from entente.ingest.settings import Settings, Source, decode_toml, read_config
from entente.transforms.classify import Taxonomy, default_taxonomy_text, parse_taxonomy
from entente.transforms.errors import first_line
from entente.transforms.health import HealthPolicy, after_failure, after_success
from entente.transforms.records import FeedEntry, RawDocument
from entente.transforms.urls import article_id
from entente.warehouse import load, state
from entente.warehouse.db import Connection, Warehouse, write, writer
from entente.warehouse.lake import Lake
from entente.warehouse.load import LoadResult, StoredPage


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run does with each source: poll it (`ingest`), walk its archives for a window
    (`backfill`), or derive its stored pages again (`reprocess`, which fetches nothing)."""

    flow: str
    window: Window | None = None  # backfill: publication days to fetch
    limit: int = 500  # backfill: article pages fetched per source at most
    since: datetime | None = None  # reprocess: pages fetched from ...
    until: datetime | None = None  # ... until (excluded)

    @property
    def fetches(self) -> bool:
        return self.flow != "reprocess"


@dataclass(frozen=True, slots=True)
class Run:
    """One run's context, built once by the driver and handed to every step."""

    settings: Settings
    run_id: str
    plan: Plan
    taxonomy: Taxonomy
    crawler: Crawler | None  # shared by every harvest of the run; None when fetching nothing


@dataclass(frozen=True, slots=True)
class StoredSlice:
    """A reprocess's unit of work: stored pages, derived again together."""

    name: str
    pages: tuple[StoredPage, ...]


@dataclass(slots=True)
class SourceWork:
    """One source's way through a run (for a reprocess, one slice of stored pages): what its
    harvest brought, then what processing derived, then what the store did."""

    name: str
    harvest: SourceHarvest
    walk: Discovery | None = None  # a backfill's archive walk
    batch: ProcessedBatch | None = None
    out_of_window: int = 0  # records a backfill dropped for their own date
    result: LoadResult | None = None
    # the source of each feed summary by its link, where it is not the harvest's (reprocess)
    summary_sources: dict[str, str] = field(default_factory=dict)


def warehouse_of(settings: Settings) -> Warehouse:
    """The warehouse the settings name: their lake when they have one, else the file."""
    if settings.lake:
        return Lake(settings.lake, settings.lake_data)
    return settings.db_path


def warehouse_parameters(settings: Settings, resolve: bool = False) -> dict[str, str | None]:
    """The flows' parameters that name the warehouse: the lake's, or the file's (its
    absolute path with `resolve`, for deployments run from another directory)."""
    if settings.lake:
        return {"lake": settings.lake, "lake_data": settings.lake_data}
    return {"db": str(settings.db_path.resolve() if resolve else settings.db_path)}


def load_taxonomy(settings: Settings) -> Taxonomy:
    if settings.taxonomy_path is None:
        return bundled_taxonomy()
    data = read_config(settings.taxonomy_path, "taxonomy")
    return parse_taxonomy(decode_toml(data, str(settings.taxonomy_path)))


@cache
def bundled_taxonomy() -> Taxonomy:
    """The bundled taxonomy, parsed once per process: parsing compiles some twenty thousand
    patterns (most of a second), and a Taxonomy is immutable. A process that runs several
    flows (a notebook, the test suite) also hands the workers the same object, which they
    unpickle once (ingest/process.py)."""
    return parse_taxonomy(default_taxonomy_text())


# --- harvest ---------------------------------------------------------------------------------


def harvest_step(run: Run, source: Source) -> SourceWork:
    """Fetch what the plan wants of one source, within its time budget, and log every fetch.

    The pages are archived by the source's store, not here: processing starts as soon as
    they are fetched. A harvest that raises (the warehouse unreachable, a bug) fails its
    source, not the run.
    """
    try:
        work = _harvest(run, source)
    except Exception as exc:
        error = f"harvest failed: {type(exc).__name__}: {first_line(exc)}"
        work = SourceWork(source.name, failed_harvest(source, error))
    log_fetches(run, work.harvest)
    return work


def log_fetches(run: Run, harvest: SourceHarvest) -> None:
    """Log every fetch of a harvest, failures included, in the `fetches` table."""
    if harvest.fetches:
        write(
            warehouse_of(run.settings),
            lambda con: load.record_fetches(con, run.run_id, harvest.fetches),
            exclusive=False,  # appends only
        )


def _harvest(run: Run, source: Source) -> SourceWork:
    settings, plan, crawler = run.settings, run.plan, run.crawler
    assert crawler is not None, "a run that fetches has a crawler"

    def known(ids: Collection[str]) -> set[str]:
        with writer(warehouse_of(settings)) as con:
            return load.existing_article_ids(con, ids)

    def stored(ids: Collection[str]) -> dict[str, datetime | None]:
        with writer(warehouse_of(settings)) as con:
            return state.stored_versions(con, ids)

    if plan.flow == "backfill":
        assert plan.window is not None, "a backfill has a window"
        budget = settings.fetch.backfill_source_budget
        walk = run_async(backfill_walk(crawler, source, plan.window, known, plan.limit, budget))
        return SourceWork(source.name, walk.harvest, walk=walk)
    with writer(warehouse_of(settings)) as con:
        feed_state = state.feed_state(con, source.name)
        health = state.source_health(con, [source.name]).get(source.name)
    budget = settings.fetch.source_budget
    if source.kind == "sitemap":
        last_ok = health.last_success_at if health else None
        coroutine = harvest_sitemap(crawler, source, stored, feed_state, last_ok, budget)
    else:
        coroutine = harvest_feed(crawler, source, stored, feed_state, budget)
    return SourceWork(source.name, run_async(coroutine))


def read_step(run: Run, stored: StoredSlice) -> SourceWork:
    """A reprocess's harvest: the archived bodies of a slice of stored pages, from the
    warehouse. An article held only as its feed summary is derived from that again."""
    keys = [p.raw_sha256 for p in stored.pages if p.raw_sha256]
    with writer(warehouse_of(run.settings)) as con:
        bodies = load.read_raws(con, keys)
    work = SourceWork(stored.name, SourceHarvest(source=stored.name, feed_ok=True))
    for page in stored.pages:
        body = bodies.get(page.raw_sha256 or "")
        if body is None:
            work.harvest.summaries.append(_entry(page))
            work.summary_sources[page.url] = page.source
        else:
            work.harvest.documents.append(_document(page, body))
    work.harvest.entries = len(stored.pages)
    return work


def _entry(page: StoredPage) -> FeedEntry:
    return FeedEntry(
        link=page.url,
        title=page.feed_title,
        summary=page.feed_summary,
        published_at=page.feed_published_at,
        updated_at=None,
        guid=None,
    )


def _document(page: StoredPage, body: bytes) -> RawDocument:
    return RawDocument(
        url=page.url,
        final_url=page.final_url,
        source=page.source,
        fetched_at=page.fetched_at,
        content_type="text/html",
        body=body,
        entry=_entry(page),
    )


def stored_slices(
    settings: Settings, since: datetime | None, until: datetime | None, size: int = 500
) -> list[StoredSlice]:
    """The stored articles fetched in [since, until), in slices of `size` pages."""
    with writer(warehouse_of(settings)) as con:
        pages = load.stored_pages(con, since, until)
    return [
        StoredSlice(f"pages-{start + 1}-{start + len(chunk)}", tuple(chunk))
        for start in range(0, len(pages), size)
        if (chunk := pages[start : start + size])
    ]


# --- process ---------------------------------------------------------------------------------


def process_step(run: Run, work: SourceWork) -> SourceWork:
    """Extract and derive every page (in the worker processes) and every feed summary; a
    backfill keeps the records its window holds by their own date."""
    harvest = work.harvest
    summaries = [(work.summary_sources.get(e.link, harvest.source), e) for e in harvest.summaries]
    batch = process_documents(harvest.documents, run.taxonomy, summaries)
    if run.plan.window is not None:
        kept, work.out_of_window = keep_in_window(batch.records, run.plan.window)
        batch = ProcessedBatch(records=kept, failures=batch.failures, seconds=batch.seconds)
    work.batch = batch
    return work


# --- store -----------------------------------------------------------------------------------


def store_step(run: Run, work: SourceWork) -> SourceWork:
    """Archive a source's raw pages, load its batch (which refreshes every derived relation
    for the articles it touched, new and revised), then settle the source: the writes that
    end a source, in that order, so that no article is stored before its page.

    Each is safe to run again (a retried store): a page already archived is kept, and the
    loader and the settle write each article and source once.
    """
    assert work.batch is not None, "a batch is stored once processed"
    db = warehouse_of(run.settings)
    batch = work.batch
    if batch.failures and run.plan.fetches:
        # a page that gave no article is a failure, with its reason
        write(db, lambda con: load.record_extraction_failures(con, run.run_id, batch.failures))
    if run.plan.flow == "reprocess":
        replaced = write(db, lambda con: load.replace_derived(con, batch.records))
        work.result = LoadResult(0, 0, {}, replaced=replaced)
        return work
    harvest = work.harvest
    if harvest.documents:
        write(db, lambda con: load.archive_raw(con, harvest.documents))
    work.result = write(db, lambda con: load.load_articles(con, batch.records, harvest.updated))
    settle_step(run, harvest)
    return work


def settle_step(run: Run, harvest: SourceHarvest) -> None:
    """After a load: remember page versions, and for a scheduled run the feed's validators
    and the source's health. Runs last, so a run that dies before loading leaves the feed
    to be fetched in full again."""
    versions = [
        (
            article_id(d.url),
            d.source,
            d.url,
            d.entry.updated_at if d.entry else None,
            d.fetched_at,
        )
        for d in harvest.documents
    ]
    write(warehouse_of(run.settings), lambda con: _settle(con, run, harvest, versions))


def _settle(
    con: Connection,
    run: Run,
    harvest: SourceHarvest,
    versions: list[tuple[str, str, str, datetime | None, datetime]],
) -> None:
    fetch = run.settings.fetch
    state.save_versions(con, versions)
    if run.plan.flow != "ingest":
        return  # a backfill's walk says nothing of the feed's health or validators
    if harvest.feed_state is not None:
        state.save_feed_state(con, harvest.feed_state)
    policy = HealthPolicy(
        fetch.poll_interval, fetch.max_poll_interval, fetch.disable_after_failures
    )
    now = datetime.now(UTC)
    previous = state.source_health(con, [harvest.source]).get(harvest.source)
    if harvest.feed_ok:
        health = after_success(previous, harvest.source, now, policy)
    else:
        error = harvest.error or "unknown error"
        health = after_failure(previous, harvest.source, error, now, policy, harvest.retry_after)
    state.save_source_health(con, health)
