"""One measured run of the pipeline benchmark, in a process of its own; prints one JSON line.

python -m bench.pipeline.child bare SITE_DIR N
python -m bench.pipeline.child plain|prefect SOURCES_FILE DB
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bare(site: Path, n: int) -> dict[str, Any]:
    """trafilatura.extract with default settings over the same pages, one after another."""
    import trafilatura

    cpu, started = _cpu(), time.perf_counter()
    found = 0
    for i in range(n):
        text = trafilatura.extract((site / "pages" / f"{i}.html").read_bytes())
        found += bool(text)
    return {"seconds": time.perf_counter() - started, "cpu": _cpu() - cpu, "articles": found}


def pipeline(mode: str, sources: Path, db: Path) -> dict[str, Any]:
    """One run; its modules are imported first and timed apart ("import_seconds"), as bare
    trafilatura's import is left out of its time. A flow run served by Prefect imports
    entente.flows.ingest (and Prefect) in a process of its own, so run.py reports the Prefect
    overhead with and without that import."""
    imported = time.perf_counter()
    from entente.ingest.process import shutdown_pool

    if mode == "prefect":
        from entente.flows.ingest import ingest_flow
    else:
        from entente.flows.driver import run_plain
        from entente.ingest.settings import load_settings
    import_seconds = time.perf_counter() - imported

    cpu, started = _cpu(), time.perf_counter()
    if mode == "prefect":
        result = ingest_flow(db=str(db), sources=str(sources))
        assert isinstance(result, dict), result
        stages = result["stage_seconds"]
        articles = result["articles_new"]
        failures = result["extraction_failures"], result["fetch_failures"]
    else:
        settings = load_settings(str(db), str(sources))
        summary = run_plain(settings, tuple(s for s in settings.sources if s.active))
        stages = summary.stage_seconds
        articles = summary.articles_new
        failures = summary.extraction_failures, summary.fetch_failures
    seconds = time.perf_counter() - started
    # The workers are children of the forkserver, not of this process, so their CPU time is
    # not in RUSAGE_CHILDREN: the summary's stage seconds report it.
    shutdown_pool()
    return {
        "seconds": seconds,
        "import_seconds": import_seconds,
        "cpu": _cpu() - cpu,
        "articles": articles,
        "extraction_failures": failures[0],
        "fetch_failures": failures[1],
        "stages": stages,
    }


def main() -> None:
    mode = sys.argv[1]
    if mode == "bare":
        out = bare(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        out = pipeline(mode, Path(sys.argv[2]), Path(sys.argv[3]))
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
