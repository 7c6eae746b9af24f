"""Issue 20, item 14: `entente run` stopped by SIGTERM or SIGKILL leaves nothing running.

Real processes and real signals: a run busy fetching pages that drip, with its temporary
Prefect server and its extraction workers up, is sent SIGTERM (what `timeout`, systemd and
`docker stop` send) or SIGKILL; within seconds, no process it started is left. The process
tree is read from /proc here, independently of the code under test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from entente.flows import driver
from entente.ingest.process import MIN_PARALLEL
from entente.ingest.settings import load_settings
from entente.warehouse.query import run_query
from tests.flows.served import new_prefect_home, spawn, tail, wait_for
from tests.ingest.faults import FaultSite, Served, fault_site, rss_feed

HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class Proc:
    pid: int
    started: str  # /proc/PID/stat's start time: the same pid reused is another process
    command: str


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _tree(pid: int) -> list[Proc]:
    found: list[Proc] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        with contextlib.suppress(OSError):
            for thread in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{thread}/children") as f:
                    for child in map(int, f.read().split()):
                        stat = _stat(child)
                        with open(f"/proc/{child}/cmdline", "rb") as c:
                            command = c.read().replace(b"\0", b" ").decode(errors="replace")
                        if stat is not None:
                            found.append(Proc(child, stat[19], command))
                            pending.append(child)
    return found


def _running(proc: Proc) -> bool:
    stat = _stat(proc.pid)
    return stat is not None and stat[19] == proc.started and stat[0] not in {"Z", "X"}


def _statuses(folder: Path) -> list[tuple[object, ...]]:
    _, rows = run_query(folder / "w.duckdb", "SELECT status, pid FROM runs ORDER BY started_at")
    return rows


def _busy_site(site: FaultSite, name: str) -> str:
    """A feed of the run's own whose article pages drip one byte every half second: the run
    stays busy. Enough pages for a batch that uses the extraction workers, so the run starts
    them."""
    origin = site.origins[0]
    pages = [
        (
            f"Talks {i}",
            site.add(origin, f"/{name}/a{i}.html", Served(200, b"x" * 400, HTML, drip=0.5)),
        )
        for i in range(MIN_PARALLEL)
    ]
    return site.add(origin, f"/{name}/feed.xml", Served(200, rss_feed(pages)))


def _start_run(
    tmp_path: Path, name: str, feed: str, prefect_database: Path
) -> subprocess.Popen[bytes]:
    folder = tmp_path / name
    folder.mkdir()
    sources = folder / "sources.toml"
    sources.write_text(
        f'[fetch]\nmin_host_delay = 0\n[[sources]]\nname = "busy"\nurl = "{feed}"\n', "utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        # no server: Prefect starts a temporary one, in a home of the run's own
        PREFECT_HOME=str(new_prefect_home(folder / "prefect", prefect_database)),
        ENTENTE_WORKERS="2",
        ENTENTE_ALLOW_PRIVATE_NETWORKS="1",
    )
    args = ["-m", "entente", "run", "--db", str(folder / "w.duckdb"), "--sources", str(sources)]
    return spawn(args, env, folder / "log")


def _started_everything(process: subprocess.Popen[bytes], site: FaultSite, name: str) -> list[Proc]:
    """The run's process tree once its server and workers are up and one of its own pages is
    dripping: pages are fetched only after the run's row is written. (Another run's page
    dripping says nothing of this one: a run killed before its row is written leaves none.)"""
    tree = _tree(process.pid)
    commands = [p.command for p in tree]
    server = any("uvicorn" in c and "prefect.server" in c for c in commands)
    pool = sum("multiprocessing.forkserver" in c for c in commands)  # forkserver + workers
    dripping = any(f"/{name}/a" in url for url in list(site.bytes_sent))
    return tree if server and pool >= 3 and dripping and process.poll() is None else []


@pytest.mark.slow
def test_sigterm_and_sigkill_leave_nothing_running(tmp_path: Path, prefect_database: Path) -> None:
    processes: dict[int, subprocess.Popen[bytes]] = {}
    trees: dict[int, list[Proc]] = {}
    try:
        with fault_site() as site:
            for signum in (signal.SIGTERM, signal.SIGKILL):
                name = signal.Signals(signum).name
                processes[signum] = _start_run(
                    tmp_path, name, _busy_site(site, name), prefect_database
                )
            for signum, process in processes.items():
                name = signal.Signals(signum).name
                trees[signum] = wait_for(
                    "the run's server, workers and first page",
                    lambda p=process, n=name: _started_everything(p, site, n),  # type: ignore[misc]
                    timeout=280,
                    log=tmp_path / name / "log",
                )
            for signum, process in processes.items():
                os.kill(process.pid, signum)
            sent = time.monotonic()
            codes = {s: p.wait(timeout=20) for s, p in processes.items()}
            exited = time.monotonic() - sent
            left: list[Proc] = []
            for _ in range(100):  # 10 s
                left = [p for tree in trees.values() for p in tree if _running(p)]
                if not left:
                    break
                time.sleep(0.1)
            gone = time.monotonic() - sent
        term_log = tail(tmp_path / "SIGTERM" / "log")
        assert codes == {signal.SIGTERM: 128 + signal.SIGTERM, signal.SIGKILL: -signal.SIGKILL}
        assert exited < 15, exited
        assert left == [], f"{left}\n{term_log}"
        assert gone < 12, gone
        assert "Traceback" not in term_log, term_log
        # Item 15: the stopped run says so; the killed one is closed by the next run.
        assert _statuses(tmp_path / "SIGTERM") == [("interrupted", processes[signal.SIGTERM].pid)]
        killed = tmp_path / "SIGKILL"
        assert _statuses(killed) == [("running", processes[signal.SIGKILL].pid)]
        settings = load_settings(str(killed / "w.duckdb"), str(killed / "sources.toml"), {})
        driver.run_plain(settings, ())
        assert ("crashed", processes[signal.SIGKILL].pid) in _statuses(killed)
    finally:
        for process in processes.values():
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        for tree in trees.values():
            for proc in tree:
                if _running(proc):
                    os.kill(proc.pid, signal.SIGKILL)


# A guarded command in miniature, for the tests below: a worker pool busy, a child process,
# and a thread that will not end (a fetch dripping); `STUBBORN` unwinds as a flow does while
# Prefect waits for its tasks in flight: it keeps waiting.
GUARDED = """
import subprocess, sys, threading, time
from entente.flows.lifecycle import stopping_cleanly
from entente.ingest import process
from tests.ingest.pool_probe import linger

