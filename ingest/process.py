"""Turn archived raw pages into article records: extraction, then the pure transforms.

Extraction is the pipeline's cost (trafilatura, lxml), and it is CPU-bound Python, so a
batch is spread over a pool of worker processes, one per core by default. The pool starts
its workers from a clean forkserver (never a fork of a process running Prefect's threads),
lives as long as the process, and is rebuilt when a worker dies; a page whose extraction
kills a worker twice is recorded as a failure, and the rest of its batch goes on.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import select
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import overload

from entente.ingest import charset
from entente.ingest.extract import article_from_summary, extract_article
from entente.transforms.classify import Taxonomy
from entente.transforms.errors import ParseError
from entente.transforms.pipeline import build_record
from entente.transforms.records import (
    ArticleRecord,
    ExtractedArticle,
    FeedEntry,
    FetchRecord,
    RawDocument,
)

# Below this many pages a batch is processed in the calling process: a pool round trip
# costs more than it saves.
MIN_PARALLEL = 8
# Pages per job sent to a worker: small enough to keep every worker busy to the end of a
# batch, large enough that pickling and scheduling stay a small share.
CHUNK = 8
WORKERS_ENV = "ENTENTE_WORKERS"


@dataclass(slots=True)
class ProcessedBatch:
    records: list[ArticleRecord] = field(default_factory=list)
    # pages that gave no article, each a `fetches` row for the run to record with its reason
    failures: list[FetchRecord] = field(default_factory=list)
    # CPU seconds spent per stage ("extract", "derive"), in whichever process did the work.
    seconds: dict[str, float] = field(default_factory=dict)

    def merge(self, other: ProcessedBatch) -> None:
        self.records.extend(other.records)
        self.failures.extend(other.failures)
        for stage, value in other.seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + value


# The outcomes of pages that were fetched but gave no article, in `fetches`.
NO_TEXT = "no_text"
CRASHED = "extraction_crashed"


def _failure(
    url: str, source: str, outcome: str, reason: str, fetched_at: datetime | None = None
) -> FetchRecord:
    return FetchRecord(
        url=url,
        source=source,
        kind="article",
        status=None,
        outcome=outcome,
        error=reason,
        fetched_at=fetched_at or datetime.now(UTC),
    )


def decode_html(body: bytes, declared: str | None) -> str:
    """Decode a page body, trusting the bytes (BOM, UTF-8, meta charset) over a header that lies."""
    return charset.decode_html(body, declared)


def _declared_charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def default_workers() -> int:
    """Worker processes for extraction: $ENTENTE_WORKERS, else one per usable core."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def process_documents(
    documents: Sequence[RawDocument],
    taxonomy: Taxonomy,
    summaries: Sequence[tuple[str, FeedEntry]] = (),
    workers: int | None = None,
) -> ProcessedBatch:
    """Extract and derive every document; one bad page is a recorded failure, not an error.

    Records come back in the order of `documents`, then of `summaries`.
    """
    workers = default_workers() if workers is None else workers
    if workers > 1 and len(documents) >= MIN_PARALLEL:
        batch = _process_in_pool(documents, taxonomy, workers)
    else:
        batch = _process_here(documents, taxonomy)
    for source, entry in summaries:
        try:
            extracted = article_from_summary(entry.link, entry.title, entry.summary)
        except ParseError as exc:
            batch.failures.append(_failure(entry.link, source, NO_TEXT, str(exc)))
            continue
        batch.records.append(
            build_record(extracted, entry.link, source, datetime.now(UTC), None, taxonomy, entry)
        )
    return batch


def extract_document(doc: RawDocument) -> ExtractedArticle:
    """One fetched page's article, as every run extracts it; ParseError when it has no text.

    Dates are judged against the time the page was fetched, not the time of extraction, so
    that reprocessing an old page accepts and refuses the same dates as its first run did.
    """
    html = decode_html(doc.body, _declared_charset(doc.content_type))
    return extract_article(html, doc.final_url, now=doc.fetched_at)


def _process_here(documents: Sequence[RawDocument], taxonomy: Taxonomy) -> ProcessedBatch:
    batch = ProcessedBatch(seconds={"extract": 0.0, "derive": 0.0})
    for doc in documents:
        started = time.process_time()
        try:
            extracted = extract_document(doc)
        except ParseError as exc:
            # a failure, counted and recorded; the feed's summary is no article (issue 19)
            batch.failures.append(_failure(doc.url, doc.source, NO_TEXT, str(exc), doc.fetched_at))
            batch.seconds["extract"] += time.process_time() - started
            continue
        extracted_at = time.process_time()
        batch.seconds["extract"] += extracted_at - started
        batch.records.append(
            build_record(
                extracted, doc.url, doc.source, doc.fetched_at, doc.raw_sha256, taxonomy, doc.entry
            )
        )
        batch.seconds["derive"] += time.process_time() - extracted_at
    return batch


# --- the pool ------------------------------------------------------------------------------


