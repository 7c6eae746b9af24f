"""What outlives `entente` long enough to stop what it started, and the /proc reading it needs.

A run starts processes of its own: Prefect's temporary API server (Prefect's subprocess, a
uvicorn of its own), the forkserver and the extraction workers. Stopped with SIGKILL (or
crashing past every `finally`), the run cannot stop them itself, and they hold about 600 MB
for as long as nobody notices. So each guarded command marks its environment with a token
that every process it starts inherits, and starts this small watchdog: it waits for the
command's process to end, then stops every process that still carries the token.

Standard library only, Linux only (it reads /proc); elsewhere it does nothing.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
from collections.abc import Iterable

TOKEN_ENV = "ENTENTE_PROCESS_TOKEN"


def children(pid: int) -> list[int]:
    """The direct children of `pid` (every thread's), from /proc."""
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for thread in threads:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{thread}/children") as f:
            found += [int(child) for child in f.read().split()]
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, parents before their children."""
    found: list[int] = []
    pending = [pid]
    while pending:
        for child in children(pending.pop()):
            if child not in found:
                found.append(child)
                pending.append(child)
    return found


def is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def ignores_sigterm(pid: int) -> bool:
    """True when `pid` ignores SIGTERM (multiprocessing's resource tracker does: it ends by
    itself once every process that holds its pipe has ended)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            ignored = next(line for line in f if line.startswith("SigIgn:"))
    except (OSError, StopIteration):
        return False
    return bool(int(ignored.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


def started_at(pid: int) -> float | None:
    """When `pid` started, in seconds since the epoch, from /proc; None if it is not running."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    except (OSError, IndexError, StopIteration, ValueError):
        return None
    if fields[0] in {"Z", "X"}:
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def carrying(token: str) -> list[int]:
    """The processes (of this user) whose environment holds `token`."""
    marker = f"{TOKEN_ENV}={token}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                variables = f.read().split(b"\0")
        except OSError:  # gone, or another user's
            continue
        if marker in variables:
            found.append(int(name))
    return found


def stop(pids: Iterable[int], grace: float) -> None:
    """SIGTERM each process, then SIGKILL whichever is still running after `grace` seconds
    (at once for one that ignores SIGTERM)."""
    pending = list(pids)
    for pid in pending:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        pending = [pid for pid in pending if is_running(pid)]
        if all(ignores_sigterm(pid) for pid in pending):
            break
        time.sleep(0.05)
    for pid in pending:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def wait_for_exit(pid: int) -> None:
    """Return once `pid` (this process's parent) has ended."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # before Linux 5.3, or already gone
        handle = -1
    try:
        while os.getppid() == pid:
            if handle < 0:
                time.sleep(0.5)
            else:
                select.select([handle], [], [], 5.0)  # readable when the process ends
    finally:
        if handle >= 0:
            os.close(handle)


def main(argv: list[str]) -> int:
    """`python -m entente.flows.watchdog PARENT TOKEN`, started by the parent itself."""
    parent, token = int(argv[0]), argv[1]
    # The signals that stop the parent (a terminal's Ctrl-C, `timeout`'s SIGTERM to the
    # whole group) must not stop the one process that cleans up after it.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    wait_for_exit(parent)
    stop(carrying(token), grace=3.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
