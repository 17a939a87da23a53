"""Approval gates: before a stage starts, does a person have to say yes first?

The run stops at the gate (APPROVAL_REQUESTED) and its process ends; `approve` records
APPROVED and runs the item again from the ledger, where every finished step is skipped and
this gate now lets the stage through. So a pause needs no live process, no checkpoint and no
second mechanism beside resume.
"""

from __future__ import annotations

from orchestrator.config import Config
from orchestrator.ledger.events import Action, ApprovalRequested, Approved, Rejected
from orchestrator.ledger.models import LedgerEvent
from orchestrator.run.recorder import Recorder
from orchestrator.run.routing import SEVERITY_RANK
from orchestrator.run.state import DecisionState

_GATE: dict[Action, type[ApprovalRequested | Approved | Rejected]] = {
    Action.APPROVAL_REQUESTED: ApprovalRequested,
    Action.APPROVED: Approved,
    Action.REJECTED: Rejected,
}


def needed(
    config: Config, decision: DecisionState, index: int, stage: list[str]
) -> tuple[list[str], str]:
    """The roles of stage `index` that wait for a person under `[approvals]`, and why."""
    rules = config.approvals
    bar = rules.severity_at_or_above
    severity = decision["severity"]
    if index == 0 and bar is not None and SEVERITY_RANK[severity] >= SEVERITY_RANK[bar]:
        return list(stage), f"severity {severity} is at or above {bar}"
    named = rules.roles_for(decision["kind"])
    return [role for role in stage if role in named], f"[approvals] {decision['kind']} = {named}"


def last_gate(events: list[LedgerEvent], index: int, roles: list[str]) -> LedgerEvent | None:
    """The newest gate event for this stage and these roles."""
    for event in reversed(events):
        model = _GATE.get(event.action)
        if model is not None:
            details = event.read(model)
            if details.stage == index and details.roles == roles:
                return event
    return None


def waits(
    config: Config, rec: Recorder, decision: DecisionState, index: int, stage: list[str]
) -> bool:
    """Whether the run stops before stage `index`: asks (once) unless a person approved it.
    A rejection that was retried since asks again."""
    roles, why = needed(config, decision, index, stage)
    if not roles:
        return False
    last = last_gate(rec.events, index, roles)
    if last is not None and last.action is Action.APPROVED:
        return False
    if last is None or last.action is Action.REJECTED:
        rec.append("orchestrator", ApprovalRequested(stage=index, roles=roles, reason=why))
    return True
