"""bench/pipeline counts the memory of every process a run starts."""

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
