"""Source health and feed state: plain records and the pure rules that move them on."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class FeedState:
    """What a feed's last good answer said about itself, for a conditional request next time."""

    source: str
    url: str
    etag: str | None
    last_modified: str | None

    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since, only for the URL the validators came from."""
        if url != self.url:
            return {}
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's standing: a row of `source_health`."""

    source: str
    consecutive_failures: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None
    next_poll_at: datetime | None = None
    disabled: bool = False
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """How often to poll, how to back off, when to give up; from the `[fetch]` settings."""

    poll_interval: float
    max_poll_interval: float
    disable_after_failures: int


def after_success(
    previous: SourceHealth | None, source: str, now: datetime, policy: HealthPolicy
) -> SourceHealth:
    base = previous or SourceHealth(source)
    return replace(
        base,
        consecutive_failures=0,
        last_success_at=now,
        next_poll_at=now + timedelta(seconds=policy.poll_interval),
    )


def after_failure(
    previous: SourceHealth | None,
    source: str,
    error: str,
    now: datetime,
    policy: HealthPolicy,
    retry_after: float | None = None,
) -> SourceHealth:
    """Count the failure, double the wait before the next poll, disable at the limit."""
    base = previous or SourceHealth(source)
    failures = base.consecutive_failures + 1
    wait = min(policy.max_poll_interval, policy.poll_interval * 2 ** (failures - 1))
    if retry_after is not None:
        wait = max(wait, retry_after)
    disabled = base.disabled or failures >= policy.disable_after_failures
    reason = base.disabled_reason
    if disabled and reason is None:
        reason = f"disabled after {failures} consecutive failures; last: {error}"
    return replace(
        base,
        consecutive_failures=failures,
        last_failure_at=now,
        last_error=error,
        next_poll_at=now + timedelta(seconds=wait),
        disabled=disabled,
        disabled_reason=reason,
    )


def poll_verdict(health: SourceHealth | None, now: datetime) -> str | None:
    """None when the source is due; else why it is skipped this run.

    A healthy source is polled on every run (the schedule is its poll interval); only a
    failing source waits out its backoff, and a disabled one waits to be re-enabled.
    """
    if health is None:
        return None
    if health.disabled:
        return health.disabled_reason or "disabled"
    if (
        health.consecutive_failures
        and health.next_poll_at is not None
        and health.next_poll_at > now
    ):
        return (
            f"backing off after {health.consecutive_failures} failures until"
            f" {health.next_poll_at.isoformat(timespec='seconds')}"
        )
    return None
