"""A scriptable loopback fake of three provider APIs, for driving the real SDKs over HTTP.

Speaks the wire formats the adapters use: Anthropic `POST /v1/messages`, OpenAI Responses
`POST /v1/responses` and chat completions `POST /chat/completions` (GitHub Models / OpenAI).
Each test scripts the next replies (status, Retry-After, invalid bodies, delays); anything
unscripted gets `default`. With no reply text given, the fake answers with a JSON instance
of the schema the request asked for, so real role types validate. Every request is recorded
(headers, body, server-side handling time). Binds 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted response. `text` is the model's output text; None means schema-derived."""

    status: int = 200
    text: str | None = None
    raw_body: bytes | None = None  # sent verbatim (e.g. not JSON at all)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    message: str = "scripted failure"
    echo_auth: bool = False  # put the request's credential into the error message
    reject_schema_format: bool = False  # 400 if the request asks for a json_schema format
    input_tokens: int = 11
    output_tokens: int = 7


def ok(text: str | None = None, **kw: Any) -> Reply:
    return Reply(text=text, **kw)


def error(status: int, message: str = "scripted failure", retry_after: str | None = None) -> Reply:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return Reply(status=status, message=message, headers=headers)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    handled_s: float = 0.0  # server-side time from request line to response flushed


class FakeProvider:
    """`with FakeProvider() as fake:` then point a runtime's base_url at `fake.url`."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply()
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
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> FakeProvider:
        with self._lock:
            self._queue.extend(replies)
        return self

    def next_reply(self) -> Reply:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def model_requests(self) -> list[Recorded]:
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


# -- wire formats -------------------------------------------------------------------------


def wire_of(path: str) -> str | None:
    path = path.split("?", 1)[0].rstrip("/")
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith("/responses"):
        return "responses"
    if path.endswith("/chat/completions"):
        return "chat"
    return None


def requested_schema(wire: str, body: dict[str, Any]) -> dict[str, Any] | None:
    if wire == "anthropic":
        return ((body.get("output_config") or {}).get("format") or {}).get("schema")
    if wire == "responses":
        return ((body.get("text") or {}).get("format") or {}).get("schema")
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema")
    for msg in body.get("messages", []):  # instructed JSON: the schema is in the prompt
        found = re.search(r"JSON Schema:\n(\{.*\})\s*$", str(msg.get("content", "")), re.S)
        if found:
            return json.loads(found.group(1))
    return None


def instance_of(schema: dict[str, Any], defs: dict[str, Any] | None = None, key: str = "") -> Any:
    """A small valid instance of a JSON schema: first enum value, non-empty strings, 1 item."""
    defs = schema.get("$defs", defs or {})
    if "$ref" in schema:
        return instance_of(defs[schema["$ref"].split("/")[-1]], defs, key)
    for union in ("anyOf", "oneOf", "allOf"):
        if schema.get(union):
            return instance_of(schema[union][0], defs, key)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: instance_of(sub, defs, name) for name, sub in props.items()}
    if kind == "array":
        return [instance_of(schema.get("items", {"type": "string"}), defs, key)]
    if kind == "boolean":
        return True
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        low, high = schema.get("minimum", 0.0), schema.get("maximum", 1.0)
        return (low + high) / 2
    if kind == "null":
        return None
    return f"fake {key or 'text'}"


def success_body(wire: str, model: str, text: str, reply: Reply) -> dict[str, Any]:
    ident = uuid.uuid4().hex[:12]
    if wire == "anthropic":
        return {
            "id": f"msg_{ident}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
        }
    if wire == "responses":
        return {
            "id": f"resp_{ident}",
            "object": "response",
            "created_at": time.time(),
            "status": "completed",
            "model": model,
            "error": None,
            "incomplete_details": None,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "output": [
                {
                    "type": "message",
                    "id": f"msg_{ident}",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ],
            "usage": {
                "input_tokens": reply.input_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": reply.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": reply.input_tokens + reply.output_tokens,
            },
        }
    return {
        "id": f"chatcmpl-{ident}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def error_body(wire: str, status: int, message: str) -> dict[str, Any]:
    if wire == "anthropic":
        kind = {401: "authentication_error", 429: "rate_limit_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": "error", "param": None, "code": str(status)}}


def _credential(headers: dict[str, str]) -> str:
    if "x-api-key" in headers:
        return headers["x-api-key"]
    return headers.get("authorization", "").removeprefix("Bearer ").strip()


def _handler_for(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            self._send(404, {"error": {"message": "not found"}}, {})

        def do_POST(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = raw.decode("utf-8", "replace")
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = Recorded("POST", self.path, headers, body)
            with fake._lock:
                fake.requests.append(record)
            wire = wire_of(self.path)
            if wire is None or not isinstance(body, dict):
                self._send(404, {"error": {"message": f"no route {self.path}"}}, {})
                return
            reply = fake.next_reply()
            if reply.delay_s and fake._stopping.wait(reply.delay_s):
                return
            status, payload = self._outcome(wire, body, headers, reply)
            record.status = status
            self._send(status, payload, reply.headers)
            record.handled_s = time.perf_counter() - started - reply.delay_s

        def _outcome(
            self, wire: str, body: dict[str, Any], headers: dict[str, str], reply: Reply
        ) -> tuple[int, Any]:
            if reply.raw_body is not None:
                return reply.status, reply.raw_body
            if (
                reply.reject_schema_format
                and (body.get("response_format") or {}).get("type") == "json_schema"
            ):
                msg = "Invalid parameter: 'response_format' of type 'json_schema' is not supported"
                return 400, error_body(wire, 400, msg)
            if reply.status != 200:
                message = reply.message
                if reply.echo_auth:
                    message = f"{message}: bad credential {_credential(headers)!r}"
                return reply.status, error_body(wire, reply.status, message)
            text = reply.text
            if text is None:
                schema = requested_schema(wire, body)
                text = json.dumps(instance_of(schema) if schema else {"ok": True})
            model = str(body.get("model") or "fake-model")
            return 200, success_body(wire, model, text, reply)

        def _send(self, status: int, payload: Any, extra: dict[str, str]) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", "req_fake")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    return Handler
