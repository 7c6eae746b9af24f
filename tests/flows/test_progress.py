"""Progress lines for long commands: live on a terminal, plain otherwise (issue 24)."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import entente
from entente.flows.cli import main
from entente.flows.progress import CLEAR, LOGGER, Progress, report, showing_progress
from entente.flows.summary import RunSummary
from tests.archive_site import ArchiveSite
from tests.loopback import free_port_refusing, serve

WALKED_LINE = re.compile(r"entente: \[(\d+)/3\] (\w+): (\d+) pages walked, (\d+) items to fetch$")
STORED_LINE = re.compile(r"entente: \[(\d+)/3\] (\w+): (\d+) articles stored")

WALKED = Progress("mofa", "walked", 0, 2, pages=14, found=120)
STORED = Progress("mofa", "stored", 1, 2, stored=85, duplicates=3)
FAILED = Progress("wire\x1b[5m", "failed", 2, 2, detail="HTTP 503")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    with showing_progress(out):
        for event in (WALKED, STORED, FAILED):
            report(event)
    assert out.getvalue().splitlines() == [
        "entente: [0/2] mofa: 14 pages walked, 120 items to fetch",
        "entente: [1/2] mofa: 85 articles stored, 3 duplicates",
        "entente: [2/2] wire\\x1b[5m: failed: HTTP 503",
    ]


def test_a_terminal_gets_a_status_line_and_a_line_per_finished_source() -> None:
    out = Terminal()
    with showing_progress(out):
        report(WALKED)
        assert out.getvalue() == f"{CLEAR}entente: [0/2] mofa: 14 pages walked, 120 items to fetch"
        report(STORED)
        report(Progress("gov", "walked", 1, 2, pages=2, found=5))
    text = out.getvalue()
    assert text.endswith(CLEAR)  # the last status line is wiped when the command ends
    lasting = [part for part in text.split(CLEAR) if part.endswith("\n")]
    assert lasting == ["entente: [1/2] mofa: 85 articles stored, 3 duplicates\n"]


def test_a_reprocess_reads_and_derives_slices() -> None:
    assert Progress("pages-1-500", "read", 0, 3, pages=500).line() == (
        "[0/3] pages-1-500: 500 stored pages read"
    )
    assert Progress("pages-1-500", "derived", 1, 3, stored=498).line() == (
        "[1/3] pages-1-500: 498 articles derived again"
    )


def test_nothing_is_shown_outside_the_block_and_the_logger_is_restored() -> None:
    logger = logging.getLogger(LOGGER)
    before = (logger.level, logger.propagate, list(logger.handlers))
    out = io.StringIO()
    with showing_progress(out):
        pass
    report(STORED)
    assert out.getvalue() == ""
    assert (logger.level, logger.propagate, list(logger.handlers)) == before


@pytest.mark.usefixtures("prefect_harness")
def test_backfill_shows_each_source_walked_and_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now(UTC).date()
    since, until = today - timedelta(days=70), today - timedelta(days=30)
    dead = f"http://127.0.0.1:{free_port_refusing()}/feed"
    with serve() as loopback:
        site = ArchiveSite(loopback, today)
        sources = site.sources_toml(
            tmp_path / "s.toml", f'[[sources]]\nname = "dead"\nurl = "{dead}"\n'
        )
        window = ["--since", str(since), "--until", str(until)]
        db = str(tmp_path / "p.duckdb")
        assert main(["backfill", "--db", db, "--sources", str(sources), *window]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("entente: [")]
    walked = {m[2]: int(m[3]) for line in lines if (m := WALKED_LINE.match(line))}
    stored = {m[2]: (int(m[1]), int(m[3])) for line in lines if (m := STORED_LINE.match(line))}
    failed = [line for line in lines if "] dead: failed: " in line]
    assert set(walked) == {"ledger", "gazette"} and all(walked.values())
    assert set(stored) == {"ledger", "gazette"} and len(failed) == 1
    # each source finished once, counted 1, 2, 3 in the order they finished
    done = sorted([n for n, _ in stored.values()] + [int(failed[0].split("[")[1].split("/")[0])])
    assert done == [1, 2, 3]
    assert sum(n for _, n in stored.values()) == len(site.in_window(since, until))

    assert main(["reprocess", "--db", db]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("entente: [")]
    total = sum(n for _, n in stored.values())
    assert lines == [
        f"entente: [0/1] pages-1-{total}: {total} stored pages read",
        f"entente: [1/1] pages-1-{total}: {total} articles derived again",
    ]


def test_the_run_artifact_names_the_version() -> None:
    summary = RunSummary(run_id="r", flow="backfill", started_at=datetime.now(UTC))
    assert f"| entente version | {entente.__version__} |" in summary.to_markdown()
