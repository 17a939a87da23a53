"""Runtime names → classes: a table of built-ins plus the `orchestrate.runtimes` entry points.

Entries are import strings, so asking for `mock` never imports an SDK.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from adapters.base import Runtime, RuntimeSettings
from adapters.errors import PermanentError, UnknownRuntime

BUILTIN: dict[str, str] = {
    "mock": "adapters.mock.runtime:MockRuntime",
    "claude": "adapters.claude:ClaudeRuntime",
    "codex": "adapters.codex:CodexRuntime",
    "copilot": "adapters.copilot:CopilotRuntime",
    "claude-code": "adapters.agents.claude_code:ClaudeCodeRuntime",
    "codex-cli": "adapters.agents.codex_cli:CodexCliRuntime",
    "copilot-cli": "adapters.agents.copilot_cli:CopilotCliRuntime",
}

ENTRY_POINT_GROUP = "orchestrate.runtimes"


@cache
def _plugins() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    return sorted({**_plugins(), **BUILTIN})


def is_known(name: str) -> bool:
    return name in BUILTIN or name in _plugins()


def runtime_class(name: str) -> type[Runtime]:
    target = BUILTIN.get(name) or _plugins().get(name)
    if target is None:
        raise UnknownRuntime(f"unknown runtime {name!r} (known: {', '.join(names())})")
    module_name, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise PermanentError(f"runtime {name!r} cannot be loaded: {exc}") from None


def create(name: str, settings: RuntimeSettings | None = None) -> Runtime:
    return runtime_class(name)(settings or RuntimeSettings())
