"""A small scheduled run's cost: the demo sites whose feeds hold fewer new pages than a batch
needs to go to the extraction workers, ingested once into a new warehouse.

python -m bench.pipeline.small_run [--rounds 3]

Each round runs two child processes, one after the other: `eager` starts the extraction
workers when the run starts (what every run did before 7 Dec 2026), `lazy` lets the run start
them only when a harvest is about to fetch a batch big enough for them (what runs do now).
Both store the same articles. Printed: CPU seconds of each child and its descendants (the
workers and their forkserver included), wall seconds, peak resident set of the child and of
its largest descendant, and the ratio lazy / eager of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import forkserver
from pathlib import Path
from typing import Any


def child(mode: str, folder: Path) -> dict[str, Any]:
    from entente.flows import driver
    from entente.flows.demo import demo_sites, demo_sources_toml, feed_entries, serve_corpus
    from entente.ingest import process
    from entente.ingest.settings import load_settings

    small = [s for s in demo_sites() if feed_entries(s) < process.MIN_PARALLEL]
    with serve_corpus() as origin:
        sources = folder / "sources.toml"
        sources.write_text(demo_sources_toml(origin, small), "utf-8")
        settings = load_settings(str(folder / f"{mode}.duckdb"), str(sources), environ={})
        started = time.perf_counter()
        if mode == "eager":
            process.warm_pool()
        summary = driver.run_plain(settings, settings.sources)
        wall = time.perf_counter() - started
    process.shutdown_pool()
    # The workers are the forkserver's children: once it has ended and been waited for,
    # their CPU counts among this process's children (a private call, for measuring only).
    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    own = resource.getrusage(resource.RUSAGE_SELF)
    below = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "mode": mode,
        "articles": summary.articles_new,
        "cpu": own.ru_utime + own.ru_stime + below.ru_utime + below.ru_stime,
        "wall": wall,
        "rss_mb": own.ru_maxrss / 1024,
        "child_rss_mb": below.ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["eager", "lazy"])
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.dir)))
        return 0
    env = {**os.environ, "ENTENTE_WORKERS": "2", "PREFECT_LOGGING_LEVEL": "WARNING"}
    results: dict[str, list[dict[str, Any]]] = {"eager": [], "lazy": []}
    for n in range(args.rounds):
        for mode in ("eager", "lazy"):
            with tempfile.TemporaryDirectory() as folder:
                out = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.pipeline.small_run",
                        "--child",
                        mode,
                        "--dir",
                        folder,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            results[mode].append(row)
            print(
                f"round {n + 1} {mode:5}: {row['articles']} articles, CPU {row['cpu']:.2f} s,"
                f" wall {row['wall']:.2f} s, peak RSS {row['rss_mb']:.0f} MB"
                f" (largest child {row['child_rss_mb']:.0f} MB)"
            )
    cpu = {m: statistics.median(r["cpu"] for r in rows) for m, rows in results.items()}
    wall = {m: statistics.median(r["wall"] for r in rows) for m, rows in results.items()}
    print(
        f"median CPU s: eager {cpu['eager']:.2f}, lazy {cpu['lazy']:.2f};"
        f" lazy / eager {cpu['lazy'] / cpu['eager']:.2f}"
    )
    print(
        f"median wall s: eager {wall['eager']:.2f}, lazy {wall['lazy']:.2f};"
        f" lazy / eager {wall['lazy'] / wall['eager']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
