"""Sync code runs its fetches on one shared event loop, whatever thread it is called from."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from entente.ingest.fetch import run_async


async def _where() -> str:
    await asyncio.sleep(0.01)
    return threading.current_thread().name


def test_calls_from_many_threads_share_one_loop_thread() -> None:
    with ThreadPoolExecutor(4) as pool:
        names = set(pool.map(lambda _: run_async(_where()), range(8)))
    assert names == {"entente-fetch"}


def test_errors_reach_the_caller() -> None:
    async def broken() -> None:
        raise ValueError("bad feed")

    with pytest.raises(ValueError, match="bad feed"):
        run_async(broken())


def test_sync_code_called_from_the_loop_does_not_deadlock() -> None:
    async def outer() -> str:
        # a coroutine on the shared loop calling sync code that fetches again
        return run_async(_where())

    inner = run_async(outer())
    assert inner != "entente-fetch"  # it ran on a loop of its own, in another thread


def test_a_caller_inside_a_running_loop_is_served() -> None:
    async def caller() -> str:
        return run_async(_where())

    assert asyncio.run(caller()) == "entente-fetch"
