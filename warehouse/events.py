"""Events in the warehouse: reports of one occurrence grouped, kept current by `refresh`.

Tables (migration 23, warehouse/schema.py):

    event_cues     what event grouping reads in each article's text (transforms.events), with
                   the content hash it was read from: written by the loader from the cues the
                   workers computed (with the page's own time zone), or here from the stored
                   text when an article has none
    event_keys     each story's first copy under each key it is filed under (pairs of
                   parties, a single party, each country it names) and its event day span
                   (a day wider for a report that gives no date): candidates are found on it
                   by the keys a report probes, never by a scan of the articles
    event_links    the links between two reports (first copies), with their score
    events         one row per event: first and last reported, event day, parties, areas,
                   articles, stories and sources (contract)

and `articles.event_id`. An event is a connected group of links, named after its earliest
report; copies of a story take the event of its first copy. `refresh(con, ids)` redoes the
links of exactly the articles given, regroups the events they were in or now join, and
rewrites those events' rows: its cost follows the batch and the candidates its keys meet, not
the warehouse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import duckdb

from entente.transforms.events import (
    EVENTS_VERSION,
    EventCues,
    EventDay,
    EventReport,
    block_keys,
    event_cues,
    find_links,
    group_events,
    key_span,
    probe_keys,
)
from entente.transforms.records import ArticleRecord
from entente.warehouse.bulk import SEP, joined
from entente.warehouse.bulk import insert_rows as _insert_rows
from entente.warehouse.session import transaction

_CUE_TYPES = (
    ("article_id", "TEXT"),
    ("content_hash", "TEXT"),
    ("earliest", "TEXT"),
    ("latest", "TEXT"),
    ("basis", "TEXT"),
    ("kinds", "TEXT"),
    ("names", "TEXT"),
    ("figures", "TEXT"),
    ("terms", "TEXT"),
    ("events_version", "TEXT"),
    ("opening", "TEXT"),
    ("venue", "TEXT"),
    ("lead", "TEXT"),
    ("bodies", "TEXT"),
)


def _ids_sql(column: str = "article_id") -> str:
    return f"SELECT unnest(string_split(?, '{SEP}')) AS {column}"


def save_cues(con: duckdb.DuckDBPyConnection, records: Iterable[ArticleRecord]) -> None:
    """Store the cues the workers computed for these records (their latest text)."""
    chosen: dict[str, tuple[ArticleRecord, EventCues]] = {}
    for r in sorted(records, key=lambda r: r.fetched_at):
        if r.event_cues is not None:
            chosen[r.article_id] = (r, r.event_cues)
    _write_cues(con, [(r.article_id, r.content_hash, cues) for r, cues in chosen.values()])


def _write_cues(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[str, str, EventCues]]) -> None:
    if not rows:
        return
    con.execute(
        f"DELETE FROM event_cues WHERE article_id IN ({_ids_sql()})",
        [joined(aid for aid, _, _ in rows)],
    )
    _insert_rows(
        con,
        "event_cues",
        _CUE_TYPES,
        [
            (
                aid,
                digest,
                c.day.earliest.isoformat(),
                c.day.latest.isoformat(),
                c.day.basis,
                SEP.join(sorted(c.kinds)),
                SEP.join(sorted(c.names)),
                SEP.join(sorted(c.figures)),
                SEP.join(sorted(c.terms)),
                EVENTS_VERSION,
                SEP.join(sorted(c.opening)),
                c.venue,
                c.lead,
                SEP.join(sorted(c.bodies)),
            )
            for aid, digest, c in rows
        ],
    )


def _split(text: str | None) -> frozenset[str]:
    return frozenset(x for x in (text or "").split(SEP) if x)


def _ensure_cues(con: duckdb.DuckDBPyConnection, ids: Collection[str]) -> None:
    """Read the cues of articles that have none for their current text, from the stored text
    (the publication time as stored, in UTC)."""
    if not ids:
        return
    rows = con.execute(
        f"""
        SELECT a.article_id, a.content_hash, a.title, a.body_text,
               coalesce(a.published_at, a.fetched_at), a.language,
               (SELECT list(country) FROM article_countries c
                WHERE c.article_id = a.article_id AND c.role = 'party')
        FROM articles a
        WHERE a.article_id IN ({_ids_sql()}) AND NOT EXISTS (
            SELECT 1 FROM event_cues e WHERE e.article_id = a.article_id
              AND e.content_hash = a.content_hash AND e.events_version = ?)
        """,
        [joined(ids), EVENTS_VERSION],
    ).fetchall()
    _write_cues(
        con,
        [
            (aid, digest, event_cues(title, body, published, parties or (), language))
            for aid, digest, title, body, published, language, parties in rows
        ],
    )


_REPORTS_SQL = f"""
SELECT a.article_id, coalesce(a.published_at, a.fetched_at),
       e.earliest, e.latest, e.basis, e.kinds, e.names, e.figures, e.terms, e.opening,
       e.venue, e.lead, e.bodies, a.language,
       (SELECT list(country) FROM article_countries c
        WHERE c.article_id = a.article_id AND c.role = 'party'),
       (SELECT list(country) FROM article_countries c WHERE c.article_id = a.article_id),
       (SELECT list(organisation) FROM article_organisations o
        WHERE o.article_id = a.article_id),
       (SELECT list(area) FROM article_areas r WHERE r.article_id = a.article_id)
