"""`orchestrate accuracy`: how often each runtime's triage was corrected by a person.

Read from the ledger only: every TRIAGED event is one decision of the runtime that made it,
counted in the ISO week it was made; an item with a TRIAGE_CORRECTED event counts as
corrected once, and its kind correction (first verdict → last correction) goes into that
runtime's confusion table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pydantic import BaseModel, Field, computed_field

from orchestrator.ledger import LedgerRepository
from orchestrator.ledger.events import Action, TriageCorrected, Triaged
from orchestrator.ledger.models import LedgerEvent


class Tally(BaseModel):
    decisions: int = 0
    corrected: int = 0
    kind_corrected: int = Field(default=0, description="corrections that changed the kind")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float:
        """Share of decisions a person corrected."""
        return self.corrected / self.decisions if self.decisions else 0.0


class RuntimeAccuracy(Tally):
    """One runtime's decisions; `confusion[decided][corrected to]` counts kind corrections."""

    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
    weeks: dict[str, Tally] = Field(default_factory=dict, description="ISO week, e.g. 2026-W49")


class AccuracyReport(BaseModel):
    """`accuracy --json`: per runtime name, and the whole ledger's total."""

    since: date | None = None
    total: Tally = Field(default_factory=Tally)
    runtimes: dict[str, RuntimeAccuracy] = Field(default_factory=dict)


def _week(ts: str) -> str:
    year, week, _ = datetime.fromisoformat(ts.replace("Z", "+00:00")).isocalendar()
    return f"{year}-W{week:02d}"


def _add(tally: Tally, corrected: bool, kind_changed: bool) -> None:
    tally.decisions += 1
    tally.corrected += corrected
    tally.kind_corrected += kind_changed


def _count(report: AccuracyReport, events: list[LedgerEvent]) -> None:
    first = next((e for e in events if e.action is Action.TRIAGED), None)
    if first is None:
        return
    decided = first.read(Triaged)
    if report.since is not None and first.ts[:10] < report.since.isoformat():
        return
    fixes = [e.read(TriageCorrected) for e in events if e.action is Action.TRIAGE_CORRECTED]
    final = fixes[-1].new.kind if fixes else decided.kind
    changed = final != decided.kind
    name = decided.runtime or "unknown"
    runtime = report.runtimes.setdefault(name, RuntimeAccuracy())
    for tally in (report.total, runtime, runtime.weeks.setdefault(_week(first.ts), Tally())):
        _add(tally, bool(fixes), changed)
    if changed:
        row = runtime.confusion.setdefault(decided.kind, {})
        row[final] = row.get(final, 0) + 1


def measure(ledger: LedgerRepository, since: date | None = None) -> AccuracyReport:
    report = AccuracyReport(since=since)
    for rid in sorted(ledger.index()):
        _count(report, ledger.read_events(rid))
    return report


def lines(report: AccuracyReport) -> Iterable[str]:
    """The report as plain text, one runtime at a time."""
    if not report.runtimes:
        yield "no triaged items" + (f" since {report.since}" if report.since else "")
        return
    for name, r in sorted(report.runtimes.items()):
        yield f"{name}: {r.decisions} decisions, {r.corrected} corrected ({r.rate:.0%})"
        if r.confusion:
            kinds = sorted({k for row in r.confusion.values() for k in row} | set(r.confusion))
            yield "  kind corrections (decided → corrected to):"
            yield "  " + f"{'':<10}" + "".join(f"{k:>10}" for k in kinds)
            for decided in kinds:
                row = r.confusion.get(decided, {})
                yield "  " + f"{decided:<10}" + "".join(f"{row.get(k, 0):>10}" for k in kinds)
        for week, t in sorted(r.weeks.items()):
            yield f"  {week}: {t.decisions} decisions, {t.corrected} corrected ({t.rate:.0%})"
