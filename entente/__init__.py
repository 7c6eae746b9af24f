"""Entente: diplomatic news feeds into a queryable DuckDB record of who cooperates with whom.

The code lives in four subpackages, each a top-level folder of the repository:
`entente.ingest` (the network: feeds, pages, extraction), `entente.transforms` (pure: text in,
records out), `entente.warehouse` (DuckDB: schema, loads, queries) and `entente.flows` (the
Prefect flows and the command line, wiring the other three).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("entente")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
