"""OpenTelemetry: one trace per run, GenAI spans with real values, events, metrics, opt-in content.

In-process tests install a `Telemetry` over the SDK's in-memory exporter and reader; what the
`OTEL_*` variables do to a real CLI process is in tests/test_telemetry_process.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry, generate_latest

from orchestrator import Orchestrator, load_config, telemetry
from orchestrator.ledger import FileLedger
from orchestrator.run.nodes import Nodes
from orchestrator.telemetry import propagation
from orchestrator.telemetry.settings import Settings
from orchestrator.telemetry.tracing import Telemetry
from tests.helpers import events_of

INCIDENT = "Production outage: checkout returns 503 for all users since the deploy"
BUG = "Crash when saving a draft: expected saved, got TypeError in editor.js"
FEATURE = "Add support for exporting reports as CSV"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


@dataclass
class Traced:
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        [span] = self.named(name)
        return span

    def histogram(self, name: str) -> list[HistogramDataPoint]:
        data = self.metrics.get_metrics_data()
        assert data is not None
        return [
            point
            for rm in data.resource_metrics
            for sm in rm.scope_metrics
            for metric in sm.metrics
            if metric.name == name
            for point in metric.data.data_points
            if isinstance(point, HistogramDataPoint)
        ]


@pytest.fixture(autouse=True)
def _no_otel_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)
    yield
    telemetry.install(None)


def _install(capture_content: bool = False) -> Traced:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    telemetry.install(Telemetry(provider, MeterProvider([reader]), capture_content))
    return Traced(exporter, reader)


@pytest.fixture
def traced() -> Traced:
    return _install()


Submit = Callable[..., Any]


@pytest.fixture
def submit(tmp_path: Path, ledger_dir: Path, write_script: Callable[[dict], Path]) -> Submit:
    """Submit through the Python API with a config (and optional mock script) of the test's."""

    def run(
        text: str, toml: str = "", script: dict | None = None, retry: str = "", **kw: Any
    ) -> Any:
        body = (
            f"{toml}\n[retry]\nmax_attempts = 3\nbase_delay_s = 0.001\nmax_delay_s = 0.01\n{retry}"
        )
        if script is not None:
            body += f'\n[runtimes.mock]\nscript = "{write_script(script)}"\n'
        config = tmp_path / "orchestrate.toml"
        config.write_text(body, encoding="utf-8")
        with Orchestrator(load_config(config, ledger=ledger_dir)) as orch:
            return orch.submit(text, **kw)

    return run


def _attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def _parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent else None


def _ledger_event(ledger: Path, rid: str, action: str, **match: Any) -> dict[str, Any]:
    return next(
        e
        for e in events_of(ledger, rid)
        if e["action"] == action and all(e["details"].get(k) == v for k, v in match.items())
    )


# -- shape ------------------------------------------------------------------------------------
def test_a_run_is_one_trace_workflow_then_agents_then_model_calls(
    traced: Traced, submit: Submit
) -> None:
    result = submit(INCIDENT, "[runtimes.mock]\nlatency_ms = 40\n")
    assert result.state == "CLOSED"
    spans = traced.finished()
    workflow = traced.one("invoke_workflow orchestrate")
    assert workflow.parent is None and workflow.kind is SpanKind.INTERNAL
    assert {s.context.trace_id for s in spans} == {workflow.context.trace_id}

    agents = {s.name: s for s in spans if s.name.startswith("invoke_agent ")}
    assert set(agents) == {f"invoke_agent {r}" for r in ("triage", "ops", "dev", "pm", "test")}
    for agent in agents.values():
        assert _parent_id(agent) == workflow.context.span_id
        assert agent.kind is SpanKind.INTERNAL

    calls = traced.named("chat mock-1")
    assert len(calls) == len(agents)  # one model call per role, no retries here
    by_id = {a.context.span_id: a for a in agents.values()}
    for call in calls:
        agent = by_id[_parent_id(call)]  # type: ignore[index]
        assert _attrs(call)["gen_ai.agent.name"] == _attrs(agent)["gen_ai.agent.name"]

    ops, dev = agents["invoke_agent ops"], agents["invoke_agent dev"]
    assert ops.start_time and dev.start_time and ops.end_time and dev.end_time
    overlap = min(ops.end_time, dev.end_time) - max(ops.start_time, dev.start_time)
    assert overlap > 0, "Ops ∥ Dev ran one after the other"


