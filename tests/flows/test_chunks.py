"""A backfill in chunks: how the window is split, how many run at once, and what sums them.

The chunks' runs on real workers are tested end to end in test_pool_e2e.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from entente.flows.backfill import CHUNK_OWN, backfill_chunk_flow, backfill_flow, chunks_at_once
from entente.flows.chunks import Chunk, ChunkResult, chunks_summary, run_chunks, split_window
from entente.ingest.discover import Window
from entente.ingest.settings import load_settings
from entente.transforms.errors import EntenteError
from tests.archive_site import ArchiveSite
from tests.loopback import free_port_refusing, serve


def test_a_window_splits_into_iso_weeks_per_source_newest_first() -> None:
    # Wednesday 2026-11-04 to Tuesday 2026-11-17: three weeks, the outer two clipped.
    chunks = split_window(Window.from_days(date(2026, 11, 4), date(2026, 11, 17)), ["a", "b"])
    assert [(c.source, c.first, c.last) for c in chunks] == [
        ("a", date(2026, 11, 16), date(2026, 11, 17)),
        ("b", date(2026, 11, 16), date(2026, 11, 17)),
        ("a", date(2026, 11, 9), date(2026, 11, 15)),
        ("b", date(2026, 11, 9), date(2026, 11, 15)),
        ("a", date(2026, 11, 4), date(2026, 11, 8)),
        ("b", date(2026, 11, 4), date(2026, 11, 8)),
    ]
    assert [c.week for c in chunks[::2]] == ["2026-W47", "2026-W46", "2026-W45"]
    assert chunks[0].name == "a-2026-W47"


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2025, 12, 29), date(2026, 1, 4)),  # one ISO week across a new year
        (date(2026, 2, 3), date(2026, 5, 30)),
        (date(2024, 12, 30), date(2025, 1, 12)),
    ],
)
def test_the_weeks_cover_the_window_once(since: date, until: date) -> None:
    chunks = split_window(Window.from_days(since, until), ["only"])
    days = [c.first + timedelta(days=i) for c in chunks for i in range((c.last - c.first).days + 1)]
    assert sorted(days) == [since + timedelta(days=i) for i in range((until - since).days + 1)]
    assert all(c.first.isocalendar()[:2] == c.last.isocalendar()[:2] for c in chunks)
    assert len({c.week for c in chunks}) == len(chunks)


class Pool:
    """Flow runs that end in the order they were started, `per_poll` at each poll."""

    def __init__(self, per_poll: int = 1, states: Mapping[str, str] | None = None) -> None:
        self.per_poll = per_poll
        self.states = states or {}
        self.started: list[str] = []
        self.running: list[str] = []
        self.most = 0

    def start(self, chunk: Chunk) -> str:
        assert chunk.source not in {r.split("/")[0] for r in self.running}, "same source twice"
        run_id = f"{chunk.source}/{chunk.week}"
        self.started.append(run_id)
        self.running.append(run_id)
        self.most = max(self.most, len(self.running))
        return run_id

    def ended(self, ids: Sequence[str]) -> dict[str, str]:
        assert sorted(ids) == sorted(self.running)
        done, self.running = self.running[: self.per_poll], self.running[self.per_poll :]
        return {r: self.states.get(r, "Completed") for r in done}


def test_chunks_run_at_most_so_many_at_once_and_never_two_of_one_source() -> None:
    chunks = split_window(Window.from_days(date(2026, 10, 5), date(2026, 11, 1)), ["a", "b", "c"])
    pool = Pool(per_poll=2)
    ended: list[tuple[Chunk, str]] = []
    done = run_chunks(
        chunks,
        pool.start,
        pool.ended,
        3,
        pause=lambda: None,
        on_end=lambda c, s: ended.append((c, s)),
    )
    assert pool.most == 3
    assert sorted(pool.started) == sorted(f"{c.source}/{c.week}" for c in chunks)
    assert [(c, s) for c, _, s in done] == ended
    assert len(done) == len(chunks) == 12

    one = Pool()
    run_chunks(chunks, one.start, one.ended, 1, pause=lambda: None)
    assert one.most == 1
    assert one.started == [f"{c.source}/{c.week}" for c in chunks], "in the window's order"

    two_sources = Pool(per_poll=5)
    of_two = [c for c in chunks if c.source != "c"]
    run_chunks(of_two, two_sources.start, two_sources.ended, 8, pause=lambda: None)
    assert two_sources.most == 2, "one chunk per source at a time, however many are allowed"


def test_a_failed_chunk_ends_as_itself_and_the_rest_go_on() -> None:
    chunks = split_window(Window.from_days(date(2026, 11, 2), date(2026, 11, 15)), ["a"])
    pool = Pool(states={"a/2026-W46": "Failed"})
    done = run_chunks(chunks, pool.start, pool.ended, 1, pause=lambda: None)
    assert [(c.week, s) for c, _, s in done] == [("2026-W46", "Failed"), ("2026-W45", "Completed")]


def test_the_parent_sums_its_chunks() -> None:
    a, b = split_window(Window.from_days(date(2026, 11, 9), date(2026, 11, 15)), ["a", "b"])
    results = [ChunkResult(a, "Completed", 10, 7, 1), ChunkResult(b, "Crashed")]
    summary = chunks_summary(results)
    assert summary["status"] == "completed"
    assert (summary["chunks"], summary["chunks_completed"]) == (2, 1)
    assert (summary["fetched"], summary["stored"], summary["failed"]) == (10, 7, 1)
    assert "crashed: b-2026-W46" in str(summary["text"])
    assert results[0].row() == {
        "source": "a",
        "week": "2026-W46",
        "days": "2026-11-09..2026-11-15",
        "pages": 10,
        "stored": 7,
        "failed": 1,
        "state": "Completed",
    }
    assert chunks_summary([replace(results[0], state="Failed")])["status"] == "failed"


def test_a_duckdb_file_takes_one_chunk_at_a_time_and_a_lake_many(tmp_path: Path) -> None:
    settings = load_settings(str(tmp_path / "w.duckdb"), None, environ={})
    assert chunks_at_once(settings, 8) == 1
    lake = load_settings(None, None, environ={}, lake="postgres:dbname=entente")
    assert chunks_at_once(lake, 8) == 8


def test_a_chunk_takes_every_parameter_of_its_parent_but_the_split_ones() -> None:
    parent = set(backfill_flow.parameters.properties)
    chunk = set(backfill_chunk_flow.parameters.properties)
    assert chunk - CHUNK_OWN == parent - {"since", "until", "only", "chunked", "chunks_at_once"}
    assert backfill_chunk_flow.retries, "a chunk that fails is retried alone"


@pytest.mark.usefixtures("prefect_harness")
def test_a_chunk_publishes_its_row_and_raises_when_its_source_failed(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    today = datetime.now(UTC).date()
    db = tmp_path / "chunk.duckdb"
    dead = f"http://127.0.0.1:{free_port_refusing()}/feed"
    with serve() as loopback:
        site = ArchiveSite(loopback, today)
        sources = site.sources_toml(
            tmp_path / "s.toml", f'[[sources]]\nname = "dead"\nurl = "{dead}"\n'
        )
        since, until = today - timedelta(days=60), today - timedelta(days=1)
        result = backfill_chunk_flow(
            source="gazette", since=since, until=until, sources=str(sources), db=str(db)
        )
        assert isinstance(result, dict) and result["articles_new"] == len(
            {u for u in site.in_window(since, until) if "/gazette/" in u}
        )
        failing = backfill_chunk_flow.with_options(retries=0)
        with pytest.raises(EntenteError, match=r"chunk dead-.* failed: cannot connect"):
            failing(source="dead", since=since, until=until, sources=str(sources), db=str(db))
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["backfill-chunk"]))
        )
    rows = {str(a.data) for a in artifacts}
    assert any(
        '"source": "gazette"' in r and f'"stored": {result["articles_new"]}' in r for r in rows
    )
    assert any('"source": "dead"' in r for r in rows)


@pytest.mark.usefixtures("prefect_harness")
def test_chunked_without_the_chunk_deployment_fails_in_one_line(tmp_path: Path) -> None:
    sources = tmp_path / "s.toml"
    sources.write_text('[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n')
    state = backfill_flow(
        since=date(2026, 11, 2),
        until=date(2026, 11, 15),
        sources=str(sources),
        db=str(tmp_path / "w.duckdb"),
        chunked=True,
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(EntenteError, match="entente deploy --pool NAME") as error:
        state.result()
    assert "\n" not in str(error.value)
    assert not (tmp_path / "w.duckdb").exists(), "nothing was run"
