from __future__ import annotations

import asyncio
import itertools
import threading
import time

from entente.ingest.politeness import HostGates, process_gates

_LOOP = asyncio.new_event_loop()


def enter(gates: HostGates, host: str) -> float | None:
    """One look at the gate: 0 entered, seconds to wait, or None (full: queued to be woken)."""
    return gates._try_enter(host, (_LOOP, _LOOP.create_future()))


def test_a_request_leaving_does_not_release_another_ones_start() -> None:
    """Only one request per host is between gate and wire; spacing counts from the wire."""
    gates = HostGates(max_per_host=3, min_delay=0.01)
    assert enter(gates, "h") == 0
    first = gates._pass_number("h")
    assert enter(gates, "h") is None  # the first has not reached the wire yet
    gates.started("h")
    time.sleep(0.011)
    assert enter(gates, "h") == 0
    second = gates._pass_number("h")
    gates._leave("h", first)  # the first finishes while the second is still starting
    time.sleep(0.011)
    assert enter(gates, "h") is None
    gates.started("h")
    gates._leave("h", second)
    wait = enter(gates, "h")
    assert wait is not None and wait > 0  # 10 ms from the second's send, not its gate pass


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
    wait = enter(gates, "h")
    assert wait is not None and wait > 4
    gates.set_delay("slow", 0.5)
    assert enter(gates, "slow") == 0
    gates.started("slow")
    wait = enter(gates, "slow")
    assert wait is not None and wait > 0.4


def test_process_gates_are_shared_per_limits() -> None:
    assert process_gates(2, 1.0) is process_gates(2, 1.0)
    assert process_gates(2, 1.0) is not process_gates(3, 1.0)


def test_waiters_in_other_threads_are_woken_not_left_to_poll() -> None:
    """Two harvest threads, each with its own loop, share one host of one slot.

    Each request holds the slot 5 ms. Woken when the slot frees, 40 requests take about
    0.2 s and each looks at the slot two or three times; left to their 50 ms fallback look,
    they would take about 2 s and look about 800 times in all (39 waiters, a look every
    50 ms for a second on average). The bound on looks sits between the two with room for a
    loaded machine, where wake-ups arrive late and a few fallback looks fire.
    """
    gates = HostGates(max_per_host=1, min_delay=0.0)
    looks = 0
    real = gates._try_enter

    def counted(
        host: str, waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]
    ) -> float | None:
        nonlocal looks
        looks += 1
        return real(host, waiter)

    gates._try_enter = counted  # type: ignore[method-assign]
    active = peak = 0
    lock = threading.Lock()

    async def request() -> None:
        nonlocal active, peak
        async with gates.slot("h"):
            gates.started("h")
            with lock:
                active += 1
                peak = max(peak, active)
            await asyncio.sleep(0.005)  # a request on the wire
            with lock:
                active -= 1

    async def harvest() -> None:
        await asyncio.gather(*(request() for _ in range(20)))

    started = time.monotonic()
    threads = [threading.Thread(target=asyncio.run, args=(harvest(),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started
    assert peak == 1
    assert elapsed < 1.0, elapsed
    assert looks < 40 * 8, looks
