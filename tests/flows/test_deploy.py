"""`entente deploy --pool NAME`: the pool, the deployments on it, and one-line refusals.

Workers running these deployments are tested end to end in test_pool_e2e.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from entente.flows.cli import main
from tests.loopback import free_port_refusing

DEPLOYMENTS = (
    "ingest/ingest",
    "backfill/backfill",
    "reprocess/reprocess",
    "backfill-chunk/backfill-chunk",
)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text('[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n')
    return path


@pytest.fixture
def leaves_no_deployment() -> Iterator[None]:
    """The Prefect harness is the session's: the deployments a test registers go when it
    ends, so that a later test finds no backfill-chunk deployment it did not make (a chunked
    backfill would then wait for chunks no worker runs)."""
    yield
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        for name in DEPLOYMENTS:
            with contextlib.suppress(ObjectNotFound):
                client.delete_deployment(client.read_deployment_by_name(name).id)
        for pool in ("entente-unit", "not-processes"):
            with contextlib.suppress(ObjectNotFound):
                client.delete_work_pool(pool)


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("entente: ") and "\n" not in err, err
    return err


def test_deploy_without_a_prefect_server_says_how_to_start_one(
    sources: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["deploy", "--pool", "p", "--sources", str(sources)]) == 1
    assert "PREFECT_API_URL" in _one_line_error(capsys)


def test_deploy_to_a_server_that_does_not_answer(
    sources: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = f"http://127.0.0.1:{free_port_refusing()}/api"
    with temporary_settings(updates={PREFECT_API_URL: url}):
        assert main(["deploy", "--pool", "p", "--sources", str(sources)]) == 1
    assert f"no Prefect API answers at {url}" in _one_line_error(capsys)


def test_deploy_refuses_a_bad_interval_or_an_empty_pool_name(
    sources: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy", "--pool", "p", "--every", "0", "--sources", str(sources)]) == 1
    assert "positive" in _one_line_error(capsys)
    assert main(["deploy", "--pool", " ", "--sources", str(sources)]) == 1
    assert "--pool" in _one_line_error(capsys)


@pytest.mark.usefixtures("prefect_harness", "leaves_no_deployment")
def test_deploy_creates_the_pool_and_registers_four_deployments_on_it(
    tmp_path: Path, sources: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    db = tmp_path / "w.duckdb"
    args = ["deploy", "--pool", "entente-unit", "--db", str(db), "--sources", str(sources)]
    assert main([*args, "--every", "30"]) == 0
    out = capsys.readouterr().out
    assert "work pool 'entente-unit': created (process)" in out
    assert "prefect worker start --pool entente-unit" in out
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("entente-unit")
        deployments = {n: client.read_deployment_by_name(n) for n in DEPLOYMENTS}
    assert pool.type == "process"
    assert {d.work_pool_name for d in deployments.values()} == {"entente-unit"}
    assert {n: d.entrypoint for n, d in deployments.items()} == {
        "ingest/ingest": "entente.flows.ingest.ingest_flow",
        "backfill/backfill": "entente.flows.backfill.backfill_flow",
        "reprocess/reprocess": "entente.flows.reprocess.reprocess_flow",
        "backfill-chunk/backfill-chunk": "entente.flows.backfill.backfill_chunk_flow",
    }
    backfill = deployments["backfill/backfill"]
    assert backfill.parameters == {
        "db": str(db.resolve()),
        "sources": str(sources.resolve()),
        "chunked": True,
    }
    assert deployments["reprocess/reprocess"].parameters == {"db": str(db.resolve())}
    (schedule,) = deployments["ingest/ingest"].schedules
    assert schedule.schedule.interval.total_seconds() == 1800  # type: ignore[union-attr]
    assert deployments["ingest/ingest"].pull_steps == []

    # Again: the pool exists, the deployments are updated in place.
    assert main(args) == 0
    assert "work pool 'entente-unit': exists (process)" in capsys.readouterr().out
    with get_client(sync_client=True) as client:
        again = client.read_deployment_by_name("backfill/backfill")
        assert again.id == backfill.id
        client.create_work_pool(WorkPoolCreate(name="not-processes", type="docker"))
    assert main(["deploy", "--pool", "not-processes", "--sources", str(sources)]) == 1
    assert "'docker' pool" in _one_line_error(capsys)
