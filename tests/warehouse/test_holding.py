"""A run holds one write connection across its write windows, and still lets others in."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from entente.warehouse import db, session
from entente.warehouse.db import holding, reader, writer

REPO = Path(__file__).resolve().parents[2]

# Another process that wants the file: prints how long it waited for it.
WAITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from entente.warehouse.db import writer

    started = time.monotonic()
    with writer(Path(sys.argv[1]), patience=60) as con:
        con.execute("INSERT INTO t VALUES (-1)")
    print(f"{time.monotonic() - started:.3f}", flush=True)
""")


def _counting_connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = duckdb.connect

    def connect(path: str, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(path)
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", connect)
    return opened


def test_write_windows_inside_a_run_share_one_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.duckdb"
    opened = _counting_connects(monkeypatch)
    with holding(path):
        for i in range(20):
            with writer(path) as con:
                con.execute("CREATE TABLE IF NOT EXISTS t (i INTEGER)")
                con.execute("INSERT INTO t VALUES (?)", [i])
        assert len(opened) == 1
    # outside a run every window opens its own connection, as before
    for _ in range(2):
        with writer(path) as con:
            con.execute("SELECT 1")
    assert len(opened) == 3
    # and the run's end really closed the file: another process opens it at once
    done = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r}).close()"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_an_idle_held_connection_is_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "IDLE_CLOSE", 0.3)
    path = tmp_path / "h.duckdb"
    with holding(path):
        with writer(path) as con:
            con.execute("CREATE TABLE t (i INTEGER)")
        held = db._HELD[path.resolve()]
        assert held.con is not None
        deadline = time.monotonic() + 5
        while held.con is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held.con is None
        with writer(path) as con:  # and reopens when needed
            assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_a_busy_held_connection_is_renewed_after_its_lease(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "LEASE", 0.2)
    path = tmp_path / "h.duckdb"
    with writer(path):
        pass  # a new file's first open migrates it: on a busy machine, the whole second
    opened = _counting_connects(monkeypatch)
    writes = 0
    with holding(path):
        # Write without pause until the connection has been renewed twice; a loaded machine
        # only makes this take longer, never changes what it shows.
        deadline = time.monotonic() + 30
        while len(opened) < 3 and time.monotonic() < deadline:
            with writer(path) as con:
                con.execute("CREATE TABLE IF NOT EXISTS t (i INTEGER)")
                con.execute("INSERT INTO t VALUES (1)")
            writes += 1
    assert len(opened) >= 3, "a connection held past its lease was never renewed"
    assert writes > len(opened), "the held connection was reopened for every write"


def test_a_failed_window_drops_the_held_connection(tmp_path: Path) -> None:
    path = tmp_path / "h.duckdb"
    with holding(path):
        with writer(path) as con:
            con.execute("CREATE TABLE t (i INTEGER PRIMARY KEY)")
        with pytest.raises(duckdb.ConstraintException), writer(path) as con:
            con.execute("INSERT INTO t VALUES (1), (1)")
        assert db._HELD[path.resolve()].con is None
        with writer(path) as con:
            assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_a_reader_in_the_same_process_gets_in_during_a_run(tmp_path: Path) -> None:
    path = tmp_path / "h.duckdb"
    with holding(path):
        with writer(path) as con:
            con.execute("CREATE TABLE t AS SELECT 7 AS i")
        with reader(path) as con:
            assert con.execute("SELECT i FROM t").fetchone() == (7,)
        with writer(path) as con:
            con.execute("INSERT INTO t VALUES (8)")


def test_a_waiting_process_gets_its_turn_while_a_run_writes_back_to_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "h.duckdb"
    with writer(path) as con:
        con.execute("CREATE TABLE t (i INTEGER)")
    stop = threading.Event()
    windows = 0

    def run() -> None:
        # a run that never pauses long enough for a lock retry to land by chance
        nonlocal windows
        with holding(path):
            while not stop.is_set():
                with writer(path) as con:
                    con.execute("INSERT INTO t VALUES (?)", [windows])
                windows += 1

    loader = threading.Thread(target=run)
    loader.start()
    try:
        time.sleep(0.5)
        waiter = subprocess.run(
            [sys.executable, "-c", WAITER, str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=REPO,
        )
    finally:
        stop.set()
        loader.join(timeout=60)
    assert waiter.returncode == 0, waiter.stderr
    # The waiter's own start-up (imports) is in its figure; without the waiting marker it
    # waited out its whole patience (60 s) and failed.
    assert float(waiter.stdout) < 3, waiter.stdout
    assert windows > 10
    with writer(path) as con:
        assert con.execute("SELECT count(*) FROM t WHERE i = -1").fetchone() == (1,)


def test_a_writer_uses_one_duckdb_thread_and_a_bounded_buffer_pool(tmp_path: Path) -> None:
    # the extraction workers have the cores; DuckDB's own threads would spin beside them
    with writer(tmp_path / "t.duckdb") as con:
        row = con.execute(
            "SELECT current_setting('threads'), current_setting('memory_limit')"
        ).fetchone()
    assert row == (1, "244.1 MiB")  # DuckDB shows 256MB in MiB
    assert (session.WRITER_THREADS, session.WRITER_MEMORY_LIMIT) == (1, "256MB")
