"""Human output with rich: results, verdicts, lists and timelines. JSON goes through `emit_json`.

Everything that came from a ticket (titles, text, rationale, summaries, concerns) is untrusted
and passes through `escape` before rich sees it, so `[bold]` or `[/]` in a ticket prints as
written instead of being eaten as markup.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from pydantic import BaseModel, JsonValue, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestrator.ledger import events as ev
from orchestrator.ledger.fold import ItemView
from orchestrator.ledger.models import LedgerEvent
from orchestrator.run.routing import stages_text

if TYPE_CHECKING:
    from adapters.mock.classifier.schema import Explanation
    from orchestrator.run.gate import Verdict
    from orchestrator.run.results import SubmitResult

console = Console(highlight=False, soft_wrap=True)

_STATE_STYLE = {"CLOSED": "green", "BLOCKED": "red", "VERIFIED": "green", "DELIVERED": "cyan"}
UNSURE = "unsure — needs a human look"


def emit_json(payload: BaseModel | JsonValue) -> None:
    if isinstance(payload, BaseModel):
        sys.stdout.write(payload.model_dump_json() + "\n")
    else:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


def state_text(state: str) -> str:
    style = _STATE_STYLE.get(state, "yellow")
    return f"[{style}]{state}[/{style}]"


def decision_line(
    kind: str, severity: str, priority: str, confidence: float, needs_review: bool
) -> str:
    """`bug · high · P2 · confidence 0.93`, and the unsure mark when the gate was guessing."""
    line = f"[bold]{kind}[/bold] · {severity} · {priority} · confidence {confidence:.2f}"
    return f"{line}  [yellow]{UNSURE}[/yellow]" if needs_review else line


# -- triage ---------------------------------------------------------------------------------
def verdict_json(verdict: Verdict) -> dict[str, JsonValue]:
    payload: dict[str, JsonValue] = {
        **verdict.decision.model_dump(mode="json"),
        "route": list(verdict.route),
        "stages": [list(stage) for stage in verdict.stages],
        "runtime": verdict.reply.runtime,
        "model": verdict.reply.model,
    }
    if verdict.escalation is not None:
        payload["escalation"] = verdict.escalation.model_dump(mode="json")
    return payload


def verdict(v: Verdict) -> None:
    d = v.decision
    console.print(
        decision_line(d.kind, d.severity, d.priority, d.confidence, d.needs_review)
        + f"  ({escape(v.reply.runtime)})"
    )
    if v.escalation is not None:
        console.print(f"escalated {escape(_escalation_text(v.escalation))}")
    console.print(f"rationale {escape(d.rationale)}")
    console.print(f"signals   {escape(', '.join(d.signals)) or '—'}")
    console.print(f"route     {stages_text(v.stages)}")


def _escalation_text(e: ev.Escalated) -> str:
    first = f"{e.from_runtime} was unsure ({e.confidence:.2f})"
    if e.error:
        return f"{first}; {e.to_runtime} could not answer ({e.error}); the first verdict stands"
    return f"{first}; {e.to_runtime} decided"


def evidence(explanation: Explanation) -> None:
    """`triage --explain`: per kind, the strongest evidence for and against, with weights."""
    console.print(f"evidence  {escape(explanation.reason)}")
    for kind in explanation.kinds:
        console.print(f"  [bold]{kind.kind}[/bold] {kind.probability:.2f}")
        for label, items in (("for", kind.support), ("against", kind.against)):
            shown = ", ".join(f"{escape(e.phrase)} {e.weight:+.2f}" for e in items) or "—"
            console.print(f"    {label:<8}{shown}")


# -- a run's result -------------------------------------------------------------------------
PROGRESS_STATES = frozenset({"DELIVERED", "CLOSED", "BLOCKED"})  # live progress prints these


def result(r: SubmitResult, progress_shown: bool = False) -> None:
    """The outcome of submit/resume; after live progress only what the lines did not say."""
    if not r.created:
        note = "[yellow]already submitted[/yellow] with this idempotency key"
        console.print(f"{note}: {r.request_id}")
    if not progress_shown:
        console.print(f"[bold]{r.request_id}[/bold]")
        t = r.triage
        if t is not None:
            line = decision_line(t.kind, t.severity, t.priority, t.confidence, t.needs_review)
            console.print(f"triage    {line}  ({escape(t.runtime or '')})")
            console.print(f"          {escape(t.rationale)}")
        fix = r.correction
        if fix is not None:
            console.print(f"corrected {fix.kind} · {fix.severity} · {fix.priority}  (by a person)")
        console.print(f"route     {stages_text(r.stages)}")
        for h in r.handoffs:
            again = f" (round {h.round})" if h.round > 1 else ""
            hop = f"{h.from_role:>5} → {', '.join(h.to):<10}"
            console.print(f"  {hop} {escape(h.runtime or ''):<8}{again} {escape(h.summary or '')}")
    if not progress_shown or r.state not in PROGRESS_STATES:
        console.print(f"state     {state_text(r.state)}")
    if r.blocked_reason:
        console.print(f"blocked   [red]{escape(r.blocked_reason)}[/red]")
    if r.waiting_for:
        roles = ", ".join(r.waiting_for)
        console.print(
            f"waiting   [yellow]for a person to approve {escape(roles)}[/yellow]: "
            f"`orchestrate approve {r.request_id} --as NAME` (or `reject … --reason`)"
        )
    tokens = r.usage.input_tokens + r.usage.output_tokens
    console.print(f"          {r.request_id}: {tokens} tokens; `orchestrate show {r.request_id}`")


# -- lists and timelines ----------------------------------------------------------------------
_SEVERITY_SHORT = {"critical": "crit", "high": "high", "medium": "med", "low": "low"}
_LIST_HEAD = f"{'request':<17}  {'state':<11}  {'kind':<8}  {'sev':<4}  {'pr':<2}  {'when':<5}  "


def _when(ts: str | None, today: str) -> str:
    """`14:05` today, `11-28` before: five characters either way."""
    if not ts:
        return "—"
    return ts[11:16] if ts[:10] == today else ts[5:10]


def list_lines(views: list[ItemView], wide: bool = False, width: int | None = None) -> list[str]:
    """One line per item at any width: ids and states never cut, the title ends in … where
    the terminal does (`--wide`: whole titles, however long the line)."""
    from datetime import UTC, datetime

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    room = max(12, (width or console.width) - len(_LIST_HEAD) - 1)
    lines = [f"[bold]{_LIST_HEAD}title[/bold]"]
    for v in views:
        title = v.title if wide or len(v.title) <= room else v.title[: room - 1] + "…"
        queued = {"waiting": "QUEUED", "claimed": "CLAIMED"}.get(v.queue or "")
        shown = queued if queued and v.state.value == "PROPOSED" else v.state.value
        if v.waiting_for:
            title = f"[waits for {', '.join(v.waiting_for)}] {title}"
        state = state_text(shown) + " " * (11 - len(shown))
        sev = _SEVERITY_SHORT.get(v.severity or "", "—")
        lines.append(
            f"{v.request_id:<17}  {state}  {v.kind or '—':<8}  {sev:<4}  {v.priority or '—':<2}  "
            f"{_when(v.updated_at, today):<5}  {escape(title)}"
        )
    return lines


def brief(event: LedgerEvent) -> str:
    """One plain line about an event, read through its action's model (not yet escaped)."""
    try:
        d = event.typed()
    except ValidationError:
        return "(details unreadable: run `orchestrate verify`)"
    if isinstance(d, ev.RequestCreated):
        return f"{d.title} (from {d.source})"
    if isinstance(d, ev.StateChanged):
        moved = f"{d.from_} → {d.to}"
        return f"{moved}  ({d.reason})" if d.reason else moved
    if isinstance(d, ev.Triaged):
        unsure = f"; {UNSURE}" if d.needs_review else ""
        return f"{d.kind}/{d.severity}/{d.priority} {d.confidence:.2f} via {d.runtime}{unsure}"
    if isinstance(d, ev.Escalated):
        return _escalation_text(d)
    if isinstance(d, ev.RoleStarted):
        return f"{d.role} round {d.round} on {d.runtime}"
    if isinstance(d, ev.RoleCompleted):
        return f"{d.role} round {d.round} via {d.runtime}: {d.summary}"
    if isinstance(d, ev.RoleFailed):
        return f"{d.role} round {d.round}: {d.error}"
    if isinstance(d, ev.Handoff):
        return f"{d.from_} → {', '.join(d.to)}"
    if isinstance(d, ev.ReviewRejected):
        return f"{d.reviewer} → {', '.join(d.senders)}: {'; '.join(d.concerns)}"
    if isinstance(d, ev.Blocked):
        return d.reason
    if isinstance(d, ev.TriageCorrected):
        old, new = d.old, d.new
        was, now = f"{old.kind}/{old.severity}/{old.priority}", f"{new.kind}/{new.severity}"
        return f"{was} → {now}/{new.priority}: {d.reason}"
    if isinstance(d, ev.RuntimeFallback):
        return f"{d.role}: {d.from_runtime} → {d.to_runtime} ({d.error_kind})"
    if isinstance(d, ev.RuntimeRetry):
        return f"{d.role} on {d.runtime}: {d.error_kind}, attempt {d.attempt}"
    if isinstance(d, ev.RuntimeEvent):
        return f"{d.runtime} ({d.role})"
    shown = [(k, v) for k, v in event.details.items() if v not in ("", None, [], {})]
    return ", ".join(f"{k}={v}" for k, v in shown[:3])


def timeline(events: list[LedgerEvent]) -> Table:
    table = Table(box=None, pad_edge=False, title="timeline", title_justify="left")
    for col in ("seq", "time", "actor", "action"):
        table.add_column(col, no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=1)
    for e in events:
        table.add_row(str(e.seq), e.ts[11:19], escape(e.actor), e.action.value, escape(brief(e)))
    return table
