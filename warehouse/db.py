"""Opening the warehouse: short-lived connections that wait politely for DuckDB's file lock.

DuckDB lets one process hold a database file for writing; any other process, reader or
writer, is refused with "Could not set lock on file". Entente therefore writes in short
transactions and does not sit on the file: a second process retries with backoff until the
lock is free or its patience runs out (and says it is waiting, see below).

Inside one process the dangers are different. Prefect runs tasks in threads. DuckDB's
instance cache races when two threads open or close the same file at once (the loser gets
"Unique file handle conflict"), so opening and closing take a process-wide lock. And two
threads writing at once conflict at commit (two sources archiving the same page both insert
its key), so a thread holds the file's write lock for its whole `writer` block: within a
process, as between processes, one writer at a time.

Opening is not free: DuckDB replays the write-ahead log at every open, which grows as a
run loads sources, and a run has several write windows per source. A run therefore
wraps itself in `holding(path)`: inside it, consecutive `writer` blocks share one open
connection, which is closed as soon as it has been idle for IDLE_CLOSE seconds, once it has
been open for LEASE seconds, when the run ends, or when another process is waiting for the
file. A process refused the lock says so by
touching a marker file beside the database (`.<name>.waiting`); a holder that sees a fresh
marker it did not touch closes at the end of its current block and lets the waiter in
before it opens again.

A lake (warehouse/lake.py) needs none of this: every function here that takes a `Warehouse`
hands a `Lake` to that module, whose writers commit side by side.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from entente.transforms.errors import WarehouseError
from entente.warehouse import lake as lakes
from entente.warehouse.derived import rebuild
from entente.warehouse.lake import Lake
from entente.warehouse.schema import migrate
from entente.warehouse.session import configure_writer

# Where the warehouse is: a DuckDB file, or a lake.
Warehouse = Path | Lake
# What a `writer` or `reader` gives, named for the modules that may not import duckdb.
Connection = duckdb.DuckDBPyConnection
T = TypeVar("T")


class WarehouseLocked(WarehouseError):
    """Another process held the file lock for longer than the caller would wait."""


LOCK_MARKERS = ("could not set lock", "conflicting lock", "database is locked")

# Serialises duckdb.connect and close within this process (see the module docstring).
_OPEN_CLOSE = threading.Lock()
_WRITE_LOCKS: dict[Path, threading.RLock] = {}

# A held connection idle this long is closed, so that processes which do not say they wait
# (DuckDB's own shell) get the file between a run's bursts of writes; one whose owner is
# waiting is closed at the holder's next look, every CLOSER_TICK seconds.
IDLE_CLOSE = 2.0
CLOSER_TICK = 0.1
# A held connection is closed after this long even when busy: closing frees DuckDB's buffer
# cache, which otherwise grows with the warehouse and set a long run's peak memory; a
# reopen this seldom costs little (bench/pipeline's README).
LEASE = 10.0
# A waiting marker touched this recently means a process is waiting now.
WAITING_FRESH = 2.0
# While another process waits, a holder that let it in waits this long at most before it
# tries the file again (it then queues like anyone else).
YIELD_AT_MOST = 2.0


def _write_lock(path: Path) -> threading.RLock:
    with _OPEN_CLOSE:
        return _WRITE_LOCKS.setdefault(path.resolve(), threading.RLock())


def _is_lock_error(exc: BaseException) -> bool:
    return any(marker in str(exc).lower() for marker in LOCK_MARKERS)


def waiting_marker(path: Path) -> Path:
    return path.with_name(f".{path.name}.waiting")


# mtime_ns of the marker as this process last touched it, per marker: our own touch is not
# somebody else waiting.
_TOUCHED: dict[Path, int] = {}


def _touch_waiting(path: Path) -> None:
    marker = waiting_marker(path)
    try:
        marker.touch()
        _TOUCHED[marker] = marker.stat().st_mtime_ns
    except OSError:
        pass  # a read-only folder: waiting still works, only more slowly


def _untouch_waiting(path: Path) -> None:
    """Remove the marker once in, unless another process has touched it since."""
    marker = waiting_marker(path)
    try:
        if marker.stat().st_mtime_ns == _TOUCHED.get(marker):
            marker.unlink()
    except OSError:
        pass


def others_waiting(path: Path) -> bool:
    """Whether another process was refused the file in the last WAITING_FRESH seconds."""
    marker = waiting_marker(path)
    try:
        mtime = marker.stat().st_mtime_ns
    except OSError:
        return False
    return mtime != _TOUCHED.get(marker) and time.time() - mtime / 1e9 < WAITING_FRESH


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
                con = duckdb.connect(str(path), read_only=read_only)
            if waited:
                _untouch_waiting(path)
            return con
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open {path}: {str(exc).splitlines()[0]}") from None
            _touch_waiting(path)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _untouch_waiting(path)  # no longer waiting: the holder need not stand aside
                raise WarehouseLocked(
                    f"{path} is locked by another Entente process for more than {patience:.0f} s;"
                    " try again when the current load finishes"
                ) from None
            if on_wait is not None and not waited:
                on_wait(remaining)
            waited = True
            time.sleep(min(delay * (1 + random.random()), remaining))
            delay = min(delay * 2, 0.5)  # the marker stays fresh


def _close(con: duckdb.DuckDBPyConnection) -> None:
    with _OPEN_CLOSE:
        con.close()


class _Held:
    """The connection a `holding` block keeps open for one database, and its closer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con: duckdb.DuckDBPyConnection | None = None
        self.sessions = 0
        self.last_used = 0.0
        self.opened = 0.0
        self.closer: threading.Thread | None = None
        self.wake = threading.Event()

    def close(self) -> None:
        if self.con is not None:
            _close(self.con)
            self.con = None

    def close_when_idle(self) -> None:
        """Runs in a daemon thread while sessions last: close the connection when idle."""
        lock = _write_lock(self.path)
        while True:
            self.wake.wait(CLOSER_TICK)
            self.wake.clear()
            with _OPEN_CLOSE:
                if self.sessions == 0:
                    self.closer = None
                    return
            if self.con is None or not self.due_to_close():
                continue
            if lock.acquire(blocking=False):  # a writer block in use keeps it
                try:
                    if self.con is not None and self.due_to_close():
                        self.close()
                finally:
                    lock.release()

    def due_to_close(self) -> bool:
        """Idle, past its lease, or wanted by another process: the one rule, checked at
        each block's end and by the closer thread."""
        now = time.monotonic()
        return (
            now - self.last_used >= IDLE_CLOSE
            or now - self.opened >= LEASE
            or others_waiting(self.path)
        )


