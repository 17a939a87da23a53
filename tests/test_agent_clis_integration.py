"""The real Claude Code, Codex and Copilot CLIs, from the npm registry, against a loopback model.

Each CLI is installed once at a pinned version into a cache directory and driven through
`orchestrate submit` on an incident (Ops, Dev and Test on the CLI; triage and PM on mock) in
a real workspace. The fake model server makes the agent read a file, lets Dev write one, and
answers with an instance of the schema the CLI forwarded. Only 127.0.0.1 is ever contacted:
each CLI gets a private HOME and its vendor's own switch to a custom endpoint.

Skipped with the reason when `npm` is missing or an install fails (offline, registry down).
Cache: $ORCHESTRATE_TEST_CLI_CACHE, default ~/.cache/orchestrate-test-clis.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.server import (
    FakeProvider,
    Reply,
    error,
    instance,
    ok,
    requested_schema,
    tool_call,
    tool_results,
)

pytestmark = pytest.mark.slow

PINNED = {
    "claude-code": ("@anthropic-ai/claude-code", "2.1.332", "claude"),
    "codex-cli": ("@openai/codex", "0.171.0", "codex"),
    "copilot-cli": ("@github/copilot", "1.0.102", "copilot"),
}
FAKE_KEY = "sk-loopback-not-a-real-key-5c8e0d"  # long and odd: Copilot masks key values it sees
MARKER = "FLAKY-RETRY-7731"  # in the workspace README; proves the agent read the checkout
INCIDENT = (
    "Production outage: the checkout API has returned 500 errors for all users since the "
    "14:02 deploy; payments are failing site-wide."
)
ORCHESTRATE = Path(sys.executable).with_name("orchestrate")


def cache_root() -> Path:
    default = Path.home() / ".cache" / "orchestrate-test-clis"
    return Path(os.environ.get("ORCHESTRATE_TEST_CLI_CACHE", default))


def install(runtime: str) -> Path:
    """The CLI's executable, installed on first use; skips the test when that cannot work."""
    package, version, binary = PINNED[runtime]
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed; the real-CLI integration tests need it")
    prefix = cache_root() / f"{package.replace('/', '_')}@{version}"
    executable = prefix / "node_modules" / ".bin" / binary
    if executable.exists():
        return executable
    prefix.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(prefix),
                "--no-audit",
                "--no-fund",
                f"{package}@{version}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {package}@{version} timed out (offline?)")
    if done.returncode != 0 or not executable.exists():
        shutil.rmtree(prefix, ignore_errors=True)
        pytest.skip(
            f"npm install {package}@{version} failed (offline?): {done.stderr.strip()[-300:]}"
        )
    return executable


def agent_answer(workspace: Path) -> Any:
    """The fake model: read README.md, Dev also writes FIX.md, then answer to schema."""
    readme, fix = workspace / "README.md", workspace / "FIX.md"

    def tool(kind: str, action: str) -> Reply:
        if kind == "anthropic":
            if action == "read":
                return tool_call("Read", {"file_path": str(readme)})
            return tool_call("Write", {"file_path": str(fix), "content": "retry fix\n"})
        if kind == "responses":
            cmd = "cat README.md" if action == "read" else "printf 'retry fix\\n' > FIX.md"
            return tool_call("exec_command", {"cmd": cmd})
        if action == "read":
            return tool_call("view", {"path": str(readme)})
        return tool_call("create", {"path": str(fix), "file_text": "retry fix\n"})

    def answer(body: dict[str, Any]) -> Reply:
        schema = requested_schema(body)
        if schema is None:  # a CLI's side request (titles, summaries): any text will do
            return ok("ok")
        kind = "anthropic" if "system" in body else "responses" if "input" in body else "chat"
        results = [r for r in tool_results(body) if "structured" not in r.lower()]
        is_dev = "root_cause_hypothesis" in schema.get("properties", {})
        if not results:
            return tool(kind, "read")
        if is_dev and len(results) == 1:
            return tool(kind, "write")
        seen = MARKER if any(MARKER in r for r in results) else "README not seen"
        return ok(json.dumps(instance(schema, f"checked the workspace: {seen}")))

    return answer


def workspace_for(tmp_path: Path) -> Path:
    ws = tmp_path / "checkout-service"
    ws.mkdir()
    (ws / "README.md").write_text(f"# checkout-service\nKnown issue: {MARKER}\n")
    (ws / "app.py").write_text("def charge(cart):\n    return cart.total\n")
    return ws


