"""Run as `python -m tests.ingest.heavy_main` by tests/ingest/test_process_pool.py: a main
module that imports Prefect at its top, as `python -m prefect.engine` does in a flow run
served by Prefect, starts the extraction pool and prints one JSON line: what the workers
imported."""

from __future__ import annotations

import json
import sys

import prefect  # noqa: F401  (the point: a heavy main module)

from entente.ingest import process
from tests.ingest.pool_probe import worker_modules

if __name__ == "__main__":
    pool = process._POOL.get(2)
    seen = [pool.submit(worker_modules).result(timeout=120) for _ in range(4)]
    process.shutdown_pool()
    print(json.dumps({"parent_has_prefect": "prefect" in sys.modules, "workers": seen}))