_HELD: dict[Path, _Held] = {}
_DEPTH = threading.local()


@contextmanager
def holding(path: Warehouse) -> Iterator[None]:
    """Let the `writer` blocks inside this block share one connection (see the docstring).

    Process-wide: `writer` blocks in other threads share it too. The connection is closed
    when the last `holding` block for the path ends. A lake holds no lock (lake.sharing).
    """
    if isinstance(path, Lake):
        with lakes.sharing(path):  # one attach for the block's writes; no lock is held
            yield
        return
    with _OPEN_CLOSE:
        held = _HELD.setdefault(path.resolve(), _Held(path))
        held.sessions += 1
        if held.closer is None:
            held.closer = threading.Thread(
                target=held.close_when_idle, name="entente-db-closer", daemon=True
            )
            held.closer.start()
    try:
        yield
    finally:
        with _write_lock(path):
            with _OPEN_CLOSE:
                held.sessions -= 1
                last = held.sessions == 0
            if last:
                held.close()
                held.wake.set()


def release(path: Warehouse) -> None:
    """Close a held connection to `path` now (before opening it read-only, say)."""
    if isinstance(path, Lake):
        return
    held = _HELD.get(path.resolve())
    if held is not None:
        with _write_lock(path):
            held.close()


def _open_writer(
    path: Path, patience: float, on_wait: Callable[[float], None] | None
) -> duckdb.DuckDBPyConnection:
    con = _connect_with_retry(path, False, patience, on_wait)
    try:
        configure_writer(con)
        migrate(con, rebuild=rebuild)
    except BaseException:
        _close(con)
        raise
    return con


def _let_waiters_in(path: Path) -> None:
    """Before a holder opens again: give a waiting process its turn, briefly."""
    end = time.monotonic() + YIELD_AT_MOST
    while others_waiting(path) and time.monotonic() < end:
        time.sleep(0.02)


def write(
    path: Warehouse,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    patience: float = 120.0,
    on_wait: Callable[[float], None] | None = None,
    exclusive: bool = True,
) -> T:
    """Run `work` on a `writer` connection and return its result. On a lake `work` is one
    transaction, run again from the start when its commit conflicts with another writer's
    (warehouse/lake.py); `exclusive=False` is for work that only appends."""
    if isinstance(path, Lake):
        return lakes.write(path, work, patience, exclusive)
    with writer(path, patience, on_wait) as con:
        return work(con)


@contextmanager
def writer(
    path: Warehouse, patience: float = 120.0, on_wait: Callable[[float], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection, held only for the `with` block.

    Inside `holding(path)`, the connection may stay open after the block for the next one.
    On a lake the block is one transaction, not run again on a conflict: writes go through
    `write`.
    """
    if isinstance(path, Lake):
        with lakes.writer(path, patience) as con:
            yield con
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _write_lock(path):
        held = _HELD.get(path.resolve())
        depth = getattr(_DEPTH, "value", 0)
        if held is None or held.sessions == 0 or depth > 0:
            # no session, or a block nested in another: a connection of its own
            con = _open_writer(path, patience, on_wait)
            _DEPTH.value = depth + 1
            try:
                yield con
            finally:
                _DEPTH.value = depth
                _close(con)
            return
        if held.con is None:
            _let_waiters_in(path)
            held.con = _open_writer(path, patience, on_wait)
            held.opened = time.monotonic()
        _DEPTH.value = 1
        try:
            yield held.con
        except BaseException:
            held.close()  # whatever failed may have left the connection unusable
            raise
        finally:
            _DEPTH.value = 0
            held.last_used = time.monotonic()
        if held.due_to_close():
            held.close()


def open_reader(
    path: Warehouse, patience: float = 30.0, on_wait: Callable[[float], None] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only connection the caller closes (with `close`): writes through it fail, and
    it never holds the write lock."""
    if isinstance(path, Lake):
        return lakes.open_reader(path)
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}; run `entente run` or `entente demo` first")
    release(path)  # DuckDB refuses a read-only open beside a read-write one in one process
    return _connect_with_retry(path, True, patience, on_wait)


def close(con: duckdb.DuckDBPyConnection) -> None:
    """Close a connection from `open_reader` (see the module docstring for why it locks)."""
    _close(con)


@contextmanager
def reader(
    path: Warehouse, patience: float = 30.0, on_wait: Callable[[float], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`open_reader` for the `with` block."""
    con = open_reader(path, patience, on_wait)
    try:
        yield con
    finally:
        _close(con)
