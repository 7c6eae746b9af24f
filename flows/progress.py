"""Progress of the long commands (`backfill`, `reprocess`), source by source.

The driver reports each source's milestones (its archive walked or its pages read, its
articles stored) as records on the `entente.progress` logger; the command line shows them
while it runs a flow: on a terminal as a status line rewritten in place and one lasting line
per finished source, elsewhere (a log file, a pipe, cron) as plain lines, one per milestone.
Without a command line watching (a served flow run), the records go nowhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from entente.transforms.text import escape_controls

LOGGER = "entente.progress"
# Clears the terminal's current line and puts the cursor at its start.
CLEAR = "\r\x1b[2K"


@dataclass(frozen=True, slots=True)
class Progress:
    """One job's milestone. A source of a backfill (or a run): `walked` when its harvest is
    in, then `stored` or `failed`. A slice of stored pages, for a reprocess: `read`, then
    `derived` or `failed`."""

    source: str
    stage: str
    done: int  # sources finished so far, this one included once stored or failed
    total: int
    pages: int = 0  # archive or feed pages walked; for a reprocess, stored pages read
    found: int = 0  # items found in range (backfill), entries (run), pages (reprocess)
    stored: int = 0  # articles stored new, or derived again by a reprocess
    duplicates: int = 0
    detail: str = ""

    def line(self) -> str:
        name = escape_controls(self.source)
        head = f"[{self.done}/{self.total}] {name}"
        if self.stage == "walked":
            return f"{head}: {self.pages} pages walked, {self.found} items to fetch"
        if self.stage == "read":
            return f"{head}: {self.pages} stored pages read"
        if self.stage == "stored":
            copies = f", {self.duplicates} duplicates" if self.duplicates else ""
            return f"{head}: {self.stored} articles stored{copies}"
        if self.stage == "derived":
            return f"{head}: {self.stored} articles derived again"
        return f"{head}: failed: {escape_controls(self.detail)}"


def report(event: Progress) -> None:
    logging.getLogger(LOGGER).info(event.line(), extra={"progress": event})


class _Lines(logging.Handler):
    """One plain line per milestone, for logs and pipes."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.INFO)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(f"entente: {record.getMessage()}\n")
        self.stream.flush()

    def finish(self) -> None:
        pass


class _Live(_Lines):
    """A status line rewritten in place, and a lasting line for each finished source."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.showing = False

    def emit(self, record: logging.LogRecord) -> None:
        event: Progress | None = getattr(record, "progress", None)
        text = f"entente: {record.getMessage()}"
        if event is not None and event.stage in ("walked", "read"):
            self.stream.write(f"{CLEAR}{text}")
            self.showing = True
        else:
            self.stream.write(f"{CLEAR}{text}\n")
            self.showing = False
        self.stream.flush()

    def finish(self) -> None:
        if self.showing:
            self.stream.write(CLEAR)
            self.stream.flush()


@contextmanager
def showing_progress(stream: TextIO) -> Iterator[None]:
    """Show the progress records written during the block on `stream`."""
    logger = logging.getLogger(LOGGER)
    handler = _Live(stream) if stream.isatty() else _Lines(stream)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # shown here only, not again by Prefect's or the root's handlers
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
        handler.finish()
