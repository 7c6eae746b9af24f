"""Real processes for end-to-end tests: `prefect server start`, `entente serve`, the CLI.

Everything listens on 127.0.0.1 and is started in its own session, so a test can stop exactly
the processes it started (and their children) and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PrefectServer:
    api: str
    ui: str
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a child process that talks to this server."""
        env = dict(os.environ)
        env.update(
            PREFECT_API_URL=self.api,
            PREFECT_HOME=str(self.home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
            PREFECT_LOGGING_LEVEL="INFO",
            PREFECT_RUNNER_POLL_FREQUENCY="1",
            PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        env.update(extra)
        return env

    def get(self, path: str) -> Any:
        response = httpx.get(self.api + path, timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(self.api + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()


def stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Interrupt a process group we started, then kill it if it does not stop."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    except ProcessLookupError:
        pass


def migrated_prefect_database(folder: Path) -> Path:
    """A Prefect database with every migration applied, made once by `prefect server database
    upgrade` in a home of its own. A server started on a fresh home migrates an empty database
    first, which takes longer than anything else in its start; a copy of this one is at the
    newest revision already."""
    home = folder / "prefect-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_SERVER_DATABASE")}
    env.update(PREFECT_HOME=str(home), PREFECT_LOGGING_LEVEL="WARNING")
    env.pop("PREFECT_API_URL", None)
    upgraded = subprocess.run(
        [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    database = home / "prefect.db"
    assert upgraded.returncode == 0 and database.is_file(), upgraded.stdout + upgraded.stderr
    return database


def new_prefect_home(home: Path, database: Path) -> Path:
    """`home` made a Prefect home of its own that holds a copy of `database` (see
    `migrated_prefect_database`); nothing else is shared with any other home."""
    home.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(database)) as source,
        contextlib.closing(sqlite3.connect(home / "prefect.db")) as copy,
    ):
        source.backup(copy)
    return home


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text("utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_for(what: str, check: Any, timeout: float, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(
        f"timed out after {timeout:.0f} s waiting for {what}\n{tail(log) if log else ''}"
    )


def spawn(args: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextlib.contextmanager
def prefect_server(
    home: Path, database: Path, log: Path, timeout: float = 180.0
) -> Iterator[PrefectServer]:
    """`prefect server start` on a free loopback port with its own PREFECT_HOME, holding a
    copy of the migrated `database`."""
    new_prefect_home(home, database)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    server = PrefectServer(api=api, ui=f"http://127.0.0.1:{port}", home=home)
    env = server.env(PREFECT_UI_API_URL=api, PREFECT_LOGGING_LEVEL="WARNING")
    process = spawn(
        ["-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log
    )
    try:
        wait_for(
            "the Prefect server",
            lambda: process.poll() is None and httpx.get(api + "/health", timeout=5).json(),
            timeout,
            log,
        )
        yield server
    finally:
        stop(process)


@contextlib.contextmanager
def entente_serve(
    server: PrefectServer, args: Sequence[str], log: Path, timeout: float = 120.0
) -> Iterator[subprocess.Popen[bytes]]:
    """`entente serve` (as `python -m entente serve`) until its deployments are registered."""
    process = spawn(["-m", "entente", "serve", *args], server.env(), log)
    try:
        for name in ("ingest/ingest", "backfill/backfill", "reprocess/reprocess"):
            wait_for(
                f"deployment {name}",
                lambda name=name: (
                    process.poll() is None
                    and httpx.get(f"{server.api}/deployments/name/{name}", timeout=5).status_code
                    == 200
                ),
                timeout,
                log,
            )
        # The runner polls for work once it has registered; give it a moment to start.
        wait_for("the runner", lambda: "polling" in tail(log, 200), timeout, log)
        yield process
    finally:
        stop(process)
