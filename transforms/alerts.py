"""When a week's count of events is far above a pair's usual: the test behind surge alerts.

Weekly counts of events between two countries are small whole numbers, mostly 0 or 1, often
the same for weeks. A z-score against the trailing weeks breaks down there (a pair quiet for
twelve weeks has a standard deviation of 0, and a normal curve says nothing true about
counts of 2 or 3). A count of independent events in a week is what a Poisson distribution
describes: the alert asks how likely a week at least this busy is when events come at the
pair's trailing rate, and fires below `SURGE_P`. The rate has a floor (`RATE_FLOOR`), so a
pair that was silent is not "infinitely" surprised by one event, and a week needs at least
`SURGE_MIN_EVENTS` events: one or two events are news, not a surge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TRAILING_WEEKS = 12
SURGE_P = 0.001
SURGE_MIN_EVENTS = 3
RATE_FLOOR = 0.25
# A pair and area count as new when nothing was seen of them in this many days before.
QUIET_DAYS = 90


def poisson_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate)."""
    if count <= 0:
        return 1.0
    term = math.exp(-rate)
    below = term
    for k in range(1, count):
        term *= rate / k
        below += term
    return max(0.0, 1.0 - below)


@dataclass(frozen=True, slots=True)
class Surge:
    events: int
    rate: float
    p_value: float


def surge(count: int, trailing: Sequence[int]) -> Surge | None:
    """A surge when `count` events in a week are unlikely at the rate of the `trailing`
    weeks' counts (missing weeks count 0), else None."""
    rate = max(RATE_FLOOR, sum(trailing) / max(1, len(trailing)))
    p = poisson_tail(count, rate)
    if count >= SURGE_MIN_EVENTS and p < SURGE_P:
        return Surge(count, rate, p)
    return None
