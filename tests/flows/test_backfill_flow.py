"""The backfill flow in process, its failure states, its CLI, and the served deployments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from entente.flows.backfill import backfill_window, pick_sources
from entente.flows.cli import main
from entente.flows.serve import build_deployments, deployment_parameters, ingest_interval
from entente.ingest.settings import Source, load_settings
from entente.transforms.errors import ConfigError
from tests.archive_site import ArchiveSite
from tests.loopback import free_port_refusing, serve


def test_default_window_is_the_last_thirty_days() -> None:
    window = backfill_window(None, None, today=date(2026, 6, 30))
    assert str(window) == "2026-05-31..2026-06-30"
    assert str(backfill_window(date(2026, 1, 1), None, today=date(2026, 1, 3))) == (
        "2026-01-01..2026-01-03"
    )
    with pytest.raises(ConfigError):
        backfill_window(date(2026, 2, 1), date(2026, 1, 1))


def test_pick_sources_by_name() -> None:
    a = Source(name="a", url="https://a.example/feed")
    b = Source(name="b", url="https://b.example/feed", active=False)
    assert pick_sources((a, b), ()) == (a,)
    assert pick_sources((a, b), ["b", "a", "b"]) == (b, a)
    with pytest.raises(ConfigError, match="unknown source name"):
        pick_sources((a, b), ["c"])


def test_ingest_interval_from_option_env_or_default() -> None:
    assert ingest_interval(None, {}) == timedelta(minutes=15)
    assert ingest_interval(None, {"ENTENTE_INGEST_EVERY_MINUTES": "60"}) == timedelta(hours=1)
    assert ingest_interval(5, {"ENTENTE_INGEST_EVERY_MINUTES": "60"}) == timedelta(minutes=5)
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ConfigError):
            ingest_interval(None, {"ENTENTE_INGEST_EVERY_MINUTES": bad})


def test_three_deployments_with_defaults_from_settings(tmp_path: Path) -> None:
    from prefect.utilities.callables import parameter_schema

    from entente.flows.backfill import backfill_flow

    sources = tmp_path / "s.toml"
    sources.write_text('[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n')
    settings = load_settings(str(tmp_path / "w.duckdb"), str(sources))
    deployments = build_deployments(settings, timedelta(minutes=15))
    assert [d.name for d in deployments] == ["ingest", "backfill", "reprocess"]
    ingest_d, backfill, reprocess = deployments
    assert [s.schedule.interval for s in ingest_d.schedules] == [timedelta(minutes=15)]  # type: ignore[union-attr]
    assert backfill.schedules == [] and reprocess.schedules == []
    assert backfill.parameters == deployment_parameters(settings)
    assert backfill.parameters["db"] == str((tmp_path / "w.duckdb").resolve())
    assert backfill.parameters["sources"] == str(sources.resolve())
    assert backfill.entrypoint == "entente.flows.backfill.backfill_flow"
    schema = parameter_schema(backfill_flow.fn).model_dump()["properties"]
    assert {
        "since",
        "until",
        "sources",
        "only",
        "db",
        "max_articles_per_source",
        "lake",
        "lake_data",
        "chunked",
        "chunks_at_once",
    } == set(schema)
    assert "chunked" not in backfill.parameters, "serve runs a backfill as one flow run"
    for name, prop in schema.items():
        assert prop.get("description"), f"{name} has no description in the run form"
    assert {"format": "date", "type": "string"} in schema["since"]["anyOf"]
    assert schema["max_articles_per_source"]["default"] == 500


def _runs(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT flow, status, sources_ok, sources_failed, articles_new FROM runs"
            " ORDER BY started_at"
        ).fetchall()


@pytest.mark.usefixtures("prefect_harness")
def test_cli_backfill_with_one_dead_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dead source fails its task, not the run; the summary artifact says what happened."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    today = datetime.now(UTC).date()
    since, until = today - timedelta(days=70), today - timedelta(days=30)
    db = tmp_path / "cli.duckdb"
    dead = f"http://127.0.0.1:{free_port_refusing()}/feed"
    with serve() as loopback:
        site = ArchiveSite(loopback, today)
        sources = site.sources_toml(
            tmp_path / "s.toml", f'[[sources]]\nname = "dead"\nurl = "{dead}"\n'
        )
        window = ["--since", str(since), "--until", str(until)]
        code = main(["backfill", "--db", str(db), "--sources", str(sources), *window])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "backfill run" in out and "2 ok, 1 failed" in out
    with duckdb.connect(str(db), read_only=True) as con:
        urls = {r[0] for r in con.execute("SELECT url FROM articles").fetchall()}
        dead_fetch = con.execute(
            "SELECT outcome FROM fetches WHERE source = 'dead' AND kind = 'feed'"
        ).fetchall()
    assert urls == site.in_window(since, until)
    assert dead_fetch == [("connect_error",)]
    ((flow, status, ok, failed, new),) = _runs(db)
    assert (flow, status, ok, failed, new) == ("backfill", "completed", 2, 1, len(urls))

    with duckdb.connect(str(db), read_only=True) as con:
        (run_id,) = con.execute("SELECT run_id FROM runs").fetchone()  # type: ignore[misc]
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run_id)
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
        )
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
        )
    assert flow_run.state is not None and flow_run.state.is_completed()
    states = {t.name: t.state.type.value for t in tasks if t.state is not None}
    assert states["backfill-dead"] == "FAILED"
    assert states["backfill-ledger"] == states["backfill-gazette"] == "COMPLETED"
    (artifact,) = [a for a in artifacts if a.key == "backfill-summary"]
    text = str(artifact.data)
    assert "| dead | cannot connect" in text
    assert f"backfill {since}..{until}" in text


@pytest.mark.usefixtures("prefect_harness")
def test_every_source_failed_marks_the_run_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from entente.flows.backfill import backfill_flow
    from entente.flows.ingest import ingest_flow

    db = tmp_path / "dead.duckdb"
    sources = tmp_path / "dead.toml"
    sources.write_text(
        "[fetch]\nallow_private_networks = true\nmin_host_delay = 0\nbackoff_base = 0.05\n\n"
        + "".join(
            f'[[sources]]\nname = "dead{i}"\nurl = "http://127.0.0.1:{free_port_refusing()}/f"\n'
            for i in range(2)
        )
    )
    state = backfill_flow(
        since=date(2026, 1, 1),
        until=date(2026, 1, 31),
        sources=str(sources),
        db=str(db),
        return_state=True,
    )
    assert state.is_failed()
    assert "every source failed" in (state.message or "")
    state = ingest_flow(db=str(db), sources=str(sources), return_state=True)
    assert state.is_failed()
    assert [r[:4] for r in _runs(db)] == [
        ("backfill", "failed", 0, 2),
        ("ingest", "failed", 0, 2),
    ]
    # The same database would now skip both sources while they back off (source health),
    # so the command line is checked on a fresh one.
    fresh = tmp_path / "fresh.duckdb"
    assert main(["run", "--db", str(fresh), "--sources", str(sources)]) == 1
    captured = capsys.readouterr()
    assert "0 ok, 2 failed" in captured.out
    assert "every source failed" in captured.err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--since", "2026-02-01", "--until", "2026-01-01"], "before since"),
        (["--since", "2026-02-30", "--until", "2026-03-01"], "--since '2026-02-30' is not a date"),
        (["--since", "2026-01-01", "--until", "2026-01-02", "--only", "nope"], "unknown source"),
    ],
)
def test_cli_backfill_refuses_bad_input_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    sources = tmp_path / "s.toml"
    sources.write_text('[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n')
    code = main(["backfill", "--db", str(tmp_path / "x.duckdb"), "--sources", str(sources), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("entente: ") and message in err and "\n" not in err
    assert not (tmp_path / "x.duckdb").exists()


def test_serve_refuses_a_bad_interval(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--every", "0"]) == 1
    assert "positive" in capsys.readouterr().err


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_that_dies_half_way_is_recorded_as_crashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import entente.flows.driver
    from entente.flows.backfill import backfill_flow

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("extraction blew up")

    monkeypatch.setattr(entente.flows.driver, "process_step", broken)
    db = tmp_path / "crash.duckdb"
    today = datetime.now(UTC).date()
    with serve() as loopback:
        site = ArchiveSite(loopback, today)
        sources = site.sources_toml(tmp_path / "s.toml")
        state = backfill_flow(
            since=today - timedelta(days=30),
            until=today,
            sources=str(sources),
            only=["gazette"],
            db=str(db),
            return_state=True,
        )
    assert state.is_failed()
    assert [r[:2] for r in _runs(db)] == [("backfill", "crashed")]
