"""Read-only ad hoc SQL for people: refused writes, and table, CSV or JSON output."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from entente.transforms.errors import WarehouseError
from entente.warehouse.snapshot import read_connection


def run_query(
    path: Path,
    sql: str,
    params: Sequence[object] = (),
    on_wait: Callable[[str], None] | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one query on a read-only connection; a write is refused with a clear message.

    While a load holds the file, the query runs on the last run's snapshot (see
    warehouse/snapshot.py) and `on_wait` is told so.
    """
    with read_connection(path, on_wait=on_wait) as con:
        try:
            cursor = con.execute(sql, list(params))
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0]
            if "read-only" in message.lower() or "read only" in message.lower():
                raise WarehouseError(
                    "refused: `entente sql` is read-only; the pipeline alone writes the warehouse"
                ) from None
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


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    """Render rows as an aligned text table, CSV, or JSON (a list of objects)."""
    if fmt == "json":
        return json.dumps(
            [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
            ensure_ascii=False,
            indent=2,
        )
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        w.writerows([[_plain(v) for v in row] for row in rows])
        return out.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"])


def _cell(value: Any, limit: int = 80) -> str:
    text = "NULL" if value is None else str(_plain(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
