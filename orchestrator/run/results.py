"""What the Python API (and `submit --json`) says about an item, derived from its events."""

from __future__ import annotations

from pydantic import BaseModel, Field

from adapters.base import Usage
from orchestrator import accounting
from orchestrator.ledger import fold
from orchestrator.ledger.events import Action, Handoff, TriageCorrected, Triaged, TriageVerdict
from orchestrator.ledger.models import LedgerEvent
from orchestrator.run import routing


class HandoffLine(BaseModel):
    from_role: str
    to: list[str]
    runtime: str | None
    round: int
    summary: str | None = None


class TriageView(BaseModel):
    kind: str
    severity: str
    priority: str
    confidence: float
    rationale: str
    signals: list[str]
    needs_review: bool = False
    runtime: str | None
    model: str | None = None
    escalated_from: str | None = Field(
        default=None, description="the runtime that was unsure, when another one decided"
    )


class SubmitResult(BaseModel):
    request_id: str
    created: bool = True
    state: str
    triage: TriageView | None
    route: list[str]
    stages: list[list[str]]
    handoffs: list[HandoffLine]
    blocked_reason: str | None = None
    correction: TriageVerdict | None = Field(
        default=None, description="what a person corrected the triage to, if anyone did"
    )
    waiting_for: list[str] = Field(
        default_factory=list, description="roles that wait for a person's approval"
    )
    usage: Usage = Field(default_factory=Usage)
    duplicate_of: str | None = Field(
        default=None, description="an earlier request with identical text (a warning only)"
    )

    @classmethod
    def pending(cls, request_id: str) -> SubmitResult:
        """An item whose creator has not written its first event yet."""
        return cls(
            request_id=request_id, created=False, state="PROPOSED", triage=None, route=[],
            stages=[], handoffs=[],
        )  # fmt: skip


def _triaged(events: list[LedgerEvent]) -> Triaged | None:
    last = next((e for e in reversed(events) if e.action is Action.TRIAGED), None)
    return None if last is None else last.read(Triaged)


def _triage_view(triaged: Triaged) -> TriageView:
    first = triaged.escalated_from
    view = triaged.model_dump(exclude={"escalated_from"})
    return TriageView.model_validate({**view, "escalated_from": first.runtime if first else None})


def _handoff(event: LedgerEvent) -> HandoffLine:
    h = event.read(Handoff)
    return HandoffLine(
        from_role=h.from_, to=h.to, runtime=h.runtime, round=h.round, summary=h.summary
    )


def result_of(request_id: str, events: list[LedgerEvent], created: bool = True) -> SubmitResult:
    """One read of the events, folded once."""
    view = fold(request_id, events)
    triaged = _triaged(events)
    last = next((e for e in reversed(events) if e.action is Action.TRIAGE_CORRECTED), None)
    fixed = last.read(TriageCorrected) if last else None
    stages = fixed.stages if fixed else triaged.stages if triaged else []
    in_route = set(routing.flatten(stages))
    costs = accounting.total(view.calls)
    return SubmitResult(
        request_id=request_id,
        created=created,
        state=view.state.value,
        triage=None if triaged is None else _triage_view(triaged),
        route=[r.role for r in view.completed if r.role in in_route],
        stages=stages,
        handoffs=[_handoff(e) for e in events if e.action is Action.HANDOFF],
        blocked_reason=view.blocked_reason,
        correction=fixed.new if fixed else None,
        waiting_for=view.waiting_for,
        usage=Usage(input_tokens=costs.input_tokens, output_tokens=costs.output_tokens),
    )
