"""robots.txt for article pages: fetched once per host per harvest, parsed with protego.

Feeds are not checked: a feed URL is one the user chose to poll. Following RFC 9309, a
robots.txt that is missing (any 4xx) allows everything; one that cannot be fetched (5xx,
timeout, refused) disallows everything for now, since the site may be in trouble.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from entente.ingest.fetch import Fetcher, Response
from entente.transforms.errors import FetchError

# Protego matches user-agent groups by product token, not the whole header.
AGENT_TOKEN = "Entente"
MAX_CRAWL_DELAY = 30.0


@dataclass(frozen=True, slots=True)
class RobotsAnswer:
    """What one host's robots.txt said, and the fetch that got it (for the fetch log)."""

    url: str
    rules: Protego | None  # None: everything allowed (no robots.txt)
    blocked_reason: str | None  # set when the whole host is off limits for now
    response: Response | None
    error: FetchError | None


class RobotsCache:
    """robots.txt per scheme and host, fetched the first time an article there is wanted,
    once for every harvest that shares the cache (a run's)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher
        self._answers: dict[str, asyncio.Task[RobotsAnswer]] = {}

    async def _load(self, robots_url: str, host: str) -> RobotsAnswer:
        try:
            response = await self._fetcher.get(robots_url)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return RobotsAnswer(robots_url, None, None, None, exc)
            reason = f"robots.txt unreachable at {robots_url} ({exc}); not crawling {host}"
            return RobotsAnswer(robots_url, None, reason, None, exc)
        text = response.body.decode("utf-8", errors="replace")
        rules = Protego.parse(text)
        delay = rules.crawl_delay(AGENT_TOKEN)
        if delay:
            self._fetcher.gates.set_delay(host, min(float(delay), MAX_CRAWL_DELAY))
        return RobotsAnswer(robots_url, rules, None, response, None)

    async def check(self, url: str, fetched: list[RobotsAnswer] | None = None) -> None:
        """Raise FetchError("robots_disallowed") unless robots.txt lets us fetch `url`.

        The caller whose check fetches a host's robots.txt gets the answer appended to
        `fetched`, for its fetch log; the others wait for the same answer.
        """
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        task = self._answers.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(f"{key}/robots.txt", parts.hostname or ""))
            self._answers[key] = task
            if fetched is not None:
                task.add_done_callback(lambda done: _logged(done, fetched))
        # shielded: a harvest that runs out of time must not cancel the others' answer
        answer = await asyncio.shield(task)
        if answer.blocked_reason:
            raise FetchError("robots_unreachable", answer.blocked_reason)
        if answer.rules is not None and not answer.rules.can_fetch(url, AGENT_TOKEN):
            raise FetchError("robots_disallowed", f"robots.txt disallows {url}")


def _logged(task: asyncio.Task[RobotsAnswer], fetched: list[RobotsAnswer]) -> None:
    if not task.cancelled() and task.exception() is None:
        fetched.append(task.result())
