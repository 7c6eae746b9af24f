"""One measured load for bench/lake/stores.py, in a process of its own; prints one JSON line.

python -m bench.lake.store_child SOURCES_FILE file DB
python -m bench.lake.store_child SOURCES_FILE lake CATALOG DATA_DIR
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path
from typing import Any


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


class _Counted(logging.Handler):
    """Counts the lake's conflict messages (warehouse/lake.py logs one per write run again)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "conflicted" in record.getMessage()


def load(sources: Path, kind: str, where: list[str]) -> dict[str, Any]:
    """Entente's pipeline without Prefect (run_plain) over the sources, into the warehouse;
    imports are left out of the time, as in bench/pipeline."""
    from entente.flows.driver import run_plain
    from entente.ingest.process import shutdown_pool
    from entente.ingest.settings import load_settings

    if kind == "file":
        settings = load_settings(where[0], str(sources), environ={})
    else:
        settings = load_settings(
            sources=str(sources), lake=where[0], lake_data=where[1], environ={}
        )
    conflicts = _Counted()
    logging.getLogger("entente.warehouse.lake").addHandler(conflicts)
    logging.getLogger("entente.warehouse.lake").setLevel(logging.INFO)
    cpu, started = _cpu(), time.perf_counter()
    summary = run_plain(settings, tuple(s for s in settings.sources if s.active))
    seconds = time.perf_counter() - started
    shutdown_pool()
    return {
        "seconds": seconds,
        "cpu": _cpu() - cpu,  # this process: fetching, loading, the warehouse's work
        "articles": summary.articles_new,
        "status": summary.status,
        "conflicts": conflicts.count,  # lake writes that lost and ran again
        "stages": summary.stage_seconds,
    }


def main() -> None:
    out = load(Path(sys.argv[1]), sys.argv[2], sys.argv[3:])
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
