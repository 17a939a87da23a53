"""Fold events into the item as it stands: the one place state is derived from history."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from orchestrator.models import Action, LedgerEvent
from orchestrator.states import State


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
    blocked_reason: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    last_seq: int = 0
    head: str | None = None


def _apply(view: ItemView, event: LedgerEvent) -> None:
    d = event.details
    if event.action is Action.REQUEST_CREATED:
        view.title = str(d.get("title", ""))
        view.created_at = event.ts
    elif event.action is Action.TRIAGED:
        view.kind = _opt(d.get("kind"))
        view.severity = _opt(d.get("severity"))
        view.priority = _opt(d.get("priority"))
        conf = d.get("confidence")
        view.confidence = float(conf) if isinstance(conf, int | float) else None
        route = d.get("route")
        view.route = [str(r) for r in route] if isinstance(route, list) else []
    elif event.action is Action.STATE_CHANGED:
        view.state = State(str(d.get("to")))
    elif event.action is Action.ROLE_COMPLETED:
        view.completed.append(RoleRecord.model_validate(_role_fields(d)))
    elif event.action is Action.BLOCKED:
        view.blocked_reason = _opt(d.get("reason"))
    view.last_seq = event.seq
    view.head = event.hash
    view.updated_at = event.ts


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _role_fields(d: dict) -> dict:
    usage = d.get("usage") if isinstance(d.get("usage"), dict) else {}
    return {
        "role": d.get("role"),
        "runtime": d.get("runtime"),
        "model": d.get("model"),
        "round": d.get("round", 1),
        "summary": d.get("summary", ""),
        "input_tokens": usage.get("input_tokens", 0) or 0,
        "output_tokens": usage.get("output_tokens", 0) or 0,
        "latency_ms": d.get("latency_ms", 0.0) or 0.0,
    }


def fold(request_id: str, events: Iterable[LedgerEvent], upto: int | None = None) -> ItemView:
    """The item after every event, or after event `upto` (time travel for `show --at`)."""
    view = ItemView(request_id=request_id)
    for event in events:
        if upto is not None and event.seq > upto:
            break
        _apply(view, event)
    return view
