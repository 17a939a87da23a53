"""Run one AgentCall on a chain of runtimes: validate, retry, fall back, and report events.

This is the single resilience layer every runtime shares (one retry policy, never stacked
on an SDK's own retries). Events go to a sink as (action, details), so adapters stay free
of the ledger.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, JsonValue, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from adapters import registry
from adapters.base import AgentCall, AgentReply, Runtime, RuntimeSettings
from adapters.errors import AdapterError, InvalidReply

EventSink = Callable[[str, dict[str, JsonValue]], None]


class RetryPolicy(BaseModel):
    max_attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    deadline_s: float = 300.0


class ChainExhausted(AdapterError):
    """Every runtime in the chain failed; `failures` says how, runtime by runtime."""

    kind = "exhausted"

    def __init__(self, role: str, failures: list[tuple[str, AdapterError]]) -> None:
        last = "; ".join(f"{name}: {exc.kind}: {exc}" for name, exc in failures)
        super().__init__(f"role {role}: every runtime failed ({last})")
        self.failures = failures


def extract_json(text: str) -> str:
    """Models wrap JSON in prose or fences; take the outermost object."""
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        raise InvalidReply("reply holds no JSON object")
    return text[start : end + 1]


def _no_event(action: str, details: dict[str, JsonValue]) -> None:
    return None


class Executor:
    def __init__(
        self,
        settings: Mapping[str, RuntimeSettings] | None = None,
        policy: RetryPolicy | None = None,
        sink: EventSink | None = None,
        sleep: Callable[[float], None] = time.sleep,
        state_dir: Path | None = None,
    ) -> None:
        self.settings = dict(settings or {})
        self.policy = policy or RetryPolicy()
        self.sink = sink or _no_event
        self._sleep = sleep
        self.state_dir = state_dir  # where cross-process runtime state (breakers) lives
        self._runtimes: dict[str, Runtime] = {}

    def runtime(self, name: str) -> Runtime:
        if name not in self._runtimes:
            self._runtimes[name] = registry.create(name, self.settings.get(name))
        return self._runtimes[name]

    def run(self, call: AgentCall, chain: Sequence[str]) -> AgentReply:
        failures: list[tuple[str, AdapterError]] = []
        for position, name in enumerate(chain):
            try:
                return self._run_one(name, call)
            except AdapterError as exc:
                failures.append((name, exc))
                if position + 1 < len(chain):
                    self.sink(
                        "RUNTIME_FALLBACK",
                        {
                            "role": call.role,
                            "from_runtime": name,
                            "to_runtime": chain[position + 1],
                            "error_kind": exc.kind,
                            "error": str(exc)[:500],
                        },
                    )
        raise ChainExhausted(call.role, failures)

    def _run_one(self, name: str, call: AgentCall) -> AgentReply:
        runtime = self.runtime(name)
        settings = self.settings.get(name) or RuntimeSettings()
        model = call.model or settings.model
        state: dict[str, str | None] = {"feedback": None}
        started = time.perf_counter()

        def attempt() -> AgentReply:
            this = call.model_copy(update={"feedback": state["feedback"], "model": model})
            raw = runtime.invoke(this)
            try:
                output = call.output_type.model_validate_json(extract_json(raw.text))
            except (ValidationError, InvalidReply) as exc:
                state["feedback"] = _feedback(exc)
                raise InvalidReply(f"reply failed validation: {state['feedback']}") from None
            return AgentReply(
                output=output,
                raw=raw.text,
                runtime=name,
                model=raw.model,
                usage=raw.usage,
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
                session_id=raw.session_id,
                extra=raw.extra,
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts)
            | stop_after_delay(self.policy.deadline_s),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, AdapterError) and e.retryable),
            before_sleep=lambda rs: self._retrying(name, call.role, rs),
            sleep=self._sleep,
            reraise=True,
        )
        for tried in retrying:
            with tried:
                reply = attempt()
        reply.attempts = retrying.statistics.get("attempt_number", 1)
        return reply

    def _wait(self, rs: RetryCallState) -> float:
        backoff = wait_exponential_jitter(
            initial=self.policy.base_delay_s, max=self.policy.max_delay_s
        )(rs)
        exc = rs.outcome.exception() if rs.outcome else None
        hinted = getattr(exc, "retry_after", None) or 0.0
        return min(max(backoff, hinted), self.policy.max_delay_s)

    def _retrying(self, name: str, role: str, rs: RetryCallState) -> None:
        exc = rs.outcome.exception() if rs.outcome else None
        self.sink(
            "RUNTIME_RETRY",
            {
                "role": role,
                "runtime": name,
                "attempt": rs.attempt_number,
                "error_kind": getattr(exc, "kind", "error"),
                "error": str(exc)[:500],
                "delay_s": round(rs.upcoming_sleep, 3),
            },
        )


def _feedback(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
    return str(exc)