class _WorkerPool:
    """The process's one extraction pool, built on first use and rebuilt when broken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._size = 0
        self.generation = 0  # counts shutdowns, so a late warm-up does not start a pool

    @overload
    def get(self, workers: int) -> ProcessPoolExecutor: ...
    @overload
    def get(self, workers: int, generation: int) -> ProcessPoolExecutor | None: ...

    def get(self, workers: int, generation: int | None = None) -> ProcessPoolExecutor | None:
        with self._lock:
            if generation is not None and generation != self.generation:
                return None
            if self._executor is None or self._size != workers:
                if self._executor is not None:
                    self._executor.shutdown(wait=False, cancel_futures=True)
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["entente.ingest.process", "entente.ingest.preload"])
                self._executor = ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=context,
                    initializer=die_with,
                    initargs=(os.getpid(),),
                )
                self._size = workers
            return self._executor

    def running(self, workers: int) -> bool:
        """Whether a pool of `workers` is up (or starting) already."""
        with self._lock:
            return self._executor is not None and self._size == workers

    def drop(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
            self.generation += 1
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def die_with(owner: int) -> None:
    """In a worker: end as soon as `owner`, the process whose pool this is, has ended, so a
    run killed outright (SIGKILL) leaves no worker behind.

    Not prctl's parent-death signal: a worker's parent is the forkserver, and the forkserver
    ends only once no process holds its liveness pipe, which every worker does. A thread
    waits on a pidfd of the owner instead (Linux 5.3 and later; elsewhere, nothing), and the
    forkserver, its workers gone, then ends by itself.
    """
    try:
        handle = os.pidfd_open(owner)
    except ProcessLookupError:  # ended before this worker started
        os._exit(1)
    except (AttributeError, OSError):
        return
    threading.Thread(target=_exit_on_end, args=(handle,), name="entente-owner", daemon=True).start()


def _exit_on_end(handle: int) -> None:
    select.select([handle], [], [])  # readable once the process has ended
    os._exit(1)


_POOL = _WorkerPool()
# The taxonomy, pickled once per object: compiling its patterns is costly, so a worker
# unpickles each distinct taxonomy once and keeps it (see _worker_taxonomy).
_payloads: dict[int, tuple[Taxonomy, str, bytes]] = {}
_worker_taxonomies: dict[str, Taxonomy] = {}


def warm_pool(workers: int | None = None) -> None:
    """Start the worker processes now, without waiting for them: a run calls this when a
    harvest is about to fetch a batch big enough for them, so that the forkserver's imports
    and language model (about a second of CPU) overlap the fetching instead of delaying the
    batch. Nothing happens when they are up already.

    The start itself runs in a thread: starting a worker waits for the forkserver to have
    loaded everything, and the run has better things to do meanwhile. A batch that comes
    before the workers are up queues behind them in the pool.
    """
    workers = default_workers() if workers is None else workers
    if workers <= 1 or _POOL.running(workers):
        return
    generation = _POOL.generation
    threading.Thread(
        target=_warm, args=(workers, generation), name="entente-warm", daemon=True
    ).start()


def _warm(workers: int, generation: int) -> None:
    pool = _POOL.get(workers, generation)
    if pool is None:  # shut down since warm_pool was called: start nothing
        return
    try:
        for _ in range(workers):
            pool.submit(_ready)
    except (BrokenProcessPool, RuntimeError):
        _POOL.drop(pool)  # the first batch starts a new one


def _ready() -> int:
    return os.getpid()


def shutdown_pool() -> None:
    """Stop the worker processes (they are also stopped when the process exits)."""
    _POOL.shutdown()


def _payload(taxonomy: Taxonomy) -> tuple[str, bytes]:
    held = _payloads.get(id(taxonomy))
    if held is None or held[0] is not taxonomy:
        blob = pickle.dumps(taxonomy, protocol=pickle.HIGHEST_PROTOCOL)
        if len(_payloads) > 8:
            _payloads.clear()
        held = (taxonomy, hashlib.sha256(blob).hexdigest(), blob)
        _payloads[id(taxonomy)] = held
    return held[1], held[2]


def _worker_taxonomy(digest: str, blob: bytes) -> Taxonomy:
    taxonomy = _worker_taxonomies.get(digest)
    if taxonomy is None:
        taxonomy = pickle.loads(blob)  # our own pickle, from our parent
        _worker_taxonomies.clear()
        _worker_taxonomies[digest] = taxonomy
    return taxonomy


def _work(documents: Sequence[RawDocument], digest: str, blob: bytes) -> ProcessedBatch:
    return _process_here(documents, _worker_taxonomy(digest, blob))


def _process_in_pool(
    documents: Sequence[RawDocument],
    taxonomy: Taxonomy,
    workers: int,
) -> ProcessedBatch:
    digest, blob = _payload(taxonomy)
    spans = [(i, min(i + CHUNK, len(documents))) for i in range(0, len(documents), CHUNK)]
    pool = _POOL.get(workers)
    jobs: list[Future[ProcessedBatch] | None] = []
    for start, end in spans:
        try:
            jobs.append(pool.submit(_work, documents[start:end], digest, blob))
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down by another thread
            jobs.append(None)
    batch = ProcessedBatch()
    for (start, end), job in zip(spans, jobs, strict=True):
        try:
            if job is None:
                raise BrokenProcessPool("the pool was already broken")
            batch.merge(job.result())
        except BrokenProcessPool:
            _POOL.drop(pool)
            rest = _one_by_one(documents[start:end], digest, blob, workers)
            batch.merge(rest)
    return batch


def _one_by_one(
    documents: Sequence[RawDocument],
    digest: str,
    blob: bytes,
    workers: int,
) -> ProcessedBatch:
    """A chunk whose worker died: each page alone, so only the page that kills a worker fails."""
    batch = ProcessedBatch()
    for doc in documents:
        pool = _POOL.get(workers)
        try:
            batch.merge(pool.submit(_work, [doc], digest, blob).result())
        except (BrokenProcessPool, RuntimeError):
            _POOL.drop(pool)
            reason = f"extraction crashed its worker process: {doc.url}"
            batch.failures.append(_failure(doc.url, doc.source, CRASHED, reason, doc.fetched_at))
    return batch
