"""What a run's nodes see of telemetry, and the do-nothing version used when it is off.

The run and its nodes talk to these protocols only; `orchestrator.telemetry.tracing` is the
OpenTelemetry implementation, imported only when telemetry is configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from adapters.errors import AdapterError
from adapters.events import ExecutorEvent
from adapters.observer import NO_OBSERVER, CallObserver
from orchestrator.ledger.events import CallRecord
from orchestrator.ledger.models import LedgerEvent


class AgentTrace(Protocol):
    """One role run (`invoke_agent {role}`), told how it ended and which event records it."""

    def completed(self, record: CallRecord, seq: int) -> None: ...

    def failed(self, error: AdapterError, seq: int) -> None: ...


class RunTrace(Protocol):
    """One run of one item (`invoke_workflow`): its roles, its model calls, its runtime events."""

    @property
    def observer(self) -> CallObserver: ...

    def agent(
        self, role: str, round_: int, runtime: str, kind: str | None = None
    ) -> AbstractContextManager[AgentTrace]: ...

    def event(self, event: ExecutorEvent, seq: int) -> None: ...

    def ended(self, events: Sequence[LedgerEvent]) -> None: ...


class _NoAgent:
    def completed(self, record: CallRecord, seq: int) -> None:
        return None

    def failed(self, error: AdapterError, seq: int) -> None:
        return None

    def __enter__(self) -> _NoAgent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_NO_AGENT = _NoAgent()


class _NoTrace:
    @property
    def observer(self) -> CallObserver:
        return NO_OBSERVER

    def agent(self, role: str, round_: int, runtime: str, kind: str | None = None) -> _NoAgent:
        return _NO_AGENT

    def event(self, event: ExecutorEvent, seq: int) -> None:
        return None

    def ended(self, events: Sequence[LedgerEvent]) -> None:
        return None


NO_TRACE: RunTrace = _NoTrace()
