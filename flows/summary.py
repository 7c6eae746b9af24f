"""What a run did, for the terminal, the `runs` row and the Prefect artifact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from entente import __version__
from entente.ingest.collect import BENIGN_OUTCOMES, SourceHarvest
from entente.ingest.discover import Discovery
from entente.ingest.process import ProcessedBatch
from entente.warehouse.alerts import Alert
from entente.warehouse.load import LoadResult


@dataclass(slots=True)
class RunSummary:
    """Counts per run, filled in by the driver as each source's harvest and store end."""

    run_id: str
    flow: str
    started_at: datetime
    sources_ok: list[str] = field(default_factory=list)
    sources_failed: dict[str, str] = field(default_factory=dict)
    sources_skipped: dict[str, str] = field(default_factory=dict)  # disabled or backing off
    fetched: int = 0
    fetch_failures: int = 0
    articles_new: int = 0
    articles_replaced: int = 0  # stored articles derived again (reprocess, updated pages)
    duplicates: int = 0
    extraction_failures: int = 0
    area_counts: dict[str, int] = field(default_factory=dict)
    finished_at: datetime | None = None
    # Seconds per stage: wall time for the steps the driver waits on, CPU time for
    # extraction and derivation (summed over worker processes), for the profile of a run.
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # a backfill's window, each source's archive walk, and pages dated outside the window
    window: str | None = None
    walks: list[Discovery] = field(default_factory=list)
    out_of_window: int = 0
    alerts: list[Alert] = field(default_factory=list)  # raised after the run's stores

    def timed(self, stage: str, seconds: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds

    @property
    def status(self) -> str:
        if self.sources_failed and not self.sources_ok:
            return "failed"
        return "completed"

    def counts(self) -> dict[str, int]:
        return {
            "sources_ok": len(self.sources_ok),
            "sources_failed": len(self.sources_failed),
            "fetched": self.fetched,
            "fetch_failures": self.fetch_failures,
            "articles_new": self.articles_new,
            "articles_replaced": self.articles_replaced,
            "duplicates": self.duplicates,
            "extraction_failures": self.extraction_failures,
        }

    def add_harvest(self, harvest: SourceHarvest) -> None:
        if harvest.feed_ok:
            self.sources_ok.append(harvest.source)
        else:
            self.sources_failed[harvest.source] = harvest.error or "unknown error"
        self.fetched += sum(1 for f in harvest.fetches if f.outcome in BENIGN_OUTCOMES)
        self.fetch_failures += sum(1 for f in harvest.fetches if f.outcome not in BENIGN_OUTCOMES)

    def add_load(self, batch: ProcessedBatch, result: LoadResult) -> None:
        self.extraction_failures += len(batch.failures)
        self.articles_new += result.new
        self.articles_replaced += result.replaced
        self.duplicates += result.duplicates
        for area, count in result.area_counts.items():
            self.area_counts[area] = self.area_counts.get(area, 0) + count
        for stage, seconds in batch.seconds.items():
            self.timed(stage, seconds)

    def to_markdown(self) -> str:
        lines = [
            f"# {self.flow} run {self.run_id}",
            "",
            "| measure | value |",
            "|---|---|",
            f"| status | {self.status} |",
            f"| entente version | {__version__} |",
            f"| sources ok | {len(self.sources_ok)} |",
            f"| sources failed | {len(self.sources_failed)} |",
            f"| pages fetched | {self.fetched} |",
            f"| failed fetches | {self.fetch_failures} |",
            f"| new articles | {self.articles_new} |",
            f"| articles derived again | {self.articles_replaced} |",
            f"| duplicates | {self.duplicates} |",
            f"| extraction failures | {self.extraction_failures} |",
            f"| new alerts | {len(self.alerts)} |",
        ]
        if self.area_counts:
            lines += ["", "| area | new articles |", "|---|---|"]
            lines += [f"| {a} | {n} |" for a, n in sorted(self.area_counts.items())]
        if self.sources_failed:
            lines += ["", "| failed source | reason |", "|---|---|"]
            lines += [
                f"| {name} | {reason.replace('|', '/')} |"
                for name, reason in sorted(self.sources_failed.items())
            ]
        if self.window is not None:
            lines += self._walk_markdown()
        return "\n".join(lines)

    def _walk_markdown(self) -> list[str]:
        lines = [
            "",
            f"## backfill {self.window}",
            "",
            "| source | pages walked | in window | already stored | fetched |"
            " before | after | undated | over limit |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for d in self.walks:
            h = d.harvest
            lines.append(
                f"| {d.source} | {d.pages} | {len(d.candidates)} | {h.skipped_known} |"
                f" {len(h.documents) + len(h.summaries)} | {d.before} | {d.after} |"
                f" {d.undated} | {d.over_limit} |"
            )
        lines += [
            "",
            f"Pages whose own date fell outside the window, not loaded: {self.out_of_window}",
        ]
        return lines

    def to_text(self) -> str:
        if self.flow == "reprocess":
            return (
                f"reprocess run {self.run_id}: {self.articles_replaced} articles re-derived,"
                f" {self.extraction_failures} failed"
            )
        areas = ", ".join(f"{a} {n}" for a, n in sorted(self.area_counts.items())) or "none"
        lines = [
            f"{self.flow} run {self.run_id}: {self.status}",
            f"  sources: {len(self.sources_ok)} ok, {len(self.sources_failed)} failed",
            f"  pages fetched: {self.fetched}, failed fetches: {self.fetch_failures}",
            f"  new articles: {self.articles_new}, duplicates: {self.duplicates},"
            f" extraction failures: {self.extraction_failures}",
            f"  areas: {areas}",
        ]
        lines += [f"  alert: {a.summary}" for a in self.alerts]
        lines += [f"  failed: {n}: {r}" for n, r in sorted(self.sources_failed.items())]
        lines += [f"  skipped: {n}: {r}" for n, r in sorted(self.sources_skipped.items())]
        return "\n".join(lines)
