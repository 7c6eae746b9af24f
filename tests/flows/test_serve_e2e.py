"""End to end: a real Prefect server, `entente serve`, and backfills started through the API,
the Prefect UI (in Debian's chromium, driven by playwright), and two CLI processes at once.

One server, one loopback news archive and one `entente serve` are shared by the module.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.archive_site import ArchiveSite
from tests.flows.served import (
    REPO,
    PrefectServer,
    entente_serve,
    prefect_server,
    spawn,
    stop,
    tail,
    wait_for,
)
from tests.loopback import serve

# The shared server and serve process start inside the first test's time budget.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Stack:
    server: PrefectServer
    site: ArchiveSite
    sources: Path
    served_db: Path
    logs: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, prefect_database: Path) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("e2e")
    logs = root / "logs"
    logs.mkdir()
    with (
        prefect_server(root / "prefect-home", prefect_database, logs / "server.log") as server,
        serve() as loopback,
    ):
        site = ArchiveSite(loopback, datetime.now(UTC).date())
        sources = site.sources_toml(root / "sources.toml")
        served_db = root / "served.duckdb"
        try:
            with entente_serve(
                server, ["--db", str(served_db), "--sources", str(sources)], logs / "serve.log"
            ):
                yield Stack(server, site, sources, served_db, logs)
        finally:
            # Keep the server's and the runner's logs where people look (gitignored).
            shutil.copytree(logs, REPO / "artifacts" / "e2e-logs", dirs_exist_ok=True)


def days_ago(site: ArchiveSite, n: int) -> date:
    return site.today - timedelta(days=n)


def article_urls(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT url FROM articles ORDER BY url").fetchall()]


def table_counts(db: Path) -> dict[str, int]:
    tables = ("articles", "article_areas", "article_countries", "raw_documents", "runs")
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def run_backfill(stack: Stack, parameters: dict[str, object]) -> object:
    """Start the served backfill deployment through the Prefect API and wait for its end."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: stack.server.api}):
        flow_run = run_deployment(
            name="backfill/backfill", parameters=parameters, timeout=300, poll_interval=1
        )
    return flow_run


def test_backfill_deployment_loads_exactly_the_window(stack: Stack, tmp_path: Path) -> None:
    site = stack.site
    since, until = days_ago(site, 100), days_ago(site, 40)
    db = tmp_path / "backfill.duckdb"
    params = {"since": since.isoformat(), "until": until.isoformat(), "db": str(db)}
    expected = site.in_window(since, until)
    assert len(expected) >= 10, "the window must hold articles of both publishers"

    mark = len(site.site.log)
    first = run_backfill(stack, params)
    assert first.state is not None and first.state.is_completed(), (  # type: ignore[attr-defined]
        f"{first.state}\n{tail(stack.logs / 'serve.log')}"  # type: ignore[attr-defined]
    )
    urls = article_urls(db)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected
    requested = {r.path for r in site.site.log[mark:]}
    # It walked back through archives and pages, and stopped once they were older than since.
    assert site.ledger_archive(2) in requested
    assert site.ledger_archive(3) not in requested
    assert site.gazette_page(3) in requested
    assert site.gazette_page(4) not in requested
    oldest_month = f"{site.ledger[-1].published_at:%Y-%m}"
    assert site.month_sitemap(oldest_month) not in requested

    before = table_counts(db)
    mark = len(site.site.log)
    second = run_backfill(stack, params)
    assert second.state is not None and second.state.is_completed()  # type: ignore[attr-defined]
    after = table_counts(db)
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }
    assert after["runs"] == before["runs"] + 1
    article_paths = {a.path for a in site.articles}
    assert not article_paths & {r.path for r in site.site.log[mark:]}, "refetched stored pages"
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            "SELECT flow, status, articles_new, sources_ok FROM runs ORDER BY started_at"
        ).fetchall()
    assert runs == [
        ("backfill", "completed", len(expected), 2),
        ("backfill", "completed", 0, 2),
    ]

    # The run published its summary, and the scheduled ingest has its default 15 minutes.
    artifacts = stack.server.post(
        "/artifacts/filter", {"artifacts": {"key": {"any_": ["backfill-summary"]}}}
    )
    assert any("new articles" in str(a.get("data")) for a in artifacts)
    ingest_d = stack.server.get("/deployments/name/ingest/ingest")
    assert [s["schedule"].get("interval") for s in ingest_d["schedules"]] == [900.0]
    backfill = stack.server.get("/deployments/name/backfill/backfill")
    properties = backfill["parameter_openapi_schema"]["properties"]
    assert {"since", "until", "sources", "only", "db"} <= set(properties)
    assert "First publication day" in properties["since"]["description"]


