"""Test-wide settings: Prefect runs offline in a temporary home, never in ~/.prefect."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.postgres import Server, running_server

if TYPE_CHECKING:
    from entente.warehouse.lake import Lake

_PREFECT_HOME = tempfile.mkdtemp(prefix="entente-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ.pop("PREFECT_API_URL", None)
for name in (
    "ENTENTE_DB",
    "ENTENTE_SOURCES",
    "ENTENTE_ALLOW_PRIVATE_NETWORKS",
    "ENTENTE_TAXONOMY",
    "ENTENTE_LAKE",
    "ENTENTE_LAKE_DATA",
):
    os.environ.pop(name, None)

# A suite started in the background by a shell without job control (`pytest &` in a script)
# inherits SIGINT ignored, and so would every process it starts: the Ctrl-C tests' runs would
# never see the signal they are sent. A handler, unlike "ignored", is not inherited across exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run tests that start a Prefect server last, and count them as slow (`-m "not slow"`
    leaves them out).

    The server's background threads keep drawing from `random`, which Hypothesis reports as
    a flaky strategy in any property test that runs after it.
    """
    for item in items:
        if "prefect_harness" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: "prefect_harness" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def prefect_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Prefect database to copy into each new Prefect home (tests/flows/served.py's
    `new_prefect_home`): every home stays its own, and none migrates an empty database."""
    from tests.flows.served import migrated_prefect_database

    return migrated_prefect_database(tmp_path_factory.mktemp("prefect-database"))


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared evaluation folder is missing at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """One real PostgreSQL server for every lake test (tests/postgres.py); each lake is a
    database of its own on it."""
    with running_server() as server:
        yield server


@pytest.fixture
def lake(postgres: Server, tmp_path: Path) -> Lake:
    """A new, empty lake: its catalog a new database, its files under tmp_path."""
    from entente.warehouse.lake import Lake

    return Lake(postgres.catalog(postgres.new_database()), str(tmp_path / "lake-files"))
