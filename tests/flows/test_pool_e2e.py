"""End to end on a work pool: a real Prefect server, `entente deploy --pool`, two real
`prefect worker start` processes, a chunked backfill and a scheduled-style ingest at once, and
`entente sql` reading while they write; into a DuckDB file, and into a lake on a real
PostgreSQL server. The result must equal a serial `entente backfill` and `entente run` into a
fresh warehouse of the same kind.

One Prefect server, one loopback archive and the two workers are shared by the module: each
test deploys onto the pool again, pointed at its own warehouse, as one would move a pool to a
new warehouse, and finds its runs by their ids and their parent.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import entente
from entente.flows.chunks import CHUNKS_ARTIFACT, split_window
from entente.ingest.discover import Window
from tests.archive_site import ArchiveSite
from tests.flows.served import REPO, PrefectServer, prefect_server, spawn, stop, tail, wait_for
from tests.loopback import serve
from tests.postgres import Server

# The shared server and workers start inside the first test's time budget.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

POOL = "entente-e2e"
TABLES = ("articles", "article_areas", "article_countries", "raw_documents", "stories")
# Denser than the default archive: an article every 2 (ledger) and 3 (gazette) days, so
# each week of each source holds a few, on archive pages four entries long.
LEDGER_DAYS = tuple(range(1, 61, 2))
GAZETTE_DAYS = tuple(range(2, 62, 3))


@dataclass(frozen=True)
class Warehouse:
    """A warehouse the commands are pointed at: its options, and a reader for the checks."""

    options: list[str]
    connect: Callable[[], Any]

    def counts(self) -> dict[str, int]:
        with self.connect() as con:
            return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def urls(self) -> list[str]:
        with self.connect() as con:
            return [r[0] for r in con.execute("SELECT url FROM articles").fetchall()]

    def distinct_ids(self) -> tuple[int, int]:
        with self.connect() as con:
            row = con.execute(
                "SELECT count(DISTINCT article_id), count(*) FROM articles"
            ).fetchone()
        return int(row[0]), int(row[1])


def a_file(path: Path) -> Warehouse:
    return Warehouse(["--db", str(path)], lambda: entente.connect(path))


def a_lake(postgres: Server, files: Path) -> Warehouse:
    catalog = postgres.catalog(postgres.new_database("pool"))
    return Warehouse(
        ["--lake", catalog, "--lake-data", str(files)], lambda: entente.connect(lake=catalog)
    )


def entente_cli(args: list[str], env: dict[str, str], log: Path, timeout: float = 120) -> None:
    process = spawn(["-m", "entente", *args], env, log)
    try:
        assert process.wait(timeout) == 0, tail(log)
    finally:
        stop(process)


@dataclass
class Cluster:
    """A Prefect server, a loopback archive, and two workers on the pool once it is deployed."""

    server: PrefectServer
    site: ArchiveSite
    sources: Path
    env: dict[str, str]
    logs: Path
    workers: list[subprocess.Popen[bytes]]

    def deploy(self, warehouse: Warehouse, log: Path) -> None:
        """`entente deploy --pool` onto `warehouse`, then two workers on the pool (started
        by the first deploy, which creates the pool; later deploys find it)."""
        first = not self.workers
        entente_cli(
            ["deploy", "--pool", POOL, *warehouse.options, "--sources", str(self.sources)],
            self.env,
            log,
        )
        deploy_out = log.read_text()
        pool_line = f"work pool '{POOL}': {'created' if first else 'exists'} (process)"
        assert pool_line in deploy_out, deploy_out
        for name in ("ingest/ingest", "backfill/backfill", "reprocess/reprocess"):
            assert f"deployment {name}: registered" in deploy_out
        backfill = self.server.get("/deployments/name/backfill/backfill")
        assert backfill["work_pool_name"] == POOL
        assert backfill["entrypoint"] == "entente.flows.backfill.backfill_flow"
        assert backfill["parameters"]["chunked"] is True
        # each deploy points the deployments at its own warehouse
        expected = _deployed_warehouse(warehouse)
        assert {k: backfill["parameters"].get(k) for k in expected} == expected
        if first:
            self.workers.extend(
                spawn(
                    ["-m", "prefect", "worker", "start", "--pool", POOL, "--name", f"w{i}"],
                    self.env,
                    self.logs / f"worker{i}.log",
                )
                for i in (1, 2)
            )
        wait_for(
            "two workers online",
            lambda: (
                len(
                    [
                        w
                        for w in self.server.post(f"/work_pools/{POOL}/workers/filter", {})
                        if w["status"] == "ONLINE"
                    ]
                )
                == 2
            ),
            60,
            self.logs / "worker1.log",
        )

    def worker_tails(self) -> str:
        return tail(self.logs / "worker1.log") + tail(self.logs / "worker2.log")


def _deployed_warehouse(warehouse: Warehouse) -> dict[str, str]:
    """The deployment parameters that `warehouse.options` should have set."""
    names = {"--db": "db", "--lake": "lake", "--lake-data": "lake_data"}
    options = warehouse.options
    return {
        names[flag]: str(Path(value).resolve()) if flag == "--db" else value
        for flag, value in zip(options[::2], options[1::2], strict=True)
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, prefect_database: Path) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("pool-e2e")
    logs = root / "logs"
    logs.mkdir()
    today = datetime.now(UTC).date()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        with (
            prefect_server(root / "prefect-home", prefect_database, logs / "server.log") as server,
            serve() as loopback,
        ):
            site = ArchiveSite(loopback, today, LEDGER_DAYS, GAZETTE_DAYS)
            sources = site.sources_toml(root / "sources.toml")
            env = server.env(
                PREFECT_WORKER_QUERY_SECONDS="1",
                PREFECT_WORKER_PREFETCH_SECONDS="5",
            )
            try:
                yield Cluster(server, site, sources, env, logs, workers)
            finally:
                for worker in workers:
                    stop(worker)
    finally:
        # Kept where people look for them (gitignored).
        shutil.copytree(logs, REPO / "artifacts" / "pool-e2e-logs" / "shared", dirs_exist_ok=True)


@pytest.fixture
def logs(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    folder = tmp_path / "logs"
    folder.mkdir()
    try:
        yield folder
    finally:
        # Kept where people look for them (gitignored).
        keep = REPO / "artifacts" / "pool-e2e-logs" / request.node.name
        shutil.copytree(folder, keep, dirs_exist_ok=True)


def test_chunked_backfill_and_ingest_on_two_workers(
    cluster: Cluster, tmp_path: Path, logs: Path
) -> None:
    spans = chunked_backfill_and_ingest(
        cluster, logs, a_file(tmp_path / "pool.duckdb"), a_file(tmp_path / "serial.duckdb")
    )
    # One writer: the file's chunks ran one after the other, each started by the parent
    # only once the one before had ended.
    ordered = sorted((start, end) for _, start, end in spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ordered))
    dispatched = sorted((created, end) for created, _, end in spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(dispatched)), dispatched


def test_chunked_backfill_and_ingest_on_two_workers_into_a_lake(
    cluster: Cluster, tmp_path: Path, logs: Path, postgres: Server
) -> None:
    spans = chunked_backfill_and_ingest(
        cluster,
        logs,
        a_lake(postgres, tmp_path / "pool-files"),
        a_lake(postgres, tmp_path / "serial-files"),
    )
    # Many writers: the parent started the lake's chunks (two sources) side by side, a chunk
    # before the other had ended. (Whether their processes then overlap depends on how fast
    # each starts: a chunk's work is a second or two, its process start several.)
    dispatched = sorted((created, end) for created, _, end in spans)
    assert any(a[1] > b[0] for a, b in itertools.pairwise(dispatched)), dispatched


def chunked_backfill_and_ingest(
    cluster: Cluster, logs: Path, pool: Warehouse, serial: Warehouse
) -> list[tuple[datetime, datetime, datetime]]:
    """The scenario on `pool`, checked against the serial runs into `serial`; gives the
    chunk runs' (created, start, end) times: created is when the parent started the chunk."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server, site, env = cluster.server, cluster.site, cluster.env
    today = site.today
    # Monday two weeks back to last Sunday: two whole weeks, four chunks
    since = today - timedelta(days=today.weekday() + 14)
    until = since + timedelta(days=13)
    cluster.deploy(pool, logs / "deploy.log")

    reads: list[tuple[int, str]] = []
    with temporary_settings(updates={PREFECT_API_URL: server.api}):
        parent = run_deployment(
            "backfill/backfill",
            parameters={"since": str(since), "until": str(until)},
            timeout=0,
        )
        ingest = run_deployment("ingest/ingest", timeout=0)
    runs = {"backfill": str(parent.id), "ingest": str(ingest.id)}  # type: ignore[union-attr]

    # The same work, one run after the other, into a fresh warehouse of its own: it shares
    # nothing with the pool's runs but the archive they read, so it runs while they do.
    plain = [*serial.options, "--sources", str(cluster.sources)]
    window = ["--since", str(since), "--until", str(until)]

    def serial_runs() -> None:
        entente_cli(["backfill", *plain, *window], env, logs / "serial-backfill.log")
        entente_cli(["run", *plain], env, logs / "serial-run.log")

    def final(run_id: str) -> str | None:
        state: str = server.get(f"/flow_runs/{run_id}")["state_type"]
        return state if state in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

    with ThreadPoolExecutor(1) as serially:
        serial_done = serially.submit(serial_runs)
        stop_reading = threading.Event()
        reader = threading.Thread(
            target=_read_while, args=(pool, env, reads, stop_reading), daemon=True
        )
        reader.start()
        try:
            ends = {
                name: wait_for(name, lambda r=run_id: final(r), 240, cluster.logs / "worker1.log")
                for name, run_id in runs.items()
            }
        finally:
            stop_reading.set()
            reader.join(60)
    assert ends == {"backfill": "COMPLETED", "ingest": "COMPLETED"}, cluster.worker_tails()
    # the backfill's chunks: runs of the chunk deployment under this backfill
    chunk_runs = server.post(
        "/flow_runs/filter",
        {
            "flow_runs": {
                "tags": {"all_": ["backfill-chunk"]},
                "parent_flow_run_id": {"any_": [runs["backfill"]]},
            }
        },
    )
    artifacts = server.post(
        "/artifacts/filter",
        {
            "artifacts": {
                "key": {"any_": [CHUNKS_ARTIFACT]},
                "flow_run_id": {"any_": [runs["backfill"]]},
            }
        },
    )

    # Every chunk ran as its own flow run, and the parent's table shows each one.
    chunks = split_window(Window.from_days(since, until), ["ledger", "gazette"])
    assert len(chunks) == 4
    assert sorted(r["name"] for r in chunk_runs) == sorted(f"backfill-{c.name}" for c in chunks)
    assert all(r["state_type"] == "COMPLETED" for r in chunk_runs)
    (table,) = artifacts
    rows = json.loads(table["data"])
    assert {(r["source"], r["week"]) for r in rows} == {(c.source, c.week) for c in chunks}
    assert all(r["state"] == "Completed" for r in rows)
    in_window = site.in_window(since, until)
    assert sum(int(r["stored"]) for r in rows) <= len(in_window)
    assert sum(int(r["pages"]) for r in rows) >= len(in_window)

    # `entente sql` answered while the flows wrote.
    assert reads, "no read ran during the flows"
    assert all(code == 0 for code, _ in reads), reads

    serial_done.result()
    assert pool.counts() == serial.counts()
    expected = in_window | site.newest()
    urls = pool.urls()
    assert len(urls) == len(set(urls)), "an article was loaded twice"
    distinct, total = pool.distinct_ids()
    assert distinct == total
    assert set(urls) == expected, f"lost: {expected - set(urls)}"
    return [
        (
            datetime.fromisoformat(r["created"]),
            datetime.fromisoformat(r["start_time"]),
            datetime.fromisoformat(r["end_time"]),
        )
        for r in chunk_runs
    ]


def _read_while(
    warehouse: Warehouse, env: dict[str, str], reads: list[tuple[int, str]], done: threading.Event
) -> None:
    """`entente sql` now and then, as an analyst would query during the runs."""
    query = "SELECT count(*) FROM articles"
    while not done.is_set():
        result = subprocess.run(
            [sys.executable, "-m", "entente", "sql", *warehouse.options[:2], query],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        # Before the first run has made the warehouse there is nothing to read yet.
        if "does not exist" not in result.stderr and "no warehouse" not in result.stderr:
            reads.append((result.returncode, result.stderr.strip()))
        # a few reads, not a busy loop: each is a process that takes a core for a second
        done.wait(3.0)