def test_every_run_is_its_own_trace(traced: Traced, submit: Submit) -> None:
    submit(INCIDENT)
    submit(BUG)
    workflows = traced.named("invoke_workflow orchestrate")
    assert len(workflows) == 2
    traces = {s.context.trace_id for s in workflows}
    assert len(traces) == 2
    assert {s.context.trace_id for s in traced.finished()} == traces


def test_spans_carry_the_genai_attributes_with_the_runs_real_values(
    traced: Traced, submit: Submit, ledger_dir: Path
) -> None:
    result = submit(INCIDENT)
    rid = result.request_id
    done = _ledger_event(ledger_dir, rid, "ROLE_COMPLETED", role="dev")
    dev = _attrs(traced.one("invoke_agent dev"))
    assert dev["gen_ai.operation.name"] == "invoke_agent"
    assert dev["gen_ai.agent.name"] == "dev"
    assert dev["gen_ai.provider.name"] == "mock" and dev["orchestrate.runtime"] == "mock"
    assert dev["gen_ai.response.model"] == done["details"]["model"] == "mock-1"
    assert dev["gen_ai.usage.input_tokens"] == done["details"]["usage"]["input_tokens"] > 0
    assert dev["gen_ai.usage.output_tokens"] == done["details"]["usage"]["output_tokens"] > 0
    assert dev["orchestrate.ledger.seq"] == done["seq"]
    assert dev["orchestrate.request.id"] == rid
    assert dev["orchestrate.item.kind"] == "incident"
    assert dev["orchestrate.role.round"] == 1

    triaged = _ledger_event(ledger_dir, rid, "TRIAGED")
    gate = _attrs(traced.one("invoke_agent triage"))
    assert gate["orchestrate.ledger.seq"] == triaged["seq"]
    assert gate["orchestrate.item.kind"] == triaged["details"]["kind"] == "incident"

    [call] = [s for s in traced.named("chat mock-1") if _attrs(s)["gen_ai.agent.name"] == "dev"]
    assert call.kind is SpanKind.INTERNAL  # the mock runs in-process; remote runtimes: CLIENT
    c = _attrs(call)
    assert c["gen_ai.operation.name"] == "chat"
    assert c["gen_ai.provider.name"] == "mock"
    assert c["gen_ai.request.model"] == c["gen_ai.response.model"] == "mock-1"
    assert c["gen_ai.usage.input_tokens"] == dev["gen_ai.usage.input_tokens"]
    assert c["gen_ai.usage.output_tokens"] == dev["gen_ai.usage.output_tokens"]
    assert c["orchestrate.request.id"] == rid
    assert "error.type" not in c and call.status.status_code is StatusCode.UNSET

    events = events_of(ledger_dir, rid)
    workflow = _attrs(traced.one("invoke_workflow orchestrate"))
    assert workflow["gen_ai.operation.name"] == "invoke_workflow"
    assert workflow["gen_ai.workflow.name"] == "orchestrate"
    assert workflow["orchestrate.request.id"] == rid
    assert workflow["orchestrate.item.kind"] == "incident"
    assert workflow["orchestrate.item.state"] == "CLOSED"
    assert workflow["orchestrate.ledger.seq"] == events[-1]["seq"]
    assert workflow["orchestrate.resumed"] is False


def test_the_tracer_names_the_pinned_semantic_conventions(traced: Traced, submit: Submit) -> None:
    submit(BUG)
    for span in traced.finished():
        assert span.instrumentation_scope is not None
        assert span.instrumentation_scope.name == "orchestrate"
        assert span.instrumentation_scope.schema_url == "https://opentelemetry.io/schemas/1.41.0"


