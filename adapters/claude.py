"""`claude`: the Anthropic Messages API through the `anthropic` SDK.

Structured output uses the API's **native structured output** (`output_config.format` with a
JSON schema from the role's pydantic type), not a forced tool. Why: the reply is constrained
to the schema by the decoder and comes back as the text block itself, so the raw text the
ledger records is exactly the JSON we validate (no tool_use envelope to unwrap, no
`tool_choice` that is incompatible with extended thinking). The SDK's `transform_schema`
moves constraints the API does not enforce (lengths, bounds) into descriptions; our executor
still validates the full pydantic type, so nothing is lost.

The SDK is imported on the first request (the registry names this module by import string).
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from adapters import provider_errors
from adapters.base import AgentCall, RawReply, Usage
from adapters.errors import AdapterError, InvalidReply
from adapters.remote import RemoteRuntime, require_text, user_text

if TYPE_CHECKING:
    import anthropic
    from anthropic.types import MessageParam, OutputConfigParam

DEFAULT_MODEL = "claude-sonnet-4-6"


def _sdk() -> ModuleType:
    """The SDK, imported on first use: `runtimes` and an open circuit never pay for it."""
    import anthropic

    return anthropic


def output_schema(output_type: type[BaseModel]) -> dict[str, Any]:
    return _transformed(output_type)


@cache  # the SDK's transform walks the whole schema; a model's never changes
def _transformed(output_type: type[BaseModel]) -> dict[str, Any]:
    schema: dict[str, Any] = _sdk().transform_schema(output_type)
    return schema


class ClaudeRuntime(RemoteRuntime):
    name: ClassVar[str] = "claude"
    key_vars: ClassVar[tuple[str, ...]] = ("ANTHROPIC_API_KEY",)
    base_url_var: ClassVar[str | None] = "ANTHROPIC_BASE_URL"
    default_base_url: ClassVar[str] = "https://api.anthropic.com"
    default_model: ClassVar[str] = DEFAULT_MODEL

    def _make_client(self, key: str, base_url: str) -> anthropic.Anthropic:
        # max_retries=0: the executor is the one retry policy
        client: anthropic.Anthropic = _sdk().Anthropic(
            api_key=key, base_url=base_url, max_retries=0, timeout=self.settings.timeout_s
        )
        return client

    def _send(self, client: anthropic.Anthropic, call: AgentCall[Any], model: str) -> RawReply:
        messages: list[MessageParam] = [{"role": "user", "content": user_text(call)}]
        config: OutputConfigParam = {
            "format": {"type": "json_schema", "schema": output_schema(call.output_type)}
        }
        message = client.messages.create(
            model=model,
            max_tokens=self.settings.max_output_tokens,
            system=call.system,
            messages=messages,
            output_config=config,
            timeout=call.timeout_s,
        )
        text = "".join(b.text for b in message.content if b.type == "text")
        stop = message.stop_reason or ""
        if stop == "refusal":
            raise InvalidReply(f"{self.name}: the model refused to answer")
        if stop == "max_tokens":
            raise InvalidReply(
                f"{self.name}: reply cut off at max_output_tokens={self.settings.max_output_tokens}"
            )
        usage = message.usage
        return RawReply(
            text=require_text(self.name, text, f"stop_reason={stop or 'none'}"),
            model=message.model or model,
            usage=Usage(
                input_tokens=getattr(usage, "input_tokens", 0) or 0,
                output_tokens=getattr(usage, "output_tokens", 0) or 0,
            ),
            session_id=message.id,
            extra={"stop_reason": stop, "structured": "native"},
        )

    def _ping(self, client: anthropic.Anthropic, model: str, timeout_s: float) -> None:
        client.messages.create(
            model=model,
            max_tokens=1,
            messages=[{"role": "user", "content": "ping"}],
            timeout=timeout_s,
        )

    def _classify(self, exc: Exception, timeout_s: float, key: str) -> AdapterError:
        return classify(self.name, exc, timeout_s, key, self.key_hint, self.base_url())


def classify(
    runtime: str, exc: Exception, timeout_s: float, key: str, key_hint: str, base_url: str
) -> AdapterError:
    """anthropic SDK exception → our error (see `provider_errors.classify_sdk_error`)."""
    return provider_errors.classify_sdk_error(
        "anthropic", runtime, exc, timeout_s, key, key_hint, base_url
    )
