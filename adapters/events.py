"""What the executor reports while it runs a call: retries, fallbacks, breaker changes.

Adapters know nothing of the ledger, so these are plain models with the vocabulary word they
stand for; the ledger records them as they are (`orchestrator.ledger.events` registers them
beside its own). `EventDetails` is the base of every ledger event's details.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict


class EventDetails(BaseModel):
    """The details of one ledger event; `action` is the vocabulary word it is recorded as.

    Unknown keys are ignored and every field added after the first release has a default,
    so lines written by an older or a newer version still read."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)

    action: ClassVar[str]


class RuntimeEvent(EventDetails):
    """About one runtime serving one role's call."""

    role: str | None = None
    runtime: str | None = None


class RuntimeTrouble(RuntimeEvent):
    """A runtime failed a call: how (`error_kind`) and why, key-free."""

    error_kind: str | None = None
    error: str | None = None


class RuntimeRetry(RuntimeTrouble):
    action: ClassVar[str] = "RUNTIME_RETRY"
    attempt: int = 1
    delay_s: float = 0.0
    retry_after_s: float | None = None


class RuntimeFallback(RuntimeTrouble):
    action: ClassVar[str] = "RUNTIME_FALLBACK"
    from_runtime: str | None = None
    to_runtime: str | None = None
    circuit: Literal["open", "closed"] = "closed"


class CircuitOpened(RuntimeTrouble):
    action: ClassVar[str] = "CIRCUIT_OPENED"
    failures: int = 0
    cooldown_s: float = 0.0


class CircuitClosed(RuntimeEvent):
    action: ClassVar[str] = "CIRCUIT_CLOSED"


ExecutorEvent = RuntimeRetry | RuntimeFallback | CircuitOpened | CircuitClosed
