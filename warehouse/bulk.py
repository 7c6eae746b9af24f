"""Many rows into DuckDB in one statement, through an Arrow table it scans in place."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import duckdb
import pyarrow as pa

# Lists go to DuckDB as one delimited string: binding a Python list costs far more per item
# (the duckdb module converts each value, and looks for pandas while it does).
SEP = "\x1f"

# The column kinds a caller may name, as Arrow types DuckDB reads without converting.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "TEXT": pa.string(),
    "BLOB": pa.binary(),
    "BOOLEAN": pa.bool_(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
}
_names = itertools.count()


def joined(values: Iterable[object]) -> str:
    """Values for `string_split(?, SEP)` in SQL."""
    return SEP.join(str(v) for v in values)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[object]],
    *,
    skip_stored: str = "",
) -> None:
    """Insert many rows in one statement, from an Arrow table built column by column.

    executemany binds row by row, and the duckdb module looks for pandas at every value it
    converts. A JSON parameter cost less, most of it for raw pages sent as hex; Arrow hands
    DuckDB the columns as they are, several times faster again. Each column's kind
    is a key of _ARROW_TYPES. `skip_stored` names a column: rows whose value in it
    is already in the table are left out (for a table without a key index); `rows`
    must not repeat one.
    """
    if not rows:
        return
    try:
        arrays = [
            pa.array([row[i] for row in rows], type=_ARROW_TYPES[kind])
            for i, (_, kind) in enumerate(columns)
        ]
    except KeyError as exc:
        raise ValueError(f"insert_rows: unknown column kind {exc.args[0]!r}") from None
    names = [name for name, _ in columns]
    batch = pa.Table.from_arrays(arrays, names=names)
    view = f"entente_rows_{next(_names)}"
    tail = (
        f" WHERE {skip_stored} NOT IN (SELECT {skip_stored} FROM {table}"
        f" SEMI JOIN {view} USING ({skip_stored}))"
        if skip_stored
        else ""
    )
    listed = ", ".join(names)
    con.register(view, batch)
    try:
        con.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {view}{tail}")
    finally:
        con.unregister(view)
