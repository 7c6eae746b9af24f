"""What a reader's connection may do: query the warehouse, and nothing else.

A read-only DuckDB connection still reads and writes any file the user can (`COPY ... TO`,
`read_csv('/etc/passwd')`, `EXPORT DATABASE`), installs extensions from the network into
`~/.duckdb`, and may change all of that with `SET`. Every connection handed to people
(`entente sql`, `search`, `report`, `export`, `entente.connect()`) is therefore locked down
first: the fts extension is loaded from the installed wheel, then external access is turned
off (no file but the warehouse itself, its log and its spill folder; no network), extensions
are neither installed nor loaded on demand, secrets are never written to disk, and the
configuration is locked so that no statement can undo it. DuckDB keeps these settings per
open database, so they hold for every connection to the same file in this process.

DuckDB still lets such a connection write to its own database file and log (it allows the
files of attached databases); `warehouse/query.py` therefore also refuses every statement
that is not a query.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import duckdb

from entente.transforms.errors import WarehouseError
from entente.warehouse.session import load_extension

# Settings a notebook may still change after the lock: they touch no file and no network.
CHANGEABLE = ("threads", "memory_limit", "TimeZone", "Calendar", "enable_progress_bar")


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


def lock_down(
    con: duckdb.DuckDBPyConnection, writable: Sequence[Path] = (), readable: Sequence[str] = ()
) -> None:
    """Load what readers need, then shut every other door; `writable` folders stay open
    (`entente export` writes its files there), and so do `readable` ones (a lake's data)."""
    row = con.execute("SELECT current_setting('lock_configuration')").fetchone()
    if row and row[0]:
        # Another connection of this process locked the same database already.
        allowed = con.execute("SELECT current_setting('allowed_directories')").fetchone()
        missing = [p for p in writable if f"{p.resolve()}/" not in (allowed[0] if allowed else [])]
        if missing:
            raise WarehouseError(
                f"cannot write to {missing[0]}: another connection of this process has this"
                " warehouse open; close it first"
            )
        return
    load_extension(con)
    folders = [f"{p.resolve()}/" for p in writable] + [
        f"{Path(p).resolve()}/" for p in readable if "://" not in p
    ]
    # A lake's attach (warehouse/lake.py) has used the secret manager, whose settings are
    # fixed from then on; with external access off, no secret reaches a file anyway.
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET allow_persistent_secrets = false")
    for statement in (
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        "SET allow_community_extensions = false",
        f"SET allowed_directories = {_list(folders)}",
        "SET enable_external_access = false",
        f"SET allowed_configs = {_list(CHANGEABLE)}",
        "SET lock_configuration = true",
    ):
        con.execute(statement)
