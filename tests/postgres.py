"""A real PostgreSQL server for the lake tests: initdb in a temporary folder, a free loopback
port, stopped at the end. Its programs come from Debian's `postgresql` package, which
`tools/system-deps` (part of the README's test command) installs; without them the tests
fail, saying so, rather than skip."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

USER = "entente"


def server_programs() -> Path:
    """The folder holding initdb and pg_ctl; AssertionError when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise AssertionError(
        "PostgreSQL's server programs (initdb, pg_ctl) are missing: the lake tests start a"
        " server of their own; run `sh tools/system-deps` (Debian's postgresql package)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Server:
    bin: Path
    port: int
    data: Path
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def catalog(self, dbname: str) -> str:
        """A DuckLake catalog string for a database of this server."""
        return f"postgres:dbname={dbname} host=127.0.0.1 port={self.port} user={USER}"

    def pid(self) -> int:
        """The server's main process (its postmaster)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def new_database(self, prefix: str = "lake") -> str:
        name = f"{prefix}_{next(self._names)}"
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name],
            check=True,
            capture_output=True,
        )
        return name


@contextlib.contextmanager
def running_server() -> Iterator[Server]:
    """Start a throwaway server (trust authentication, loopback only), stop it at the end."""
    programs = server_programs()
    home = Path(tempfile.mkdtemp(prefix="entente-pg-"))
    home.chmod(0o755)
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    try:
        subprocess.run(
            _as_owner([str(programs / "initdb"), "-D", str(data), "-A", "trust", "-U", USER]),
            check=True,
            capture_output=True,
        )
        for attempt in range(3):  # a port found free may be taken before the server binds it
            port = _free_port()
            options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
            pg_ctl = [str(programs / "pg_ctl"), "-D", str(data), "-o", options, "-w"]
            started = subprocess.run(
                _as_owner([*pg_ctl, "-l", str(home / "log"), "start"]),
                check=False,
                capture_output=True,
                text=True,
            )
            if started.returncode == 0:
                break
            if attempt == 2:
                log = (home / "log").read_text(errors="replace")[-2000:]
                raise AssertionError(f"PostgreSQL did not start: {started.stderr}\n{log}")
        try:
            yield Server(programs, port, data)
        finally:
            subprocess.run(
                _as_owner([str(programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                check=False,
                capture_output=True,
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
