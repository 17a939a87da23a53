"""`codex`: OpenAI's Responses API through the `openai` SDK, with a strict JSON-schema format.

The role's pydantic type becomes `text.format = {"type": "json_schema", "strict": true}`, so
the model's output text is the JSON object itself; the executor validates it against the
full pydantic type. Optional `reasoning_effort` in `[runtimes.codex]` is passed through.

The SDK is imported on the first request (the registry names this module by import string).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from adapters import openai_common, schemas
from adapters.base import AgentCall, RawReply, RuntimeSettings, Usage
from adapters.errors import AdapterError, InvalidReply
from adapters.remote import RemoteRuntime, RemoteSettings, require_text, user_text

if TYPE_CHECKING:
    import openai
    from openai.types.responses import ResponseTextConfigParam

DEFAULT_MODEL = "gpt-5.3-codex"
_MIN_OUTPUT_TOKENS = 16  # the smallest max_output_tokens the Responses API accepts


class CodexSettings(RemoteSettings):
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None


class CodexRuntime(RemoteRuntime):
    name: ClassVar[str] = "codex"
    Settings: ClassVar[type[RuntimeSettings]] = CodexSettings
    settings: CodexSettings
    key_vars: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    base_url_var: ClassVar[str | None] = "OPENAI_BASE_URL"
    default_base_url: ClassVar[str] = "https://api.openai.com/v1"
    default_model: ClassVar[str] = DEFAULT_MODEL

    def _make_client(self, key: str, base_url: str) -> openai.OpenAI:
        return openai_common.make_client(key, base_url, self.settings.timeout_s)

    def _send(self, client: openai.OpenAI, call: AgentCall[Any], model: str) -> RawReply:
        extra: dict[str, Any] = {}
        if self.settings.reasoning_effort:
            extra["reasoning"] = {"effort": self.settings.reasoning_effort}
        text: ResponseTextConfigParam = {
            "format": {
                "type": "json_schema",
                "name": schemas.schema_name(call.output_type),
                "schema": schemas.strict_schema(call.output_type),
                "strict": True,
            }
        }
        response = client.responses.create(
            model=model,
            instructions=call.system,
            input=user_text(call),
            text=text,
            max_output_tokens=self.settings.max_output_tokens,
            store=False,
            timeout=call.timeout_s,
            **extra,
        )
        if response.status == "incomplete":
            reason = getattr(response.incomplete_details, "reason", None) or "unknown"
            raise InvalidReply(f"{self.name}: reply incomplete ({reason})")
        if _refused(response):
            raise InvalidReply(f"{self.name}: the model refused to answer")
        usage = response.usage
        return RawReply(
            text=require_text(self.name, response.output_text, f"status={response.status}"),
            model=response.model or model,
            usage=Usage(
                input_tokens=getattr(usage, "input_tokens", 0) or 0,
                output_tokens=getattr(usage, "output_tokens", 0) or 0,
            ),
            session_id=response.id,
            extra={"status": response.status or "", "structured": "json_schema"},
        )

    def _ping(self, client: openai.OpenAI, model: str, timeout_s: float) -> None:
        client.responses.create(
            model=model,
            input="ping",
            max_output_tokens=_MIN_OUTPUT_TOKENS,
            store=False,
            timeout=timeout_s,
        )

    def _classify(self, exc: Exception, timeout_s: float, key: str) -> AdapterError:
        return openai_common.classify(
            self.name, exc, timeout_s, key, self.key_hint, self.base_url()
        )


def _refused(response: Any) -> bool:
    for item in response.output or []:
        if getattr(item, "type", "") != "message":
            continue
        for part in getattr(item, "content", None) or []:
            if getattr(part, "type", "") == "refusal":
                return True
    return False