def test_an_interrupted_run_and_its_resume_are_two_traces(
    traced: Traced,
    submit: Submit,
    tmp_path: Path,
    ledger_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def die(self: Nodes, state: Any, runtime: Any) -> Any:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Nodes, "review", die)  # killed after the first stage's roles
        with pytest.raises(KeyboardInterrupt):
            submit(FEATURE)
    cut = traced.one("invoke_workflow orchestrate")
    assert _attrs(cut)["error.type"] == "KeyboardInterrupt"
    assert [s.name for s in traced.finished() if s.name.startswith("invoke_agent")] == [
        "invoke_agent triage",
        "invoke_agent pm",
    ]
    traced.spans.clear()

    [rid] = FileLedger(ledger_dir).request_ids()
    with Orchestrator(load_config(tmp_path / "orchestrate.toml", ledger=ledger_dir)) as orch:
        assert orch.resume(rid).state == "CLOSED"
    resumed = traced.one("invoke_workflow orchestrate")
    assert _attrs(resumed)["orchestrate.resumed"] is True
    assert resumed.context.trace_id != cut.context.trace_id
    agents = [s.name for s in traced.finished() if s.name.startswith("invoke_agent")]
    assert agents == ["invoke_agent dev", "invoke_agent test"]  # nothing done twice


# -- retries, fallbacks, breakers, errors -----------------------------------------------------
def test_retries_and_fallbacks_are_events_with_their_ledger_seq(
    traced: Traced, submit: Submit, ledger_dir: Path
) -> None:
    toml = '[roles]\ntest = "claude"\n[fallback]\ntest = ["claude", "mock"]\n'
    result = submit(BUG, toml, script={"dev": [{"$error": "transient"}, {}]})
    assert result.state == "CLOSED"
    rid = result.request_id

    dev = traced.one("invoke_agent dev")
    [retry] = [e for e in dev.events if e.name == "orchestrate.runtime_retry"]
    logged = _ledger_event(ledger_dir, rid, "RUNTIME_RETRY")
    expected = {
        "orchestrate.ledger.seq": logged["seq"],
        "error.type": "transient",
        "orchestrate.attempt": 1,
        "gen_ai.agent.name": "dev",
        "orchestrate.runtime": "mock",
    }
    assert expected.items() <= dict(retry.attributes or {}).items()
    tries = [s for s in traced.named("chat mock-1") if _parent_id(s) == dev.context.span_id]
    assert [_attrs(s).get("error.type") for s in tries] == ["transient", None]
    assert tries[0].status.status_code is StatusCode.ERROR
    assert _attrs(dev)["orchestrate.attempts"] == 2 and "error.type" not in _attrs(dev)

    test = traced.one("invoke_agent test")
    [fallback] = [e for e in test.events if e.name == "orchestrate.runtime_fallback"]
    fell = dict(fallback.attributes or {})
    assert fell["orchestrate.from_runtime"] == "claude" and fell["orchestrate.to_runtime"] == "mock"
    assert fell["error.type"] == "not_ready"
    assert (
        fell["orchestrate.ledger.seq"] == _ledger_event(ledger_dir, rid, "RUNTIME_FALLBACK")["seq"]
    )
    t = _attrs(test)
    assert t["gen_ai.provider.name"] == "mock" and t["orchestrate.runtime"] == "mock"


