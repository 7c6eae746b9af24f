"""Idempotent loads: loading the same input twice adds nothing."""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import zstandard

from entente import __version__
from entente.transforms.dedup import (
    NEAR_THRESHOLD,
    Fingerprint,
    KnownText,
    StoryAssignment,
    StoryRef,
    assign_stories,
    fingerprint,
)
from entente.transforms.minhash import (
    estimated_jaccard_bytes,
    pack_shingles,
    pack_signature,
    unpack_shingles,
)
from entente.transforms.records import ArticleRecord, FetchRecord, ProcessIdentity, RawDocument
from entente.warehouse import derived, events, fts
from entente.warehouse.bulk import SEP, joined
from entente.warehouse.bulk import insert_rows as _insert_rows
from entente.warehouse.session import transaction

# Raw pages are stored zstd-compressed: it compresses a news page as small as zlib in a
# fraction of the CPU, and archiving runs in the loading process, which is the pipeline's
# bottleneck; level 1 costs less again for pages a little larger (bench/pipeline's README).
# Pages archived before zstd stay zlib and are read by their `compression` column.
COMPRESSION = "zstd"
_ZSTD_LEVEL = 1


def archive_raw(con: duckdb.DuckDBPyConnection, docs: Sequence[RawDocument]) -> None:
    """Store raw bodies compressed, under their raw_sha256; a page stored already is kept."""
    # A page met twice in one batch is stored once, as its first sighting (as a stored
    # page is kept when met again), and compressed once.
    first: dict[str, RawDocument] = {}
    for doc in docs:
        first.setdefault(doc.raw_sha256, doc)
    compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)  # one per call: not thread-safe
    rows = [
        (
            key,
            doc.url,
            doc.final_url,
            doc.source,
            doc.content_type,
            doc.fetched_at,
            len(doc.body),
            COMPRESSION,
            compressor.compress(doc.body),
            doc.entry.title if doc.entry else None,
            doc.entry.summary if doc.entry else None,
            doc.entry.published_at if doc.entry else None,
        )
        for key, doc in first.items()
    ]
    if rows:
        with transaction(con):
            _insert_rows(con, "raw_documents", _RAW_TYPES, rows, skip_stored="raw_sha256")


_RAW_TYPES = (
    ("raw_sha256", "TEXT"),
    ("url", "TEXT"),
    ("final_url", "TEXT"),
    ("source", "TEXT"),
    ("content_type", "TEXT"),
    ("fetched_at", "TIMESTAMPTZ"),
    ("size", "BIGINT"),
    ("compression", "TEXT"),
    ("body", "BLOB"),
    ("feed_title", "TEXT"),
    ("feed_summary", "TEXT"),
    ("feed_published_at", "TIMESTAMPTZ"),
)


def read_raw(con: duckdb.DuckDBPyConnection, raw_sha256: str) -> bytes:
    found = read_raws(con, [raw_sha256])
    if raw_sha256 not in found:
        raise KeyError(raw_sha256)
    return found[raw_sha256]


def read_raws(con: duckdb.DuckDBPyConnection, raw_sha256s: Iterable[str]) -> dict[str, bytes]:
    """The stored bodies of these pages, by raw_sha256, decompressed, read in one query (the
    table has no key index: one scan serves a whole batch)."""
    rows = con.execute(
        "SELECT raw_sha256, compression, body FROM raw_documents SEMI JOIN"
        f" (SELECT unnest(string_split(?, '{SEP}')) AS raw_sha256) USING (raw_sha256)",
        [joined(set(raw_sha256s))],
    ).fetchall()
    return {key: _decompressed(compression, body) for key, compression, body in rows}


def _decompressed(compression: str, body: bytes) -> bytes:
    if compression == "zstd":
        return zstandard.ZstdDecompressor().decompress(body)
    if compression == "zlib":
        return zlib.decompress(body)
    return bytes(body)


def record_fetches(
    con: duckdb.DuckDBPyConnection, run_id: str, records: Iterable[FetchRecord]
) -> None:
    rows = [
        (
            run_id,
            r.url,
            r.source,
            r.kind,
            r.status,
            r.outcome,
            r.error,
            r.bytes,
            r.elapsed_ms,
            r.fetched_at,
        )
        for r in records
    ]
    if rows:
        with transaction(con):
            _insert_rows(con, "fetches", _FETCH_TYPES, rows)


