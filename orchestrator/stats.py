"""`orchestrate stats`: the usage report a team lead reads, computed from the ledger's events.

Per kind: items by state, median and p90 time to close (REQUEST_CREATED → CLOSED; p90 by
linear interpolation between the closest ranks), tokens and estimated cost, retries,
fallbacks and escalations. Per runtime (the one that served the call): calls, tokens, cost,
and the retries and fallbacks it caused. Tokens and cost are those of the recorded calls
(the triage gate's and each completed role's), priced as `show` prices them.

Escalation (the gate handing an unsure item to another runtime, `[triage] escalate_to`) is
an ESCALATED event, whether or not that runtime could answer; the rate is per triaged item.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from orchestrator.accounting import PRICES_AS_OF, CostLine, Prices, total
from orchestrator.errors import InputError
from orchestrator.ledger.events import Action, RuntimeFallback, RuntimeRetry, StateChanged
from orchestrator.ledger.fold import fold
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent
from orchestrator.ledger.repository import LedgerRepository

UNTRIAGED = "untriaged"  # the kind of an item whose triage never completed


class Usage(BaseModel):
    """Calls, tokens and estimated cost; `cost_usd` is None when a model has no price."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    unpriced_models: list[str] = Field(default_factory=list)
    retries: int = 0
    fallbacks: int = 0

    def add(self, lines: Iterable[CostLine]) -> None:
        for line in lines:
            self.calls += 1
            self.input_tokens += line.input_tokens
            self.output_tokens += line.output_tokens
            if line.cost_usd is None:
                self.unpriced_models = sorted({*self.unpriced_models, line.model or ""})
            elif self.cost_usd is not None:
                self.cost_usd = round(self.cost_usd + line.cost_usd, 6)
        if self.unpriced_models:
            self.cost_usd = None


class KindStats(Usage):
    items: int = 0
    states: dict[str, int] = Field(default_factory=dict)
    closed: int = 0
    median_close_s: float | None = None
    p90_close_s: float | None = None
    escalated: int = 0


class Escalation(BaseModel):
    triaged: int = 0
    escalated: int = 0
    rate: float | None = None  # escalated / triaged


class Stats(BaseModel):
    since: str | None = None
    items: int = 0
    by_kind: dict[str, KindStats] = Field(default_factory=dict)
    by_runtime: dict[str, Usage] = Field(default_factory=dict)
    escalation: Escalation = Field(default_factory=Escalation)
    retries: int = 0
    fallbacks: int = 0
    prices_as_of: str = PRICES_AS_OF


def parse_since(text: str) -> datetime:
    """A date (`2026-05-01`, midnight UTC) or an ISO-8601 time (UTC unless it says)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"--since {text!r}: expected a date like 2026-05-01 or an ISO-8601 time "
            "like 2026-05-01T09:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _time(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def compute(ledger: LedgerRepository, prices: Prices, since: datetime | None = None) -> Stats:
    stats = Stats(since=since.isoformat() if since else None)
    close_times: dict[str, list[float]] = {}
    for rid in ledger.request_ids():
        events = ledger.read_events(rid)
        if not events or (since is not None and _time(events[0].ts) < since):
            continue
        _count(stats, close_times, rid, events, prices)
    for kind, seconds in close_times.items():
        k = stats.by_kind[kind]
        k.median_close_s = round(statistics.median(seconds), 3)
        k.p90_close_s = round(_p90(seconds), 3)
    e = stats.escalation
    e.rate = round(e.escalated / e.triaged, 4) if e.triaged else None
    return stats


def _count(
    stats: Stats,
    close_times: dict[str, list[float]],
    rid: str,
    events: list[LedgerEvent],
    prices: Prices,
) -> None:
    view = fold(rid, events)
    kind = view.kind or UNTRIAGED
    k = stats.by_kind.setdefault(kind, KindStats())
    stats.items += 1
    k.items += 1
    k.states[view.state.value] = k.states.get(view.state.value, 0) + 1
    lines = total(view.calls, prices).lines
    k.add(lines)
    for line in lines:
        stats.by_runtime.setdefault(line.runtime or "unknown", Usage()).add([line])
    retries: Counter[str] = Counter()  # by the runtime that failed
    fallbacks: Counter[str] = Counter()
    for event in events:
        if event.action is Action.RUNTIME_RETRY:
            retries[event.read(RuntimeRetry).runtime or "unknown"] += 1
        elif event.action is Action.RUNTIME_FALLBACK:
            fell = event.read(RuntimeFallback)
            fallbacks[fell.from_runtime or fell.runtime or "unknown"] += 1
        elif event.action is Action.TRIAGED:
            stats.escalation.triaged += 1
        elif event.action is Action.ESCALATED:
            stats.escalation.escalated += 1
            k.escalated += 1
        elif event.action is Action.STATE_CHANGED and event.read(StateChanged).to is State.CLOSED:
            k.closed += 1
            seconds = (_time(event.ts) - _time(events[0].ts)).total_seconds()
            close_times.setdefault(kind, []).append(seconds)
    for runtime, n in retries.items():
        stats.by_runtime.setdefault(runtime, Usage()).retries += n
    for runtime, n in fallbacks.items():
        stats.by_runtime.setdefault(runtime, Usage()).fallbacks += n
    k.retries += retries.total()
    k.fallbacks += fallbacks.total()
    stats.retries += retries.total()
    stats.fallbacks += fallbacks.total()
