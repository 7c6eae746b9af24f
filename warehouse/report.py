"""`entente report`: one self-contained HTML page on a country's cooperation over time.

Everything is inline (CSS, SVG charts, no script or font from elsewhere), so the page opens
from a file on a machine without internet and can be mailed as one attachment.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from string import Template

import duckdb
import pycountry

from entente.transforms.errors import WarehouseError
from entente.warehouse.db import Warehouse
from entente.warehouse.snapshot import read_connection, refuse_database

TOP_COUNTERPARTS = 8
EVIDENCE_PER_CELL = 4

# One colour per area, distinguishable side by side and printable.
AREA_COLOURS = {
    "energy": "#e6a817",
    "trade_investment": "#2f7ed8",
    "defense": "#5b5b5b",
    "counterterrorism": "#b22222",
    "security": "#8b4513",
    "peace_process": "#2e8b57",
    "education_culture": "#9370db",
    "human_rights": "#d2691e",
    "health": "#e75480",
    "climate_environment": "#6b8e23",
    "science_technology": "#1e90ff",
    "humanitarian_aid": "#ff7f50",
    "migration": "#20b2aa",
    "infrastructure_transport": "#708090",
    "agriculture_food": "#bdb76b",
}
OTHER_COLOUR = "#999999"


@dataclass(frozen=True, slots=True)
class Evidence:
    counterpart: str
    area: str
    published_at: datetime
    source: str
    title: str | None
    url: str
    sentence: str
    language: str | None = None  # ISO 639-1, of the article the sentence is from


@dataclass(frozen=True, slots=True)
class EventRow:
    title: str | None
    first_published_at: datetime | None
    sources: int
    articles: int
    areas: list[str]
    parties: list[str]
    url: str | None


@dataclass(frozen=True, slots=True)
class ReportData:
    country: str
    since: date | None
    generated_at: datetime
    monthly: list[tuple[str, str, date, int]]  # counterpart, area, month, events
    totals: list[tuple[str, str, int, int]]  # counterpart, area, events, articles
    stories: list[EventRow]
    evidence: list[Evidence]
    story_count: int
    counterpart_stories: dict[str, int]  # distinct events with each counterpart, all areas


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_3=code)
    return str(found.name) if found is not None else code


def language_name(code: str) -> str:
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    return str(found.name) if found is not None else code


def evidence_languages(evidence: list[Evidence]) -> str:
    """The languages the sentences come from, most first: 'English (12), Russian (3)'."""
    counts: dict[str, int] = defaultdict(int)
    for ev in evidence:
        counts[ev.language or "und"] += 1
    named = [
        f"{language_name(code) if code != 'und' else 'unknown'} ({n})"
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return ", ".join(named)


def area_label(area: str) -> str:
    return area.replace("_", " ")


def collect(con: duckdb.DuckDBPyConnection, country: str, since: date | None) -> ReportData:
    params = {"c": country, "since": since}
    where = (
        "(country_a = $c OR country_b = $c)"
        " AND ($since::DATE IS NULL OR published_at >= $since::DATE)"
    )
    other = "CASE WHEN country_a = $c THEN country_b ELSE country_a END"
    # Counts are of events: a meeting reported by three outlets in their own words counts
    # once (an article not grouped yet counts as its story).
    facts = (
        "(SELECT f.*, coalesce(a.event_id, f.story_id) AS event_key"
        " FROM cooperation_facts f JOIN articles a USING (article_id))"
    )
    monthly = con.execute(
        f"SELECT {other} AS counterpart, area, month, count(DISTINCT event_key)"
        f" FROM {facts} WHERE {where} GROUP BY ALL ORDER BY 1, 2, 3",
        params,
    ).fetchall()
    totals = con.execute(
        f"SELECT {other} AS counterpart, area, count(DISTINCT event_key), count(*)"
        f" FROM {facts} WHERE {where} GROUP BY ALL ORDER BY 3 DESC, 1, 2",
        params,
    ).fetchall()
    stories = con.execute(
        """
        SELECT e.title, e.first_reported_at, e.sources, e.articles, e.areas, e.parties,
               (SELECT url FROM articles a WHERE a.article_id = e.event_id)
        FROM events e
        WHERE list_contains(e.parties, $c)
          AND ($since::DATE IS NULL OR e.first_reported_at >= $since::DATE)
        ORDER BY e.sources DESC, e.articles DESC, e.first_reported_at DESC
        LIMIT 10
        """,
        params,
    ).fetchall()
    count = con.execute(
        f"SELECT count(DISTINCT event_key) FROM {facts} WHERE {where}", params
    ).fetchone()
    per_counterpart = con.execute(
        f"SELECT {other} AS counterpart, count(DISTINCT event_key)"
        f" FROM {facts} WHERE {where} GROUP BY ALL",
        params,
    ).fetchall()
    evidence = con.execute(
        f"""
        SELECT {other} AS counterpart, area, published_at, source, title, url, evidence, language
        FROM cooperation_evidence
        WHERE {where} AND NOT is_copy
        QUALIFY row_number() OVER (PARTITION BY counterpart, area
                                   ORDER BY score DESC, published_at DESC) <= {EVIDENCE_PER_CELL}
        ORDER BY counterpart, area, published_at DESC
        """,
        params,
    ).fetchall()
    return ReportData(
        country=country,
        since=since,
        generated_at=datetime.now(UTC),
        monthly=[(r[0], r[1], r[2], int(r[3])) for r in monthly],
        totals=[(r[0], r[1], int(r[2]), int(r[3])) for r in totals],
        stories=[
            EventRow(r[0], r[1], int(r[2]), int(r[3]), list(r[4] or []), list(r[5] or []), r[6])
            for r in stories
        ],
        evidence=[Evidence(*r) for r in evidence],
        story_count=int(count[0]) if count else 0,
        counterpart_stories={r[0]: int(r[1]) for r in per_counterpart},
    )


def plural(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def anchor(counterpart: str, area: str) -> str:
    return f"ev-{counterpart}-{area}"


def _months(first: date, last: date) -> list[date]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4 if value > step * 2 else max(step * 2, value)
    return value


def month_peak(series: dict[str, dict[date, int]]) -> int:
    stacks: dict[date, int] = defaultdict(int)
    for by_month in series.values():
        for month, n in by_month.items():
            stacks[month] += n
    return max(stacks.values(), default=1) or 1


def bar_chart(
    counterpart: str,
    months: list[date],
    series: dict[str, dict[date, int]],
    peak: int,
    width: int = 540,
) -> str:
    """Monthly events with one counterpart, stacked by area, as an inline SVG.

    Every chart of a report shares `peak`, so bar heights compare across counterparts.
    """
    height, left, bottom, top = 170, 34, 24, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice_max(peak)
    slot = plot_w / max(len(months), 1)
    bar_w = max(2.0, min(28.0, slot * 0.72))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="Stories per month with {_esc(country_name(counterpart))}">'
    ]
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{value:g}</text>"
        )
    label_every = max(1, round(len(months) / 8))
    ordered = sorted(series, key=lambda a: -sum(series[a].values()))
    for i, month in enumerate(months):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for area in ordered:
            n = series[area].get(month, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(
                f'<a href="#{anchor(counterpart, area)}"><rect x="{x:.1f}" y="{y:.1f}"'
                f' width="{bar_w:.1f}" height="{h:.1f}"'
                f' fill="{AREA_COLOURS.get(area, OTHER_COLOUR)}">'
                f"<title>{month:%b %Y}: {n} {'event' if n == 1 else 'events'} on"
                f" {_esc(area_label(area))}</title></rect></a>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{left + slot * i + slot / 2:.1f}" y="{height - 6}" class="axis"'
                f' text-anchor="middle">{month:%b %Y}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def render(data: ReportData) -> str:
    name = country_name(data.country)
    # An event on three areas is one event with its counterpart, not three.
    by_counterpart = data.counterpart_stories
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    for counterpart, area, stories, articles in data.totals:
        cells[(counterpart, area)] = (stories, articles)
    counterparts = sorted(by_counterpart, key=lambda c: (-by_counterpart[c], c))
    areas = sorted(
        {a for _, a in cells},
        key=lambda a: (-sum(cells.get((c, a), (0, 0))[0] for c in counterparts), a),
    )
    shown = counterparts[:TOP_COUNTERPARTS]

    months_present = [m for _, _, m, _ in data.monthly]
    charts = []
    if months_present:
        first = data.since.replace(day=1) if data.since else min(months_present)
        months = _months(min(first, *months_present), max(months_present))
        series: dict[str, dict[str, dict[date, int]]] = defaultdict(lambda: defaultdict(dict))
        for counterpart, area, month, n in data.monthly:
            series[counterpart][area][month] = n
        peak = max(month_peak(series[c]) for c in shown)
        for counterpart in shown:
            count = plural(by_counterpart[counterpart], "event")
            charts.append(
                f'<figure class="card"><figcaption><strong>{_esc(country_name(counterpart))}'
                f'</strong> <span class="muted">{count}</span>'
                f"</figcaption>{bar_chart(counterpart, months, series[counterpart], peak)}</figure>"
            )

    legend = "".join(
        f'<span class="key"><i style="background:{AREA_COLOURS.get(a, OTHER_COLOUR)}"></i>'
        f"{_esc(area_label(a))}</span>"
        for a in areas
    )

    peak_cell = max((s for s, _ in cells.values()), default=1)
    head = "".join(f'<th class="rot"><span>{_esc(area_label(a))}</span></th>' for a in areas)
    rows = []
    for counterpart in counterparts[: TOP_COUNTERPARTS * 2]:
        tds = []
        for area in areas:
            stories, articles = cells.get((counterpart, area), (0, 0))
            if not stories:
                tds.append("<td></td>")
                continue
            alpha = 0.15 + 0.85 * stories / peak_cell
            tds.append(
                f'<td style="background:rgba(31,95,160,{alpha:.2f});'
                f'color:{"#fff" if alpha > 0.55 else "#123"}">'
                f'<a href="#{anchor(counterpart, area)}" title="{articles} articles">'
                f"{stories}</a></td>"
            )
        rows.append(f"<tr><th>{_esc(country_name(counterpart))}</th>{''.join(tds)}</tr>")

    story_rows = []
    for s in data.stories:
        title = _esc(s.title or "(untitled)")
        link = f'<a href="{_esc(s.url)}">{title}</a>' if s.url else title
        when = f"{s.first_published_at:%d %b %Y}" if s.first_published_at else ""
        story_rows.append(
            f'<tr><td>{link}</td><td class="num">{s.sources}</td>'
            f'<td class="num">{s.articles}</td><td>{_esc(when)}</td>'
            f"<td>{_esc(', '.join(area_label(a) for a in s.areas))}</td>"
            f"<td>{_esc(', '.join(s.parties))}</td></tr>"
        )

    grouped: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    for ev in data.evidence:
        grouped[(ev.counterpart, ev.area)].append(ev)
    evidence_blocks = []
    for counterpart in counterparts:
        for area in areas:
            items = grouped.get((counterpart, area))
            if not items:
                continue
            # Each sentence in its own language and direction (Arabic reads right to left).
            lis = "".join(
                f'<li><blockquote lang="{_esc(ev.language or "")}" dir="auto">'
                f"{_esc(ev.sentence)}</blockquote>"
                f'<a href="{_esc(ev.url)}" dir="auto">{_esc(ev.title or ev.url)}</a>'
                f' <span class="muted">{_esc(ev.source)}, {ev.published_at:%d %b %Y}'
                f"{', ' + _esc(language_name(ev.language)) if ev.language else ''}</span></li>"
                for ev in items
            )
            stories = cells.get((counterpart, area), (0, 0))[0]
            evidence_blocks.append(
                f'<section class="evidence" id="{anchor(counterpart, area)}">'
                f'<h3><i style="background:{AREA_COLOURS.get(area, OTHER_COLOUR)}"></i>'
                f"{_esc(country_name(counterpart))} · {_esc(area_label(area))}"
                f' <span class="muted">{plural(stories, "story")}</span>'
                f"</h3><ol>{lis}</ol></section>"
            )

    period = f"since {data.since:%d %B %Y}" if data.since else "all time"
    template = Template(
        resources.files("entente.warehouse").joinpath("report.html").read_text("utf-8")
    )
    empty = (
        ""
        if counterparts
        else f'<p class="empty">No cooperation involving {_esc(name)} is recorded {period}.</p>'
    )
    return template.substitute(
        title=_esc(f"{name}: cooperation {period}"),
        country=_esc(name),
        code=_esc(data.country),
        period=_esc(period),
        generated=_esc(f"{data.generated_at:%d %b %Y %H:%M} UTC"),
        n_counterparts=len(counterparts),
        n_areas=len(areas),
        n_stories=data.story_count,
        empty=empty,
        legend=legend,
        charts="".join(charts),
        heat_head=head,
        heat_rows="".join(rows),
        story_rows="".join(story_rows)
        or '<tr><td colspan="6" class="muted">No stories in this period.</td></tr>',
        evidence="".join(evidence_blocks),
        evidence_languages=_esc(
            f"Sentences in {evidence_languages(data.evidence)}." if data.evidence else ""
        ),
    )


def write_report(
    db: Warehouse,
    country: str,
    out: Path,
    since: date | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Path:
    code = country.upper()
    if pycountry.countries.get(alpha_3=code) is None:
        raise WarehouseError(f"unknown country code {country!r}; use ISO 3166-1 alpha-3, e.g. PAK")
    refuse_database(db, out)
    with read_connection(db, on_wait=on_wait) as con:
        data = collect(con, code, since)
    try:
        out.write_text(render(data), "utf-8")
    except OSError as exc:
        raise WarehouseError(f"cannot write {out}: {exc.strerror}") from None
    return out
