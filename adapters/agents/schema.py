"""JSON Schemas for the CLIs' structured-output flags, derived from the role's pydantic model.

Codex forwards `--output-schema` to the Responses API in strict mode, which accepts only a
subset of JSON Schema: every object closed, every property required, no `default`, no
string-length keywords. Pydantic's own schema is stricter than that subset in some places
and looser in others, so the reply is still validated by the executor afterwards.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

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
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return _inline(schema, defs, depth=0)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema reduced to the strict structured-output subset."""
    return _strict(plain_schema(model))


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
