"""JSON Schemas of a reply type, derived once from its pydantic model, for every runtime.

`plain_schema` inlines `$ref`s for validators that take full JSON Schema (Claude Code's
`--json-schema`, instructed-JSON prompts). `strict_schema` is the subset OpenAI's strict
structured output accepts (Responses `text.format`, chat `response_format`, Codex CLI's
`--output-schema`): every object closed, every property required, no `default`, no
string-length keywords. The executor still validates every reply against the full model.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel

_NAME_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")

# Keywords the strict structured-output subset understands; everything else is dropped.
_STRICT_KEYS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "description",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)


def plain_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema with `$ref`s inlined, for validators that handle full JSON Schema."""
    return _plain(model)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema reduced to the strict structured-output subset."""
    return _strict_cached(model)


@cache  # a model's schema never changes within a process, and building it is slow
def _plain(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, defs, depth=0)
    return inlined


@cache
def _strict_cached(model: type[BaseModel]) -> dict[str, Any]:
    strict: dict[str, Any] = _strict(_plain(model))
    return strict


def schema_name(model: type[BaseModel]) -> str:
    """The `name` the OpenAI APIs want beside a schema: [A-Za-z0-9_-], at most 64."""
    name = "".join(c if c in _NAME_OK else "_" for c in model.__name__)
    return name[:64] or "reply"


def _inline(node: Any, defs: dict[str, Any], depth: int) -> Any:
    if depth > 32:
        raise ValueError("schema nests too deeply (recursive model?)")
    if isinstance(node, list):
        return [_inline(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        target = _inline(defs[name], defs, depth + 1)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return {**target, **_inline(siblings, defs, depth + 1)}
    if isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
        merged = {**_inline(node["allOf"][0], defs, depth + 1)}
        merged.update({k: v for k, v in node.items() if k != "allOf"})
        return _inline(merged, defs, depth + 1)
    return {key: _inline(value, defs, depth + 1) for key, value in node.items()}


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in _STRICT_KEYS:
            continue
        if key == "properties":
            out[key] = {name: _strict(sub) for name, sub in value.items()}
        else:
            out[key] = _strict(value)
    if out.get("type") == "object" or "properties" in out:
        properties = out.setdefault("properties", {})
        out["required"] = list(properties)
        out["additionalProperties"] = False
    return out


def answer_instruction(model: type[BaseModel]) -> str:
    """For endpoints and CLIs that do not enforce a schema: ask for the JSON in words. The
    `JSON Schema:` marker before the schema is what tests' fake servers look for."""
    schema = json.dumps(plain_schema(model), separators=(",", ":"))
    return (
        "Answer with exactly one JSON object and nothing else (no prose, no code fences) "
        f"that validates against this JSON Schema:\n{schema}"
    )
