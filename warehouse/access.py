"""`entente.connect()`: the warehouse for analysts in Python and notebooks."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

from entente.transforms.errors import ConfigError
from entente.warehouse.lake import Lake
from entente.warehouse.snapshot import open_read_connection

log = logging.getLogger("entente")


def connect(
    db: str | os.PathLike[str] | None = None, lake: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to the warehouse, with `search_articles()` ready.

    `db` is the DuckDB file (default: $ENTENTE_DB, else ./entente.duckdb). While a run holds
    the file, the connection reads the snapshot of the last run instead and says so (a
    warning on the `entente` logger). The connection reads nothing but the warehouse and
    writes nothing at all (see warehouse/readonly.py); close it when done, or use it in a
    `with` block, since an open connection to the live file keeps the scheduler from
    writing. `lake` names a DuckLake catalog instead (default: $ENTENTE_LAKE when no file
    is given); a lake's readers never keep its writers waiting.
    """
    if lake is not None and db is not None:
        raise ConfigError("connect() takes a DuckDB file or a lake, not both")
    if lake is None and db is None and os.environ.get("ENTENTE_LAKE"):
        lake = os.environ["ENTENTE_LAKE"]
    if lake is not None:
        return open_read_connection(Lake(lake, os.environ.get("ENTENTE_LAKE_DATA") or None))
    path = Path(db if db is not None else os.environ.get("ENTENTE_DB") or "entente.duckdb")
    return open_read_connection(path, on_wait=log.warning)
