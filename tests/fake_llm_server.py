"""A loopback fake model server for the agent-CLI integration tests.

It speaks just enough of three wire formats for the real CLIs to finish a turn: the
Anthropic Messages API (Claude Code), the OpenAI Responses API (Codex) and OpenAI chat
completions (Copilot CLI BYOK), streamed as SSE when the client asks for a stream. A test's
`answer` sees each request body and returns the final text, or a tool call for the agent to
run first. Every request is recorded. Binds 127.0.0.1 only; nothing here reaches a provider.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | dict[str, Any]  # final text, or {"tool": name, "input": {...}}
Answer = Callable[[dict[str, Any]], Reply]
Events = Iterator[tuple[str | None, Any]]

USAGE_IN, USAGE_OUT = 120, 30


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def kind(self) -> str | None:
        return _kind(self.path) if self.method == "POST" else None


class FakeModelServer:
    """`with FakeModelServer(answer) as server:`; `server.url` is the base URL (no /v1)."""

    def __init__(self, answer: Answer | str) -> None:
        self.answer: Answer = answer if callable(answer) else (lambda _body: answer)
        self.requests: list[Recorded] = []
        self.fail_with: tuple[int, dict[str, Any]] | None = None  # (status, body) for model calls
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def model_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.kind in ("anthropic", "responses", "chat")]


def tool_results(body: dict[str, Any]) -> list[str]:
    """The tool outputs the client sent back so far, in any of the three formats."""
    found: list[str] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool":  # chat completions
            found.append(_as_text(message.get("content")))
        content = message.get("content")
        if isinstance(content, list):  # anthropic
            found += [
                _as_text(b.get("content"))
                for b in content
                if isinstance(b, dict) and b.get("type") == "tool_result"
            ]
    for item in body.get("input") or []:  # responses
        if isinstance(item, dict) and item.get("type") == "function_call_output":
            found.append(_as_text(item.get("output")))
    return found


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_as_text(v.get("text", v) if isinstance(v, dict) else v) for v in value)
    return json.dumps(value)


def _kind(path: str) -> str | None:
    path = path.split("?", 1)[0].rstrip("/")
    if path.endswith("/messages/count_tokens"):
        return "count_tokens"
    for suffix, kind in (
        ("/messages", "anthropic"),
        ("/responses", "responses"),
        ("/chat/completions", "chat"),
    ):
        if path.endswith(suffix):
            return kind
    return None


def _handler_for(server: FakeModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _body(self) -> Any:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                raw = self._read_chunked()
            else:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"null")
            except ValueError:
                return raw.decode("utf-8", "replace")

        def _read_chunked(self) -> bytes:
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()

        def _record(self, body: Any) -> None:
            headers = dict(self.headers.items())
            server.requests.append(Recorded(self.command, self.path, headers, body))

        def do_GET(self) -> None:
            self._record(None)
            if self.path.split("?")[0].rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [], "models": []})
            else:
                self._json(404, {"error": {"type": "not_found", "message": self.path}})

        def do_POST(self) -> None:
            body = self._body()
            self._record(body)
            kind = _kind(self.path)
            if not isinstance(body, dict) or kind is None:
                self._json(404, {"error": {"type": "not_found", "message": self.path}})
                return
            if server.fail_with is not None:
                self._json(*server.fail_with)
                return
            if kind == "count_tokens":
                self._json(200, {"input_tokens": USAGE_IN})
                return
            reply = server.answer(body)
            if kind == "anthropic":
                events, final = _anthropic(body, reply)
            elif kind == "responses":
                events, final = _responses(body, reply)
            else:
                events, final = _chat(body, reply)
            if body.get("stream"):
                self._sse(events)
            else:
                self._json(200, final)

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _sse(self, events: Events) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for name, payload in events:
                chunk = "" if name is None else f"event: {name}\n"
                data = payload if isinstance(payload, str) else json.dumps(payload)
                self.wfile.write(f"{chunk}data: {data}\n\n".encode())
                self.wfile.flush()
            self.close_connection = True

    return Handler


def _call_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:20]}"


# --- Anthropic Messages -------------------------------------------------------------------


def _anthropic_blocks(body: dict[str, Any], reply: Reply) -> list[dict[str, Any]]:
    """A structured-output tool offered by the client is called with the final answer."""
    if isinstance(reply, dict):
        return [
            {
                "type": "tool_use",
                "id": _call_id("toolu_"),
                "name": reply["tool"],
                "input": reply["input"],
            }
        ]
    names = [t.get("name") or "" for t in body.get("tools") or [] if isinstance(t, dict)]
    structured = next((n for n in names if n.lower() == "structuredoutput"), None)
    if structured and not any("structured" in r.lower() for r in tool_results(body)):
        try:
            payload = json.loads(reply)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            return [
                {"type": "tool_use", "id": _call_id("toolu_"), "name": structured, "input": payload}
            ]
    return [{"type": "text", "text": reply}]


def _anthropic(body: dict[str, Any], reply: Reply) -> tuple[Events, dict[str, Any]]:
    blocks = _anthropic_blocks(body, reply)
    stop = "tool_use" if blocks[0]["type"] == "tool_use" else "end_turn"
    message = {
        "id": _call_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake-model"),
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": USAGE_IN, "output_tokens": USAGE_OUT},
    }

    def events() -> Events:
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": USAGE_IN, "output_tokens": 1},
        }
        yield "message_start", {"type": "message_start", "message": start}
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                opened: dict[str, Any] = {"type": "text", "text": ""}
                delta: dict[str, Any] = {"type": "text_delta", "text": block["text"]}
            else:
                opened = {**block, "input": {}}
                delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            yield (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": opened},
            )
            yield (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
            yield "content_block_stop", {"type": "content_block_stop", "index": index}
        yield (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": USAGE_OUT},
            },
        )
        yield "message_stop", {"type": "message_stop"}

    return events(), message


# --- OpenAI Responses ---------------------------------------------------------------------


def _responses(body: dict[str, Any], reply: Reply) -> tuple[Events, dict[str, Any]]:
    if isinstance(reply, dict):
        item: dict[str, Any] = {
            "type": "function_call",
            "id": _call_id("fc_"),
            "call_id": _call_id("call_"),
            "name": reply["tool"],
            "arguments": json.dumps(reply["input"]),
            "status": "completed",
        }
    else:
        item = {
            "type": "message",
            "id": _call_id("msg_"),
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": reply, "annotations": []}],
        }

    def response(output: list[Any], status: str) -> dict[str, Any]:
        return {
            "id": "resp_fake",
            "object": "response",
            "created_at": 0,
            "status": status,
            "model": body.get("model", "fake-model"),
            "output": output,
            "usage": {
                "input_tokens": USAGE_IN,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": USAGE_OUT,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": USAGE_IN + USAGE_OUT,
            },
        }

    def events() -> Events:
        seq = iter(range(1_000))
        yield (
            "response.created",
            {
                "type": "response.created",
                "response": response([], "in_progress"),
                "sequence_number": next(seq),
            },
        )
        yield (
            "response.output_item.added",
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "status": "in_progress"},
                "sequence_number": next(seq),
            },
        )
        if item["type"] == "message":
            yield (
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta",
                    "item_id": item["id"],
                    "output_index": 0,
                    "content_index": 0,
                    "delta": reply,
                    "sequence_number": next(seq),
                },
            )
        yield (
            "response.output_item.done",
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": item,
                "sequence_number": next(seq),
            },
        )
        yield (
            "response.completed",
            {
                "type": "response.completed",
                "response": response([item], "completed"),
                "sequence_number": next(seq),
            },
        )

    return events(), response([item], "completed")


# --- OpenAI chat completions --------------------------------------------------------------


def _chat(body: dict[str, Any], reply: Reply) -> tuple[Events, dict[str, Any]]:
    model = body.get("model", "fake-model")
    usage = {
        "prompt_tokens": USAGE_IN,
        "completion_tokens": USAGE_OUT,
        "total_tokens": USAGE_IN + USAGE_OUT,
    }
    if isinstance(reply, dict):
        call = {
            "id": _call_id("call_"),
            "type": "function",
            "function": {"name": reply["tool"], "arguments": json.dumps(reply["input"])},
        }
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
        delta: dict[str, Any] = {"tool_calls": [{"index": 0, **call}]}
        finish = "tool_calls"
    else:
        message = {"role": "assistant", "content": reply}
        delta = {"content": reply}
        finish = "stop"
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model}

    def events() -> Events:
        first = {"role": "assistant", "content": ""}
        yield None, {**base, "choices": [{"index": 0, "delta": first, "finish_reason": None}]}
        yield None, {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        yield None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
        yield None, {**base, "choices": [], "usage": usage}
        yield None, "[DONE]"

    final = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }
    return events(), final


# --- answering with whatever schema the request carries -----------------------------------

_SCHEMA_MARKER = "validates against this JSON Schema:"


def requested_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The output schema a request asks for: Responses `text.format`, Claude Code's
    StructuredOutput tool, or (Copilot, no schema flag) the schema quoted in the prompt."""
    text_format = (
        (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    )
    if isinstance(text_format, dict) and isinstance(text_format.get("schema"), dict):
        return text_format["schema"]
    for tool in body.get("tools") or []:
        if isinstance(tool, dict) and tool.get("name") == "StructuredOutput":
            schema = tool.get("input_schema")
            return schema if isinstance(schema, dict) else None
    for message in body.get("messages") or []:
        content = _as_text(message.get("content")) if isinstance(message, dict) else ""
        if _SCHEMA_MARKER in content:
            tail = content.split(_SCHEMA_MARKER, 1)[1].strip()
            try:
                schema, _ = json.JSONDecoder().raw_decode(tail)
            except ValueError:
                return None
            return schema if isinstance(schema, dict) else None
    return None


def instance(schema: dict[str, Any], text: str = "x") -> Any:
    """A value valid for `schema` (the subset role schemas use); strings carry `text`."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return instance(options[0], text)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {k: instance(v, text) for k, v in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [instance(schema.get("items") or {}, text)] * max(1, schema.get("minItems", 1))
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = schema.get("minimum", 0)
        high = schema.get("maximum", low)
        return low if kind == "integer" else (low + high) / 2
    if kind == "null":
        return None
    return text[: schema.get("maxLength", len(text))] or "x"
