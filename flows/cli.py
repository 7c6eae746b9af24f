"""The `entente` command line. Settings are built here, once, and passed down."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from entente import __version__
from entente.flows.progress import showing_progress
from entente.ingest.settings import parse_day
from entente.transforms.errors import ConfigError, EntenteError
from entente.transforms.text import escape_controls

DEMO_DB = "entente-demo.duckdb"


def _add_common(parser: argparse.ArgumentParser, sources: bool = False) -> None:
    parser.add_argument("--db", help="DuckDB file (default: $ENTENTE_DB, else ./entente.duckdb)")
    parser.add_argument(
        "--lake",
        metavar="CATALOG",
        help="a DuckLake warehouse instead of the file: its catalog, such as"
        " 'postgres:dbname=entente host=db user=entente' (default: $ENTENTE_LAKE)",
    )
    parser.add_argument(
        "--lake-data",
        metavar="DIR",
        help="where the lake's Parquet files go, when it is made (default: $ENTENTE_LAKE_DATA)",
    )
    if sources:
        parser.add_argument(
            "--sources",
            help="sources TOML file (default: $ENTENTE_SOURCES, else the bundled list)",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="entente",
        description="Diplomatic news feeds into a queryable DuckDB record of who cooperates"
        " with whom, on what.",
    )
    parser.add_argument("--version", action="version", version=f"entente {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="one ingestion pass over every active source")
    _add_common(p, sources=True)

    p = sub.add_parser("backfill", help="ingest archived items published in a date range")
    _add_common(p, sources=True)
    p.add_argument("--since", required=True, help="first publication day, YYYY-MM-DD (UTC)")
    p.add_argument("--until", required=True, help="last publication day, YYYY-MM-DD (UTC)")
    p.add_argument(
        "--only", action="append", metavar="NAME", help="backfill only this source (repeatable)"
    )
    p.add_argument(
        "--max-articles", type=int, default=500, help="article pages per source (default: 500)"
    )

    p = sub.add_parser("reprocess", help="re-derive articles from stored raw HTML")
    _add_common(p)
    p.add_argument("--since", help="first fetch day, YYYY-MM-DD")
    p.add_argument("--until", help="last fetch day, YYYY-MM-DD")

    p = sub.add_parser("serve", help="register and serve the Prefect deployments")
    _add_common(p, sources=True)
    p.add_argument(
        "--every",
        type=float,
        metavar="MINUTES",
        help="minutes between scheduled ingests (default: $ENTENTE_INGEST_EVERY_MINUTES, else 15)",
    )
    p.add_argument("--limit", type=int, help="most flow runs at once (default: no limit)")

    p = sub.add_parser(
        "deploy",
        help="register the deployments on a Prefect process work pool, for its workers",
        description="Register the ingest, backfill and reprocess deployments (and"
        " backfill-chunk, the backfill's unit of work) on a process work pool, created when"
        " missing, for `prefect worker start --pool NAME` on any machine with Entente"
        " installed. Needs PREFECT_API_URL. --db and --sources become the deployments'"
        " defaults, so every worker's machine must reach them at those paths.",
    )
    _add_common(p, sources=True)
    p.add_argument("--pool", required=True, metavar="NAME", help="the work pool's name")
    p.add_argument(
        "--every",
        type=float,
        metavar="MINUTES",
        help="minutes between scheduled ingests (default: $ENTENTE_INGEST_EVERY_MINUTES, else 15)",
    )

    p = sub.add_parser("sql", help="read-only ad hoc SQL on the warehouse")
    _add_common(p)
    p.add_argument("query", help="one SQL statement")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    p = sub.add_parser("search", help="full-text search over titles and bodies")
    _add_common(p)
    p.add_argument("query")
    p.add_argument("--area")
    p.add_argument("--country")
    p.add_argument("--since", help="first publication day, YYYY-MM-DD")
    p.add_argument("--limit", type=int, default=20, help="stories to show, 1 to 1000 (default 20)")
    p.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="`json`: one object per story, for scripts",
    )

    p = sub.add_parser("sources", help="each source's health; `check` fetches each once")
    _add_common(p, sources=True)
    p.add_argument(
        "action",
        nargs="?",
        choices=["check", "enable"],
        help="`check`: fetch each source once; `enable NAME`: re-enable a disabled source",
    )
    p.add_argument("name", nargs="?", help="the source to re-enable")

    p = sub.add_parser("export", help="month-partitioned files for other tools")
    _add_common(p)
    p.add_argument("--format", choices=["parquet"], default="parquet")
    p.add_argument("--out", default="export", help="output folder")

    p = sub.add_parser("report", help="a self-contained HTML report of a country's cooperation")
    _add_common(p)
    p.add_argument("--country", required=True, help="ISO 3166-1 alpha-3 code")
    p.add_argument("--since", help="first publication day, YYYY-MM-DD")
    p.add_argument("--out", help="HTML file to write (default: ./report-ISO3.html)")

    p = sub.add_parser("alerts", help="new cooperation detected by past runs, with evidence")
    _add_common(p)
    p.add_argument("--since", help="alerts detected on or after this day, YYYY-MM-DD (UTC)")
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = sub.add_parser("maintain", help="compact a lake's files and expire its old snapshots")
    _add_common(p)

    p = sub.add_parser("demo", help="a complete offline run over the bundled demo corpus")
    p.add_argument("--db", default=DEMO_DB, help=f"DuckDB file (default: ./{DEMO_DB})")
    return parser


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from entente.ingest.settings import load_settings

    return load_settings(
        getattr(args, "db", None),
        getattr(args, "sources", None),
        lake=getattr(args, "lake", None),
        lake_data=getattr(args, "lake_data", None),
    )


def _warehouse(settings: Any) -> Any:
    from entente.flows.steps import warehouse_of

    return warehouse_of(settings)


def _warehouse_parameters(settings: Any) -> dict[str, Any]:
    from entente.flows.steps import warehouse_parameters

    return warehouse_parameters(settings)


def _report(state: Any) -> int:
    """Print a flow run's summary; 0 when it completed, 1 when it ended Failed."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, EntenteError):
        raise result
    if isinstance(result, dict) and "text" in result:
        print(result["text"])
    if state.is_completed():
        return 0
    print(f"entente: run failed: {state.message or result}", file=sys.stderr)
    return 1


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)  # validate before starting Prefect
    from entente.flows.ingest import ingest_flow

    state = ingest_flow(
        sources=str(settings.sources_path) if settings.sources_path else None,
        **_warehouse_parameters(settings),
        return_state=True,
    )
    return _report(state)


