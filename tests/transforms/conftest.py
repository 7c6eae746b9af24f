from __future__ import annotations

import pytest

from entente.transforms.classify import Taxonomy
from tests.taxonomies import bundled_taxonomy


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return bundled_taxonomy()
