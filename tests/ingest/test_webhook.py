"""Alerts to a webhook: delivered, refused by the address guard, or failed, never raised."""

from __future__ import annotations

from entente.ingest.settings import AlertSettings, FetchSettings
from entente.ingest.webhook import deliver
from tests.loopback import free_port_refusing, receiver

ALERT = {"alert_id": "a1", "kind": "new_pair_area", "country_a": "CHN", "country_b": "PAK"}


LOOPBACK_OK = FetchSettings(allow_private_networks=True)


def test_alerts_arrive_as_one_json_post() -> None:
    with receiver() as (url, received):
        result = deliver([ALERT], "run-1", AlertSettings(webhook=url), LOOPBACK_OK)
    assert (result.ok, result.status, result.error) == (True, 204, None)
    assert received == [{"source": "entente", "run_id": "run-1", "alerts": [ALERT]}]


def test_the_address_guard_refuses_a_private_webhook() -> None:
    with receiver() as (url, received):
        result = deliver([ALERT], "run-1", AlertSettings(webhook=url), FetchSettings())
    assert not result.ok and received == []
    assert result.error is not None and "non-public address 127.0.0.1" in result.error


def test_failures_are_reported_not_raised() -> None:
    with receiver(status=500) as (url, _):
        failed = deliver([ALERT], None, AlertSettings(webhook=url), LOOPBACK_OK)
    assert (failed.ok, failed.status) == (False, 500) and "HTTP 500" in str(failed.error)
    dead = f"http://127.0.0.1:{free_port_refusing()}/hook"
    refused = deliver([ALERT], None, AlertSettings(webhook=dead, timeout=2), LOOPBACK_OK)
    assert not refused.ok and "ConnectError" in str(refused.error)


def test_nothing_is_sent_without_a_webhook_or_alerts() -> None:
    with receiver() as (url, received):
        assert deliver([], "r", AlertSettings(webhook=url), LOOPBACK_OK).ok
        assert deliver([ALERT], "r", AlertSettings(), LOOPBACK_OK).ok
    assert received == []
