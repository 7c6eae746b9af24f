"""Which rows the scorer's fit learns from, with and without the Wikinews labels read by hand."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bench.classify import fit
from bench.classify.data import Article, Item
from entente.transforms.classify import Taxonomy


def article(page_id: str, split: str, group: str) -> Article:
    evidence = (("energy", "Two states agreed on gas."),)
    return Article(
        page_id, split, "Gas deal", "Two states agreed on gas.", frozenset({"energy"}),
        frozenset({"NOR"}), frozenset(), evidence, group, True,
    )  # fmt: skip


def item(page_id: str, split: str, international: bool, countries: int = 1) -> Item:
    return Item(
        page_id, split, "Gas deal", "Two states agreed on gas.", frozenset(), (), international,
        countries=countries, full="Two states agreed on gas. More.",
    )  # fmt: skip


@pytest.fixture
def sources(monkeypatch: pytest.MonkeyPatch) -> None:
    real = [
        article("page-t", "tune", "pages"),
        article("page-a", "aside", "pages"),
        article("wn-labelled", "tune", "wikinews"),
        article("wn-two", "tune", "wikinews"),
        article("wn-aside", "aside", "wikinews"),
    ]
    wikinews = [
        item("wn-labelled", "tune", True),
        item("wn-two", "tune", False, countries=2),
        item("wn-aside", "aside", True),
        item("wn-weak", "tune", False),
        item("wn-other-two", "tune", False, countries=2),
    ]
    monkeypatch.setattr(fit, "load_real", lambda: real)
    monkeypatch.setattr(fit, "load_devset", lambda: [])
    monkeypatch.setattr(fit, "load_wikinews", lambda: wikinews)

    def row(
        source: str,
        title: str,
        body: str,
        taxonomy: Taxonomy,
        slugs: Sequence[str],
        relations: bool | None,
        areas: frozenset[str] | None,
        family: frozenset[str] = frozenset(),
    ) -> fit.Row:
        # The features do not matter here; the body tells which article a row came from.
        return fit.Row(source, body, relations, {}, family)  # type: ignore[arg-type]

    monkeypatch.setattr(fit, "_row", row)


@pytest.mark.usefixtures("sources")
def test_by_default_the_fit_learns_from_the_tuned_on_pages_only() -> None:
    rows = fit.rows(None, ["energy"])  # type: ignore[arg-type]
    sources = [r.source for r in rows]
    assert sources.count("real") == 1 and sources.count("real-short") == 1
    assert not any(s.startswith("real-wikinews") for s in sources)
    # Every tuned-on Wikinews item keeps its weak rows: two for an item, one for a two-country one.
    assert sources.count("wikinews") == 2 and sources.count("wikinews-full") == 2
    assert sources.count("wikinews-two") == 2


@pytest.mark.usefixtures("sources")
def test_with_the_wikinews_labels_they_replace_the_weak_full_rows() -> None:
    rows = fit.rows(None, ["energy"], wikinews_labels=True)  # type: ignore[arg-type]
    sources = [r.source for r in rows]
    assert sources.count("real-wikinews") == 2 and sources.count("real-wikinews-short") == 2
    # The labelled article keeps its headline row (the short path's family check) and loses its
    # full-text row; the labelled two-country item loses its weak gate row; the aside never enters.
    assert sources.count("wikinews") == 2 and sources.count("wikinews-full") == 1
    assert sources.count("wikinews-two") == 1
    assert all(r.relations is not False for r in rows if r.source.startswith("real-wikinews"))
    assert len(rows) == 2 + 4 + 2 + 1 + 1
