"""Runtime names → classes: a table of built-ins plus the `orchestrate.runtimes` entry points.

Entries are import strings, so asking for `mock` never imports an SDK (and a runtime's module
imports its SDK only on the first request). A runtime's `[runtimes.NAME]` table is validated
against its class's `Settings` here, when the config loads.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from pydantic import ValidationError

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
    """Installed plugins, read once and only when a name is not built in (the scan costs)."""
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    return sorted({**_plugins(), **BUILTIN})


def is_known(name: str) -> bool:
    return name in BUILTIN or name in _plugins()


@cache
def runtime_class(name: str) -> type[Runtime[Any]]:
    target = BUILTIN.get(name) or _plugins().get(name)
    if target is None:
        raise UnknownRuntime(f"unknown runtime {name!r} (known: {', '.join(names())})")
    module_name, _, attr = target.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except Exception as exc:  # a plugin that fails to import is reported, never a crash
        raise PermanentError(f"runtime {name!r} cannot be loaded: {exc}") from None
    if not (isinstance(found, type) and issubclass(found, Runtime)):
        raise PermanentError(f"runtime {name!r} ({target}) is not an adapters.base.Runtime")
    return found


def settings_for(name: str, table: dict[str, object]) -> RuntimeSettings:
    """Validate a `[runtimes.NAME]` table; raises ValidationError naming the bad key."""
    return runtime_class(name).Settings.model_validate(table)


def create(name: str, settings: RuntimeSettings | None = None) -> Runtime[Any]:
    """An instance of runtime `name` with its own validated settings (defaults if none)."""
    cls = runtime_class(name)
    if settings is None:
        settings = cls.Settings()
    elif not isinstance(settings, cls.Settings):
        try:
            settings = cls.Settings.model_validate(settings.model_dump(exclude_unset=True))
        except ValidationError as exc:
            raise PermanentError(f"[runtimes.{name}]: {exc.errors()[0]['msg']}") from None
    return cls(settings)


__all__ = ["ENTRY_POINT_GROUP", "create", "is_known", "names", "runtime_class", "settings_for"]
