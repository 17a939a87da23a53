"""`codex` over HTTP: the real openai SDK against the loopback fake Responses API."""

from __future__ import annotations

import pytest

from adapters.codex import CodexRuntime, CodexSettings
from tests.fakes.contract import RuntimeContract, triage_call
from tests.fakes.fixtures import make_executor
from tests.fakes.server import FakeProvider

pytest_plugins = ("tests.fakes.fixtures",)


class TestCodex(RuntimeContract):
    RUNTIME = "codex"


@pytest.mark.usefixtures("provider_env")
def test_request_uses_a_strict_json_schema_text_format(fake: FakeProvider) -> None:
    make_executor("codex", fake).run(triage_call(), ["codex"])
    [request] = fake.model_requests()
    assert request.path == "/v1/responses"
    body = request.body
    assert body["model"] == "gpt-5.3-codex"
    assert body["instructions"] == "You classify work items."
    assert body["store"] is False
    fmt = body["text"]["format"]
    assert fmt["type"] == "json_schema" and fmt["strict"] is True
    assert fmt["name"] == "TriageDecision"
    schema = fmt["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(schema["properties"])  # strict: every property
    assert "default" not in str(schema["properties"]["signals"])


@pytest.mark.usefixtures("provider_env")
def test_base_url_from_environment_and_reasoning_effort(
    fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
    runtime = CodexRuntime(CodexSettings(reasoning_effort="low"))
    runtime.invoke(triage_call())
    [request] = fake.model_requests()
    assert request.body["reasoning"] == {"effort": "low"}
