"""`entente reprocess` re-classifies stored articles after a taxonomy change, fetching nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from entente.transforms.classify import default_taxonomy_text
from tests.flows.helpers import serve_seed, sources_file
from tests.loopback import serve


@pytest.mark.usefixtures("prefect_harness")
def test_reprocess_after_taxonomy_change(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from entente.flows.ingest import ingest_flow
    from entente.flows.reprocess import reprocess_flow

    seed = (shared / "seed" / "000_939baf877a38910c.txt").read_text("utf-8")
    db = tmp_path / "re.duckdb"
    with serve() as site:
        sources = sources_file(tmp_path, {"seed-news": serve_seed(site, seed)})
        ingest_flow(db=str(db), sources=str(sources))
        requests_after_ingest = len(site.log)
    with duckdb.connect(str(db), read_only=True) as con:
        before = {r[0] for r in con.execute("SELECT area FROM article_areas").fetchall()}
        (old_version,) = con.execute("SELECT classifier_version FROM articles").fetchone()  # type: ignore[misc]
    assert "science_technology" not in before

    text = default_taxonomy_text()
    changed = text.replace('version = "', 'version = "test-', 1).replace(
        "[areas.science_technology.cues]\n",
        # A phrase of the lead: background sentences weigh less, a lead sentence counts fully.
        "[areas.science_technology.cues]\n'delegation-level talks' = 1.0\n",
    )
    assert changed != text
    taxonomy = tmp_path / "taxonomy.toml"
    taxonomy.write_text(changed, "utf-8")
    monkeypatch.setenv("ENTENTE_TAXONOMY", str(taxonomy))
    result = reprocess_flow(db=str(db))
    assert result["updated"] == 1 and result["failed"] == 0

    with duckdb.connect(str(db), read_only=True) as con:
        after = {r[0] for r in con.execute("SELECT area FROM article_areas").fetchall()}
        versions = {
            r[0]
            for r in con.execute(
                "SELECT classifier_version FROM articles UNION ALL "
                "SELECT classifier_version FROM article_areas"
            ).fetchall()
        }
        (n,) = con.execute("SELECT count(*) FROM articles").fetchone()  # type: ignore[misc]
    assert after == before | {"science_technology"}
    assert len(versions) == 1 and versions != {old_version} and "test-" in versions.pop()
    assert n == 1
    assert len(site.log) == requests_after_ingest  # nothing fetched again


def test_a_taxonomy_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    """Found beside issue 20's item 11: ENTENTE_TAXONOMY in Latin-1 gave a traceback."""
    from dataclasses import replace

    from entente.flows.steps import load_taxonomy
    from entente.ingest.settings import load_settings
    from entente.transforms.errors import ConfigError

    taxonomy = tmp_path / "taxonomy.toml"
    taxonomy.write_bytes('[areas.energy]\nlabel = "\u00e9nergie"\n'.encode("latin-1"))
    settings = replace(
        load_settings(str(tmp_path / "w.duckdb"), environ={}), taxonomy_path=taxonomy
    )
    with pytest.raises(ConfigError) as info:
        load_taxonomy(settings)
    assert str(info.value).startswith(f"{taxonomy}: not UTF-8 text (byte 0xe9 on line 2)")


def test_a_taxonomy_nested_too_deeply_is_one_line() -> None:
    from entente.transforms.classify import parse_taxonomy
    from entente.transforms.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^taxonomy: not valid TOML: nested too deeply"):
        parse_taxonomy("x = " + "[" * 5000 + "]" * 5000)
