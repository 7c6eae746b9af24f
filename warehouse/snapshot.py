"""A read snapshot beside the warehouse, so people's queries never wait on the scheduler.

DuckDB gives one process the file at a time: while a run loads, a reader cannot open it, and a
notebook that keeps a read-only connection open stops the scheduler from writing at all. After
each run the writer checkpoints and copies the file to `<name>.snapshot.duckdb`, replacing the
old copy atomically (rename), so a connection already open on the old snapshot keeps reading
it undisturbed. Commands read the live file when it is free and fall back to the snapshot,
saying so, when a load holds it.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from entente.transforms.errors import WarehouseError
from entente.warehouse.db import Warehouse, WarehouseLocked, close, open_reader
from entente.warehouse.lake import Lake
from entente.warehouse.readonly import lock_down

# How long a command waits for the live file before it answers from the snapshot.
LIVE_PATIENCE = 1.0


def snapshot_path(db: Path) -> Path:
    return db.with_name(f"{db.stem}.snapshot{db.suffix or '.duckdb'}")


def refuse_database(db: Warehouse, out: Path) -> None:
    """Refuse an output path that names a DuckDB database: the warehouse, its log or snapshot
    (one word off in `--out`), or any other (DuckDB writes "DUCK" at byte 8 of each)."""
    target = out.resolve()
    own = (
        set()
        if isinstance(db, Lake)
        else {p.resolve() for p in (db, db.with_name(f"{db.name}.wal"), snapshot_path(db))}
    )
    header = b""
    if target.is_file():
        with target.open("rb") as f:
            header = f.read(12)
    if target in own or header[8:12] == b"DUCK":
        raise WarehouseError(f"refused: {out} is a DuckDB database; name another file")


def refresh_snapshot(con: duckdb.DuckDBPyConnection, db: Path) -> Path:
    """Copy the checkpointed database beside itself; `con` is the open writer on `db`."""
    con.execute("CHECKPOINT")
    target = snapshot_path(db)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        shutil.copyfile(db, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _age(path: Path) -> str:
    seconds = max(0, int(time.time() - path.stat().st_mtime))
    taken = datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if seconds < 120:
        return f"{taken}, {seconds} s ago"
    return f"{taken}, {seconds // 60} min ago"


def _open_lake_reader(lake: Lake, writable: Sequence[Path]) -> duckdb.DuckDBPyConnection:
    """A lake has no snapshot file and needs none: a reader never waits for its writers."""
    con = open_reader(lake)
    try:
        row = con.execute(
            "SELECT value FROM ducklake_options(current_database()) WHERE option_name = 'data_path'"
        ).fetchone()
        lock_down(con, writable, readable=[str(row[0])] if row and row[0] else [])
    except BaseException:
        close(con)
        raise
    return con


def open_read_connection(
    db: Warehouse,
    patience: float = 30.0,
    on_wait: Callable[[str], None] | None = None,
    writable: Sequence[Path] = (),
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the live file, or to its snapshot while a load holds it;
    the caller closes it (`warehouse.db.close`).

    Without a snapshot the reader waits for the lock (up to `patience`), telling `on_wait`
    once; it never passes a raw lock error up. The connection is locked down (see
    warehouse/readonly.py): it reads the warehouse and writes only into `writable` folders.
    """
    if isinstance(db, Lake):
        return _open_lake_reader(db, writable)
    snap = snapshot_path(db)
    say = on_wait or (lambda _message: None)
    live_patience = LIVE_PATIENCE if snap.exists() else patience
    try:
        con = open_reader(
            db,
            patience=live_patience,
            on_wait=lambda left: (
                None
                if snap.exists()
                else say(f"{db} is being loaded; waiting up to {left:.0f} s for the load to finish")
            ),
        )
    except WarehouseLocked:
        if not snap.exists():
            raise
        say(f"{db} is being loaded; answering from the snapshot of the last run ({_age(snap)})")
        con = open_reader(snap, patience=patience)
    try:
        lock_down(con, writable)
    except BaseException:
        close(con)
        raise
    return con


@contextmanager
def read_connection(
    db: Warehouse,
    patience: float = 30.0,
    on_wait: Callable[[str], None] | None = None,
    writable: Sequence[Path] = (),
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`open_read_connection` for the `with` block."""
    con = open_read_connection(db, patience, on_wait, writable)
    try:
        yield con
    finally:
        close(con)
