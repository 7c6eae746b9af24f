"""`entente deploy --pool NAME`: the deployments on a Prefect process work pool.

`serve` runs the flow runs in its own process; here nothing is run: the deployments are
registered on a work pool, and `prefect worker start --pool NAME` on any machine with Entente
installed picks their runs up (module-path entrypoints, so the worker imports the installed
package). The deployments are the ones `serve` builds, plus `backfill-chunk`, which the
backfill deployment starts for each source and week.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from entente.flows.serve import build_deployments
from entente.ingest.settings import Settings
from entente.transforms.errors import ConfigError, EntenteError, first_line

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient

POOL_TYPE = "process"


def api_url() -> str:
    """The Prefect API to register on; an ephemeral server would vanish with this process."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        raise ConfigError(
            "entente deploy needs a Prefect server that outlives it: start `prefect server"
            " start` and export PREFECT_API_URL=http://127.0.0.1:4200/api first"
        )
    return url


def ensure_pool(client: SyncPrefectClient, name: str) -> bool:
    """Create the process work pool `name` unless it exists; True when it was created."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        pool = client.read_work_pool(name)
    except ObjectNotFound:
        template = ProcessWorker.get_default_base_job_template()
        try:
            client.create_work_pool(
                WorkPoolCreate(name=name, type=POOL_TYPE, base_job_template=template)
            )
        except ObjectAlreadyExists:  # another deploy created it meanwhile
            return False
        return True
    if pool.type != POOL_TYPE:
        raise ConfigError(
            f"work pool {name!r} is a {pool.type!r} pool; entente deploy needs a"
            f" {POOL_TYPE!r} pool: name another, and it is created"
        )
    return False


def deploy_to_pool(settings: Settings, every: timedelta, pool: str) -> tuple[bool, list[str]]:
    """Make sure the pool exists and register every deployment on it (again, if they were:
    their parameters and schedule are updated). Gives whether the pool was created, and the
    deployments' full names."""
    from prefect.client.orchestration import get_client

    if not pool.strip():
        raise ConfigError("--pool needs a work pool name")
    url = api_url()
    with get_client(sync_client=True) as client:
        error = client.api_healthcheck()
        if error is not None:
            raise EntenteError(f"no Prefect API answers at {url}: {first_line(error)}")
        created = ensure_pool(client, pool)
    names = []
    for deployment in build_deployments(settings, every, chunked=True):
        deployment.apply(work_pool_name=pool)
        names.append(f"{deployment.flow_name}/{deployment.name}")
    return created, names
