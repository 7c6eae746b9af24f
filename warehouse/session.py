"""What every warehouse connection is set up with: writer settings, transactions, the fts
extension. It imports nothing of Entente's, so every other warehouse module may use it."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from entente.transforms.errors import WarehouseError

# Threads DuckDB may use for a writer's statements. Its other threads mostly wait for work
# and spin while they do, taking CPU from the extraction workers on every core; the writes
# are many small statements, where a second thread has little to share (bench/pipeline).
WRITER_THREADS = 1
# DuckDB's buffer pool for a writer. By default it may take 80% of the machine, and a run's
# connection filled it between two lease closes (see db.LEASE): that sawtooth, with the
# search index compaction on top, set the run's peak memory. Anything bigger spills to
# `<db>.tmp`.
WRITER_MEMORY_LIMIT = "256MB"


def configure_writer(con: duckdb.DuckDBPyConnection) -> None:
    """A read-write connection's settings, before anything else runs on it."""
    # Closing the last connection would checkpoint, and a checkpoint rewrites every touched
    # table's index and last row group: with a write window per step, that made each load
    # cost more than the one before. The log is folded in when it passes DuckDB's
    # checkpoint_threshold, and at the end of each run (snapshot).
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute(f"SET threads = {WRITER_THREADS}")
    con.execute(f"SET memory_limit = '{WRITER_MEMORY_LIMIT}'")


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default database is a DuckLake (see warehouse/lake.py)."""
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row and row[0] == "ducklake")


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection is inside an explicit transaction."""
    # txid_current() is DuckDB's own storage's: on a lake it fails with an internal error,
    # which would invalidate the connection; current_transaction_id() answers there.
    probe = "SELECT current_transaction_id()" if is_lake(con) else "SELECT txid_current()"
    first = con.execute(probe).fetchone()
    second = con.execute(probe).fetchone()
    return first == second  # an explicit transaction keeps its id; autocommit takes a new one


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A transaction, or a part of the caller's when one is open already (a migration, or a
    load that refreshes the derived tables in its own transaction)."""
    if in_transaction(con):
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def extension_path(name: str = "fts") -> Path:
    """Where an extension from its `duckdb-extension-<name>` wheel lies on disk (fts, and for
    lakes ducklake and postgres_scanner)."""
    package = f"duckdb-extension-{name.replace('_', '-')}"
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError(f"the {package} package is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    version = duckdb.__version__
    path = root / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(root.rglob(f"{name}.duckdb_extension"))
        raise WarehouseError(
            f"no {name} extension for duckdb {version} under {root}"
            f" (found: {', '.join(str(p.parent.name) for p in found) or 'none'});"
            f" install {package} with the same version as duckdb"
        )
    return path


def load_extension(con: duckdb.DuckDBPyConnection, name: str = "fts") -> None:
    """Load an extension from its installed wheel; never from the network."""
    con.execute(f"LOAD '{extension_path(name)}'")