def test_a_failing_role_has_error_type_and_its_breaker_event(
    traced: Traced, submit: Submit, ledger_dir: Path
) -> None:
    script = {"dev": [{"$error": "transient"}]}
    result = submit(BUG, script=script, retry="breaker_threshold = 2\n")
    assert result.state == "BLOCKED"

    dev = traced.one("invoke_agent dev")
    assert _attrs(dev)["error.type"] == "exhausted"
    assert dev.status.status_code is StatusCode.ERROR
    failed = _ledger_event(ledger_dir, result.request_id, "ROLE_FAILED")
    assert _attrs(dev)["orchestrate.ledger.seq"] == failed["seq"]
    tries = [s for s in traced.named("chat mock-1") if _parent_id(s) == dev.context.span_id]
    assert [_attrs(s)["error.type"] for s in tries] == ["transient", "transient"]
    opened = [e for s in tries for e in s.events if e.name == "orchestrate.circuit_opened"]
    assert len(opened) == 1 and dict(opened[0].attributes or {})["orchestrate.failures"] == 2

    workflow = traced.one("invoke_workflow orchestrate")
    assert _attrs(workflow)["error.type"] == "blocked"
    assert _attrs(workflow)["orchestrate.item.state"] == "BLOCKED"
    assert workflow.status.status_code is StatusCode.ERROR


def test_a_triage_failure_marks_the_gate_span(traced: Traced, submit: Submit) -> None:
    result = submit(BUG, script={"triage": [{"$error": "auth"}]})
    assert result.state == "BLOCKED"
    gate = _attrs(traced.one("invoke_agent triage"))
    assert gate["error.type"] == "exhausted"
    [call] = traced.named("chat mock-1")
    assert _attrs(call)["error.type"] == "auth"


def test_an_invalid_reply_marks_its_call(traced: Traced, submit: Submit) -> None:
    submit(BUG, script={"test": ["not json at all", {}]})
    test = traced.one("invoke_agent test")
    tries = [s for s in traced.named("chat mock-1") if _parent_id(s) == test.context.span_id]
    assert [_attrs(s).get("error.type") for s in tries] == ["invalid_reply", None]
    assert _attrs(tries[0])["gen_ai.usage.output_tokens"] > 0  # it answered, unusably


# -- content ----------------------------------------------------------------------------------
CONTENT = ("gen_ai.system_instructions", "gen_ai.input.messages", "gen_ai.output.messages")


def test_no_prompt_or_reply_text_unless_opted_in(traced: Traced, submit: Submit) -> None:
    submit(BUG)
    for span in traced.finished():
        assert not set(CONTENT) & set(_attrs(span))
        assert "editor.js" not in json.dumps(_attrs(span))


def test_opted_in_content_follows_the_conventions_json(submit: Submit) -> None:
    traced = _install(capture_content=True)
    submit(BUG)
    [call] = [s for s in traced.named("chat mock-1") if _attrs(s)["gen_ai.agent.name"] == "dev"]
    a = _attrs(call)
    [system] = json.loads(a["gen_ai.system_instructions"])
    assert system["type"] == "text" and system["content"]
    [message] = json.loads(a["gen_ai.input.messages"])
    assert message["role"] == "user" and "editor.js" in message["parts"][0]["content"]
    [reply] = json.loads(a["gen_ai.output.messages"])
    assert reply["role"] == "assistant" and reply["finish_reason"] == "stop"
    assert json.loads(reply["parts"][0]["content"])["summary"]


def test_the_content_switch_is_the_genai_variable() -> None:
    on = {"OTEL_TRACES_EXPORTER": "console"}
    assert not Settings.from_env(on).capture_content
    flag = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
    assert Settings.from_env({**on, flag: "true"}).capture_content
    assert Settings.from_env({**on, flag: "SPAN_ONLY"}).capture_content
    assert not Settings.from_env({**on, flag: "false"}).capture_content


# -- configuration ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "traces", "metrics"),
    [
        ({}, (), ()),
        ({"OTEL_TRACES_EXPORTER": "none"}, (), ()),
        ({"OTEL_TRACES_EXPORTER": "console"}, ("console",), ()),
        ({"OTEL_TRACES_EXPORTER": "console, otlp"}, ("console", "otlp"), ()),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ("otlp",), ()),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, ("otlp",), ()),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}, (), ()),
        ({"OTEL_METRICS_EXPORTER": "otlp"}, (), ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}, (), ()),
    ],
)
def test_which_variables_turn_telemetry_on(
    env: dict[str, str], traces: tuple[str, ...], metrics: tuple[str, ...]
) -> None:
    settings = Settings.from_env(env)
    assert (settings.traces, settings.metrics) == (traces, metrics)
    assert settings.wanted == bool(traces or metrics)


