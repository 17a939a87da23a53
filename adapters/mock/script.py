"""Scripted replies: role → reply or list of replies, from a JSON/TOML file or inline JSON.

A reply is an object (merged over the generated draft), a string (returned verbatim, so a
test can send bad JSON), or `{"$error": KIND}` to raise a runtime failure of that kind.
Successive calls for a role take successive entries; the last one repeats. `script` in
`[runtimes.mock]` is a path, or, when it starts with `{`, the JSON itself.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import JsonValue

from adapters.errors import NotReady


def load(source: str) -> dict[str, list[JsonValue]]:
    if not source.strip():
        return {}
    inline = source.lstrip().startswith("{")
    where = "inline mock script" if inline else f"mock script {source}"
    try:
        data = json.loads(source) if inline else _read(Path(source))
    except FileNotFoundError:
        raise NotReady(f"{where}: no such file (script takes a path or inline JSON)") from None
    except OSError as exc:
        raise NotReady(f"{where}: cannot read it: {exc.strerror}") from None
    except ValueError as exc:
        raise NotReady(
            f"{where}: not valid {'TOML' if source.endswith('.toml') else 'JSON'}: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise NotReady(f"{where}: expected a mapping of role to replies")
    return {role: (v if isinstance(v, list) else [v]) for role, v in data.items()}


def _read(file: Path) -> object:
    raw = file.read_text(encoding="utf-8")
    return tomllib.loads(raw) if file.suffix == ".toml" else json.loads(raw)


def merge(base: dict[str, JsonValue], patch: dict[str, JsonValue]) -> dict[str, JsonValue]:
    out = dict(base)
    for key, value in patch.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = merge(current, value)
        else:
            out[key] = value
    return out
