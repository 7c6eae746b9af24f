"""Whole-pipeline throughput: fetch, extract, dedup, classify and load N pages from loopback.

    /work/venv/bin/python -m bench.pipeline.run [--sizes 2000 10000] [--per-feed 200]
                                                [--rounds 2]

For each N, a loopback site (bench.pipeline.server, in its own process) serves N article
pages behind feeds of --per-feed entries (see bench.pipeline.corpus). Three runs follow,
each in a fresh process, and --rounds times over (in reverse order every other round);
the figures are the means of the rounds, the peak RSS the largest:

  bare     trafilatura.extract (default settings) over the same N pages, read from disk,
           one after another in one process: the baseline the pipeline is compared with
  plain    Entente's pipeline without Prefect (entente.flows.driver.run_plain) into a new warehouse
  prefect  the `ingest` flow, against a `prefect server start` launched once for the whole
           benchmark (its start-up is not counted; the CPU it spends serving runs is shown)

Run times leave module imports out, as bare's leaves out trafilatura's; they are timed
apart, and the Prefect overhead is given with and without them (a flow run served by
Prefect imports entente.flows.ingest and Prefect in a process of its own, about 1.5 s here).
Peak RSS is the most the run's process tree (the process and its extraction workers) held
at once, sampled every 50 ms from /proc; "main" is the run's own process. Stage shares come
from the run summary: CPU seconds for extraction and derivation (in the workers), wall
seconds for what the driver waited on. Timings never fail the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.pipeline.corpus import EVAL_HTML, build_site

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Children of every thread of `pid`: Linux lists a child under the thread that started
    it, and the extraction pool may be started from any thread."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss_kb(current)
        stack.extend(_children(current))
    return total


def measured(
    args: list[str], env: dict[str, str], child: str = "bench.pipeline.child"
) -> dict[str, Any]:
    """Run a child benchmark process (the module `child`, which prints `RESULT {json}`); its
    JSON result plus the peak RSS of its process tree."""
    proc = subprocess.Popen(
        [sys.executable, "-m", child, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{child} {args[0]} failed (exit {proc.returncode}):\n{err[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    result["tree_peak_mb"] = peak / 1024
    return result


def start(args: list[str], env: dict[str, str], ready: str | None = None) -> subprocess.Popen[str]:
    """Start a helper process; wait for `ready` on its output, or send its output nowhere."""
    out = subprocess.PIPE if ready is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
    )
    if ready is not None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if ready in line:
                break
        else:
            raise SystemExit(f"{args} ended before it was ready")
    return proc


def prefect_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = start(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    time.sleep(5)  # let its start-up work finish before anything is timed
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("prefect server did not start within 120 s")


def process_cpu(pid: int) -> float:
    """CPU seconds a process (and its reaped children) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def sources_file(path: Path, base: str, feeds: list[str]) -> None:
    lines = [
        "[fetch]",
        "allow_private_networks = true",
        "min_host_delay = 0",
        "max_connections_per_host = 16",
        "",
    ]
    for number, feed in enumerate(feeds):
        lines += ["[[sources]]", f'name = "bench-{number}"', f'url = "{base}/{feed}"', ""]
    path.write_text("\n".join(lines), "utf-8")


def combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One mode's rounds as one result: the mean of each time and CPU figure (stages
    included), the largest peak RSS, and every round's seconds under "rounds"."""
    out: dict[str, Any] = dict(rounds[0])
    for key, value in rounds[0].items():
        if key in ("tree_peak_mb", "maxrss_mb"):
            out[key] = max(r[key] for r in rounds)
        elif isinstance(value, float):
            out[key] = statistics.fmean(r[key] for r in rounds)
    stages = {stage for r in rounds for stage in r.get("stages", {})}
    if stages:
        out["stages"] = {
            stage: statistics.fmean(r["stages"].get(stage, 0.0) for r in rounds) for stage in stages
        }
    out["rounds"] = [r["seconds"] for r in rounds]
    out["articles"] = min(r["articles"] for r in rounds)
    for key in ("extraction_failures", "fetch_failures"):
        if key in out:
            out[key] = max(r[key] for r in rounds)
    return out


def bench_size(
    n: int,
    per_feed: int,
    work: Path,
    env: dict[str, str],
    modes: list[str],
    rounds: int,
) -> dict[str, dict[str, Any]]:
    site_dir = work / f"site-{n}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    site = build_site(site_dir, base, n, per_feed, EVAL_HTML)
    print(
        f"\nN = {n}: {len(site.feeds)} feeds of up to {per_feed} pages, built in"
        f" {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    server = start(
        [sys.executable, "-m", "bench.pipeline.server", str(site_dir), str(port)],
        env,
        ready="ready",
    )
    sources = work / f"sources-{n}.toml"
    sources_file(sources, base, site.feeds)
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    # Each round runs every mode, in reverse order every other round, so that a slow spell
    # of this shared machine falls on all of them alike.
    order = [mode for number in range(rounds) for mode in modes[:: -1 if number % 2 else 1]]
    try:
        for mode in order:
            run_env = dict(env)
            prefect = None
            if mode == "prefect":
                # started for this run only, so that its background services take nothing
                # from the other runs; its start-up is not counted
                prefect, run_env["PREFECT_API_URL"] = prefect_server(env)
            try:
                server_cpu = process_cpu(server.pid)
                prefect_cpu = process_cpu(prefect.pid) if prefect else 0.0
                if mode == "bare":
                    result = measured(["bare", str(site_dir), str(n)], run_env)
                else:
                    # a new warehouse for every run; the last one of each mode is kept
                    db = work / f"{mode}-{n}.duckdb"
                    for old in work.glob(f"{db.stem}.*"):  # with DuckDB's spill folder
                        if old.is_dir():
                            shutil.rmtree(old)
                        else:
                            old.unlink()
                    result = measured([mode, str(sources), str(db)], run_env)
                    result["site_cpu"] = process_cpu(server.pid) - server_cpu
                if prefect is not None:
                    result["prefect_server_cpu"] = process_cpu(prefect.pid) - prefect_cpu
            finally:
                if prefect is not None:
                    prefect.terminate()
                    prefect.wait(timeout=30)
            runs[mode].append(result)
            print(
                f"  {mode:8s} {result['seconds']:7.1f} s  {n / result['seconds']:6.1f} pages/s"
                f"  peak RSS {result['tree_peak_mb']:6.0f} MB",
                flush=True,
            )
    finally:
        server.kill()
        server.wait()
    return {mode: combined(found) for mode, found in runs.items()}


