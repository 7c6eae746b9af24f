"""The bundled taxonomy, parsed once per test session for the modules and fixtures that read
it: parsing compiles some twenty thousand patterns (most of a second each time, and a dozen
modules asked, several at import), and a Taxonomy is immutable, so one can be shared."""

from __future__ import annotations

from functools import cache

from entente.transforms.classify import Taxonomy, default_taxonomy_text, parse_taxonomy


@cache
def bundled_taxonomy(learned: bool = True) -> Taxonomy:
    return parse_taxonomy(default_taxonomy_text(), learned=learned)
