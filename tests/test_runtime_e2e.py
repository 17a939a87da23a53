"""Real runtimes end to end through the CLI, against the loopback fake of all three APIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.fixtures import KEYS
from tests.fakes.server import FakeProvider, Reply, error
from tests.helpers import events_of

pytest_plugins = ("tests.fakes.fixtures",)

INCIDENT = "Login returns 500 for every user since the 10:00 deploy"
ORCHESTRATE = str(Path(sys.executable).with_name("orchestrate"))


def runtimes_toml(fake: FakeProvider, roles: dict[str, str], extra: str = "") -> str:
    lines = ["[roles]", *(f'{role} = "{name}"' for role, name in roles.items())]
    lines += [
        "[runtimes.claude]",
        f'base_url = "{fake.url}"',
        "timeout_s = 5",
        "[runtimes.codex]",
        f'base_url = "{fake.url}/v1"',
        "timeout_s = 5",
        "[runtimes.copilot]",
        f'base_url = "{fake.url}"',
        "timeout_s = 5",
    ]
    return "\n".join(lines) + "\n" + extra


def orchestrate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real `orchestrate` process: a new interpreter, as from a cron job."""
    return subprocess.run(
        [ORCHESTRATE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )


RETRY = """
[retry]
max_attempts = 3
base_delay_s = 0.001
max_delay_s = 0.01
breaker_threshold = 3
breaker_cooldown_s = 600
"""


def write_toml(where: Path, body: str) -> Path:
    path = where / "orchestrate.toml"
    path.write_text(RETRY + body, encoding="utf-8")
    return path


MIXED = {"triage": "claude", "dev": "codex", "test": "copilot", "pm": "mock", "ops": "mock"}


@pytest.mark.usefixtures("provider_env")
def test_mixed_runtimes_end_to_end_record_runtime_and_model(
    cli: Callable[..., object],
    write_config: Callable[[str], Path],
    fake: FakeProvider,
    ledger_dir: Path,
) -> None:
    config = write_config(runtimes_toml(fake, MIXED))
    result = cli("submit", INCIDENT, "--config", str(config), "--ledger", str(ledger_dir), "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["state"] == "CLOSED"
    events = events_of(ledger_dir, out["request_id"])

    [triaged] = [e for e in events if e["action"] == "TRIAGED"]
    assert triaged["details"]["runtime"] == "claude"
    assert triaged["details"]["model"] == "claude-sonnet-4-6"
    completed = {
        e["details"]["role"]: e["details"] for e in events if e["action"] == "ROLE_COMPLETED"
    }
    expected = {"dev": ("codex", "gpt-5.3-codex"), "test": ("copilot", "openai/gpt-4.1")}
    for role, (runtime, model) in expected.items():
        assert (completed[role]["runtime"], completed[role]["model"]) == (runtime, model)
        assert completed[role]["usage"] == {"input_tokens": 11, "output_tokens": 7}
        assert completed[role]["latency_ms"] > 0 and completed[role]["attempts"] == 1
    assert completed["pm"]["runtime"] == "mock"
    assert {r.path for r in fake.model_requests()} == {
        "/v1/messages",
        "/v1/responses",
        "/chat/completions",
    }
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0


@pytest.mark.usefixtures("provider_env")
def test_open_breaker_outlives_the_process_that_opened_it(
    cli: Callable[..., object], fake: FakeProvider, tmp_path: Path
) -> None:
    fake.default = error(503, "overloaded")
    roles = {"all": "mock", "dev": "codex"}
    config = write_toml(
        tmp_path, runtimes_toml(fake, roles, '[fallback]\ndev = ["codex", "mock"]\n')
    )
    first = cli("submit", INCIDENT, "--config", str(config), "--json")
    assert first.exit_code == 0, first.stderr
    sent = len(fake.model_requests())
    assert sent >= 1
    req1 = json.loads(first.stdout)["request_id"]
    ledger = tmp_path / "coordination"
    ev1 = events_of(ledger, req1)
    runtime_events = [e for e in ev1 if e["actor"] == "runtime:codex"]
    assert [e["action"] for e in runtime_events][-2:] == ["CIRCUIT_OPENED", "RUNTIME_FALLBACK"]
    dev = next(e for e in ev1 if e["action"] == "ROLE_COMPLETED" and e["details"]["role"] == "dev")
    assert dev["details"]["runtime"] == "mock"
    state = json.loads((ledger / "runtime-state" / "breakers.json").read_text())
    assert state["runtimes"]["codex"]["state"] == "open"

    second = orchestrate(
        "submit", INCIDENT + " again", "--config", str(config), "--json", cwd=tmp_path
    )
    assert second.returncode == 0, second.stderr
    assert len(fake.model_requests()) == sent  # the dead provider was not called again
    ev2 = events_of(ledger, json.loads(second.stdout)["request_id"])
    [fallback] = [e for e in ev2 if e["action"] == "RUNTIME_FALLBACK"]
    assert fallback["details"]["error_kind"] == "circuit_open"
    assert fallback["actor"] == "runtime:codex"


def _tree_text(root: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*") if p.is_file()
    )


@pytest.mark.usefixtures("provider_env")
def test_planted_keys_never_reach_the_ledger_or_any_output(
    cli: Callable[..., object],
    write_config: Callable[[str], Path],
    fake: FakeProvider,
    ledger_dir: Path,
) -> None:
    # every provider echoes the credential it got into its error text, then recovers
    fake.script(
        Reply(status=500, echo_auth=True),
        Reply(status=429, echo_auth=True, headers={"retry-after": "0"}),
    )
    config = write_config(runtimes_toml(fake, {**MIXED, "ops": "copilot"}))
    outputs: list[str] = []
    for text in (INCIDENT, "Checkout button is misaligned on mobile"):
        result = cli("submit", text, "--config", str(config), "--ledger", str(ledger_dir), "--json")
        outputs += [result.stdout, result.stderr]
    fake.default = Reply(status=401, echo_auth=True)  # and one that fails outright
    failed = cli(
        "submit", "Payments failing", "--config", str(config), "--ledger", str(ledger_dir), "--json"
    )
    outputs += [failed.stdout, failed.stderr]
    request_id = json.loads(outputs[0])["request_id"]
    for args in (("show", request_id, "--json"), ("show", request_id), ("list", "--json")):
        shown = cli(*args, "--ledger", str(ledger_dir))
        outputs += [shown.stdout, shown.stderr]

    everything = "\n".join(outputs) + _tree_text(ledger_dir)
    assert "RUNTIME_RETRY" in everything and "[redacted]" in everything
    for value in KEYS.values():
        assert value not in everything


def _imported_by(*args: str, cwd: Path) -> set[str]:
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    done = subprocess.run(
        [ORCHESTRATE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_help_and_a_mock_run_import_neither_sdk(tmp_path: Path) -> None:
    assert not {"openai", "anthropic"} & _imported_by("--help", cwd=tmp_path)
    assert not {"openai", "anthropic"} & _imported_by("submit", INCIDENT, "--json", cwd=tmp_path)
    listed = _imported_by("list", cwd=tmp_path)
    assert "orchestrator" in listed and not {"openai", "anthropic"} & listed