FROM articles a
JOIN event_cues e ON e.article_id = a.article_id
WHERE a.article_id IN (SELECT unnest(string_split(?, '{SEP}')))
"""


def _reports(con: duckdb.DuckDBPyConnection, ids: Collection[str]) -> dict[str, EventReport]:
    if not ids:
        return {}
    out: dict[str, EventReport] = {}
    for row in con.execute(_REPORTS_SQL, [joined(ids)]).fetchall():
        aid, published, earliest, latest, basis, kinds, names, figures, terms, opening = row[:10]
        venue, lead, first_bodies, language = row[10:14]
        parties, countries, bodies, areas = (frozenset(x or ()) for x in row[14:])
        cues = EventCues(
            EventDay(earliest, latest, basis),
            _split(kinds),
            _split(names),
            _split(figures),
            _split(terms),
            _split(opening),
            venue or "",
            lead or "",
            _split(first_bodies),
        )
        out[aid] = EventReport(
            aid, published, parties, areas, cues, countries, bodies, language or ""
        )
    return out


def _write_keys(con: duckdb.DuckDBPyConnection, reports: Collection[EventReport]) -> None:
    con.execute(
        f"DELETE FROM event_keys WHERE article_id IN ({_ids_sql()})",
        [joined(r.article_id for r in reports)],
    )
    rows = [
        (r.article_id, key, *(day.isoformat() for day in key_span(r.cues.day)))
        for r in reports
        for key in block_keys(r)
    ]
    if rows:
        con.execute(
            "INSERT INTO event_keys SELECT unnest(string_split(?, $s)),"
            " unnest(string_split(?, $s)), unnest(string_split(?, $s))::DATE,"
            " unnest(string_split(?, $s))::DATE".replace("$s", f"'{SEP}'"),
            [joined(column) for column in zip(*rows, strict=True)],
        )


def _candidates(con: duckdb.DuckDBPyConnection, reports: Collection[EventReport]) -> set[str]:
    """Stored first copies sharing a key with a report and an overlapping event day span."""
    rows = [
        (key, *(day.isoformat() for day in key_span(r.cues.day)))
        for r in reports
        for key in probe_keys(r)
    ]
    if not rows:
        return set()
    found = con.execute(
        f"""
        WITH q AS (
            SELECT unnest(string_split(?, '{SEP}')) AS key,
                   unnest(string_split(?, '{SEP}'))::DATE AS earliest,
                   unnest(string_split(?, '{SEP}'))::DATE AS latest
        )
        SELECT DISTINCT k.article_id FROM event_keys k JOIN q
          ON k.key = q.key AND k.earliest <= q.latest AND q.earliest <= k.latest
        """,
        [joined(column) for column in zip(*rows, strict=True)],
    ).fetchall()
    return {row[0] for row in found}


def refresh(con: duckdb.DuckDBPyConnection, article_ids: Collection[str]) -> int:
    """Bring events up to date for exactly these articles (new, revised or re-derived); return
    how many events were rewritten. Runs in the caller's transaction when it has one."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return 0
    with transaction(con):
        rows = con.execute(
            "SELECT article_id, duplicate_of, event_id FROM articles"
            f" SEMI JOIN ({_ids_sql()}) q USING (article_id)",
            [joined(ids)],
        ).fetchall()
        # A copy changes no link, but may be its event's earliest report (its name): its
        # story's first copy is regrouped with it.
        roots = {duplicate_of or aid for aid, duplicate_of, _ in rows}
        before = {event for _, _, event in rows if event}
        touched = _regroup(con, roots, before) if roots else set()
        _rewrite_events(con, touched)
        return len(touched)


