"""What an extraction worker has imported, for tests/ingest/test_process_pool.py.

Kept apart from tests/ingest/heavy_main.py so that a worker running it imports nothing heavy.
"""

from __future__ import annotations

import sys


def worker_modules() -> list[str]:
    """Run in a worker: the top-level packages it has imported, among those that matter."""
    watched = ("prefect", "fastapi", "tests")
    return sorted({name.split(".")[0] for name in sys.modules if name.startswith(watched)})


def linger(seconds: float) -> int:
    """Run in a worker: stay busy for `seconds`, as a long extraction would; its pid."""
    import os
    import time

    time.sleep(seconds)
    return os.getpid()
