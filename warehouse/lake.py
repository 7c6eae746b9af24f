"""A lake warehouse: DuckLake, with its catalog in PostgreSQL and its Parquet files in a folder.

One DuckDB file admits one writing process. A lake admits many, on many hosts: each
connection here is an in-memory DuckDB with the lake attached as `lake` and made the default
database, so every query of the warehouse modules runs on it unchanged. The schema is the
file's (warehouse/schema.py builds it on a lake without keys, indexes or sequences, which
DuckLake has not), and nothing is locked: no file lock, no marker files; a run's writes
share one attach of the lake (`sharing`), which holds nothing but a catalog connection.

DuckLake commits optimistically. Two transactions that only append both commit (DuckLake
retries the loser itself); two that delete from the same rows conflict, and the loser fails
at COMMIT. The loads read what is stored, then insert what is not (without keys, nothing
else stops a second copy): two loads of one article at once would both insert it. Every
writing block (`write`) therefore also updates the one row of `lake_commits`, so any two
writing blocks that overlap conflict, and the one that loses runs again, from the start, on
the lake as the winner left it: writes are serialisable, and a load run twice is a load
that finds its articles stored. Fetching and extraction, the bulk of a run, stay parallel;
readers take no part and are never refused.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import duckdb

from entente.transforms.errors import WarehouseError
from entente.warehouse.derived import rebuild
from entente.warehouse.schema import LAKE_COMMITS, has_table, migrate, pending
from entente.warehouse.session import configure_writer, load_extension

T = TypeVar("T")
log = logging.getLogger(__name__)

# The attached lake's name in each connection; the warehouse's SQL names no database.
ALIAS = "lake"

# How long an attach that lost the making of a new lake to another process tries again.
ATTACH_PATIENCE = 30.0
# Waits between attempts after a conflict: from FIRST_WAIT, doubling to LAST_WAIT, each
# drawn at random up to that (full jitter), so writers that lost together do not collide
# again together.
FIRST_WAIT = 0.05
LAST_WAIT = 2.0


class LakeBusy(WarehouseError):
    """Commits kept conflicting with other writers for longer than the caller would wait."""


@dataclass(frozen=True, slots=True)
class Lake:
    """A DuckLake warehouse: its catalog (`postgres:dbname=... host=... user=...`) and the
    folder or object store its Parquet files go to (needed once, when the lake is made)."""

    catalog: str
    data: str | None = None

    def __str__(self) -> str:
        """The catalog as messages show it: a password in it is not shown."""
        return hide_password(self.catalog)


def hide_password(text: str) -> str:
    return re.sub(r"(password\s*=\s*)('[^']*'|[^\s\"]+)", r"\1***", text)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def attach(con: duckdb.DuckDBPyConnection, lake: Lake, read_only: bool = False) -> None:
    """Load the lake's extensions from their wheels, attach it as `lake` and use it."""
    for name in ("ducklake", "postgres_scanner"):
        load_extension(con, name)
    catalog = lake.catalog if lake.catalog.startswith("ducklake:") else f"ducklake:{lake.catalog}"
    options = []
    if lake.data:
        options.append(f"DATA_PATH {_quoted(lake.data)}")
    if read_only:
        options.append("READ_ONLY")
    listed = f" ({', '.join(options)})" if options else ""
    waits = _waits(ATTACH_PATIENCE)
    while True:
        try:
            con.execute(f"ATTACH {_quoted(catalog)} AS {ALIAS}{listed}")
            break
        except duckdb.Error as exc:
            message = hide_password(_first_line(exc))
            if read_only and "creating a new DuckLake is explicitly disabled" in message:
                raise WarehouseError(
                    f"no warehouse in the lake {lake}; run `entente run --lake ...` first"
                ) from None
            # Two processes that make a new lake at once both create DuckLake's own tables
            # in the catalog; the one PostgreSQL refuses tries again and finds them.
            wait = next(waits, None) if "initialize DuckLake" in message else None
            if wait is None:
                raise WarehouseError(f"cannot open the lake {lake}: {message}") from None
            time.sleep(wait)
    con.execute(f"USE {ALIAS}")
    load_extension(con)  # fts: the search index's stemmers, and search_articles()


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def open_lake(lake: Lake, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached and in use; the caller closes it."""
    con = duckdb.connect()
    try:
        if not read_only:
            configure_writer(con)
        attach(con, lake, read_only)
    except BaseException:
        con.close()
        raise
    return con


def is_conflict(exc: BaseException) -> bool:
    """A commit that lost to another writer's, worth running again."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException | duckdb.ConstraintException) and (
        "conflict" in text or "failed to commit" in text or "retry count" in text
    )


