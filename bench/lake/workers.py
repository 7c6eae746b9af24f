"""A chunked backfill on a Prefect work pool, with one worker against two.

    python -m bench.lake.workers [--pages 2000] [--sources 2] [--weeks 4] [--workers 1 2]
                                 [--warehouses file lake] [--rounds 1]

A loopback archive (bench.lake.archive, served by bench.pipeline.server) holds --pages
articles dated over --weeks whole weeks, dealt round --sources sources. For each worker
count, in its own fresh Prefect server and warehouse: `entente deploy --pool bench`, that
many `prefect worker start --pool bench` processes, then the backfill deployment over the
whole window, timed from the API call to the parent run's end. The warehouse is a DuckDB
file (chunks one at a time) or a lake (chunks side by side, up to the backfill's
chunks_at_once), a new database on a PostgreSQL server this benchmark starts
(tests/postgres.py) with its Parquet files in a local folder.

Peak RSS is sampled every 100 ms from /proc over each worker's process tree (the worker, the
flow runs it started, their extraction workers): the largest of one worker's tree, and the
largest sum over all of them at one moment. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.lake.archive import build_archive
from bench.pipeline.run import REPO, free_port, in_work_folder, prefect_server, start, tree_rss_kb
from tests.postgres import Server, running_server

POOL = "bench"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def sources_file(path: Path, base: str, feeds: list[str]) -> None:
    lines = ["[fetch]", "allow_private_networks = true", "min_host_delay = 0", ""]
    for number, feed in enumerate(feeds):
        lines += ["[[sources]]", f'name = "s{number}"', f'url = "{base}{feed}"', ""]
    path.write_text("\n".join(lines), "utf-8")


def entente(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "entente", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"entente {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait(what: str, check: Any, timeout: float, poll: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        time.sleep(poll)
    raise SystemExit(f"timed out waiting for {what}")


def create_run(api: str, window: tuple[str, str]) -> dict[str, Any] | None:
    """The backfill deployment's new flow run; None when the busy server refused (asked
    again: a server that has just started, with workers polling, answers 500 now and then)."""
    deployment = httpx.get(f"{api}/deployments/name/backfill/backfill", timeout=10)
    if deployment.status_code != 200:
        print(f"  (deployment read: {deployment.status_code} {deployment.text[:200]})")
        return None
    answer = httpx.post(
        f"{api}/deployments/{deployment.json()['id']}/create_flow_run",
        json={"parameters": {"since": window[0], "until": window[1]}},
        timeout=30,
    )
    if answer.status_code >= 300:
        print(f"  (create_flow_run: {answer.status_code} {answer.text[:200]})")
        return None
    run: dict[str, Any] = answer.json()
    return run


def one_config(
    workers: int, sources: Path, window: tuple[str, str], work: Path, env: dict[str, str],
    warehouse: list[str], label: str, worker_limit: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    limit = ["--limit", str(worker_limit)] if worker_limit else []
    home = work / f"prefect-{label}"
    run_env = {**env, "PREFECT_HOME": str(home)}
    server, api = prefect_server(run_env)
    run_env.update(
        PREFECT_API_URL=api,
        # a worker asks for new runs every second (default 10 s): a serial chunk would
        # otherwise wait 5 s on average to be picked up
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
    )
    db = work / f"{label}.duckdb"
    procs: list[subprocess.Popen[str]] = []
    try:
        target = warehouse or ["--db", str(db)]
        entente(["deploy", "--pool", POOL, *target, "--sources", str(sources)], run_env)
        for i in range(workers):
            name = f"w{i + 1}"
            procs.append(
                start(
                    ["prefect", "worker", "start", "--pool", POOL, "--name", name, *limit], run_env
                )
            )

        def online() -> bool:
            found = httpx.post(f"{api}/work_pools/{POOL}/workers/filter", json={}, timeout=10)
            return sum(w["status"] == "ONLINE" for w in found.json()) == workers

        wait("the workers", online, 120)
        time.sleep(3)  # let the workers' start-up settle before the clock starts
        peaks = [0] * workers
        peak_sum = 0
        sampling = threading.Event()

        def sample() -> None:
            nonlocal peak_sum
            while not sampling.is_set():
                now = [tree_rss_kb(p.pid) for p in procs]
                peaks[:] = [max(a, b) for a, b in zip(peaks, now, strict=True)]
                peak_sum = max(peak_sum, sum(now))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        began = time.perf_counter()
        run = wait("the backfill's flow run", lambda: create_run(api, window), 60, poll=1)

        def ended() -> str | None:
            state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=10).json()["state_type"]
            return state if state in FINAL else None

        state = wait("the backfill", ended, 3600, poll=0.25)
        seconds = time.perf_counter() - began
        sampling.set()
        sampler.join()
        artifacts = httpx.post(
            f"{api}/artifacts/filter",
            json={"artifacts": {"key": {"any_": ["backfill-chunks"]}}},
            timeout=10,
        ).json()
        rows = json.loads(artifacts[0]["data"]) if artifacts else []
        chunk_runs = httpx.post(
            f"{api}/flow_runs/filter",
            json={"flow_runs": {"tags": {"all_": ["backfill-chunk"]}}},
            timeout=10,
        ).json()
        spans = [
            (datetime.fromisoformat(r["start_time"]), datetime.fromisoformat(r["end_time"]))
            for r in chunk_runs
            if r.get("start_time") and r.get("end_time")
        ]
        in_chunks = sum((b - a).total_seconds() for a, b in spans)
        return {
            "workers": workers,
            "state": state,
            "seconds": seconds,
            "chunks": len(rows),
            "completed": sum(r["state"] == "Completed" for r in rows),
            "stored": sum(int(r["stored"]) for r in rows),
            "pages": sum(int(r["pages"]) for r in rows),
            "chunk_seconds": in_chunks,
            "peak_worker_mb": max(peaks) / 1024,
            "peak_sum_mb": peak_sum / 1024,
        }
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--sources", type=int, default=2)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--worker-limit",
        type=int,
        default=None,
        help="flow runs each worker runs at once (prefect worker start --limit; the waiting"
        " parent takes one): a machine's capacity (default: no limit)",
    )
    parser.add_argument(
        "--warehouses", nargs="+", choices=["file", "lake"], default=["file", "lake"]
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp one)")
    args = parser.parse_args()
    in_work_folder(args.dir, "entente-bench-workers-", lambda work: run(args, work))


def run(args: argparse.Namespace, work: Path) -> None:
    env = dict(os.environ)
    env.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    env.pop("PREFECT_API_URL", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    today = datetime.now(UTC).date()
    last = today - timedelta(days=today.weekday() + 1)  # the Sunday before this week
    first = last - timedelta(weeks=args.weeks) + timedelta(days=1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = work / "site"
    began = time.perf_counter()
    feeds = build_archive(site, base, args.pages, args.sources, last, args.weeks)
    sources = work / "sources.toml"
    sources_file(sources, base, feeds)
    print(
        f"{args.pages} pages, {args.sources} sources, {args.weeks} weeks ({first}..{last}),"
        f" built in {time.perf_counter() - began:.0f} s; {os.cpu_count()} cores;"
        f" worker limit {args.worker_limit or 'none'}",
        flush=True,
    )
    server = start(
        [sys.executable, "-m", "bench.pipeline.server", str(site), str(port)], env, "ready"
    )
    results: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        stack.callback(server.wait)
        stack.callback(server.kill)
        pg: Server | None = None
        if "lake" in args.warehouses:
            pg = stack.enter_context(running_server())
        configs = [(kind, n) for kind in args.warehouses for n in args.workers]
        for number in range(args.rounds):
            # every other round in reverse, so a slow spell of the machine falls on all alike
            for kind, workers in configs[:: -1 if number % 2 else 1]:
                label = f"r{number}-{kind}-w{workers}"
                warehouse = ["--db", str(work / f"{label}.duckdb")]
                if pg is not None and kind == "lake":
                    catalog = pg.catalog(pg.new_database("bench"))
                    warehouse = ["--lake", catalog, "--lake-data", str(work / f"{label}-files")]
                result = one_config(
                    workers,
                    sources,
                    (str(first), str(last)),
                    work,
                    env,
                    warehouse,
                    label,
                    args.worker_limit,
                )
                result["warehouse"] = kind
                results.append(result)
                print(
                    f"  {kind} {workers} worker(s): {result['seconds']:6.1f} s,"
                    f" {result['state']}, {result['completed']}/{result['chunks']} chunks,"
                    f" {result['stored']} stored, chunk runs {result['chunk_seconds']:.0f} s"
                    f" summed, peak RSS {result['peak_worker_mb']:.0f} MB one worker tree,"
                    f" {result['peak_sum_mb']:.0f} MB all",
                    flush=True,
                )
    print(
        "\n| warehouse | workers | seconds | chunks | stored | chunk runs, s summed"
        " | peak RSS one worker (MB) | peak RSS all (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['warehouse']} | {r['workers']} | {r['seconds']:.1f} |"
            f" {r['completed']}/{r['chunks']} |"
            f" {r['stored']} | {r['chunk_seconds']:.0f} | {r['peak_worker_mb']:.0f} |"
            f" {r['peak_sum_mb']:.0f} |"
        )
    for kind in args.warehouses:
        by = {
            w: [r["seconds"] for r in results if r["workers"] == w and r["warehouse"] == kind]
            for w in args.workers
        }
        if by.get(1) and by.get(2):
            one, two = sum(by[1]) / len(by[1]), sum(by[2]) / len(by[2])
            print(
                f"{kind}: wall time, two workers / one: {two / one:.2f}x"
                f" ({one:.1f} s -> {two:.1f} s, means of {len(by[1])})"
            )


if __name__ == "__main__":
    main()
