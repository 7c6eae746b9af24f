from __future__ import annotations

import pytest

from entente.transforms.classify import Taxonomy, default_taxonomy_text, parse_taxonomy


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return parse_taxonomy(default_taxonomy_text())
