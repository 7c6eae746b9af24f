"""The driver every run uses: bounded look-ahead, overlap of the stages, no source held up by
another, and one function (`execute`) that ingest, backfill and reprocess all call."""

from __future__ import annotations

import inspect
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from entente.flows import driver
from entente.flows.demo import demo_sites, demo_sources_toml, feed_entries, serve_corpus
from entente.flows.driver import Stages, Started, started
from entente.flows.steps import SourceWork
from entente.flows.summary import RunSummary
from entente.ingest import process
from entente.ingest.collect import SourceHarvest
from entente.ingest.process import ProcessedBatch
from entente.ingest.settings import Source, load_settings
from entente.warehouse.load import LoadResult
from entente.warehouse.query import run_query

LOG = logging.getLogger("test")


class Recorder:
    """Fake stages that log what happens when, and how many jobs are under way at once."""

    def __init__(self, threads: ThreadPoolExecutor, slow: dict[str, float] | None = None) -> None:
        self.threads = threads
        self.slow = slow or {}
        self.events: list[str] = []
        self.lock = threading.Lock()
        self.harvesting = self.most_harvesting = 0
        self.processing = self.most_processing = 0
        self.storing = self.most_storing = 0
        self.harvests_before_first_done = 0
        self.first_done = False

    def log(self, event: str) -> None:
        with self.lock:
            self.events.append(event)

    def harvest(self, source: Source) -> Started:
        with self.lock:
            self.harvesting += 1
            self.most_harvesting = max(self.most_harvesting, self.harvesting)
            if not self.first_done:
                self.harvests_before_first_done += 1
        self.log(f"harvest {source.name}")

        def done() -> SourceWork:
            time.sleep(self.slow.get(source.name, 0.01))
            with self.lock:
                self.harvesting -= 1
                self.first_done = True
            ok = source.name != "s3"
            error = None if ok else "feed answered 500"
            return SourceWork(source.name, SourceHarvest(source.name, feed_ok=ok, error=error))

        return started(self.threads.submit(done))

    def process(self, work: SourceWork) -> Started:
        with self.lock:
            self.processing += 1
            self.most_processing = max(self.most_processing, self.processing)
        self.log(f"process {work.name}")

        def done() -> SourceWork:
            time.sleep(0.01)
            with self.lock:
                self.processing -= 1
            work.batch = ProcessedBatch(seconds={"extract": 0.5})
            return work

        return started(self.threads.submit(done))

    def store(self, work: SourceWork) -> Started:
        with self.lock:
            self.storing += 1
            self.most_storing = max(self.most_storing, self.storing)
        self.log(f"store {work.name}")

        def done() -> SourceWork:
            time.sleep(0.01)
            self.log(f"stored {work.name}")
            with self.lock:
                self.storing -= 1
            work.result = LoadResult(new=2, duplicates=1, area_counts={"energy": 1})
            return work

        return started(self.threads.submit(done))

    def stages(self) -> Stages[Source]:
        return Stages(self.harvest, self.process, self.store)


def sources(n: int) -> tuple[Source, ...]:
    return tuple(Source(name=f"s{i}", url=f"https://s{i}.example/feed") for i in range(n))


def summary() -> RunSummary:
    return RunSummary(run_id="r", flow="ingest", started_at=datetime.now(UTC))


def test_the_driver_overlaps_stages_within_a_bounded_look_ahead() -> None:
    counts = summary()
    with ThreadPoolExecutor(max_workers=8) as threads:
        recorder = Recorder(threads)
        driver.drive(sources(10), recorder.stages(), counts, LOG, lookahead=3)
    events = recorder.events
    # never more than the look-ahead of harvests at once, and the first source alone at the
    # start, so that its batch reaches the workers without sharing the network
    assert recorder.most_harvesting <= 3
    assert recorder.harvests_before_first_done == 1
    # one batch in the workers and one store at a time
    assert (recorder.most_processing, recorder.most_storing) == (1, 1)
    # every source is processed and stored once, each after its own processing
    stores = [e.split()[1] for e in events if e.startswith("store ")]
    assert sorted(stores) == sorted(s.name for s in sources(10))
    for name in stores:
        assert events.index(f"process {name}") < events.index(f"store {name}")
    assert counts.articles_new == 20 and counts.duplicates == 10
    assert counts.sources_failed == {"s3": "feed answered 500"}
    assert len(counts.sources_ok) == 9
    assert counts.stage_seconds["extract"] == pytest.approx(5.0)


