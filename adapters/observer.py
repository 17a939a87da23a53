"""Who watches each model call the executor makes: tracing, metrics — or, by default, nobody.

Adapters know nothing of OpenTelemetry (or of the orchestrator), so the executor reports
through this small protocol; `orchestrator.telemetry` implements it when tracing or metrics
are configured. The default does nothing and costs one call per attempt.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from adapters.base import AgentCall, RawReply


class CallWatch(Protocol):
    """One model call in flight. The call's outcome is the context manager's exit: normal,
    or the exception it raised (a reply that failed validation counts as failed)."""

    def replied(self, raw: RawReply) -> None:
        """The provider answered (before validation): model, usage and text."""


class CallObserver(Protocol):
    def model_call(
        self, runtime: str, call: AgentCall[Any], model: str
    ) -> AbstractContextManager[CallWatch]:
        """Around one attempt of `call` on `runtime`, asking for `model`."""


class _Unwatched:
    def replied(self, raw: RawReply) -> None:
        return None

    def __enter__(self) -> _Unwatched:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_UNWATCHED = _Unwatched()


class _NoObserver:
    def model_call(self, runtime: str, call: AgentCall[Any], model: str) -> _Unwatched:
        return _UNWATCHED


NO_OBSERVER: CallObserver = _NoObserver()
