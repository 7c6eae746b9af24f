"""Entente: diplomatic news feeds into a queryable DuckDB record of who cooperates with whom.

The code lives in four subpackages, each a top-level folder of the repository:
`entente.ingest` (the network: feeds, pages, extraction), `entente.transforms` (pure: text in,
records out), `entente.warehouse` (DuckDB: schema, loads, queries) and `entente.flows` (the
Prefect flows and the command line, wiring the other three).
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

try:
    __version__ = version("entente")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "connect"]


def connect(
    db: str | os.PathLike[str] | None = None, lake: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to the warehouse, with `search_articles()` ready.

    `db` is the DuckDB file (default: $ENTENTE_DB, else ./entente.duckdb). While a run
    holds the file, the connection reads the snapshot of the last run. It reads no file but
    the warehouse and writes no other file (DuckDB lets it write its own: a guard against
    mistakes, not a sandbox; `entente sql` also refuses such statements); close it when
    done (or use `with`), since an open connection to the live file keeps the scheduler
    from writing. `lake` names a DuckLake catalog instead, such as
    "postgres:dbname=entente host=db user=entente" (default: $ENTENTE_LAKE when no file is
    given), whose readers never keep its writers waiting.

        with entente.connect("news.duckdb") as con:
            con.sql("SELECT title FROM search_articles('gas pipeline') LIMIT 5").show()
    """
    from entente.warehouse.access import connect as open_warehouse

    return open_warehouse(db, lake)
