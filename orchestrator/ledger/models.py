"""Boundary models of the ledger: the immutable request packet and one event line."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    """UTC ISO-8601 with microseconds and a `Z`, the one timestamp format in the ledger."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


class RequestPacket(BaseModel):
    """What the user submitted, written once and never changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    created_at: str
    title: str
    text: str
    source: str = "cli"
    idempotency_key: str | None = None


class LedgerEvent(BaseModel):
    """One line of `events/REQ.jsonl`; `hash` chains it to the line before via `prev`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=1)
    ts: str
    request_id: str
    actor: str
    action: Action
    details: dict[str, JsonValue] = Field(default_factory=dict)
    prev: str
    hash: str
