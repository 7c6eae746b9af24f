"""bench/pipeline counts the memory of every process a run starts, and combines its rounds."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from bench.pipeline.run import _children


def test_a_child_started_from_another_thread_is_in_the_tree() -> None:
    # The extraction pool's forkserver may be started from a worker thread; Linux lists it
    # under that thread only, for as long as the thread lives.
    started: list[subprocess.Popen[bytes]] = []
    ready, checked = threading.Event(), threading.Event()

    def start_child() -> None:
        started.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))
        ready.set()
        checked.wait(30)

    thread = threading.Thread(target=start_child)
    thread.start()
    try:
        assert ready.wait(30)
        assert started[0].pid in _children(os.getpid())
    finally:
        checked.set()
        thread.join()
        started[0].kill()
        started[0].wait()


def test_rounds_combine_into_means_with_the_largest_peak() -> None:
    from bench.pipeline.run import combined

    first = {
        "seconds": 20.0,
        "cpu": 9.0,
        "tree_peak_mb": 1200.0,
        "maxrss_mb": 800.0,
        "articles": 2000,
        "extraction_failures": 0,
        "fetch_failures": 1,
        "stages": {"extract": 10.0, "store": 4.0},
    }
    second = {
        "seconds": 24.0,
        "cpu": 11.0,
        "tree_peak_mb": 1100.0,
        "maxrss_mb": 900.0,
        "articles": 1999,
        "extraction_failures": 2,
        "fetch_failures": 0,
        "stages": {"extract": 12.0, "store_wait": 1.0},
    }
    out = combined([first, second])
    assert out["seconds"] == 22.0 and out["cpu"] == 10.0
    assert out["tree_peak_mb"] == 1200.0 and out["maxrss_mb"] == 900.0
    # the worse of the rounds for what was loaded and what failed
    assert out["articles"] == 1999
    assert (out["extraction_failures"], out["fetch_failures"]) == (2, 1)
    assert out["stages"] == {"extract": 11.0, "store": 2.0, "store_wait": 0.5}
    assert out["rounds"] == [20.0, 24.0]