def _regroup(con: duckdb.DuckDBPyConnection, roots: set[str], before: set[str]) -> set[str]:
    """Redo the links of `roots` and regroup every event they touch; return the event ids
    whose rows must be rewritten (the old ones and the new)."""
    _ensure_cues(con, roots)
    reports = _reports(con, roots)
    _write_keys(con, reports.values())
    candidates = _candidates(con, reports.values()) - roots
    # A candidate's cues read by an older version (without its opening, venue or bodies) are
    # read again.
    _ensure_cues(con, candidates)
    stored = _reports(con, candidates)
    links = find_links(list(reports.values()), list(stored.values()))
    con.execute(
        f"DELETE FROM event_links WHERE first_id IN ({_ids_sql()}) OR second_id IN ({_ids_sql()})",
        [joined(roots), joined(roots)],
    )
    if links:
        _insert_rows(
            con,
            "event_links",
            (("first_id", "TEXT"), ("second_id", "TEXT"), ("score", "DOUBLE")),
            [(link.first, link.second, link.score) for link in links],
        )
    partners = {x for link in links for x in (link.first, link.second)} - roots
    before = before | {
        row[0]
        for row in con.execute(
            f"SELECT DISTINCT event_id FROM articles WHERE article_id IN ({_ids_sql()})"
            " AND event_id IS NOT NULL",
            [joined(roots | partners)],
        ).fetchall()
    }
    # The first copies of every event in play: links never cross events, so the groups of
    # these reports under their links are whole.
    members = dict(
        con.execute(
            f"""
            SELECT article_id, coalesce(published_at, fetched_at) FROM articles
            WHERE duplicate_of IS NULL
              AND (event_id IN ({_ids_sql("e")}) OR article_id IN ({_ids_sql()}))
            """,
            [joined(before), joined(roots | partners)],
        ).fetchall()
    )
    edges = con.execute(
        f"SELECT first_id, second_id FROM event_links WHERE first_id IN ({_ids_sql()})",
        [joined(members)],
    ).fetchall()
    groups = group_events(members, [(a, b) for a, b in edges])
    if not groups:
        return before
    # Each group is named after its earliest article, copies included: which copy of a story
    # came first to the warehouse (its first copy) depends on the order of loading.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE event_groups AS
        SELECT unnest(string_split(?, '{SEP}')) AS root,
               unnest(string_split(?, '{SEP}')) AS grp
        """,
        [joined(groups), joined(groups.values())],
    )
    # Two equality joins, not one on `root OR duplicate_of`: a join on an OR compares every
    # group with every article, a cost that grows with the warehouse.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE event_members AS
        SELECT g.grp, a.article_id, coalesce(a.published_at, a.fetched_at) AS reported_at
        FROM event_groups g JOIN articles a ON a.article_id = g.root
        UNION ALL
        SELECT g.grp, a.article_id, coalesce(a.published_at, a.fetched_at)
        FROM event_groups g JOIN articles a ON a.duplicate_of = g.root
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE event_names AS
        SELECT grp, arg_min(article_id, (reported_at, article_id)) AS event_id
        FROM event_members GROUP BY grp
        """
    )
    con.execute(
        """
        UPDATE articles SET event_id = n.event_id
        FROM event_members m JOIN event_names n USING (grp)
        WHERE articles.article_id = m.article_id
        """
    )
    named = {row[0] for row in con.execute("SELECT event_id FROM event_names").fetchall()}
    for table in ("event_groups", "event_members", "event_names"):
        con.execute(f"DROP TABLE {table}")
    return before | named


_EVENTS_SQL = f"""
INSERT INTO events
WITH member AS (
    SELECT a.*, coalesce(a.published_at, a.fetched_at) AS reported_at
    FROM articles a
    WHERE a.event_id IN (SELECT unnest(string_split(?, '{SEP}')))
),
root AS (SELECT * FROM member WHERE duplicate_of IS NULL),
per_root AS (
    SELECT r.event_id, count(*) OVER (PARTITION BY r.event_id) AS roots, r.article_id
    FROM root r
),
party AS (
    SELECT p.event_id, c.country, count(*) AS n, any_value(p.roots) AS roots
    FROM per_root p JOIN article_countries c ON c.article_id = p.article_id AND c.role = 'party'
    GROUP BY ALL
),
area AS (
    SELECT p.event_id, r.area, count(*) AS n, any_value(p.roots) AS roots
    FROM per_root p JOIN article_areas r ON r.article_id = p.article_id
    GROUP BY ALL
),
day AS (
    SELECT r.event_id,
           arg_min(e.latest, (e.basis NOT IN ('date', 'relative', 'weekday'), r.reported_at,
                              r.article_id)) AS event_day,
           -- the kinds of these reports only: never an unnest of every report's cues
           list_sort(list_distinct(list_filter(
               flatten(list(string_split(e.kinds, '{SEP}'))), k -> k <> ''))) AS kinds
    FROM root r
    JOIN event_cues e ON e.article_id = r.article_id
    GROUP BY r.event_id
)
SELECT m.event_id,
       arg_min(m.title, (m.duplicate_of IS NOT NULL, m.reported_at, m.article_id)),
       any_value(d.event_day),
       min(m.reported_at),
       max(m.reported_at),
       coalesce((SELECT list(p.country ORDER BY p.country) FROM party p
                 WHERE p.event_id = m.event_id AND 2 * p.n >= p.roots), []),
       coalesce((SELECT list(x.area ORDER BY x.area) FROM area x
                 WHERE x.event_id = m.event_id AND 2 * x.n >= x.roots), []),
       coalesce(any_value(d.kinds), []),
       count(*),
       count(DISTINCT m.story_id),
       count(DISTINCT m.source),
       list(DISTINCT m.source ORDER BY m.source),
       list(DISTINCT m.title ORDER BY m.title) FILTER (WHERE m.duplicate_of IS NULL)
FROM member m LEFT JOIN day d ON d.event_id = m.event_id
GROUP BY m.event_id
"""


def _rewrite_events(con: duckdb.DuckDBPyConnection, event_ids: Collection[str]) -> None:
    if not event_ids:
        return
    con.execute(f"DELETE FROM events WHERE event_id IN ({_ids_sql('e')})", [joined(event_ids)])
    con.execute(_EVENTS_SQL, [joined(event_ids)])
