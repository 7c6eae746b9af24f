"""The driver both runs use: bounded look-ahead, overlap of processing and storing, order."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from entente.flows import steps
from entente.flows.demo import demo_sites, demo_sources_toml, serve_corpus
from entente.ingest.collect import SourceHarvest
from entente.ingest.process import ProcessedBatch
from entente.ingest.settings import Source, load_settings
from entente.warehouse.load import LoadResult
from entente.warehouse.query import run_query

LOG = logging.getLogger("test")


class Recorder:
    """Fake stages that log what happens when, and how many harvests are held at once."""

    def __init__(self, threads: ThreadPoolExecutor) -> None:
        self.threads = threads
        self.events: list[str] = []
        self.lock = threading.Lock()
        self.started = 0
        self.consumed = 0
        self.most_ahead = 0
        self.started_before_first_taken = 0

    def log(self, event: str) -> None:
        with self.lock:
            self.events.append(event)

    def harvest(self, source: Source) -> Callable[[], tuple[SourceHarvest, list[str]]]:
        with self.lock:
            self.started += 1
            self.most_ahead = max(self.most_ahead, self.started - self.consumed)
        self.log(f"harvest {source.name}")

        def done() -> tuple[SourceHarvest, list[str]]:
            ok = source.name != "s3"
            error = None if ok else "feed answered 500"
            return SourceHarvest(source=source.name, feed_ok=ok, error=error), []

        future = self.threads.submit(done)

        def taken() -> tuple[SourceHarvest, list[str]]:
            # counted when the driver takes the harvest, not when a thread finishes it
            with self.lock:
                if self.consumed == 0:
                    self.started_before_first_taken = self.started
                self.consumed += 1
            return future.result()

        return taken

    def process(self, harvest: SourceHarvest, keys: list[str]) -> Callable[[], ProcessedBatch]:
        self.log(f"process {harvest.source}")
        return lambda: ProcessedBatch(seconds={"extract": 0.5})

    def store(
        self, harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
    ) -> Callable[[], LoadResult]:
        self.log(f"store {harvest.source}")

        def done() -> LoadResult:
            self.log(f"stored {harvest.source}")
            return LoadResult(new=2, duplicates=1, area_counts={"energy": 1})

        return done


def test_the_driver_overlaps_stages_within_a_bounded_look_ahead() -> None:
    sources = tuple(Source(name=f"s{n}", url=f"https://s{n}.example/feed") for n in range(10))
    summary = steps.RunSummary(run_id="r", flow="ingest", started_at=datetime.now(UTC))
    with ThreadPoolExecutor(max_workers=4) as threads:
        recorder = Recorder(threads)
        stages = steps.Stages(recorder.harvest, recorder.process, recorder.store)
        steps.drive(sources, stages, summary, LOG, lookahead=3)
    events = recorder.events
    # never more than the look-ahead of harvests started and not yet taken up, and the first
    # source alone at the start, so that its batch reaches the workers without sharing
    assert recorder.most_ahead == 3
    assert recorder.started_before_first_taken == 1
    # every source is processed and stored once, in order
    assert [e for e in events if e.startswith("store ")] == [f"store s{n}" for n in range(10)]
    # a source's batch is sent to processing before the previous one is stored, and a store
    # starts only once the one before it has ended
    for n in range(1, 10):
        assert events.index(f"process s{n}") < events.index(f"store s{n - 1}")
        assert events.index(f"stored s{n - 1}") < events.index(f"store s{n}")
    assert events[-1] == "stored s9"
    assert summary.articles_new == 20 and summary.duplicates == 10
    assert summary.sources_failed == {"s3": "feed answered 500"}
    assert len(summary.sources_ok) == 9
    assert summary.stage_seconds["extract"] == pytest.approx(5.0)


def test_a_plain_run_loads_what_the_flow_loads(tmp_path: Path) -> None:
    """The pipeline without Prefect, over the demo corpus: every article, every site."""
    with serve_corpus() as origin:
        sources = tmp_path / "sources.toml"
        sources.write_text(demo_sources_toml(origin, demo_sites()), "utf-8")
        settings = load_settings(str(tmp_path / "plain.duckdb"), str(sources))
        summary = steps.run_plain(settings, settings.sources)
    assert summary.status == "completed"
    assert summary.sources_failed == {}
    _, rows = run_query(settings.db_path, "SELECT count(*), count(DISTINCT source) FROM articles")
    assert rows == [(summary.articles_new, len(demo_sites()))]
    assert summary.articles_new >= 30
    _, runs = run_query(settings.db_path, "SELECT status, articles_new FROM runs")
    assert runs == [("completed", summary.articles_new)]


def test_a_failing_run_still_waits_for_the_store_in_flight() -> None:
    """When a batch's processing fails, the previous source's store, already started, ends
    and is counted before the error reaches the caller (which then records the crash)."""
    sources = tuple(Source(name=f"s{n}", url=f"https://s{n}.example/feed") for n in range(3))
    summary = steps.RunSummary(run_id="r", flow="ingest", started_at=datetime.now(UTC))
    stored = threading.Event()
    with ThreadPoolExecutor(max_workers=4) as threads:
        recorder = Recorder(threads)

        def process(harvest: SourceHarvest, keys: list[str]) -> Callable[[], ProcessedBatch]:
            if harvest.source != "s1":
                return recorder.process(harvest, keys)

            def fail() -> ProcessedBatch:
                raise RuntimeError("worker pool gone")

            return fail

        def store(
            harvest: SourceHarvest, keys: list[str], batch: ProcessedBatch
        ) -> Callable[[], LoadResult]:
            def slow() -> LoadResult:
                time.sleep(0.3)
                stored.set()
                return LoadResult(new=2, duplicates=0, area_counts={})

            return threads.submit(slow).result

        stages = steps.Stages(recorder.harvest, process, store)
        with pytest.raises(RuntimeError, match="worker pool gone"):
            steps.drive(sources, stages, summary, LOG, lookahead=3)
        assert stored.is_set()
    assert summary.articles_new == 2  # s0's store, counted
