"""A feed item (a title and its summary) is classified as well as its full article states it.

When a page cannot be extracted, Entente keeps what the feed gave (ingest.extract's
article_from_summary): a headline and a sentence or two. The articles below were written for this
test; each states its dealing in the lead, so its feed item must get the same areas and parties.
"""

from __future__ import annotations

import pytest

from entente.ingest.extract import article_from_summary
from entente.transforms.classify import Taxonomy
from entente.transforms.pipeline import label_article

ARTICLES = [
    (
        "Japan and India sign defence pact",
        "Japan and India signed a defence agreement on Tuesday that allows joint military "
        "exercises and the supply of military equipment.",
        " The two prime ministers met in Tokyo and also discussed the weather, a planned "
        "cricket series and a new film festival. Officials said the pact would be reviewed "
        "in five years. Analysts in both capitals welcomed the step. The next summit is due "
        "in New Delhi.",
        {"defense"},
    ),
    (
        "EU pledges flood relief for Pakistan",
        "The European Union pledged 50 million euros in emergency relief for Pakistan on "
        "Monday after floods displaced two million people.",
        " The money will pay for tents, clean water and food parcels, the commission said. "
        "Pakistani officials thanked Brussels for its support. Aid agencies said more help "
        "would be needed before winter. The rains are expected to continue this week.",
        {"humanitarian_aid"},
    ),
    (
        "Kenya and Ethiopia agree to build cross-border railway",
        "Kenya and Ethiopia agreed on Friday to build a railway line linking Nairobi to Addis "
        "Ababa, their transport ministers said.",
        " The line will carry freight and passengers and is due to open in 2030. The two "
        "governments will seek financing from development banks. Work on a feasibility study "
        "starts next month. Business groups in both countries welcomed the plan.",
        {"infrastructure_transport"},
    ),
]


@pytest.mark.parametrize(("title", "lead", "rest", "expected"), ARTICLES)
def test_a_feed_item_gets_the_areas_its_full_article_states(
    taxonomy: Taxonomy, title: str, lead: str, rest: str, expected: set[str]
) -> None:
    full_areas, full_countries = label_article(title, lead + rest, taxonomy)
    item = article_from_summary("https://news.example.org/item", title, f"<p>{lead}</p>")
    item_areas, item_countries = label_article(item.title, item.body_text, taxonomy)
    assert expected <= {a.area for a in full_areas}
    assert expected <= {a.area for a in item_areas}
    parties = {c.country for c in full_countries if c.role == "party"}
    assert parties and parties == {c.country for c in item_countries if c.role == "party"}
    for label in item_areas:
        assert label.evidence in f"{title} {item.body_text}"
