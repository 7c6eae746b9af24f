"""After each run: raise the alerts its articles bring and send them on.

Called by the driver (flows/driver.py) at the end of every run, so `run`, `backfill` and
`reprocess` all keep `alerts` current, with or without Prefect; the Prefect flow shows the
run's alerts as a table artifact (`alerts_table`). Nothing here imports Prefect.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from entente.flows.steps import warehouse_of
from entente.ingest.settings import Settings
from entente.ingest.webhook import deliver
from entente.warehouse import alerts
from entente.warehouse.db import write


def raise_alerts(
    settings: Settings,
    run_id: str,
    started_at: datetime,
    log: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> list[alerts.Alert]:
    """Detect and store the alerts of what the run stored, and POST them to the `[alerts]`
    webhook when there is one. A webhook failure is logged and recorded beside the alerts; it
    never fails the run."""
    db = warehouse_of(settings)
    found = write(db, lambda con: alerts.detect(con, run_id, started_at, datetime.now(UTC)))
    for alert in found:
        log.info("alert %s", alert.summary)
    if found and settings.alerts.webhook:
        result = deliver([a.to_json() for a in found], run_id, settings.alerts, settings.fetch)
        if not result.ok:
            log.warning("alerts not delivered: %s", result.error)
        delivered_at = datetime.now(UTC)
        write(
            db,
            lambda con: alerts.record_delivery(
                con, [a.alert_id for a in found], delivered_at, result.error
            ),
        )
    return found


def alerts_table(found: list[alerts.Alert]) -> list[dict[str, Any]]:
    """The rows of a run's alerts artifact; one row saying so when there are none."""
    rows: list[dict[str, Any]] = [
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
    return rows or [
        {"kind": "", "pair": "", "area": "", "week": "", "events": 0, "summary": "no new alerts"}
    ]
