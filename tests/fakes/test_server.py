"""The fake itself: every format, streamed or not, text or a tool call, read by the real SDKs."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from tests.fakes.server import (
    FakeProvider,
    Json,
    Reply,
    ToolCall,
    Wire,
    error,
    instance,
    ok,
    requested_schema,
    tool_call,
    tool_results,
)

pytest_plugins = ("tests.fakes.fixtures",)

WIRES: tuple[Wire, ...] = ("anthropic", "responses", "chat")
ARGS: Json = {"path": "README.md", "lines": [1, 2]}
ASK: list[anthropic.types.MessageParam] = [{"role": "user", "content": "hi"}]
CHAT: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]


def turn(wire: Wire, fake: FakeProvider, stream: bool) -> tuple[str | None, ToolCall | None]:
    """One request through the vendor's SDK: the text it read, or the tool call."""
    if wire == "anthropic":
        claude = anthropic.Anthropic(api_key="k", base_url=fake.url, max_retries=0)
        message: anthropic.types.Message
        if stream:
            with claude.messages.stream(model="m", max_tokens=9, messages=ASK) as events:
                message = events.get_final_message()
        else:
            message = claude.messages.create(model="m", max_tokens=9, messages=ASK)
        assert (message.usage.input_tokens, message.usage.output_tokens) == (11, 7)
        block = message.content[0]
        if block.type == "tool_use":
            assert message.stop_reason == "tool_use"
            return None, ToolCall(block.name, dict(block.input))
        assert block.type == "text" and message.stop_reason == "end_turn"
        return block.text, None
    client = openai.OpenAI(api_key="k", base_url=f"{fake.url}/v1", max_retries=0)
    if wire == "responses":
        response: openai.types.responses.Response
        if stream:
            with client.responses.stream(model="m", input="hi") as events:
                response = events.get_final_response()
        else:
            response = client.responses.create(model="m", input="hi")
        assert response.usage and response.usage.total_tokens == 18
        [item] = response.output
        if item.type == "function_call":
            return None, ToolCall(item.name, json.loads(item.arguments))
        return response.output_text, None
    completion: openai.types.chat.ChatCompletion
    if stream:
        with client.chat.completions.stream(model="m", messages=CHAT) as events:
            completion = events.get_final_completion()
    else:
        completion = client.chat.completions.create(model="m", messages=CHAT)
    assert completion.usage and completion.usage.total_tokens == 18
    [choice] = completion.choices
    if choice.message.tool_calls:
        assert choice.finish_reason == "tool_calls"
        [call] = choice.message.tool_calls
        assert call.type == "function"
        return None, ToolCall(call.function.name, json.loads(call.function.arguments))
    return choice.message.content, None


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize("wire", WIRES)
def test_text_and_tool_calls_in_every_format(wire: Wire, stream: bool, fake: FakeProvider) -> None:
    fake.script(ok("plain words"), tool_call("view", ARGS))
    assert turn(wire, fake, stream) == ("plain words", None)
    assert turn(wire, fake, stream) == (None, ToolCall("view", ARGS))
    assert [r.route for r in fake.model_requests()] == [wire, wire]
    assert all(bool(r.body.get("stream")) is stream for r in fake.model_requests())


@pytest.mark.parametrize("wire", WIRES)
def test_errors_are_shaped_for_the_format(wire: Wire, fake: FakeProvider) -> None:
    fake.script(error(429, "slow down", retry_after="3"))
    with pytest.raises(
        anthropic.RateLimitError if wire == "anthropic" else openai.RateLimitError
    ) as caught:
        turn(wire, fake, stream=False)
    assert "slow down" in str(caught.value)
    assert isinstance(caught.value, anthropic.APIStatusError | openai.APIStatusError)
    assert caught.value.response.headers["retry-after"] == "3"
    assert fake.model_requests()[0].status == 429


def test_an_answer_sees_each_body_and_tool_results_come_back(fake: FakeProvider) -> None:
    seen: list[list[str]] = []

    def answer(body: Json) -> Reply:
        seen.append(tool_results(body))
        return ok("done") if seen[-1] else tool_call("view", ARGS)

    fake.default = answer
    client = openai.OpenAI(api_key="k", base_url=f"{fake.url}/v1", max_retries=0)
    first = client.chat.completions.create(model="m", messages=CHAT)
    [call] = first.choices[0].message.tool_calls or []
    assert call.type == "function"
    follow_up: list[openai.types.chat.ChatCompletionMessageParam] = [
        *CHAT,
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "file text"},
    ]
    second = client.chat.completions.create(model="m", messages=follow_up)
    assert second.choices[0].message.content == "done"
    assert seen == [[], ["file text"]]


def test_schema_requests_are_answered_with_an_instance(fake: FakeProvider) -> None:
    schema: Json = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["bug", "feature"]},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "steps": {"type": "array", "items": {"$ref": "#/$defs/Step"}, "minItems": 2},
            "note": {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 3}]},
        },
        "$defs": {"Step": {"type": "string"}},
    }
    prompt = f"Answer with JSON that validates against this JSON Schema:\n{json.dumps(schema)}"
    assert requested_schema({"messages": [{"role": "user", "content": prompt}]}) == schema
    assert requested_schema({"text": {"format": {"schema": schema}}}) == schema
    assert (
        requested_schema({"tools": [{"name": "StructuredOutput", "input_schema": schema}]})
        == schema
    )
    assert requested_schema({"messages": CHAT}) is None
    assert instance(schema) == {
        "kind": "bug",
        "score": 0.5,
        "steps": ["fake steps", "fake steps"],
        "note": "fak",
    }
    client = openai.OpenAI(api_key="k", base_url=f"{fake.url}/v1", max_retries=0)
    reply = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": prompt}]
    )
    assert json.loads(reply.choices[0].message.content or "") == instance(schema)


def test_binds_loopback_and_records_gets(fake: FakeProvider) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    client = openai.OpenAI(api_key="k", base_url=f"{fake.url}/v1", max_retries=0)
    assert list(client.models.list()) == []
    [get] = fake.requests
    assert (get.method, get.route, get.status) == ("GET", "models", 200)
    assert fake.model_requests() == []


def test_token_counting_takes_no_scripted_reply_and_fails_as_the_default(
    fake: FakeProvider,
) -> None:
    claude = anthropic.Anthropic(api_key="k", base_url=fake.url, max_retries=0)
    fake.script(ok("kept for the next turn"))
    assert claude.messages.count_tokens(model="m", messages=ASK).input_tokens == 11
    assert turn("anthropic", fake, stream=False) == ("kept for the next turn", None)
    fake.default = error(401, "invalid x-api-key")
    with pytest.raises(anthropic.AuthenticationError):
        claude.messages.count_tokens(model="m", messages=ASK)
    assert [r.route for r in fake.model_requests()] == ["count_tokens", "anthropic", "count_tokens"]