def test_unconfigured_there_is_no_telemetry(submit: Submit) -> None:
    telemetry.install(None)
    assert telemetry.current() is None
    assert telemetry.carrier() == {}
    result = submit(BUG)
    assert result.state == "CLOSED"


# -- trace context ----------------------------------------------------------------------------
def test_a_run_continues_the_callers_trace_context(traced: Traced, submit: Submit) -> None:
    headers = {"Traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "Content-Type": "text/plain"}
    submit(BUG, trace_context=headers)
    workflow = traced.one("invoke_workflow orchestrate")
    assert workflow.context.trace_id == int(TRACE_ID, 16)
    assert workflow.parent is not None and workflow.parent.is_remote
    assert workflow.parent.span_id == int(PARENT_ID, 16)
    assert {s.context.trace_id for s in traced.finished()} == {int(TRACE_ID, 16)}


def test_without_a_trace_context_a_run_joins_the_current_span(
    traced: Traced, submit: Submit
) -> None:
    provider = TracerProvider()
    with provider.get_tracer("host").start_as_current_span("POST /v1/items") as request:
        submit(BUG)
        carrier = telemetry.carrier()
    workflow = traced.one("invoke_workflow orchestrate")
    assert workflow.parent is not None
    assert workflow.parent.span_id == request.get_span_context().span_id
    assert carrier["traceparent"].split("-")[1] == f"{request.get_span_context().trace_id:032x}"
    restored = trace.get_current_span(propagation.extract(carrier)).get_span_context()
    assert restored.span_id == request.get_span_context().span_id and restored.is_remote


# -- metrics ----------------------------------------------------------------------------------
def test_genai_client_metrics_per_model_call(
    traced: Traced, submit: Submit, ledger_dir: Path
) -> None:
    submit(BUG, script={"dev": [{"$error": "transient"}, {}]})
    calls = traced.named("chat mock-1")
    durations = traced.histogram("gen_ai.client.operation.duration")
    assert sum(p.count for p in durations) == len(calls)
    failed = [p for p in durations if (p.attributes or {}).get("error.type") == "transient"]
    assert sum(p.count for p in failed) == 1
    for point in durations:
        attrs = point.attributes or {}
        assert attrs["gen_ai.operation.name"] == "chat" and attrs["gen_ai.provider.name"] == "mock"
        assert attrs["gen_ai.request.model"] == "mock-1"
        assert list(point.explicit_bounds)[:3] == [0.01, 0.02, 0.04]

    tokens = traced.histogram("gen_ai.client.token.usage")
    by_type = {str((p.attributes or {})["gen_ai.token.type"]): p for p in tokens}
    answered = [c for c in calls if "gen_ai.usage.input_tokens" in _attrs(c)]
    assert by_type["input"].count == by_type["output"].count == len(answered)
    assert by_type["input"].sum == sum(_attrs(c)["gen_ai.usage.input_tokens"] for c in answered)
    assert by_type["output"].sum == sum(_attrs(c)["gen_ai.usage.output_tokens"] for c in answered)
    assert list(by_type["input"].explicit_bounds)[:3] == [1, 4, 16]


def test_prometheus_exposition_for_the_services_metrics(submit: Submit) -> None:
    from orchestrator.telemetry import prometheus

    registry = CollectorRegistry()
    prometheus.enable(registry)
    submit(INCIDENT)
    text = generate_latest(registry).decode()
    assert 'gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat"' in text
    assert 'gen_ai_token_type="input"' in text and 'gen_ai_token_type="output"' in text
    count = next(
        line
        for line in text.splitlines()
        if line.startswith("gen_ai_client_operation_duration") and "_count{" in line
    )
    assert float(count.rsplit(" ", 1)[1]) == 5.0  # triage, ops, dev, pm, test