def _waits(patience: float) -> Iterator[float]:
    """How long to wait before each next attempt, until `patience` seconds have gone."""
    deadline = time.monotonic() + patience
    ceiling = FIRST_WAIT
    while (left := deadline - time.monotonic()) > 0:
        yield min(left, random.uniform(0, ceiling))
        ceiling = min(ceiling * 2, LAST_WAIT)


# Lakes migrated by this process: a writer checks the schema once per process, not per block.
_MIGRATED: set[Lake] = set()
_MIGRATING = threading.Lock()


def _migrated(con: duckdb.DuckDBPyConnection, lake: Lake, patience: float) -> None:
    with _MIGRATING:
        if lake in _MIGRATED:
            return
        # Two processes that meet a new lake both create its tables: one commits, the other
        # conflicts (two creates of one name), runs again, and finds them made.
        if pending(con):
            # a new lake has no lake_commits to claim yet: its first migration makes it
            made = has_table(con, LAKE_COMMITS)
            retrying(con, lambda c: migrate(c, rebuild=rebuild), patience, exclusive=made)
        _MIGRATED.add(lake)


def retrying(
    con: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    patience: float = 120.0,
    exclusive: bool = True,
) -> T:
    """Run `work` in one transaction on `con`, again from the start after each conflict,
    for `patience` seconds at most. `exclusive` claims `lake_commits` (see the docstring):
    leave it out only for blocks that append and read nothing back (and for the migration
    that makes the table)."""
    attempts = 0
    waits = _waits(patience)
    while True:
        attempts += 1
        con.execute("BEGIN TRANSACTION")
        try:
            if exclusive:
                con.execute(f"UPDATE {LAKE_COMMITS} SET commits = commits + 1")
            result = work(con)
            con.execute("COMMIT")
            return result
        except BaseException as exc:
            _rollback(con)
            if not is_conflict(exc):
                raise
            wait = next(waits, None)
            log.info("lake commit conflicted (attempt %d): %s", attempts, _first_line(exc))
            if wait is None:
                raise LakeBusy(
                    f"the lake {current_lake(con)} kept refusing this write for"
                    f" {patience:.0f} s ({attempts} attempts, other writers committed"
                    " first); try again when fewer write at once"
                ) from None
            time.sleep(wait)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # a failed COMMIT ends the transaction itself
        con.execute("ROLLBACK")


