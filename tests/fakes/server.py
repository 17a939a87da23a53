"""A scriptable loopback fake of three provider APIs, for the real SDKs and the real agent CLIs.

Speaks Anthropic `POST /v1/messages` (and `/v1/messages/count_tokens`), OpenAI Responses
`POST /v1/responses` and chat completions `POST /chat/completions` (GitHub Models, Copilot
BYOK): one JSON body, or server-sent events when the request asks for `"stream": true`.

Each model request gets the next scripted reply (`fake.script(...)`), else `fake.default`: a
`Reply`, or an `Answer` that sees the request body and returns one. A reply is final text, a
tool call for an agent to run first (`tool_call`), or a failure (status, Retry-After, a body
that is not JSON, a delay). A reply without text answers with an instance of the JSON schema
the request asked for, so real role types validate. Every request is recorded (headers, body,
status, server-side handling time). Binds 127.0.0.1 only; nothing here reaches a provider.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from pydantic import JsonValue

Json = dict[str, Any]  # a decoded JSON object
Wire = Literal["anthropic", "responses", "chat"]
Route = Literal["anthropic", "responses", "chat", "count_tokens", "models"]
Event = tuple[str | None, Json | str]  # one SSE event: its name (chat chunks have none), data

USAGE_IN, USAGE_OUT = 11, 7


# -- replies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCall:
    """The model asks the client to run tool `name` with `arguments` and send the result back."""

    name: str
    arguments: Json


@dataclass
class Reply:
    """One response. `text` is the model's output; None means an instance of the schema."""

    status: int = 200
    text: str | None = None
    tool: ToolCall | None = None  # instead of text: the model calls this tool
    raw_body: bytes | None = None  # sent verbatim (e.g. not JSON at all)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    message: str = "scripted failure"
    echo_auth: bool = False  # put the request's credential into the error message
    reject_schema_format: bool = False  # 400 if the request asks for a json_schema format
    input_tokens: int = USAGE_IN
    output_tokens: int = USAGE_OUT


Answer = Callable[[Json], Reply]  # the request body in, the reply out


def ok(
    text: str | None = None, *, input_tokens: int = USAGE_IN, output_tokens: int = USAGE_OUT
) -> Reply:
    return Reply(text=text, input_tokens=input_tokens, output_tokens=output_tokens)


def tool_call(name: str, arguments: Json) -> Reply:
    return Reply(tool=ToolCall(name, arguments))


def error(status: int, message: str = "scripted failure", retry_after: str | None = None) -> Reply:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return Reply(status=status, message=message, headers=headers)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: Json  # the JSON object sent; {} when there was none or it was no JSON object
    raw: bytes = b""
    status: int = 0
    handled_s: float = 0.0  # server-side time from request line to response flushed, less delay

    @property
    def route(self) -> Route | None:
        return wire_of(self.path)


def base_url(runtime: str, fake: FakeProvider) -> str:
    """Where each SDK-backed runtime expects its API root: the OpenAI SDK appends paths to a
    `/v1` root (codex); the anthropic SDK and GitHub Models (copilot) take the bare origin."""
    return f"{fake.url}/v1" if runtime == "codex" else fake.url


class FakeProvider:
    """`with FakeProvider() as fake:` then point a client's base URL at `fake.url` (no /v1)."""

    def __init__(self, default: Reply | Answer | None = None) -> None:
        self.default: Reply | Answer = Reply() if default is None else default
        self.requests: list[Recorded] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Reply) -> FakeProvider:
        with self._lock:
            self._queue.extend(replies)
        return self

    def next_reply(self, body: Json) -> Reply:
        with self._lock:
            scripted = self._queue.popleft() if self._queue else None
        if scripted is not None:
            return scripted
        default = self.default
        return default if isinstance(default, Reply) else default(body)

    def model_requests(self) -> list[Recorded]:
        """Every POST, token counting and unknown paths included: all a client asked for."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- what a request asks for --------------------------------------------------------------


_ROUTES: tuple[tuple[str, Route], ...] = (
    ("/messages/count_tokens", "count_tokens"),
    ("/messages", "anthropic"),
    ("/responses", "responses"),
    ("/chat/completions", "chat"),
    ("/models", "models"),
)


def wire_of(path: str) -> Route | None:
    path = path.split("?", 1)[0].rstrip("/")
    return next((route for suffix, route in _ROUTES if path.endswith(suffix)), None)


def _dig(value: object, *keys: str) -> object:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def credential(headers: dict[str, str]) -> str:
    """The key a request carries: Anthropic's `x-api-key`, else the OpenAI-style bearer token."""
    return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")


