"""One trace per run, shaped by the GenAI conventions (see `semconv` for the version):

    invoke_workflow orchestrate        INTERNAL  the item's run (a resume is a run too)
    ├── invoke_agent triage            INTERNAL  the triage gate
    │   └── chat mock-1                CLIENT    one model call (an attempt); INTERNAL for mock
    ├── invoke_agent ops ┐ parallel    INTERNAL  one role run
    ├── invoke_agent dev ┘             …
    └── …

Role spans are started with the workflow span as explicit parent, so the parallel roles that
LangGraph runs in worker threads still hang under their run; each model call is a child of
the role span current in its thread. Retries and fallbacks are events on the role span,
breaker changes on the call that caused them, each with the seq of its ledger event. Every
span carries the request id; role spans the kind and the seq of the event recording them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from adapters.base import AgentCall, RawReply
from adapters.errors import AdapterError
from adapters.events import ExecutorEvent
from adapters.observer import CallObserver
from orchestrator.ledger.events import CallRecord, Triaged
from orchestrator.ledger.fold import fold
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent
from orchestrator.telemetry import exporters, propagation
from orchestrator.telemetry import semconv as sc
from orchestrator.telemetry.metrics import GenAIMetrics
from orchestrator.telemetry.settings import Settings

_EVENT_FIELDS = {"role": sc.AGENT_NAME, "runtime": sc.RUNTIME, "error_kind": sc.ERROR_TYPE}
_IN_PROCESS = frozenset({"mock"})  # runtimes whose "model" runs in this process


def _error_type(exc: BaseException) -> str:
    return exc.kind if isinstance(exc, AdapterError) else type(exc).__qualname__


def _fail(span: Span, error_type: str, description: str) -> None:
    span.set_attribute(sc.ERROR_TYPE, error_type)
    span.set_status(Status(StatusCode.ERROR, description[:200]))


class Telemetry:
    """The tracer, the GenAI metrics and the content switch every run of the process shares.

    Built from the `OTEL_*` variables by default; a host (the service, a test) may pass its
    own providers and `install` it."""

    def __init__(
        self,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        capture_content: bool = False,
    ) -> None:
        provider = tracer_provider or trace.get_tracer_provider()
        self.tracer = provider.get_tracer(
            sc.INSTRUMENTATION, exporters.package_version(), sc.SCHEMA_URL
        )
        self.metrics = GenAIMetrics(meter_provider or otel_metrics.get_meter_provider())
        self.capture_content = capture_content

    @classmethod
    def from_settings(
        cls, settings: Settings, meter_provider: MeterProvider | None = None
    ) -> Telemetry:
        """As the variables say; `meter_provider` instead of theirs (the service's)."""
        return cls(
            exporters.tracer_provider(settings),
            meter_provider or exporters.meter_provider(settings),
            settings.capture_content,
        )

    @contextmanager
    def run(
        self, request_id: str, trace_context: Mapping[str, str] | None, resumed: bool
    ) -> Iterator[_Run]:
        parent = propagation.extract(trace_context) if trace_context else None
        attributes: dict[str, AttributeValue] = {
            sc.OPERATION_NAME: sc.INVOKE_WORKFLOW,
            sc.WORKFLOW: sc.WORKFLOW_NAME,
            sc.REQUEST_ID: request_id,
            sc.RESUMED: resumed,
        }
        with self.tracer.start_as_current_span(
            f"{sc.INVOKE_WORKFLOW} {sc.WORKFLOW_NAME}",
            context=parent,
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield _Run(self, span, request_id)
            except BaseException as exc:
                _fail(span, _error_type(exc), str(exc))
                raise


class _Run:
    """The `RunTrace` of one run: its workflow span and what hangs under it."""

    def __init__(self, telemetry: Telemetry, span: Span, request_id: str) -> None:
        self.telemetry = telemetry
        self.tracer = telemetry.tracer
        self.span = span
        self.request_id = request_id
        self.parent = trace.set_span_in_context(span)

    @property
    def observer(self) -> CallObserver:
        return self

    @contextmanager
    def agent(
        self, role: str, round_: int, runtime: str, kind: str | None = None
    ) -> Iterator[_Agent]:
        """`invoke_agent {role}`, current in its thread while the role runs, so the model
        calls (and the executor's events) land under it."""
        attributes: dict[str, AttributeValue] = {
            sc.OPERATION_NAME: sc.INVOKE_AGENT,
            sc.AGENT_NAME: role,
            sc.PROVIDER_NAME: sc.provider(runtime),  # the first of the chain, until one answers
            sc.RUNTIME: runtime,
            sc.REQUEST_ID: self.request_id,
            sc.ROUND: round_,
        }
        if kind:
            attributes[sc.KIND] = kind
        span = self.tracer.start_span(
            f"{sc.INVOKE_AGENT} {role}", self.parent, SpanKind.INTERNAL, attributes
        )
        agent = _Agent(span)
        with trace.use_span(
            span, end_on_exit=True, record_exception=False, set_status_on_exception=False
        ):
            try:
                yield agent
            except BaseException as exc:
                if not agent.ended_in_error:
                    _fail(span, _error_type(exc), str(exc))
                raise

    @contextmanager
    def model_call(self, runtime: str, call: AgentCall[Any], model: str) -> Iterator[_Call]:
        """`chat {model}` for one attempt, under the role span current in this thread, and
        the GenAI client metrics for it."""
        attributes: dict[str, AttributeValue] = {
            sc.OPERATION_NAME: sc.CHAT,
            sc.PROVIDER_NAME: sc.provider(runtime),
            sc.REQUEST_MODEL: model,
            sc.AGENT_NAME: call.role,
            sc.OUTPUT_TYPE: "json",
            sc.RUNTIME: runtime,
            sc.REQUEST_ID: self.request_id,
        }
        capture = self.telemetry.capture_content
        if capture:
            attributes.update(_prompt(call))
        kind = SpanKind.INTERNAL if runtime in _IN_PROCESS else SpanKind.CLIENT
        span = self.tracer.start_span(f"{sc.CHAT} {model}", kind=kind, attributes=attributes)
        watch = _Call(span, capture)
        error_type: str | None = None
        started = time.perf_counter()
        try:
            with trace.use_span(
                span, end_on_exit=True, record_exception=False, set_status_on_exception=False
            ):
                try:
                    yield watch
                except BaseException as exc:
                    error_type = _error_type(exc)
                    _fail(span, error_type, str(exc))
                    raise
        finally:
            raw = watch.raw
            self.telemetry.metrics.record(
                time.perf_counter() - started,
                provider=sc.provider(runtime),
                request_model=model,
                response_model=raw.model if raw else None,
                usage=raw.usage if raw else None,
                error_type=error_type,
            )

    def event(self, event: ExecutorEvent, seq: int) -> None:
        attributes: dict[str, AttributeValue] = {sc.LEDGER_SEQ: seq}
        for field, value in event.model_dump(exclude_none=True).items():
            attributes[_EVENT_FIELDS.get(field, f"{sc.EVENT_PREFIX}{field}")] = value
        trace.get_current_span().add_event(sc.EVENT_PREFIX + event.action.lower(), attributes)

    def ended(self, events: Sequence[LedgerEvent]) -> None:
        view = fold(self.request_id, events)
        if view.kind:
            self.span.set_attribute(sc.KIND, view.kind)
        self.span.set_attribute(sc.STATE, view.state.value)
        self.span.set_attribute(sc.LEDGER_SEQ, view.last_seq)
        if view.state is State.BLOCKED:
            _fail(self.span, "blocked", view.blocked_reason or "blocked")


class _Agent:
    """What a role's node tells its span: how the role ended, and the event recording it."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.ended_in_error = False

    def completed(self, record: CallRecord, seq: int) -> None:
        span = self.span
        if record.runtime:
            span.set_attribute(sc.RUNTIME, record.runtime)
            span.set_attribute(sc.PROVIDER_NAME, sc.provider(record.runtime))
        if record.model:
            span.set_attribute(sc.RESPONSE_MODEL, record.model)
        if isinstance(record, Triaged):
            span.set_attribute(sc.KIND, record.kind)
        span.set_attribute(sc.INPUT_TOKENS, record.usage.input_tokens)
        span.set_attribute(sc.OUTPUT_TOKENS, record.usage.output_tokens)
        span.set_attribute(sc.ATTEMPTS, record.attempts)
        span.set_attribute(sc.LEDGER_SEQ, seq)

    def failed(self, error: AdapterError, seq: int) -> None:
        self.ended_in_error = True
        _fail(self.span, error.kind, str(error))
        self.span.set_attribute(sc.LEDGER_SEQ, seq)


class _Call:
    """One attempt's span, told what the provider answered (before validation)."""

    def __init__(self, span: Span, capture: bool) -> None:
        self.span = span
        self.capture = capture
        self.raw: RawReply | None = None

    def replied(self, raw: RawReply) -> None:
        self.raw = raw
        self.span.set_attribute(sc.RESPONSE_MODEL, raw.model)
        self.span.set_attribute(sc.INPUT_TOKENS, raw.usage.input_tokens)
        self.span.set_attribute(sc.OUTPUT_TOKENS, raw.usage.output_tokens)
        if self.capture:
            self.span.set_attribute(sc.OUTPUT_MESSAGES, _reply(raw.text))


def _text(content: str) -> dict[str, str]:
    return {"type": "text", "content": content}


def _prompt(call: AgentCall[Any]) -> dict[str, AttributeValue]:
    """The opt-in content of a request, as the conventions' JSON (as strings on spans)."""
    messages = [{"role": "user", "parts": [_text(call.user)]}]
    if call.feedback:
        messages.append({"role": "user", "parts": [_text(call.feedback)]})
    return {
        sc.SYSTEM_INSTRUCTIONS: json.dumps([_text(call.system)], ensure_ascii=False),
        sc.INPUT_MESSAGES: json.dumps(messages, ensure_ascii=False),
    }


def _reply(text: str) -> str:
    message = {"role": "assistant", "parts": [_text(text)], "finish_reason": "stop"}
    return json.dumps([message], ensure_ascii=False)
