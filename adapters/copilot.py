"""`copilot`: GitHub Models (the Copilot model catalogue) via its OpenAI-compatible chat API.

Uses the `openai` SDK against `https://models.github.ai/inference` with a GitHub token
(`GITHUB_TOKEN`, else `GH_TOKEN`). Structured output asks for a strict `json_schema`
response format first; some models behind the endpoint reject it with a 400, and then (once
per model and endpoint, remembered by the runtime instance) we fall back to *instructed*
JSON (the schema in the system prompt) and let the executor validate the reply. That
second request is a capability downgrade, not a retry, so it is not counted as one.

The SDK is imported on the first request (the registry names this module by import string).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar

from adapters import openai_common, schemas
from adapters.base import AgentCall, RawReply, Usage
from adapters.errors import AdapterError, InvalidReply
from adapters.remote import (
    RemoteRuntime,
    RemoteSettings,
    require_text,
    user_text,
)

if TYPE_CHECKING:
    import openai

DEFAULT_MODEL = "openai/gpt-4.1"
DEFAULT_BASE_URL = "https://models.github.ai/inference"


class CopilotRuntime(RemoteRuntime):
    name: ClassVar[str] = "copilot"
    key_vars: ClassVar[tuple[str, ...]] = ("GITHUB_TOKEN", "GH_TOKEN")
    base_url_var: ClassVar[str | None] = None
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    default_model: ClassVar[str] = DEFAULT_MODEL

    def __init__(self, settings: RemoteSettings) -> None:
        super().__init__(settings)
        self._instructed: set[tuple[str, str]] = set()  # (base_url, model) without json_schema
        self._lock = threading.Lock()

    def _make_client(self, key: str, base_url: str) -> openai.OpenAI:
        return openai_common.make_client(key, base_url, self.settings.timeout_s)

    def _send(self, client: openai.OpenAI, call: AgentCall[Any], model: str) -> RawReply:
        where = (self.base_url(), model)
        if where not in self._instructed:
            try:
                return self._complete(client, call, model, structured=True)
            except Exception as exc:
                if not openai_common.rejects_schema_format(exc):
                    raise
                with self._lock:
                    self._instructed.add(where)
        return self._complete(client, call, model, structured=False)

    def _complete(
        self, client: openai.OpenAI, call: AgentCall[Any], model: str, *, structured: bool
    ) -> RawReply:
        kwargs: dict[str, Any] = {}
        if structured:
            system = call.system
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": schemas.schema_name(call.output_type),
                    "schema": schemas.strict_schema(call.output_type),
                    "strict": True,
                },
            }
        else:  # the endpoint refused a schema format: ask for the JSON in words
            system = f"{call.system}\n\n{schemas.answer_instruction(call.output_type)}"
        completion = client.chat.completions.create(
            model=model,
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": user_text(call)},
            ],
            max_tokens=self.settings.max_output_tokens,
            timeout=call.timeout_s,
            **kwargs,
        )
        if not completion.choices:
            raise InvalidReply(f"{self.name}: reply has no choices")
        choice = completion.choices[0]
        if choice.finish_reason == "length":
            raise InvalidReply(
                f"{self.name}: reply cut off at max_output_tokens={self.settings.max_output_tokens}"
            )
        message = choice.message
        if getattr(message, "refusal", None):
            raise InvalidReply(f"{self.name}: the model refused to answer")
        usage = completion.usage
        return RawReply(
            text=require_text(self.name, message.content, f"finish_reason={choice.finish_reason}"),
            model=completion.model or model,
            usage=Usage(
                input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                output_tokens=getattr(usage, "completion_tokens", 0) or 0,
            ),
            session_id=completion.id,
            extra={
                "finish_reason": choice.finish_reason or "",
                "structured": "json_schema" if structured else "instructed",
            },
        )

    def _ping(self, client: openai.OpenAI, model: str, timeout_s: float) -> None:
        client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "ping"}],
            max_tokens=1,
            timeout=timeout_s,
        )

    def _classify(self, exc: Exception, timeout_s: float, key: str) -> AdapterError:
        return openai_common.classify(
            self.name, exc, timeout_s, key, self.key_hint, self.base_url()
        )
