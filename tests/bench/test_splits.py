"""The tuned-on / set-aside split of the shared evaluation sets: stable, by group, a third."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bench.extraction.splits import site_of, split_of


def test_sites_group_subdomains_of_one_registered_domain() -> None:
    assert site_of("https://www.example.co.uk/a/b") == "example.co.uk"
    assert site_of("https://edition.example.com/x") == site_of("http://example.com/y")
    assert site_of("http://localhost:8080/p") == "localhost"


def test_split_is_fixed_by_the_group_name_alone() -> None:
    # pinned: a change of salt or rule would silently move pages between the splits
    names = ("nytimes.com", "Der Standard", "The Mirror", "bbc.co.uk", "Hankook Ilbo")
    assert [split_of(name) for name in names] == ["tuned", "held", "held", "tuned", "tuned"]
    counts = Counter(split_of(f"site{n}.example") for n in range(3000))
    assert 900 < counts["held"] < 1100


def test_shared_sets_split_as_recorded(shared: Path) -> None:
    """The figures the module docstring records, so the split cannot drift unnoticed."""
    bench = json.loads((shared / "eval/extraction-benchmark/ground-truth.json").read_text())
    sites = [site_of(page["url"]) for page in bench.values()]
    assert (len(set(sites)), sum(split_of(s) == "held" for s in set(sites))) == (126, 38)
    assert sum(split_of(s) == "held" for s in sites) == 54
    fundus = json.loads((shared / "eval/fundus-dev/ground-truth.json").read_text())
    publishers = [page["publisher"] for page in fundus.values()]
    assert (len(set(publishers)), sum(split_of(p) == "held" for p in set(publishers))) == (88, 30)
    assert sum(split_of(p) == "held" for p in publishers) == 41