def record_extraction_failures(
    con: duckdb.DuckDBPyConnection, run_id: str, failures: Iterable[FetchRecord]
) -> None:
    """Pages fetched in this run that gave no article: their `fetches` row, fetched `ok`,
    takes the failure's outcome and reason, so that each URL touched stays one row. A page
    with no row of this run (none fetched it) gets one; a page whose fetch failed keeps
    that row, whose reason is the first cause. Safe to run again.
    """
    new: list[FetchRecord] = []
    with transaction(con):
        for r in failures:
            outcomes = {
                outcome
                for (outcome,) in con.execute(
                    "SELECT outcome FROM fetches WHERE run_id = ? AND url = ? AND kind = ?",
                    [run_id, r.url, r.kind],
                ).fetchall()
            }
            if not outcomes:
                new.append(r)
            elif "ok" in outcomes:
                con.execute(
                    "UPDATE fetches SET outcome = ?, error = ?"
                    " WHERE run_id = ? AND url = ? AND kind = ? AND outcome = 'ok'",
                    [r.outcome, r.error, run_id, r.url, r.kind],
                )
        record_fetches(con, run_id, new)


_FETCH_TYPES = (
    ("run_id", "TEXT"),
    ("url", "TEXT"),
    ("source", "TEXT"),
    ("kind", "TEXT"),
    ("status", "INTEGER"),
    ("outcome", "TEXT"),
    ("error", "TEXT"),
    ("bytes", "BIGINT"),
    ("elapsed_ms", "INTEGER"),
    ("fetched_at", "TIMESTAMPTZ"),
)


def existing_article_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    rows = con.execute(
        "SELECT article_id FROM articles"
        f" WHERE list_contains(string_split(?, '{SEP}'), article_id)",
        [joined(wanted)],
    ).fetchall()
    return {row[0] for row in rows}


@dataclass(frozen=True, slots=True)
class LoadResult:
    new: int
    duplicates: int
    area_counts: dict[str, int]
    revisions: int = 0  # stored articles whose text changed: a new revision each
    replaced: int = 0  # stored articles that took a new fetch's derived rows (`replace`)


# A stored text is a candidate when it shares at least MIN_SHARED_KEYS band keys with a new
# one; at most MAX_CANDIDATES of them, those sharing the most. A copy shares many (10 of 48
# on average at Jaccard 0.6); shared boilerplate one, and those single matches grow with the
# warehouse. In-batch candidates need one shared key.
MIN_SHARED_KEYS = 2
MAX_CANDIDATES = 32
# A band key held by more than MAX_KEY_HOLDERS stored revisions is boilerplate (a template's
# sentences, a site's footer), not evidence of a copy: the texts holding it are not counted
# through it. Without this bound such a key's holders grow with the history, and every new
# text on that template joined all of them (16M rows for a batch of 400 against 32k stored
# reports, bench/events/README.md). Only a story stored more often than this (copies and
# revisions) loses its keys: a near copy of it would start a story, an exact one still joins.
MAX_KEY_HOLDERS = 300
_CANDIDATE_SQL = f"""
    WITH q AS (
        SELECT unnest(string_split(?, '{SEP}'))::BIGINT AS k,
               unnest(string_split(?, '{SEP}'))::INTEGER AS i
    ),
    rare AS (
        SELECT band_key AS k FROM lsh_bands SEMI JOIN (SELECT DISTINCT k AS band_key FROM q)
            USING (band_key)
        GROUP BY band_key HAVING count(*) <= ?
    ),
    probe AS (SELECT k, i FROM q SEMI JOIN rare USING (k))
    SELECT probe.i, b.article_id, b.revision, count(*) AS shared
    FROM lsh_bands b JOIN probe ON b.band_key = probe.k
    GROUP BY probe.i, b.article_id, b.revision
    HAVING count(*) >= {MIN_SHARED_KEYS}
    QUALIFY row_number() OVER (
        PARTITION BY probe.i ORDER BY count(*) DESC, b.article_id, b.revision
    ) <= {MAX_CANDIDATES}
"""
_REVISIONS_SQL = """
    SELECT r.article_id, r.revision, {columns}
    FROM article_revisions r
    JOIN articles a ON a.article_id = r.article_id
    JOIN (SELECT unnest(string_split(?, '{sep}')) AS id,
                 unnest(string_split(?, '{sep}'))::INTEGER AS rev) c
      ON r.article_id = c.id AND r.revision = c.rev
"""
_SIGNATURES_SQL = _REVISIONS_SQL.format(
    columns="r.signature, a.story_id, coalesce(a.duplicate_of, a.article_id)", sep=SEP
)
# A revision stored with its shingles is verified from them; an older one from its text.
_TEXTS_SQL = _REVISIONS_SQL.format(
    columns="r.content_hash, r.shingles, r.figures,"
    " CASE WHEN r.shingles IS NULL THEN r.body_text END",
    sep=SEP,
)
# Stored candidates whose signatures estimate a Jaccard this far below the threshold are not
# worth fetching and shingling: with 144 bins the estimate's spread is about 0.04 at 0.5.
ESTIMATE_MARGIN = 0.15
# Stored members of one story verified against a new text, the closest by signature first.
PER_STORY = 2
_EXACT_SQL = f"""
    SELECT r.content_hash, a.article_id, a.story_id, coalesce(a.duplicate_of, a.article_id)
    FROM article_revisions r
    JOIN articles a ON a.article_id = r.article_id
    JOIN (SELECT unnest(string_split(?, '{SEP}')) AS h) q ON r.content_hash = q.h
    ORDER BY a.fetched_at, a.article_id, r.revision
"""


