"""`entente serve`: register the ingest, backfill and reprocess deployments and run them.

Prefect's `serve()` keeps one process polling the Prefect API; each flow run it picks up
(scheduled ingest, or a backfill started from the UI) runs in a child process of its own.
Those children share the warehouse through short write connections that wait for DuckDB's
file lock (see warehouse/db.py), so an ingest and a backfill can run at the same time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from entente.flows.backfill import backfill_chunk_flow, backfill_flow
from entente.flows.ingest import ingest_flow
from entente.flows.reprocess import reprocess_flow
from entente.flows.steps import warehouse_parameters
from entente.ingest.settings import Settings
from entente.transforms.errors import ConfigError

DEFAULT_EVERY_MINUTES = 15.0
INTERVAL_ENV = "ENTENTE_INGEST_EVERY_MINUTES"
TAGS = ["entente"]


def ingest_interval(minutes: float | None, environ: Mapping[str, str] | None = None) -> timedelta:
    """How often the scheduled ingest runs: --every, else $ENTENTE_INGEST_EVERY_MINUTES, else 15."""
    env = os.environ if environ is None else environ
    value: float | str | None = minutes
    if value is None:
        value = env.get(INTERVAL_ENV) or DEFAULT_EVERY_MINUTES
    try:
        every = float(value)
    except ValueError:
        raise ConfigError(f"{INTERVAL_ENV} must be a number of minutes, not {value!r}") from None
    if not every > 0:
        raise ConfigError(f"the ingest interval must be positive, not {every:g} minutes")
    return timedelta(minutes=every)


def deployment_parameters(settings: Settings) -> dict[str, Any]:
    """Defaults every deployment starts from: the warehouse and sources `serve` was given."""
    # the lake replaces the file (load_settings refuses both)
    params: dict[str, Any] = warehouse_parameters(settings, resolve=True)
    if settings.sources_path is not None:
        params["sources"] = str(settings.sources_path.resolve())
    return params


def build_deployments(
    settings: Settings, every: timedelta, chunked: bool = False
) -> list[RunnerDeployment]:
    """The deployments `serve` runs and `deploy` registers on a pool; `chunked` (the pool's)
    makes the backfill split its window into runs of the fourth, `backfill-chunk`."""
    params = deployment_parameters(settings)
    # Module-path entrypoints: a flow run's child process imports the installed package,
    # whatever directory `entente serve` was started from, or on whichever machine a worker
    # picked it up.
    common: dict[str, Any] = {"tags": TAGS, "entrypoint_type": EntrypointType.MODULE_PATH}
    built = [
        ingest_flow.to_deployment(
            name="ingest",
            interval=every,
            parameters=params,
            description=f"One pass over every active source, every {_minutes(every)}.",
            concurrency_limit=1,
            **common,
        ),
        backfill_flow.to_deployment(
            name="backfill",
            parameters={**params, "chunked": True} if chunked else params,
            description="Archived items published between two days, from sitemaps and older"
            " feed pages. Start it with Run > Custom run and pick `since` and `until`.",
            concurrency_limit=1,
            **common,
        ),
        reprocess_flow.to_deployment(
            name="reprocess",
            parameters={k: v for k, v in params.items() if k != "sources"},
            description="Re-derive stored articles from their archived HTML; fetches nothing.",
            **common,
        ),
    ]
    if chunked:
        # No concurrency limit of its own: the backfill that starts the chunks decides how
        # many run at once (one on a DuckDB file).
        built.append(
            backfill_chunk_flow.to_deployment(
                name="backfill-chunk",
                parameters=params,
                description="One source and one week of a backfill, started by the backfill"
                " deployment; retried alone when it fails.",
                **common,
            )
        )
    # `to_deployment` is typed for sync and async callers alike; here it is always sync.
    return [d for d in built if isinstance(d, RunnerDeployment)]


def _minutes(every: timedelta) -> str:
    minutes = every.total_seconds() / 60
    return f"{minutes:g} minute{'s' if minutes != 1 else ''}"


def serve_deployments(settings: Settings, every: timedelta, limit: int | None = None) -> None:
    """Register the three deployments and run their flow runs until interrupted."""
    serve(*build_deployments(settings, every), limit=limit)
