"""Issue 20, item 15: a run stopped by a signal, or killed, does not stay `running` forever.

A run records the process that runs it (host, pid, when that process started). Stopped by
SIGTERM or Ctrl-C, it marks itself `interrupted` on the way out; an exception marks it
`crashed`; and a run that could not say anything (SIGKILL, power loss) is marked `crashed`
by the next run on its host, which finds its process gone.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from entente.flows import driver
from entente.flows.lifecycle import this_process
from entente.ingest.settings import load_settings
from entente.warehouse.db import writer
from entente.warehouse.query import run_query
from tests.flows.served import spawn, tail, wait_for
from tests.ingest.faults import Served, fault_site, rss_feed

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _settings(tmp_path: Path, feed: str = "") -> object:
    sources = tmp_path / "sources.toml"
    entry = f'[[sources]]\nname = "busy"\nurl = "{feed}"\n' if feed else ""
    fetch = "[fetch]\nallow_private_networks = true\nmin_host_delay = 0\n"
    sources.write_text(fetch + entry, "utf-8")
    return load_settings(str(tmp_path / "w.duckdb"), str(sources), environ={})


def _runs(db: Path) -> dict[str, tuple[object, ...]]:
    _, rows = run_query(db, "SELECT run_id, status, host, pid, finished_at IS NULL FROM runs")
    return {row[0]: row[1:] for row in rows}


def _plant(
    db: Path, run_id: str, host: str | None, pid: int | None, since: datetime | None
) -> None:
    with writer(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, status, host, pid, process_started_at)"
            " VALUES (?, 'ingest', now(), 'running', ?, ?, ?)",
            [run_id, host, pid, since],
        )


def test_the_next_run_marks_the_runs_whose_process_is_gone(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    db = settings.db_path  # type: ignore[attr-defined]
    me = this_process()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_started = this_process(dead.pid).started_at
    dead.wait()
    with writer(db):
        pass
    _plant(db, "killed", me.host, dead.pid, dead_started)  # its process has ended
    _plant(db, "alive", me.host, me.pid, me.started_at)  # this very process: still running
    reused = me.started_at - timedelta(hours=1) if me.started_at else None
    _plant(db, "reused", me.host, me.pid, reused)  # its pid now belongs to another process
    _plant(db, "elsewhere", "another-host", 4242, datetime.now(UTC))  # cannot be checked
    _plant(db, "legacy", None, None, None)  # from before runs recorded their process
    summary = driver.run_plain(settings, ())  # type: ignore[arg-type]
    runs = _runs(db)
    assert runs["killed"] == ("crashed", me.host, dead.pid, False)
    assert runs["reused"][0] == "crashed"
    assert runs["legacy"][0] == "crashed"
    assert runs["alive"] == ("running", me.host, me.pid, True)
    assert runs["elsewhere"] == ("running", "another-host", 4242, True)
    assert runs[summary.run_id] == ("completed", socket.gethostname(), os.getpid(), False)


# A plain run (no Prefect) of one source whose pages drip, in the guarded block that the
# command line uses: what `entente run` is, minus the Prefect server.
PLAIN_RUN = """
import sys
from entente.flows import driver
from entente.flows.lifecycle import stopping_cleanly
from entente.ingest.settings import load_settings

settings = load_settings(sys.argv[1], sys.argv[2], environ={})
with stopping_cleanly():
    driver.run_plain(settings, settings.sources)
"""


def test_a_run_stopped_by_ctrl_c_says_interrupted(tmp_path: Path) -> None:
    """(SIGTERM, through Prefect: tests/flows/test_stopping.py.)"""
    signum = signal.SIGINT
    with fault_site() as site:
        origin = site.origins[0]
        pages = [
            (f"Talks {i}", site.add(origin, f"/a{i}.html", Served(200, b"x" * 400, HTML, drip=0.5)))
            for i in range(3)
        ]
        feed = site.add(origin, "/feed.xml", Served(200, rss_feed(pages)))
        settings = _settings(tmp_path, feed)
        db = settings.db_path  # type: ignore[attr-defined]
        log = tmp_path / "log"
        env = {**os.environ, "ENTENTE_WORKERS": "2"}
        process = spawn(["-c", PLAIN_RUN, str(db), str(tmp_path / "sources.toml")], env, log)
        try:
            # a request still being answered: a page dripping (the feed answers at once)
            wait_for("a page dripping", lambda: site.active > 0, 120, log)
            os.kill(process.pid, signum)
            assert process.wait(timeout=20) == 128 + signum, tail(log)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    ((status, host, pid, open_),) = _runs(db).values()
    assert (status, host, pid, open_) == ("interrupted", socket.gethostname(), process.pid, False)
