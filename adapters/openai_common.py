"""What `codex` and `copilot` share: the OpenAI client and its error mapping."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from adapters import provider_errors
from adapters.errors import AdapterError

if TYPE_CHECKING:
    import openai


def make_client(key: str, base_url: str, timeout_s: float) -> openai.OpenAI:
    """Imports the SDK on first use: `runtimes` and an open circuit never pay for it."""
    import openai

    # max_retries=0: the executor is the one retry policy
    return openai.OpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=timeout_s)


def classify(
    runtime: str, exc: Exception, timeout_s: float, key: str, key_hint: str, base_url: str
) -> AdapterError:
    """openai SDK exception → our error (see `provider_errors.classify_sdk_error`)."""
    return provider_errors.classify_sdk_error(
        "openai", runtime, exc, timeout_s, key, key_hint, base_url
    )


def rejects_schema_format(exc: Exception) -> bool:
    """A 400/422 saying the endpoint or model does not take a `json_schema` response format."""
    openai = sys.modules.get("openai")
    if openai is None or not isinstance(
        exc, openai.BadRequestError | openai.UnprocessableEntityError
    ):
        return False
    text = f"{provider_errors.body_message(exc.body)} {exc.message}".lower()
    return any(word in text for word in ("response_format", "json_schema", "structured output"))
