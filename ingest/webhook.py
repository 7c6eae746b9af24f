"""Alerts to a webhook: one JSON POST per run, through the same address guard as every fetch.

A webhook that cannot be reached, refuses, or points at a private address (unless the
sources file allows private networks) is a recorded failure, never an error that stops the
run: `deliver` returns what happened and raises nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from entente.ingest.fetch import check_destination
from entente.ingest.settings import AlertSettings, FetchSettings
from entente.transforms.errors import FetchError


@dataclass(frozen=True, slots=True)
class Delivery:
    ok: bool
    status: int | None = None
    error: str | None = None


def payload(alerts: Sequence[dict[str, Any]], run_id: str | None) -> dict[str, Any]:
    return {"source": "entente", "run_id": run_id, "alerts": list(alerts)}


def deliver(
    alerts: Sequence[dict[str, Any]],
    run_id: str | None,
    settings: AlertSettings,
    fetch: FetchSettings,
    transport: httpx.BaseTransport | None = None,
) -> Delivery:
    """POST the alerts to the configured webhook; say how it went."""
    if not settings.webhook or not alerts:
        return Delivery(ok=True)
    url = settings.webhook
    try:
        check_destination(url, fetch)
        with httpx.Client(
            timeout=settings.timeout,
            follow_redirects=False,  # a redirect could lead past the address guard
            trust_env=False,
            transport=transport,
            headers={"User-Agent": fetch.agent(), "Content-Type": "application/json"},
        ) as client:
            response = client.post(url, content=json.dumps(payload(alerts, run_id), default=str))
    except FetchError as exc:
        return Delivery(ok=False, error=f"webhook {url}: {exc}")
    except httpx.HTTPError as exc:
        return Delivery(ok=False, error=f"webhook {url}: {type(exc).__name__}: {exc}")
    if response.status_code >= 300:
        return Delivery(
            ok=False,
            status=response.status_code,
            error=f"webhook {url}: HTTP {response.status_code}",
        )
    return Delivery(ok=True, status=response.status_code)