def report(n: int, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n## N = {n}\n")
    rounds = len(next(iter(results.values()))["rounds"])
    if rounds > 1:
        print(f"Means of {rounds} rounds; peak RSS is the largest. Seconds of each round:")
        for mode, r in results.items():
            print(f"- {mode}: {', '.join(f'{s:.1f}' for s in r['rounds'])}")
        print()
    print(
        "| run | seconds | articles/s | CPU s, main | CPU s, workers | peak RSS tree (MB) |"
        " main (MB) | loaded | extraction failures | fetch failures |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for mode, r in results.items():
        stages = r.get("stages", {})
        workers = stages.get("extract", 0.0) + stages.get("derive", 0.0)
        print(
            f"| {mode} | {r['seconds']:.1f} | {n / r['seconds']:.1f} | {r['cpu']:.1f} |"
            f" {workers:.1f} | {r['tree_peak_mb']:.0f} | {r['maxrss_mb']:.0f} | {r['articles']} |"
            f" {r.get('extraction_failures', '-')} | {r.get('fetch_failures', '-')} |"
        )
    bare = results.get("bare")
    for mode in ("plain", "prefect"):
        if bare and mode in results:
            print(
                f"\nthroughput {mode} / bare trafilatura: "
                f"{bare['seconds'] / results[mode]['seconds']:.2f}x"
            )
    if "plain" in results and "prefect" in results:
        plain, flow = results["plain"], results["prefect"]
        overhead = flow["seconds"] / plain["seconds"] - 1
        with_imports = (flow["seconds"] + flow["import_seconds"]) / (
            plain["seconds"] + plain["import_seconds"]
        ) - 1
        print(
            f"Prefect overhead (prefect vs plain wall time): {overhead:+.1%}"
            f"; {with_imports:+.1%} with each run's imports ({plain['import_seconds']:.1f} s"
            f" plain, {flow['import_seconds']:.1f} s with Prefect)"
            f"; the Prefect server spent {flow.get('prefect_server_cpu', 0):.1f} CPU s"
        )
    for mode in ("plain", "prefect"):
        if mode not in results:
            continue
        r = results[mode]
        stages = r["stages"]
        print(f"\nstages, {mode} (site server: {r.get('site_cpu', 0):.1f} CPU s):")
        print("| stage | seconds | share of run |")
        print("|---|---|---|")
        for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"| {stage} | {seconds:.1f} | {seconds / r['seconds']:.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10_000])
    parser.add_argument("--per-feed", type=int, default=200)
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=["bare", "plain", "prefect"],
        default=["bare", "plain", "prefect"],
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each mode per N, averaged (default 2)"
    )
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp one)")
    args = parser.parse_args()
    # A full run leaves 3 to 5 GB of sites and warehouses: a temp folder goes when it ends.
    in_work_folder(args.dir, "entente-bench-pipeline-", lambda work: run(args, work))


def in_work_folder(folder: Path | None, prefix: str, work: Callable[[Path], None]) -> None:
    """Run `work` in `folder` (`--dir`, made if missing and kept), else in a temporary
    folder that is removed when it ends."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        work(folder)
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as temp:
        work(Path(temp))


def run(args: argparse.Namespace, work: Path) -> None:
    env = dict(os.environ)
    env.update(
        {
            "PREFECT_HOME": str(work / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
        }
    )
    env.pop("PREFECT_API_URL", None)
    # Python caches compiled modules unless told not to (pip's installs do the same for
    # site-packages); without the cache every run, and the workers' forkserver, compiles
    # trafilatura, numpy and Prefect from source: a second or more of CPU a process.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import entente.flows.ingest, entente.ingest.process, bench.pipeline.child",
        ],
        cwd=REPO,
        env=env,
        check=True,
    )
    kept = "kept" if args.dir is not None else "removed at the end"
    print(f"work folder {work} ({kept}); {os.cpu_count()} cores; modes {' '.join(args.modes)}")
    all_results = {
        n: bench_size(n, args.per_feed, work, env, args.modes, max(1, args.rounds))
        for n in args.sizes
    }
    for n, results in all_results.items():
        report(n, results)
    if len(args.sizes) > 1:
        small, large = min(args.sizes), max(args.sizes)
        for mode in ("plain", "prefect"):
            if mode in all_results[small] and mode in all_results[large]:
                ratio = (
                    all_results[large][mode]["tree_peak_mb"]
                    / all_results[small][mode]["tree_peak_mb"]
                )
                print(f"\npeak RSS {mode}: N={large} / N={small} = {ratio:.2f}x")


if __name__ == "__main__":
    main()
