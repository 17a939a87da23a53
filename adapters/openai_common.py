"""What `codex` and `copilot` share: the OpenAI client, strict JSON schemas, error mapping."""

from __future__ import annotations

import copy
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from adapters import provider_errors
from adapters.errors import AdapterError

if TYPE_CHECKING:
    import openai

_NAME_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def make_client(key: str, base_url: str, timeout_s: float) -> openai.OpenAI:
    """Imports the SDK on first use: `runtimes` and an open circuit never pay for it."""
    import openai

    # max_retries=0: the executor is the one retry policy
    return openai.OpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=timeout_s)


def schema_name(output_type: type[BaseModel]) -> str:
    name = "".join(c if c in _NAME_OK else "_" for c in output_type.__name__)
    return name[:64] or "reply"


@cache
def strict_schema(output_type: type[BaseModel]) -> dict[str, Any]:
    """The pydantic schema in the subset strict mode accepts.

    Every property required, no extra properties, no defaults, and `$ref`s with siblings
    inlined. Our executor validates the full pydantic type afterwards anyway.
    """
    schema = output_type.model_json_schema()
    defs = schema.get("$defs", {})
    return _strict(schema, defs)


def _strict(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = copy.copy(node)
    node.pop("default", None)
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1 and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"), {})
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    out = {key: _strict(value, defs) for key, value in node.items()}
    if out.get("type") == "object":
        props = out.get("properties", {})
        out["additionalProperties"] = False
        out["required"] = list(props)
    return out


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