with stopping_cleanly(grace=1.5):
    pool = process._POOL.get(2)
    jobs = [pool.submit(linger, 600) for _ in range(2)]
    while len(pool._processes or {}) < 2:
        time.sleep(0.05)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    stuck = threading.Thread(target=time.sleep, args=(600,))
    stuck.start()
    time.sleep(1.0)
    print("ready", flush=True)
    try:
        stuck.join()
    except BaseException:
        if STUBBORN:
            time.sleep(600)
        raise
"""


@pytest.mark.parametrize(
    ("signum", "stubborn"),
    [(signal.SIGINT, False), (signal.SIGTERM, True)],
    ids=["ctrl-c-unwinds", "sigterm-stuck-unwinding"],
)
def test_a_guarded_command_stops_promptly_and_leaves_nothing(
    signum: int, stubborn: bool, tmp_path: Path
) -> None:
    """Ctrl-C (SIGINT) or SIGTERM: the command ends within its grace period even when the
    main thread cannot unwind (a thread stuck in a fetch, tasks awaited), with 128 + the
    signal's number, and stops its workers, its children and its watchdog."""
    log = tmp_path / "log"
    process = spawn(["-c", f"STUBBORN = {stubborn}\n" + GUARDED], dict(os.environ), log)
    tree: list[Proc] = []
    try:
        wait_for("the guarded block", lambda: "ready" in tail(log), timeout=120, log=log)
        tree = _tree(process.pid)
        commands = " ".join(p.command for p in tree)
        assert "entente.flows.watchdog" in commands and "time.sleep(600)" in commands
        assert sum("multiprocessing.forkserver" in p.command for p in tree) == 3
        os.kill(process.pid, signum)
        sent = time.monotonic()
        code = process.wait(timeout=15)
        exited = time.monotonic() - sent
        wait_for("nothing left", lambda: not any(_running(p) for p in tree), timeout=10, log=log)
    finally:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        for proc in tree:
            if _running(proc):
                os.kill(proc.pid, signal.SIGKILL)
    assert code == 128 + signum
    assert exited < (6 if stubborn else 4), exited
    said = tail(log)
    assert f"entente: {signal.Signals(signum).name}: stopping" in said
    assert ("forcing exit" in said) == stubborn, said
