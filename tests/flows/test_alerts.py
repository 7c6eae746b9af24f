"""Two ingests; the second brings one new pair and area: one alert, wherever alerts go."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from entente.flows.cli import main
from tests.loopback import Reply, Site, receiver, serve

GAS = (
    "Pakistan and Russia agree on gas pipeline",
    "Islamabad: Pakistan and Russia signed an agreement on Tuesday to build the Pakistan"
    " Stream gas pipeline from Karachi to Lahore, the foreign ministry said.",
    "The two governments agreed that Russian companies will supply the pipeline compressors"
    " and that Pakistan will buy liquefied natural gas from Russia for fifteen years.",
)
GAS_AGAIN = (
    "Russian and Pakistani experts review gas pipeline schedule",
    "Moscow: Pakistani and Russian energy officials met on Thursday to review the building"
    " schedule of the gas pipeline from Karachi to Lahore and its compressor stations.",
    "The energy ministries will report on the pipeline route to both governments next month.",
)
NAVAL = (
    "Pakistan and China hold naval drill",
    "Karachi: Pakistan and China began a joint naval exercise in the Arabian Sea on Thursday,"
    " the navy said.",
    "Warships and submarines of the two navies will train together for a week, and the"
    " defence ministers signed an agreement on military cooperation and joint training of"
    " officers.",
)
NAVAL_WIRE = (
    "Chinese warships arrive in Karachi for exercise",
    "Karachi: Chinese destroyers and a submarine joined Pakistani warships off Karachi on"
    " Thursday for a week of naval drills in the Arabian Sea, officials said.",
    "The exercise follows an agreement by the defence ministers on military cooperation,"
    " under which the navies will also train officers together.",
)


def page(day: str, title: str, *paragraphs: str) -> Reply:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{day}T08:00:00Z">'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    return Reply(200, html.encode(), {"Content-Type": "text/html; charset=utf-8"})


def feed(site: Site, items: list[tuple[str, str, tuple[str, ...]]]) -> str:
    entries = ""
    for path, day, text in items:
        link = site.add(path, page(day, *text))
        entries += (
            f"<entry><title>{text[0]}</title><link href='{link}'/><id>{link}</id>"
            f"<published>{day}T08:00:00Z</published><updated>{day}T08:00:00Z</updated></entry>"
        )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Ministry</title><id>urn:ministry</id><updated>{items[-1][1]}T08:00:00Z</updated>"
        f"{entries}</feed>"
    )
    return site.add("/feed.xml", Reply(200, xml.encode(), {"Content-Type": "application/atom+xml"}))


def events_of(db: Path) -> list[tuple[str, list[str]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT e.event_id, list(a.url ORDER BY a.url) FROM events e"
            " JOIN articles a USING (event_id) GROUP BY ALL ORDER BY 1"
        ).fetchall()


def alerts_of(db: Path) -> list[tuple[str, str, str, str, str | None, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT kind, country_a, country_b, area, delivery_error, run_id FROM alerts"
            " ORDER BY detected_at"
        ).fetchall()


@pytest.mark.usefixtures("prefect_harness")
def test_a_new_pair_and_area_raises_one_alert_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "alerts.duckdb"
    sources = tmp_path / "sources.toml"
    run = ["run", "--db", str(db), "--sources", str(sources)]
    with serve() as site, receiver() as (hook, received):
        url = feed(site, [("/gas.html", "2026-06-02", GAS)])
        sources.write_text(
            "[fetch]\nallow_private_networks = true\nmin_host_delay = 0\nretries = 0\n\n"
            f'[alerts]\nwebhook = "{hook}"\n\n'
            f'[[sources]]\nname = "ministry"\nurl = "{url}"\n',
            "utf-8",
        )
        assert main(run) == 0
        first = alerts_of(db)
        feed(
            site,
            [
                ("/gas.html", "2026-06-02", GAS),
                ("/gas-again.html", "2026-06-04", GAS_AGAIN),
                ("/naval.html", "2026-06-04", NAVAL),
                ("/naval-wire.html", "2026-06-05", NAVAL_WIRE),
            ],
        )
        assert main(run) == 0
        grouped = events_of(db)
        # Reprocessing re-derives every article (its event too) and gives the same events;
        # it brings no news, so it raises no alert.
        assert main(["reprocess", "--db", str(db)]) == 0
    after = alerts_of(db)
    assert events_of(db) == grouped
    # Two reports of the drill are one event; the gas deal and the review two days later two.
    assert sorted(len(members) for _, members in grouped) == [1, 1, 2]

    # The first run has nothing to compare with: everything in it is new, nothing alerts.
    assert first == []
    # The second: Pakistan-Russia energy again is not new; Pakistan-China defence is.
    assert [a[:5] for a in after] == [("new_pair_area", "CHN", "PAK", "defense", None)]
    second_run = after[0][5]

    # The webhook got the run's new alert, in one POST.
    assert [[a["area"] for a in body["alerts"]] for body in received] == [["defense"]]  # type: ignore[union-attr]
    evidence = received[0]["alerts"][0]["evidence"]  # type: ignore[index]
    assert evidence["articles"][0]["title"] == NAVAL[0]
    assert "naval" in evidence["articles"][0]["sentence"]

    # The run's artifact shows it.
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[second_run]))
        )
    (table,) = [a for a in artifacts if a.key == "ingest-alerts"]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert [(r["pair"], r["area"]) for r in rows] == [("CHN-PAK", "defense")]

    # And the command line lists it, with the sentence behind it.
    capsys.readouterr()
    assert main(["alerts", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "new: CHN-PAK defense, first in 90 days" in out
    assert NAVAL[0] in out and "naval exercise" in out and "1 alert\n" in out
    assert main(["alerts", "--db", str(db), "--since", "2999-01-01"]) == 0
    assert "0 alerts" in capsys.readouterr().out