_ARTICLE_TYPES = (
    ("article_id", "TEXT"),
    ("url", "TEXT"),
    ("source", "TEXT"),
    ("title", "TEXT"),
    ("published_at", "TIMESTAMPTZ"),
    ("language", "TEXT"),
    ("body_text", "TEXT"),
    ("word_count", "INTEGER"),
    ("story_id", "TEXT"),
    ("duplicate_of", "TEXT"),
    ("fetched_at", "TIMESTAMPTZ"),
    ("pipeline_version", "TEXT"),
    ("content_hash", "TEXT"),
    ("raw_sha256", "TEXT"),
    ("classifier_version", "TEXT"),
    ("extraction_method", "TEXT"),
    ("truncated", "BOOLEAN"),
    ("revision", "INTEGER"),
    ("duplicate_kind", "TEXT"),
    ("similarity", "DOUBLE"),
)
_REVISION_TYPES = (
    ("article_id", "TEXT"),
    ("revision", "INTEGER"),
    ("content_hash", "TEXT"),
    ("title", "TEXT"),
    ("body_text", "TEXT"),
    ("word_count", "INTEGER"),
    ("raw_sha256", "TEXT"),
    ("fetched_at", "TIMESTAMPTZ"),
    ("pipeline_version", "TEXT"),
    ("signature", "BLOB"),
    ("shingles", "BLOB"),
    ("figures", "TEXT"),
)
_AREA_TYPES = (
    ("article_id", "TEXT"),
    ("area", "TEXT"),
    ("score", "DOUBLE"),
    ("evidence", "TEXT"),
    ("classifier_version", "TEXT"),
)
_COUNTRY_TYPES = (
    ("article_id", "TEXT"),
    ("country", "TEXT"),
    ("mentions", "INTEGER"),
    ("role", "TEXT"),
)
_ORGANISATION_TYPES = (
    ("article_id", "TEXT"),
    ("organisation", "TEXT"),
    ("mentions", "INTEGER"),
)


def _fingerprint(record: ArticleRecord) -> Fingerprint:
    held = record.fingerprint
    if held is not None and held.content_hash == record.content_hash and held.band_keys:
        return held
    return fingerprint(record.body_text, record.content_hash)


