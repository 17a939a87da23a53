"""Shared fixtures: every test runs in its own directory, with no provider keys in sight."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app

pytest_plugins = ["tests.postgres_fixtures"]  # pg_url, make_database, location

_SCRUBBED = (
    "ORCHESTRATE_LEDGER",
    "ORCHESTRATE_CONFIG",
    "ORCHESTRATE_RUNTIME",
    "ORCHESTRATE_MAX_REVIEW_ROUNDS",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "ORCHESTRATE_API_TOKEN",
    "ORCHESTRATE_GITHUB_WEBHOOK_SECRET",
    "ORCHESTRATE_ALERTMANAGER_TOKEN",
    "ORCHESTRATE_GITHUB_TOKEN",
)

FAST_RETRY = """
[retry]
max_attempts = 3
base_delay_s = 0.001
max_delay_s = 0.01
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in _SCRUBBED:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    return tmp_path / "coordination"


@pytest.fixture
def cli() -> Callable[..., object]:
    """Invoke the real typer app the way a user types it."""
    runner = CliRunner()

    def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None):
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    def write(body: str, name: str = "orchestrate.toml") -> Path:
        path = tmp_path / name
        path.write_text(FAST_RETRY + body, encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_script(tmp_path: Path) -> Callable[[dict], Path]:
    """A mock script file: role → reply or list of replies."""

    def write(replies: dict, name: str = "script.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(replies), encoding="utf-8")
        return path

    return write
