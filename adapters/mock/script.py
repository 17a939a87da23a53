"""Scripted replies: a JSON or TOML file mapping role → reply or list of replies.

A reply is an object (merged over the generated draft), a string (returned verbatim, so a
test can send bad JSON), or `{"$error": KIND}` to raise a runtime failure of that kind.
Successive calls for a role take successive entries; the last one repeats.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import JsonValue

from adapters.errors import PermanentError


def load(path: str) -> dict[str, list[JsonValue]]:
    if not path:
        return {}
    file = Path(path)
    try:
        raw = file.read_text(encoding="utf-8")
        data = tomllib.loads(raw) if file.suffix == ".toml" else json.loads(raw)
    except (OSError, ValueError) as exc:
        raise PermanentError(f"mock script {path}: {type(exc).__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise PermanentError(f"mock script {path}: expected a mapping of role to replies")
    return {role: (v if isinstance(v, list) else [v]) for role, v in data.items()}


def merge(base: dict[str, JsonValue], patch: dict[str, JsonValue]) -> dict[str, JsonValue]:
    out = dict(base)
    for key, value in patch.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = merge(current, value)
        else:
            out[key] = value
    return out