def _stored_matches(
    con: duckdb.DuckDBPyConnection, new: Sequence[tuple[str, Fingerprint]]
) -> tuple[dict[str, StoryRef], dict[str, list[KnownText]]]:
    """The stored texts a batch could copy: by exact hash, and each article's LSH candidates."""
    exact: dict[str, StoryRef] = {}
    hashes = {fp.content_hash for _, fp in new}
    for digest, article_id, story_id, root in con.execute(_EXACT_SQL, [joined(hashes)]).fetchall():
        exact.setdefault(digest, StoryRef(article_id, story_id, root))
    # An exact copy of a stored text joins that text's story (assign_stories tries exact
    # first): its near candidates would be fetched and shingled for nothing.
    near = [(i, fp) for i, (_, fp) in enumerate(new) if fp.content_hash not in exact]
    stored: dict[str, list[KnownText]] = {}
    hits = _candidates(con, near)
    if not hits:
        return exact, stored
    pairs = sorted({(article_id, revision) for _, article_id, revision, _ in hits})
    refs: dict[tuple[str, int], tuple[bytes, StoryRef]] = {}
    for article_id, revision, packed, story_id, root in con.execute(
        _SIGNATURES_SQL, [joined(p[0] for p in pairs), joined(p[1] for p in pairs)]
    ).fetchall():
        refs[(article_id, revision)] = (packed or b"", StoryRef(article_id, story_id, root))
    packed_new = [pack_signature(fp.signature) for _, fp in new]
    # Per new article and story, the PER_STORY members whose signatures come closest: the
    # copies of one story share its text, so checking every one of them (a wire story
    # carried by dozens of sites) costs a shingling each and changes nothing.
    ranked: dict[tuple[int, str], list[tuple[float, tuple[str, int]]]] = {}
    for owner, article_id, revision, _ in hits:
        found = refs.get((article_id, revision))
        if found is None:
            continue
        sig, ref = found
        estimate = estimated_jaccard_bytes(packed_new[owner], sig) if sig else 1.0
        if estimate < NEAR_THRESHOLD - ESTIMATE_MARGIN:
            continue
        ranked.setdefault((owner, ref.story_id), []).append((-estimate, (article_id, revision)))
    promising: list[tuple[int, tuple[str, int]]] = [
        (owner, key)
        for (owner, _), members in sorted(ranked.items())
        for _, key in sorted(members)[:PER_STORY]
    ]
    wanted = sorted({p for _, p in promising})
    texts: dict[tuple[str, int], KnownText] = {}
    if wanted:
        rows = con.execute(
            _TEXTS_SQL, [joined(w[0] for w in wanted), joined(w[1] for w in wanted)]
        ).fetchall()
        for article_id, revision, digest, packed_shingles, figures, body in rows:
            fp = _stored_fingerprint(digest, packed_shingles, figures, body)
            texts[(article_id, revision)] = KnownText(refs[(article_id, revision)][1], fp)
    for owner, key in promising:
        if key in texts:
            stored.setdefault(new[owner][0], []).append(texts[key])
    return exact, stored


def _candidates(
    con: duckdb.DuckDBPyConnection, near: Sequence[tuple[int, Fingerprint]]
) -> list[tuple[int, str, int, int]]:
    """(i, article_id, revision, keys shared) of the stored revisions that share band keys with
    each (i, fingerprint), through keys held by at most MAX_KEY_HOLDERS stored revisions."""
    keys = [key for _, fp in near for key in fp.band_keys]
    owners = [i for i, fp in near for _ in fp.band_keys]
    if not keys:
        return []
    return con.execute(_CANDIDATE_SQL, [joined(keys), joined(owners), MAX_KEY_HOLDERS]).fetchall()


def _stored_fingerprint(
    digest: str, packed: bytes | None, figures: str | None, body: str | None
) -> Fingerprint:
    """What verification needs of a stored revision: its stored shingles and figures, or, for
    a revision stored before they were, its text shingled again."""
    if packed is None:
        return fingerprint(body or "", digest, bands=False)
    return Fingerprint(digest, unpack_shingles(packed), frozenset((figures or "").split()), ())


def _insert_bands(
    con: duckdb.DuckDBPyConnection, entries: Iterable[tuple[str, int, Fingerprint]]
) -> None:
    keys: list[int] = []
    ids: list[str] = []
    revisions: list[int] = []
    for article_id, revision, fp in entries:
        keys += fp.band_keys
        ids += [article_id] * len(fp.band_keys)
        revisions += [revision] * len(fp.band_keys)
    if keys:
        con.execute(
            f"INSERT INTO lsh_bands SELECT unnest(string_split(?, '{SEP}'))::BIGINT,"
            f" unnest(string_split(?, '{SEP}')), unnest(string_split(?, '{SEP}'))::INTEGER",
            [joined(keys), joined(ids), joined(revisions)],
        )


