"""Opening the warehouse: short-lived connections that wait politely for DuckDB's file lock.

DuckDB lets one process hold a database file for writing; any other process, reader or
writer, is refused with "Could not set lock on file". Entente therefore never keeps a
connection open between loads: a writer opens, loads in one transaction and closes, and a
second process retries with backoff until the lock is free or its patience runs out.

Inside one process the dangers are different. Prefect runs tasks in threads. DuckDB's
instance cache races when two threads open or close the same file at once (the loser gets
"Unique file handle conflict"), so opening and closing take a process-wide lock. And two
threads writing at once conflict at commit (two sources archiving the same page both insert
its key), so a thread holds the file's write lock for its whole `writer` block: within a
process, as between processes, one writer at a time.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from transforms.errors import WarehouseError
from warehouse.schema import migrate


class WarehouseLocked(WarehouseError):
    """Another process held the file lock for longer than the caller would wait."""


LOCK_MARKERS = ("could not set lock", "conflicting lock", "database is locked")

# Serialises duckdb.connect and close within this process (see the module docstring).
_OPEN_CLOSE = threading.Lock()
_WRITE_LOCKS: dict[Path, threading.RLock] = {}


def _write_lock(path: Path) -> threading.RLock:
    with _OPEN_CLOSE:
        return _WRITE_LOCKS.setdefault(path.resolve(), threading.RLock())


def _is_lock_error(exc: BaseException) -> bool:
    return any(marker in str(exc).lower() for marker in LOCK_MARKERS)


def _connect_with_retry(
    path: Path,
    read_only: bool,
    patience: float,
    on_wait: Callable[[float], None] | None,
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + patience
    delay = 0.05
    waited = False
    while True:
        try:
            with _OPEN_CLOSE:
                return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open {path}: {str(exc).splitlines()[0]}") from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WarehouseLocked(
                    f"{path} is locked by another Entente process for more than {patience:.0f} s;"
                    " try again when the current load finishes"
                ) from None
            if on_wait is not None and not waited:
                on_wait(remaining)
                waited = True
            time.sleep(min(delay * (1 + random.random()), remaining))
            delay = min(delay * 2, 1.0)


def _close(con: duckdb.DuckDBPyConnection) -> None:
    with _OPEN_CLOSE:
        con.close()


@contextmanager
def writer(
    path: Path, patience: float = 120.0, on_wait: Callable[[float], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection, held only for the `with` block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _write_lock(path):
        con = _connect_with_retry(path, False, patience, on_wait)
        try:
            # Closing the last connection would checkpoint, and a checkpoint rewrites every
            # touched table's index and last row group: with a write window per step, that
            # made each load cost more than the one before. The log is folded in when it
            # passes DuckDB's checkpoint_threshold, and at the end of each run (snapshot).
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
            migrate(con)
            yield con
        finally:
            _close(con)


@contextmanager
def reader(
    path: Path, patience: float = 30.0, on_wait: Callable[[float], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection: writes through it fail, and it never holds the write lock."""
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}; run `entente run` or `entente demo` first")
    con = _connect_with_retry(path, True, patience, on_wait)
    try:
        yield con
    finally:
        _close(con)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