def test_a_slow_harvest_holds_up_no_other_source() -> None:
    """The first source answers slowly: after `ramp` seconds the others start anyway, and
    each is stored as soon as it is processed, not after the slow one."""
    counts = summary()
    with ThreadPoolExecutor(max_workers=8) as threads:
        recorder = Recorder(threads, slow={"s0": 1.5})
        begun = time.monotonic()
        stored_at: dict[str, float] = {}

        def store(work: SourceWork) -> Started:
            step = recorder.store(work)
            step.done.add_done_callback(lambda _: stored_at.setdefault(work.name, time.monotonic()))
            return step

        stages = Stages(recorder.harvest, recorder.process, store)
        driver.drive(sources(5), stages, counts, LOG, lookahead=3, ramp=0.1)
    assert set(stored_at) == {f"s{i}" for i in range(5)}
    others = max(at for name, at in stored_at.items() if name != "s0") - begun
    assert others < 1.0, f"the other sources waited {others:.2f} s for the slow one"
    assert stored_at["s0"] - begun >= 1.5


def test_a_failing_run_still_waits_for_the_store_in_flight() -> None:
    """When a batch's processing fails, the store already started ends and is counted
    before the error reaches the caller (which then records the crash)."""
    counts = summary()
    stored = threading.Event()
    with ThreadPoolExecutor(max_workers=8) as threads:
        recorder = Recorder(threads)

        def process(work: SourceWork) -> Started:
            if work.name != "s1":
                return recorder.process(work)

            def fail() -> SourceWork:
                time.sleep(0.05)  # s0's store is under way by then
                raise RuntimeError("worker pool gone")

            return started(threads.submit(fail))

        def store(work: SourceWork) -> Started:
            def slow() -> SourceWork:
                time.sleep(0.3)
                stored.set()
                work.result = LoadResult(new=2, duplicates=0, area_counts={})
                return work

            return started(threads.submit(slow))

        stages = Stages(recorder.harvest, process, store)
        with pytest.raises(RuntimeError, match="worker pool gone"):
            driver.drive(sources(3), stages, counts, LOG, lookahead=1)
        assert stored.is_set()
    assert counts.articles_new == 2  # s0's store, counted


def test_a_plain_run_loads_what_the_flow_loads(tmp_path: Path) -> None:
    """The pipeline without Prefect, over the demo corpus: every article, every site."""
    with serve_corpus() as origin:
        path = tmp_path / "sources.toml"
        path.write_text(demo_sources_toml(origin, demo_sites()), "utf-8")
        settings = load_settings(str(tmp_path / "plain.duckdb"), str(path))
        counts = driver.run_plain(settings, settings.sources)
    assert counts.status == "completed"
    assert counts.sources_failed == {}
    _, rows = run_query(settings.db_path, "SELECT count(*), count(DISTINCT source) FROM articles")
    assert rows == [(counts.articles_new, len(demo_sites()))]
    assert counts.articles_new >= 30
    _, runs = run_query(settings.db_path, "SELECT status, articles_new FROM runs")
    assert runs == [("completed", counts.articles_new)]


def test_every_flow_runs_through_the_one_driver() -> None:
    """ingest, backfill and reprocess each call run_flow, which calls driver.execute; the
    plain run calls it too. Nothing else drives sources."""
    from entente.flows import backfill, ingest, reprocess

    for module in (ingest, backfill, reprocess):
        assert "run_flow(" in inspect.getsource(module), module.__name__
    assert "driver.execute(" in inspect.getsource(ingest.run_flow)
    assert "execute(" in inspect.getsource(driver.run_plain)


def test_a_run_of_small_batches_starts_no_extraction_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sources of fewer new pages than a batch needs to go to the workers (most scheduled
    runs) are extracted in the run's own process, and no worker is started for nothing; a
    harvest about to fetch a bigger batch starts them while it fetches."""
    monkeypatch.setenv("ENTENTE_WORKERS", "2")
    small = [s for s in demo_sites() if feed_entries(s) < process.MIN_PARALLEL]
    assert small
    process.shutdown_pool()
    with serve_corpus() as origin:
        path = tmp_path / "sources.toml"
        path.write_text(demo_sources_toml(origin, small), "utf-8")
        settings = load_settings(str(tmp_path / "small.duckdb"), str(path))
        assert driver.run_plain(settings, settings.sources).articles_new > 0
    assert not process._POOL.running(2)
    driver._warm_for(process.MIN_PARALLEL - 1)
    assert not process._POOL.running(2)
    driver._warm_for(process.MIN_PARALLEL)
    deadline = time.monotonic() + 10  # the pool is built in a thread
    while not process._POOL.running(2) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process._POOL.running(2)
    process.shutdown_pool()