def _insert_revisions(
    con: duckdb.DuckDBPyConnection, entries: Sequence[tuple[ArticleRecord, int, Fingerprint]]
) -> None:
    _insert_rows(
        con,
        "article_revisions",
        _REVISION_TYPES,
        [
            (
                r.article_id,
                revision,
                r.content_hash,
                r.title,
                r.body_text,
                r.word_count,
                r.raw_sha256,
                r.fetched_at,
                r.pipeline_version,
                pack_signature(fp.signature),
                pack_shingles(fp.shingles),
                " ".join(sorted(fp.figures)),
            )
            for r, revision, fp in entries
        ],
    )


def _replace_labels(con: duckdb.DuckDBPyConnection, records: Sequence[ArticleRecord]) -> None:
    ids = joined(r.article_id for r in records)
    for table in ("article_areas", "article_countries", "article_organisations"):
        con.execute(
            f"DELETE FROM {table} WHERE list_contains(string_split(?, '{SEP}'), article_id)", [ids]
        )
    _insert_labels(con, records)


def _insert_labels(con: duckdb.DuckDBPyConnection, records: Sequence[ArticleRecord]) -> None:
    area_rows = [
        (r.article_id, label.area, label.score, label.evidence, r.classifier_version)
        for r in records
        for label in r.areas
    ]
    _insert_rows(con, "article_areas", _AREA_TYPES, area_rows)
    country_rows = [
        (r.article_id, c.country, c.mentions, c.role) for r in records for c in r.countries
    ]
    _insert_rows(con, "article_countries", _COUNTRY_TYPES, country_rows)
    organisation_rows = [(r.article_id, o, n) for r in records for o, n in r.organisations]
    _insert_rows(con, "article_organisations", _ORGANISATION_TYPES, organisation_rows)


def _latest_revisions(
    con: duckdb.DuckDBPyConnection, ids: Iterable[str]
) -> dict[str, tuple[str, int]]:
    """article_id -> (content_hash, revision) of the stored articles among `ids`."""
    wanted = joined(set(ids))
    rows = con.execute(
        f"SELECT a.article_id, a.content_hash, a.revision FROM articles a"
        f" JOIN (SELECT unnest(string_split(?, '{SEP}')) AS id) q ON a.article_id = q.id",
        [wanted],
    ).fetchall()
    return {article_id: (digest, revision) for article_id, digest, revision in rows}


def load_articles(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[ArticleRecord],
    replace: Collection[str] = (),
) -> LoadResult:
    """Store a batch: new articles join the story of any text they copy, and a changed text of
    a stored article becomes its next revision. Stored articles whose ids are in `replace`
    (pages fetched again because their feed entry was updated) take everything derived from
    the new fetch, even when their text did not change.

    Every derived relation is refreshed for the articles the load touched, in the same
    transaction. Loading the same batch twice changes nothing.
    """
    wanted = set(replace)
    with transaction(con):
        latest = _latest_revisions(con, (r.article_id for r in records))
        fresh: dict[str, ArticleRecord] = {}
        later: list[ArticleRecord] = []  # known ids, and second sightings within the batch
        for r in sorted(records, key=lambda r: (r.fetched_at, r.article_id)):
            if r.article_id in latest or r.article_id in fresh:
                later.append(r)
            else:
                fresh[r.article_id] = r
        new = sorted(
            fresh.values(),
            key=lambda r: (r.published_at or r.fetched_at, r.fetched_at, r.article_id),
        )
        assignments = _insert_new(con, new)
        stored_before = set(latest)
        latest.update({r.article_id: (r.content_hash, 1) for r in new})
        to_revise: list[ArticleRecord] = []
        to_replace: list[ArticleRecord] = []
        for r in later:
            replacing = r.article_id in wanted and r.article_id in stored_before
            (to_replace if replacing else to_revise).append(r)
        revised = _apply_revisions(con, to_revise, latest)
        replaced = _replace(con, _latest_of_each(to_replace), latest)
        touched = [r.article_id for r in new] + revised + replaced
        touched_ids = set(touched)
        events.save_cues(con, [r for r in records if r.article_id in touched_ids])
        derived.refresh(con, touched)
    fts.compact_if_due(con)
    area_counts: dict[str, int] = {}
    for r in new:
        for label in r.areas:
            area_counts[label.area] = area_counts.get(label.area, 0) + 1
    duplicates = sum(1 for a in assignments if a.duplicate_of is not None)
    return LoadResult(len(new), duplicates, area_counts, len(set(revised)), len(replaced))


