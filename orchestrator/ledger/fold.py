"""Fold events into the item as it stands: the one place state is derived from history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field

from orchestrator.ledger.events import (
    Action,
    ApprovalRequested,
    Blocked,
    CallRecord,
    Claimed,
    RequestCreated,
    RoleCompleted,
    StateChanged,
    TriageCorrected,
    Triaged,
)
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent


class RoleRecord(BaseModel):
    role: str
    runtime: str | None = None
    model: str | None = None
    round: int = 1
    summary: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0


class ItemView(BaseModel):
    """What `show`, `list` and the index know about one request after some prefix of events."""

    request_id: str
    title: str = ""
    state: State = State.PROPOSED
    kind: str | None = None
    severity: str | None = None
    priority: str | None = None
    confidence: float | None = None
    route: list[str] = Field(default_factory=list)
    completed: list[RoleRecord] = Field(default_factory=list)
    triage_call: RoleRecord | None = None  # the triage gate's own model call, for accounting
    blocked_reason: str | None = None
    queue: Literal["waiting", "claimed"] | None = Field(
        default=None, description="waiting for a worker, or claimed by `worker`"
    )
    worker: str | None = None
    waiting_for: list[str] = Field(
        default_factory=list, description="roles that wait for a person's approval"
    )
    corrected: bool = Field(default=False, description="a person corrected the triage")
    created_at: str | None = None
    updated_at: str | None = None
    last_seq: int = 0
    head: str | None = None
    indexed_seq: int = 0
    indexed_at: str | None = None

    @property
    def calls(self) -> list[RoleRecord]:
        """Every model call the item cost: the triage gate's, then each role's."""
        return ([self.triage_call] if self.triage_call else []) + self.completed


# The events that change what `list` shows; only they rewrite index.json.
INDEXED: frozenset[Action] = frozenset(
    {
        Action.REQUEST_CREATED, Action.TRIAGED, Action.STATE_CHANGED, Action.BLOCKED,
        Action.QUEUED, Action.CLAIMED, Action.LEASE_EXPIRED, Action.APPROVAL_REQUESTED,
        Action.APPROVED, Action.REJECTED, Action.TRIAGE_CORRECTED, Action.UNBLOCKED,
    }
)  # fmt: skip

_ENTRY_FIELDS = (
    "request_id", "title", "state", "kind", "severity", "priority", "confidence", "route",
    "blocked_reason", "queue", "worker", "waiting_for", "corrected", "created_at",
)  # fmt: skip


_ENTRY_LISTS = ("route", "waiting_for")
_ENTRY_DEFAULTS = tuple(
    (name, ItemView.model_fields[name].get_default())
    for name in _ENTRY_FIELDS
    if name not in _ENTRY_LISTS
)


def index_entry(view: ItemView) -> dict[str, Any]:
    """What `index.json` keeps per request: the summary `list` needs, as of the last event that
    changed it (`last_seq`, `updated_at`). Role records, hashes and the timeline stay in the
    events: every indexed event rewrites the whole index, so it holds only what `list` shows."""
    dumped = view.model_dump(mode="json", include=set(_ENTRY_FIELDS))
    return {**dumped, "updated_at": view.indexed_at, "last_seq": view.indexed_seq}


def _call_fields(role: str, call: CallRecord) -> dict[str, Any]:
    return {
        "role": role,
        "runtime": call.runtime,
        "model": call.model,
        "input_tokens": call.usage.input_tokens,
        "output_tokens": call.usage.output_tokens,
        "latency_ms": call.latency_ms,
    }


def _step(item: dict[str, Any], event: LedgerEvent) -> None:
    """Advance the item's fields by one event, reading details through their models. Plain
    dict work, validated once at the end: `verify` and `reindex` fold every event."""
    action = event.action
    if action is Action.REQUEST_CREATED:
        item["title"] = event.read(RequestCreated).title
        item["created_at"] = event.ts
    elif action is Action.TRIAGED:
        triaged = event.read(Triaged)
        item.update(
            kind=triaged.kind,
            severity=triaged.severity,
            priority=triaged.priority,
            confidence=triaged.confidence,
            route=triaged.route,
            triage_call=_call_fields("triage", triaged),
        )
    elif action is Action.STATE_CHANGED:
        item["state"] = event.read(StateChanged).to
        if item["state"] in (State.CLOSED, State.BLOCKED):  # a finished run leaves the queue
            item["queue"] = item["worker"] = None
    elif action is Action.QUEUED or action is Action.LEASE_EXPIRED:
        item["queue"], item["worker"] = "waiting", None
    elif action is Action.CLAIMED:
        item["queue"], item["worker"] = "claimed", event.read(Claimed).worker
    elif action is Action.ROLE_COMPLETED:
        done = event.read(RoleCompleted)
        record = {**_call_fields(done.role, done), "round": done.round, "summary": done.summary}
        item.setdefault("completed", []).append(record)
    elif action is Action.BLOCKED:
        item["blocked_reason"] = event.read(Blocked).reason
    elif action is Action.APPROVAL_REQUESTED:  # the run stopped: it leaves the queue too
        item["waiting_for"] = event.read(ApprovalRequested).roles
        item["queue"] = item["worker"] = None
    elif action in (Action.APPROVED, Action.REJECTED):
        item["waiting_for"] = []
    elif action is Action.UNBLOCKED:
        item["blocked_reason"] = None
    elif action is Action.TRIAGE_CORRECTED:
        fixed = event.read(TriageCorrected)
        item.update(fixed.new.model_dump(), corrected=True, waiting_for=[])
        if fixed.stages:
            item["route"] = [role for stage in fixed.stages for role in stage]
    item["last_seq"] = event.seq
    item["head"] = event.hash
    item["updated_at"] = event.ts
    if action in INDEXED:
        item["indexed_seq"] = event.seq
        item["indexed_at"] = event.ts


class Folding:
    """A fold in progress, as the plain dict `_step` advances: an appender keeps one per
    request and steps it per event, and builds the (validated) view only when it needs one."""

    __slots__ = ("item",)

    def __init__(self, item: dict[str, Any]) -> None:
        self.item = item

    @classmethod
    def of(cls, request_id: str, events: Iterable[LedgerEvent]) -> Folding:
        folding = cls({"request_id": request_id})
        for event in events:
            folding.step(event)
        return folding

    def step(self, event: LedgerEvent) -> None:
        _step(self.item, event)

    def copy(self) -> Folding:
        """A copy to try a batch on: the batch may still be refused before it is written."""
        return Folding({**self.item, "completed": list(self.item.get("completed", []))})

    @property
    def state(self) -> State:
        return State(self.item.get("state", State.PROPOSED))

    @property
    def last_seq(self) -> int:
        return int(self.item.get("last_seq", 0))

    @property
    def head(self) -> str | None:
        head = self.item.get("head")
        return None if head is None else str(head)

    def view(self) -> ItemView:
        return ItemView.model_validate(self.item)

    def entry(self) -> dict[str, Any]:
        """`index_entry(self.view())` without building the view: an appender writes one per
        indexed batch, and validating the whole item (its role records too) for a dozen
        summary fields cost more than the entry's own line."""
        item = self.item
        entry = {name: item.get(name, default) for name, default in _ENTRY_DEFAULTS}
        for name in _ENTRY_LISTS:
            entry[name] = list(item.get(name, ()))
        entry["state"] = State(entry["state"]).value
        return {
            **entry,
            "updated_at": item.get("indexed_at"),
            "last_seq": item.get("indexed_seq", 0),
        }


def fold(request_id: str, events: Iterable[LedgerEvent], upto: int | None = None) -> ItemView:
    """The item after every event, or after event `upto` (time travel for `show --at`)."""
    return Folding.of(request_id, (e for e in events if upto is None or e.seq <= upto)).view()
