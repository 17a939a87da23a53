"""Fold events into the item as it stands: the one place state is derived from history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import Action, LedgerEvent


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
    created_at: str | None = None
    updated_at: str | None = None
    last_seq: int = 0
    head: str | None = None
    indexed_seq: int = 0
    indexed_at: str | None = None


# The events that change what `list` shows; only they rewrite index.json.
INDEXED: frozenset[Action] = frozenset(
    {Action.REQUEST_CREATED, Action.TRIAGED, Action.STATE_CHANGED, Action.BLOCKED}
)

_ENTRY_FIELDS = (
    "request_id", "title", "state", "kind", "severity", "priority", "confidence", "route",
    "blocked_reason", "created_at",
)  # fmt: skip


def index_entry(view: ItemView) -> dict[str, Any]:
    """What `index.json` keeps per request: the summary `list` needs, as of the last event that
    changed it (`last_seq`, `updated_at`). Role records, hashes and the timeline stay in the
    events: every indexed event rewrites the whole index, so it holds only what `list` shows."""
    dumped = view.model_dump(mode="json", include=set(_ENTRY_FIELDS))
    return {**dumped, "updated_at": view.indexed_at, "last_seq": view.indexed_seq}


def _step(item: dict[str, Any], event: LedgerEvent) -> None:
    """Advance the item's fields by one event. Plain dict work, validated once at the end:
    `verify` and `reindex` fold every event, and model attribute writes cost 4x as much."""
    d = event.details
    if event.action is Action.REQUEST_CREATED:
        item["title"] = str(d.get("title", ""))
        item["created_at"] = event.ts
    elif event.action is Action.TRIAGED:
        item["kind"] = _opt(d.get("kind"))
        item["severity"] = _opt(d.get("severity"))
        item["priority"] = _opt(d.get("priority"))
        conf = d.get("confidence")
        item["confidence"] = float(conf) if isinstance(conf, int | float) else None
        route = d.get("route")
        item["route"] = [str(r) for r in route] if isinstance(route, list) else []
        item["triage_call"] = _role_fields({**d, "role": "triage"})
    elif event.action is Action.STATE_CHANGED:
        item["state"] = State(str(d.get("to")))
    elif event.action is Action.ROLE_COMPLETED:
        item.setdefault("completed", []).append(_role_fields(d))
    elif event.action is Action.BLOCKED:
        item["blocked_reason"] = _opt(d.get("reason"))
    item["last_seq"] = event.seq
    item["head"] = event.hash
    item["updated_at"] = event.ts
    if event.action in INDEXED:
        item["indexed_seq"] = event.seq
        item["indexed_at"] = event.ts


def advance(view: ItemView, event: LedgerEvent) -> ItemView:
    """The view after one more event; appenders use it to keep a cached view current."""
    item = view.model_dump()
    _step(item, event)
    return ItemView.model_validate(item)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _role_fields(d: dict[str, Any]) -> dict[str, Any]:
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
    item: dict[str, Any] = {"request_id": request_id}
    for event in events:
        if upto is not None and event.seq > upto:
            break
        _step(item, event)
    return ItemView.model_validate(item)
