"""Fetch state kept between runs: feed validators, source health, article page versions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import duckdb

from entente.transforms.errors import WarehouseError
from entente.transforms.health import FeedState, SourceHealth
from entente.warehouse.bulk import SEP, insert_rows, joined
from entente.warehouse.db import Warehouse, reader
from entente.warehouse.lake import Lake
from entente.warehouse.session import is_lake, transaction


def feed_state(con: duckdb.DuckDBPyConnection, source: str) -> FeedState | None:
    row = con.execute(
        "SELECT source, url, etag, last_modified FROM feed_state WHERE source = ?", [source]
    ).fetchone()
    return FeedState(*row) if row else None


def _upsert(con: duckdb.DuckDBPyConnection, table: str, key: str, row: list[object]) -> None:
    """Insert a row, or replace the one with its `key` (the first column). A file's table
    has the key as primary key; a lake's has no key, so it merges on it."""
    if not is_lake(con):
        marks = ", ".join("?" * len(row))
        con.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", row)
        return
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
    ]
    given = ", ".join(f"? AS {c}" for c in columns)
    updates = ", ".join(f"{c} = s.{c}" for c in columns if c != key)
    con.execute(
        f"MERGE INTO {table} USING (SELECT {given}) s ON {table}.{key} = s.{key}"
        f" WHEN MATCHED THEN UPDATE SET {updates} WHEN NOT MATCHED THEN INSERT BY NAME",
        row,
    )


def save_feed_state(con: duckdb.DuckDBPyConnection, state: FeedState) -> None:
    _upsert(
        con,
        "feed_state",
        "source",
        [state.source, state.url, state.etag, state.last_modified, datetime.now(UTC)],
    )


_HEALTH_COLUMNS = (
    "source, consecutive_failures, last_success_at, last_failure_at, last_error,"
    " next_poll_at, disabled, disabled_reason"
)


def source_health(
    con: duckdb.DuckDBPyConnection, sources: Iterable[str] | None = None
) -> dict[str, SourceHealth]:
    if sources is None:
        rows = con.execute(f"SELECT {_HEALTH_COLUMNS} FROM source_health").fetchall()
    else:
        rows = con.execute(
            f"SELECT {_HEALTH_COLUMNS} FROM source_health WHERE list_contains(?, source)",
            [list(sources)],
        ).fetchall()
    return {row[0]: SourceHealth(*row) for row in rows}


def save_source_health(con: duckdb.DuckDBPyConnection, health: SourceHealth) -> None:
    _upsert(
        con,
        "source_health",
        "source",
        [
            health.source,
            health.consecutive_failures,
            health.last_success_at,
            health.last_failure_at,
            health.last_error,
            health.next_poll_at,
            health.disabled,
            health.disabled_reason,
            datetime.now(UTC),
        ],
    )


_ENABLE_SQL = (
    "UPDATE source_health SET disabled = false, disabled_reason = NULL,"
    " consecutive_failures = 0, next_poll_at = NULL, updated_at = now()"
    " WHERE source = ? AND disabled"
)


def enable_source(con: duckdb.DuckDBPyConnection, source: str) -> bool:
    """Re-enable a disabled source and forget its failures; True if it was disabled."""
    if is_lake(con):  # DuckLake's UPDATE has no RETURNING; a lake write is serial anyway
        found = con.execute(
            "SELECT count(*) FROM source_health WHERE source = ? AND disabled", [source]
        ).fetchone()
        if not (found and found[0]):
            return False
        con.execute(_ENABLE_SQL, [source])
        return True
    return con.execute(f"{_ENABLE_SQL} RETURNING source", [source]).fetchone() is not None


# A page whose last fetch failed like this may answer next time ('stopped': the run was).
TRANSIENT_SQL = (
    "(outcome IN ('timeout', 'connect_error', 'transport_error', 'rate_limited',"
    " 'robots_unreachable', 'over_budget', 'stopped')"
    " OR (outcome = 'http_error' AND status >= 500))"
)


def stored_versions(
    con: duckdb.DuckDBPyConnection, ids: Iterable[str]
) -> dict[str, datetime | None]:
    """For each id already held, the version held: its entry's updated date when the feed gave
    one (publisher's clock against publisher's clock), else when we fetched it.

    None marks an article held only as its feed summary because its page failed for a
    reason that may pass (a timeout, a 503): its page is worth asking for again.
    """
    wanted = list(set(ids))
    if not wanted:
        return {}
    held: dict[str, datetime | None] = {
        row[0]: row[1]
        for row in con.execute(
            "SELECT article_id, coalesce(entry_updated_at, fetched_at) FROM article_state"
            f" WHERE list_contains(string_split(?, '{SEP}'), article_id)",
            [joined(wanted)],
        ).fetchall()
    }
    rest = [i for i in wanted if i not in held]
    if rest:
        held.update(
            con.execute(
                "SELECT article_id, fetched_at FROM articles"
                f" WHERE list_contains(string_split(?, '{SEP}'), article_id)",
                [joined(rest)],
            ).fetchall()
        )
    retry = con.execute(
        f"""
        SELECT a.article_id FROM articles a
        WHERE list_contains(string_split(?, '{SEP}'), a.article_id)
          AND a.extraction_method = 'feed-summary'
          AND (SELECT {TRANSIENT_SQL} FROM fetches f
               WHERE f.url = a.url AND f.kind = 'article'
               ORDER BY f.fetched_at DESC LIMIT 1)
        """,
        [joined(wanted)],
    ).fetchall()
    for (article,) in retry:
        held[article] = None
    return held


def save_versions(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[tuple[str, str, str, datetime | None, datetime]],
) -> None:
    """Upsert (article_id, source, url, entry_updated_at, fetched_at) rows."""
    latest = {row[0]: row for row in rows}
    if latest:
        # article_state has no key index (migration 10): replace by delete, then insert
        with transaction(con):
            con.execute(
                "DELETE FROM article_state WHERE article_id IN"
                f" (SELECT unnest(string_split(?, '{SEP}')))",
                [joined(latest)],
            )
            insert_rows(con, "article_state", _STATE_TYPES, list(latest.values()))


_STATE_TYPES = (
    ("article_id", "TEXT"),
    ("source", "TEXT"),
    ("url", "TEXT"),
    ("entry_updated_at", "TIMESTAMPTZ"),
    ("fetched_at", "TIMESTAMPTZ"),
)


def read_health(path: Warehouse) -> dict[str, SourceHealth]:
    """Every source's health from a read-only connection; empty when nothing was polled yet."""
    if isinstance(path, Lake):
        try:
            with reader(path) as con:
                return source_health(con)
        except WarehouseError as exc:
            if str(exc).startswith("no warehouse"):
                return {}
            raise
    if not path.exists():
        return {}
    with reader(path) as con:
        try:
            return source_health(con)
        except duckdb.CatalogException:  # a warehouse from before migration 2
            return {}