_SCHEMA_MARKER = "JSON Schema:"  # "... that validates against this JSON Schema:\n{...}"


def requested_schema(body: Json) -> Json | None:
    """The output schema a request asks for, in any of the formats: Anthropic
    `output_config.format`, Responses `text.format`, chat `response_format`, Claude Code's
    StructuredOutput tool, or (instructed JSON, no schema parameter) the schema in the prompt."""
    fmt = body.get("response_format")
    native = (
        _dig(body, "output_config", "format", "schema"),
        _dig(body, "text", "format", "schema"),
        _dig(fmt, "json_schema", "schema") if _dig(fmt, "type") == "json_schema" else None,
        *(
            t.get("input_schema")
            for t in body.get("tools") or []
            if isinstance(t, dict) and t.get("name") == "StructuredOutput"
        ),
    )
    for schema in native:
        if isinstance(schema, dict):
            return schema
    for message in body.get("messages") or []:
        content = _as_text(message.get("content")) if isinstance(message, dict) else ""
        if _SCHEMA_MARKER in content:
            tail = content.split(_SCHEMA_MARKER, 1)[1].strip()
            try:
                quoted, _ = json.JSONDecoder().raw_decode(tail)
            except ValueError:
                return None
            return quoted if isinstance(quoted, dict) else None
    return None


def tool_results(body: Json) -> list[str]:
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


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_as_text(v.get("text", v) if isinstance(v, dict) else v) for v in value)
    return json.dumps(value)


def instance(schema: Json, text: str | None = None) -> JsonValue:
    """A small value valid for `schema` (the subset role schemas use): the first enum value,
    one array item (or minItems), numbers in range; strings are `text`, else `fake <field>`."""
    return _instance(schema, {}, text, "")


def _instance(schema: Json, defs: Json, text: str | None, key: str) -> JsonValue:
    defs = schema.get("$defs", defs)
    if "$ref" in schema:
        return _instance(defs[schema["$ref"].split("/")[-1]], defs, text, key)
    if "const" in schema:
        const: JsonValue = schema["const"]
        return const
    if schema.get("enum"):
        first: JsonValue = schema["enum"][0]
        return first
    for union in ("anyOf", "oneOf", "allOf"):
        if schema.get(union):
            options = [o for o in schema[union] if o.get("type") != "null"] or schema[union]
            return _instance(options[0], defs, text, key)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        props: Json = schema.get("properties") or {}
        return {name: _instance(sub, defs, text, name) for name, sub in props.items()}
    if kind == "array":
        item = _instance(schema.get("items") or {"type": "string"}, defs, text, key)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "boolean":
        return True
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        low = float(schema.get("minimum", 0.0))
        return (low + float(schema.get("maximum", low + 1.0))) / 2
    if kind == "null":
        return None
    value = f"fake {key or 'text'}" if text is None else text
    return value[: schema.get("maxLength", len(value))] or "x"


# -- what the model says, in each format --------------------------------------------------


def _ident(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:20]}"


def success_body(wire: Wire, request: Json, reply: Reply, text: str) -> Json:
    """The whole reply (`text`, or `reply.tool` called) as one JSON body."""
    model = str(request.get("model") or "fake-model")
    if wire == "anthropic":
        return _anthropic_message(request, model, reply, text)
    if wire == "responses":
        return _responses_response(model, reply, text)
    return _chat_completion(model, reply, text)


def stream_events(wire: Wire, final: Json) -> Iterator[Event]:
    """The same reply as the events a streaming client reads, in order."""
    if wire == "anthropic":
        return _anthropic_events(final)
    if wire == "responses":
        return _responses_events(final)
    return _chat_events(final)


