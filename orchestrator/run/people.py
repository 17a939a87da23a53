"""What a person may do to an item — approve, reject, reclassify, retry — checked and recorded.

One place for the CLI, the service and the dashboard: each function checks the item's state
and the input, then writes its events in one batch (or nothing, raising an error whose exit
code the CLI returns and the service maps to a status), and says whether the run goes on.
The caller (`Orchestrator`) holds the item's run lock around the check, the write and the
run that follows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import get_args

from pydantic import BaseModel

from adapters import registry
from orchestrator.config import Config, with_roles
from orchestrator.errors import IllegalTransition, InputError, OrchestrateError
from orchestrator.ledger import LedgerRepository
from orchestrator.ledger.events import (
    Action,
    ApprovalRequested,
    Approved,
    Blocked,
    Rejected,
    TriageCorrected,
    Triaged,
    TriageVerdict,
    Unblocked,
)
from orchestrator.ledger.fold import ItemView
from orchestrator.ledger.lifecycle import State, is_open
from orchestrator.ledger.models import LedgerEvent
from orchestrator.ledger.repository import Draft
from orchestrator.run import routing
from orchestrator.run.recorder import Recorder
from roles.registry import ROLES
from roles.triage import Kind, Priority, Severity

Write = Callable[..., bool]  # (ledger, request_id, *args) -> whether the run goes on


class WaitingForPerson(OrchestrateError):
    """The item waits for `approve` or `reject`; nothing else moves it."""

    exit_code = 8


class Correction(BaseModel):
    """What a person says the triage should have been; unset fields stay as decided."""

    kind: str
    severity: str | None = None
    priority: str | None = None

    def check(self) -> None:
        """A value outside the vocabulary is bad input (exit 2)."""
        for name, value, known in (
            ("kind", self.kind, get_args(Kind)),
            ("severity", self.severity, get_args(Severity)),
            ("priority", self.priority, get_args(Priority)),
        ):
            if value is not None and value not in known:
                raise InputError(f"unknown {name} {value!r} (known: {', '.join(known)})")


def _said(what: str, value: str) -> str:
    """`--as` and `--reason` must say something: an empty one is bad input."""
    text = value.strip()
    if not text:
        raise InputError(f"{what} must not be empty")
    return text


def require_not_waiting(view: ItemView) -> None:
    if view.waiting_for:
        raise WaitingForPerson(
            f"{view.request_id} waits for a person to approve {', '.join(view.waiting_for)} "
            f"(orchestrate approve {view.request_id} --as NAME, or reject)"
        )


def _waiting(ledger: LedgerRepository, rid: str, verb: str) -> ApprovalRequested:
    """The open request for approval, or IllegalTransition naming the state."""
    view = ledger.view(rid)
    if not view.waiting_for:
        raise IllegalTransition(
            f"cannot {verb} {rid}: it is {view.state.value} and waits for no approval"
        )
    asked = _last(ledger.read_events(rid), Action.APPROVAL_REQUESTED)
    if asked is None:  # waiting_for is folded from this very event: a damaged ledger
        raise IllegalTransition(f"cannot {verb} {rid}: no APPROVAL_REQUESTED in its history")
    return asked.read(ApprovalRequested)


def _last(events: list[LedgerEvent], action: Action) -> LedgerEvent | None:
    return next((e for e in reversed(events) if e.action is action), None)


def approve(ledger: LedgerRepository, rid: str, actor: str, note: str = "") -> bool:
    """APPROVED by `actor`: the waiting stage may start, so the run goes on."""
    who = _said("--as", actor)
    asked = _waiting(ledger, rid, "approve")
    ledger.append(rid, who, Approved(stage=asked.stage, roles=asked.roles, note=note.strip()))
    return True


def reject(ledger: LedgerRepository, rid: str, actor: str, reason: str) -> bool:
    """REJECTED by `actor`: the item is BLOCKED before the waiting stage."""
    who, why = _said("--as", actor), _said("--reason", reason)
    asked = _waiting(ledger, rid, "reject")
    blocked = f"{', '.join(asked.roles)} rejected by {who}: {why}"
    ledger.append_many(
        rid,
        [
            Draft(who, Rejected(stage=asked.stage, roles=asked.roles, reason=why)),
            Draft(who, Blocked(reason=blocked, role=asked.roles[0])),
            Draft.state(State.BLOCKED, who, blocked),
        ],
    )
    return False


def reclassify(
    ledger: LedgerRepository, config: Config, rid: str, actor: str, reason: str, fix: Correction
) -> bool:
    """TRIAGE_CORRECTED by `actor`: old and new verdict. An open item goes on under the
    corrected route (finished roles stand); a finished one keeps its history."""
    who, why = _said("--as", actor), _said("--reason", reason)
    fix.check()
    events = ledger.read_events(rid)
    triaged = _last(events, Action.TRIAGED)
    if triaged is None:
        raise IllegalTransition(f"cannot reclassify {rid}: it is not triaged yet")
    decided = triaged.read(Triaged)
    earlier = _last(events, Action.TRIAGE_CORRECTED)
    old = (
        earlier.read(TriageCorrected).new
        if earlier
        else TriageVerdict(kind=decided.kind, severity=decided.severity, priority=decided.priority)
    )
    new = TriageVerdict(
        kind=fix.kind, severity=fix.severity or old.severity, priority=fix.priority or old.priority
    )
    if new == old:
        raise InputError(f"{rid} is already {old.kind}/{old.severity}/{old.priority}")
    open_ = is_open(ledger.view(rid).state)
    stages = routing.resolve(config.routing.matrix[new.kind], new.severity)
    corrected = TriageCorrected(
        old=old, new=new, reason=why, runtime=decided.runtime, stages=stages, rerouted=open_
    )
    ledger.append(rid, who, corrected)
    return open_


def retry(ledger: LedgerRepository, rid: str, actor: str, runtimes: dict[str, str]) -> bool:
    """UNBLOCKED by `actor`, and back IN_PROGRESS: the run goes on from the role that failed
    or was rejected."""
    who = _said("--as", actor)
    view = ledger.view(rid)
    if view.state is not State.BLOCKED:
        raise IllegalTransition(
            f"cannot retry {rid}: it is {view.state.value}; only a BLOCKED item can be retried"
        )
    blocked = _last(ledger.read_events(rid), Action.BLOCKED)
    role = blocked.read(Blocked).role if blocked else None
    ledger.append_many(
        rid,
        [
            Draft(who, Unblocked(role=role, runtimes=runtimes)),
            Draft.state(State.IN_PROGRESS, who, f"retry from {role or 'the start'}"),
        ],
    )
    return True


def runtime_choices(runtimes: Mapping[str, str]) -> dict[str, str]:
    """A retry's `ROLE=NAME` choices, `all` spread over the roles; the triage is not
    repeated by a retry, so it takes no choice. Unknown names are bad input (exit 2)."""
    out: dict[str, str] = {}
    for role, name in runtimes.items():
        if role != "all" and role not in ROLES:
            raise InputError(f"--runtime {role}={name}: a retry chooses runtimes for {_ROLES}")
        if not registry.is_known(name):
            raise InputError(f"unknown runtime {name!r} (known: {', '.join(registry.names())})")
        out.update(dict.fromkeys(ROLES, name) if role == "all" else {role: name})
    return out


_ROLES = ", ".join([*ROLES, "all"])


def with_runtimes(config: Config, runtimes: Mapping[str, str]) -> Config:
    """The config with a retry's choices, for its pre-flight."""
    return with_roles(config, [f"{role}={name}" for role, name in runtimes.items()])


def review_rounds(config: Config, rec: Recorder, reviewer: str) -> int:
    """The bounces `reviewer` may send back before the item blocks: `max_review_rounds`,
    and as many again (plus the one that blocked) for each retry of its block."""
    rounds = config.routing.max_review_rounds
    retries = sum(
        1 for e in rec.events if e.action is Action.UNBLOCKED and e.read(Unblocked).role == reviewer
    )
    return rounds + retries * (rounds + 1)


def chain_for(config: Config, rec: Recorder, role: str) -> list[str]:
    """The runtimes a role runs on: the newest retry's choice for it, else the config's."""
    retried = rec.find(Unblocked)
    chosen = retried.runtimes.get(role) if retried else None
    return [chosen] if chosen else config.chain_for(role)