def current_lake(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return str(Lake(str(row[0]))) if row else ALIAS  # a password left out


# Attached lakes this process's writers share, with how many `sharing` blocks use each.
_SHARED: dict[Lake, tuple[duckdb.DuckDBPyConnection, int]] = {}
_SHARING = threading.Lock()


@contextmanager
def sharing(lake: Lake) -> Iterator[None]:
    """Within this block (a run), this process's writers of the lake share one attached
    DuckDB, a cursor each, instead of attaching for every write: an attach loads two
    extensions and reads the catalog, about 0.2 s. It holds no lock on anything."""
    with _SHARING:
        con, users = _SHARED.get(lake) or (None, 0)
        if con is None:
            con = open_lake(lake)
        _SHARED[lake] = (con, users + 1)
    try:
        yield
    finally:
        with _SHARING:
            con, users = _SHARED[lake]
            if users == 1:
                del _SHARED[lake]
                con.close()
            else:
                _SHARED[lake] = (con, users - 1)


@contextmanager
def _connection(lake: Lake) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection: a cursor on the shared attach inside `sharing`, else one
    of its own."""
    with _SHARING:
        shared = _SHARED.get(lake)
        cursor = shared[0].cursor() if shared else None
    if cursor is None:
        con = open_lake(lake)
    else:
        con = cursor
        con.execute(f"USE {ALIAS}")  # the default database is each connection's own
    try:
        yield con
    finally:
        con.close()


def write(
    lake: Lake,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    patience: float = 120.0,
    exclusive: bool = True,
) -> T:
    """Open the lake, bring its schema up to date, run `work` in one transaction (again after
    each conflict, see `retrying`), close it, and return what `work` returned."""
    with _connection(lake) as con:
        _migrated(con, lake, patience)
        return retrying(con, work, patience, exclusive)


@contextmanager
def writer(lake: Lake, patience: float = 120.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection to the lake for the `with` block, which runs in one
    transaction. Not run again on a conflict: for reads, and writes that cannot conflict;
    other writes go through `write`."""
    with _connection(lake) as con:
        _migrated(con, lake, patience)
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            _rollback(con)
            raise
        con.execute("COMMIT")


def open_reader(lake: Lake) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the lake, the caller's to close; it never waits for writers
    (each query reads the last snapshot committed when its transaction began)."""
    con = open_lake(lake, read_only=True)
    try:
        made = has_table(con, "schema_migrations")
    except BaseException:
        con.close()
        raise
    if not made:
        con.close()
        raise WarehouseError(f"no warehouse in the lake {lake}; run `entente run --lake ...` first")
    return con


# Lake maintenance (DuckLake's own functions), every MAINTAIN_EVERY runs and by
# `entente maintain`: rows inlined in the catalog go to Parquet, small files are merged,
# snapshots older than KEEP_SNAPSHOTS are expired (no time travel before that), and the files
# they alone used are deleted once scheduled for FILE_GRACE (a reader that began before may
# still be reading them).
MAINTAIN_EVERY = 20
KEEP_SNAPSHOTS = "1 day"
FILE_GRACE = "1 hour"
_MAINTENANCE = (
    "CALL ducklake_flush_inlined_data('{lake}')",
    "CALL ducklake_merge_adjacent_files('{lake}')",
    "CALL ducklake_expire_snapshots('{lake}', older_than => now() - INTERVAL '{keep}')",
    "CALL ducklake_cleanup_old_files('{lake}', older_than => now() - INTERVAL '{grace}')",
)


def maintain(
    lake: Lake, keep: str = KEEP_SNAPSHOTS, grace: str = FILE_GRACE, patience: float = 120.0
) -> list[str]:
    """Run DuckLake's maintenance on the lake, each step again after a conflict with a
    writer; return the steps run."""
    done: list[str] = []
    with _connection(lake) as con:
        _migrated(con, lake, patience)
        for step in _MAINTENANCE:
            sql = step.format(lake=ALIAS, keep=keep, grace=grace)
            name = sql.split("(")[0].removeprefix("CALL ")
            waits = _waits(patience)
            while True:
                try:
                    con.execute(sql).fetchall()
                    break
                except duckdb.Error as exc:
                    wait = next(waits, None)
                    if not is_conflict(exc) or wait is None:
                        raise WarehouseError(
                            f"lake maintenance failed at {name}: {_first_line(exc)}"
                        ) from None
                    time.sleep(wait)
            done.append(name)
    return done


def maintain_if_due(lake: Lake, every: int = MAINTAIN_EVERY) -> bool:
    """After a run: maintain the lake when the finished runs are a multiple of `every`.
    A failure is logged, never raised: the run's rows are committed already."""
    try:
        with writer(lake) as con:
            row = con.execute("SELECT count(*) FROM runs WHERE status <> 'running'").fetchone()
        finished = int(row[0]) if row else 0
        if finished == 0 or finished % every:
            return False
        maintain(lake)
    except Exception as exc:
        log.warning("lake maintenance skipped: %s", _first_line(exc))
        return False
    return True