def error_body(wire: Wire, status: int, message: str) -> Json:
    if wire == "anthropic":
        kind = {401: "authentication_error", 429: "rate_limit_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": "error", "param": None, "code": str(status)}}


def _anthropic_message(request: Json, model: str, reply: Reply, text: str) -> Json:
    tool = reply.tool or _structured_output_call(request, text)
    block: Json = (
        {"type": "tool_use", "id": _ident("toolu_"), "name": tool.name, "input": tool.arguments}
        if tool
        else {"type": "text", "text": text}
    )
    return {
        "id": _ident("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [block],
        "stop_reason": "tool_use" if tool else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


def _structured_output_call(request: Json, text: str) -> ToolCall | None:
    """Claude Code offers a StructuredOutput tool for `--json-schema`: a JSON answer calls it
    (once; after its result comes back, text is text)."""
    names = [t.get("name") or "" for t in request.get("tools") or [] if isinstance(t, dict)]
    tool = next((n for n in names if n.lower() == "structuredoutput"), None)
    if tool is None or any("structured" in r.lower() for r in tool_results(request)):
        return None
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    return ToolCall(tool, payload) if isinstance(payload, dict) else None


def _anthropic_events(message: Json) -> Iterator[Event]:
    usage = message["usage"]
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
    }
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opened: Json = {"type": "text", "text": ""}
            delta: Json = {"type": "text_delta", "text": block["text"]}
        else:
            opened = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        yield (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": index,
                "content_block": opened,
            },
        )
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": usage["output_tokens"]},
        },
    )
    yield "message_stop", {"type": "message_stop"}


