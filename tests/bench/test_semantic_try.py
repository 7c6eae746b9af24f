"""The semantic_try harness: its extra per-area values come after the cues' own six, which the
fit reads by place (Row.passing, the gate's strongest area)."""

from __future__ import annotations

from bench.classify import semantic_try
from entente.transforms.classify import cue_signals, default_taxonomy_text, parse_taxonomy
from entente.transforms.scorer import features

TITLE = "Norway and Germany sign a gas supply deal"
BODY = (
    "Norway agreed on Tuesday to raise gas deliveries to Germany through a new pipeline. "
    "The ministers also discussed security in the North Sea."
)


def test_extended_features_keep_the_cue_features_first() -> None:
    taxonomy = parse_taxonomy(default_taxonomy_text(), learned=False)
    slugs = tuple(area.slug for area in taxonomy.areas)
    signals = cue_signals(TITLE, BODY, taxonomy)
    plain = features(TITLE, BODY, signals, slugs)
    assert "energy" in signals.areas
    added = {
        "proto": 2,
        "actors": 2,
        "proto-actors": 4,
        "proto-only": 2 + len(slugs),
        "dealing": 4,
        "dealing-sides": 5,
    }
    for mode, extra in added.items():
        read = semantic_try.extended_features(mode, taxonomy)(TITLE, BODY, signals, slugs)
        for slug in slugs:
            assert read.areas[slug][: semantic_try.CUE_FEATURES] == plain.areas[slug]
            assert len(read.areas[slug]) == semantic_try.CUE_FEATURES + extra
    proto = semantic_try.extended_features("proto", taxonomy)(TITLE, BODY, signals, slugs)
    # The gas sentence is nearer the definition of energy than the average area's.
    assert proto.areas["energy"][semantic_try.CUE_FEATURES] > 0
    # No cue of agriculture, so no evidence sentence to compare: 0.
    assert proto.areas["agriculture_food"][semantic_try.CUE_FEATURES] == 0.0
    evidence = semantic_try.extended_features("evidence", taxonomy)(TITLE, BODY, signals, slugs)
    assert len(evidence.areas["energy"]) == semantic_try.CUE_FEATURES + len(plain.embedding)
    dealing = semantic_try.extended_features("dealing-sides", taxonomy)(TITLE, BODY, signals, slugs)
    share, near, strength, in_lead, sides = dealing.areas["energy"][semantic_try.CUE_FEATURES :]
    # Gas in the title and the first sentence: stated often, at the top, in the lead.
    assert near == 1.0 and in_lead == 1.0 and 0 < share <= 1 and 0 < strength <= 1
    assert sides == 1.0  # Norway and Germany both in its evidence
    assert dealing.areas["agriculture_food"][semantic_try.CUE_FEATURES :] == [0.0] * 5
    assert dealing.shares == plain.shares