def _latest_of_each(records: Iterable[ArticleRecord]) -> list[ArticleRecord]:
    """One record per article, its latest fetch: an id met twice (two URLs that canonicalise
    alike) must not write its labels twice (the label tables have no key, migration 10)."""
    chosen: dict[str, ArticleRecord] = {}
    for r in sorted(records, key=lambda r: r.fetched_at):
        chosen[r.article_id] = r
    return list(chosen.values())


def _insert_new(
    con: duckdb.DuckDBPyConnection, new: Sequence[ArticleRecord]
) -> list[StoryAssignment]:
    if not new:
        return []
    prints = [_fingerprint(r) for r in new]
    pairs = [(r.article_id, fp) for r, fp in zip(new, prints, strict=True)]
    exact, stored = _stored_matches(con, pairs)
    assignments = assign_stories(pairs, exact, stored)
    _insert_rows(
        con,
        "articles",
        _ARTICLE_TYPES,
        [
            (
                r.article_id,
                r.url,
                r.source,
                r.title,
                r.published_at,
                r.language,
                r.body_text,
                r.word_count,
                a.story_id,
                a.duplicate_of,
                r.fetched_at,
                r.pipeline_version,
                r.content_hash,
                r.raw_sha256,
                r.classifier_version,
                r.extraction_method,
                r.truncated,
                1,
                None if a.kind == "first" else a.kind,
                a.similarity,
            )
            for r, a in zip(new, assignments, strict=True)
        ],
    )
    _insert_revisions(con, [(r, 1, fp) for r, fp in zip(new, prints, strict=True)])
    _insert_bands(con, ((r.article_id, 1, fp) for r, fp in zip(new, prints, strict=True)))
    _insert_labels(con, new)
    return assignments


def _apply_revisions(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[ArticleRecord],
    latest: dict[str, tuple[str, int]],
) -> list[str]:
    """Record each changed text as the article's next revision; its story stays as it was.
    Return the ids revised."""
    revised: list[str] = []
    for r in records:
        digest, revision = latest[r.article_id]
        if r.content_hash == digest:
            continue
        revision += 1
        latest[r.article_id] = (r.content_hash, revision)
        revised.append(r.article_id)
        con.execute(
            """
            UPDATE articles SET title = ?, published_at = coalesce(?, published_at),
                language = ?, body_text = ?, word_count = ?, pipeline_version = ?,
                content_hash = ?, raw_sha256 = ?, classifier_version = ?,
                extraction_method = ?, truncated = ?, revision = ?, revised_at = ?
            WHERE article_id = ?
            """,
            [
                r.title,
                r.published_at,
                r.language,
                r.body_text,
                r.word_count,
                r.pipeline_version,
                r.content_hash,
                r.raw_sha256,
                r.classifier_version,
                r.extraction_method,
                r.truncated,
                revision,
                r.fetched_at,
                r.article_id,
            ],
        )
        fp = _fingerprint(r)
        _insert_revisions(con, [(r, revision, fp)])
        _insert_bands(con, [(r.article_id, revision, fp)])
        _replace_labels(con, [r])
    return revised


def start_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    flow: str,
    started_at: datetime,
    process: ProcessIdentity | None = None,
) -> None:
    """Open the run's `runs` row, with the version of Entente and the process that run it."""
    host, pid, since = (process.host, process.pid, process.started_at) if process else (None,) * 3
    # a lake's runs table has no key to conflict on: a run already there is left as it is
    con.execute(
        "INSERT INTO runs (run_id, flow, started_at, status, entente_version, host, pid,"
        " process_started_at) SELECT ?, ?, ?, 'running', ?, ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?)",
        [run_id, flow, started_at, __version__, host, pid, since, run_id],
    )


def running_runs(con: duckdb.DuckDBPyConnection) -> list[tuple[str, ProcessIdentity | None]]:
    """The runs whose row says `running`, each with its process (None for older runs)."""
    rows = con.execute(
        "SELECT run_id, host, pid, process_started_at FROM runs WHERE status = 'running'"
    ).fetchall()
    return [
        (
            run_id,
            ProcessIdentity(host, pid, since) if host is not None and pid is not None else None,
        )
        for run_id, host, pid, since in rows
    ]