def _pick_date(page: object, field_index: int, day: date) -> None:
    """Switch a `date | None` field to `date` and choose a day in its date picker."""
    p = page  # playwright's Page, untyped here to keep the import lazy
    p.get_by_role("button", name="date", exact=True).nth(field_index).click()  # type: ignore[attr-defined]
    p.get_by_text("Select date", exact=True).first.click()  # type: ignore[attr-defined]
    picker = p.locator(".p-date-picker")  # type: ignore[attr-defined]
    picker.locator("input[type=date]").fill(day.isoformat())
    picker.get_by_role("button", name="Apply").click()


def _submit(page: object, api_errors: list[str], attempts: int = 3) -> None:
    """Submit the run form; on the UI's error toast (a busy server), submit again."""
    p = page
    created = p.get_by_text("scheduled to start")  # type: ignore[attr-defined]
    failed = p.get_by_text("Something went wrong")  # type: ignore[attr-defined]
    for _ in range(attempts):
        errors_before = failed.count()
        p.get_by_role("button", name="Submit").click()  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if created.count():
                return
            if failed.count() > errors_before:
                break
            time.sleep(0.25)
        time.sleep(2)
    raise AssertionError(f"the UI could not create the run: {api_errors}")


def test_custom_run_from_the_prefect_ui(stack: Stack, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    site = stack.site
    since, until = days_ago(site, 160), days_ago(site, 105)
    expected = site.in_window(since, until)
    assert len(expected) >= 8
    shot = tmp_path / "prefect-ui-backfill-run.png"
    run_name = f"ui-backfill-{since:%Y%m%d}-{until:%Y%m%d}"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        api_errors: list[str] = []
        page.on(
            "response",
            lambda r: (
                api_errors.append(f"{r.status} {r.request.method} {r.url}")
                if "/api/" in r.url and r.status >= 400
                else None
            ),
        )
        try:
            page.goto(stack.server.ui + "/deployments", wait_until="networkidle")
            page.get_by_role("link", name="backfill").first.click()
            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_text("Custom run").click()
            page.get_by_text("First publication day").wait_for()
            page.locator(".flow-run-name-input input").fill(run_name)
            _pick_date(page, 0, since)
            _pick_date(page, 1, until)
            page.screenshot(path=str(tmp_path / "prefect-ui-custom-run-form.png"), full_page=True)
            _submit(page, api_errors)
            flow_run = wait_for(
                "the flow run the UI created",
                lambda: stack.server.post(
                    "/flow_runs/filter", {"flow_runs": {"name": {"any_": [run_name]}}}
                ),
                30,
            )[0]
            assert flow_run["parameters"]["since"] == since.isoformat()
            assert flow_run["parameters"]["until"] == until.isoformat()

            def finished() -> str | None:
                state = stack.server.get(f"/flow_runs/{flow_run['id']}")["state_type"]
                return state if state in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

            final = wait_for("the UI-started backfill", finished, 240, stack.logs / "serve.log")
            assert final == "COMPLETED", tail(stack.logs / "serve.log")
            page.goto(f"{stack.server.ui}/runs/flow-run/{flow_run['id']}", wait_until="networkidle")
            page.get_by_text("Completed").first.wait_for()
            page.screenshot(path=str(shot), full_page=True)
            # The run's summary artifact, as an operator would open it.
            page.get_by_text("Artifacts", exact=True).first.click()
            page.get_by_text("backfill-summary").first.click()
            page.get_by_text("new articles").first.wait_for()
            page.screenshot(path=str(tmp_path / "prefect-ui-backfill-summary.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(tmp_path / "prefect-ui-failure.png"), full_page=True)
            raise
        finally:
            _keep_screenshots(tmp_path)
            browser.close()

    with duckdb.connect(str(stack.served_db), read_only=True) as con:
        rows = con.execute(
            "SELECT url FROM articles WHERE published_at >= ? AND published_at < ?",
            [
                datetime.combine(since, datetime.min.time(), tzinfo=UTC),
                datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
            ],
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(expected)
    assert shot.stat().st_size > 10_000


def _keep_screenshots(folder: Path) -> None:
    """Copy the test's screenshots to ./artifacts (gitignored), where people look for them."""
    keep = REPO / "artifacts"
    keep.mkdir(exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy(png, keep / png.name)


def test_ingest_and_backfill_at_once_lose_and_double_nothing(stack: Stack, tmp_path: Path) -> None:
    """Two processes, one warehouse: a scheduled-style ingest and an overlapping backfill."""
    site = stack.site
    db = tmp_path / "shared.duckdb"
    since, until = days_ago(site, 60), days_ago(site, 1)
    # Both the feeds' front pages and the window hold the newest articles: both runs fetch
    # them and both try to load them.
    overlap = site.newest() & site.in_window(since, until)
    assert len(overlap) >= 6
    expected = site.newest() | site.in_window(since, until)
    common = ["--db", str(db), "--sources", str(stack.sources)]
    env = stack.server.env()

    # Hold the write lock while both flows start, so both must wait for it and then race.
    holder = duckdb.connect(str(db))
    runs = [
        spawn(["-m", "entente", "run", *common], env, tmp_path / "run.log"),
        spawn(
            [
                "-m",
                "entente.flows.cli",
                "backfill",
                *common,
                "--since",
                str(since),
                "--until",
                str(until),
            ],
            env,
            tmp_path / "backfill.log",
        ),
    ]
    try:
        wait_for(
            "both flows to start and wait for the warehouse",
            lambda: all(
                "Beginning flow run" in tail(tmp_path / f"{n}.log", 400)
                for n in ("run", "backfill")
            ),
            120,
        )
        time.sleep(1.0)
        holder.close()
        for process in runs:
            process.wait(240)
    finally:
        holder.close()
        for process in runs:
            stop(process)
    for process, name in zip(runs, ("run", "backfill"), strict=True):
        assert process.returncode == 0, tail(tmp_path / f"{name}.log")

    urls = article_urls(db)
    assert len(urls) == len(set(urls)), "an article was loaded twice"
    assert set(urls) == expected, f"lost: {expected - set(urls)}"
    with duckdb.connect(str(db), read_only=True) as con:
        runs_rows = con.execute(
            "SELECT flow, status, articles_new, duplicates FROM runs ORDER BY flow"
        ).fetchall()
        orphans = con.execute(
            "SELECT count(*) FROM articles a"
            " LEFT JOIN raw_documents r ON r.raw_sha256 = a.raw_sha256 WHERE r.raw_sha256 IS NULL"
        ).fetchone()
    assert [(f, s) for f, s, _, _ in runs_rows] == [
        ("backfill", "completed"),
        ("ingest", "completed"),
    ]
    # Every article was counted new by exactly one of the two runs, none as a duplicate.
    assert sum(r[2] for r in runs_rows) == len(expected)
    assert sum(r[3] for r in runs_rows) == 0
    assert orphans == (0,)