def _responses_response(model: str, reply: Reply, text: str) -> Json:
    item: Json = (
        {
            "type": "function_call",
            "id": _ident("fc_"),
            "call_id": _ident("call_"),
            "name": reply.tool.name,
            "arguments": json.dumps(reply.tool.arguments),
            "status": "completed",
        }
        if reply.tool
        else {
            "type": "message",
            "id": _ident("msg_"),
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
    )
    return {
        "id": _ident("resp_"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "model": model,
        "error": None,
        "incomplete_details": None,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "output": [item],
        "usage": {
            "input_tokens": reply.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": reply.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def _responses_events(response: Json) -> Iterator[Event]:
    sequence = itertools.count()

    def event(kind: str, **fields: object) -> Event:
        return kind, {"type": kind, **fields, "sequence_number": next(sequence)}

    yield event("response.created", response={**response, "output": [], "status": "in_progress"})
    for index, item in enumerate(response["output"]):
        added = {**item, "status": "in_progress"}
        yield event("response.output_item.added", output_index=index, item=added)
        if item["type"] == "message":
            yield event(
                "response.output_text.delta",
                item_id=item["id"],
                output_index=index,
                content_index=0,
                delta=item["content"][0]["text"],
            )
        yield event("response.output_item.done", output_index=index, item=item)
    yield event("response.completed", response=response)


def _chat_completion(model: str, reply: Reply, text: str) -> Json:
    message: Json = {"role": "assistant", "content": text, "refusal": None}
    if reply.tool:
        call = {
            "id": _ident("call_"),
            "type": "function",
            "function": {"name": reply.tool.name, "arguments": json.dumps(reply.tool.arguments)},
        }
        message = {"role": "assistant", "content": None, "refusal": None, "tool_calls": [call]}
    return {
        "id": _ident("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool else "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def _chat_events(completion: Json) -> Iterator[Event]:
    [choice] = completion["choices"]
    message = choice["message"]
    base = {**completion, "object": "chat.completion.chunk"}
    del base["choices"], base["usage"]
    if message.get("tool_calls"):
        delta: Json = {
            "tool_calls": [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
        }
    else:
        delta = {"content": message["content"]}

    def chunk(delta: Json, finish: str | None = None) -> Event:
        return None, {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    yield chunk(delta)
    yield chunk({}, choice["finish_reason"])
    yield None, {**base, "choices": [], "usage": completion["usage"]}
    yield None, "[DONE]"


# -- HTTP ---------------------------------------------------------------------------------


def _handler_for(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes
        _started = 0.0  # when the request being handled was read (perf_counter)

        def log_message(self, format: str, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            self._started = time.perf_counter()
            record = self._record(b"", None)
            if record.route == "models":
                self._json(record, 200, {"object": "list", "data": [], "models": []})
            else:
                self._json(record, 404, {"error": {"type": "not_found", "message": self.path}})

        def do_POST(self) -> None:
            self._started = time.perf_counter()
            raw = self._read_body()
            try:
                decoded = json.loads(raw) if raw else None
            except ValueError:
                decoded = None
            body = decoded if isinstance(decoded, dict) else None
            record = self._record(raw, body)
            route = record.route
            if route is None or route == "models" or body is None:
                self._json(record, 404, {"error": {"type": "not_found", "message": self.path}})
                return
            if route == "count_tokens":  # never scripted: it fails as the default reply does
                default = fake.default
                reply = default if isinstance(default, Reply) and default.status != 200 else ok()
                self._answer(record, "anthropic", reply, {"input_tokens": reply.input_tokens})
                return
            reply = fake.next_reply(record.body)
            if reply.delay_s and fake._stopping.wait(reply.delay_s):
                return
            self._answer(record, route, reply, None)

        def _answer(self, record: Recorded, wire: Wire, reply: Reply, success: Json | None) -> None:
            """Send `reply` in `wire`'s format; a 200 sends `success`, or the model's turn."""
            body, headers = record.body, reply.headers
            if reply.raw_body is not None:
                self._send(record, reply.status, "application/json", [reply.raw_body], headers)
            elif (
                reply.reject_schema_format
                and _dig(body, "response_format", "type") == "json_schema"
            ):
                msg = "Invalid parameter: 'response_format' of type 'json_schema' is not supported"
                self._json(record, 400, error_body(wire, 400, msg), headers)
            elif reply.status != 200:
                message = reply.message
                if reply.echo_auth:
                    message = f"{message}: bad credential {credential(record.headers)!r}"
                self._json(record, reply.status, error_body(wire, reply.status, message), headers)
            else:
                if success is None:
                    text = reply.text
                    if text is None:
                        schema = requested_schema(body)
                        text = json.dumps(instance(schema) if schema else {"ok": True})
                    success = success_body(wire, body, reply, text)
                if body.get("stream"):
                    self._sse(record, stream_events(wire, success), headers)
                else:
                    self._json(record, 200, success, headers)
            record.handled_s -= reply.delay_s

        def _read_body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() != "chunked":
                length = int(self.headers.get("content-length") or 0)
                return self.rfile.read(length) if length else b""
            data = b""
            while size := int(self.rfile.readline().strip().split(b";")[0] or b"0", 16):
                data += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return data

        def _record(self, raw: bytes, body: Json | None) -> Recorded:
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = Recorded(self.command, self.path, headers, body or {}, raw)
            with fake._lock:
                fake.requests.append(record)
            return record

        def _json(
            self, record: Recorded, status: int, payload: Json, extra: dict[str, str] | None = None
        ) -> None:
            self._send(record, status, "application/json", [json.dumps(payload).encode()], extra)

        def _sse(self, record: Recorded, events: Iterator[Event], extra: dict[str, str]) -> None:
            self.close_connection = True  # the stream ends when the connection does
            chunks = (
                ("" if name is None else f"event: {name}\n")
                + f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"
                for name, data in events
            )
            extra = {"cache-control": "no-cache", "connection": "close", **extra}
            self._send(record, 200, "text/event-stream", (c.encode() for c in chunks), extra)

        def _send(
            self,
            record: Recorded,
            status: int,
            content_type: str,
            parts: Iterable[bytes],
            extra: dict[str, str] | None,
        ) -> None:
            record.status = status
            try:
                self.send_response(status)
                self.send_header("content-type", content_type)
                if isinstance(parts, list):
                    self.send_header("content-length", str(sum(len(p) for p in parts)))
                self.send_header("request-id", "req_fake")
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                for part in parts:
                    self.wfile.write(part)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)
            record.handled_s = time.perf_counter() - self._started

    return Handler