def cmd_backfill(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from entente.flows.backfill import backfill_flow, backfill_window, pick_sources

    since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until")
    if since is None or until is None:
        raise ConfigError("backfill needs --since and --until")
    backfill_window(since, until)  # refuse a reversed range before starting Prefect
    pick_sources(settings.sources, args.only or ())
    with showing_progress(sys.stderr):
        state = backfill_flow(
            since=since,
            until=until,
            sources=str(settings.sources_path) if settings.sources_path else None,
            only=args.only,
            max_articles_per_source=args.max_articles,
            **_warehouse_parameters(settings),
            return_state=True,
        )
    return _report(state)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from entente.flows.serve import ingest_interval, serve_deployments

    every = ingest_interval(args.every)
    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    from prefect.settings import get_current_settings

    if get_current_settings().api.url is None:
        print(
            "entente: PREFECT_API_URL is not set, so the deployments go to a temporary server"
            " that no UI can reach; start `prefect server start` and export"
            " PREFECT_API_URL=http://127.0.0.1:4200/api first",
            file=sys.stderr,
        )
    serve_deployments(settings, every, args.limit)
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from entente.flows.deploy import deploy_to_pool
    from entente.flows.serve import deployment_parameters, ingest_interval

    every = ingest_interval(args.every)
    created, names = deploy_to_pool(settings, every, args.pool)
    print(f"work pool {args.pool!r}: {'created' if created else 'exists'} (process)")
    for name in names:
        print(f"deployment {name}: registered")
    for key, value in deployment_parameters(settings).items():
        print(f"  default {key}: {value}")
    print(f"start a worker on each machine: prefect worker start --pool {args.pool}")
    return 0


def _say(message: str) -> None:
    print(f"entente: {message}", file=sys.stderr, flush=True)


def cmd_sql(args: argparse.Namespace) -> int:
    from entente.warehouse.query import format_rows, run_query

    settings = _settings(args)
    columns, rows = run_query(_warehouse(settings), args.query, on_wait=_say)
    print(format_rows(columns, rows, args.format))
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.action == "check":
        from entente.ingest.check import check_sources

        bad = 0
        for result in check_sources(settings.sources, settings.fetch):
            bad += not result.ok
            detail = escape_controls(result.detail)
            print(f"{'ok  ' if result.ok else 'FAIL'}  {result.name:28}  {detail}")
        total = len(settings.sources)
        print(f"{total - bad} of {total} sources answer with a usable feed or sitemap")
        return 0
    if args.action == "enable":
        from entente.warehouse.db import write
        from entente.warehouse.state import enable_source

        if not args.name:
            print("entente: `sources enable` needs a source name", file=sys.stderr)
            return 2
        name = args.name
        enabled = write(_warehouse(settings), lambda con: enable_source(con, name))
        print(f"{args.name}: {'re-enabled' if enabled else 'was not disabled'}")
        return 0
    from entente.warehouse.state import read_health

    health = read_health(_warehouse(settings))
    for source in settings.sources:
        h = health.get(source.name)
        if not source.active:
            state = "inactive"
        elif h is None:
            state = "new"
        elif h.disabled:
            state = "DISABLED"
        else:
            state = "failing" if h.consecutive_failures else "ok"
        print(
            f"{source.name:28}  {source.kind:7}  {source.country or '-':4}  {state:8}"
            f"  last ok {_when(h.last_success_at if h else None)}"
            f"  next poll {_when(h.next_poll_at if h else None)}  {source.url}"
        )
        if h is not None and h.last_error and h.consecutive_failures:
            error = escape_controls(h.last_error)
            print(f"    last error ({h.consecutive_failures} in a row): {error}")
        if h is not None and h.disabled:
            reason = escape_controls(h.disabled_reason or "")
            print(f"    disabled: {reason}; `entente sources enable {source.name}`")
    return 0


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


def cmd_reprocess(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from entente.flows.reprocess import reprocess_flow

    with showing_progress(sys.stderr):
        state = reprocess_flow(
            since=args.since,
            until=args.until,
            **_warehouse_parameters(settings),
            return_state=True,
        )
    return _report(state)


def cmd_demo(args: argparse.Namespace) -> int:
    from entente.flows.demo import run_demo

    db = Path(args.db)
    state = run_demo(db)
    if code := _report(state):
        return code
    program = sys.argv[0] if sys.argv[0].endswith("entente") else "entente"
    print(
        "\nQuery it (read-only), for example:\n"
        f'  {program} sql --db {db} "SELECT area, count(*) AS articles FROM article_areas'
        ' GROUP BY area ORDER BY articles DESC"\n'
        f'  {program} sql --db {db} "SELECT title, articles, sources FROM stories'
        ' ORDER BY sources DESC, articles DESC LIMIT 5"\n'
        f'  {program} sql --db {db} "SELECT event_day, title, stories, source_list'
        ' FROM event_coverage WHERE stories > 1 ORDER BY event_day"\n'
        f"  {program} alerts --db {db}\n"
        "More, such as which countries discussed energy with Pakistan and the sentence that"
        " says so: README.md, 'Query the result'."
    )
    return 0


def _check_filters(settings: Any, area: str | None, country: str | None) -> None:
    """A typo in a filter matches nothing: say so, rather than '0 stories match'."""
    import pycountry

    from entente.ingest.settings import decode_toml, read_config
    from entente.transforms.classify import area_names, default_taxonomy_text

    if country and pycountry.countries.get(alpha_3=country.upper()) is None:
        raise ConfigError(f"unknown country code {country!r}; use ISO 3166-1 alpha-3, e.g. PAK")
    if area:
        path = settings.taxonomy_path
        text = default_taxonomy_text()
        if path is not None:
            text = decode_toml(read_config(path, "taxonomy"), str(path))
        areas = area_names(text)
        if areas and area not in areas:
            raise ConfigError(f"unknown area {area!r}; areas: {', '.join(areas)}")


def cmd_search(args: argparse.Namespace) -> int:
    from entente.warehouse.search import MAX_LIMIT, format_hits, search

    if not 1 <= args.limit <= MAX_LIMIT:
        raise ConfigError(f"--limit must be between 1 and {MAX_LIMIT}")
    settings = _settings(args)
    _check_filters(settings, args.area, args.country)
    since = parse_day(args.since, "--since")
    hits = search(
        _warehouse(settings),
        args.query,
        area=args.area,
        country=args.country.upper() if args.country else None,
        since=datetime.combine(since, time(), UTC) if since else None,
        limit=args.limit,
        on_wait=_say,
    )
    print(format_hits(hits, args.query, args.format, marks=sys.stdout.isatty()))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from entente.warehouse.export import export_parquet

    settings = _settings(args)
    for table in export_parquet(_warehouse(settings), Path(args.out), on_wait=_say):
        print(f"{table.name:18} {table.rows:>9} rows in {table.months:>3} months  {table.folder}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from entente.warehouse.report import write_report

    settings = _settings(args)
    out = Path(args.out or f"report-{args.country.upper()}.html")
    write_report(
        _warehouse(settings),
        args.country,
        out,
        since=parse_day(args.since, "--since"),
        on_wait=_say,
    )
    print(f"wrote {out}")
    return 0


def cmd_maintain(args: argparse.Namespace) -> int:
    from entente.warehouse.lake import maintain

    settings = _settings(args)
    if not settings.lake:
        raise ConfigError("`entente maintain` is for a lake (--lake); a DuckDB file needs none")
    for step in maintain(_warehouse(settings)):
        print(f"done: {step}")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    import json

    from entente.warehouse.alerts import list_alerts

    settings = _settings(args)
    since = parse_day(args.since, "--since")
    found = list_alerts(
        _warehouse(settings),
        since=datetime.combine(since, time(), UTC) if since else None,
        on_wait=_say,
    )
    if args.format == "json":
        print(json.dumps([a.to_json() for a in found], indent=2, default=str))
        return 0
    for a in found:
        print(f"{a.detected_at:%Y-%m-%d %H:%M}  {a.kind:13}  {a.summary}")
        for item in a.evidence.get("articles", [])[:3]:
            print(f"    {item['source']}: {item['title']}  {item['url']}")
            if item.get("sentence"):
                print(f'      "{item["sentence"]}"')
        for item in a.evidence.get("events", [])[:5] if a.kind == "surge" else []:
            print(f"    event {item['event_id']}: {item.get('title') or ''}")
        if a.delivery_error:
            print(f"    not delivered: {a.delivery_error}")
    print(f"{len(found)} alert{'' if len(found) == 1 else 's'}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "backfill": cmd_backfill,
    "serve": cmd_serve,
    "deploy": cmd_deploy,
    "sql": cmd_sql,
    "sources": cmd_sources,
    "reprocess": cmd_reprocess,
    "demo": cmd_demo,
    "search": cmd_search,
    "export": cmd_export,
    "report": cmd_report,
    "alerts": cmd_alerts,
    "maintain": cmd_maintain,
}


# Commands that start a Prefect server, worker processes or both: stopped by a signal,
# they stop those too (entente.flows.lifecycle).
STARTS_PROCESSES = frozenset({"run", "backfill", "reprocess", "serve", "demo"})


def _escaped(arg: str) -> bool:
    return all(ord(c) < 0xD800 or 0xDC80 <= ord(c) <= 0xDCFF for c in arg)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8 reach Python as surrogates
            shown = arg.encode("utf-8", "surrogateescape" if _escaped(arg) else "backslashreplace")
            print(f"entente: argument {shown!r} is not UTF-8 text", file=sys.stderr)
            return 2
    args = build_parser().parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # A temporary Prefect server on a busy two-core machine can take longer than the
    # default 20 s to start; waiting a little longer beats failing the run.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    handler = COMMANDS[args.command]
    try:
        if args.command not in STARTS_PROCESSES:
            return handler(args)
        from entente.flows.lifecycle import stopping_cleanly

        with stopping_cleanly():
            return handler(args)
    except EntenteError as exc:
        print(f"entente: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("entente: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
