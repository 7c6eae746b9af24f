"""CPU per article and memory added by the whole classification step, against a baseline.

Run from the repository root: `python -m bench.classify.cost` (bench.classify.run calls it in a
fresh process, so the resident set it reports is this measurement's own). The step is what the
pipeline runs for each article: areas (classify), countries and organisations. The baseline, in
the same process on the same texts, is the least any classifier does: split sentences and
lower-case. Memory: the resident set after the baseline, then after loading and running the
classifier; the difference is what classifying adds. CPU time is the best of a few passes, since
the machine is shared.
"""

from __future__ import annotations

import gc
import json
import resource
import time

from bench.classify.data import load_devset, shared_dir
from entente.transforms.sentences import split_sentences


def _texts() -> list[tuple[str, str]]:
    texts = [(a.title, a.body) for a in load_devset()]
    truth = shared_dir() / "eval" / "extraction-benchmark" / "ground-truth.json"
    for page in json.loads(truth.read_text(encoding="utf-8")).values():
        body = str(page.get("articleBody") or "")
        if body:
            texts.append(("", body))
    return texts


def _best(passes: int, work: object) -> float:
    assert callable(work)
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resident_mib() -> float:
    """The resident set now (Linux), so the texts' loading peak does not hide what is added."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    texts = _texts()
    chars = sum(len(title) + len(body) for title, body in texts) // len(texts)

    def baseline() -> None:
        for title, body in texts:
            split_sentences(title)
            split_sentences(body.lower())

    floor = _best(3, baseline)
    gc.collect()
    before = _resident_mib()

    from entente.transforms.classify import classify, default_taxonomy_text, parse_taxonomy
    from entente.transforms.countries import find_countries, find_organisations

    taxonomy = parse_taxonomy(default_taxonomy_text())

    def step() -> None:
        for title, body in texts:
            classify(title, body, taxonomy)
            find_countries(title, body)
            find_organisations(title, body)

    spent = _best(3, step)
    after = _resident_mib()
    print(
        f"cost: {1000 * spent / len(texts):.2f} ms CPU per article ({len(texts)} texts, "
        f"{chars} characters on average); {spent / floor:.1f}x the baseline's "
        f"{1000 * floor / len(texts):.3f} ms (split sentences, lower-case) in the same run"
    )
    print(
        f"memory: {after - before:.0f} MiB more resident after classifying than after the "
        f"baseline ({before:.0f} -> {after:.0f} MiB; peak of the process {_peak_mib():.0f} MiB)"
    )


if __name__ == "__main__":
    main()
