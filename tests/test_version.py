"""The installed version, where people and runs see it (issue 24)."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest

import entente
from entente.flows.cli import main
from entente.warehouse import load
from entente.warehouse.db import writer
from entente.warehouse.schema import MIGRATIONS, migrate


def test_the_package_knows_its_version() -> None:
    assert entente.__version__ == version("entente") != "0+unknown"


def test_entente_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"entente {entente.__version__}\n"


def test_every_run_records_the_version_that_ran_it(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with writer(db) as con:
        load.start_run(con, "r1", "ingest", datetime.now(UTC))
        row = con.execute("SELECT entente_version FROM runs WHERE run_id = 'r1'").fetchone()
    assert row == (entente.__version__,)


def test_runs_from_before_keep_their_rows(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        migrate(con, tuple(m for m in MIGRATIONS if m.version < 24))
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, status) VALUES ('old', 'x', now(), 'ok')"
        )
        migrate(con)
        rows = con.execute("SELECT run_id, entente_version FROM runs").fetchall()
    assert rows == [("old", None)]
