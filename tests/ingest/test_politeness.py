from __future__ import annotations

import asyncio
import itertools
import time

from ingest.politeness import HostGates, process_gates


def test_a_request_leaving_does_not_release_another_ones_start() -> None:
    """Only one request per host is between gate and wire; spacing counts from the wire."""
    gates = HostGates(max_per_host=3, min_delay=0.01)
    assert gates._try_enter("h") == 0
    first = gates._pass_number("h")
    assert gates._try_enter("h") > 0  # the first has not reached the wire yet
    gates.started("h")
    time.sleep(0.011)
    assert gates._try_enter("h") == 0
    second = gates._pass_number("h")
    gates._leave("h", first)  # the first finishes while the second is still starting
    time.sleep(0.011)
    assert gates._try_enter("h") > 0
    gates.started("h")
    gates._leave("h", second)
    assert gates._try_enter("h") > 0  # 10 ms from the second's send, not its gate pass


def test_slots_cap_parallel_requests_and_space_their_starts() -> None:
    gates = HostGates(max_per_host=2, min_delay=0.02)
    starts: list[float] = []
    active = peak = 0

    async def request() -> None:
        nonlocal active, peak
        async with gates.slot("h"):
            gates.started("h")
            starts.append(time.monotonic())
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.05)
            active -= 1

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(8)))

    asyncio.run(main())
    starts.sort()
    assert peak == 2
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.02


def test_retry_after_defers_the_host_and_crawl_delay_raises_the_gap() -> None:
    gates = HostGates(2, 0.0)
    gates.defer("h", 5)
    assert 4.5 < gates.deferred_for("h") <= 5
    assert gates._try_enter("h") > 4
    gates.set_delay("slow", 0.5)
    assert gates._try_enter("slow") == 0
    gates.started("slow")
    assert gates._try_enter("slow") > 0.4


def test_process_gates_are_shared_per_limits() -> None:
    assert process_gates(2, 1.0) is process_gates(2, 1.0)
    assert process_gates(2, 1.0) is not process_gates(3, 1.0)
