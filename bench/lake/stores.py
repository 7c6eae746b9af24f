"""The same pages into the file warehouse and into a lake: bench/lake/stores.py.

    python -m bench.lake.stores [--size 2000] [--per-feed 200] [--rounds 1]

A loopback site (bench/pipeline's: real news pages repeated with edits, behind feeds) serves
N pages; Entente's pipeline without Prefect (run_plain) loads them, each time in a fresh
process and into a new warehouse:

  file     a DuckDB file: the baseline
  lake     a lake: DuckLake with its catalog on a PostgreSQL server this benchmark starts
           (tests/postgres.py: initdb in a temporary folder, a free loopback port) and its
           Parquet files in a local folder
  lake x2  two processes at once into one new lake, each over half of the feeds

Each run's figures: wall seconds, the ratio to the file's (file seconds / run seconds: above
1 is faster), CPU seconds of the loading process, and the peak RSS of the run's process tree
(the process and its extraction workers, sampled every 50 ms; for lake x2 the two trees'
peaks added). The PostgreSQL server's CPU is shown apart. Timings never fail anything.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.pipeline.corpus import EVAL_HTML, build_site
from bench.pipeline.run import (
    REPO,
    _children,
    free_port,
    measured,
    process_cpu,
    sources_file,
    start,
)
from tests.postgres import Server, running_server

CHILD = "bench.lake.store_child"


def postgres_cpu(server: Server) -> float:
    """CPU seconds of the benchmark's PostgreSQL server so far: its main process and the
    backends it started (each catalog connection is one), those that ended included."""
    main = server.pid()
    total = process_cpu(main)
    for child in _children(main):
        with contextlib.suppress(OSError):
            total += process_cpu(child)
    return total


def one_round(
    mode: str, work: Path, server: Server, sources: list[Path], env: dict[str, str], n: int
) -> dict[str, Any]:
    tag = f"{mode.replace(' ', '')}-{n}-{time.monotonic_ns()}"
    if mode == "file":
        return measured([str(sources[0]), "file", str(work / f"{tag}.duckdb")], env, CHILD)
    catalog = server.catalog(server.new_database("bench"))
    data = str(work / tag)
    if mode == "lake":
        return measured([str(sources[0]), "lake", catalog, data], env, CHILD)
    # lake x2: two loads at once, half of the feeds each
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=lambda s=s: results.append(measured([str(s), "lake", catalog, data], env, CHILD))
        )
        for s in sources[1:]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(results) != 2:
        raise SystemExit("a lake x2 load failed")
    return {
        "seconds": time.perf_counter() - started,
        "cpu": sum(r["cpu"] for r in results),
        "articles": sum(r["articles"] for r in results),
        "conflicts": sum(r["conflicts"] for r in results),
        "tree_peak_mb": sum(r["tree_peak_mb"] for r in results),
        "stages": {
            stage: sum(r["stages"].get(stage, 0.0) for r in results)
            for stage in results[0]["stages"]
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--per-feed", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    modes = ["file", "lake", "lake x2"]
    parser.add_argument("--modes", nargs="+", default=modes, choices=modes)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="entente-bench-lake-") as temp:
        run(args, Path(temp))


def run(args: argparse.Namespace, work: Path) -> None:
    env = dict(os.environ)
    env.update(
        {
            "PREFECT_HOME": str(work / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PYTHONPATH": str(REPO),
        }
    )
    n = args.size
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = build_site(work / "site", base, n, args.per_feed, EVAL_HTML)
    sources = [work / "all.toml", work / "first.toml", work / "second.toml"]
    half = (len(site.feeds) + 1) // 2
    sources_file(sources[0], base, site.feeds)
    sources_file(sources[1], base, site.feeds[:half])
    sources_file(sources[2], base, site.feeds[half:])
    site_server = start(
        [sys.executable, "-m", "bench.pipeline.server", str(work / "site"), str(port)],
        env,
        ready="ready",
    )
    print(f"N = {n}: {len(site.feeds)} feeds; {os.cpu_count()} cores; rounds {args.rounds}")
    results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in args.modes}
    try:
        with running_server() as server:
            for number in range(args.rounds):
                for mode in args.modes[:: -1 if number % 2 else 1]:
                    pg_before = postgres_cpu(server)
                    result = one_round(mode, work, server, sources, env, n)
                    result["postgres_cpu"] = postgres_cpu(server) - pg_before
                    results[mode].append(result)
                    print(
                        f"  {mode:8s} {result['seconds']:7.1f} s  {result['articles']} articles"
                        f"  peak RSS {result['tree_peak_mb']:6.0f} MB"
                        f"  writes run again {result['conflicts']}",
                        flush=True,
                    )
    finally:
        site_server.kill()
        site_server.wait()
    report(n, results)


def report(n: int, results: dict[str, list[dict[str, Any]]]) -> None:
    mean = {
        mode: {
            key: statistics.fmean(r[key] for r in rs)
            for key in ("seconds", "cpu", "postgres_cpu", "articles", "conflicts")
        }
        | {"tree_peak_mb": max(r["tree_peak_mb"] for r in rs)}
        for mode, rs in results.items()
    }
    base = mean.get("file", {}).get("seconds")
    print(f"\n## N = {n}\n")
    print(
        "| run | seconds | vs file | articles | CPU s, loading process | PostgreSQL CPU s |"
        " peak RSS tree (MB) | writes run again |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for mode, m in mean.items():
        ratio = f"{base / m['seconds']:.2f}x" if base else "-"
        print(
            f"| {mode} | {m['seconds']:.1f} | {ratio} | {m['articles']:.0f} | {m['cpu']:.1f} |"
            f" {m['postgres_cpu']:.1f} | {m['tree_peak_mb']:.0f} | {m['conflicts']:.0f} |"
        )
    for mode, rs in results.items():
        stages: dict[str, float] = {}
        for r in rs:
            for stage, seconds in r.get("stages", {}).items():
                stages[stage] = stages.get(stage, 0.0) + seconds / len(rs)
        shown = ", ".join(f"{k} {v:.1f}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1]))
        print(f"\nstages, {mode} (s; for lake x2 both processes' added): {shown}")


if __name__ == "__main__":
    main()