def environment(runtime: str, server: FakeProvider, home: Path) -> dict[str, str]:
    """A private HOME and each vendor's documented way to a custom endpoint."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
    }
    if runtime == "claude-code":
        env |= {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_API_KEY": FAKE_KEY}
    elif runtime == "codex-cli":
        codex_home = home / "codex-home"
        codex_home.mkdir(parents=True, exist_ok=True)
        (codex_home / "config.toml").write_text(
            'model = "fake-model"\n'
            'model_provider = "loopback"\n\n'
            "[model_providers.loopback]\n"
            'name = "Loopback"\n'
            f'base_url = "{server.url}/v1"\n'
            'wire_api = "responses"\n'
            'env_key = "LOOPBACK_API_KEY"\n'
            "request_max_retries = 0\n"
            "stream_max_retries = 0\n"
        )
        env |= {"CODEX_HOME": str(codex_home), "LOOPBACK_API_KEY": FAKE_KEY}
    else:
        env |= {
            "COPILOT_PROVIDER_BASE_URL": f"{server.url}/v1",
            "COPILOT_PROVIDER_API_KEY": FAKE_KEY,
            "COPILOT_MODEL": "fake-model",
            "COPILOT_OFFLINE": "true",
        }
    return env


def config_file(tmp_path: Path, runtime: str, executable: Path) -> Path:
    path = tmp_path / "orchestrate.toml"
    path.write_text(
        f"[runtimes.{runtime}]\n"
        f'executable = "{executable}"\n'
        'model = "fake-model"\n'
        'allow_write_roles = ["dev"]\n'
        "timeout_s = 180\n"
    )
    return path


def ledger_events(ledger: Path) -> list[dict[str, Any]]:
    events = []
    for path in sorted((ledger / "events").glob("*.jsonl")):
        events += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return events


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One HOME per CLI for the module: first runs unpack caches there."""
    return tmp_path_factory.mktemp("cli-homes")


@pytest.mark.parametrize("runtime", sorted(PINNED))
def test_real_cli_completes_ops_dev_and_test_through_submit(
    runtime: str, tmp_path: Path, homes: Path
) -> None:
    executable = install(runtime)
    if not ORCHESTRATE.exists():
        pytest.skip(f"{ORCHESTRATE} is not installed")
    ws = workspace_for(tmp_path)
    ledger = tmp_path / "ledger"
    home = homes / runtime
    home.mkdir(exist_ok=True)
    with FakeProvider(agent_answer(ws)) as server:
        done = subprocess.run(
            [
                str(ORCHESTRATE),
                "submit",
                INCIDENT,
                "--workspace",
                str(ws),
                "--runtime",
                f"ops={runtime}",
                "--runtime",
                f"dev={runtime}",
                "--runtime",
                f"test={runtime}",
                "--ledger",
                str(ledger),
                "--config",
                str(config_file(tmp_path, runtime, executable)),
                "--json",
            ],
            env=environment(runtime, server, home),
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
            cwd=tmp_path,
        )
        model_calls = server.model_requests()

    assert done.returncode == 0, f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    result = json.loads(done.stdout)
    assert result["state"] == "CLOSED", result
    assert model_calls, "the CLI talked to the loopback server"

    events = ledger_events(ledger)
    completed = {
        e["details"]["role"]: e["details"] for e in events if e["action"] == "ROLE_COMPLETED"
    }
    version = PINNED[runtime][1]
    for role in ("ops", "dev", "test"):
        details = completed[role]
        assert details["runtime"] == runtime, details
        assert details["session_id"], f"{role}: the CLI's session id is kept for resuming"
        extra = details["extra"]
        assert extra["exit_status"] == 0 and extra["cli_version"] == version
        assert extra["write_allowed"] is (role == "dev")
        assert MARKER in details["output"]["summary"], "the agent read the workspace"
        assert details["usage"]["input_tokens"] > 0 and details["usage"]["output_tokens"] > 0
    assert completed["dev"]["extra"]["files_changed"] == ["FIX.md"]
    assert completed["ops"]["extra"]["files_changed"] == []
    assert completed["test"]["extra"]["files_changed"] == []
    assert (ws / "FIX.md").read_text() == "retry fix\n"
    assert completed["pm"]["runtime"] == "mock"


@pytest.mark.parametrize("runtime", sorted(PINNED))
def test_real_cli_auth_failure_is_typed_and_falls_back(
    runtime: str, tmp_path: Path, homes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 401 from the provider surfaces as `auth` (never retried) and the chain moves on."""
    from adapters.agents.cli import AgentCliSettings
    from adapters.base import AgentCall
    from adapters.executor import Executor
    from adapters.policy import RetryPolicy
    from roles.ops import OpsArtifact

    executable = install(runtime)
    home = homes / runtime
    home.mkdir(exist_ok=True)
    events: list[tuple[str, dict[str, Any]]] = []
    with FakeProvider(error(401, "invalid x-api-key")) as server:
        for name, value in environment(runtime, server, home).items():
            monkeypatch.setenv(name, value)
        settings = AgentCliSettings(executable=str(executable), model="fake-model", timeout_s=120)
        executor = Executor(
            {runtime: settings},
            policy=RetryPolicy(max_attempts=3, base_delay_s=0),
            sink=lambda e: events.append((e.action, e.model_dump())),
            sleep=lambda _s: None,
        )
        call = AgentCall(
            role="ops",
            system="You are Ops.",
            user=INCIDENT,
            request_text=INCIDENT,
            output_type=OpsArtifact,
            workspace=workspace_for(tmp_path),
        )
        reply = executor.run(call, [runtime, "mock"])
    assert reply.runtime == "mock"
    assert [a for a, _ in events] == ["RUNTIME_FALLBACK"], events
    details = events[0][1]
    assert details["from_runtime"] == runtime and details["error_kind"] == "auth"
    assert FAKE_KEY not in json.dumps(details)
