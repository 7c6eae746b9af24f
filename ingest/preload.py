"""Imported by the extraction workers' forkserver before it forks them (ingest.process).

What every worker needs and would otherwise load on its first page is loaded here once, and
the forked workers share it: the language model, about 100 MB and 0.7 s of CPU. Without
this, each worker loaded its own copy while the first batch of a run waited.
"""

from ingest.language import identifier

identifier()
