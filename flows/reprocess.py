"""The `reprocess` flow: re-derive stored articles from their archived HTML, fetching nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from entente.flows import steps
from entente.ingest.settings import load_settings, parse_day


def _day(value: str | None, name: str, end: bool = False) -> datetime | None:
    day = parse_day(value, f"--{name}")
    if day is None:
        return None
    start = datetime.combine(day, time.min).astimezone()
    return start + timedelta(days=1) if end else start


@task(name="reprocess-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def reprocess_batch_task(
    db: str, since: datetime | None, until: datetime | None
) -> tuple[int, int]:
    settings = load_settings(db)
    return steps.reprocess_step(settings, since, until)


@flow(name="reprocess", log_prints=True)
def reprocess_flow(
    db: str | None = None, since: str | None = None, until: str | None = None
) -> dict[str, object]:
    """Re-run extraction and the transforms over stored raw HTML with the current pipeline.

    Args:
        db: DuckDB warehouse file. Empty: $ENTENTE_DB, else ./entente.duckdb.
        since: First fetch day to re-derive, YYYY-MM-DD. Empty: from the first article.
        until: Last fetch day to re-derive, YYYY-MM-DD. Empty: up to the last article.
    """
    settings = load_settings(db)
    start, end = _day(since, "since"), _day(until, "until", end=True)
    run_id = str(flow_run.get_id() or uuid.uuid4())
    summary = steps.start_run(settings, run_id, "reprocess")
    updated, failed = reprocess_batch_task(str(settings.db_path), start, end)
    summary.articles_new = 0
    summary.extraction_failures = failed
    steps.finish_run(settings, summary)
    text = f"reprocess run {run_id}: {updated} articles re-derived, {failed} failed"
    get_run_logger().info(text)
    create_markdown_artifact(
        key="reprocess-summary",
        markdown=f"# reprocess\n\n| re-derived | failed |\n|---|---|\n| {updated} | {failed} |",
    )
    return {"text": text, "updated": updated, "failed": failed}
