"""Readers during a load: an answer (live, or from the snapshot) and never a raw lock error."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from entente.flows.cli import main
from entente.transforms.errors import WarehouseError
from entente.transforms.records import RawDocument
from entente.warehouse import load
from entente.warehouse.db import writer
from entente.warehouse.query import run_query
from entente.warehouse.snapshot import read_connection, refresh_snapshot, snapshot_path
from tests.warehouse.holder import held_elsewhere
from tests.warehouse.sample import corpus, stored

REPO = Path(__file__).resolve().parents[2]

# A scheduler stand-in: loads batches of articles back to back, each in its own short write
# window (as flows/steps.py load_step does), for `seconds`.
LOADER = textwrap.dedent("""
    import sys, time
    from dataclasses import replace
    from pathlib import Path
    from tests.warehouse.sample import corpus
    from entente.warehouse import load
    from entente.warehouse.db import writer

    db, seconds = Path(sys.argv[1]), float(sys.argv[2])
    template = corpus()[0]
    end = time.monotonic() + seconds
    n = 0
    print("loading", flush=True)
    while time.monotonic() < end:
        batch = [
            replace(template, article_id=f"bg-{n}-{i}", url=f"https://bg/{n}/{i}",
                    content_hash=f"bg-{n}-{i}")
            for i in range(50)
        ]
        with writer(db) as con:
            load.load_articles(con, batch)
            # a slow load holds the lock longer than a reader waits for the live file
            # (snapshot.LIVE_PATIENCE), so a reader that meets it must use the snapshot
            time.sleep(1.2)
        n += 1
    print(n, flush=True)
""")


def start_loader(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(db), str(seconds)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "loading"
    return proc


def seeded(tmp_path: Path, snapshot: bool) -> Path:
    db = stored(tmp_path / "c.duckdb", corpus())
    if snapshot:
        with writer(db) as con:
            refresh_snapshot(con, db)
    return db


@pytest.mark.slow
def test_queries_during_loads_always_answer(tmp_path: Path) -> None:
    db = seeded(tmp_path, snapshot=True)
    loader = start_loader(db, seconds=6)
    messages: list[str] = []
    answers = 0
    try:
        while loader.poll() is None:
            _, rows = run_query(db, "SELECT count(*) FROM articles", on_wait=messages.append)
            assert rows[0][0] >= len(corpus())
            answers += 1
    finally:
        loader.wait(timeout=60)
    assert loader.returncode == 0, "the loader must never fail because of our readers"
    assert answers >= 3
    assert any("snapshot" in m for m in messages), messages
    assert not any("could not set lock" in m.lower() for m in messages)


@pytest.mark.slow
def test_without_a_snapshot_a_reader_waits_with_a_message(tmp_path: Path) -> None:
    db = seeded(tmp_path, snapshot=False)
    loader = start_loader(db, seconds=3)
    messages: list[str] = []
    try:
        _, rows = run_query(db, "SELECT count(*) FROM articles", on_wait=messages.append)
    finally:
        loader.wait(timeout=60)
    assert rows[0][0] >= len(corpus())
    if messages:  # the reader may have slipped in between two loads
        assert "being loaded; waiting" in messages[0]


def test_snapshot_serves_while_the_writer_holds_the_file(tmp_path: Path) -> None:
    db = seeded(tmp_path, snapshot=True)
    with held_elsewhere(db):
        started = time.monotonic()
        messages: list[str] = []
        with read_connection(db, on_wait=messages.append) as con:
            n = con.execute("SELECT count(*) FROM story_coverage").fetchone()
        assert n == (len(corpus()) - 1,)
        assert time.monotonic() - started < 10
        assert len(messages) == 1 and "snapshot of the last run" in messages[0]


def test_cli_reports_waiting_not_a_lock_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = seeded(tmp_path, snapshot=True)
    with held_elsewhere(db):
        code = main(
            ["sql", "--db", str(db), "SELECT count(*) AS n FROM articles", "--format", "csv"]
        )
        out, err = capsys.readouterr()
        assert code == 0
        assert out.splitlines() == ["n", str(len(corpus()))]
        assert "snapshot" in err and "lock" not in err.lower()
        assert main(["search", "--db", str(db), "gas pipeline"]) == 0
        assert "gas pipeline" in capsys.readouterr().out.lower()


def test_snapshot_is_replaced_under_an_open_reader(tmp_path: Path) -> None:
    db = seeded(tmp_path, snapshot=True)
    snap = snapshot_path(db)
    # A notebook holding the snapshot open does not stop the next refresh (another process).
    notebook = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(snap)!r}, read_only=True);"
            " print(c.execute('SELECT count(*) FROM articles').fetchone()[0], flush=True);"
            " time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert notebook.stdout is not None
        assert notebook.stdout.readline().strip() == str(len(corpus()))
        with writer(db) as con:
            con.execute("DELETE FROM articles WHERE article_id = 's6'")
            refresh_snapshot(con, db)
        _, rows = run_query(snap, "SELECT count(*) FROM articles")
        assert rows == [(len(corpus()) - 1,)]
    finally:
        notebook.kill()
        notebook.wait()


def test_a_missing_warehouse_is_still_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse"):
        run_query(tmp_path / "none.duckdb", "SELECT 1")


def errors_in_threads(work: Callable[[int], None], count: int = 4) -> list[str]:
    """Run work(0) .. work(count - 1) in threads released together; what each raised."""
    start = threading.Barrier(count)
    errors: list[str] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except Exception as exc:
            errors.append(f"{n}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_of_one_process_never_open_the_warehouse_at_the_same_instant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefect runs tasks in threads, and DuckDB's instance cache races when two threads open
    one file at once ("Unique file handle conflict", seen failing a demo source in CI). Opening
    is slowed down here so that any overlap between threads would be seen."""
    db = tmp_path / "threads.duckdb"
    with writer(db):
        pass
    real_connect = duckdb.connect
    in_flight, most = 0, 0
    counter = threading.Lock()

    def slow_connect(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        nonlocal in_flight, most
        with counter:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.02)
        try:
            return real_connect(*args, **kwargs)
        finally:
            with counter:
                in_flight -= 1

    monkeypatch.setattr(duckdb, "connect", slow_connect)

    def open_and_read(_: int) -> None:
        for _ in range(5):
            with writer(db) as con:
                con.execute("SELECT count(*) FROM articles").fetchall()

    assert errors_in_threads(open_and_read) == []
    assert most == 1


def test_threads_archiving_the_same_page_at_once_both_succeed(tmp_path: Path) -> None:
    """Two sources linking one page archive it from two threads; DuckDB would fail one
    commit on the duplicate key if both transactions were open at once."""
    db = tmp_path / "archive.duckdb"
    doc = RawDocument(
        url="https://example.org/a",
        final_url="https://example.org/a",
        source="one",
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        content_type="text/html",
        body=b"<html><body><p>" + b"Ministers met. " * 2000 + b"</p></body></html>",
    )
    with writer(db):
        pass

    def archive(n: int) -> None:
        with writer(db) as con:
            load.archive_raw(con, [replace(doc, source=f"source-{n}")])

    assert errors_in_threads(archive) == []
    with writer(db) as con:
        assert con.execute("SELECT count(*) FROM raw_documents").fetchall() == [(1,)]
