"""A backfill on a work pool, in chunks: one flow run per source and week.

The backfill deployment that `entente deploy` registers starts each chunk as a run of the
`backfill-chunk` deployment (`run_deployment`), so the pool's workers share them, each shows
in the Prefect UI under its parent, and a chunk that fails is retried alone (the chunk flow's
own retries). The parent waits for them and sums their results in one table artifact.

How many run at once is the warehouse's: a DuckDB file takes one writer, so one chunk at a
time; a lake takes many. Never two chunks of one source at once: politeness towards a
publisher is kept per process, and two workers walking one site would double its load.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from entente.flows.summary import RunSummary
from entente.ingest.discover import Window
from entente.transforms.errors import ConfigError

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

CHUNK_DEPLOYMENT = "backfill-chunk/backfill-chunk"
CHUNK_ARTIFACT = "backfill-chunk"  # each chunk's own one-row table
CHUNKS_ARTIFACT = "backfill-chunks"  # the parent's table of every chunk
POLL_SECONDS = 1.0
FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})


@dataclass(frozen=True, slots=True)
class Chunk:
    """One source over one ISO week (Monday to Sunday), clipped to the backfill's window."""

    source: str
    first: date
    last: date

    @property
    def week(self) -> str:
        year, week, _ = self.first.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def name(self) -> str:
        return f"{self.source}-{self.week}"


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What a chunk did, as its own artifact says, and the state its flow run ended in."""

    chunk: Chunk
    state: str
    pages: int = 0
    stored: int = 0
    failed: int = 0

    def row(self) -> dict[str, object]:
        return {
            "source": self.chunk.source,
            "week": self.chunk.week,
            "days": f"{self.chunk.first}..{self.chunk.last}",
            "pages": self.pages,
            "stored": self.stored,
            "failed": self.failed,
            "state": self.state,
        }


def split_window(window: Window, sources: Sequence[str]) -> list[Chunk]:
    """One chunk per source and week, the newest week first (a walk back through a source's
    archive reaches it soonest), each week's sources in the order given."""
    first = window.start.date()
    last = (window.end - timedelta(days=1)).date()
    weeks: list[tuple[date, date]] = []
    monday = last - timedelta(days=last.weekday())
    while monday + timedelta(days=6) >= first:
        weeks.append((max(monday, first), min(monday + timedelta(days=6), last)))
        monday -= timedelta(days=7)
    return [Chunk(source, a, b) for a, b in weeks for source in sources]


def chunk_counts(summary: RunSummary) -> dict[str, int]:
    """A chunk's numbers for its row: pages fetched, articles stored, pages that failed."""
    return {
        "pages": summary.fetched,
        "stored": summary.articles_new + summary.articles_replaced,
        "failed": summary.fetch_failures + summary.extraction_failures,
    }


def run_chunks(
    chunks: Iterable[Chunk],
    start: Callable[[Chunk], str],
    ended: Callable[[Sequence[str]], Mapping[str, str]],
    at_once: int,
    pause: Callable[[], None] = lambda: time.sleep(POLL_SECONDS),
    on_end: Callable[[Chunk, str], None] = lambda chunk, state: None,
) -> list[tuple[Chunk, str, str]]:
    """Start every chunk, at most `at_once` at a time and never two of one source, and wait
    for each to end. `start` gives a run's id; `ended` maps the ids of the runs that have
    ended to their final state. Gives (chunk, run id, state) in the order they ended."""
    pending = list(chunks)
    running: dict[str, Chunk] = {}
    done: list[tuple[Chunk, str, str]] = []
    while pending or running:
        busy = {c.source for c in running.values()}
        for chunk in list(pending):
            if len(running) >= max(1, at_once):
                break
            if chunk.source in busy:
                continue
            pending.remove(chunk)
            busy.add(chunk.source)
            running[start(chunk)] = chunk
        pause()
        for run_id, state in ended(list(running)).items():
            chunk = running.pop(run_id)
            done.append((chunk, run_id, state))
            on_end(chunk, state)
    return done


