"""`copilot` over HTTP: the real openai SDK against a loopback fake GitHub Models endpoint."""

from __future__ import annotations

import pytest

from adapters.copilot import CopilotRuntime
from adapters.remote import RemoteSettings
from tests.fakes.contract import VALID_TRIAGE, RuntimeContract, triage_call
from tests.fakes.fixtures import KEYS, Events, make_executor
from tests.fakes.server import FakeProvider, Reply, credential, ok

pytest_plugins = ("tests.fakes.fixtures",)


class TestCopilot(RuntimeContract):
    RUNTIME = "copilot"


@pytest.mark.usefixtures("provider_env")
def test_request_uses_chat_completions_with_json_schema(fake: FakeProvider) -> None:
    reply = make_executor("copilot", fake).run(triage_call(), ["copilot"])
    [request] = fake.model_requests()
    assert request.path == "/chat/completions"
    body = request.body
    assert body["model"] == "openai/gpt-4.1"
    assert body["messages"][0] == {"role": "system", "content": "You classify work items."}
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert reply.extra["structured"] == "json_schema"


@pytest.mark.usefixtures("provider_env")
def test_rejected_schema_format_falls_back_to_instructed_json_once(
    fake: FakeProvider, events: Events
) -> None:
    fake.default = Reply(reject_schema_format=True)
    ex = make_executor("copilot", fake, events=events)
    first = ex.run(triage_call(), ["copilot"])
    second = ex.run(triage_call(), ["copilot"])
    assert first.extra["structured"] == second.extra["structured"] == "instructed"
    bodies = [r.body for r in fake.model_requests()]
    assert len(bodies) == 3  # rejected, instructed, and instructed again (remembered)
    assert "response_format" in bodies[0]
    assert all("response_format" not in b for b in bodies[1:])
    assert "JSON Schema" in bodies[1]["messages"][0]["content"]
    assert events.items == []  # a capability downgrade, not a failure


@pytest.mark.usefixtures("provider_env")
def test_instructed_json_in_prose_is_still_accepted(fake: FakeProvider) -> None:
    fake.default = Reply(
        reject_schema_format=True, text=f"Here it is:\n```json\n{VALID_TRIAGE}\n```"
    )
    reply = make_executor("copilot", fake).run(triage_call(), ["copilot"])
    assert reply.output.kind == "incident"


def test_gh_token_is_used_when_github_token_is_absent(
    fake: FakeProvider, provider_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    fake.script(ok(VALID_TRIAGE))
    runtime = CopilotRuntime(RemoteSettings(base_url=fake.url))
    assert "GH_TOKEN" in runtime.status().detail
    runtime.invoke(triage_call())
    assert credential(fake.model_requests()[0].headers) == KEYS["GH_TOKEN"]


def test_default_endpoint_is_github_models() -> None:
    runtime = CopilotRuntime(RemoteSettings())
    assert runtime.base_url() == "https://models.github.ai/inference"
    assert runtime.model_for() == "openai/gpt-4.1"
