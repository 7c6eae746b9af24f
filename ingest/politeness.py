"""Per-host politeness: a cap on requests in flight to one host and a minimum gap between them.

The bookkeeping is thread-safe and independent of any event loop, because Prefect runs one
harvest per source in its own thread (each with its own loop), and two sources may share a
host: the promise "at most N at once, D seconds apart" is made per host, not per source.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]

# A waiter for a full host is woken when a request leaves or reaches the wire; it also looks
# again after this long, in case its wake-up went to a waiter that had given up.
_FALLBACK = 0.05


@dataclass(slots=True)
class _HostState:
    in_flight: int = 0
    starting: bool = False  # a request passed the gate but has not reached the wire yet
    passes: int = 0  # which pass holds `starting` (only one request can be starting)
    next_start: float = 0.0  # monotonic time before which no request may start
    deferred_until: float = 0.0  # set by Retry-After
    # requests waiting for a slot or for the starting one to reach the wire, first come first
    waiters: deque[_Waiter] = field(default_factory=deque)


class HostGates:
    """Gates that a request passes before it may start; one set per process, shared."""

    def __init__(self, max_per_host: int, min_delay: float) -> None:
        self.max_per_host = max_per_host
        self.min_delay = min_delay
        self._hosts: dict[str, _HostState] = {}
        self._delays: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_delay(self, host: str, seconds: float) -> None:
        """Raise one host's minimum gap (robots.txt Crawl-delay); never lower it below the floor."""
        with self._lock:
            self._delays[host] = max(self.min_delay, seconds)

    def defer(self, host: str, seconds: float) -> None:
        """Start nothing on `host` for `seconds` (the host asked us to, with Retry-After)."""
        until = time.monotonic() + seconds
        with self._lock:
            state = self._hosts.setdefault(host, _HostState())
            state.deferred_until = max(state.deferred_until, until)
            state.next_start = max(state.next_start, until)

    def deferred_for(self, host: str) -> float:
        """Seconds left before `host` accepts requests again by its own Retry-After."""
        with self._lock:
            state = self._hosts.get(host)
            return max(0.0, state.deferred_until - time.monotonic()) if state else 0.0

    def _try_enter(self, host: str, waiter: _Waiter) -> float | None:
        """Take a slot and return 0, or how long to wait before trying again, or None when
        the host is full: then `waiter` is queued, to be woken when that changes.

        On success the host's `passes` names this pass, so that leaving can tell whether the
        `starting` mark is still its own.
        """
        now = time.monotonic()
        with self._lock:
            state = self._hosts.setdefault(host, _HostState())
            if state.in_flight >= self.max_per_host or state.starting:
                state.waiters.append(waiter)
                return None
            if now < state.next_start:
                return state.next_start - now
            state.in_flight += 1
            state.starting = True
            state.passes += 1
            state.next_start = now + self._delays.get(host, self.min_delay)
            return 0.0

    def started(self, host: str) -> None:
        """Request bytes to `host` just went out: the next request is spaced from here.

        Until then no other request to the host may pass the gate, so the gap holds on the
        wire even when a busy machine pauses this process between gate and socket.
        """
        now = time.monotonic()
        with self._lock:
            state = self._hosts.setdefault(host, _HostState())
            state.starting = False
            state.next_start = max(state.next_start, now + self._delays.get(host, self.min_delay))
            _wake_one(state)

    def _pass_number(self, host: str) -> int:
        with self._lock:
            return self._hosts[host].passes

    def _leave(self, host: str, number: int) -> None:
        with self._lock:
            state = self._hosts[host]
            state.in_flight -= 1
            if state.starting and state.passes == number:
                state.starting = False  # this request never reached the wire
            _wake_one(state)

    def _forget(self, host: str, waiter: _Waiter) -> None:
        with self._lock:
            waiters = self._hosts[host].waiters
            # test first: a failed remove formats the waiter, its future and the task
            # holding it, pages and all, into its error message
            if waiter in waiters:
                waiters.remove(waiter)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait until `host` may take one more request, hold the slot for the block."""
        loop = asyncio.get_running_loop()
        while True:
            waiter: _Waiter = (loop, loop.create_future())
            wait = self._try_enter(host, waiter)
            if wait == 0:
                break
            if wait is not None:
                await asyncio.sleep(wait)
                continue
            try:
                await asyncio.wait_for(waiter[1], _FALLBACK)
            except TimeoutError:
                pass
            finally:
                self._forget(host, waiter)
        number = self._pass_number(host)  # no other pass can happen while this one starts
        try:
            yield
        finally:
            self._leave(host, number)


_process_gates: dict[tuple[int, float], HostGates] = {}
_process_lock = threading.Lock()


def process_gates(max_per_host: int, min_delay: float) -> HostGates:
    """The gates of this process for these limits.

    Politeness is a promise about what this process does to a host, across every source and
    every run it serves, so its bookkeeping lives as long as the process does.
    """
    key = (max_per_host, min_delay)
    with _process_lock:
        gates = _process_gates.get(key)
        if gates is None:
            gates = _process_gates[key] = HostGates(max_per_host, min_delay)
        return gates


def _wake_one(state: _HostState) -> None:
    """Wake the first waiter still waiting (called with the gates' lock held)."""
    while state.waiters:
        loop, future = state.waiters.popleft()
        if future.done() or loop.is_closed():
            continue  # it gave up (timed out, cancelled): the next one gets the turn
        loop.call_soon_threadsafe(_resolve, future)
        return


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
