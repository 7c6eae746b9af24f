"""Imported by the extraction workers' forkserver before it forks them (entente.ingest.process).

What every worker needs and would otherwise load on its first page is loaded here once, and
the forked workers share it: the language model, large and slow to load. Without this,
each worker loaded its own copy while the first batch of a run waited.

The workers also skip the import of their parent's `__main__` module, which
multiprocessing does in every worker it starts (for functions defined there). A run served
by Prefect has `python -m prefect.engine` as its main module, so each worker imported all of
Prefect before its first page, which held up the pool's start, and each worker held
Prefect's modules for nothing. The workers only ever run entente.ingest.process's
functions, which they import by name.
"""

from multiprocessing import spawn

from entente.ingest.language import identifier

identifier()


def _leave_main_alone(_main: str) -> None:
    """What a worker does with its parent's main module (a name or a path): nothing."""


# In this forkserver only, whose children are the extraction workers. Both names are
# private to multiprocessing (3.8 to 3.13); if they go, workers import the main module again.
for _name in ("_fixup_main_from_name", "_fixup_main_from_path"):
    if hasattr(spawn, _name):
        setattr(spawn, _name, _leave_main_alone)
