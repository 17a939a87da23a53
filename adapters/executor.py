"""Run one AgentCall on a chain of runtimes: validate, retry, break circuits, fall back, report.

This is the single resilience layer every runtime shares (one retry policy, never stacked
on an SDK's own retries: the SDK clients are built with `max_retries=0`). Events go to a
sink as (action, details), so adapters stay free of the ledger:

- `RUNTIME_RETRY`: a transient failure (429, 408, 5xx, connection, timeout) is retried
  after exponential backoff with jitter, never sooner than the server's `Retry-After`;
  an invalid reply is re-asked at once with the validation error fed back.
- `CIRCUIT_OPENED` / `CIRCUIT_CLOSED`: the per-runtime breaker (`adapters.breaker`),
  persisted under `state_dir` so it outlives the process.
- `RUNTIME_FALLBACK`: the runtime gave up (retries spent, auth, permanent error, open
  circuit); the next runtime of the role's chain is tried.

Bounds: `max_attempts` transient tries and `max_invalid_replies` re-asks per runtime, and
one overall `deadline_s` per `run`; each request's timeout is the least of the call's, the
runtime's `timeout_s` and what the deadline leaves. Once the deadline passes nothing more is
tried, not even a fallback. Auth (401/403, missing key) and permanent (400/404) errors are
never retried and never count against the breaker; they fall back at once. Every error text
that leaves here goes through `adapters.secrets.redact`. Each attempt is also shown to an
`observer` (`adapters.observer`: tracing and metrics when configured, else nobody).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception

from adapters import registry
from adapters.base import AgentCall, AgentReply, RawReply, Runtime, RuntimeSettings, T
from adapters.breaker import Breakers, CircuitOpen
from adapters.errors import (
    AdapterError,
    AuthError,
    InvalidReply,
    PermanentError,
    TransientError,
)
from adapters.events import (
    CircuitClosed,
    CircuitOpened,
    ExecutorEvent,
    RuntimeFallback,
    RuntimeRetry,
    RuntimeTrouble,
)
from adapters.observer import NO_OBSERVER, CallObserver
from adapters.policy import RetryPolicy
from adapters.secrets import redact

EventSink = Callable[[ExecutorEvent], None]

_MAX_ERROR = 500


class ChainExhausted(AdapterError):
    """Every runtime in the chain failed; `failures` says how, runtime by runtime."""

    kind = "exhausted"

    def __init__(self, role: str, failures: list[tuple[str, AdapterError]]) -> None:
        last = "; ".join(
            f"{name}: {exc.kind}: {str(exc).removeprefix(f'{name}: ')}" for name, exc in failures
        )
        super().__init__(redact(f"role {role}: every runtime failed ({last})"))
        self.failures = failures


class DeadlineExceeded(AdapterError):
    """The call's overall deadline passed; nothing further is tried."""

    kind = "deadline"


def extract_json(text: str) -> str:
    """Models wrap JSON in prose or fences; take the outermost object."""
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        raise InvalidReply("reply holds no JSON object")
    return text[start : end + 1]


def _no_event(event: ExecutorEvent) -> None:
    return None


class _Tries:
    """Per-runtime bookkeeping of one run: what failed how often, and the feedback to send."""

    def __init__(self) -> None:
        self.transient = 0
        self.invalid = 0
        self.feedback: str | None = None
        self.breaker_opened = False


