"""After each run: raise the alerts its articles bring, show them, and send them on."""

from __future__ import annotations

from datetime import UTC, datetime
from logging import Logger, LoggerAdapter
from typing import Any

from prefect.artifacts import create_table_artifact

from entente.ingest.settings import Settings
from entente.ingest.webhook import deliver
from entente.warehouse import alerts
from entente.warehouse.db import writer


def raise_alerts(
    settings: Settings,
    run_id: str,
    started_at: datetime,
    flow_name: str,
    logger: Logger | LoggerAdapter[Any],
) -> list[alerts.Alert]:
    """Detect and store the run's alerts, publish them as a table artifact of the flow run,
    and POST them to the `[alerts]` webhook when there is one. A webhook failure is logged
    and recorded beside the alerts; it never fails the run."""
    with writer(settings.db_path) as con:
        found = alerts.detect(con, run_id, started_at, datetime.now(UTC))
    for alert in found:
        logger.info("alert %s", alert.summary)
    create_table_artifact(
        key=f"{flow_name}-alerts",
        table=[
            {
                "kind": a.kind,
                "pair": f"{a.country_a}-{a.country_b}",
                "area": a.area or "",
                "week": a.week.isoformat() if a.week else "",
                "events": a.events,
                "summary": a.summary,
            }
            for a in found
        ]
        or [
            {
                "kind": "",
                "pair": "",
                "area": "",
                "week": "",
                "events": 0,
                "summary": "no new alerts",
            }
        ],
        description=f"{len(found)} new alert{'s' if len(found) != 1 else ''}",
    )
    if found and settings.alerts.webhook:
        result = deliver([a.to_json() for a in found], run_id, settings.alerts, settings.fetch)
        if not result.ok:
            logger.warning("alerts not delivered: %s", result.error)
        with writer(settings.db_path) as con:
            alerts.record_delivery(
                con, [a.alert_id for a in found], datetime.now(UTC), result.error
            )
    return found
