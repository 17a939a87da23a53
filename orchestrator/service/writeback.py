"""Between the ledger and GitHub write-back: an item's events → the `ItemState` write-back
is given, and its outcome → the WRITEBACK_* event that records it.

The comment id comes back from the ledger: the last write-back event that names one, so
every later write edits that comment instead of adding another.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from adapters.github.models import IssueRef, ItemState, Outcome
from orchestrator.ledger import fold
from orchestrator.ledger.events import (
    Action,
    TriageCorrected,
    Triaged,
    Writeback,
    WritebackDone,
    WritebackFailed,
    WritebackPlanned,
)
from orchestrator.ledger.models import LedgerEvent, RequestPacket, Source

WRITEBACK_ACTIONS = frozenset(
    {Action.WRITEBACK_PLANNED, Action.WRITEBACK_DONE, Action.WRITEBACK_FAILED}
)
_RECORDS: dict[str, type[WritebackPlanned | WritebackDone | WritebackFailed]] = {
    "planned": WritebackPlanned,
    "done": WritebackDone,
    "failed": WritebackFailed,
}


def target_of(source: Source) -> IssueRef | None:
    """The GitHub issue an item came from, if it came from one."""
    if source.kind != "github" or not source.repository or source.issue_number is None:
        return None
    try:
        return IssueRef(repository=source.repository, number=source.issue_number)
    except ValidationError:
        return None


def comment_id_of(events: Sequence[LedgerEvent]) -> int | None:
    """Our comment's id as the last write-back event that knew it recorded it."""
    for event in reversed(events):
        if event.action in WRITEBACK_ACTIONS:
            details = event.typed()
            if isinstance(details, Writeback) and details.comment_id is not None:
                return details.comment_id
    return None


def item_state(packet: RequestPacket, events: Sequence[LedgerEvent]) -> ItemState | None:
    """What write-back shows of the item now; None if it has no issue or no triage yet."""
    issue = target_of(packet.source)
    triaged = next((e for e in reversed(events) if e.action is Action.TRIAGED), None)
    if issue is None or triaged is None:
        return None
    decision = triaged.read(Triaged)
    view = fold(packet.request_id, events)
    fixed = next((e for e in reversed(events) if e.action is Action.TRIAGE_CORRECTED), None)
    rerouted = fixed.read(TriageCorrected).stages if fixed is not None else []
    stages = rerouted or decision.stages  # a person's correction may have re-routed it
    return ItemState(
        request_id=packet.request_id,
        issue=issue,
        kind=view.kind or decision.kind,  # the fold applies a person's correction
        severity=view.severity or decision.severity,
        priority=view.priority or decision.priority,
        confidence=min(1.0, max(0.0, decision.confidence)),
        needs_review=decision.needs_review,
        rationale=decision.rationale,
        stages=stages,
        state=view.state.value,
        blocked_reason=view.blocked_reason,
        comment_id=comment_id_of(events),
    )


def record_of(outcome: Outcome, trigger: str) -> WritebackPlanned | WritebackDone | WritebackFailed:
    """The ledger event details for a write-back's outcome (`trigger`: triaged, closed, …)."""
    model = _RECORDS[outcome.outcome]
    return model.model_validate({**outcome.model_dump(mode="json"), "trigger": trigger})