def chunks_summary(results: Sequence[ChunkResult]) -> dict[str, object]:
    """The parent's return: the chunks' sums, and a line per chunk that did not complete."""
    completed = sum(r.state == "Completed" for r in results)
    pages, stored, failed = (
        sum(getattr(r, k) for r in results) for k in ("pages", "stored", "failed")
    )
    lines = [
        f"backfill in {len(results)} chunks: {completed} completed, {len(results) - completed} not",
        f"  pages fetched: {pages}, articles stored: {stored}, failed: {failed}",
    ]
    lines += [f"  {r.state.lower()}: {r.chunk.name}" for r in results if r.state != "Completed"]
    return {
        "text": "\n".join(lines),
        "status": "completed" if completed or not results else "failed",
        "chunks": len(results),
        "chunks_completed": completed,
        "fetched": pages,
        "stored": stored,
        "failed": failed,
    }


# --- on Prefect -----------------------------------------------------------------------------


def backfill_in_chunks(
    chunks: Sequence[Chunk], shared: Mapping[str, Any], at_once: int
) -> list[ChunkResult]:
    """Run `chunks` as `backfill-chunk` flow runs under the current flow run, publish their
    table and a progress bar as artifacts, and give each chunk's result."""
    from prefect import get_run_logger
    from prefect.artifacts import (
        create_progress_artifact,
        create_table_artifact,
        update_progress_artifact,
    )
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.deployments import run_deployment
    from prefect.runtime import flow_run

    log = get_run_logger()
    require_chunk_deployment()
    parent = str(flow_run.get_id() or "")
    # Both are typed for sync and async callers alike; in a sync flow they are sync.
    progress = cast(UUID, create_progress_artifact(0.0, description=f"{len(chunks)} chunks"))
    ended_count = 0

    def start(chunk: Chunk) -> str:
        params = {**shared, "source": chunk.source, "since": str(chunk.first)}
        params["until"] = str(chunk.last)
        run = run_deployment(
            CHUNK_DEPLOYMENT,
            parameters=params,
            timeout=0,
            flow_run_name=f"backfill-{chunk.name}",
            tags=["entente", "backfill-chunk"],
            # a parent run again (a retry) finds the chunks it already started
            idempotency_key=f"{parent}:{chunk.name}" if parent else None,
        )
        return str(cast("FlowRun", run).id)

    def ended(ids: Sequence[str]) -> dict[str, str]:
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(ids)))  # type: ignore[arg-type]
            )
        return {
            str(r.id): r.state.name or r.state.type.value.title()
            for r in runs
            if r.state is not None and r.state.type.value in FINAL_STATES
        }

    def on_end(chunk: Chunk, state: str) -> None:
        nonlocal ended_count
        ended_count += 1
        log.info("chunk %s: %s (%d of %d)", chunk.name, state, ended_count, len(chunks))
        update_progress_artifact(progress, 100.0 * ended_count / max(1, len(chunks)))

    done = run_chunks(chunks, start, ended, at_once, on_end=on_end)
    counts = chunk_artifacts([run_id for _, run_id, _ in done])
    order = {chunk: i for i, chunk in enumerate(chunks)}
    results = sorted(
        (ChunkResult(chunk, state, **counts.get(run_id, {})) for chunk, run_id, state in done),
        key=lambda r: order[r.chunk],
    )
    summary = chunks_summary(results)
    create_table_artifact(
        key=CHUNKS_ARTIFACT,
        table=[r.row() for r in results],
        description=str(summary["text"]).splitlines()[0],
    )
    return results


def require_chunk_deployment() -> None:
    """Refuse, in one line, a chunked backfill where no `backfill-chunk` is registered (a
    run with chunked=True of the backfill that `serve` registers)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(CHUNK_DEPLOYMENT)
        except ObjectNotFound:
            raise ConfigError(
                f"a backfill in chunks starts runs of the {CHUNK_DEPLOYMENT} deployment, and"
                " there is none: register it with `entente deploy --pool NAME`, or run the"
                " backfill with chunked off"
            ) from None


def chunk_artifacts(run_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each chunk run's counts from its own artifact (its last attempt's, when retried)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    if not run_ids:
        return {}
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[CHUNK_ARTIFACT]),
                flow_run_id=ArtifactFilterFlowRunId(any_=list(run_ids)),  # type: ignore[arg-type]
            )
        )
    counts: dict[str, dict[str, int]] = {}
    for artifact in sorted(artifacts, key=lambda a: str(a.created)):
        data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
        if isinstance(data, list) and data and isinstance(data[0], dict):
            row = data[0]
            counts[str(artifact.flow_run_id)] = {
                k: int(row.get(k) or 0) for k in ("pages", "stored", "failed")
            }
    return counts
