"""The ledger's vocabulary: one action per kind of event, one pydantic model per action's details.

Writers build a details model and hand it to a `Draft`; readers (fold, show, replay, the
Python API) parse an event's raw details back through the same model with `read()`. The raw
dict stays on the line as written, because the hash covers it byte for byte: a model only
interprets it. Every field added after the first release has a default, and unknown keys are
ignored, so a ledger written by an older (or newer) version still reads. The executor's own reports
(retries, fallbacks, breakers) are defined beside it in `adapters.events`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal, Self, TypeVar

from pydantic import BaseModel, Field, JsonValue

from adapters.base import AgentReply, Usage
from adapters.events import CircuitClosed as CircuitClosed
from adapters.events import CircuitOpened as CircuitOpened
from adapters.events import EventDetails as EventDetails
from adapters.events import RuntimeEvent as RuntimeEvent
from adapters.events import RuntimeFallback as RuntimeFallback
from adapters.events import RuntimeRetry as RuntimeRetry
from adapters.events import RuntimeTrouble as RuntimeTrouble
from orchestrator.ledger.lifecycle import State
from prompts import Prompt


class Action(StrEnum):
    REQUEST_CREATED = "REQUEST_CREATED"
    TRIAGED = "TRIAGED"
    STATE_CHANGED = "STATE_CHANGED"
    ROLE_STARTED = "ROLE_STARTED"
    HANDOFF = "HANDOFF"
    ROLE_COMPLETED = "ROLE_COMPLETED"
    ROLE_FAILED = "ROLE_FAILED"
    REVIEW_REJECTED = "REVIEW_REJECTED"
    RUNTIME_RETRY = "RUNTIME_RETRY"
    RUNTIME_FALLBACK = "RUNTIME_FALLBACK"
    CIRCUIT_OPENED = "CIRCUIT_OPENED"
    CIRCUIT_CLOSED = "CIRCUIT_CLOSED"
    BLOCKED = "BLOCKED"
    REPLAYED = "REPLAYED"
    RESUMED = "RESUMED"
    LEDGER_REPAIRED = "LEDGER_REPAIRED"
    ESCALATED = "ESCALATED"
    REQUEST_EDITED = "REQUEST_EDITED"
    ALERT_RESOLVED = "ALERT_RESOLVED"
    WRITEBACK_PLANNED = "WRITEBACK_PLANNED"
    WRITEBACK_DONE = "WRITEBACK_DONE"
    WRITEBACK_FAILED = "WRITEBACK_FAILED"
    QUEUED = "QUEUED"
    CLAIMED = "CLAIMED"
    LEASE_EXPIRED = "LEASE_EXPIRED"
    APPROVAL_REQUESTED = "APPROVAL_REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    TRIAGE_CORRECTED = "TRIAGE_CORRECTED"
    UNBLOCKED = "UNBLOCKED"


Details = EventDetails  # the type of any action's details (the base class lives in adapters)


class CallRecord(EventDetails):
    """One model call, recorded so the decision can be replayed without the network."""

    runtime: str | None = None
    model: str | None = None
    prompt: str | None = None
    prompt_sha256: str | None = None
    raw: str | None = None
    usage: Usage = Field(default_factory=Usage)
    latency_ms: float = 0.0
    attempts: int = 1

    @classmethod
    def of(cls, reply: AgentReply[Any], prompt: Prompt | None, **fields: Any) -> Self:
        """The record of `reply` (asked with `prompt`), plus the action's own fields."""
        return cls(
            runtime=reply.runtime,
            model=reply.model,
            prompt=prompt.name if prompt else None,
            prompt_sha256=prompt.sha256 if prompt else None,
            raw=reply.raw,
            usage=reply.usage,
            latency_ms=reply.latency_ms,
            attempts=reply.attempts,
            **fields,
        )


class RequestCreated(EventDetails):
    action: ClassVar[str] = Action.REQUEST_CREATED
    title: str = ""
    source: str = "cli"
    packet_sha256: str = ""
    idempotency_key: str | None = None


class FirstVerdict(CallRecord):
    """The offline (first) runtime's decision when it was escalated, kept beside the final
    one so both can be shown, replayed and counted."""

    kind: str
    severity: str
    priority: str
    confidence: float
    rationale: str = ""
    needs_review: bool = False


class ClassifierRef(BaseModel):
    """Which offline model file decided (the `mock` runtime's triage), so replay can say so."""

    payload_sha256: str
    path: str = Field(default="", description="the file, or `packaged` for the shipped one")
    created: str = ""


