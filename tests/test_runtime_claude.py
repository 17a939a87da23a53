"""`claude` over HTTP: the real anthropic SDK against the loopback fake Messages API."""

from __future__ import annotations

import pytest

from adapters.claude import ClaudeRuntime
from adapters.remote import RemoteSettings
from tests.fakes.contract import RuntimeContract, triage_call
from tests.fakes.fixtures import make_executor
from tests.fakes.server import FakeProvider

pytest_plugins = ("tests.fakes.fixtures",)


class TestClaude(RuntimeContract):
    RUNTIME = "claude"


@pytest.mark.usefixtures("provider_env")
def test_request_uses_native_structured_output(fake: FakeProvider) -> None:
    make_executor("claude", fake).run(triage_call(), ["claude"])
    [request] = fake.model_requests()
    assert request.path == "/v1/messages"
    body = request.body
    assert body["model"] == "claude-sonnet-4-6"
    assert body["system"] == "You classify work items."
    schema = body["output_config"]["format"]
    assert schema["type"] == "json_schema"
    assert set(schema["schema"]["required"]) >= {"kind", "severity", "priority"}
    assert schema["schema"]["additionalProperties"] is False
    assert "tools" not in body and request.headers.get("anthropic-version")


@pytest.mark.usefixtures("provider_env")
def test_base_url_from_environment_and_config_wins(
    fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url + "/")
    runtime = ClaudeRuntime(RemoteSettings(model="claude-haiku-4-5"))
    assert runtime.base_url() == fake.url
    reply = runtime.invoke(triage_call())
    assert reply.model == "claude-haiku-4-5" and fake.model_requests()
    configured = ClaudeRuntime(RemoteSettings(base_url="http://127.0.0.1:9"))
    assert configured.base_url() == "http://127.0.0.1:9"
