"""Near-duplicate detection: quality on labelled pairs, and cost per article as the warehouse grows.

    /work/venv/bin/python -m bench.dedup.run [--sizes 1000 10000 100000] [--batch 500]

Quality: a threshold sweep over labelled pairs (copies, same-template hard negatives,
independent reports), then precision and recall of what the warehouse actually concluded
(LSH candidates, verification, story assignment) on the largest corpus.
Cost: each size loads into a fresh DuckDB file, in batches, one short connection per batch,
in a child process so its peak memory is its own. Time per article is reported overall and for
the last 1,000 articles (the marginal cost once the warehouse holds N articles), as ratios to
the smallest size measured in the same run. Nothing here fails on timing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.dedup.corpus import Article, generate
from entente.transforms.dedup import NEAR_THRESHOLD, figures_agree, fingerprint
from entente.transforms.minhash import jaccard
from entente.transforms.records import ArticleRecord
from entente.transforms.text import content_hash, word_count
from entente.warehouse import load
from entente.warehouse.db import writer

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _record(i: int, article: Article) -> ArticleRecord:
    at = T0 + timedelta(minutes=i)
    return ArticleRecord(
        article_id=_id(article.key),
        url=f"https://bench.example/{article.key}",
        source=f"source-{i % 25}",
        title=article.body[:60],
        published_at=at,
        language="en",
        body_text=article.body,
        word_count=word_count(article.body),
        content_hash=content_hash(article.body),
        raw_sha256=None,
        fetched_at=at,
        pipeline_version="bench",
        classifier_version="bench",
    )


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def sweep(n: int) -> None:
    """Precision and recall of the pair test alone, for a range of thresholds."""
    articles, pairs = generate(n, seed=11)
    prints = {a.key: fingerprint(a.body) for a in articles}
    scored = []
    for p in pairs:
        a, b = prints[p.left], prints[p.right]
        scored.append((p, jaccard(a.shingles, b.shingles), figures_agree(a.figures, b.figures)))
    kinds: dict[str, int] = {}
    for p in pairs:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    print(
        f"labelled pairs: {len(pairs)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
    )
    print("threshold | jaccard only: P     R    | jaccard + figures: P     R")
    for threshold in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8):
        row = []
        for use_figures in (False, True):
            tp = fp = fn = 0
            for p, score, agree in scored:
                said = score >= threshold and (agree or not use_figures)
                tp += said and p.duplicate
                fp += said and not p.duplicate
                fn += (not said) and p.duplicate
            row.append(_prf(tp, fp, fn))
        mark = "  <- chosen" if threshold == NEAR_THRESHOLD else ""
        print(
            f"   {threshold:.2f}   |        {row[0][0]:.3f} {row[0][1]:.3f} |"
            f"                {row[1][0]:.3f} {row[1][1]:.3f}{mark}"
        )
    print("jaccard by kind (min / median / max):")
    for kind in sorted(kinds):
        values = sorted(s for p, s, _ in scored if p.kind == kind)
        print(f"  {kind:22s} {values[0]:.2f} / {values[len(values) // 2]:.2f} / {values[-1]:.2f}")


def child(size: int, batch: int, db: Path) -> dict[str, float]:
    """Load `size` synthetic articles in batches; time it; judge the stories it made."""
    articles, pairs = generate(size, seed=5)
    records = [_record(i, a) for i, a in enumerate(articles)]
    size = len(records)  # the generator may overshoot by one
    fingerprint_seconds = 0.0
    for r in records[: min(size, 2000)]:  # the pure part alone, as a baseline
        t = time.perf_counter()
        fingerprint(r.body_text)
        fingerprint_seconds += time.perf_counter() - t
    fingerprint_per_article = fingerprint_seconds / min(size, 2000)
    tail_start = max(0, (size - 1000) // batch * batch)  # the batches holding the last 1,000
    started = tail_started = time.perf_counter()
    for start in range(0, size, batch):
        if start == tail_start:
            tail_started = time.perf_counter()
        with writer(db) as con:
            load.load_articles(con, records[start : start + batch])
    finished = time.perf_counter()
    tail_count = size - tail_start
    with writer(db) as con:
        story = dict(con.execute("SELECT article_id, story_id FROM articles").fetchall())
        marked = {
            r[0]
            for r in con.execute(
                "SELECT article_id FROM articles WHERE duplicate_of IS NOT NULL"
            ).fetchall()
        }
        bands = con.execute("SELECT count(*) FROM lsh_bands").fetchone()
    tp = fp = fn = 0
    labelled_copies = set()
    for p in pairs:
        same = story[_id(p.left)] == story[_id(p.right)]
        tp += same and p.duplicate
        fp += same and not p.duplicate
        fn += (not same) and p.duplicate
        if p.duplicate:
            labelled_copies.add(_id(p.right))
    precision, recall = _prf(tp, fp, fn)
    return {
        "size": size,
        "seconds": finished - started,
        "per_article_ms": 1000 * (finished - started) / size,
        "tail_per_article_ms": 1000 * (finished - tail_started) / tail_count,
        "fingerprint_ms": 1000 * fingerprint_per_article,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": db.stat().st_size / 2**20,
        "band_rows": bands[0] if bands else 0,
        "pairs": len(pairs),
        "precision": precision,
        "recall": recall,
        "unlabelled_marked": len(marked - labelled_copies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--pairs-corpus", type=int, default=6000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.batch, args.db)))
        return
    sweep(args.pairs_corpus)
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        for size in args.sizes:
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.dedup.run",
                    "--child",
                    str(size),
                    "--batch",
                    str(args.batch),
                    "--db",
                    str(Path(tmp) / f"{size}.duckdb"),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = results[-1]
            print(f"size {size}: {r['seconds']:.1f} s, pairs {r['pairs']}", flush=True)
    base = results[0]

    def ratio(r: dict[str, float], key: str) -> float:
        return r[key] / base[key]

    print()
    print(
        "size    | ms/article | ratio | last-1k ms/article | ratio | fingerprint ms | peak RSS MB"
        " | db MB | P     | R     | other false copies"
    )
    for r in results:
        print(
            f"{r['size']:>7} | {r['per_article_ms']:10.3f} | {ratio(r, 'per_article_ms'):5.2f}"
            f" | {r['tail_per_article_ms']:18.3f} | {ratio(r, 'tail_per_article_ms'):5.2f}"
            f" | {r['fingerprint_ms']:14.3f} | {r['peak_rss_mb']:11.0f} | {r['db_mb']:5.0f}"
            f" | {r['precision']:.3f} | {r['recall']:.3f} | {r['unlabelled_marked']}"
        )
    last = results[-1]
    print(
        f"\ngrowth {base['size']} -> {last['size']}:"
        f" per article x{ratio(last, 'per_article_ms'):.2f},"
        f" marginal (last 1k) x{ratio(last, 'tail_per_article_ms'):.2f};"
        f" batch {args.batch} articles per connection"
    )


if __name__ == "__main__":
    main()
