"""Extraction across worker processes: same records as in one process, and workers that die."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from entente.ingest import process
from entente.ingest.process import MIN_PARALLEL, ProcessedBatch, process_documents, shutdown_pool
from entente.transforms.records import FeedEntry, RawDocument
from tests.taxonomies import bundled_taxonomy

REPO = Path(__file__).resolve().parents[2]

TAXONOMY = bundled_taxonomy()

TOPICS = [
    "The foreign ministers of Pakistan and Russia discussed a gas pipeline and energy supplies.",
    "Kenya and Ethiopia signed an agreement on counterterrorism cooperation and border security.",
    "Brazil and Argentina agreed to lower tariffs and expand trade in farm goods.",
    "Norway hosted talks between the parties on a ceasefire and a peace settlement.",
    "Japan and Vietnam will exchange students under a new scholarship programme.",
]


def page(n: int) -> RawDocument:
    lead = TOPICS[n % len(TOPICS)]
    paragraphs = "".join(
        f"<p>{lead} Officials met for round {n} of talks in session {i}, and the delegations"
        f" reviewed {i + n} proposals over two days of meetings in the capital.</p>"
        for i in range(6)
    )
    html = (
        f"<html><head><title>Talks, round {n}</title></head><body><article>"
        f"<h1>Talks, round {n}</h1>{paragraphs}</article></body></html>"
    )
    url = f"https://news.example.org/{n}.html"
    return RawDocument(
        url=url,
        final_url=url,
        source="example",
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        content_type="text/html; charset=utf-8",
        body=html.encode(),
        entry=FeedEntry(url, f"Talks, round {n}", "A summary.", None, None, url),
    )


def essentials(batch: ProcessedBatch) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.article_id, r.body_text, tuple(a.area for a in r.areas)) for r in batch.records]


def test_workers_give_the_records_one_process_gives_in_the_same_order() -> None:
    docs = [page(n) for n in range(3 * MIN_PARALLEL)]
    here = process_documents(docs, TAXONOMY, workers=1)
    pooled = process_documents(docs, TAXONOMY, workers=2)
    assert len(here.records) == len(docs)
    assert essentials(pooled) == essentials(here)
    assert [r.raw_sha256 for r in pooled.records] == [d.raw_sha256 for d in docs]
    # the fingerprint dedup needs is computed beside extraction and travels with the record
    assert all(r.fingerprint is not None for r in pooled.records)
    assert pooled.seconds["extract"] > 0 and pooled.seconds["derive"] > 0


def test_a_page_with_no_text_fails_alone_in_a_worker() -> None:
    docs = [page(n) for n in range(2 * MIN_PARALLEL)]
    empty = RawDocument(
        url="https://news.example.org/empty.html",
        final_url="https://news.example.org/empty.html",
        source="example",
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        content_type="text/html",
        body=b"<html><body></body></html>",
    )
    docs.insert(5, empty)
    batch = process_documents(docs, TAXONOMY, workers=2)
    assert len(batch.records) == len(docs) - 1
    assert [(f.url, f.outcome) for f in batch.failures] == [(empty.url, "no_text")]


def test_a_dead_worker_costs_no_page() -> None:
    """A worker that dies (the OOM killer, a crash in C code) breaks the pool: the batch is
    done in a new pool, page by page for the chunks the broken one could not take."""
    shutdown_pool()
    docs = [page(n) for n in range(3 * MIN_PARALLEL)]
    process_documents(docs, TAXONOMY, workers=2)  # starts the workers
    pool = process._POOL.get(2)
    deadline = time.monotonic() + 30
    while len(pool._processes or {}) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(next(iter(pool._processes)), signal.SIGKILL)
    while not pool._broken and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool._broken
    batch = process_documents(docs, TAXONOMY, workers=2)
    assert batch.failures == []
    assert [r.url for r in batch.records] == [d.url for d in docs]
    assert process._POOL.get(2) is not pool  # a fresh pool took over


def test_a_warmed_pool_is_the_one_the_first_batch_uses() -> None:
    shutdown_pool()
    process.warm_pool(1)  # one worker means no pool at all
    assert process._POOL._executor is None
    process.warm_pool(2)  # returns at once; the pool is built in a thread
    deadline = time.monotonic() + 30
    while process._POOL._executor is None and time.monotonic() < deadline:
        time.sleep(0.01)
    pool = process._POOL._executor
    assert pool is not None
    while len(pool._processes or {}) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = set(pool._processes or {})
    docs = [page(n) for n in range(MIN_PARALLEL)]
    batch = process_documents(docs, TAXONOMY, workers=2)
    assert len(started) == 2 and set(pool._processes or {}) == started
    assert process._POOL.get(2) is pool and len(batch.records) == len(docs)


def _language_model_loaded() -> bool:
    from entente.ingest.language import identifier

    return identifier.cache_info().currsize == 1


def test_workers_start_with_the_language_model_loaded() -> None:
    """The forkserver loads the model once (ingest.preload); a worker does not load its own."""
    shutdown_pool()  # fresh workers, which have extracted nothing yet
    pool = process._POOL.get(2)
    assert pool.submit(_language_model_loaded).result(timeout=60)


def test_a_warm_up_overtaken_by_a_shutdown_starts_nothing() -> None:
    shutdown_pool()
    generation = process._POOL.generation
    shutdown_pool()  # what a run's end does while its warm-up thread is still starting
    process._warm(2, generation)
    assert process._POOL._executor is None


def test_workers_do_not_import_the_parent_main_module() -> None:
    """Under a main module that imports Prefect (a served flow run), the workers import
    only what they run: entente.ingest.preload keeps multiprocessing from importing the parent's
    __main__ in each of them."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.ingest.heavy_main"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["parent_has_prefect"] is True
    # each worker imported the probe's own module (to run it), and neither Prefect nor FastAPI
    assert report["workers"] == [["tests"]] * 4


# Run by the test below: a parent whose two workers are busy, killed outright by the test.
KILLED_PARENT = """
import os, sys, time
from entente.ingest import process
from tests.ingest.pool_probe import linger
pool = process._POOL.get(2)
jobs = [pool.submit(linger, 120) for _ in range(2)]
while len(pool._processes or {}) < 2:
    time.sleep(0.05)
time.sleep(1.0)  # both workers have taken their job
print(" ".join(str(pid) for pid in pool._processes), flush=True)
time.sleep(600)
"""


def test_busy_workers_die_with_a_parent_killed_outright() -> None:
    """Issue 20, item 14: SIGKILL gives the parent no chance to stop its pool; the workers
    (children of the forkserver, which ends with the parent) get a parent-death signal."""
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _alive(pid)] == []
    finally:
        with contextlib.suppress(OSError):
            os.killpg(parent.pid, signal.SIGKILL)
        for pid in workers:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in {"Z", "X"}
    except OSError:
        return False
