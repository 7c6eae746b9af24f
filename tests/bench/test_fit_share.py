"""fit.py --share: the cue-given areas' calibration may read the area's share of sentences, and
the fit's thresholds read it as the scorer does."""

from __future__ import annotations

import numpy as np

from bench.classify import fit
from entente.transforms.scorer import Features

SLUGS = ("energy", "health")


def row(share: float, right: bool) -> fit.Row:
    read = Features(
        [], np.zeros(4, dtype=np.float32), [0.5, 1.0, 0.0], {s: [0.0] * 6 for s in SLUGS},
        {"energy": share},
    )  # fmt: skip
    return fit.Row("real", read, True, {"energy": int(right), "health": 0})


def item(topical: bool) -> fit.Row:
    """A short Wikinews item, which the meaning path's calibration reads."""
    read = Features(
        [], np.zeros(4, dtype=np.float32), [0.5, 0.0, 1.0], {s: [0.0] * 6 for s in SLUGS}
    )
    if topical:
        return fit.Row("wikinews", read, True, {}, frozenset({"energy"}))
    return fit.Row("wikinews", read, False, {})


def test_the_share_of_sentences_enters_the_calibration_only_when_asked() -> None:
    rng = np.random.default_rng(18)
    # The same gate x area for all; only the share tells the right areas from the others.
    data = [row(float(s), s > 0.3) for s in rng.uniform(0.0, 0.6, 200)]
    data += [item(topical=n % 2 == 0) for n in range(20)]
    joint = np.full((len(data), len(SLUGS)), 0.5)
    plain = fit.calibrate(data, joint, SLUGS)
    shared = fit.calibrate(data, joint, SLUGS, share=True)
    assert len(plain["cued"]) == 2 and len(shared["cued"]) == 3
    assert shared["cued"][2] > 0  # more of the article states it, more likely right
    logits = fit._logit(joint)
    shares = fit.shares(data, SLUGS)
    assert shares[:, 1].sum() == 0.0  # no cue of health, no share
    a, b, c = shared["cued"]
    expected = 1 / (1 + np.exp(-(a * logits + b + c * shares)))
    assert np.allclose(fit.cued_probability(shared, logits, shares), expected)
    a, b = plain["cued"]
    assert np.allclose(
        fit.cued_probability(plain, logits, shares), 1 / (1 + np.exp(-(a * logits + b)))
    )