def close_run(
    con: duckdb.DuckDBPyConnection, run_id: str, finished_at: datetime, status: str
) -> None:
    """End a run's row that still says `running` (its own counts were never written)."""
    con.execute(
        "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ? AND status = 'running'",
        [status, finished_at, run_id],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    finished_at: datetime,
    status: str,
    counts: dict[str, int],
    area_counts: dict[str, int],
) -> None:
    con.execute(
        """
        UPDATE runs SET finished_at = ?, status = ?, sources_ok = ?, sources_failed = ?,
            fetched = ?, fetch_failures = ?, articles_new = ?, duplicates = ?,
            extraction_failures = ?, area_counts = ?
        WHERE run_id = ?
        """,
        [
            finished_at,
            status,
            counts.get("sources_ok", 0),
            counts.get("sources_failed", 0),
            counts.get("fetched", 0),
            counts.get("fetch_failures", 0),
            counts.get("articles_new", 0),
            counts.get("duplicates", 0),
            counts.get("extraction_failures", 0),
            json.dumps(area_counts, sort_keys=True),
            run_id,
        ],
    )


@dataclass(frozen=True, slots=True)
class StoredPage:
    """An article's archived page, enough to derive the article again without fetching."""

    article_id: str
    url: str
    final_url: str
    source: str
    fetched_at: datetime
    raw_sha256: str | None
    feed_title: str | None
    feed_summary: str | None
    feed_published_at: datetime | None


def stored_pages(
    con: duckdb.DuckDBPyConnection, since: datetime | None = None, until: datetime | None = None
) -> list[StoredPage]:
    rows = con.execute(
        """
        SELECT a.article_id, a.url, coalesce(r.final_url, a.url), a.source, a.fetched_at,
               a.raw_sha256, r.feed_title, r.feed_summary, r.feed_published_at
        FROM articles a LEFT JOIN raw_documents r ON r.raw_sha256 = a.raw_sha256
        WHERE (?::TIMESTAMPTZ IS NULL OR a.fetched_at >= ?)
          AND (?::TIMESTAMPTZ IS NULL OR a.fetched_at < ?)
        ORDER BY a.fetched_at, a.article_id
        """,
        [since, since, until, until],
    ).fetchall()
    return [StoredPage(*row) for row in rows]


def replace_derived(con: duckdb.DuckDBPyConnection, records: Sequence[ArticleRecord]) -> int:
    """Overwrite what is derived from each stored article's text (`entente reprocess`),
    keeping its identity and story, and refresh what derives from it; return how many.

    A text that comes out differently (a better extractor) is recorded as a new revision.
    """
    chosen = _latest_of_each(records)
    if not chosen:
        return 0
    with transaction(con):
        latest = _latest_revisions(con, (r.article_id for r in chosen))
        # an id that is not stored has nothing to replace, and gets no labels
        replaced = _replace(con, [r for r in chosen if r.article_id in latest], latest)
        derived_again = set(replaced)
        events.save_cues(con, (r for r in chosen if r.article_id in derived_again))
        derived.refresh(con, replaced)
    fts.compact_if_due(con)
    return len(replaced)


def _replace(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[ArticleRecord],
    latest: dict[str, tuple[str, int]],
) -> list[str]:
    """Stored articles take everything derived from these records, each a new revision
    where its text changed; return their ids. `records` holds one record per id."""
    if not records:
        return []
    _apply_revisions(con, records, latest)
    con.executemany(
        """
        UPDATE articles SET title = ?, published_at = ?, language = ?, body_text = ?,
            word_count = ?, pipeline_version = ?, classifier_version = ?,
            extraction_method = ?, truncated = ?, raw_sha256 = coalesce(?, raw_sha256)
        WHERE article_id = ?
        """,
        [
            (
                r.title,
                r.published_at,
                r.language,
                r.body_text,
                r.word_count,
                r.pipeline_version,
                r.classifier_version,
                r.extraction_method,
                r.truncated,
                r.raw_sha256,
                r.article_id,
            )
            for r in records
        ],
    )
    _replace_labels(con, records)
    return [r.article_id for r in records]
