"""Read-only ad hoc SQL for people: refused writes, and table, CSV or JSON output."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from entente.transforms.errors import WarehouseError
from entente.transforms.text import escape_controls
from entente.warehouse.db import Warehouse
from entente.warehouse.snapshot import read_connection

# What `entente sql` runs: queries. PIVOT without an IN list adds a CREATE of its own (a
# temporary type, with no text of its own); everything else is refused before it runs.
QUERIES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
READ_ONLY = "`entente sql` is read-only: it runs queries (SELECT, EXPLAIN) and nothing else"
EXPLAIN_QUERIES = "`entente sql` explains queries only (EXPLAIN ANALYZE runs what it explains)"
REFUSALS = {
    duckdb.StatementType.COPY: "`entente sql` writes no files (`entente export` writes Parquet)",
    duckdb.StatementType.EXPORT: "`entente sql` writes no files (`entente export` writes Parquet)",
    duckdb.StatementType.LOAD: "`entente sql` installs and loads no extensions"
    " (fts is loaded already: search_articles() works as is)",
    duckdb.StatementType.SET: "`entente sql` changes no settings",
    duckdb.StatementType.VARIABLE_SET: "`entente sql` changes no settings",
    duckdb.StatementType.ATTACH: "`entente sql` opens no other database",
    duckdb.StatementType.DETACH: "`entente sql` opens no other database",
}


# Table functions a query may not call: DuckDB 1.5 lets enable_logging and its kin change
# the connection's settings in spite of the lock (and aborts the process when the log
# folder is refused), and query() and friends run SQL given as text, unseen by this check.
UNCALLABLE = frozenset(
    {
        "enable_logging",
        "disable_logging",
        "truncate_duckdb_logs",
        "query",
        "query_table",
        "json_execute_serialized_sql",
    }
)
# Comments and white space, then EXPLAIN, ANALYZE and an option list, each optional after it.
_GAP = r"(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*"
_EXPLAIN = re.compile(
    rf"^{_GAP}EXPLAIN{_GAP}(?:ANALY[SZ]E{_GAP})?(?:\([^)]*\){_GAP})?", re.IGNORECASE | re.DOTALL
)
_WORD = re.compile(r"[a-z_]+")


def _names(tree: Any) -> Iterator[str]:
    if isinstance(tree, dict):
        if isinstance(tree.get("function_name"), str):
            yield tree["function_name"].lower()
        for value in tree.values():
            yield from _names(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _names(value)


def _explained(con: duckdb.DuckDBPyConnection, text: str) -> str | None:
    """The statement an EXPLAIN explains, when it is one query; EXPLAIN ANALYZE runs it."""
    prefix = _EXPLAIN.match(text)
    if prefix is None:
        return None
    try:
        inner = con.extract_statements(text[prefix.end() :])
    except duckdb.Error:
        return None
    if len(inner) != 1 or inner[0].type not in QUERIES - {duckdb.StatementType.EXPLAIN}:
        return None
    return inner[0].query


def _calls(con: duckdb.DuckDBPyConnection, text: str) -> set[str] | None:
    """The functions a query calls, from DuckDB's own parse; None when it cannot say."""
    row = con.execute("SELECT json_serialize_sql(?)", [text]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if tree.get("error") or not tree.get("statements"):
        return None
    return set(_names(tree))


def check_query(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse, before anything runs, SQL that is not one or more queries."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise WarehouseError(f"query failed: {str(exc).splitlines()[0]}") from None
    if not statements:
        raise WarehouseError("no SQL statement given")
    for statement in statements:
        kind, text = statement.type, statement.query
        if kind == duckdb.StatementType.EXPLAIN:
            explained = _explained(con, text)
            if explained is None:
                raise WarehouseError(f"refused: {EXPLAIN_QUERIES}")
            text = explained
        if not (kind in QUERIES or (kind == duckdb.StatementType.CREATE and not text)):
            raise WarehouseError(f"refused: {REFUSALS.get(kind, READ_ONLY)}")
        calls = _calls(con, text)
        if calls is None:  # PIVOT's parts: read the words
            calls = set(_WORD.findall(sql.lower()))
        if called := sorted(calls & UNCALLABLE):
            raise WarehouseError(f"refused: `entente sql` does not call {called[0]}()")


def run_query(
    path: Warehouse,
    sql: str,
    params: Sequence[object] = (),
    on_wait: Callable[[str], None] | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run queries on a locked-down read-only connection (see warehouse/readonly.py) and
    return the last one's rows; anything but a query is refused with a clear message.

    While a load holds the file, the query runs on the last run's snapshot (see
    warehouse/snapshot.py) and `on_wait` is told so.
    """
    with read_connection(path, on_wait=on_wait) as con:
        check_query(con, sql)
        try:
            cursor = con.execute(sql, list(params))
        except duckdb.PermissionException as exc:
            raise WarehouseError(
                f"refused: `entente sql` reads no file but the warehouse"
                f" ({str(exc).splitlines()[0]})"
            ) from None
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0]
            if "read-only" in message.lower() or "read only" in message.lower():
                raise WarehouseError(f"refused: {READ_ONLY}") from None
            raise WarehouseError(f"query failed: {message}") from None
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return value


# JSON escapes C0 controls itself; DEL and the C1 controls (0x9b is a terminal's CSI) it
# writes as they are unless told to escape every non-ASCII character.
_JSON_RAW = re.compile("[\x7f-\x9f]")


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    """Render rows as an aligned text table, CSV, or JSON (a list of objects).

    Control characters never reach the terminal: JSON escapes them (its values unchanged),
    the table and CSV show them as `\\x1b`.
    """
    if fmt == "json":
        text = json.dumps(
            [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
            ensure_ascii=False,
            indent=2,
        )
        return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    columns = [escape_controls(c) for c in columns]
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        w.writerows([[_shown(_plain(v)) for v in row] for row in rows])
        return out.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"])


def _shown(value: Any) -> Any:
    return escape_controls(value) if isinstance(value, str) else value


def _cell(value: Any, limit: int = 80) -> str:
    text = "NULL" if value is None else str(_plain(value))
    text = escape_controls(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
