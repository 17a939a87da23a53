"""Shared fixtures for the runtime tests: a started fake provider, planted keys, fast policy.

Test modules load them with `pytest_plugins = ("tests.fakes.fixtures",)`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import JsonValue

from adapters.base import RuntimeSettings
from adapters.events import ExecutorEvent
from adapters.executor import Executor
from adapters.policy import RetryPolicy
from tests.fakes.server import FakeProvider, base_url

REPO_DIR = Path(__file__).resolve().parents[2]

# planted keys: distinctive, so a leak anywhere is easy to find
KEYS: dict[str, str] = {
    "ANTHROPIC_API_KEY": "sk-ant-planted-7f3a9c1e5b2d4f6a8c0e",
    "OPENAI_API_KEY": "sk-planted-openai-2b4d6f8a0c1e3a5c7e9b",
    "GITHUB_TOKEN": "ghp_plantedGithubToken0123456789ABCDEF",
    "GH_TOKEN": "gho_plantedGhToken0123456789ABCDEFGHIJ",
}
KEY_VAR: dict[str, str] = {
    "claude": "ANTHROPIC_API_KEY",
    "codex": "OPENAI_API_KEY",
    "copilot": "GITHUB_TOKEN",
}
_CLEARED = (
    "ANTHROPIC_BASE_URL",
    "OPENAI_BASE_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_CUSTOM_HEADERS",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "ORCHESTRATE_CONFIG",
    "ORCHESTRATE_LEDGER",
    "ORCHESTRATE_RUNTIME",
)


def fast_policy(**overrides: Any) -> RetryPolicy:
    values: dict[str, Any] = {
        "max_attempts": 3,
        "base_delay_s": 0.005,
        "max_delay_s": 1.0,
        "deadline_s": 20.0,
        "max_invalid_replies": 2,
        "breaker_threshold": 3,
        "breaker_cooldown_s": 60.0,
    }
    values.update(overrides)
    return RetryPolicy(**values)


class Events:
    """A sink that keeps what the executor reported."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, JsonValue]]] = []

    def __call__(self, event: ExecutorEvent) -> None:
        self.items.append((event.action, event.model_dump()))

    def actions(self) -> list[str]:
        return [a for a, _ in self.items]

    def of(self, action: str) -> list[dict[str, JsonValue]]:
        return [d for a, d in self.items if a == action]

    def dump(self) -> str:
        return json.dumps(self.items)


class Sleeps:
    """A sleep that records what it was asked and really sleeps only a little."""

    def __init__(self, cap_s: float = 0.01) -> None:
        self.calls: list[float] = []
        self.cap_s = cap_s

    def __call__(self, seconds: float) -> None:
        import time

        self.calls.append(seconds)
        time.sleep(min(seconds, self.cap_s))


def make_executor(
    runtime: str,
    fake: FakeProvider,
    *,
    events: Events | None = None,
    state_dir: Path | None = None,
    sleep: Sleeps | None = None,
    timeout_s: float = 5.0,
    **policy: Any,
) -> Executor:
    settings = {runtime: RuntimeSettings(base_url=base_url(runtime, fake), timeout_s=timeout_s)}
    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    return Executor(
        settings=settings,
        policy=fast_policy(**policy),
        sink=events,
        state_dir=state_dir,
        **kwargs,
    )


def run_child(spec: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `tests.fakes.child` in a fresh interpreter: a second CLI process, in miniature."""
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_DIR), child_env.get("PYTHONPATH", "")) if p
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.fakes.child", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def provider_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Planted keys in the environment, and nothing else that could redirect the SDKs."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return dict(KEYS)


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as server:
        yield server


@pytest.fixture
def events() -> Events:
    return Events()