class Triaged(CallRecord):
    action: ClassVar[str] = Action.TRIAGED
    kind: str
    severity: str
    priority: str
    confidence: float
    rationale: str = ""
    signals: list[str] = Field(default_factory=list)
    needs_review: bool = False
    route: list[str] = Field(default_factory=list)
    stages: list[list[str]] = Field(default_factory=list)
    escalated_from: FirstVerdict | None = Field(
        default=None, description="the unsure first verdict, when another runtime decided"
    )
    classifier: ClassifierRef | None = Field(
        default=None, description="the offline model that decided, when the mock runtime did"
    )


class StateChanged(EventDetails):
    """`from_` is filled in by the ledger under its lock; writers name only `to`."""

    action: ClassVar[str] = Action.STATE_CHANGED
    from_: State | None = Field(default=None, alias="from")
    to: State
    reason: str = ""


class RoleStarted(EventDetails):
    action: ClassVar[str] = Action.ROLE_STARTED
    role: str
    round: int = 1
    runtime: str | None = None
    stage: int = 0


class RoleCompleted(CallRecord):
    action: ClassVar[str] = Action.ROLE_COMPLETED
    role: str
    round: int = 1
    output: dict[str, JsonValue] = Field(default_factory=dict)
    summary: str = ""
    session_id: str | None = None
    extra: dict[str, JsonValue] = Field(default_factory=dict)


class RoleFailed(EventDetails):
    action: ClassVar[str] = Action.ROLE_FAILED
    role: str
    round: int = 1
    error: str = ""


class Handoff(EventDetails):
    action: ClassVar[str] = Action.HANDOFF
    from_: str = Field(alias="from")
    to: list[str] = Field(default_factory=list)
    round: int = 1
    runtime: str | None = None
    summary: str | None = None


class ReviewRejected(EventDetails):
    action: ClassVar[str] = Action.REVIEW_REJECTED
    reviewer: str
    senders: list[str] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list)
    bounce: int = 1


class Blocked(EventDetails):
    action: ClassVar[str] = Action.BLOCKED
    reason: str = ""
    role: str | None = None


class Change(BaseModel):
    """One field a replay found different: recorded value, and what today's code says."""

    field: Literal["kind", "severity", "priority", "route", "parse"]
    recorded: str
    now: str


class ReplayedDecision(BaseModel):
    kind: str
    severity: str
    priority: str
    stages: list[list[str]] = Field(default_factory=list)
    route: list[str] = Field(default_factory=list)


class Replayed(CallRecord):
    """A replay's outcome; the call fields are set only when a runtime was asked afresh."""

    action: ClassVar[str] = Action.REPLAYED
    source: str = "record"
    status: Literal["unchanged", "changed", "error", "skipped"]
    triaged_seq: int | None = None
    changes: list[Change] = Field(default_factory=list)
    now: ReplayedDecision | None = None
    prompt_changed: bool = False
    error: str | None = None


class Escalated(EventDetails):
    """The first verdict was unsure, so `to_runtime` was asked; `error` if it could not answer
    (the first verdict then stands, marked for review)."""

    action: ClassVar[str] = Action.ESCALATED
    from_runtime: str | None = None
    to_runtime: str
    confidence: float
    below: float | None = None
    error: str | None = None


class Resumed(EventDetails):
    action: ClassVar[str] = Action.RESUMED
    from_seq: int = 0
    from_checkpoint: bool = False


class LedgerRepaired(EventDetails):
    action: ClassVar[str] = Action.LEDGER_REPAIRED
    torn_bytes: int = 0
    fragment_sha256: str = ""
    quarantined_to: str = ""


class RequestEdited(EventDetails):
    """The item's source changed its text (a GitHub issue was edited). The packet stays as
    it was submitted; this is how the ticket reads now, and which delivery said so."""

    action: ClassVar[str] = Action.REQUEST_EDITED
    title: str = ""
    text: str = ""
    changed: list[str] = Field(default_factory=list, description="what the source says changed")
    delivery: str | None = None


class Queued(EventDetails):
    """The item waits for a worker (`submit --detach`, the service): it is in the ledger and
    will be run, even across a restart."""

    action: ClassVar[str] = Action.QUEUED
    via: str = Field(default="cli", description="who queued it: cli, api, a webhook source")
    trace: dict[str, str] = Field(
        default_factory=dict,
        description="W3C trace context (traceparent, …) of the request that queued it; the "
        "worker's run continues that trace",
    )


class Claimed(EventDetails):
    """A worker took the item; it holds it while its lease is renewed."""

    action: ClassVar[str] = Action.CLAIMED
    worker: str
    lease_s: float
    attempt: int = Field(default=1, description="1 for the first claim, +1 per takeover")