class Executor:
    def __init__(
        self,
        settings: Mapping[str, RuntimeSettings] | None = None,
        policy: RetryPolicy | None = None,
        sink: EventSink | None = None,
        sleep: Callable[[float], None] = time.sleep,
        state_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        observer: CallObserver = NO_OBSERVER,
    ) -> None:
        self.settings = dict(settings or {})
        self.policy = policy or RetryPolicy()
        self.sink = sink or _no_event
        self.observer = observer
        self._sleep = sleep
        self._clock = clock
        self.breakers = Breakers(
            state_dir,
            threshold=self.policy.breaker_threshold,
            cooldown_s=self.policy.breaker_cooldown_s,
        )
        self._runtimes: dict[str, Runtime[Any]] = {}
        self._lock = threading.Lock()

    def runtime(self, name: str) -> Runtime[Any]:
        """The run's instance of runtime `name`, built once."""
        with self._lock:
            if name not in self._runtimes:
                self._runtimes[name] = registry.create(name, self.settings.get(name))
            return self._runtimes[name]

    # -- the chain ---------------------------------------------------------------------
    def run(self, call: AgentCall[T], chain: Sequence[str]) -> AgentReply[T]:
        deadline = self._clock() + self.policy.deadline_s
        failures: list[tuple[str, AdapterError]] = []
        for position, name in enumerate(chain):
            if self._clock() >= deadline:
                failures.append((name, self._deadline_error(call)))
                break
            try:
                return self._run_one(name, call, deadline)
            except AdapterError as exc:
                failures.append((name, exc))
                if self._clock() >= deadline:
                    if not isinstance(exc, DeadlineExceeded):
                        failures.append(("(deadline)", self._deadline_error(call)))
                    break
                if position + 1 < len(chain):
                    self._emit(
                        RuntimeFallback(
                            role=call.role,
                            runtime=name,
                            from_runtime=name,
                            to_runtime=chain[position + 1],
                            error_kind=exc.kind,
                            error=str(exc),
                            circuit="open" if self.breakers.is_open(name) else "closed",
                        )
                    )
        raise ChainExhausted(call.role, failures)

    def _deadline_error(self, call: AgentCall[Any]) -> DeadlineExceeded:
        return DeadlineExceeded(f"role {call.role}: deadline of {self.policy.deadline_s:g}s passed")

    # -- one runtime ---------------------------------------------------------------------
    def _run_one(self, name: str, call: AgentCall[T], deadline: float) -> AgentReply[T]:
        self._admit(name)  # before loading the runtime: an open circuit costs no SDK import
        try:
            runtime = self.runtime(name)
        except AdapterError:
            raise
        except Exception as exc:  # a broken plugin or bad settings: fall back, don't crash
            raise PermanentError(
                redact(f"{name}: cannot start: {type(exc).__name__}: {exc}")
            ) from None
        runtime.prepare()  # pre-flight (key, executable, script): NotReady falls back at once
        with contextlib.suppress(Exception):  # invoke() reports the same problem, classified
            runtime.warm()  # one-time SDK import and client setup, outside the latency
        settings = runtime.settings
        model = call.model or settings.model
        tries = _Tries()
        started = time.perf_counter()

        def attempt() -> AgentReply[T]:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._deadline_error(call)
            this = call.model_copy(
                update={
                    "feedback": tries.feedback,
                    "model": model,
                    "timeout_s": max(0.001, min(call.timeout_s, settings.timeout_s, remaining)),
                }
            )
            with self.observer.model_call(name, this, runtime.model_for(this)) as watch:
                raw = self._invoke(name, runtime, this, tries)
                watch.replied(raw)
                try:
                    output = call.output_type.model_validate_json(extract_json(raw.text))
                except (ValidationError, InvalidReply) as exc:
                    tries.invalid += 1
                    tries.feedback = _feedback(exc)
                    raise InvalidReply(f"reply failed validation: {tries.feedback}") from None
            return AgentReply[T](
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
            stop=lambda rs: self._stop(name, rs, tries, deadline),
            wait=lambda rs: self._wait(rs, tries),
            retry=retry_if_exception(lambda e: isinstance(e, AdapterError) and e.retryable),
            before_sleep=lambda rs: self._retrying(name, call.role, rs),
            sleep=self._sleep,
            reraise=True,
        )
        reply: AgentReply[T] | None = None
        for tried in retrying:
            with tried:
                reply = attempt()
        assert reply is not None
        reply.attempts = retrying.statistics.get("attempt_number", 1)
        return reply

    def _admit(self, name: str) -> None:
        admission = self.breakers.admit(name)
        if admission.allowed:
            return
        st = admission.state
        raise CircuitOpen(
            redact(
                f"{name}: circuit open after {st.failures} consecutive failures "
                f"(last: {st.last_error_kind}: {st.last_error}); "
                f"next trial in {self.breakers.retry_in(st):.0f}s"
            )
        )

    def _invoke(
        self, name: str, runtime: Runtime[Any], call: AgentCall[Any], tries: _Tries
    ) -> RawReply:
        try:
            raw = runtime.invoke(call)
        except TransientError as exc:
            tries.transient += 1
            change = self.breakers.failure(name, exc)
            if change.opened:
                tries.breaker_opened = True
                self._emit(
                    CircuitOpened(
                        runtime=name,
                        role=call.role,
                        failures=change.state.failures,
                        cooldown_s=self.breakers.cooldown_s,
                        error_kind=exc.kind,
                        error=str(exc),
                    )
                )
            raise
        except InvalidReply as exc:
            # the provider answered, unusably (refusal, cut off, empty): it is up, and the
            # re-ask counts against max_invalid_replies like a reply that failed validation
            tries.invalid += 1
            tries.feedback = str(exc)
            self._answered(name, call.role)
            raise
        except (AuthError, PermanentError):
            self._answered(name, call.role)  # a trial call must not leave the breaker half-open
            raise
        except AdapterError:
            raise
        except Exception as exc:  # a runtime that breaks the contract must not crash a run
            raise PermanentError(
                redact(f"{name}: runtime raised {type(exc).__name__}: {exc}")
            ) from None
        self._answered(name, call.role)
        return raw

    def _answered(self, name: str, role: str) -> None:
        """The provider responded: the circuit (and a half-open trial) closes."""
        change = self.breakers.success(name)
        if change.closed:
            self._emit(CircuitClosed(runtime=name, role=role))

    # -- the retry policy ---------------------------------------------------------------
    def _stop(self, name: str, rs: RetryCallState, tries: _Tries, deadline: float) -> bool:
        exc = rs.outcome.exception() if rs.outcome else None
        if isinstance(exc, InvalidReply):
            return tries.invalid > self.policy.max_invalid_replies or self._clock() >= deadline
        if tries.transient >= self.policy.max_attempts or tries.breaker_opened:
            return True
        if self.breakers.is_open(name):  # another process tripped it meanwhile
            return True
        hinted = getattr(exc, "retry_after", None) or 0.0
        if hinted > self.policy.max_delay_s:  # asked to wait longer than we ever would
            return True
        return self._clock() + rs.upcoming_sleep >= deadline

    def _wait(self, rs: RetryCallState, tries: _Tries) -> float:
        exc = rs.outcome.exception() if rs.outcome else None
        if isinstance(exc, InvalidReply):
            return 0.0  # the provider is fine; re-ask with the feedback at once
        base = self.policy.base_delay_s
        backoff = base * 2.0 ** max(0, tries.transient - 1) + random.uniform(0, base)
        hinted = exc.retry_after if isinstance(exc, AdapterError) else None
        return min(max(backoff, hinted or 0.0), self.policy.max_delay_s)

    def _retrying(self, name: str, role: str, rs: RetryCallState) -> None:
        exc = rs.outcome.exception() if rs.outcome else None
        hinted = getattr(exc, "retry_after", None)
        self._emit(
            RuntimeRetry(
                role=role,
                runtime=name,
                attempt=rs.attempt_number,
                error_kind=getattr(exc, "kind", "error"),
                error=str(exc),
                delay_s=round(rs.upcoming_sleep, 3),
                retry_after_s=None if hinted is None else round(hinted, 3),
            )
        )

    def _emit(self, event: ExecutorEvent) -> None:
        """Every error text that leaves here is key-free and bounded."""
        if isinstance(event, RuntimeTrouble) and event.error is not None:
            event = event.model_copy(update={"error": redact(event.error)[:_MAX_ERROR]})
        self.sink(event)


def _feedback(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
    return str(exc)
