"""Month-partitioned Parquet files of the query surface, for other tools.

    OUT/articles/month=2026-06/data_0.parquet
    OUT/article_areas/month=2026-06/...
    OUT/article_countries/month=2026-06/...
    OUT/stories/month=2026-06/...

The month is the UTC month an article was published (or fetched, when the page gives no
date); an article's areas and countries sit in its article's month, a story in the month it
was first published. Each export replaces the previous one in OUT.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from entente.transforms.errors import WarehouseError
from entente.warehouse.db import Warehouse
from entente.warehouse.snapshot import read_connection

MONTH = "strftime(timezone('UTC', {ts}), '%Y-%m')"
ARTICLE_MONTH = MONTH.format(ts="coalesce(ar.published_at, ar.fetched_at)")

EXPORTS: dict[str, str] = {
    "articles": f"SELECT ar.*, {ARTICLE_MONTH} AS month FROM articles ar",
    "article_areas": (
        f"SELECT aa.*, {ARTICLE_MONTH} AS month"
        " FROM article_areas aa JOIN articles ar USING (article_id)"
    ),
    "article_countries": (
        f"SELECT ac.*, {ARTICLE_MONTH} AS month"
        " FROM article_countries ac JOIN articles ar USING (article_id)"
    ),
    "stories": (
        f"SELECT s.*, {MONTH.format(ts='coalesce(s.first_published_at, s.first_seen_at)')}"
        " AS month FROM story_coverage s"
    ),
}


@dataclass(frozen=True, slots=True)
class ExportedTable:
    name: str
    rows: int
    months: int
    folder: Path


def _ours(item: Path) -> bool:
    """A month folder of Parquet files: what an earlier export wrote."""
    return (
        item.is_dir()
        and item.name.startswith("month=")
        and all(f.is_file() and f.suffix == ".parquet" for f in item.iterdir())
    )


def _check_folders(out: Path) -> None:
    """An export replaces each relation's folder whole (DuckDB's OVERWRITE empties it), so
    it refuses, before writing anything, folders holding what an export did not write."""
    if out.exists() and not out.is_dir():
        raise WarehouseError(f"cannot export into {out}: it is a file, not a folder")
    for name in EXPORTS:
        folder = out / name
        if not folder.exists():
            continue
        strange = [folder] if not folder.is_dir() else [p for p in folder.iterdir() if not _ours(p)]
        if strange:
            raise WarehouseError(
                f"refused: {strange[0]} was not written by an export, and exporting would"
                f" delete it: export into another --out"
            )


def export_parquet(
    db: Warehouse, out: Path, on_wait: Callable[[str], None] | None = None
) -> list[ExportedTable]:
    """Write each relation as Hive-style `month=YYYY-MM` Parquet partitions under `out`."""
    _check_folders(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot export into {out}: {exc.strerror}") from None
    done = []
    with read_connection(db, on_wait=on_wait, writable=[out]) as con:
        for name, sql in EXPORTS.items():
            folder = out / name
            row = con.execute(f"SELECT count(*), count(DISTINCT month) FROM ({sql})").fetchone()
            rows, months = (int(row[0]), int(row[1])) if row else (0, 0)
            if rows:
                target = str(folder).replace("'", "''")
                try:
                    con.execute(
                        f"COPY ({sql}) TO '{target}'"
                        " (FORMAT parquet, PARTITION_BY (month), OVERWRITE, COMPRESSION zstd)"
                    )
                except duckdb.Error as exc:
                    raise WarehouseError(
                        f"cannot write {folder}: {str(exc).splitlines()[0]}"
                    ) from None
            done.append(ExportedTable(name, rows, months, folder))
    return done
