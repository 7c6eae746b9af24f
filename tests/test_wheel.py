"""The wheel works on its own: built, installed in a fresh venv, run far from any checkout.

The wheel is built offline with the build backend the lock installs, then installed with
pip, alone, into a new venv. Its dependencies are not installed a second time: the new venv
reads them from this test's own environment through a path file, since the README's command
installed them from the lock already. (A second install from the lock, from pip's cache,
took 84 s and 943 MB here and asks the package index again.) Everything else is the new
venv's own: its `entente` command, its `python -m entente`, and the `entente` package from the
wheel, imported from an empty folder where no checkout is on the path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import entente
from tests.flows.served import new_prefect_home

REPO = Path(__file__).resolve().parents[1]
BARE = {"flows", "ingest", "transforms", "warehouse"}
# What the package is built from (the folders under entente/ are links to these).
SOURCES = ["pyproject.toml", "README.md", "entente", *sorted(BARE)]


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site: Path
    home: Path  # an empty folder, the commands' working directory

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run(
        self, *args: str, timeout: float = 60, prefect_home: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if prefect_home is not None:
            env["PREFECT_HOME"] = str(prefect_home)
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run(
            args, check=False, cwd=self.home, env=env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip


def build_wheel(out: Path) -> Path:
    """`pip wheel` from a copy of the sources, so no build folder lands in the checkout."""
    source = out / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name,
                source / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        else:
            shutil.copy2(REPO / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
         "--no-build-isolation", "-w", str(out / "dist"), str(source)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (out / "dist").glob("entente-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(root)
    target = root / "venv"
    venv.create(target, with_pip=False, symlinks=True)
    python = target / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    # The dependencies, from this environment (see the module docstring).
    (site / "entente-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = root / "empty"
    home.mkdir()
    return Installed(wheel, target, site, home)


def test_the_wheel_holds_one_package_and_its_data(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "entente",
        f"entente-{entente.__version__}.dist-info",
    }
    for data in [
        "entente/py.typed",
        "entente/flows/demo_corpus/manifest.json",
        "entente/transforms/taxonomy.toml",
        "entente/transforms/countries.toml",
        "entente/ingest/default_sources.toml",
        "entente/warehouse/report.html",
    ]:
        assert data in names


def test_nothing_but_entente_lands_at_the_top_of_site_packages(installed: Installed) -> None:
    top = {p.name for p in installed.site.iterdir()}
    assert not top & BARE
    assert {"entente", f"entente-{entente.__version__}.dist-info"} <= top
    found = installed.run(
        "python", "-c",
        "import entente, entente.flows, importlib.util;"
        " print(entente.__file__); print(entente.flows.__file__);"
        " print([n for n in ('flows', 'ingest', 'transforms', 'warehouse')"
        " if importlib.util.find_spec(n)])",
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    package, flows, bare = found.stdout.splitlines()
    assert Path(package).is_relative_to(installed.site)
    assert Path(flows).is_relative_to(installed.site)
    assert bare == "[]"


def test_version_and_python_dash_m(installed: Installed) -> None:
    version = installed.run("entente", "--version")
    assert (version.returncode, version.stdout) == (0, f"entente {entente.__version__}\n")
    helped = installed.run("python", "-m", "entente", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "usage: entente" in helped.stdout and "demo" in helped.stdout


@pytest.mark.slow
def test_demo_runs_from_an_empty_folder_and_connect_reads_it(
    installed: Installed, prefect_database: Path, tmp_path: Path
) -> None:
    # Prefect's temporary server, in a home of the demo's own
    home = new_prefect_home(tmp_path / "prefect", prefect_database)
    demo = installed.run("entente", "demo", timeout=600, prefect_home=home)
    assert demo.returncode == 0, demo.stderr[-2000:]
    db = installed.home / "entente-demo.duckdb"
    assert db.is_file()
    read = installed.run(
        "python", "-c",
        "import json, entente\n"
        "with entente.connect('entente-demo.duckdb') as con:\n"
        "    n = con.execute('SELECT count(*) FROM articles').fetchone()[0]\n"
        "    top = con.execute(\"SELECT title FROM search_articles('gas pipeline') LIMIT 1\")\n"
        "    print(json.dumps([n, top.fetchone()[0], entente.__file__]))",
    )  # fmt: skip
    assert read.returncode == 0, read.stderr
    articles, title, package = json.loads(read.stdout)
    manifest = json.loads((REPO / "flows" / "demo_corpus" / "manifest.json").read_text("utf-8"))
    assert articles == len(manifest)
    assert "pipeline" in title.lower()
    assert Path(package).is_relative_to(installed.site)


def test_the_installed_package_is_typed(installed: Installed) -> None:
    """mypy, pointed at the new venv, types `connect()` from the wheel's annotations."""
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--python-executable", str(installed.python), "--follow-imports", "silent",
         "-c", "import entente\nreveal_type(entente.connect())\nreveal_type(entente.__version__)"],
        check=False, cwd=installed.home, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    revealed = [line.split("Revealed type is ")[1] for line in checked.stdout.splitlines()[:2]]
    assert revealed == ['"_duckdb.DuckDBPyConnection"', '"str"'], checked.stdout