class LeaseExpired(EventDetails):
    """The worker that held the item stopped renewing its lease (it died); another takes over
    and resumes from the ledger, repeating no completed role."""

    action: ClassVar[str] = Action.LEASE_EXPIRED
    worker: str = Field(description="the worker whose lease ran out")
    expired_at: str | None = None


class AlertResolved(EventDetails):
    """The alert group the item was made for stopped firing."""

    action: ClassVar[str] = Action.ALERT_RESOLVED
    group_key: str
    ended_at: str | None = Field(default=None, description="the latest endsAt, UTC ISO-8601")
    alerts: int = Field(default=0, description="resolved alerts in the notification")


class Writeback(EventDetails):
    """What every write-back event names: the issue, why now, the labels it wants there
    (the allowlisted set for the current triage) and our one comment's id, if known."""

    target: str = Field(default="", description="owner/name#number")
    trigger: str = Field(default="", description="what prompted it: triaged, closed, updated")
    labels: list[str] = Field(default_factory=list)
    comment_id: int | None = None


class WritebackPlanned(Writeback):
    """`[github] write = false`: what would have been written, and nothing was."""

    action: ClassVar[str] = Action.WRITEBACK_PLANNED
    comment: str = Field(default="", description="the comment body that would be posted")


class WritebackDone(Writeback):
    action: ClassVar[str] = Action.WRITEBACK_DONE
    labels_added: list[str] = Field(default_factory=list)
    labels_removed: list[str] = Field(default_factory=list)
    comment_action: Literal["created", "updated"] = "created"
    comment_url: str | None = None
    status: int | None = Field(default=None, description="the last HTTP status")
    attempts: int = 1
    calls: int = 0


class WritebackFailed(Writeback):
    """The write-back gave up (the run goes on); `comment_id` is set if the comment was
    written before the failure, so the next write-back edits it instead of adding one."""

    action: ClassVar[str] = Action.WRITEBACK_FAILED
    error_kind: str = "error"
    error: str = ""
    status: int | None = None
    attempts: int = 1
    calls: int = 0
    retry_after_s: float | None = None
    labels_applied: bool = False


class ApprovalRequested(EventDetails):
    """The run stopped before `stage`: `roles` may not start until a person approves."""

    action: ClassVar[str] = Action.APPROVAL_REQUESTED
    stage: int
    roles: list[str]
    reason: str = Field(default="", description="which [approvals] rule asked for it")


class Approved(EventDetails):
    """A person (the event's actor) let the waiting stage start."""

    action: ClassVar[str] = Action.APPROVED
    stage: int
    roles: list[str]
    note: str = ""


class Rejected(EventDetails):
    """A person (the event's actor) refused the waiting stage; the item is blocked."""

    action: ClassVar[str] = Action.REJECTED
    stage: int
    roles: list[str]
    reason: str


class TriageVerdict(BaseModel):
    """Kind, severity and priority: what a correction changes."""

    kind: str
    severity: str
    priority: str


class TriageCorrected(EventDetails):
    """A person (the event's actor) corrected the triage; `runtime` decided the old verdict."""

    action: ClassVar[str] = Action.TRIAGE_CORRECTED
    old: TriageVerdict
    new: TriageVerdict
    reason: str
    runtime: str | None = None
    stages: list[list[str]] = Field(default_factory=list, description="the corrected route")
    rerouted: bool = Field(default=False, description="the item was open, so it runs on")


class Unblocked(EventDetails):
    """A person (the event's actor) sent a BLOCKED item back to work from `role`."""

    action: ClassVar[str] = Action.UNBLOCKED
    role: str | None = Field(default=None, description="the role that failed or was rejected")
    runtimes: dict[str, str] = Field(default_factory=dict, description="role → runtime for it")


MODELS: dict[Action, type[Details]] = {
    Action(model.action): model
    for model in (
        RequestCreated, Triaged, StateChanged, RoleStarted, RoleCompleted, RoleFailed, Handoff,
        ReviewRejected, RuntimeRetry, RuntimeFallback, CircuitOpened, CircuitClosed, Blocked,
        Replayed, Resumed, LedgerRepaired, Escalated, RequestEdited, AlertResolved,
        WritebackPlanned, WritebackDone, WritebackFailed, Queued, Claimed, LeaseExpired,
        ApprovalRequested, Approved, Rejected, TriageCorrected, Unblocked,
    )
}  # fmt: skip

D = TypeVar("D", bound=Details)


def dump(details: Details) -> dict[str, JsonValue]:
    """The dict a line stores: JSON types, wire names (`from`), every field (None included)."""
    return details.model_dump(mode="json", by_alias=True)
