"""After a run: alerts whose webhook fails are logged and recorded, and the run goes on."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from entente.flows import driver
from entente.flows.alerting import raise_alerts
from entente.flows.summary import RunSummary
from entente.ingest.settings import AlertSettings, FetchSettings, Settings
from entente.warehouse import alerts, load
from entente.warehouse.db import writer
from tests.loopback import free_port_refusing, receiver
from tests.warehouse.sample import energy

START = datetime(2026, 6, 1, 9, tzinfo=UTC)


def warehouse_with_a_new_pair_area(db: Path) -> None:
    """A watched past (another pair), then a run's first Pakistan-Russia energy article."""
    with writer(db) as con:
        load.load_articles(con, [energy("w1", START - timedelta(days=20), ("IND", "JPN"))])
        load.load_articles(con, [energy("e1", START)])


def settings_for(db: Path, webhook: str | None) -> Settings:
    return Settings(
        db_path=db,
        sources_path=None,
        fetch=FetchSettings(allow_private_networks=True),
        sources=(),
        alerts=AlertSettings(webhook=webhook, timeout=2),
    )


def delivery(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT kind, delivered_at, delivery_error FROM alerts").fetchall()


@pytest.mark.parametrize("answer", ["refused", "500"])
def test_a_webhook_that_fails_is_logged_and_recorded_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, answer: str
) -> None:
    db = tmp_path / "a.duckdb"
    warehouse_with_a_new_pair_area(db)
    log = logging.getLogger("entente.test.alerting")
    with caplog.at_level(logging.WARNING, logger=log.name), receiver(500) as (failing, got):
        hook = failing if answer == "500" else f"http://127.0.0.1:{free_port_refusing()}/h"
        found = raise_alerts(settings_for(db, hook), "run", START, log)
    assert [a.kind for a in found] == ["new_pair_area"]
    ((kind, delivered_at, error),) = delivery(db)
    assert kind == "new_pair_area" and delivered_at is None
    expected = "HTTP 500" if answer == "500" else "ConnectError"
    assert error is not None and expected in error
    assert [r.getMessage() for r in caplog.records] == [f"alerts not delivered: {error}"]
    assert len(got) == (1 if answer == "500" else 0)


def test_alerts_that_cannot_be_raised_do_not_fail_the_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.duckdb"
    warehouse_with_a_new_pair_area(db)

    def broken(*args: object) -> list[alerts.Alert]:
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(alerts, "detect", broken)
    summary = RunSummary(run_id="run", flow="ingest", started_at=START)
    log = logging.getLogger("entente.test.alerting")
    with caplog.at_level(logging.ERROR, logger=log.name):
        assert driver._alerts_of(settings_for(db, None), summary, log) == []
    assert "alerts could not be raised for run run" in caplog.text
    assert "disk full" in caplog.text
